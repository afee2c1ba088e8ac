"""The whole local stack: real JuiceFS gateway, real Prometheus, simulated cluster.

One implementation serves ``jfsconsole sandbox`` and the test session::

    with LocalStack() as stack:                 # temp state dir, removed on stop
        cfg = stack.write_config(tmp / "config.toml")
        s3 = stack.s3_client()

Start order is chosen for wall time: Prometheus first (its first scrape comes ~5 s after start
whatever we do, see promstack), then volume, gateway, seed, history and the fake API server
while it waits.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from jfsconsole.sandbox.exporter import KubeletExporter, PvcModel, default_pvcs
from jfsconsole.sandbox.gateway import (
    Gateway,
    PreloadFiles,
    Volume,
    find_juicefs,
    format_volume,
    random_credentials,
)
from jfsconsole.sandbox.procs import SandboxError, free_ports
from jfsconsole.sandbox.promstack import (
    PROMETHEUS_MISSING,
    PromStack,
    ScrapeJob,
    find_prometheus,
)
from jfsconsole.sandbox.seed import (
    DATA_BUCKET,
    DUMP_PREFIX,
    SeededObject,
    make_s3_client,
    seed_dumps,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from jfsconsole.sandbox.kubeapi import FakeKubeAPI

__all__ = ["GATEWAY_JOB", "KUBELET_JOB", "LocalStack", "SandboxError"]

GATEWAY_JOB = "juicefs-s3-gateway"
KUBELET_JOB = "kubelet"
KUBELET_INSTANCE = "sandbox-node-1:10250"
REGION = "us-east-1"
PVC_DIR = "/jfsdata"
PVC_QUOTA_GIB = 50
SECRET_NAMESPACE = "kube-ops"
SECRET_NAME = "jfsdata"
_MARKER = ".jfsconsole-sandbox"
_PIDS = "pids.json"


def _toml_str(value: str) -> str:
    """``value`` as a TOML basic string.

    json.dumps escapes quotes, backslashes and control characters exactly as TOML wants.
    Non-ASCII stays literal: JSON's \\u escapes of astral characters are surrogate pairs,
    which TOML rejects. DEL is the one character TOML needs escaped and JSON does not.
    """
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by the owner only, even if it already existed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, text.encode("utf-8"))
    finally:
        os.close(fd)


class LocalStack:
    """Start with ``start()`` or ``with``; everything runs on 127.0.0.1 only.

    ``state_dir`` None: a temp dir removed on stop. A given ``state_dir`` must be empty or
    one a previous stack left (it carries a marker file); it is wiped and rebuilt, so every
    start gives the same seeded volume, and it is kept after stop for post-mortems.
    """

    s3_endpoint: str
    s3_access_key: str
    s3_secret_key: str
    region = REGION
    bucket = DATA_BUCKET
    prefix = DUMP_PREFIX

    def __init__(self, state_dir: Path | None = None, *, prometheus: bool = True,
                 kube: bool = True, seed: bool = True, trash_days: int = 1,
                 history_days: int = 14, wait_for_scrape: bool = True,
                 preload: Sequence[PreloadFiles] = ()) -> None:
        self._given_state_dir = state_dir
        self.state_dir: Path = state_dir or Path("/nonexistent")
        self.want_prometheus = prometheus
        self.want_kube = kube
        self.want_seed = seed
        self.trash_days = trash_days
        self.history_days = history_days
        self.wait_for_scrape = wait_for_scrape
        self.preload = list(preload)
        self.s3_endpoint = ""
        self.s3_access_key = ""
        self.s3_secret_key = ""
        self.prometheus_url: str | None = None
        self.prometheus_missing_reason: str | None = None
        self.kube: FakeKubeAPI | None = None
        self.kubeconfig_path: Path | None = None
        self.seeded: list[SeededObject] = []
        self.volume: Volume | None = None
        self.gateway: Gateway | None = None
        self.exporter: KubeletExporter | None = None
        self.prom: PromStack | None = None
        self.pvcs: list[PvcModel] = []
        self.history_samples = 0
        self.history_error: str | None = None
        self._history_thread: threading.Thread | None = None
        self._prom_started_at = 0.0
        self.timings: dict[str, float] = {}
        self._started = False

    def __repr__(self) -> str:  # never the keys
        return (f"LocalStack(state_dir={str(self.state_dir)!r}, s3={self.s3_endpoint!r}, "
                f"prometheus={self.prometheus_url!r})")

    # --- lifecycle ----------------------------------------------------------------------------

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def start(self) -> LocalStack:
        if self._started:
            raise SandboxError("this LocalStack was already started")
        self._started = True
        try:
            self._start()
        except BaseException:
            self.stop()  # also on KeyboardInterrupt: leave nothing running
            raise
        return self

    def _mark(self, name: str, since: float) -> float:
        now = time.monotonic()
        self.timings[name] = round(now - since, 3)
        return now

    def _start(self) -> None:
        t0 = t = time.monotonic()
        juicefs = find_juicefs()  # fail before touching anything when the binary is missing
        self._prepare_state_dir()
        self.s3_access_key, self.s3_secret_key = random_credentials()
        gw_port, gw_metrics_port = free_ports(2)

        self.pvcs = default_pvcs(real_usage=self._real_usage)
        if not self.want_prometheus:
            self.prometheus_missing_reason = "prometheus is disabled for this sandbox"
        else:
            binary = find_prometheus()
            if binary is None:
                self.prometheus_missing_reason = PROMETHEUS_MISSING
            else:
                self.exporter = KubeletExporter(self.pvcs)
                self.exporter.start()
                self.prom = PromStack(self.state_dir, self._jobs(gw_metrics_port),
                                      binary=binary)
                self._prom_started_at = time.time()
                self.prometheus_url = self.prom.start()
                self._record_pid(self.prom.process)
                t = self._mark("prometheus", t)

        self.volume = format_volume(self.state_dir, trash_days=self.trash_days, juicefs=juicefs,
                                    preload=self.preload)
        # The CSI driver creates the PVC directory with a quota of the PVC's size; doing it
        # before the gateway starts also makes "jfsdata" a bucket from the first request.
        self.volume.set_quota(PVC_DIR, PVC_QUOTA_GIB)
        t = self._mark("format", t)

        self.gateway = Gateway(self.volume, self.state_dir / "logs", self.state_dir / "cache",
                               self.s3_access_key, self.s3_secret_key,
                               port=gw_port, metrics_port=gw_metrics_port)
        self.gateway.start()
        self._record_pid(self.gateway.process)
        self.s3_endpoint = self.gateway.endpoint
        if self.prom is not None and (self.gateway.port, self.gateway.metrics_port) != (
                gw_port, gw_metrics_port):
            self._reload_prometheus()
        t = self._mark("gateway", t)

        if self.want_seed:
            self.seeded = seed_dumps(self.s3_client(), volume=self.volume)
            t = self._mark("seed", t)

        if self.want_kube:
            self._start_kube()
            t = self._mark("kube", t)

        self._write_secret_files()
        if self.prom is not None:
            if self.wait_for_scrape:
                self.prom.wait_for_scrape([GATEWAY_JOB, KUBELET_JOB])
                t = self._mark("first_scrape", t)
                try:
                    self._push_history()
                except SandboxError as exc:  # e.g. a Prometheus older than 2.39 (no OOO)
                    self.history_error = str(exc)
                t = self._mark("history", t)
            else:
                self._history_thread = threading.Thread(
                    target=self._push_history_later, name="sandbox-history", daemon=True)
                self._history_thread.start()
        self._mark("total", t0)

    def stop(self) -> None:
        """Stop everything this stack started; safe to call twice and after a failed start."""
        if self.kube is not None:
            with contextlib.suppress(Exception):
                self.kube.stop()
        for part in (self.prom, self.gateway):
            if part is not None:
                with contextlib.suppress(Exception):
                    part.stop()
        if self.exporter is not None:
            with contextlib.suppress(Exception):
                self.exporter.stop()
        if self._given_state_dir is None and self.state_dir.name.startswith("jfsconsole-sbx-"):
            shutil.rmtree(self.state_dir, ignore_errors=True)
        elif self.state_dir.is_dir():
            with contextlib.suppress(OSError):
                (self.state_dir / _PIDS).unlink()

    # --- pieces -------------------------------------------------------------------------------

    def _prepare_state_dir(self) -> None:
        if self._given_state_dir is None:
            self.state_dir = Path(tempfile.mkdtemp(prefix="jfsconsole-sbx-"))
        else:
            path = self._given_state_dir.expanduser().resolve()
            if any(c in str(path) for c in "?#%"):
                # the path becomes part of the sqlite3:// metadata URL
                raise SandboxError(f"state dir {path}: '?', '#' and '%' cannot be in a URL path")
            if path.exists() and any(path.iterdir()):
                if not (path / _MARKER).exists():
                    raise SandboxError(
                        f"state dir {path} is not empty and not a sandbox state dir "
                        f"(no {_MARKER}); refusing to wipe it")
                _kill_stale(path)
                for child in path.iterdir():
                    if child.is_dir() and not child.is_symlink():
                        shutil.rmtree(child)
                    else:
                        child.unlink()
            path.mkdir(parents=True, exist_ok=True)
            self.state_dir = path
        (self.state_dir / _MARKER).write_text("state of a jfsconsole sandbox; safe to delete\n")
        (self.state_dir / "logs").mkdir(exist_ok=True)

    def _record_pid(self, proc: Any) -> None:
        if proc is None or proc.pid is None:
            return
        path = self.state_dir / _PIDS
        try:
            pids = json.loads(path.read_text())
        except (OSError, ValueError):
            pids = []
        pids.append(proc.pid)
        path.write_text(json.dumps(pids))

    def _jobs(self, gw_metrics_port: int) -> list[ScrapeJob]:
        assert self.exporter is not None
        return [
            ScrapeJob(GATEWAY_JOB, f"127.0.0.1:{gw_metrics_port}"),
            ScrapeJob(KUBELET_JOB, self.exporter.address, instance=KUBELET_INSTANCE),
        ]

    def _reload_prometheus(self) -> None:
        # The gateway had to move to other ports.
        assert self.prom is not None and self.gateway is not None
        self.prom.reload(self._jobs(self.gateway.metrics_port))

    def _real_usage(self) -> tuple[int, int] | None:
        volume = self.volume
        return volume.quota_usage(PVC_DIR) if volume is not None else None

    def _push_history(self) -> None:
        """Backfill ``history_days`` of kubelet stats, ending where live scraping began.

        Only after the first scrape: the head then starts "now" and every pushed sample lands
        in the out-of-order head, which Prometheus compacts only together with the in-order
        head (after ~3 h). Pushed into an empty head instead, the history became a 14-day
        head and Prometheus spent ~12 s of CPU compacting it right when the tests start.
        """
        if self.prom is None or self.exporter is None or self.history_days <= 0:
            return
        real = self._real_usage()
        if real is not None:
            for pvc in self.pvcs:
                if pvc.real_usage is not None:
                    pvc.real_estimate = real
        end = self._prom_started_at
        start = end - self.history_days * 86400
        labels = {"job": KUBELET_JOB, "instance": KUBELET_INSTANCE}
        self.history_samples = self.prom.push(self.exporter.history(start, end, 300, labels))

    def _push_history_later(self) -> None:
        try:
            assert self.prom is not None
            self.prom.wait_for_scrape([GATEWAY_JOB, KUBELET_JOB], timeout=60)
            self._push_history()
        except Exception as exc:  # a sandbox without history still works
            self.history_error = str(exc)

    def wait_for_prometheus(self, timeout: float = 60.0) -> str | None:
        """Block until Prometheus has scraped both targets and holds the history.

        Returns the URL, or None without Prometheus. Only needed after a start with
        ``wait_for_scrape=False``; raises SandboxError if the background work failed.
        """
        if self.prom is None:
            return None
        thread = self._history_thread
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                raise SandboxError(f"prometheus not ready after {timeout:.0f}s")
        if self.history_error:
            raise SandboxError(f"prometheus history: {self.history_error}")
        # Both targets were scraped by now: start() waited, or the history thread did first.
        return self.prometheus_url

    def _start_kube(self) -> None:
        from jfsconsole.sandbox.kubeapi import FakeKubeAPI

        api = FakeKubeAPI()
        api.start()
        self.kube = api
        self.kubeconfig_path = api.write_kubeconfig(self.state_dir / "kubeconfig",
                                                    context="sandbox", namespace="kube-ops")
        existing = api.get_object("Secret", SECRET_NAMESPACE, SECRET_NAME) or {}
        meta = dict(existing.get("metadata") or {})
        meta.update({"name": SECRET_NAME, "namespace": SECRET_NAMESPACE})
        for key in ("uid", "resourceVersion", "creationTimestamp"):
            meta.pop(key, None)
        api.add_object({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": meta,
            "type": "Opaque",
            "data": {
                "access-key": base64.b64encode(self.s3_access_key.encode()).decode(),
                "secret-key": base64.b64encode(self.s3_secret_key.encode()).decode(),
            },
        })

    def _write_secret_files(self) -> None:
        secrets_dir = self.state_dir / "secrets"
        secrets_dir.mkdir(mode=0o700, exist_ok=True)
        os.chmod(secrets_dir, 0o700)
        _write_private(secrets_dir / "s3-access-key", self.s3_access_key)
        _write_private(secrets_dir / "s3-secret-key", self.s3_secret_key)

    # --- for callers --------------------------------------------------------------------------

    def s3_client(self) -> S3Client:
        if not self.s3_endpoint:
            raise SandboxError("the stack is not started")
        return make_s3_client(self.s3_endpoint, self.s3_access_key, self.s3_secret_key,
                              region=self.region)

    def write_config(self, path: Path) -> Path:
        """A jfsconsole config with one profile ``sandbox`` pointing at this stack (mode 0600).

        Keys are referenced as files under the state dir, never written into the TOML.
        """
        if not self.s3_endpoint:
            raise SandboxError("the stack is not started")
        secrets_dir = self.state_dir / "secrets"
        lines = [
            "# written by jfsconsole's LocalStack; the ports change on every start",
            f"default_profile = {_toml_str('sandbox')}",
            "",
            "[profiles.sandbox.s3]",
            f"endpoint = {_toml_str(self.s3_endpoint)}",
            f"region = {_toml_str(self.region)}",
            f"bucket = {_toml_str(self.bucket)}",
            f"prefix = {_toml_str(self.prefix)}",
            f"access_key = {{ file = {_toml_str(str(secrets_dir / 's3-access-key'))} }}",
            f"secret_key = {{ file = {_toml_str(str(secrets_dir / 's3-secret-key'))} }}",
            "",
        ]
        if self.prometheus_url:
            lines += ["[profiles.sandbox.prometheus]",
                      f"url = {_toml_str(self.prometheus_url)}", ""]
        if self.kubeconfig_path is not None:
            lines += [
                "[profiles.sandbox.kube]",
                f"kubeconfig = {_toml_str(str(self.kubeconfig_path))}",
                f"context = {_toml_str('sandbox')}",
                f"namespace = {_toml_str('kube-ops')}",
                "",
            ]
        lines += [
            "[profiles.sandbox.ui]",
            f"label = {_toml_str('SANDBOX')}",
            f"color = {_toml_str('magenta')}",
            "sandbox = true",
        ]
        _write_private(path, "\n".join(lines) + "\n")
        return path


def _kill_stale(state_dir: Path) -> None:
    """Kill children a crashed earlier stack left running on this state dir.

    Only pids recorded in the state dir whose command line still names this state dir are
    touched, so a recycled pid can never be hit.
    """
    try:
        pids = [int(p) for p in json.loads((state_dir / _PIDS).read_text())]
    except (OSError, ValueError, TypeError):
        return
    for pid in pids:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if str(state_dir).encode() in cmdline:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
