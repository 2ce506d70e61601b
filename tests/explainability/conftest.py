"""A model server on loopback (``monitor-job serve-model``'s) for the explainability tests:
it speaks the inference container protocol and InvokeEndpoint's path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from monitor_job.decode.preprocess import load_function
from monitor_job.explainability.serve import serve


@pytest.fixture
def model_server() -> Iterator[Any]:
    """Start a server for a predict script: ``start(script) -> base URL``; stopped after."""
    servers = []

    def start(script: Path) -> str:
        predict, _ = load_function(str(script), "predict")
        server = serve(predict, "127.0.0.1", 0)
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
