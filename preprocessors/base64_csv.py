"""Decode base64-encoded CSV capture (output columns first), the field report's handler.

Keys are zero-padded positions (``str(i).zfill(20)``) so that their order is the column
order even where a consumer sorts keys.
"""

from __future__ import annotations

import base64
import logging
from typing import Any


def _decode(data: str, encoding: str) -> str:
    text = data.rstrip("\n")
    if str(encoding).upper() == "BASE64":
        text = base64.b64decode(text).decode("utf-8")
    return text.rstrip("\n")


def preprocess_handler(inference_record: Any, logger: logging.Logger) -> dict[str, str]:
    logger.debug("processing record %s", inference_record.event_metadata.event_id)
    inp = inference_record.endpoint_input
    out = inference_record.endpoint_output
    outputs = _decode(out.data, out.encoding) + "," + _decode(inp.data, inp.encoding)
    return {str(i).zfill(20): d for i, d in enumerate(outputs.split(","))}
