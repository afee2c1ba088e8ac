"""mc-style durations ("90m", "24h", "2d", "1w", "7d10h") parsed and printed.

Grammar (case-insensitive, matching what ``mc --older-than`` / ``mc share --expire`` accept):
one or more ``<number><unit>`` parts, units ``w`` (7 days), ``d``, ``h``, ``m`` (minutes, never
months), ``s``. Parts may repeat or come in any order and are summed, as Go's parser does;
a number may have a fraction ("1.5h"); spaces between parts are allowed ("7d 10h").

A bare number is refused, except "0": "90" could mean seconds (Go), minutes or days (find
-mtime), and guessing wrong on a cleanup command deletes the wrong files.
"""

from __future__ import annotations

import re
from datetime import timedelta
from fractions import Fraction

_UNIT_SECONDS = {"w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}

_PART = re.compile(r"\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-z]+)?", re.IGNORECASE)

EXAMPLES = "90m, 24h, 2d, 1w or 7d10h"


def _refuse(text: str, why: str = "") -> ValueError:
    reason = f" ({why})" if why else ""
    return ValueError(f"{text!r} is not a duration{reason}: use e.g. {EXAMPLES}")


def parse_duration(text: str) -> timedelta:
    """Parse an mc-style duration; ``ValueError`` carries a message fit to show a user."""
    stripped = text.strip()
    if not stripped:
        raise ValueError(f"empty duration: use e.g. {EXAMPLES}")
    if stripped == "0":
        return timedelta(0)
    if stripped.startswith("-"):
        raise _refuse(text, "it is negative")
    total = Fraction(0)  # exact: float sums would turn 7d10h into 7d9h59m59.999999s
    pos = 0
    while pos < len(stripped):
        match = _PART.match(stripped, pos)
        if match is None or match.end() == pos:
            raise _refuse(text)
        number, unit = match.group(1), match.group(2)
        if unit is None:
            hint = f"a unit is missing: {number}s, {number}m, {number}h or {number}d?"
            raise ValueError(f"{text!r} is not a duration ({hint})")
        seconds = _UNIT_SECONDS.get(unit.lower())
        if seconds is None:
            raise _refuse(text, f"unknown unit {unit!r}; units are w, d, h, m, s")
        total += Fraction(number) * seconds
        pos = match.end()
    try:
        return timedelta(microseconds=round(total * 1_000_000))
    except OverflowError:
        raise _refuse(text, "too long") from None


def format_duration(td: timedelta, *, max_units: int | None = None) -> str:
    """Compact form such as "1d2h" or "45s"; the inverse of parse_duration for whole seconds.

    Weeks are shown as days ("14d") because that is how ages and --older-than are read.
    ``max_units`` keeps only the largest parts ("2d3h" with 2); the rest is truncated, never
    rounded up, so a dump shown as "1d" is really less than 2 days old.
    """
    seconds = int(td.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    parts: list[str] = []
    for unit in ("d", "h", "m", "s"):
        size = _UNIT_SECONDS[unit]
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    if not parts:
        return "0s"
    if max_units is not None:
        parts = parts[: max(1, max_units)]
    return sign + "".join(parts)
