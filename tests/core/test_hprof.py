import gzip
import struct
from datetime import UTC, datetime, timedelta

import pytest

from jfsconsole.core.hprof import (
    HEAD_BYTES,
    RECENT,
    TAIL_BYTES,
    DumpCheck,
    DumpState,
    classify,
    is_dump_candidate,
    needs_check,
    ranges_for,
    segment_of,
)

WHEN = datetime(2026, 12, 1, 10, 0, 30, tzinfo=UTC)
MS = int(WHEN.timestamp() * 1000)
KEY = "dumpfiles/dev_order-7d4b9c8f6-x2x4z_heapDump.hprof"


def header(version: str = "1.0.2", id_size: int = 8, ms: int = MS) -> bytes:
    return f"JAVA PROFILE {version}".encode() + b"\x00" + struct.pack(">IQ", id_size, ms)


END = bytes([0x2C]) + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
BODY = bytes(range(256)) * 40  # records in between; content is never looked at


def check(
    data: bytes,
    key: str = KEY,
    *,
    previous_size: int | None = None,
    has_segments: bool = False,
    now: datetime | None = None,
) -> DumpCheck:
    """Classify the way the backend will: ranged reads cut from the whole file."""
    _, tail_range = ranges_for(len(data))
    head, tail = (data, b"") if tail_range is None else (data[:HEAD_BYTES], data[-TAIL_BYTES:])
    return classify(
        key, len(data), head, tail, previous_size=previous_size, has_segments=has_segments, now=now
    )


def test_header_is_31_bytes() -> None:
    assert len(header()) == HEAD_BYTES == 31
    assert TAIL_BYTES == 9


@pytest.mark.parametrize(("version", "id_size"), [("1.0.2", 8), ("1.0.2", 4), ("1.0.1", 8)])
def test_complete_dump_with_end_record(version: str, id_size: int) -> None:
    result = check(header(version, id_size) + BODY + END)
    assert result.state is DumpState.VALID
    assert result.ok
    assert (result.version, result.id_size) == (version, id_size)
    assert result.jvm_time == datetime(2026, 12, 1, 10, 0, 30, tzinfo=UTC)
    assert result.detail == (
        f"complete HPROF {version} dump, id size {id_size}, written 2026-12-01 10:00 UTC"
    )


def test_end_record_time_field_may_be_nonzero() -> None:
    end = bytes([0x2C]) + b"\x00\x01\x02\x03" + b"\x00\x00\x00\x00"
    assert check(header() + BODY + end).state is DumpState.VALID


def test_truncated_1_0_2() -> None:
    result = check(header() + BODY)
    assert result.state is DumpState.TRUNCATED
    assert not result.ok
    assert result.detail.startswith("no HEAP_DUMP_END record: the JVM was killed while writing")
    assert result.version == "1.0.2"
    assert result.jvm_time is not None


def test_end_tag_with_nonzero_length_is_not_an_end() -> None:
    fake_end = bytes([0x2C]) + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x05"
    assert check(header() + BODY + fake_end).state is DumpState.TRUNCATED


# JDK 8 writes 1.0.1 for heaps under 2 GB and no end record: the file ends with
# ROOT_STICKY_CLASS sub-records (0x05 + class id, an aligned heap address), the last roots
# VM_HeapDumper::doit writes in JDK 8.
def sticky(address: int, id_size: int) -> bytes:
    return b"\x05" + address.to_bytes(id_size, "big")


@pytest.mark.parametrize("id_size", [4, 8])
def test_jdk8_1_0_1_complete_judged_by_last_record(id_size: int) -> None:
    address = 0x7F0012345678 if id_size == 8 else 0xE0012340
    body = BODY + sticky(address - 8, id_size) + sticky(address, id_size)
    result = check(header("1.0.1", id_size) + body)
    assert result.state is DumpState.VALID
    assert "judged by its last record" in result.detail


@pytest.mark.parametrize(
    "ending",
    [
        b"\x12" * 9,  # cut in the middle of object data
        sticky(0x7F0012345679, 8),  # unaligned address
        sticky(0xFFFF_0000_0000_0008, 8),  # not a user-space address
        sticky(0, 8),
        b"\xff" + (0x7F0012345678).to_bytes(8, "big"),  # ROOT_UNKNOWN, not the sticky-class tag
    ],
)
def test_jdk8_1_0_1_cut(ending: bytes) -> None:
    result = check(header("1.0.1", 8) + BODY + ending)
    assert result.state is DumpState.TRUNCATED
    assert "JDK 8" in result.detail


def test_1_0_2_sticky_tail_is_not_enough() -> None:
    # 1.0.2 files always end with HEAP_DUMP_END: a sticky-class tail means it was cut
    assert check(header("1.0.2", 8) + BODY + sticky(0x7F0012345678, 8)).state is (DumpState.TRUNCATED)


def test_gzip() -> None:
    data = gzip.compress(header() + BODY + END)
    result = check(data)
    assert result.state is DumpState.GZIP
    assert "can't be checked" in result.detail
    assert result.version is None


def test_tiny_gzip_is_truncated() -> None:
    assert check(b"\x1f\x8b\x08\x00").state is DumpState.TRUNCATED


@pytest.mark.parametrize(
    ("key", "number"),
    [
        ("dumpfiles/dev_x_heapDump.hprof.p0", 0),
        ("dumpfiles/dev_x_heapDump.hprof.p12", 12),
        ("dev_x_heapDump.hprof.gz.p3", 3),
        ("dev_x_heapDump.HPROF.P1", 1),
    ],
)
def test_parallel_segment_is_in_progress_without_reads(key: str, number: int) -> None:
    result = classify(key, 123456, b"", b"")
    assert result.state is DumpState.IN_PROGRESS
    assert f"segment {number}" in result.detail
    assert not needs_check(key, 123456)


def test_base_file_with_segments_is_in_progress_even_if_it_looks_complete() -> None:
    result = check(header() + BODY + END, has_segments=True)
    assert result.state is DumpState.IN_PROGRESS
    assert "merged" in result.detail


def test_size_change_means_in_progress() -> None:
    data = header() + BODY
    result = check(data, previous_size=len(data) - 4096)
    assert result.state is DumpState.IN_PROGRESS
    assert "since the last look" in result.detail
    # same size as last time and still no end: it is cut for good
    assert check(data, previous_size=len(data)).state is DumpState.TRUNCATED


def test_recent_dump_without_end_is_in_progress_not_truncated() -> None:
    data = header() + BODY
    result = check(data, now=WHEN + timedelta(minutes=3))
    assert result.state is DumpState.IN_PROGRESS
    assert "started it 3 min ago" in result.detail
    assert check(data, now=WHEN + RECENT).state is DumpState.TRUNCATED
    # a pod clock ahead of ours is no evidence either way
    assert check(data, now=WHEN - timedelta(minutes=1)).state is DumpState.TRUNCATED
    # complete is complete, however fresh
    assert check(data + END, now=WHEN).state is DumpState.VALID


def test_growing_file_that_now_has_its_end_is_valid() -> None:
    data = header() + BODY + END
    assert check(data, previous_size=100).state is DumpState.VALID


def test_growing_gzip_is_in_progress() -> None:
    data = gzip.compress(BODY)
    assert check(data, previous_size=10).state is DumpState.IN_PROGRESS


def test_empty() -> None:
    result = classify(KEY, 0, b"", b"")
    assert result.state is DumpState.EMPTY
    assert "next OOM writes no dump" in result.detail
    assert not needs_check(KEY, 0)
    with pytest.raises(ValueError):
        ranges_for(0)


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04" + b"\x00" * 100,  # a zip/jar someone copied here
        b"hello world\n",
        b"java profile 1.0.2\x00" + b"\x00" * 40,  # magic is case-sensitive
        b"JAVA PROFILE is a nice name for a text file, and it is long enough",
    ],
)
def test_not_a_dump(data: bytes) -> None:
    assert check(data).state is DumpState.NOT_A_DUMP


def test_unknown_version_is_not_a_dump() -> None:
    result = check(header("1.0.3") + BODY + END)  # Android's format
    assert result.state is DumpState.NOT_A_DUMP
    assert result.version == "1.0.3"


def test_bad_id_size_is_not_a_dump() -> None:
    result = check(header(id_size=3) + BODY + END)
    assert result.state is DumpState.NOT_A_DUMP
    assert "id size 3" in result.detail


@pytest.mark.parametrize("cut", [1, 5, 13, 18, 19, 25, 30])
def test_cut_inside_header(cut: int) -> None:
    result = check(header()[:cut])
    assert result.state is DumpState.TRUNCATED
    assert f"only {cut} byte" in result.detail
    assert "header" in result.detail


def test_header_only() -> None:
    result = check(header())
    assert result.state is DumpState.TRUNCATED
    assert result.version == "1.0.2"


@pytest.mark.parametrize("extra", [0, 1, 8])
def test_tiny_files_read_once(extra: int) -> None:
    data = header() + b"\x00" * extra + END  # 40..48 bytes
    head_range, tail_range = ranges_for(len(data))
    if len(data) <= HEAD_BYTES + TAIL_BYTES:
        assert (head_range, tail_range) == (f"bytes=0-{len(data) - 1}", None)
    else:
        assert (head_range, tail_range) == ("bytes=0-30", "bytes=-9")
    assert check(data).state is DumpState.VALID


def test_header_and_end_overlapping_window_is_not_valid() -> None:
    # 35 bytes can't hold a 31-byte header and a 9-byte end record
    data = header() + b"\x2c\x00\x00\x00"
    assert check(data).state is DumpState.TRUNCATED


def test_ranges() -> None:
    assert ranges_for(1) == ("bytes=0-0", None)
    assert ranges_for(40) == ("bytes=0-39", None)
    assert ranges_for(41) == ("bytes=0-30", "bytes=-9")
    assert ranges_for(5 * 1024**3) == ("bytes=0-30", "bytes=-9")


def test_missing_tail_for_big_file_is_a_caller_error() -> None:
    with pytest.raises(ValueError, match="tail read is missing"):
        classify(KEY, 10_000, header(), b"")


def test_short_head_for_big_file_is_a_caller_error() -> None:
    with pytest.raises(ValueError, match="head read is short"):
        classify(KEY, 10_000, header()[:25], END)


def test_absurd_timestamp_keeps_the_verdict() -> None:
    result = check(header(ms=2**63) + BODY + END)
    assert result.state is DumpState.VALID
    assert result.jvm_time is None
    assert "no readable timestamp" in result.detail


@pytest.mark.parametrize(
    ("key", "candidate", "needs"),
    [
        ("dumpfiles/dev_x_heapDump.hprof", True, True),
        ("dumpfiles/java_pid1234.hprof", True, True),
        ("dumpfiles/x.HPROF", True, True),
        ("dumpfiles/x.hprof.gz", True, True),
        ("dumpfiles/x.hprof.p3", True, False),
        ("dumpfiles/.keep", False, False),
        ("dumpfiles/report.html", False, False),
        ("dumpfiles/x.hprof.bak", False, False),
        ("dumpfiles/x.hprof/", False, False),
    ],
)
def test_candidates(key: str, candidate: bool, needs: bool) -> None:
    assert is_dump_candidate(key) is candidate
    assert needs_check(key) is needs


def test_segment_of() -> None:
    assert segment_of("dumpfiles/a_b_heapDump.hprof.p7") == ("dumpfiles/a_b_heapDump.hprof", 7)
    assert segment_of("dumpfiles/a_b_heapDump.hprof") is None
    assert segment_of("dumpfiles/notes.p1") is None
