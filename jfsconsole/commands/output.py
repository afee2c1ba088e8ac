"""Printing for the CLI: JSON documents on stdout, human text, errors on stderr."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from jfsconsole.backends.errors import scrub


def wants_json(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "json", False))


def print_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n")


def print_error(args: argparse.Namespace, message: str, *, kind: str = "error",
                backend: str | None = None) -> None:
    """Errors go to stderr as text, and also to stdout as JSON when --json was asked."""
    message = scrub(message)
    if wants_json(args):
        document: dict[str, Any] = {"ok": False, "error": {"kind": kind, "message": message}}
        if backend:
            document["error"]["backend"] = backend
        print_json(document)
    print(f"jfsconsole: {message}", file=sys.stderr)


def print_warning(message: str) -> None:
    print(f"jfsconsole: warning: {scrub(message)}", file=sys.stderr)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]],
                right: Sequence[int] = ()) -> None:
    """Plain aligned columns, like kubectl get: no box drawing, so output greps well."""
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))

    def line(cells: Sequence[str]) -> str:
        parts = [c.rjust(widths[i]) if i in right else c.ljust(widths[i])
                 for i, c in enumerate(cells)]
        return "  ".join(parts).rstrip()

    print(line(headers))
    for row in rows:
        print(line(row))
