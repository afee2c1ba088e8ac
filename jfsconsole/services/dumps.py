"""Dump use cases shared by the CLI and the TUI: list, check, share, download, delete.

Every action that exposes or changes data is written to the audit log; destructive ones
honour read-only mode here, in one place, so neither face can forget it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from jfsconsole.backends.audit import AuditLog
from jfsconsole.backends.s3 import DeleteResult, S3Store
from jfsconsole.backends.session import Backends
from jfsconsole.config import Profile, default_state_dir
from jfsconsole.core import hprof, objpath, sharing
from jfsconsole.core.models import ObjectEntry

KEEP_NAME = ".keep"
_CHECK_CACHE_SIZE = 20_000


class ReadOnlyError(Exception):
    """The profile (or --read-only) forbids changing data."""

    def __init__(self, action: str, profile: str) -> None:
        super().__init__(f"profile '{profile}' is read-only: {action} is disabled "
                         "(drop --read-only / ui.read_only to allow it)")


def audit_log_for(profile: Profile) -> AuditLog:
    path = Path(profile.audit_log) if profile.audit_log else default_state_dir() / "audit.jsonl"
    return AuditLog(path, profile.name)


def is_protected(key: str) -> bool:
    """`.keep` holds the dumps directory open: deleting it lets the gateway drop the directory."""
    return key.rsplit("/", 1)[-1] == KEEP_NAME


class DumpService:
    def __init__(self, backends: Backends, profile: Profile, audit: AuditLog | None = None):
        self.backends = backends
        self.profile = profile
        self.audit = audit or audit_log_for(profile)
        self._checks: OrderedDict[tuple[str, str, int, datetime | None], hprof.DumpCheck] = (
            OrderedDict()
        )
        self._sizes: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ basics

    @property
    def store(self) -> S3Store:
        return self.backends.s3()

    @property
    def default_location(self) -> tuple[str, str]:
        s3 = self.profile.s3
        return (s3.bucket, s3.prefix) if s3 else ("jfsdata", "dumpfiles/")

    def resolve(self, text: str) -> objpath.ObjPath:
        """What a CLI user typed (bucket/key, bare name, s3://, in-pod path) -> bucket + key."""
        bucket, prefix = self.default_location
        return objpath.resolve(text, bucket=bucket, prefix=prefix, mount_root=self.mount_root)

    @property
    def mount_root(self) -> str:
        """Where the app pods mount the PVC (in-pod paths are under it)."""
        return self.profile.s3.mount_root if self.profile.s3 else objpath.DEFAULT_MOUNT_ROOT

    def list_buckets(self) -> list[ObjectEntry]:
        return self.store.list_buckets()

    def iter_listing(self, bucket: str, prefix: str, *,
                     recursive: bool = False) -> Iterator[list[ObjectEntry]]:
        return self.store.iter_pages(bucket, prefix, recursive=recursive)

    def entry(self, bucket: str, key: str) -> ObjectEntry:
        return self.store.head(bucket, key)

    # ------------------------------------------------------------------ check

    def check(self, entry: ObjectEntry) -> hprof.DumpCheck:
        """Classify a dump from two small ranged reads, cached per (bucket, key, size, mtime)."""
        cache_key = (entry.bucket, entry.key, entry.size, entry.last_modified)
        with self._lock:
            cached = self._checks.get(cache_key)
            if cached is not None:
                self._checks.move_to_end(cache_key)
                return cached
            previous = self._sizes.get((entry.bucket, entry.key))
        head = tail = b""
        # Read every non-empty object, not only *.hprof names: a dump saved under another
        # name is still a dump, and "not a dump" is only honest once the bytes were looked at.
        if entry.size > 0:
            head_range, tail_range = hprof.ranges_for(entry.size)
            head = self.store.read_range(entry.bucket, entry.key, head_range)
            if tail_range is not None:
                tail = self.store.read_range(entry.bucket, entry.key, tail_range)
        result = hprof.classify(entry.key, entry.size, head, tail, previous_size=previous,
                                now=datetime.now(UTC))
        with self._lock:
            self._sizes[(entry.bucket, entry.key)] = entry.size
            # "In progress" is a verdict about now: look again next time instead of caching it.
            if result.state is not hprof.DumpState.IN_PROGRESS:
                self._checks[cache_key] = result
            while len(self._checks) > _CHECK_CACHE_SIZE:
                self._checks.popitem(last=False)
        return result

    # ------------------------------------------------------------------ share

    def share(self, entry: ObjectEntry, expiry: str | int = sharing.DEFAULT_EXPIRY) -> sharing.ShareLink:
        """Presign a GET link (signed for public_endpoint when set) and audit it."""
        sharing.parse_expiry(expiry)  # a bad expiry is refused before any request
        # Signing needs no request, so a link to a file deleted since the listing would be
        # made happily and fail for the recipient: check that it is still there.
        self.store.head(entry.bucket, entry.key)
        link = sharing.make_link(self.store.presign_get, entry.bucket, entry.key, expiry)
        self.audit.record("share", **sharing.link_audit_fields(link))
        return link

    def copy_forms(self, entry: ObjectEntry) -> dict[str, str]:
        forms = {"s3": objpath.s3_uri(entry.bucket, entry.key), "path": entry.path}
        pod = objpath.in_pod_path(entry.bucket, entry.key, self.mount_root,
                                  pvc_bucket=self.default_location[0])
        if pod:
            forms["pod"] = pod
        return forms

    # ------------------------------------------------------------------ download

    @staticmethod
    def download_target(entry: ObjectEntry, dest_dir: Path) -> Path:
        """Where ``download`` puts ``entry``: its file name in ``dest_dir``, as an absolute path
        so that messages say where the file went even when the directory was "." or empty."""
        name = entry.key.rsplit("/", 1)[-1]
        if not name or entry.is_prefix:
            raise ValueError(f"{entry.path} is a prefix, not an object")
        return dest_dir.expanduser().absolute() / name

    def download(self, entry: ObjectEntry, dest_dir: Path,
                 progress: Callable[[int], None] | None = None,
                 cancelled: Callable[[], bool] | None = None) -> Path:
        dest = self.download_target(entry, dest_dir)
        path = self.store.download(entry.bucket, entry.key, dest, expected_size=entry.size or None,
                                   progress=progress, cancelled=cancelled)
        self.audit.record("download", bucket=entry.bucket, key=entry.key, size=entry.size,
                          dest=str(path))
        return path

    # ------------------------------------------------------------------ delete

    def delete(self, entries: Sequence[ObjectEntry], *, origin: str = "manual") -> DeleteResult:
        if self.profile.ui.read_only:
            raise ReadOnlyError("delete", self.profile.name)
        result = DeleteResult()
        by_bucket: dict[str, list[str]] = {}
        for entry in entries:
            if entry.is_prefix:
                result.skipped.append((entry.key, "a prefix: delete its objects instead"))
            elif is_protected(entry.key):
                result.skipped.append((entry.key, ".keep holds the dumps directory open"))
            else:
                by_bucket.setdefault(entry.bucket, []).append(entry.key)
        for bucket, keys in by_bucket.items():
            part = self.store.delete_many(bucket, keys)
            result.deleted.extend(part.deleted)
            result.errors.extend(part.errors)
            sizes = {e.key: e.size for e in entries if e.bucket == bucket}
            self.audit.record(
                "delete", origin=origin, bucket=bucket, count=len(part.deleted),
                bytes=sum(sizes.get(k, 0) for k in part.deleted), keys=part.deleted,
                errors=[{"key": k, "error": m} for k, m in part.errors],
            )
        return result
