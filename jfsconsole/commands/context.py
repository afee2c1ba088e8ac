"""Loads config + profile for a command, printing config warnings once."""

from __future__ import annotations

import argparse
from dataclasses import replace

from jfsconsole.commands.output import print_warning
from jfsconsole.config import Config, Profile, load_config, select_profile


def load_profile(args: argparse.Namespace) -> tuple[Config, Profile]:
    config = load_config(getattr(args, "config", None))
    profile = select_profile(config, getattr(args, "profile", None))
    if getattr(args, "read_only", False):
        profile = replace(profile, ui=replace(profile.ui, read_only=True))
    for warning in config.warnings:
        print_warning(warning)
    return config, profile
