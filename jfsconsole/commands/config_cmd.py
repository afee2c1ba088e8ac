"""`jfsconsole config show|path`: the effective configuration, secrets masked."""

from __future__ import annotations

import argparse
import json
from typing import Any

from jfsconsole.commands.context import load_profile
from jfsconsole.commands.output import print_json, wants_json
from jfsconsole.config import default_config_path, masked


def run(args: argparse.Namespace) -> int:
    if args.action == "path":
        print(args.config or default_config_path())
        return 0
    config, profile = load_profile(args)
    profile_data = masked(profile)
    document: dict[str, Any] = {
        "config_file": str(config.path) if config.path else None,
        "profiles": sorted(config.profiles),
        "default_profile": config.default_profile,
        "profile": profile_data,
        "warnings": config.warnings,
    }
    if wants_json(args):
        print_json(document)
        return 0
    print(f"# config file: {document['config_file'] or '(none: defaults and env only)'}")
    print(f"# profiles: {', '.join(sorted(config.profiles))} (default {config.default_profile})")
    print(f"[profiles.{profile.name}]")
    for section, values in profile_data.items():
        if section == "name":
            continue
        if isinstance(values, dict):
            print(f"[profiles.{profile.name}.{section}]")
            for key, value in values.items():
                if value is not None:
                    print(f"{key} = {json.dumps(value, ensure_ascii=False)}")
        elif values is not None:
            print(f"{section} = {json.dumps(values, ensure_ascii=False)}")
    return 0
