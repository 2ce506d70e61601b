"""``monitor-job serve-model``: a predict script served on a local port over the SageMaker
inference container protocol (``GET /ping``, ``POST /invocations``) and over the path of
``sagemaker-runtime`` ``InvokeEndpoint`` (``POST /endpoints/<name>/invocations``, so boto3
with ``AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME`` reaches it): a model to explain without an
endpoint, for local runs, the demo and the tests.

Requests: ``text/csv`` rows; ``application/jsonlines``, a list or ``{"features": [...]}``
per line; ``application/json``, ``{"instances": [[...], ...]}`` or a list of rows. Answers
in the ``Accept`` type: ``text/csv`` (a line per row), ``application/jsonlines``
(``{"score": v}`` or ``{"scores": [...]}`` per line), ``application/json``
(``{"predictions": [...]}`` of the same). An exception from ``predict`` is an HTTP 500 with
its message, or the status it carries in a ``status`` attribute (429: throttled)."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np

log = logging.getLogger("monitor_job")


def _rows(body: bytes, content_type: str) -> np.ndarray:
    text = body.decode("utf-8")
    if content_type.startswith("application/jsonlines"):
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        rows = [r["features"] if isinstance(r, dict) else r for r in rows]
    elif content_type.startswith("application/json"):
        doc = json.loads(text)
        rows = doc["instances"] if isinstance(doc, dict) else doc
    else:
        lines = text.strip().splitlines()
        width = lines[0].count(",") + 1 if lines else 0
        known: dict[str, float] = {}  # synthetic rows repeat few values: parse each once
        values = [
            known[v] if v in known else known.setdefault(v, float(v))
            for v in ",".join(lines).split(",")
        ]
        return np.asarray(values, dtype=float).reshape(-1, width) if width else np.zeros((0, 0))
    return np.asarray(rows, dtype=float)


def _answer(out: np.ndarray, accept: str) -> tuple[bytes, str]:
    values = out.tolist()
    if accept.startswith("text/csv") or accept in ("", "*/*"):
        lines = [",".join(map(repr, v)) if isinstance(v, list) else repr(v) for v in values]
        return ("\n".join(lines) + "\n").encode(), "text/csv"
    items = [{"scores": v} if isinstance(v, list) else {"score": v} for v in values]
    if accept.startswith("application/jsonlines"):
        return ("\n".join(json.dumps(i) for i in items) + "\n").encode(), accept
    return json.dumps({"predictions": items}).encode(), "application/json"


def handler(predict: Callable[..., Any]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes: with Nagle's algorithm on, each answer
        # waits for the client's delayed ACK (40 ms on Linux).
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("serve-model: " + format, *args)

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self._send(200 if self.path == "/ping" else 404, b"", "text/plain")

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path = self.path.split("?")[0]
            if not (path == "/invocations" or path.startswith("/endpoints/")):
                self._send(404, b"not found", "text/plain")
                return
            try:
                rows = _rows(body, self.headers.get("Content-Type") or "text/csv")
                out = np.asarray(predict(rows), dtype=float)
                answer, kind = _answer(out, self.headers.get("Accept") or "text/csv")
            except Exception as err:
                status = int(getattr(err, "status", 500))
                message = json.dumps({"ErrorCode": type(err).__name__, "Message": str(err)})
                self._send(status, message.encode(), "application/json")
                return
            self._send(200, answer, kind)

    return Handler


def serve(
    predict: Callable[..., Any], host: str = "127.0.0.1", port: int = 8080
) -> ThreadingHTTPServer:
    """A started server (its thread a daemon); ``shutdown()`` stops it."""
    server = ThreadingHTTPServer((host, port), handler(predict))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
