"""Tell a complete heap dump from a cut one using two small ranged reads (head and tail).

What HotSpot writes (checked against heapDumper.cpp, JDK 8 and JDK 9+):

* header: ``JAVA PROFILE 1.0.2\\0`` (or 1.0.1), u4 identifier size, u8 milliseconds since the
  epoch, big-endian: 31 bytes.
* JDK 9+ always writes 1.0.2 and ends the file with HEAP_DUMP_END: ``2C`` + u4 time + u4
  length, both zero. JDK 8 writes 1.0.2 (with the end record) only for heaps over 2 GB.
* JDK 8 heaps under 2 GB get 1.0.1 and NO end record: the file ends with the
  ROOT_STICKY_CLASS sub-records (``05`` + class id) of the single HEAP_DUMP record. The
  last record is checked instead; calling every JDK 8 dump "truncated" would be a false alarm
  on every small service.
* JDK 22+ (two-phase parallel dumping) writes ``<file>.p<N>`` segments, merges them into <file>
  and deletes them: a segment means a dump is being written right now.
* Gzip dumps (``-XX:HeapDumpGzipLevel``) start ``1f 8b``; their end can't be judged cheaply.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

HEAD_BYTES = 31
"""Bytes to read from the start: the 19-byte magic with NUL, u4 id size, u8 timestamp."""

TAIL_BYTES = 9
"""Bytes to read from the end: one HEAP_DUMP_END record (tag, u4 time, u4 length)."""

HEAP_DUMP_END = 0x2C
ROOT_STICKY_CLASS = 0x05  # HPROF_GC_ROOT_STICKY_CLASS; 0xFF is ROOT_UNKNOWN
GZIP_MAGIC = b"\x1f\x8b"
# A gzip stream can't be shorter than its 10-byte header plus the 8-byte trailer.
GZIP_MIN_SIZE = 18
MAGIC_PREFIX = b"JAVA PROFILE "
KNOWN_VERSIONS = ("1.0.1", "1.0.2")
VALID_ID_SIZES = (4, 8)
_ID_SIZE_AND_TIME = struct.calcsize(">IQ")  # the 12 header bytes after the NUL

RECENT = timedelta(minutes=10)
"""A cut-looking dump whose header is younger than this may still be being written: big
heaps take minutes to write onto JuiceFS."""

_SEGMENT = re.compile(r"^(?P<base>.+\.hprof(?:\.gz)?)\.p(?P<n>\d+)$", re.IGNORECASE)
_CANDIDATE = re.compile(r"\.hprof(?:\.gz)?(?:\.p\d+)?$", re.IGNORECASE)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class DumpState(StrEnum):
    VALID = "valid"
    GZIP = "gzip"
    TRUNCATED = "truncated"
    IN_PROGRESS = "in_progress"
    EMPTY = "empty"
    NOT_A_DUMP = "not_a_dump"


@dataclass(frozen=True, slots=True)
class DumpCheck:
    """The verdict on one object. ``detail`` is one sentence for a status line or --json."""

    state: DumpState
    detail: str
    version: str | None = None
    id_size: int | None = None
    jvm_time: datetime | None = None

    @property
    def ok(self) -> bool:
        """True when the file can be handed to an analyser (MAT, VisualVM) as it is."""
        return self.state is DumpState.VALID


def _basename(key: str) -> str:
    return key.rstrip("/").rsplit("/", 1)[-1]


def is_dump_candidate(key: str) -> bool:
    """Does the name look like a heap dump (``.hprof``, ``.hprof.gz``, or a ``.p<N>`` segment)?"""
    return not key.endswith("/") and _CANDIDATE.search(_basename(key)) is not None


def segment_of(key: str) -> tuple[str, int] | None:
    """For a parallel-dump segment ``x.hprof.p3`` return ``("x.hprof", 3)`` (same directory)."""
    match = _SEGMENT.match(key)
    if match is None or key.endswith("/"):
        return None
    return match.group("base"), int(match.group("n"))


def needs_check(key: str, size: int | None = None) -> bool:
    """Whether classify() needs the two reads: not for segments, empty files or other names."""
    if not is_dump_candidate(key) or segment_of(key) is not None:
        return False
    return size is None or size > 0


def ranges_for(size: int) -> tuple[str, str | None]:
    """HTTP Range values for the head and tail reads of an object of ``size`` bytes.

    A file no bigger than head + tail is read whole in one request (second value None): the
    two windows would overlap anyway. The tail uses a suffix range so it reads the real end
    even when the file grew since it was listed. Empty files need no read (S3 answers 416 to
    any range on them): check ``needs_check`` first.
    """
    if size <= 0:
        raise ValueError("an empty object has nothing to read; classify it with empty bytes")
    if size <= HEAD_BYTES + TAIL_BYTES:
        return f"bytes=0-{size - 1}", None
    return f"bytes=0-{HEAD_BYTES - 1}", f"bytes=-{TAIL_BYTES}"


def _jvm_time(millis: int) -> datetime | None:
    try:
        return _EPOCH + timedelta(milliseconds=millis)
    except OverflowError:
        return None


def _when(moment: datetime | None) -> str:
    return moment.strftime("written %Y-%m-%d %H:%M UTC") if moment else "no readable timestamp"


def _looks_like_jdk8_end(tail: bytes, id_size: int) -> bool:
    """Does the file end with a ROOT_STICKY_CLASS sub-record, as a complete JDK 8 1.0.1 dump?

    Besides the tag, the class id is a heap address: 8-byte aligned and, with 8-byte ids,
    below 2**48 (top two bytes zero on x86-64 and arm64). Random bytes from a cut file pass
    all of that with odds well under 1 in 10,000.
    """
    record = id_size + 1
    if len(tail) < record:
        return False
    last = tail[-record:]
    if last[0] != ROOT_STICKY_CLASS:
        return False
    address = int.from_bytes(last[1:], "big")
    if address == 0 or address % 8:
        return False
    return id_size == 4 or address < 1 << 48


def _has_end_record(tail: bytes) -> bool:
    return len(tail) >= TAIL_BYTES and tail[-TAIL_BYTES] == HEAP_DUMP_END and tail[-4:] == b"\x00\x00\x00\x00"


def classify(
    key: str,
    size: int,
    head: bytes,
    tail: bytes,
    *,
    previous_size: int | None = None,
    has_segments: bool = False,
    now: datetime | None = None,
) -> DumpCheck:
    """Judge one object from its first ``HEAD_BYTES`` and last ``TAIL_BYTES`` bytes.

    ``size`` is the listed size. When ``ranges_for`` asked for a single read, pass the whole
    file as ``head`` and ``b""`` as ``tail``. Segments and empty files are judged without
    any read: pass empty bytes. ``previous_size`` is the size seen at an earlier look (a
    change means the JVM is still writing); ``has_segments`` says ``<key>.p<N>`` files exist
    next to it (the JVM is still merging them into this file). With ``now``, a dump without
    its end whose header was written less than ``RECENT`` ago is IN_PROGRESS, not TRUNCATED.
    Reads that can't belong to a file of ``size`` bytes (no tail for a big file, a head cut
    short) raise ``ValueError``.
    """
    segment = segment_of(key)
    if segment is not None:
        base, number = segment
        return DumpCheck(
            DumpState.IN_PROGRESS,
            f"parallel dump segment {number}: the JVM is still writing and will merge it into "
            f"{_basename(base)}; leave it alone",
        )
    if size == 0:
        return DumpCheck(
            DumpState.EMPTY,
            "empty file: the dump has just started, or the JVM could not write it (volume "
            "full?); while it exists the pod's next OOM writes no dump",
        )
    if has_segments:
        why = "parallel segments are still being merged into it"
    elif previous_size is not None and previous_size != size:
        why = f"its size changed from {previous_size:,} to {size:,} bytes since the last look"
    else:
        why = ""
    whole = len(head) >= size  # the head read covered the entire file
    if not tail:
        if not whole:
            raise ValueError(f"{key}: the tail read is missing (only {len(head)} of {size} bytes)")
        tail = head[-TAIL_BYTES:]

    if head.startswith(GZIP_MAGIC):
        return _classify_gzip(size, why)
    if not head or not head.startswith(MAGIC_PREFIX[: len(head)]):
        return DumpCheck(DumpState.NOT_A_DUMP, "no HPROF header (JAVA PROFILE ...): not a heap dump")

    nul = head.find(b"\x00", len(MAGIC_PREFIX))
    version = head[len(MAGIC_PREFIX) : nul if nul >= 0 else None].decode("ascii", "replace")
    if nul < 0 and (not whole or not any(v.startswith(version) for v in KNOWN_VERSIONS)):
        return DumpCheck(DumpState.NOT_A_DUMP, "HPROF-like text without a version: not a heap dump")
    if nul >= 0 and version not in KNOWN_VERSIONS:
        return DumpCheck(
            DumpState.NOT_A_DUMP,
            f"HPROF version {version!r} is not one a HotSpot JVM writes (1.0.1, 1.0.2)",
            version=version,
        )
    header_len = nul + 1 + _ID_SIZE_AND_TIME
    if nul >= 0 and len(head) < header_len and not whole:
        raise ValueError(f"{key}: the head read is short ({len(head)} of {HEAD_BYTES} bytes)")
    if nul < 0 or len(head) < header_len:
        if why:
            return DumpCheck(DumpState.IN_PROGRESS, f"still being written: {why}")
        return DumpCheck(
            DumpState.TRUNCATED,
            f"only {size} byte{'s' if size != 1 else ''}, cut inside the HPROF header: the JVM "
            "stopped at once (killed, or the volume was full)",
        )
    id_size, millis = struct.unpack_from(">IQ", head, nul + 1)
    if id_size not in VALID_ID_SIZES:
        return DumpCheck(
            DumpState.NOT_A_DUMP,
            f"HPROF header gives id size {id_size}; only 4 and 8 exist: corrupt header",
            version=version,
        )
    jvm_time = _jvm_time(millis)
    if not why and now is not None and jvm_time is not None:
        started = now - jvm_time
        if timedelta(0) <= started < RECENT:
            minutes = int(started.total_seconds()) // 60
            why = f"no end record yet, but the JVM started it {minutes} min ago (look again later)"

    by_last_record = False
    if size >= header_len + TAIL_BYTES and _has_end_record(tail):
        complete = True
    elif version == "1.0.1" and size > header_len + id_size:
        complete = by_last_record = _looks_like_jdk8_end(tail, id_size)
    else:
        complete = False

    if complete and not has_segments:
        how = " (1.0.1 has no end record: judged by its last record)" if by_last_record else ""
        state, detail = (
            DumpState.VALID,
            f"complete HPROF {version} dump, id size {id_size}, {_when(jvm_time)}{how}",
        )
    elif why:
        state, detail = DumpState.IN_PROGRESS, f"still being written: {why}"
    else:
        ending = (
            "doesn't end with the GC-root records a complete JDK 8 dump ends with"
            if version == "1.0.1"
            else "no HEAP_DUMP_END record"
        )
        state, detail = (
            DumpState.TRUNCATED,
            f"{ending}: the JVM was killed while writing, the volume filled up, or the copy "
            f"was cut ({_when(jvm_time)})",
        )
    return DumpCheck(state, detail, version=version, id_size=id_size, jvm_time=jvm_time)


def _classify_gzip(size: int, why: str) -> DumpCheck:
    if why:
        return DumpCheck(DumpState.IN_PROGRESS, f"gzip dump still being written: {why}")
    if size < GZIP_MIN_SIZE:
        return DumpCheck(
            DumpState.TRUNCATED,
            f"gzip file of {size} bytes is shorter than any complete gzip stream: cut",
        )
    return DumpCheck(
        DumpState.GZIP,
        "gzip-compressed dump: its completeness can't be checked without reading it all "
        "(gunzip -t after download tells)",
    )
