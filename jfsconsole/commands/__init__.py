"""CLI subcommands. Each module has one job; this dispatcher maps errors to exit codes."""

from __future__ import annotations

import argparse
import importlib
import sys

from jfsconsole.commands.output import print_error

# command name -> module under jfsconsole.commands with a `run(args) -> int`
_COMMANDS = {
    "ui": "ui_cmd",
    "config": "config_cmd",
    "doctor": "doctor_cmd",
    "ls": "dumps_cmd",
    "check": "dumps_cmd",
    "share": "dumps_cmd",
    "get": "dumps_cmd",
    "rm": "dumps_cmd",
    "sandbox": "sandbox_cmd",
}


def run_command(name: str, args: argparse.Namespace) -> int:
    from jfsconsole.backends.errors import BackendError
    from jfsconsole.config import ConfigError

    module = importlib.import_module(f"jfsconsole.commands.{_COMMANDS[name]}")
    try:
        result: int = module.run(args)
        return result
    except ConfigError as exc:
        print_error(args, str(exc), kind="config")
        return 2
    except BackendError as exc:
        print_error(args, str(exc), kind=exc.kind, backend=exc.backend)
        return 1
    except BrokenPipeError:
        # `jfsconsole ls | head` closes the pipe early; that is not an error.
        sys.stderr.close()
        return 0
