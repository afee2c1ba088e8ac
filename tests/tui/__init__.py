"""Helpers for the TUI tests: waiting for workers, and an in-memory S3 store for snapshots.

The in-memory store exists for the deterministic snapshot and for fast UI-logic tests; every
behaviour that touches S3 is also tested against the real JuiceFS gateway (test_dumps_gateway).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from jfsconsole.backends.errors import NotConfigured, NotFound
from jfsconsole.backends.s3 import DeleteResult
from jfsconsole.backends.session import Backends
from jfsconsole.config import Config, KubeSettings, Profile, S3Settings, UISettings
from jfsconsole.core.models import ObjectEntry
from jfsconsole.tui.app import JfsConsoleApp
from jfsconsole.tui.screens.dumps import DumpsScreen

NOW = datetime(2025, 5, 6, 12, 0, 0, tzinfo=UTC)


async def wait_until(pilot: Pilot[Any], predicate: Callable[[], bool], *, timeout: float = 20.0,
                     what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await pilot.pause(0.02)


def dumps_screen(app: JfsConsoleApp) -> DumpsScreen:
    for screen in (app.screen, *app.screen_stack):
        if isinstance(screen, DumpsScreen):
            return screen
    return app.get_screen_stack("dumps")[0]  # type: ignore[return-value]


async def settle(pilot: Pilot[Any], *, timeout: float = 30.0) -> None:
    """Wait for backend pings, the listing, sorting and visible dump checks to finish."""
    app = pilot.app
    assert isinstance(app, JfsConsoleApp)
    await wait_until(pilot, lambda: all(s.kind != "checking" for s in app.backend_status.values()),
                     timeout=timeout, what="backend status")
    await pilot.pause()
    await wait_until(pilot, lambda: not dumps_screen(app).busy, timeout=timeout, what="dumps screen")
    await app.workers.wait_for_complete()
    await pilot.pause()


def table_names(app: JfsConsoleApp) -> list[str]:
    return [e.name for e in dumps_screen(app).table.rows]


async def move_to(pilot: Pilot[Any], name: str) -> None:
    """Put the Dumps table's cursor on the row called ``name``."""
    dumps_screen(pilot.app).table.move_cursor(table_names(pilot.app).index(name))
    await pilot.pause()


async def go_to(pilot: Pilot[Any], where: str) -> None:
    """``g``, type a location, enter, and wait for its listing."""
    await pilot.press("g")
    pilot.app.screen.query_one(Input).value = where
    await pilot.press("enter")
    await settle(pilot)


def notifications(app: JfsConsoleApp) -> list[str]:
    return [n.message for n in app._notifications]


def profile(name: str = "test", *, s3: S3Settings | None = None, read_only: bool = False,
            sandbox: bool = False, color: str = "", label: str = "") -> Profile:
    return Profile(name=name, s3=s3, kube=KubeSettings(kubeconfig="/nonexistent/kubeconfig"),
                   ui=UISettings(read_only=read_only, sandbox=sandbox, color=color, label=label))


def config_of(*profiles: Profile) -> Config:
    return Config(path=None, profiles={p.name: p for p in profiles},
                  default_profile=profiles[0].name)


# ---------------------------------------------------------------------------- in-memory store

def hprof(body_size: int = 64, *, complete: bool = True, stamp_ms: int = 1_746_528_000_000) -> bytes:
    head = b"JAVA PROFILE 1.0.2\x00" + (8).to_bytes(4, "big") + stamp_ms.to_bytes(8, "big")
    body = bytes(range(256)) * (body_size // 256 + 1)
    data = head + body[:body_size]
    return data + (b"\x2c" + b"\x00" * 8 if complete else b"")


def sample_objects() -> dict[str, tuple[bytes, datetime]]:
    """A small dumpfiles/ tree with one object of each dump state, at fixed times."""
    import gzip

    def ago(**kw: float) -> datetime:
        return NOW - timedelta(**kw)

    return {
        "dumpfiles/.keep": (b"keepdir", ago(days=30)),
        "dumpfiles/dev_order-service-7d9f8b6c5d-x2x7q_heapDump.hprof": (hprof(4000), ago(hours=1)),
        "dumpfiles/prod_payment-api-5c6b7d8f9-k8s2m_heapDump.hprof": (hprof(9000, complete=False),
                                                                       ago(hours=5)),
        "dumpfiles/staging_user-center-0_heapDump.hprof.gz": (gzip.compress(hprof(3000), mtime=0),
                                                              ago(days=4)),
        "dumpfiles/dev_order-service-7d9f8b6c5d-q9w8r_heapDump.hprof.p0": (b"\x1c" + b"\0" * 700,
                                                                            ago(minutes=2)),
        "dumpfiles/test_report-job-28391-zxcvb_heapDump.hprof": (b"", ago(hours=6)),
        "dumpfiles/notes.txt": (b"Heap dumps land here.\n", ago(days=12)),
        "dumpfiles/archive/2024-q1/dev_legacy-batch-0_heapDump.hprof": (hprof(100), ago(days=40)),
    }


class MemoryStore:
    """Enough of S3Store for DumpService, backed by a dict; listing pages of ``page_size``."""

    def __init__(self, objects: dict[str, tuple[bytes, datetime]], *, bucket: str = "jfsdata",
                 endpoint: str = "http://s3.example.test", page_size: int = 1000) -> None:
        self.settings = S3Settings(endpoint=endpoint)
        self.bucket = bucket
        self.objects = dict(objects)
        self.page_size = page_size
        self.reads: list[tuple[str, str]] = []

    def list_buckets(self) -> list[ObjectEntry]:
        return [ObjectEntry(bucket=b, key="", is_prefix=True, last_modified=NOW)
                for b in (self.bucket, "jfs-reports")]

    def ping(self) -> int:
        return 2

    def _entry(self, key: str) -> ObjectEntry:
        data, mtime = self.objects[key]
        return ObjectEntry(self.bucket, key, len(data), mtime)

    def iter_pages(self, bucket: str, prefix: str = "", *, recursive: bool = False,
                   page_size: int = 1000) -> Iterator[list[ObjectEntry]]:
        if bucket != self.bucket:
            if bucket == "jfs-reports":
                return
            raise NotFound("s3", f"no such bucket: {bucket}")
        rows: list[ObjectEntry] = []
        prefixes: set[str] = set()
        for key in sorted(self.objects):
            if not key.startswith(prefix):
                continue
            rest = key[len(prefix):]
            if "/" in rest and not recursive:
                sub = prefix + rest.split("/", 1)[0] + "/"
                if sub not in prefixes:
                    prefixes.add(sub)
                    rows.append(ObjectEntry(bucket, sub, is_prefix=True))
                continue
            rows.append(self._entry(key))
        for start in range(0, len(rows), self.page_size):
            yield rows[start:start + self.page_size]

    def head(self, bucket: str, key: str) -> ObjectEntry:
        if key not in self.objects:
            raise NotFound("s3", f"no such object: {bucket}/{key}")
        return self._entry(key)

    def read_range(self, bucket: str, key: str, byte_range: str) -> bytes:
        self.reads.append((key, byte_range))
        data = self.objects[key][0]
        match = re.fullmatch(r"bytes=(\d*)-(\d*)", byte_range)
        assert match, byte_range
        start, end = match.groups()
        if start == "":
            return data[-int(end):]
        return data[int(start): int(end) + 1 if end else None]

    def presign_get(self, bucket: str, key: str, expires_in: int) -> str:
        return (f"{self.settings.endpoint}/{bucket}/{key}?X-Amz-Expires={expires_in}"
                f"&X-Amz-Signature=fake")

    def put_bytes(self, bucket: str, key: str, data: bytes) -> None:
        self.objects[key] = (data, NOW)

    def download(self, bucket: str, key: str, dest: Path, *, expected_size: int | None = None,
                 progress: Callable[[int], None] | None = None,
                 cancelled: Callable[[], bool] | None = None) -> Path:
        data = self.objects[key][0]
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
        if progress:
            progress(len(data))
        return dest

    def delete_many(self, bucket: str, keys: Sequence[str]) -> DeleteResult:
        result = DeleteResult()
        for key in keys:
            if self.objects.pop(key, None) is not None:
                result.deleted.append(key)
            else:
                result.errors.append((key, "NoSuchKey: gone"))
        return result


class MemoryBackends(Backends):
    """Backends whose S3 is a MemoryStore; Prometheus and Kubernetes are not configured."""

    def __init__(self, profile: Profile, store: MemoryStore) -> None:
        super().__init__(profile, env={})
        self.store = store

    def s3(self) -> Any:
        return self.store

    def prometheus(self) -> Any:
        raise NotConfigured("prometheus", f"profile '{self.profile.name}' has no [prometheus] section",
                            hint="add prometheus.url")

    def kube(self) -> Any:
        raise NotConfigured("kube", "no kubeconfig found and not running in a pod",
                            hint="set kube.kubeconfig, KUBECONFIG, or create ~/.kube/config")


def memory_app(store: MemoryStore | None = None, *, read_only: bool = False,
               audit_dir: Path | None = None) -> JfsConsoleApp:
    store = store or MemoryStore(sample_objects())
    prof = Profile(name="sandbox", s3=S3Settings(endpoint=store.settings.endpoint),
                   ui=UISettings(sandbox=True, read_only=read_only),
                   audit_log=str(audit_dir / "audit.jsonl") if audit_dir else "/dev/null")
    return JfsConsoleApp(prof, config_of(prof), lambda p: MemoryBackends(p, store),
                         clock=lambda: NOW)
