"""A stand-in for the kubelet's volume stats endpoint, scraped by the sandbox Prometheus.

In the cluster the JuiceFS CSI node answers the kubelet's statfs per PVC and the kubelet
publishes ``kubelet_volume_stats_*``. Here a small HTTP server publishes the same series for a
few PVCs from a model: a base that grows slowly (so trends and days-until-full have something
to work on) plus, for ``dev/jfsdata``, the real directory-quota usage of the sandbox volume,
scaled up, so a cleanup through the gateway visibly lowers the usage curve. The same model
generates history for backfilling, so past and live samples join without a jump.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from jfsconsole.sandbox.procs import LOOPBACK

__all__ = [
    "GIB",
    "METRICS",
    "PIB",
    "KubeletExporter",
    "PvcModel",
    "VolumeStats",
    "default_pvcs",
]

GIB = 1 << 30
PIB = 1 << 50
DAY = 86400.0
# JuiceFS without an inode quota reports a large free-inode count on top of what is used.
_UNLIMITED_FREE_INODES = 10 << 20

# metric -> (HELP text, the VolumeStats attribute it publishes)
METRICS: dict[str, tuple[str, str]] = {
    "kubelet_volume_stats_capacity_bytes": ("Capacity in bytes of the volume", "capacity"),
    "kubelet_volume_stats_available_bytes": ("Number of available bytes in the volume", "available"),
    "kubelet_volume_stats_used_bytes": ("Number of used bytes in the volume", "used"),
    "kubelet_volume_stats_inodes": ("Maximum number of inodes in the volume", "inodes"),
    "kubelet_volume_stats_inodes_free": ("Number of free inodes in the volume", "inodes_free"),
    "kubelet_volume_stats_inodes_used": ("Number of used inodes in the volume", "inodes_used"),
}

RealUsage = Callable[[], "tuple[int, int] | None"]


@dataclass(frozen=True)
class VolumeStats:
    capacity: int
    used: int
    inodes: int
    inodes_used: int

    @property
    def available(self) -> int:
        return max(0, self.capacity - self.used)

    @property
    def inodes_free(self) -> int:
        return max(0, self.inodes - self.inodes_used)

    def values(self) -> dict[str, int]:
        return {metric: int(getattr(self, attr)) for metric, (_, attr) in METRICS.items()}


@dataclass
class PvcModel:
    """How one PVC's usage evolves: ``base + growth * days since epoch + scale * real``.

    ``real_usage`` (bytes, inodes) is read at each scrape; before the epoch (history) the
    ``real_estimate`` stands in for it. ``capacity`` of 1 PiB means "no quota": JuiceFS then
    reports 1 PiB and doubles it as usage grows past it, so used/capacity means nothing.
    """

    namespace: str
    name: str
    capacity: int
    base_used: int
    growth_per_day: float
    base_inodes: int = 1000
    inode_growth_per_day: float = 20.0
    inode_quota: int | None = None
    real_usage: RealUsage | None = None
    real_scale: int = 1
    real_estimate: tuple[int, int] = (0, 0)
    # daily swing as a fraction of base_used: dumps arrive by day, cleanup runs every 6 h
    daily_swing: float = 0.01
    _last_real: tuple[int, int] | None = field(default=None, init=False, repr=False)

    @property
    def labels(self) -> dict[str, str]:
        return {"namespace": self.namespace, "persistentvolumeclaim": self.name}

    def _real(self, live: bool) -> tuple[int, int]:
        if not live or self.real_usage is None:
            return self.real_estimate
        try:
            value = self.real_usage()
        except Exception:
            value = None
        if value is not None:
            self._last_real = value
        return self._last_real or self.real_estimate

    def stats(self, t: float, epoch: float, *, live: bool) -> VolumeStats:
        days = (t - epoch) / DAY
        swing = self.daily_swing * self.base_used * math.sin(2 * math.pi * (t % DAY) / DAY)
        real_bytes, real_inodes = self._real(live)
        used = self.base_used + self.growth_per_day * days + swing + real_bytes * self.real_scale
        capacity = self.capacity
        if capacity >= PIB:
            while used > capacity * 0.9:
                capacity *= 2
        used_i = int(min(max(used, 0.0), capacity))
        inodes_used = max(0, int(self.base_inodes + self.inode_growth_per_day * days)
                          + real_inodes)
        inodes = self.inode_quota or inodes_used + _UNLIMITED_FREE_INODES
        return VolumeStats(capacity, used_i, inodes, min(inodes_used, inodes))


def default_pvcs(real_usage: RealUsage | None = None,
                 real_estimate: tuple[int, int] = (0, 0)) -> list[PvcModel]:
    """The sandbox's PVCs: a working ``dev/jfsdata``, a nearly full ``test/jfsdata`` (above
    the 80% alert), and ``dev/jfs-reports`` without a quota (1 PiB)."""
    return [
        # ~38% of 50 GiB and +0.45 GiB/day: about 60 days to full. The real quota usage is
        # scaled x256 so deleting a 3 MB dump frees ~0.8 GiB on the chart.
        PvcModel("dev", "jfsdata", 50 * GIB, int(19 * GIB), 0.45 * GIB,
                 base_inodes=420, inode_growth_per_day=6,
                 real_usage=real_usage, real_scale=256, real_estimate=real_estimate),
        PvcModel("test", "jfsdata", 50 * GIB, int(42.5 * GIB), 0.35 * GIB,
                 base_inodes=3100, inode_growth_per_day=25, daily_swing=0.004),
        PvcModel("dev", "jfs-reports", PIB, int(118 * GIB), 1.2 * GIB,
                 base_inodes=48000, inode_growth_per_day=900, daily_swing=0.002),
    ]


def _labels(labels: dict[str, str]) -> str:
    def esc(v: str) -> str:
        return v.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')

    return ",".join(f'{k}="{esc(v)}"' for k, v in labels.items())


class KubeletExporter:
    """Serves ``/metrics`` in the Prometheus text format from a list of ``PvcModel``."""

    def __init__(self, pvcs: Sequence[PvcModel], *, epoch: float | None = None) -> None:
        self.pvcs = list(pvcs)
        self.epoch = time.time() if epoch is None else epoch
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def address(self) -> str:
        if self._server is None:
            raise RuntimeError("exporter is not running")
        host, port = self._server.server_address[:2]
        return f"{host!s}:{port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}/metrics"

    def render(self, t: float | None = None) -> str:
        """The exposition text at time ``t`` (now by default)."""
        now = time.time() if t is None else t
        with self._lock:  # real_usage readers and _last_real are not thread-safe
            rows = [(_labels(p.labels), p.stats(now, self.epoch, live=True).values())
                    for p in self.pvcs]
        lines: list[str] = []
        for metric, (help_text, _) in METRICS.items():
            lines.append(f"# HELP {metric} {help_text}")
            lines.append(f"# TYPE {metric} gauge")
            for labels, values in rows:
                lines.append(f"{metric}{{{labels}}} {values[metric]}")
        return "\n".join(lines) + "\n"

    def history(self, start: float, end: float, step: float,
                extra_labels: dict[str, str] | None = None,
                ) -> Iterable[tuple[dict[str, str], list[tuple[float, float]]]]:
        """Past samples, one (labels with ``__name__``, [(unix seconds, value)]) per series.

        Values come from the same model as live scrapes, with ``real_estimate`` in place of
        the real usage, so a chart runs on across the boundary. Timestamps are
        ``start, start+step, ...`` below ``end``.
        """
        extra = extra_labels or {}
        series: dict[tuple[int, str], list[tuple[float, float]]] = {}
        t = start
        while t < end:
            for index, pvc in enumerate(self.pvcs):
                for metric, value in pvc.stats(t, self.epoch, live=False).values().items():
                    series.setdefault((index, metric), []).append((t, float(value)))
            t += step
        for (index, metric), samples in series.items():
            labels = {"__name__": metric, **self.pvcs[index].labels, **extra}
            yield labels, samples

    def start(self, host: str = LOOPBACK, port: int = 0) -> str:
        exporter = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.split("?", 1)[0] not in ("/metrics", "/metrics/resource"):
                    self.send_error(404)
                    return
                body = exporter.render().encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the TUI owns the terminal

        server = ThreadingHTTPServer((host, port), Handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="kubelet-exporter",
                                        kwargs={"poll_interval": 0.2}, daemon=True)
        self._thread.start()
        return self.url

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            with contextlib.suppress(Exception):
                server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None
