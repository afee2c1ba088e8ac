"""Child processes of the sandbox: loopback ports, logs in the state dir, readiness, clean stops.

Every backend of the local stack (JuiceFS gateway, Prometheus) is a real binary run as a child.
They must never write to the terminal (the TUI owns it), must be found dead after ``stop()``, and
must not outlive the Python process when a test session or the TUI ends in an exception or
Ctrl-C. Three layers see to that: explicit ``stop()`` (context managers call it), an ``atexit``
hook over every process still registered, and, when started from the main thread, the kernel's
parent-death signal.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

__all__ = [
    "ManagedProcess",
    "SandboxError",
    "free_port",
    "free_ports",
    "start_with_port_retry",
    "stop_all",
    "tail",
]

LOOPBACK = "127.0.0.1"


class SandboxError(RuntimeError):
    """The local stack could not be started; the message says why and what to do."""


def free_ports(count: int, host: str = LOOPBACK) -> list[int]:
    """Return ``count`` distinct free TCP ports on ``host``.

    All sockets are held open until every port is picked, so the kernel cannot hand out the
    same port twice. There is still a window before the child binds it; callers that see a
    bind failure should retry with fresh ports.
    """
    socks: list[socket.socket] = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((host, 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def free_port(host: str = LOOPBACK) -> int:
    return free_ports(1, host)[0]


def tail(path: Path, lines: int = 25, max_bytes: int = 16384) -> str:
    """Last ``lines`` lines of a log file (empty string when it does not exist)."""
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - max_bytes))
            data = fh.read()
    except OSError:
        return ""
    text = data.decode("utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])


# Processes still running, stopped by the atexit hook if their owner never called stop().
_live: dict[int, ManagedProcess] = {}
_live_lock = threading.Lock()


def stop_all() -> None:
    """Stop every process this module started and that is still registered."""
    with _live_lock:
        procs = list(_live.values())
    for proc in procs:
        with contextlib.suppress(Exception):
            proc.stop(timeout=3.0)


atexit.register(stop_all)

_SETPRIV = shutil.which("setpriv")


def _pdeathsig_prefix() -> list[str]:
    # PR_SET_PDEATHSIG fires when the *thread* that forked the child exits, not the process:
    # a stack started from a TUI worker thread would lose its children when that worker ends.
    # Only the main thread lives as long as the process, so only there is it a safe net.
    # setpriv execs the target directly, which avoids a Python preexec_fn (unsafe with threads).
    if _SETPRIV and threading.current_thread() is threading.main_thread():
        return [_SETPRIV, "--pdeathsig", "TERM", "--"]
    return []


class ManagedProcess:
    """One backend binary run in its own process group with output sent to ``log_path``."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self._popen: subprocess.Popen[bytes] | None = None

    def __repr__(self) -> str:
        return f"ManagedProcess({self.name!r}, pid={self.pid})"

    @property
    def pid(self) -> int | None:
        return self._popen.pid if self._popen else None

    @property
    def running(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    @property
    def returncode(self) -> int | None:
        return self._popen.poll() if self._popen else None

    def start(self) -> ManagedProcess:
        if self._popen is not None:
            raise SandboxError(f"{self.name} was already started")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            try:
                self._popen = subprocess.Popen(
                    _pdeathsig_prefix() + self.argv,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=self.env,
                    cwd=self.cwd,
                    # Own process group: Ctrl-C in the terminal reaches only Python, which then
                    # stops the children in order, and stop() can signal the whole group.
                    start_new_session=True,
                    close_fds=True,
                )
            except OSError as exc:
                raise SandboxError(f"cannot start {self.name} ({self.argv[0]}): {exc}") from exc
        with _live_lock:
            _live[self._popen.pid] = self
        return self

    def log_tail(self, lines: int = 25) -> str:
        return tail(self.log_path, lines)

    def fail(self, what: str) -> SandboxError:
        """A SandboxError for ``what`` that carries the end of this process's log."""
        status = "" if self.running else f" (exited with {self.returncode})"
        return SandboxError(
            f"{self.name} {what}{status}; log {self.log_path}:\n{self.log_tail() or '(empty)'}"
        )

    def wait_http(
        self,
        url: str,
        *,
        timeout: float = 15.0,
        accept: Callable[[int], bool] = lambda status: 200 <= status < 300,
        interval: float = 0.02,
    ) -> None:
        """Poll ``url`` until its HTTP status passes ``accept``; fail fast if the process dies."""
        deadline = time.monotonic() + timeout
        last = "no answer yet"
        delay = interval
        while True:
            if not self.running:
                raise self.fail(f"exited before {url} answered")
            try:
                with urllib.request.urlopen(url, timeout=1.0) as resp:
                    status = resp.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except (urllib.error.URLError, OSError) as exc:
                status = 0
                last = str(getattr(exc, "reason", exc))
            if status and accept(status):
                return
            if status:
                last = f"HTTP {status}"
            if time.monotonic() >= deadline:
                raise self.fail(f"not ready at {url} after {timeout:.0f}s ({last})")
            time.sleep(delay)
            delay = min(delay * 1.5, 0.25)

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM the process group, SIGKILL it after ``timeout``, and reap the child.

        Signals go out only while the leader is unreaped: its pid (the group id) cannot be
        reused before that, so a group signal can never hit an unrelated process.
        """
        popen = self._popen
        if popen is None:
            return
        try:
            if popen.poll() is None:
                self._signal_group(popen.pid, signal.SIGTERM)
                try:
                    popen.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    self._signal_group(popen.pid, signal.SIGKILL)
                    popen.wait(timeout=5.0)
        finally:
            with _live_lock:
                _live.pop(popen.pid, None)

    @staticmethod
    def _signal_group(pgid: int, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, sig)

    def __enter__(self) -> ManagedProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_with_port_retry(
    launch: Callable[[], ManagedProcess],
    ready: Callable[[ManagedProcess], None],
    *,
    attempts: int = 3,
) -> ManagedProcess:
    """Start a child on freshly chosen ports and wait until ``ready`` passes.

    Ports are picked before the child binds them, so another process can take one first: when
    the child's log says a port is "already in use", ``launch`` (which picks new ports) runs
    again, up to ``attempts`` times. Any other failure is raised at once.
    """
    for attempt in range(1, attempts + 1):
        proc = launch()
        try:
            ready(proc)
            return proc
        except SandboxError:
            log_text = proc.log_tail(40)
            proc.stop()
            if attempt == attempts or "already in use" not in log_text:
                raise
            time.sleep(0.05)
    raise SandboxError(f"no start in {attempts} attempts")  # only with attempts < 1
