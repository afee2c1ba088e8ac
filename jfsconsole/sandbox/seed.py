"""Realistic contents for the sandbox volume: heap dumps of several ages, and bulk objects.

Ages are the point: cleanup is age-based (``mc rm --older-than 2d``) and the gateway reports a
file's mtime as LastModified, which no S3 request can set. So every file that needs an age is
staged in a local directory with that mtime and copied in with ``juicefs sync`` (see
``Volume.sync_in``), the way a JVM on a mount pod writes a dump through the JuiceFS client.
Only ``dumpfiles/.keep`` is written with an S3 PUT, exactly as the cleanup CronJob's
``mc pipe`` does. Without a volume (any other S3 endpoint) everything is PUT and the ages are
only recorded, not applied (``SeededObject.aged`` is False).
"""

from __future__ import annotations

import gzip
import os
import random
import shutil
import struct
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from jfsconsole.core.dumpnames import K8S_SUFFIX_ALPHABET
from jfsconsole.core.hprof import HEAP_DUMP_END, MAGIC_PREFIX
from jfsconsole.sandbox.gateway import PreloadFiles, Volume

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

__all__ = [
    "DATA_BUCKET",
    "DUMP_PREFIX",
    "HPROF_MIN_SIZE",
    "KEEP_BODY",
    "KEEP_KEY",
    "KINDS",
    "REPORTS_BUCKET",
    "SeededObject",
    "hprof_bytes",
    "make_many_objects",
    "make_s3_client",
    "preload_many_objects",
    "seed_dumps",
]

DATA_BUCKET = "jfsdata"
REPORTS_BUCKET = "jfs-reports"
DUMP_PREFIX = "dumpfiles/"
KEEP_KEY = "dumpfiles/.keep"
KEEP_BODY = b"keepdir"

HPROF_MAGIC = MAGIC_PREFIX + b"1.0.2\x00"
# kind of each seeded object; "dump" means a complete, valid, uncompressed .hprof
KINDS = ("keep", "dump", "truncated", "gzip", "segment", "empty", "other")


@dataclass(frozen=True)
class SeededObject:
    bucket: str
    key: str
    size: int
    age: timedelta
    kind: str
    mtime: datetime
    aged: bool = True  # False when LastModified is the upload time, not ``mtime``

    @property
    def name(self) -> str:
        return self.key.rsplit("/", 1)[-1]


def make_s3_client(endpoint: str, access_key: str, secret_key: str, *,
                   region: str = "us-east-1") -> S3Client:
    """The console's own boto3 client for the gateway (path-style, SigV4, Content-MD5 on
    DeleteObjects), so the sandbox and the tests talk to it exactly as the console does."""
    from jfsconsole.backends.s3 import S3Store
    from jfsconsole.config import S3Settings

    return S3Store(S3Settings(endpoint=endpoint, region=region), access_key, secret_key).client


# --- hprof ------------------------------------------------------------------------------------

def _record(tag: int, body: bytes, micros: int = 0) -> bytes:
    return struct.pack(">BII", tag, micros, len(body)) + body


def _heap_body(rng: random.Random, size: int, first_id: int) -> bytes:
    """HEAP DUMP sub-records filling exactly ``size`` bytes: 9, or 27 and more."""
    out = bytearray(struct.pack(">BQ", 0xFF, first_id))  # ROOT UNKNOWN
    if size != 9 and size < 27:
        raise ValueError(f"cannot fill {size} bytes with heap records")
    obj = first_id
    words = [b"order", b"payment", b"user", b"session", b"java/lang/String", b"\x00" * 16]
    while len(out) < size:
        room = size - len(out)
        n = min(room - 18, rng.randint(64, 48 * 1024))
        if room - 18 - n < 18:
            n = room - 18  # take it all rather than leave a gap no record can fill
        obj += 16
        half = n // 2
        payload = rng.randbytes(half) + (rng.choice(words) * (n // 4 + 1))[: n - half]
        out += struct.pack(">BQIIB", 0x23, obj, 1, n, 8) + payload  # PRIMITIVE ARRAY, byte[]
    return bytes(out)


def _preamble(timestamp_ms: int, *, small: bool) -> bytes:
    head = bytearray(HPROF_MAGIC + struct.pack(">IQ", 8, timestamp_ms))
    if small:
        return bytes(head)
    names = [b"java/lang/Object", b"[B", b"java/lang/OutOfMemoryError", b"main",
             b"com/example/order/OrderCache"]
    for i, text in enumerate(names, start=1):
        head += _record(0x01, struct.pack(">Q", 0x1000 + i) + text, micros=i)  # UTF8
    for i in range(1, len(names)):
        head += _record(0x02, struct.pack(">IQIQ", i, 0x2000 + i, 1, 0x1000 + i),
                        micros=10)  # LOAD CLASS
    head += _record(0x05, struct.pack(">III", 1, 1, 0), micros=20)  # empty STACK TRACE
    return bytes(head)


_END = _record(HEAP_DUMP_END, b"", micros=1000)
HPROF_MIN_SIZE = len(_preamble(0, small=True)) + len(_END) + 9 + 27


def hprof_bytes(size: int, *, timestamp_ms: int, complete: bool = True, seed: int = 0) -> bytes:
    """A structurally valid HPROF 1.0.2 file of exactly ``size`` bytes (>= HPROF_MIN_SIZE).

    Header (magic, u4 id size 8, u8 ms timestamp, big-endian), UTF8 / LOAD CLASS / STACK TRACE
    records (left out of very small files), HEAP DUMP SEGMENT records of byte arrays, and the
    9-byte HEAP DUMP END when ``complete``. A truncated dump is a complete one cut short, as
    a JVM killed while dumping leaves it.
    """
    if size < HPROF_MIN_SIZE:
        raise ValueError(f"an hprof file needs at least {HPROF_MIN_SIZE} bytes here")
    rng = random.Random(seed)
    if not complete:
        longer = size + 4096 + rng.randint(0, 4096)
        return hprof_bytes(longer, timestamp_ms=timestamp_ms, seed=seed)[:size]
    head = _preamble(timestamp_ms, small=False)
    if size < len(head) + len(_END) + 9 + 64:
        head = _preamble(timestamp_ms, small=True)
    remaining = size - len(head) - len(_END)
    segments = bytearray()
    next_id = 0x10000
    while remaining > 0:
        seg = min(remaining, 1 << 20)
        if remaining - seg < 64:
            seg = remaining  # the next segment would be too small to fill exactly
        segments += _record(0x1C, _heap_body(rng, seg - 9, next_id), micros=500)
        next_id += 1 << 24
        remaining -= seg
    return bytes(head) + bytes(segments) + _END


# --- the seed plan ----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Item:
    bucket: str
    key: str
    kind: str
    age: timedelta
    size: int  # uncompressed dump size for gzip; the bytes written for everything else


_H = timedelta(hours=1)
_D = timedelta(days=1)
_ORDER = "order-service-7d9f8b6c5d"
_PAY = "payment-api-5c6b7d8f9"

# Ages bracket the CronJob's "--older-than 2d" (47 h stays, 49 h goes) and spread from minutes
# to weeks so sorting, "older than" filters and grouping by day all have something to show.
_PLAN: tuple[_Item, ...] = (
    _Item(DATA_BUCKET, f"dumpfiles/dev_{_ORDER}-x2x7q_heapDump.hprof", "dump", 1 * _H, 3_400_000),
    _Item(DATA_BUCKET, f"dumpfiles/dev_{_PAY}-k8s2m_heapDump.hprof", "dump", 20 * _H, 1_800_000),
    _Item(DATA_BUCKET, "dumpfiles/test_user-center-0_heapDump.hprof", "dump", 47 * _H, 900_000),
    _Item(DATA_BUCKET, f"dumpfiles/test_{_ORDER}-m4n5p_heapDump.hprof", "dump", 49 * _H,
          1_200_000),
    _Item(DATA_BUCKET, f"dumpfiles/staging_{_PAY}-t7r2w_heapDump.hprof", "dump", 3 * _D,
          2_300_000),
    _Item(DATA_BUCKET, "dumpfiles/staging_user-center-2_heapDump.hprof", "dump", 10 * _D,
          600_000),
    _Item(DATA_BUCKET, "dumpfiles/dev_inventory-service-6f7c9d8b4-w9x4z_heapDump.hprof",
          "truncated", 5 * _H, 1_500_000),
    _Item(DATA_BUCKET, f"dumpfiles/staging_{_ORDER}-h6j7k_heapDump.hprof.gz", "gzip", 4 * _D,
          2_000_000),
    _Item(DATA_BUCKET, f"dumpfiles/dev_{_ORDER}-q9w8r_heapDump.hprof.p0", "segment",
          timedelta(minutes=2), 700_000),
    _Item(DATA_BUCKET, "dumpfiles/test_report-job-28391-zxcvb_heapDump.hprof", "empty",
          6 * _H, 0),
    _Item(DATA_BUCKET, "dumpfiles/notes.txt", "other", 12 * _D, 0),
    _Item(DATA_BUCKET, "dumpfiles/manual/heap dump 2024-05-01 (copy).hprof", "dump", 8 * _D,
          8_192),
    _Item(DATA_BUCKET, "dumpfiles/测试_订单服务-0_heapDump.hprof", "dump", 30 * _H, 50_000),
    _Item(DATA_BUCKET, "dumpfiles/dev_promo-svc+canary-0_heapDump.hprof", "dump",
          timedelta(hours=60), 20_000),
    # "%41" decodes to "A": a client that unquotes keys twice shows the wrong name here
    _Item(DATA_BUCKET, "dumpfiles/dev_pct%41-svc-0_heapDump.hprof", "dump", 15 * _H, 12_000),
    _Item(DATA_BUCKET, "dumpfiles/archive/2024-q1/dev_legacy-batch-0_heapDump.hprof", "dump",
          40 * _D, 300_000),
    _Item(DATA_BUCKET, "jacoco/order-service/report.xml", "other", 1 * _D, 0),
    _Item(DATA_BUCKET, "exports/orders.csv", "other", 5 * _D, 0),
    _Item(DATA_BUCKET, "tools/dumpfile_share.sh", "other", 60 * _D, 0),
    _Item(REPORTS_BUCKET, "weekly/2024-w18.html", "other", 2 * _D, 0),
)


def _other_body(key: str) -> bytes:
    if key.endswith("report.xml"):
        rows = "".join(
            f'  <counter type="LINE" missed="{i * 7 % 50}" covered="{200 + i}"/>\n'
            for i in range(60)
        )
        return f'<?xml version="1.0"?>\n<report name="order-service">\n{rows}</report>\n'.encode()
    if key.endswith(".csv"):
        lines = ["order_id,customer,amount,created_at"]
        lines += [f"{100000 + i},cust-{i % 97},{(i * 37) % 1000}.{i % 100:02d},2024-05-0{i % 9 + 1}"
                  for i in range(600)]
        return ("\n".join(lines) + "\n").encode()
    if key.endswith(".sh"):
        return (b"#!/bin/bash\n# sandbox placeholder for the OOM share hook kept on the volume\n"
                b"echo 'not functional in the sandbox' >&2\nexit 1\n")
    if key.endswith(".html"):
        return b"<html><body><h1>weekly report 2024-w18</h1></body></html>\n"
    return (b"Heap dumps land here (HeapDumpPath=/data/jfsdata/dumpfiles/...).\n"
            b"Files older than 2 days are removed by the jfsdata-cleanup CronJob.\n")


def _body(item: _Item, mtime: datetime, seed: int) -> bytes:
    # the dump's own header timestamp is when the JVM started writing: a little before mtime
    started_ms = int(mtime.timestamp() * 1000) - 4_000
    if item.kind == "dump":
        return hprof_bytes(item.size, timestamp_ms=started_ms, seed=seed)
    if item.kind == "truncated":
        return hprof_bytes(item.size, timestamp_ms=started_ms, complete=False, seed=seed)
    if item.kind == "gzip":
        raw = hprof_bytes(item.size, timestamp_ms=started_ms, seed=seed)
        return gzip.compress(raw, compresslevel=1, mtime=int(mtime.timestamp()))
    if item.kind == "segment":
        # a parallel-dump segment holds heap records only; the merged file gets the header
        return _record(0x1C, _heap_body(random.Random(seed), item.size - 9, 0x5000))
    if item.kind == "empty":
        return b""
    return _other_body(item.key)


def _bucket_exists_ok(s3: S3Client, bucket: str) -> None:
    try:
        s3.create_bucket(Bucket=bucket)
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    except s3.exceptions.BucketAlreadyExists:
        pass


def _stage(root: Path, key: str, body: bytes, mtime: datetime) -> None:
    path = root / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    stamp = mtime.timestamp()
    os.utime(path, (stamp, stamp))


def seed_dumps(
    s3: S3Client,
    *,
    now: datetime | None = None,
    volume: Volume | None = None,
    staging_dir: Path | None = None,
) -> list[SeededObject]:
    """Create buckets ``jfsdata`` and ``jfs-reports`` and fill them (see ``_PLAN``).

    With ``volume`` the files get their planned mtimes (LastModified = ``now - age``, to the
    millisecond); without it they are PUT and carry the upload time. Returns what was written,
    ``dumpfiles/.keep`` first.
    """
    now = (now or datetime.now(UTC)).astimezone(UTC)
    for bucket in (DATA_BUCKET, REPORTS_BUCKET):
        _bucket_exists_ok(s3, bucket)
    s3.put_object(Bucket=DATA_BUCKET, Key=KEEP_KEY, Body=KEEP_BODY)
    seeded = [SeededObject(DATA_BUCKET, KEEP_KEY, len(KEEP_BODY), timedelta(0), "keep", now)]

    bodies: list[tuple[_Item, bytes, datetime]] = []
    for index, item in enumerate(_PLAN):
        mtime = now - item.age
        bodies.append((item, _body(item, mtime, seed=index + 1), mtime))

    aged = volume is not None
    if volume is not None:
        with _staging(volume, staging_dir) as root:
            for item, body, mtime in bodies:
                _stage(root / item.bucket, item.key, body, mtime)
            for bucket in sorted({item.bucket for item in _PLAN}):
                keys = [item.key for item in _PLAN if item.bucket == bucket]
                volume.sync_in(root / bucket, bucket, files=keys)
    else:
        for item, body, _ in bodies:
            s3.put_object(Bucket=item.bucket, Key=item.key, Body=body)
    seeded += [SeededObject(item.bucket, item.key, len(body), item.age, item.kind, mtime, aged)
               for item, body, mtime in bodies]
    return seeded


_SHM = Path("/dev/shm")


class _staging:
    """A scratch directory for staged files, removed afterwards.

    In /dev/shm when there is one: creating small files there is ~25x faster than on this
    machine's disk (1,500 files: 0.04 s against 0.25-1.1 s), and they live only until
    ``juicefs sync`` has copied them.
    """

    def __init__(self, volume: Volume, parent: Path | None) -> None:
        if parent is None:
            shm_ok = _SHM.is_dir() and os.access(_SHM, os.W_OK | os.X_OK)
            parent = _SHM if shm_ok else volume.meta_path.parent
        self.parent = parent
        self.path: Path | None = None

    def __enter__(self) -> Path:
        self.parent.mkdir(parents=True, exist_ok=True)
        self.path = Path(tempfile.mkdtemp(prefix="jfsconsole-staging-", dir=self.parent))
        return self.path

    def __exit__(self, *exc: object) -> None:
        if self.path is not None:
            shutil.rmtree(self.path, ignore_errors=True)


# --- bulk objects -----------------------------------------------------------------------------

_ENVS = ("dev", "test", "staging")
_APPS = ("order-service-7d9f8b6c5d", "payment-api-5c6b7d8f9", "user-center",
         "inventory-service-6f7c9d8b4", "gateway-web-84c5d9f7b6", "report-job")


def _pod_suffix(i: int) -> str:
    # Kubernetes' alphabet for generated name suffixes, so the names parse as pods.
    out = ""
    for _ in range(5):
        i, r = divmod(i, len(K8S_SUFFIX_ALPHABET))
        out = K8S_SUFFIX_ALPHABET[r] + out
    return out


def bulk_names(count: int) -> Iterator[str]:
    """Distinct, dump-shaped names: ``<env>_<app>-<5 chars>_heapDump.hprof``."""
    for i in range(count):
        yield f"{_ENVS[i % 3]}_{_APPS[i % len(_APPS)]}-{_pod_suffix(i)}_heapDump.hprof"


def make_many_objects(
    dest: Volume | S3Client,
    bucket: str,
    prefix: str,
    count: int,
    *,
    size: int = 256,
    max_age: timedelta = timedelta(0),
    now: datetime | None = None,
    threads: int = 16,
) -> list[str]:
    """Create ``count`` small objects directly under ``prefix``; return their keys.

    With a ``Volume`` the files are staged locally and copied by ``juicefs sync`` (about
    1,100 files/s here, mtimes spread evenly over ``max_age``); with an S3 client they are PUT
    from a thread pool (about 200/s: every PUT is a small SQLite transaction plus a rename in
    the gateway) and ``max_age`` must be zero. Every object is a small valid hprof, padded.
    """
    prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
    now = (now or datetime.now(UTC)).astimezone(UTC)
    names = list(bulk_names(count))
    stamp_ms = int(now.timestamp() * 1000)
    if size >= HPROF_MIN_SIZE:
        body = hprof_bytes(size, timestamp_ms=stamp_ms)
    else:  # too small to be complete: the start of one
        body = hprof_bytes(HPROF_MIN_SIZE, timestamp_ms=stamp_ms)[:size]
    if isinstance(dest, Volume):
        step = max_age / count if count else timedelta(0)
        with _staging(dest, None) as root:
            target = root / prefix
            target.mkdir(parents=True, exist_ok=True)
            base = now.timestamp()
            for i, name in enumerate(names):
                path = target / name
                path.write_bytes(body)
                stamp = base - (step * i).total_seconds()
                os.utime(path, (stamp, stamp))
            # only the prefix's own directory is compared, not the whole bucket
            dest.sync_in(target, f"{bucket}/{prefix}")
    else:
        if max_age:
            raise ValueError("S3 PUT cannot set ages: pass the stack's Volume for max_age")
        s3 = dest

        def put(name: str) -> None:
            s3.put_object(Bucket=bucket, Key=prefix + name, Body=body)

        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(put, names))
    return [prefix + name for name in names]


def preload_many_objects(bucket: str, prefix: str, count: int, *, size: int = 256,
                         max_age: timedelta = timedelta(0),
                         now: datetime | None = None) -> PreloadFiles:
    """The same objects as ``make_many_objects``, for ``LocalStack(preload=...)``.

    Preloaded before the gateway starts, 100,000 objects cost ~10 s instead of ~3 min, but
    their content is sparse (zeros), not hprof bytes.
    """
    prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
    base = (now or datetime.now(UTC)).timestamp()
    step = max_age.total_seconds() / count if count else 0.0
    return PreloadFiles(
        directory=f"/{bucket}/{prefix}".rstrip("/"),
        names=list(bulk_names(count)),
        size=size,
        mtimes=[base - step * i for i in range(count)],
    )
