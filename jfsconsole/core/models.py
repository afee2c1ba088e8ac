"""Plain data shared by backends, core logic, the CLI and the TUI (no I/O here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ObjectEntry:
    """One row of an S3 listing: an object, or a common prefix ("directory") when is_prefix.

    ``key`` is the full key inside ``bucket``; prefixes end with "/". ``last_modified`` is the
    JuiceFS file mtime (the gateway reports mtime as LastModified), timezone-aware UTC.
    """

    bucket: str
    key: str
    size: int = 0
    last_modified: datetime | None = None
    is_prefix: bool = False

    @property
    def name(self) -> str:
        """The last path element (with the trailing "/" for prefixes); a bucket's own name."""
        if not self.key:
            return self.bucket + "/"
        stripped = self.key[:-1] if self.key.endswith("/") else self.key
        base = stripped.rsplit("/", 1)[-1]
        return base + "/" if self.is_prefix else base

    @property
    def path(self) -> str:
        """``bucket/key`` as mc users write it."""
        return f"{self.bucket}/{self.key}"
