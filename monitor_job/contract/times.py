"""Times in the contract: ISO-8601 timestamps (tolerating the docs' stray spaces), and
SageMaker's window offsets (``-PT1H``, ``-P1D``: ISO-8601 durations) counted from a
scheduled time; an output path per scheduled hour."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from monitor_job.errors import ConfigError

_SPACES_AFTER_COLON = re.compile(r":\s+")


def parse_timestamp(key: str, raw: str | None) -> datetime | None:
    """ISO-8601 UTC; tolerates the docs' stray spaces (``2019-12-01T15: 20: 00Z``)."""
    if raw is None:
        return None
    text = _SPACES_AFTER_COLON.sub(":", raw.strip())
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(text)
    except ValueError as err:
        raise ConfigError(
            f"{key} is not an ISO-8601 timestamp: {raw!r}; expected e.g. 2019-12-01T15:20:00Z"
        ) from err
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


_OFFSET = re.compile(
    r"^(?P<sign>[-+]?)P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?"
    r"(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)


def is_offset(raw: str | None) -> bool:
    """An ISO-8601 duration such as SageMaker's ``-PT1H`` or ``-P1D`` (not a timestamp)."""
    return raw is not None and _OFFSET.match(raw.strip().upper()) is not None


def apply_offset(key: str, raw: str, scheduled: datetime) -> datetime:
    """``scheduled`` moved by the duration ``raw``: days and hours exactly, months and years
    by the calendar (``-P1M`` from March 31 is February's last day)."""
    from dateutil.relativedelta import relativedelta

    m = _OFFSET.match(raw.strip().upper())
    parts = {k: int(v) for k, v in (m.groupdict() if m else {}).items() if v and k != "sign"}
    if m is None or not parts or raw.strip().upper().endswith("T"):
        raise ConfigError(
            f"{key} is neither an ISO-8601 timestamp nor an offset such as -PT1H or -P1D: {raw!r}"
        )
    sign = -1 if m.group("sign") == "-" else 1
    moved: datetime = scheduled + relativedelta(**{k: sign * v for k, v in parts.items()})
    return moved


def scheduled_time(raw: str | None) -> datetime:
    """``scheduled_time``, or now floored to the hour (UTC): when an hourly schedule fired."""
    given = parse_timestamp("scheduled_time", raw)
    if given is not None:
        return given
    return datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)


def hourly_path(path: str, when: datetime) -> str:
    """``{yyyy}/{mm}/{dd}/{hh}`` in an output path filled with the scheduled time (UTC), as
    SageMaker's schedules lay out their outputs: one directory per run of a cron job."""
    for token, value in (("yyyy", "%Y"), ("mm", "%m"), ("dd", "%d"), ("hh", "%H")):
        path = path.replace("{" + token + "}", when.strftime(value))
    return path


def window_time(key: str, raw: str | None, scheduled: datetime | None) -> datetime | None:
    """A window bound: an offset from ``scheduled``, or a timestamp (None when absent)."""
    if raw is not None and is_offset(raw):
        assert scheduled is not None
        return apply_offset(key, raw, scheduled)
    return parse_timestamp(key, raw)


def resolve_window(
    raw_start: str | None, raw_end: str | None, raw_scheduled: str | None
) -> tuple[datetime | None, datetime | None, datetime | None, tuple[str | None, str | None]]:
    """``start_time`` and ``end_time`` as instants; the scheduled time they were counted
    from (None when neither is an offset) and the offsets as given."""
    offsets = (
        raw_start if is_offset(raw_start) else None,
        raw_end if is_offset(raw_end) else None,
    )
    scheduled = scheduled_time(raw_scheduled) if any(offsets) else None
    return (
        window_time("start_time", raw_start, scheduled),
        window_time("end_time", raw_end, scheduled),
        scheduled,
        offsets,
    )
