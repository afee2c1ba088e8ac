"""Child-process helpers of the local stack, with real child processes."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

from jfsconsole.sandbox.procs import ManagedProcess, SandboxError, free_port, start_with_port_retry


def _web(port: int, log: Path) -> ManagedProcess:
    argv = [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)]
    return ManagedProcess("web", argv, log_path=log).start()


def test_port_retry_takes_new_ports_when_one_is_taken(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        ports = iter([busy, free_port()])
        used: list[int] = []

        def launch() -> ManagedProcess:
            used.append(next(ports))
            return _web(used[-1], tmp_path / f"web-{len(used)}.log")

        proc = start_with_port_retry(
            launch, lambda p: p.wait_http(f"http://127.0.0.1:{used[-1]}/", timeout=10))
        try:
            assert used[0] == busy and len(used) == 2 and proc.running
            assert "already in use" in (tmp_path / "web-1.log").read_text()
        finally:
            proc.stop()


def test_port_retry_raises_other_failures_at_once(tmp_path: Path) -> None:
    launches = 0

    def launch() -> ManagedProcess:
        nonlocal launches
        launches += 1
        argv = [sys.executable, "-c", "import sys; print('config is broken'); sys.exit(3)"]
        return ManagedProcess("broken", argv, log_path=tmp_path / "broken.log").start()

    with pytest.raises(SandboxError, match="config is broken"):
        start_with_port_retry(launch, lambda p: p.wait_http("http://127.0.0.1:9/", timeout=10))
    assert launches == 1
