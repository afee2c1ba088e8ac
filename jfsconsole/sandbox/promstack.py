"""A real Prometheus for the sandbox: scrapes the gateway and the kubelet stand-in.

History. The Usage screen needs days of ``kubelet_volume_stats_*`` for trends and
days-until-full. ``promtool tsdb create-blocks-from openmetrics`` works with Debian's 2.42 but
writes one block per 2 h and re-reads its input per block: 14 days took 5.3 s at one sample an
hour and 9.7 s at one per 10 minutes, before Prometheus even starts. Instead Prometheus starts
at once with the remote-write receiver and a 15-day out-of-order window, and the history
(one sample per 5 minutes, ~73k samples) is pushed in well under a second. The samples are
queryable at once. Push after the first scrape (see LocalStack._push_history) so that they
all go to the out-of-order head, which is compacted only with the in-order head, after ~3 h.

First scrape. Prometheus 2.42 hands targets to its scrape loops at most every 5 s, so the
first sample lands about 5 s after start whatever the scrape interval: start it first and
let the rest of the stack come up meanwhile.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import struct
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from jfsconsole.sandbox.procs import (
    LOOPBACK,
    ManagedProcess,
    SandboxError,
    free_port,
    start_with_port_retry,
)

__all__ = [
    "PROMETHEUS_MISSING",
    "PromStack",
    "ScrapeJob",
    "encode_write_request",
    "find_prometheus",
    "render_config",
]

PROMETHEUS_MISSING = "prometheus is not installed: apt-get install prometheus (Debian/Ubuntu)"
HISTORY_WINDOW_DAYS = 15

Series = tuple[dict[str, str], Sequence[tuple[float, float]]]


def find_prometheus() -> str | None:
    return shutil.which("prometheus")


@dataclass
class ScrapeJob:
    name: str
    address: str  # host:port
    metrics_path: str = "/metrics"
    # replaces the instance label (host:port) so that series keep their identity across
    # restarts on new random ports, and match the pushed history
    instance: str | None = None
    labels: dict[str, str] = field(default_factory=dict)


def _q(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid YAML flow scalar


def render_config(jobs: Sequence[ScrapeJob], *, scrape_interval: str = "2s",
                  ooo_window_days: int = HISTORY_WINDOW_DAYS) -> str:
    lines = [
        "global:",
        f"  scrape_interval: {scrape_interval}",
        f"  scrape_timeout: {scrape_interval}",
        f"  evaluation_interval: {scrape_interval}",
        "storage:",
        "  tsdb:",
        f"    out_of_order_time_window: {ooo_window_days}d",
        "scrape_configs:",
    ]
    for job in jobs:
        lines += [
            f"  - job_name: {_q(job.name)}",
            f"    metrics_path: {_q(job.metrics_path)}",
            "    static_configs:",
            f"      - targets: [{_q(job.address)}]",
        ]
        if job.labels:
            labels = ", ".join(f"{_q(k)}: {_q(v)}" for k, v in job.labels.items())
            lines.append(f"        labels: {{{labels}}}")
        if job.instance:
            lines += [
                "    relabel_configs:",
                "      - target_label: instance",
                f"        replacement: {_q(job.instance)}",
            ]
    return "\n".join(lines) + "\n"


# --- remote write: protobuf + snappy by hand, to avoid two dependencies for one request ---

def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def encode_write_request(series: Iterable[Series]) -> bytes:
    """prometheus.WriteRequest{timeseries: [TimeSeries{labels, samples}]} as protobuf."""
    out = bytearray()
    for labels, samples in series:
        ts = bytearray()
        for name in sorted(labels):  # remote write requires labels sorted by name
            ts += _field(1, _field(1, name.encode()) + _field(2, labels[name].encode()))
        for t, value in samples:
            sample = b"\x09" + struct.pack("<d", value) + b"\x10" + _varint(int(t * 1000))
            ts += _field(2, sample)
        out += _field(1, bytes(ts))
    return bytes(out)


def _snappy_literal(data: bytes) -> bytes:
    """A valid snappy block holding ``data`` as literals (no compression is needed)."""
    out = bytearray(_varint(len(data)))
    for i in range(0, len(data), 1 << 16):
        chunk = data[i:i + (1 << 16)]
        n = len(chunk) - 1
        if n < 60:
            out.append(n << 2)
        else:
            out.append(61 << 2)  # literal, length-1 in the next two bytes
            out += struct.pack("<H", n)
        out += chunk
    return bytes(out)


class PromStack:
    """``prometheus`` with its data, config and log under ``state_dir``."""

    def __init__(self, state_dir: Path, jobs: Sequence[ScrapeJob], *, binary: str | None = None,
                 scrape_interval: str = "1s") -> None:
        found = binary or find_prometheus()
        if found is None:
            raise SandboxError(PROMETHEUS_MISSING)
        self.binary = found
        self.state_dir = state_dir
        self.jobs = list(jobs)
        self.scrape_interval = scrape_interval
        self.port = 0
        self.process: ManagedProcess | None = None

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def _write_config(self) -> Path:
        config = self.state_dir / "prometheus.yml"
        config.write_text(render_config(self.jobs, scrape_interval=self.scrape_interval))
        return config

    def reload(self, jobs: Sequence[ScrapeJob]) -> None:
        """Scrape other targets: rewrite the config and SIGHUP, which Prometheus honours
        without --web.enable-lifecycle."""
        self.jobs = list(jobs)
        self._write_config()
        if self.process is not None and self.process.pid is not None:
            os.kill(self.process.pid, signal.SIGHUP)

    def start(self, *, timeout: float = 20.0, attempts: int = 3) -> str:
        config = self._write_config()

        def launch() -> ManagedProcess:
            self.port = free_port()
            argv = [
                self.binary,
                f"--config.file={config}",
                f"--storage.tsdb.path={self.state_dir / 'prom'}",
                f"--web.listen-address={LOOPBACK}:{self.port}",
                "--storage.tsdb.retention.time=30d",
                "--web.enable-remote-write-receiver",
                "--log.level=warn",
            ]
            self.process = ManagedProcess("prometheus", argv, log_path=self.state_dir / "logs" /
                                          "prometheus.log", cwd=self.state_dir).start()
            return self.process

        start_with_port_retry(launch, lambda proc: proc.wait_http(f"{self.url}/-/ready",
                                                                  timeout=timeout),
                              attempts=attempts)
        return self.url

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()

    def push(self, series: Iterable[Series]) -> int:
        """Write samples through the remote-write receiver; returns how many were sent."""
        batch: list[Series] = []
        sent = count = 0
        for item in series:
            batch.append(item)
            count += len(item[1])
            if count >= 50_000:
                self._post(batch)
                sent += count
                batch, count = [], 0
        if batch:
            self._post(batch)
            sent += count
        return sent

    def _post(self, batch: list[Series]) -> None:
        body = _snappy_literal(encode_write_request(batch))
        req = urllib.request.Request(
            f"{self.url}/api/v1/write", data=body, method="POST",
            headers={"Content-Type": "application/x-protobuf", "Content-Encoding": "snappy",
                     "X-Prometheus-Remote-Write-Version": "0.1.0"},
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                resp.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:300]
            raise SandboxError(f"prometheus refused the history: HTTP {exc.code} {detail}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise SandboxError(f"prometheus remote write failed: {exc}") from exc

    def wait_for_scrape(self, jobs: Iterable[str] | None = None, *, timeout: float = 30.0) -> None:
        """Until every job's target was scraped successfully once (``up == 1``)."""
        # The console's own client, as the seeding uses the console's S3 client.
        from jfsconsole.backends.errors import BackendError
        from jfsconsole.backends.prometheus import PrometheusClient
        from jfsconsole.config import PrometheusSettings

        wanted = set(jobs) if jobs is not None else {job.name for job in self.jobs}
        deadline = time.monotonic() + timeout
        seen: set[str] = set()
        client = PrometheusClient(PrometheusSettings(url=self.url, timeout=5))
        try:
            while True:
                with contextlib.suppress(BackendError):
                    seen = {sample.labels.get("job", "") for sample in client.query("up == 1")}
                if wanted <= seen:
                    return
                if time.monotonic() >= deadline:
                    missing = ", ".join(sorted(wanted - seen))
                    raise SandboxError(f"prometheus has not scraped {missing} after {timeout:.0f}s")
                if self.process is not None and not self.process.running:
                    raise self.process.fail("exited while waiting for the first scrape")
                time.sleep(0.1)
        finally:
            client.close()
