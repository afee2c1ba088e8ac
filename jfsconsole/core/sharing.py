"""Presigned download links: expiry rules, the link record, and its audit entry.

A SigV4 presigned URL lives 1 second to 7 days. botocore doesn't check the bound and the
gateway rejects links outside it only when someone clicks them, so it is checked here,
before a link that can never work is pasted into a chat.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from jfsconsole.core.durations import format_duration, parse_duration

MIN_EXPIRY = 1
"""Shortest link lifetime in seconds."""

MAX_EXPIRY = 7 * 86400
"""Longest link lifetime in seconds (604800): the SigV4 limit for X-Amz-Expires."""

EXPIRY_PRESETS = ("1h", "24h", "7d")
DEFAULT_EXPIRY = "24h"  # what dumpfile_share.sh used, so the chat messages read the same


def parse_expiry(text: str | int) -> int:
    """Seconds for a link lifetime such as "24h"; ``ValueError`` says what is allowed.

    An int is taken as seconds already (from config or --json callers).
    """
    if isinstance(text, int):
        seconds = text
        shown = f"{text}s"
    else:
        td = parse_duration(text)
        if td.microseconds:
            raise ValueError(f"{text.strip()} is not a whole number of seconds")
        seconds = int(td.total_seconds())
        shown = text.strip()
    if seconds > MAX_EXPIRY:
        raise ValueError(
            f"{shown} is longer than 7 days, the most a SigV4 presigned link allows; use 7d or less"
        )
    if seconds < MIN_EXPIRY:
        raise ValueError(f"{shown} is too short: a link must stay valid at least 1 second")
    return seconds


@dataclass(frozen=True, slots=True)
class ShareLink:
    bucket: str
    key: str
    # The signature is a bearer credential: keep it out of reprs, logs and tracebacks.
    url: str = field(repr=False)
    expires_in: int
    expires_at: datetime
    endpoint: str

    @property
    def valid_for(self) -> str:
        """The lifetime in the same words the user typed it ("24h", "7d", "1h30m")."""
        return format_duration(timedelta(seconds=self.expires_in))

    @property
    def public_url(self) -> str:
        """The URL without its query string: safe to log, useless to download with."""
        return redact_url(self.url)


def redact_url(url: str) -> str:
    """Drop query, fragment and any user:password@ so no signature or secret survives."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def endpoint_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL: the endpoint the link was signed for."""
    parts = urlsplit(redact_url(url))
    return f"{parts.scheme}://{parts.netloc}"


def make_link(
    presign: Callable[[str, str, int], str],
    bucket: str,
    key: str,
    expiry: str | int = DEFAULT_EXPIRY,
    *,
    now: datetime | None = None,
) -> ShareLink:
    """Validate the expiry, call ``presign(bucket, key, seconds)``, and describe the result.

    ``presign`` is the S3 store's method (signing with the public endpoint); passing it in
    keeps this module free of I/O. The clock is read before signing, so ``expires_at`` is
    never later than the real expiry.
    """
    seconds = parse_expiry(expiry)
    # X-Amz-Date has whole seconds, truncated: do the same or expires_at could be late.
    start = (now or datetime.now(UTC)).replace(microsecond=0)
    url = presign(bucket, key, seconds)
    return ShareLink(
        bucket=bucket,
        key=key,
        url=url,
        expires_in=seconds,
        expires_at=start + timedelta(seconds=seconds),
        endpoint=endpoint_of(url),
    )


def link_audit_fields(link: ShareLink) -> dict[str, Any]:
    """What the audit entry of a shared link says about the link (the audit log adds who,
    where and when). It never holds the query string: that is the signature."""
    return {
        "bucket": link.bucket,
        "key": link.key,
        "expires_in": link.expires_in,
        "expires_at": link.expires_at.isoformat(timespec="seconds"),
        "endpoint": link.endpoint,
        "url": link.public_url,
    }
