"""Keep a deterministic 10% sample of records (by event id); drop the rest.

Returning ``[]`` drops a record; anything else is passed on. The kept records are decoded
as CSV payloads (output first), like the built-in decoder.
"""

from __future__ import annotations

import zlib
from typing import Any

KEEP_PERCENT = 10


def preprocess_handler(inference_record: Any) -> list[Any]:
    event_id = str(inference_record.event_metadata.event_id or "")
    if zlib.crc32(event_id.encode()) % 100 >= KEEP_PERCENT:
        return []
    output = str(inference_record.endpoint_output.data).strip()
    inp = str(inference_record.endpoint_input.data).strip()
    return (output + "," + inp).split(",")
