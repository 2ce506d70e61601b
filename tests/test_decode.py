"""Decoders: payload layouts, bad records as data, and the preprocess_handler contract."""

from __future__ import annotations

import base64
import json
import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor_job.contract import config_from_mapping
from monitor_job.decode import REASON, decode_dataset
from monitor_job.decode.layout import column_names, infer_layouts, json_layout
from monitor_job.decode.preprocess import BadShape, HandlerSpec, discover_columns, normalize
from monitor_job.decode.records import InferenceRecord
from monitor_job.errors import HandlerError
from monitor_job.io import list_input
from tests.datasets import capture_line, write_lines

CAPTURE = {"sagemakerCaptureJson": {"captureIndexNames": ["endpointInput", "endpointOutput"]}}
WHEN = "2024-03-01T10:15:00Z"


@pytest.mark.parametrize(
    ("payload", "names", "shape"),
    [
        ({"a": 1, "b": "x"}, ("a", "b"), "object"),
        ({"instances": [1.0, 2.0, 5.0]}, (None,), "elements"),
        ({"instances": [{"features": [28, 2, 13]}]}, (None, None, None), "elements"),
        ([{"score": 0.9, "predicted_label": 1}], ("score", "predicted_label"), "elements"),
        ([1, 2, 3], (None, None, None), "vector"),
    ],
)
def test_json_layouts(payload, names, shape) -> None:
    layout = json_layout(payload)
    assert layout is not None
    assert layout.names == names
    assert layout.shape == shape


def test_nested_objects_are_not_tabular() -> None:
    assert json_layout({"a": {"b": 1}, "c": 2}) is None


def test_column_names_output_first_positional() -> None:
    lines = [capture_line('{"score": 0.5}', "1,2,3", "CSV", "text/csv", WHEN)]
    lines[0] = lines[0].replace(
        '"encoding": "CSV"}, "endpointOutput"', '"encoding": "CSV"}, "endpointOutput"'
    )
    layouts = infer_layouts(
        [
            json.dumps(
                {
                    "captureData": {
                        "endpointInput": {"data": "1,2,3", "encoding": "CSV"},
                        "endpointOutput": {"data": '{"score": 0.5}', "encoding": "JSON"},
                    }
                }
            )
        ],
        ("endpointOutput", "endpointInput"),
    )
    assert column_names(layouts[i] for i in ("endpointOutput", "endpointInput")) == (
        "score",
        "_c1",
        "_c2",
        "_c3",
    )


def _decode(spark, tmp_path, lines, **env):
    write_lines(lines, tmp_path / "cap" / "ep" / "v" / "2024" / "03" / "01" / "10" / "f.jsonl")
    config = config_from_mapping(
        {
            "dataset_format": CAPTURE,
            "dataset_source": str(tmp_path / "cap"),
            "output_path": "/o",
            **env,
        }
    )
    return decode_dataset(
        spark, config, list_input(config.dataset_source, config.start_time, config.end_time)
    )


def test_bad_records_are_counted_by_reason(spark, tmp_path) -> None:
    good = capture_line("0.5", "1,2", "CSV", "text/csv", WHEN)
    lines = [
        good,
        capture_line("0.7", "3,4", "BASE64", "text/csv", WHEN),
        good.replace('"encoding": "CSV"', '"encoding": "BASE64"', 1),  # '1,2' is not base64
        "{not json",
        good.replace('"data": "1,2"', '"data": "1,2,3"'),
        good.replace('"encoding": "CSV"', '"encoding": "XML"', 1),
        capture_line("0.1\n0.2", "5,6\n7,8", "CSV", "text/csv", WHEN),
        capture_line("0.1", "5,6", "CSV", "text/csv", "2024-03-01T11:00:00Z"),
    ]
    decoded = _decode(
        spark, tmp_path, lines, start_time="2024-03-01T10:00:00Z", end_time="2024-03-01T11:00:00Z"
    )
    rows = decoded.frame.collect()
    reasons = sorted(r[REASON] for r in rows if r[REASON])
    assert reasons == [
        "bad base64",
        "malformed JSON line",
        "outside window",
        "unknown encoding",
        "wrong column count",
    ]
    good_rows = [(r["c0"], r["c1"], r["c2"]) for r in rows if not r[REASON]]
    assert good_rows == [("0.5", "1", "2"), ("0.7", "3", "4"), ("0.1", "5", "6"), ("0.2", "7", "8")]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(st.binary(max_size=80).map(lambda b: b.decode("latin-1")), st.text(max_size=80)),
        max_size=6,
    )
)
def test_layout_inference_never_crashes(lines) -> None:
    infer_layouts(lines, ("endpointOutput", "endpointInput"))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.text(max_size=60), min_size=1, max_size=5))
def test_arbitrary_payloads_never_crash_the_spark_decoder(
    spark, tmp_path_factory, payloads
) -> None:
    tmp = tmp_path_factory.mktemp("fuzz")
    good = capture_line("1", "2,3", "CSV", "text/csv", WHEN)
    lines = [good] + [
        capture_line(p, p, enc, "text/csv", WHEN) for p in payloads for enc in ("CSV", "BASE64")
    ]
    lines += [p.replace("\n", " ") for p in payloads]
    rows = _decode(spark, tmp, lines).frame.collect()
    assert rows[0][REASON] is None  # the good record still decodes
    for row in rows:
        assert row[REASON] is None or isinstance(row[REASON], str)


# Lines whose fields the job's capture parser must read as Spark's from_json reads them:
# not objects, broken JSON, wrong shapes at every wanted key (Spark 3.5 keeps the rest of
# the line), non-string scalars, duplicate keys, Spark's reader defaults.
ENVELOPE_EDGES = [
    "",
    "   ",
    "not json",
    "[1,2]",
    "3",
    "null",
    "{}",
    '{"captureData":null}',
    '{"captureData":"x","eventVersion":"0"}',
    '{"eventVersion":"0","captureData":[1]}',
    '{"captureData":{"endpointInput":"x","endpointOutput":{"data":"1","encoding":"CSV"}}}',
    '{"captureData":{"endpointInput":{"data":1.50,"encoding":true}}}',
    '{"captureData":{"endpointInput":{"data":{"a":[1, 2.0]},"encoding":null}}}',
    '{"eventMetadata":[1],"eventVersion":"0"}',
    '{"eventMetadata":{"inferenceTime":"t"},"eventMetadata":{"invocationSource":"s"}}',
    '{"eventVersion":"0","eventVersion":null}',
    '{"eventVersion":"0"} trailing',
    '{"eventVersion":"0"',
    '{"eventVersion":"0",}',
    "{'eventVersion':'0'}",
    '{"eventVersion":NaN}',
    '{"eventVersion": 1e400}',
    '{"eventVersion": 0001}',
    '{"eventVersion":"\\u00e9\\n"}',
    '{"eventVersion":"\u00e9"}',
    '{"a":{"b":[}}',
]

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)


def _envelope(draw_value):  # type: ignore[no-untyped-def]
    side = st.fixed_dictionaries(
        {}, optional={"data": draw_value, "encoding": draw_value, "mode": draw_value}
    )
    return st.fixed_dictionaries(
        {},
        optional={
            "captureData": st.one_of(
                _JSON,
                st.fixed_dictionaries(
                    {}, optional={"endpointInput": side | _JSON, "endpointOutput": side}
                ),
            ),
            "eventMetadata": st.one_of(
                _JSON,
                st.fixed_dictionaries(
                    {},
                    optional={
                        "inferenceTime": draw_value,
                        "invocationSource": draw_value,
                        "eventId": draw_value,
                    },
                ),
            ),
            "eventVersion": draw_value,
            "other": _JSON,
        },
    )


def _read_both(spark, lines):  # type: ignore[no-untyped-def]
    from pyspark.sql import functions as F

    from monitor_job.runtime.jvm import capture_record

    frame = spark.createDataFrame([(line,) for line in lines], "value string")
    job = capture_record(spark, F.col("value"))
    schema = frame.select(job).schema[0].dataType  # the fields the decoder reads
    assert schema.simpleString() == (
        "struct<captureData:struct<endpointInput:struct<data:string,encoding:string>,"
        "endpointOutput:struct<data:string,encoding:string>>,"
        "eventMetadata:struct<inferenceTime:string,invocationSource:string>,eventVersion:string>"
    )
    rows = frame.select(
        "value", F.from_json("value", schema).alias("spark"), job.alias("job")
    ).collect()

    def plain(record):  # type: ignore[no-untyped-def]
        if record is None:
            return None
        fields = record.asDict(recursive=True)
        # Spark's row of nulls for a line it cannot read; the job's null: both malformed
        return None if all(v is None for v in fields.values()) else fields

    return [(row.value, plain(row.spark), plain(row.job)) for row in rows]


def test_capture_parser_reads_edge_lines_as_from_json(spark) -> None:
    pairs = _read_both(spark, ENVELOPE_EDGES)
    assert [p for p in pairs if p[1] != p[2]] == []
    # the cases are not all malformed: the comparison sees fields
    assert sum(p[2] is not None for p in pairs) >= 10


@settings(max_examples=30, deadline=None)
@given(st.lists(_envelope(_JSON), min_size=1, max_size=20))
def test_capture_parser_reads_any_envelope_as_from_json(spark, envelopes) -> None:
    lines = [json.dumps(e) for e in envelopes]
    assert [p for p in _read_both(spark, lines) if p[1] != p[2]] == []


@pytest.mark.parametrize(
    "request_of",
    [
        lambda rows: {"instances": rows},
        lambda rows: rows,  # a top-level list of rows
    ],
)
def test_json_batches_decode_row_by_row(spark, tmp_path, request_of) -> None:
    """A JSON batch payload (no fast path: every record takes the general path) gives one
    row per element, paired with the response's rows; a batch of the wrong width fails
    with its reason. (Before, a batch-shaped side made the decoder refer to a fast-path
    column that does not exist, and the job failed.)"""

    def line(inputs, scores):  # type: ignore[no-untyped-def]
        request = json.dumps(request_of(inputs))
        response = json.dumps({"predictions": scores})
        return capture_line(response, request, "JSON", "application/json", WHEN)

    lines = [
        line([[1, "a"], [2, "b"]], [0.1, 0.2]),
        line([[3, "c"]], [0.3]),
        line([[4, "d", 9]], [0.4]),  # three values where the sample had two
    ]
    rows = _decode(spark, tmp_path, lines).frame.collect()
    good = [(r["c0"], r["c1"], r["c2"]) for r in rows if not r[REASON]]
    assert good == [("0.1", "1", "a"), ("0.2", "2", "b"), ("0.3", "3", "c")]
    assert [r[REASON] for r in rows if r[REASON]] == ["wrong column count"]


BATCH_REQUESTS = [
    '{"instances": [[1.50, "x, \\"y\\"", 1e5, -0, true, null, {"k": [1, 2.0]}]]}',
    '{"instances": [[1, 2, 3, 4, 5, 6, 7]], "other": [0]}',  # another list key: kept
    '{"instances": [[1, 2, 3, 4, 5, 6, 7]], "other": 0}',  # Spark's map refuses it
    '{"instances": [[1, 2, 3, 4, 5, 6, 7]], "instances": [[7, 6, 5, 4, 3, 2, 1]]}',
    '{"instances": [[1, 2, 3, 4, 5, 6, 7], [8, 9, 10, 11, 12, 13, 14]]}',  # two rows
    '{"instances": [[1, 2, 3]]}',  # wrong width
    '{"instances": []}',
    '{"instances": [5]}',
    '{"instances": [[1, 2, 3, 4, 5, 6, 7]]} trailing',
    '{"instances": [[1, 2, 3, 4, 5, 6',
    "{'instances': [[NaN, -Infinity, 3, 4, 5, 6, 7]]}",
    '{"instances": [[1, 2, 3, 4, 5, 6, 7]]}',
]
BATCH_RESPONSES = [
    '{"predictions": [0.5]}',
    '{"predictions": [0.1, 0.2]}',
    '{"predictions": 3}',
    '{"predictions": [NaN]}',
]


def test_json_batch_fast_path_equals_general_path(spark) -> None:
    """One-row batches take the fast path (JsonBatchRow); every other shape the general
    path; both give the same rows and reasons on every pairing of these payloads."""
    from chispa import assert_df_equality

    from monitor_job.decode.capture import decode_capture_records

    lines = [
        capture_line(response, request, "JSON", "application/json", WHEN)
        for request in BATCH_REQUESTS
        for response in BATCH_RESPONSES
    ]
    layouts = infer_layouts(lines[:1], ("endpointOutput", "endpointInput"))
    assert layouts["endpointInput"].shape == "elements"
    frame = spark.createDataFrame([(line,) for line in lines], "value string")
    fast, _ = decode_capture_records(frame, layouts, None, None, fast=True)
    general, _ = decode_capture_records(frame, layouts, None, None, fast=False)
    assert_df_equality(fast, general, ignore_row_order=True)
    rows = [tuple(r) for r in fast.collect()]
    # as Spark writes a number read into a string; a string's content; null; JSON text
    want = ("0.5", "1.5", 'x, "y"', "100000.0", "0", "true", None, '{"k":[1,2.0]}', None, None)
    assert want in rows
    assert sum(r[-2] is None for r in rows) >= 4  # the decodable ones, several paths


def _record() -> InferenceRecord:
    return InferenceRecord(json.loads(capture_line("0.5", "1,2", "CSV", "text/csv", WHEN)))


def test_record_exposes_both_dialects() -> None:
    record = _record()
    assert record.endpoint_input.data == "1,2"
    assert record.event_data.endpointInput.data == "1,2"
    assert record.endpoint_output.observed_content_type == "text/csv"
    assert record.event_metadata.inference_time == WHEN


@pytest.mark.parametrize(
    ("result", "rows"),
    [
        (None, []),
        ([], []),
        ({"b": 1, "a": 2}, [{"b": 1, "a": 2}]),
        ([1, "x"], [[1, "x"]]),
        ([{"a": 1}, {"a": 2}], [{"a": 1}, {"a": 2}]),
    ],
)
def test_handler_return_shapes(result, rows) -> None:
    assert normalize(result) == rows


def test_handler_bad_shape() -> None:
    with pytest.raises(BadShape):
        normalize(42)


def test_handler_signatures_and_key_order(tmp_path) -> None:
    one = tmp_path / "one.py"
    one.write_text(
        "def preprocess_handler(inference_record):\n"
        "    return {'z': inference_record.event_data.endpointOutput.data, 'a': 1}\n"
    )
    two = tmp_path / "two.py"
    two.write_text(
        "def preprocess_handler(inference_record, logger):\n"
        "    logger.info('hi')\n    return [inference_record.endpoint_output.data, 2]\n"
    )
    line = capture_line("0.5", "1,2", "CSV", "text/csv", WHEN)
    assert discover_columns(HandlerSpec(str(one), "capture"), [line]) == ("z", "a")
    assert discover_columns(HandlerSpec(str(two), "capture"), [line]) == ("_c0", "_c1")


@pytest.mark.parametrize(
    ("source", "needle"),
    [
        ("def other():\n    pass\n", "does not define a function named preprocess_handler()"),
        ("import not_a_module_xyz\n", "ModuleNotFoundError"),
    ],
)
def test_handler_import_failures(tmp_path, source, needle) -> None:
    script = tmp_path / "h.py"
    script.write_text(source)
    with pytest.raises(HandlerError, match=needle):
        HandlerSpec(str(script), "capture").load()


def test_handler_exceptions_are_counted_not_fatal(spark, tmp_path) -> None:
    script = tmp_path / "h.py"
    script.write_text(
        "def preprocess_handler(inference_record, logger):\n"
        "    if inference_record.endpoint_output.data == 'boom':\n"
        "        raise ValueError('bad record')\n"
        "    if inference_record.endpoint_output.data == 'drop':\n"
        "        return []\n"
        "    return {'out': inference_record.endpoint_output.data}\n"
    )
    lines = [capture_line(v, "1", "CSV", "text/csv", WHEN) for v in ("1", "boom", "drop", "2")]
    rows = _decode(spark, tmp_path, lines, record_preprocessor_script=str(script)).frame.collect()
    assert [r["c0"] for r in rows if not r[REASON]] == ["1", "2"]
    failed = [r for r in rows if r[REASON] == "handler exception: ValueError"]
    assert (
        len(failed) == 1 and "bad record" in failed[0]["_mj_raw"] and "boom" in failed[0]["_mj_raw"]
    )
    assert sum(1 for r in rows if r[REASON] == "dropped by handler") == 1


def test_base64_payload_roundtrip_helper() -> None:
    line = json.loads(capture_line("0.5", "1,2", "BASE64", "text/csv", WHEN))
    assert base64.b64decode(line["captureData"]["endpointInput"]["data"]).decode() == "1,2"
    logging.getLogger("Preprocessing").debug("logger exists")


def _csv_payload(rows: list[list[str]]) -> str:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out).writerows(rows)  # lines end in \r\n: a field with \r or \n is quoted
    return out.getvalue()


def _as_read(value: str) -> str | None:
    """A written field as the decoder gives it back: a quoted one exactly, an unquoted one
    trimmed of spaces; blank is missing."""
    needs_quotes = any(c in value for c in ',"\r\n')
    return (value if needs_quotes else value.strip(" ")) or None


def test_quoted_csv_captures_decode_to_their_columns(spark, tmp_path) -> None:
    """The issue's hour: 2,000 requests like "Smith, John",42,61.79 (text with a comma in
    quotes), none failed, every value where it belongs, on both paths."""
    import numpy as np

    from monitor_job.decode.capture import decode_capture_records

    rng = np.random.default_rng(3)
    surnames = ["Smith", "O'Brien", 'the "Rock"', "Lee"]
    rows = [
        [f"{rng.choice(surnames)}, {rng.choice(['John', 'Ann'])}", str(rng.integers(18, 90)),
         f"{rng.uniform(0, 100):.2f}"]
        for _ in range(2000)
    ]  # fmt: skip
    lines = [
        capture_line("0.5", _csv_payload([row]).rstrip("\r\n"), "BASE64", "text/csv", WHEN)
        for row in rows
    ]
    decoded = _decode(spark, tmp_path, lines)
    got = decoded.frame.orderBy("c1", "c2", "c3").collect()
    assert decoded.names == ("_c0", "_c1", "_c2", "_c3")
    assert all(r[REASON] is None for r in got)
    assert sorted((r["c1"], r["c2"], r["c3"]) for r in got) == sorted(map(tuple, rows))
    frame = spark.createDataFrame([(line,) for line in lines], "value string")
    layouts = infer_layouts(lines[:1], ("endpointOutput", "endpointInput"))
    general, _ = decode_capture_records(frame, layouts, None, None, fast=False)
    fast, _ = decode_capture_records(frame, layouts, None, None, fast=True)
    assert sorted(map(tuple, general.collect())) == sorted(map(tuple, fast.collect()))


_FIELD = st.one_of(
    st.text(alphabet=st.sampled_from(list('ab ,"\n\r1.-é')), max_size=8),
    st.from_regex(r"-?[0-9]{1,4}(\.[0-9]{1,3})?", fullmatch=True),
)


_BATCH = st.integers(2, 4).flatmap(
    lambda w: st.lists(st.lists(_FIELD, min_size=w, max_size=w), min_size=1, max_size=3)
)


@settings(max_examples=25, deadline=None)
@given(_BATCH)
def test_quoted_csv_reads_as_pythons_csv_module(spark, batch) -> None:
    """Any fields (commas, quotes, line breaks, spaces, accents) written by Python's csv
    module, one request of one or several rows, read back as written (a quoted field
    exactly, an unquoted one trimmed), on both paths."""
    from monitor_job.decode.capture import decode_capture_records

    def line(rows: list[list[str]]) -> str:
        outputs = "\n".join("1" for _ in rows)  # one answer per row
        return capture_line(outputs, _csv_payload(rows), "BASE64", "text/csv", WHEN)

    layouts = infer_layouts([line(batch[:1])], ("endpointOutput", "endpointInput"))
    width = len(batch[0])
    assert layouts["endpointInput"].width == width
    frame = spark.createDataFrame([(line(batch),)], "value string")
    for fast in (True, False):
        out, _ = decode_capture_records(frame, layouts, None, None, fast=fast)
        rows = out.collect()
        assert [r[REASON] for r in rows] == [None] * len(batch), (batch, fast)
        got = [[r[f"c{i}"] for i in range(1, width + 1)] for r in rows]
        assert got == [[_as_read(v) for v in r] for r in batch], (batch, fast)


def test_a_features_request_is_one_row_and_other_wrappers_stay_batches() -> None:
    """{"features": [...]} (Clarify's FeaturesAttribute) is one row of positional columns;
    another one-key wrapper of values ({"instances": [...]}) stays a batch of rows."""
    features = json_layout({"features": [1, 2.5, "x"]})
    assert features is not None and (features.width, features.shape) == (3, "object")
    batch = json_layout({"instances": [1, 2, 3]})
    assert batch is not None and (batch.width, batch.shape) == (1, "elements")
