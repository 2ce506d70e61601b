"""Run a user's ``preprocess_handler`` in batches (``mapInPandas``), failures as data.

The handler is Python by nature; it runs once per record inside Arrow batches, never
through ``rdd.map``. The output columns are discovered by running the handler on a small
sample on the driver (key order kept, first seen first).
"""

from __future__ import annotations

import inspect
import json
import logging
import traceback
import types
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor_job.decode.capture import RAW, REASON
from monitor_job.decode.records import InferenceRecord
from monitor_job.errors import HandlerError, raise_if_stopped
from monitor_job.io.s3 import is_s3, read_bytes

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import DataFrame
    from pyspark.sql import types as T

SCALARS = (str, int, float, bool, type(None))
RAW_LIMIT = 2000
POS = "_mj_pos"  # a handler row's position among its line's rows (with carried columns)


class BadShape(ValueError):
    """The handler returned something that is not a row, a list of rows, or nothing."""


@dataclass(frozen=True)
class HandlerSpec:
    """The user's handler: where it came from, its source, and what it is fed.

    The source text travels with the spec to the executors, so a script from S3 or from
    the driver's disk works on every node of a cluster.
    """

    path: str
    input_kind: str  # "capture" | "csv" | "json"
    source: str = field(default="", repr=False)

    @classmethod
    def read(cls, path: str, input_kind: str) -> HandlerSpec:
        return cls(path, input_kind, read_script(path, "preprocess_handler"))

    def load(self) -> tuple[Callable[..., Any], bool]:
        source = self.source or read_script(self.path, "preprocess_handler")
        return load_source(source, self.path, "preprocess_handler")


def read_script(path: str, name: str) -> str:
    """The text of a user script, from a local path or ``s3://``."""
    if is_s3(path):
        return read_bytes(path, f"{name} script", HandlerError).decode("utf-8", errors="replace")
    script = Path(path)
    if not script.is_file():
        raise HandlerError(f"{name} script {path} does not exist")
    try:
        return script.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise HandlerError(f"cannot read {name} script {path}: {err}") from err


def check_script(path: str, name: str) -> None:
    """Read and compile a user script (before Spark starts): a missing or unreadable file or
    a syntax error is one ``HandlerError`` now, not after the data was read."""
    source = read_script(path, name)
    try:
        compile(source, path, "exec")
    except SyntaxError as err:
        raise HandlerError(
            f"{name} script {path}: SyntaxError: {err.msg} (line {err.lineno})"
        ) from err


def load_source(source: str, path: str, name: str) -> tuple[Callable[..., Any], bool]:
    """Execute a script's ``source`` as a module; return (``name`` function, takes_logger)."""
    stem = Path(path).stem
    module = types.ModuleType(f"_mj_user_{stem}")
    module.__file__ = path
    try:
        exec(compile(source, path, "exec"), module.__dict__)
    except Exception as err:
        raise_if_stopped(err)
        raise HandlerError(
            f"cannot import {path}: {type(err).__name__}: {err}".splitlines()[0]
        ) from err
    fn = getattr(module, name, None)
    if not callable(fn):
        raise HandlerError(f"{path} does not define a function named {name}()")
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        params = {}  # type: ignore[assignment]
    return fn, "logger" in params


def load_function(path: str, name: str) -> tuple[Callable[..., Any], bool]:
    """Import ``name`` from the script at ``path`` (local or ``s3://``)."""
    return load_source(read_script(path, name), path, name)


def normalize(result: Any) -> list[dict[str, Any] | list[Any]]:
    """Handler result -> rows: dict (named) or list (positional). None/[] -> no rows."""
    if result is None:
        return []
    if isinstance(result, dict):
        return [result]
    if isinstance(result, (list, tuple)):
        if not result:
            return []
        if all(isinstance(v, dict) for v in result):
            return list(result)
        if all(isinstance(v, SCALARS) for v in result):
            return [list(result)]
        if all(isinstance(v, (list, tuple)) for v in result):
            return [list(v) for v in result]
    raise BadShape(f"handler returned {type(result).__name__}; expected dict, list or None")


def to_text(value: Any) -> str | None:
    """Cell text as the built-in decoders produce it: empty means missing."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def handler_input(kind: str, line: str) -> Any:
    if kind == "capture":
        return InferenceRecord(json.loads(line))
    if kind == "json":
        return json.loads(line)
    return line


def call(fn: Callable[..., Any], takes_logger: bool, arg: Any, logger: logging.Logger) -> Any:
    return fn(arg, logger) if takes_logger else fn(arg)


def discover_columns(
    spec: HandlerSpec,
    lines: Sequence[str],
    loaded: tuple[Callable[..., Any], bool] | None = None,
) -> tuple[str, ...]:
    """Column names from the handler's output on sample lines, in first-seen order.

    ``loaded`` is the already-imported handler, so the user's module runs once on the driver.
    """
    fn, takes_logger = loaded or spec.load()
    logger = logging.getLogger("Preprocessing")
    names: list[str] = []
    width = 0
    for line in lines:
        try:
            rows = normalize(call(fn, takes_logger, handler_input(spec.input_kind, line), logger))
        except Exception as err:  # record-level failures are counted in the real run
            raise_if_stopped(err)
            continue
        for row in rows:
            if isinstance(row, dict):
                names.extend(str(k) for k in row if str(k) not in names)
            else:
                width = max(width, len(row))
    if not names:
        names = [f"_c{i}" for i in range(width)]
    return tuple(names)


def handler_columns(
    script: str, kind: str, sample: list[str], where: str
) -> tuple[HandlerSpec, tuple[str, ...]]:
    """The handler of ``script`` (imported now: one that cannot be fails the run before
    anything is read) and the columns it returns for the ``sample`` of first records."""
    from monitor_job.errors import EmptyInputError, InputDataError

    spec = HandlerSpec.read(script, kind)
    loaded = spec.load()
    if not sample:
        raise EmptyInputError(f"input files under {where} hold no lines")
    names = discover_columns(spec, sample, loaded)
    if not names:
        raise InputDataError(
            f"preprocess_handler in {script} returned no columns for any of the first "
            f"{len(sample)} records; nothing to analyse"
        )
    return spec, names


def _line_rows(
    out: list[list[Any]],
    line: Any,
    skip: Any,
    handler: tuple[Callable[..., Any], bool, logging.Logger],
    spec: HandlerSpec,
    index: dict[str, int],
) -> None:
    """Append the rows of one line to ``out`` (one failed row with its reason when the line
    fails): ``c0..`` values, reason, raw."""
    fn, takes_logger, logger = handler
    width = len(index)
    # Arrow hands nulls over as None or NaN depending on the column: test the type.
    if isinstance(skip, str):
        out.append([None] * width + [skip, None])
        return
    if not isinstance(line, str):
        out.append([None] * width + ["empty line", None])
        return
    try:
        arg = handler_input(spec.input_kind, line)
    except (json.JSONDecodeError, TypeError, AttributeError):
        out.append([None] * width + ["malformed JSON line", line[:RAW_LIMIT]])
        return
    try:
        rows = normalize(call(fn, takes_logger, arg, logger))
    except BadShape as err:
        out.append([None] * width + ["handler returned bad shape", f"{err}\n{line}"[:RAW_LIMIT]])
        return
    except Exception as err:
        raise_if_stopped(err)
        tb = traceback.format_exc(limit=3)
        out.append(
            [None] * width
            + [f"handler exception: {type(err).__name__}", f"{line}\n{tb}"[:RAW_LIMIT]]
        )
        return
    if not rows:
        out.append([None] * width + ["dropped by handler", None])
    for row in rows:
        values: list[Any] = [None] * width
        if isinstance(row, dict):
            unknown = [k for k in row if str(k) not in index]
            if unknown:
                out.append(
                    [None] * width
                    + ["handler returned unexpected key(s)", f"{unknown}\n{line}"[:RAW_LIMIT]]
                )
                continue
            for key, value in row.items():
                values[index[str(key)]] = to_text(value)
        elif len(row) != width:
            out.append([None] * width + ["wrong column count", line[:RAW_LIMIT]])
            continue
        else:
            values = [to_text(v) for v in row]
        out.append([*values, None, None])


def _batch_runner(
    spec: HandlerSpec, names: tuple[str, ...], carry: tuple[str, ...] = ()
) -> Callable[[Iterator[pd.DataFrame]], Iterator[pd.DataFrame]]:
    """Each line's rows as ``c0..`` + reason + raw; with ``carry``, each row also has the
    line's values of those columns and its position among the line's rows (:data:`POS`)."""
    index = {n: i for i, n in enumerate(names)}

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        import pandas as pd

        fn, takes_logger = spec.load()
        handler = (fn, takes_logger, logging.getLogger("Preprocessing"))
        columns = [f"c{i}" for i in range(len(names))] + [REASON, RAW]
        if carry:
            columns += [*carry, POS]
        for batch in batches:
            out: list[list[Any]] = []
            for n, (line, skip) in enumerate(zip(batch["value"], batch[REASON], strict=True)):
                first = len(out)
                _line_rows(out, line, skip, handler, spec, index)
                if carry:
                    kept = [batch[c].iat[n] for c in carry]
                    for pos, row in enumerate(out[first:]):
                        row.extend([*kept, pos])
            yield pd.DataFrame(out, columns=columns, dtype=object)

    return run


def run_handler(
    lines: DataFrame,
    spec: HandlerSpec,
    names: tuple[str, ...],
    start: datetime | None,
    end: datetime | None,
    carry: tuple[T.StructField, ...] = (),
) -> DataFrame:
    """Apply the handler to every line (column ``value``); rows as ``c0..`` + reason + raw,
    and with ``carry`` (columns of ``lines``) their values and each row's :data:`POS`."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    reason = F.lit(None).cast("string")
    if spec.input_kind == "capture":
        meta = "$.eventMetadata"
        ts = F.to_timestamp(F.get_json_object("value", f"{meta}.inferenceTime"))
        shadow = F.get_json_object("value", f"{meta}.invocationSource") == "ShadowExperiment"
        chain = F.when(shadow, "shadow experiment")
        if start is not None or end is not None:
            chain = chain.when(
                ts.isNull() & F.get_json_object("value", "$").isNotNull(),
                "missing or bad inferenceTime",
            )
            if start is not None:
                chain = chain.when(ts < F.lit(start), "outside window")
            if end is not None:
                chain = chain.when(ts >= F.lit(end), "outside window")
        reason = chain
    prepared = lines.select("value", reason.alias(REASON), *(f.name for f in carry))
    schema = T.StructType(
        [T.StructField(f"c{i}", T.StringType()) for i in range(len(names))]
        + [T.StructField(REASON, T.StringType()), T.StructField(RAW, T.StringType())]
        + [*carry, *([T.StructField(POS, T.IntegerType())] if carry else [])]
    )
    runner = _batch_runner(spec, names, tuple(f.name for f in carry))
    return prepared.mapInPandas(runner, schema)  # type: ignore[arg-type]
