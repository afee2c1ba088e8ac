"""`jfsconsole sandbox`: start the local stack and open the console on it."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from pathlib import Path

from jfsconsole.config import load_config, select_profile


def run(args: argparse.Namespace) -> int:
    from jfsconsole.sandbox.procs import SandboxError
    from jfsconsole.sandbox.stack import LocalStack

    state_dir = Path(args.state_dir).expanduser() if args.state_dir else None
    stack = LocalStack(state_dir, prometheus=not args.no_prometheus)
    print("starting the sandbox: JuiceFS S3 gateway, Prometheus, simulated cluster …",
          file=sys.stderr)
    try:
        stack.start()
    except SandboxError as exc:
        print(f"jfsconsole: sandbox: {exc}", file=sys.stderr)
        return 1
    try:
        config_path = stack.write_config(stack.state_dir / "config.toml")
        if stack.prometheus_missing_reason:
            print(f"note: {stack.prometheus_missing_reason}", file=sys.stderr)
        print(f"sandbox ready in {stack.timings.get('total', 0):.1f}s; config: {config_path}",
              file=sys.stderr)
        if args.no_tui:
            print(config_path)
            sys.stdout.flush()
            print(f"try: jfsconsole --config {config_path} ls   (Ctrl-C stops the sandbox)",
                  file=sys.stderr)
            stopped = threading.Event()
            signal.signal(signal.SIGTERM, lambda *_: stopped.set())
            with contextlib.suppress(KeyboardInterrupt):
                stopped.wait()
            return 0  # the finally below stops the stack
        config = load_config(config_path)
        profile = select_profile(config, "sandbox", env={})
        if getattr(args, "read_only", False):
            from dataclasses import replace

            profile = replace(profile, ui=replace(profile.ui, read_only=True))
        from jfsconsole.tui.app import run_tui

        code = run_tui(profile, config)
    finally:
        print("stopping the sandbox …", file=sys.stderr)
        stack.stop()
    from jfsconsole.tui.app import exit_now_if_stuck

    exit_now_if_stuck(code)
    return code
