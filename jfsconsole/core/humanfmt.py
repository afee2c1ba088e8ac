"""Sizes, ages and timestamps as people read them in a table column.

humanize is imported at module level: measured on top of the stdlib modules Textual loads
anyway it adds about 4 ms (textual.app itself takes ~300 ms), not worth a lazy import.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

import humanize

_MINUTE = 60
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR
_YEAR = 365 * _DAY


def size(n: int) -> str:
    """Binary units, as ``du -h`` and the PVC's Gi request: 1572864 -> "1.5 MiB"."""
    return humanize.naturalsize(n, binary=True)


def count(n: int) -> str:
    """Thousands separators: 100000 -> "100,000"."""
    return humanize.intcomma(n)


def _aware(dt: datetime) -> datetime:
    # Naive times here come from S3 libraries that dropped the zone: they are UTC.
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def age(dt: datetime, now: datetime) -> str:
    """Compact age for a column, in kubectl's AGE style: "45s", "5m", "3h12m", "2d", "1y20d".

    Precision shrinks as the age grows (like ``kubectl get``), and parts are truncated,
    never rounded up: a dump 1 hour short of ``--older-than 2d`` shows "47h", not "2d".
    Future times (clock skew between gateway and bastion) and ages under a second read
    "just now".
    """
    seconds = int((_aware(now) - _aware(dt)).total_seconds())
    if seconds < 1:
        return "just now"
    minutes, hours, days = seconds // _MINUTE, seconds // _HOUR, seconds // _DAY
    if seconds < 2 * _MINUTE:
        return f"{seconds}s"
    if minutes < 10:
        rest = seconds % _MINUTE
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    if hours < 3:
        return f"{minutes}m"
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h{rest}m" if rest else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if days < 8:
        rest = hours % 24
        return f"{days}d{rest}h" if rest else f"{days}d"
    if seconds < 2 * _YEAR:
        return f"{days}d"
    years, rest_days = divmod(days, 365)
    if years < 8:
        return f"{years}y{rest_days}d" if rest_days else f"{years}y"
    return f"{years}y"


def timestamp(dt: datetime, tz: tzinfo | None = None) -> str:
    """Local time to the minute, "2026-12-03 14:05" (``tz`` overrides the local zone)."""
    local = _aware(dt).astimezone(tz)
    return local.strftime("%Y-%m-%d %H:%M")
