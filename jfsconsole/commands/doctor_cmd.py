"""`jfsconsole doctor`: is everything this profile needs reachable and allowed?"""

from __future__ import annotations

import argparse

from jfsconsole.backends.session import Backends
from jfsconsole.commands.context import load_profile
from jfsconsole.commands.output import print_json, wants_json
from jfsconsole.services.doctor import run_doctor

_MARK = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL", "skip": "skip"}


def run(args: argparse.Namespace) -> int:
    config, profile = load_profile(args)
    backends = Backends(profile)
    checks = run_doctor(config, profile, backends)
    failed = any(c.status == "fail" for c in checks)
    if wants_json(args):
        print_json({"ok": not failed, "profile": profile.name,
                    "checks": [c.as_dict() for c in checks]})
    else:
        for check in checks:
            line = f"{_MARK[check.status]}  {check.name:<24} {check.message}"
            print(line)
            if check.fix and check.status != "ok":
                print(f"      {'':<24} fix: {check.fix}")
    return 1 if failed else 0
