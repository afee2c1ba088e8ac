"""`jfsconsole` / `jfsconsole ui`: open the terminal UI."""

from __future__ import annotations

import argparse

from jfsconsole.commands.context import load_profile


def run(args: argparse.Namespace) -> int:
    config, profile = load_profile(args)
    from jfsconsole.tui.app import exit_now_if_stuck, run_tui

    code = run_tui(profile, config, start_screen=getattr(args, "screen", "dumps"))
    exit_now_if_stuck(code)
    return code
