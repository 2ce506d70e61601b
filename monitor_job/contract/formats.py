"""``dataset_format``: the kinds of input a run reads and their options, parsed once; and
what the CLI's ``--format`` names stand for."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from monitor_job.errors import ConfigError

CAPTURE_INDEX_NAMES = ("endpointInput", "endpointOutput")
# ``monitoringRuns`` (ours): the dataset is finished data-quality monitoring runs (their
# statistics and persisted states), merged into one span by a rollup.
RUNS = "monitoringRuns"
# A batch transform's capture destination: its manifests name the files to read.
BATCH = "batchTransformCapture"
BATCH_SIDES = ("input", "output")
BATCH_KEYS = ("sides", "datasetFormat", "generateInferenceId", "outputColumns")
FORMAT_KINDS = (
    "sagemakerCaptureJson",
    "sagemakerMergeJson",
    "csv",
    "json",
    "parquet",
    RUNS,
    BATCH,
)
DATA_KINDS = ("csv", "json", "parquet")
CAPTURE_KINDS = ("sagemakerCaptureJson", "sagemakerMergeJson")
CAPTURE_BOTH = {"captureIndexNames": list(CAPTURE_INDEX_NAMES)}
# What the CLI's --format takes for a dataset (bias takes capture and merged: its own).
CLI_FORMATS = ("capture", "csv", "json", "parquet")


@dataclass(frozen=True)
class DatasetFormat:
    """Parsed ``dataset_format``: one of the four kinds and its options."""

    kind: str
    capture_indices: tuple[str, ...] = ()
    header: bool = False
    output_columns_position: str = "START"
    json_lines: bool = True
    batch: BatchFormat | None = None  # batchTransformCapture's options

    @property
    def is_capture(self) -> bool:
        """Capture records (merged records are capture records with ``groundTruthData``)."""
        return self.kind in CAPTURE_KINDS

    @property
    def is_runs(self) -> bool:
        """Finished monitoring runs to roll up, not records."""
        return self.kind == RUNS

    @property
    def is_batch(self) -> bool:
        """A batch transform's capture destination (manifests), not the data itself."""
        return self.batch is not None

    @property
    def is_documents(self) -> bool:
        """JSON documents, one value per file (``{"json": {"line": false}}``: a batch
        transform's ``SplitType=None``), not JSON Lines."""
        return self.kind == "json" and not self.json_lines

    @property
    def is_merged(self) -> bool:
        """Captures already merged with ground truth (what SageMaker's merge job writes)."""
        return self.kind == "sagemakerMergeJson"


@dataclass(frozen=True)
class BatchFormat:
    """``batchTransformCapture``: which side of the transform is read (its input files, or
    its ``.out`` files), their format (``BatchTransformInput.DatasetFormat``), and whether
    its outputs carry SageMaker's inference id and time (None: found from the data); for
    CSV outputs, how many values the model writes per row (None: all of a row that is not
    the input's copy, found by pairing with the input)."""

    sides: tuple[str, ...]
    data: DatasetFormat
    inference_id: bool | None = None
    output_columns: int | None = None

    @property
    def side(self) -> str:
        return self.sides[0]


def _api_spelling(raw: object) -> object:
    """``{"Csv": {"Header": true}}`` (the API's ``DatasetFormat``) as ``{"csv": {"header":
    true}}``: each key's first letter in lower case, two levels deep."""
    if not isinstance(raw, Mapping):
        return raw
    return {
        str(k)[:1].lower() + str(k)[1:]: (
            {str(o)[:1].lower() + str(o)[1:]: v for o, v in opts.items()}
            if isinstance(opts, Mapping)
            else opts
        )
        for k, opts in raw.items()
    }


def _batch(opts: Mapping[str, Any]) -> BatchFormat:
    unknown = sorted(set(opts) - set(BATCH_KEYS))
    if unknown:
        raise ConfigError(
            f"dataset_format.{BATCH} has unknown key(s) {unknown}; valid: {list(BATCH_KEYS)}"
        )
    sides = opts.get("sides", ["input"])
    if (
        not isinstance(sides, list)
        or not sides
        or any(s not in BATCH_SIDES for s in sides)
        or len(set(sides)) != len(sides)
    ):
        raise ConfigError(
            f"dataset_format.{BATCH}.sides must be a non-empty list of {list(BATCH_SIDES)}; "
            f"got {sides!r}"
        )
    if "datasetFormat" not in opts:
        raise ConfigError(
            f"dataset_format.{BATCH}.datasetFormat is required: the transform's files, "
            'e.g. {"csv": {"header": false}}, {"json": {"line": true}} or {"parquet": {}}'
        )
    data = parse_dataset_format(_api_spelling(opts["datasetFormat"]))
    if data.kind not in DATA_KINDS:
        raise ConfigError(
            f"dataset_format.{BATCH}.datasetFormat must be one of {list(DATA_KINDS)}; "
            f"got {data.kind!r}"
        )
    if len(sides) > 1 and (data.kind == "parquet" or data.header):
        raise ConfigError(
            f'dataset_format.{BATCH}.sides ["input", "output"] pairs CSV lines without a '
            "header, JSON Lines, or JSON documents, so far; Parquet pairs and CSV headers are "
            "not supported yet: read one side"
        )
    ids = opts.get("generateInferenceId")
    if ids is not None and not isinstance(ids, bool):
        raise ConfigError(
            f"dataset_format.{BATCH}.generateInferenceId must be true or false; got {ids!r}"
        )
    width = opts.get("outputColumns")
    if width is not None and (
        isinstance(width, bool) or not isinstance(width, int) or width < 1 or data.kind != "csv"
    ):
        raise ConfigError(
            f"dataset_format.{BATCH}.outputColumns is the number of values the model writes "
            f"per CSV row (a positive integer, for CSV outputs); got {width!r}"
        )
    return BatchFormat(tuple(sides), data, ids, width)


def parse_dataset_format(raw: object) -> DatasetFormat:
    """Parse the ``dataset_format`` JSON (string or already-parsed mapping)."""
    valid = ", ".join(FORMAT_KINDS)
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as err:
            raise ConfigError(
                f"dataset_format is not valid JSON ({err.msg} at char {err.pos}): {raw!r}; "
                f'expected e.g. {{"csv": {{"header": true}}}} with one of: {valid}'
            ) from err
    if not isinstance(raw, Mapping) or len(raw) != 1:
        raise ConfigError(
            f"dataset_format must be an object with exactly one key, one of: {valid}; got {raw!r}"
        )
    kind, opts = next(iter(raw.items()))
    if kind not in FORMAT_KINDS:
        raise ConfigError(f"dataset_format key {kind!r} is not supported; valid keys: {valid}")
    opts = opts or {}
    if not isinstance(opts, Mapping):
        raise ConfigError(f"dataset_format.{kind} must be an object, got {opts!r}")
    if kind in CAPTURE_KINDS:
        names = opts.get("captureIndexNames", list(CAPTURE_INDEX_NAMES))
        if (
            not isinstance(names, list)
            or not names
            or any(n not in CAPTURE_INDEX_NAMES for n in names)
        ):
            raise ConfigError(
                f"dataset_format.{kind}.captureIndexNames must be a non-empty list "
                f"of {list(CAPTURE_INDEX_NAMES)}; got {names!r}"
            )
        # Output columns first, then input columns, whatever order the list has.
        ordered = tuple(n for n in ("endpointOutput", "endpointInput") if n in names)
        return DatasetFormat(kind=kind, capture_indices=ordered)
    if kind == "csv":
        header = opts.get("header", False)
        if not isinstance(header, bool):
            raise ConfigError(f"dataset_format.csv.header must be true or false; got {header!r}")
        position = str(opts.get("output_columns_position", "START")).upper()
        if position not in ("START", "END"):
            raise ConfigError(
                "dataset_format.csv.output_columns_position must be START or END; "
                f"got {opts.get('output_columns_position')!r}"
            )
        return DatasetFormat(kind=kind, header=header, output_columns_position=position)
    if kind == "json":
        # The SDK writes "lines", the docs "line", the API "Line": accept all three.
        lines = next((opts[k] for k in ("lines", "line", "Line") if k in opts), True)
        if not isinstance(lines, bool):
            raise ConfigError(f"dataset_format.json.lines must be true or false; got {lines!r}")
        return DatasetFormat(kind=kind, json_lines=lines)
    if kind == BATCH:
        return DatasetFormat(kind=kind, batch=_batch(opts))
    return DatasetFormat(kind=kind)


def cli_dataset_format(name: str, header: bool) -> dict[str, Any]:
    """The ``dataset_format`` a CLI ``--format`` stands for."""
    formats: dict[str, dict[str, Any]] = {
        "csv": {"csv": {"header": header, "output_columns_position": "START"}},
        "json": {"json": {"lines": True}},
        "parquet": {"parquet": {}},
        "capture": {"sagemakerCaptureJson": CAPTURE_BOTH},
        "merged": {"sagemakerMergeJson": CAPTURE_BOTH},
        "runs": {RUNS: {}},
    }
    return formats[name]
