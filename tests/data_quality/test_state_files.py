"""State files are untrusted input (issue 35): a damaged copy is recognised by its checksum,
every length is bounded by what remains of the file, and each damaged state is refused by
the reader in one JVM quickly with a reason, never with an OutOfMemoryError or a hang.
Version 1 states (no checksum) are still read, and bounded the same way."""

from __future__ import annotations

import struct
import time
import zlib

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from py4j.protocol import Py4JJavaError
from pyspark.errors.exceptions.captured import IllegalArgumentException as PySparkIllegalArgument

from monitor_job.data_quality import analysis
from monitor_job.decode import RAW, REASON
from monitor_job.errors import InputDataError
from monitor_job.runtime import jvm
from tests.datasets import cell, mixed_frame

MAGIC = b"monitor-job analyzer states v2"
MAGIC_V1 = b"monitor-job analyzer states v1"
HEADER = 2 + len(MAGIC) + 1 + 4 + 4  # magic (with its length), hash, body length, CRC-32
SLOW = 2.0  # seconds: far above a refusal (milliseconds), far below a hang or a heap filled


@pytest.fixture(scope="module")
def state(spark) -> bytes:
    """A real state: six features (numbers, strings, missing values), 300 records, some
    failed, so every part of the format (counts, sketches, reasons, samples) is present."""
    frame = mixed_frame(300, seed=11)
    names = tuple(frame.columns)
    rows = [(*(cell(v) or None for v in row), None, None) for row in frame.itertuples(index=False)]
    rows += [(None,) * len(names) + ("wrong column count", "a,b")] * 3
    schema = ", ".join([*(f"c{i} string" for i in range(len(names))), f"{REASON} string"])
    data = spark.createDataFrame(rows, f"{schema}, {RAW} string")
    states = analysis.profile(spark, data, names).states
    assert states is not None and states.startswith(b"\x00\x1e" + MAGIC)
    return bytes(states)


def body_of(data: bytes) -> bytes:
    return data[HEADER:]


def v2(body: bytes, hash_kind: int = 2) -> bytes:
    """A version-2 file around ``body``, its length and CRC-32 right (what a crafted file
    that passes the checksum looks like)."""
    crc = zlib.crc32(body)
    return (
        b"\x00\x1e"
        + MAGIC
        + struct.pack(">bii", hash_kind, len(body), crc - (1 << 32) * (crc >> 31))
        + body
    )


def v1(body: bytes) -> bytes:
    return b"\x00\x1e" + MAGIC_V1 + body


def full_read(spark, data: bytes) -> None:
    """Every byte of the state read, as a merge reads it."""
    spark.sparkContext._jvm.monitorjob.aggregates.ProfileState.fromBytes(bytearray(data))


def refused(spark, data: bytes) -> str | None:
    """Why the header and the full read refuse ``data`` (None when both accept it), timed."""
    started = time.perf_counter()
    why = None
    try:
        jvm.state_header(spark, data)
        full_read(spark, data)
    except InputDataError as err:
        why = str(err)
    except PySparkIllegalArgument as err:  # PySpark's form of the reader's refusal
        why = str(err)
    except Py4JJavaError as err:  # anything else the JVM threw: an error, not a refusal
        raise AssertionError(f"not a refusal: {err.java_exception}") from err
    elapsed = time.perf_counter() - started
    assert elapsed < SLOW, (elapsed, why)
    return why


def test_the_format_round_trips_and_v1_is_still_read(spark, state) -> None:
    assert v2(body_of(state)) == state  # the test's model of the format is the writer's
    header = jvm.state_header(spark, state)
    assert header.version == 2 and header.hash == jvm.STATE_HASH == "utf8-xxh64"
    assert header.features == ("label", "age", "income", "city", "visits", "score")
    old = jvm.state_header(spark, v1(body_of(state)))
    assert (old.version, old.hash, old.features) == (1, "utf8-hashcode-32", header.features)
    names = header.features
    new_profile = analysis.merge_states(spark, [state], names)
    old_profile = analysis.merge_states(spark, [v1(body_of(state))], names)
    assert new_profile.item_count == old_profile.item_count == 300
    assert new_profile.features == old_profile.features


def test_a_helper_that_cannot_fail_is_not_one(spark, state) -> None:
    assert refused(spark, state) is None
    assert refused(spark, state[:-1]) is not None


def test_every_cut_of_the_header_and_of_the_body_is_refused(spark, state) -> None:
    cuts = [*range(HEADER + 8), *range(HEADER + 8, len(state), max(1, len(state) // 100))]
    for cut in cuts:
        why = refused(spark, state[:cut])
        assert why is not None, cut
    # a cut body announces itself by its length before any checksum is computed
    assert "the file is damaged: its body is" in refused(spark, state[: len(state) // 2])


def test_every_cut_of_a_v1_body_is_refused(spark, state) -> None:
    old = v1(body_of(state))
    for cut in range(len(old) - 1, 0, -max(1, len(old) // 100)):
        assert refused(spark, old[:cut]) is not None, cut


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_a_flipped_bit_anywhere_is_refused(spark, state, data) -> None:
    at = data.draw(st.integers(0, len(state) - 1))
    bit = data.draw(st.integers(0, 7))
    damaged = bytearray(state)
    damaged[at] ^= 1 << bit
    why = refused(spark, bytes(damaged))
    assert why is not None, (at, bit)


LENGTHS = (0x7FFFFFFF, 0x10000000, -1)


def test_huge_lengths_behind_a_valid_checksum_are_refused_quickly(spark, state) -> None:
    """Every 4-byte field of the body overwritten with a huge or negative number and the
    checksum made right again: each state is read or refused in milliseconds, never an
    allocation of what the field claims, never a hang."""
    body = body_of(state)
    refusals = 0
    for at in range(0, len(body) - 4, max(1, len(body) // 150)):
        for value in LENGTHS:
            crafted = body[:at] + struct.pack(">i", value) + body[at + 4 :]
            for data in (v2(crafted), v1(crafted)):
                refusals += refused(spark, data) is not None
    assert refusals > 0


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_random_bytes_behind_a_valid_checksum(spark, state, data) -> None:
    body = body_of(state)
    at = data.draw(st.integers(0, len(body) - 1))
    junk = data.draw(st.binary(min_size=1, max_size=16))
    refused(spark, v2(body[:at] + junk + body[at + len(junk) :]))  # read or refused, quickly


def test_a_sketch_of_another_hash_is_named(spark, state) -> None:
    other = v2(body_of(state), hash_kind=3)
    assert jvm.state_header(spark, other).hash == "unknown (3)"
    why = refused(spark, other)
    assert why is not None and "hash unknown (3), which this version cannot merge" in why


def test_not_a_state_at_all(spark) -> None:
    why = refused(spark, pd.util.hash_pandas_object(pd.Series([1, 2])).values.tobytes())
    assert why is not None and "not a monitor-job state file" in why
