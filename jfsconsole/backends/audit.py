"""Append-only JSON-lines audit log of actions that change or expose data."""

from __future__ import annotations

import getpass
import json
import os
import socket
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jfsconsole.backends.errors import scrub

_lock = threading.Lock()


def actor() -> tuple[str, str]:
    """(user, host) as recorded in audit entries."""
    try:
        user = getpass.getuser()
    except Exception:  # no passwd entry in some containers
        user = os.environ.get("USER", "unknown")
    return user, socket.gethostname()


class AuditLog:
    def __init__(self, path: Path, profile: str) -> None:
        self.path = path
        self.profile = profile

    def record(self, action: str, **fields: Any) -> dict[str, Any]:
        """Write one entry; returns it. Values pass through scrub() so no signature lands here."""
        user, host = actor()
        entry: dict[str, Any] = {
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
            "user": user, "host": host, "profile": self.profile, "action": action,
        }
        for key, value in fields.items():
            entry[key] = scrub(value) if isinstance(value, str) else value
        line = json.dumps(entry, ensure_ascii=False, default=str)
        with _lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as handle:
                handle.write(line + "\n")
        return entry

    def read(self, limit: int | None = None) -> list[dict[str, Any]]:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        if limit is not None:
            lines = lines[-limit:]
        return [json.loads(line) for line in lines if line.strip()]
