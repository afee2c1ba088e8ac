"""Entry point: `jfsconsole` opens the TUI; subcommands serve scripts, each with --json.

Only argparse and the standard library are imported at module level so that `--version` and
`--help` stay instant; each subcommand imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from jfsconsole import __version__

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


def _global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    # Sub-parsers repeat the global options with SUPPRESS defaults so that both
    # `jfsconsole -p prod ls` and `jfsconsole ls -p prod` work, as kubectl users expect.
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("--config", metavar="FILE", default=default,
                        help="config file (default: $JFSCONSOLE_CONFIG or "
                             "$XDG_CONFIG_HOME/jfsconsole/config.toml)")
    parser.add_argument("-p", "--profile", default=default,
                        help="profile to use (default: $JFSCONSOLE_PROFILE or default_profile)")
    parser.add_argument("--read-only", action="store_true",
                        default=argparse.SUPPRESS if suppress else False,
                        help="refuse every action that changes data")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jfsconsole",
        description="Console for JuiceFS dump volumes on Kubernetes. Without a command, "
                    "opens the terminal UI.",
    )
    parser.add_argument("--version", action="version", version=f"jfsconsole {__version__}")
    _global_options(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        _global_options(p, suppress=True)
        return p

    p = command("ui", "open the terminal UI (the default)")
    p.add_argument("--screen", choices=["usage", "dumps", "cleanup", "health"], default="dumps")

    p = command("config", "show the effective configuration (secrets masked)")
    p.add_argument("action", choices=["show", "path"], nargs="?", default="show")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = command("doctor", "check config, gateway, Prometheus and Kubernetes access")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = command("ls", "list dumps (or any bucket/prefix) through the S3 gateway")
    p.add_argument("path", nargs="?", default="",
                   help="bucket/prefix as with mc (jfsdata/dumpfiles/), or a name under the "
                        "profile's bucket and prefix; empty: the profile's dumps prefix; "
                        "'/' lists the buckets")
    p.add_argument("-r", "--recursive", action="store_true", help="list every key below PATH")
    p.add_argument("--sort", choices=["name", "size", "age"], default="name")
    p.add_argument("--reverse", action="store_true", help="reverse the sort order")
    p.add_argument("--check", action="store_true",
                   help="check each dump (two small ranged reads per object)")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")

    p = command("check", "tell whether dumps are complete, truncated, gzip or still written")
    p.add_argument("keys", nargs="+", metavar="KEY")
    p.add_argument("--json", action="store_true")

    p = command("share", "print a presigned download link (only the link, so it pipes)")
    p.add_argument("key", metavar="KEY")
    p.add_argument("--expire", default="24h", help="link lifetime: 1s … 7d, e.g. 90m, 24h, 2d")
    p.add_argument("--json", action="store_true")

    p = command("get", "download a dump (NAME.part first, renamed when complete)")
    p.add_argument("key", metavar="KEY")
    p.add_argument("-o", "--output", default=".", metavar="DIR", help="target directory")
    p.add_argument("-f", "--force", action="store_true", help="replace DIR/NAME if it exists")
    p.add_argument("--json", action="store_true")

    p = command("rm", "delete objects (asks first; honours read-only; audited)")
    p.add_argument("keys", nargs="+", metavar="KEY")
    p.add_argument("-y", "--yes", action="store_true", help="do not ask (for scripts)")
    p.add_argument("--dry-run", action="store_true", help="show what would be deleted")
    p.add_argument("--json", action="store_true")

    p = command("sandbox", "start a local stack (real JuiceFS gateway, Prometheus, simulated "
                           "cluster) and open the console on it")
    p.add_argument("--state-dir", metavar="DIR", help="keep the stack's files here (default: temp)")
    p.add_argument("--no-tui", action="store_true",
                   help="only start the stack and print its config path; Ctrl-C stops it")
    p.add_argument("--no-prometheus", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "ui"
    from jfsconsole.commands import run_command

    try:
        return run_command(command, args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
