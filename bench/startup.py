"""Startup benchmark: `jfsconsole --version` against bare Python, and TUI time to first paint.

Targets (issue #2): `--version` within 150 ms of `python -c pass` measured in the same run;
first paint of the TUI under 1 s. First paint is measured as a user sees it: the console runs
in a real pseudo-terminal and the clock stops when the header text reaches the terminal.

    python bench/startup.py [--runs N] [--config FILE]
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

VERSION_BUDGET_MS = 150.0
PAINT_BUDGET_MS = 1000.0


def time_command(argv: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append((time.perf_counter() - start) * 1000)
    return times


def time_first_paint(config: Path, marker: bytes, timeout: float = 15.0) -> float:
    """Milliseconds from spawn until `marker` has been written to the pty."""
    env = dict(os.environ, TERM="xterm-256color", COLUMNS="120", LINES="40")
    env.pop("NO_COLOR", None)
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # child
        os.execvpe(sys.executable, [sys.executable, "-m", "jfsconsole", "--config", str(config)],
                   env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    seen = b""
    elapsed = float("nan")
    try:
        while time.perf_counter() - start < timeout:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
            if marker in seen:
                elapsed = (time.perf_counter() - start) * 1000
                break
    finally:
        os.kill(pid, signal.SIGTERM)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
        os.close(fd)
    if elapsed != elapsed:  # NaN: never painted
        raise SystemExit(f"the TUI did not paint {marker!r} within {timeout}s; output tail: "
                         f"{seen[-400:]!r}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--paint-runs", type=int, default=5)
    parser.add_argument("--config", type=Path, help="config for the TUI run (default: an empty "
                        "profile pointing at nothing, so only the console itself is measured)")
    args = parser.parse_args()

    python = time_command([sys.executable, "-c", "pass"], args.runs)
    version = time_command([sys.executable, "-m", "jfsconsole", "--version"], args.runs)
    base, ours = statistics.median(python), statistics.median(version)
    print(f"python -c pass          median {base:7.1f} ms  (min {min(python):.1f})")
    print(f"jfsconsole --version    median {ours:7.1f} ms  (min {min(version):.1f})")
    print(f"  overhead              {ours - base:7.1f} ms  budget {VERSION_BUDGET_MS:.0f} ms")

    with tempfile.TemporaryDirectory() as tmp:
        config = args.config
        if config is None:
            config = Path(tmp) / "config.toml"
            config.write_text('[profiles.bench.s3]\nendpoint = "http://127.0.0.1:9"\n'
                              '[profiles.bench.ui]\nlabel = "BENCH-PAINT"\n')
        paints = [time_first_paint(config, b"BENCH-PAINT" if args.config is None else b"jfsconsole")
                  for _ in range(args.paint_runs)]
    paint = statistics.median(paints)
    print(f"TUI first paint         median {paint:7.1f} ms  (max {max(paints):.1f})  "
          f"budget {PAINT_BUDGET_MS:.0f} ms")

    ok = (ours - base) <= VERSION_BUDGET_MS and paint <= PAINT_BUDGET_MS
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
