"""Sorting, filtering, totals and "who fills the volume" for object listings.

Everything here is linear or n·log n so a 100,000-object prefix stays interactive; dump
names are parsed through the cached ``parse_dump_name``.

Sort orders follow ``ls``: ``name`` A→Z (case-insensitive), ``size`` largest first (ls -S),
``age`` newest first (ls -t); ``reverse`` flips them (ls -r). Prefixes ("directories")
always come first, in name order, because they have neither size nor age; ties keep name
order, so a sort is deterministic whatever order the pages arrived in.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from jfsconsole.core.dumpnames import parse_dump_name
from jfsconsole.core.models import ObjectEntry

OTHER_GROUP = "other"
"""Group for objects whose names don't follow ``${env}_${pod}_heapDump.hprof``."""

UNSET_GROUP = "(unset)"
"""Group for dumps written while ``$project_env`` / ``$pod_name`` was empty."""


class SortKey(StrEnum):
    NAME = "name"
    SIZE = "size"
    AGE = "age"


def _name_key(entry: ObjectEntry) -> str:
    # One string, not a (folded, name) tuple: tuple compares made a 100k sort ~3x slower.
    # "\0" sorts below every other character, so "a" still comes before "ab".
    name = entry.name
    return f"{name.casefold()}\0{name}"


def sort_entries(
    entries: Iterable[ObjectEntry], key: SortKey | str = SortKey.NAME, *, reverse: bool = False
) -> list[ObjectEntry]:
    """Return a new sorted list; see the module docstring for the orders."""
    try:
        sort_key = SortKey(key)
    except ValueError:
        choices = ", ".join(k.value for k in SortKey)
        raise ValueError(f"can't sort by {key!r}: choose {choices}") from None
    prefixes: list[ObjectEntry] = []
    objects: list[ObjectEntry] = []
    for entry in entries:
        (prefixes if entry.is_prefix else objects).append(entry)
    name_reversed = reverse and sort_key is SortKey.NAME
    prefixes.sort(key=_name_key, reverse=name_reversed)
    # Two stable passes: by name, then by the chosen column; equal sizes/ages stay A→Z.
    objects.sort(key=_name_key, reverse=name_reversed)
    if sort_key is SortKey.SIZE:
        objects.sort(key=_size_of, reverse=not reverse)
    elif sort_key is SortKey.AGE:
        objects.sort(key=_mtime_of, reverse=not reverse)
    return prefixes + objects


def _size_of(entry: ObjectEntry) -> int:
    return entry.size


_NO_TIME = float("-inf")  # objects without a timestamp sort as the oldest


def _mtime_of(entry: ObjectEntry) -> float:
    moment: datetime | None = entry.last_modified
    return moment.timestamp() if moment is not None else _NO_TIME


# ---------------------------------------------------------------- filtering

_FIELDS = ("name", "env", "pod", "app")


def _value_matcher(fields: tuple[str, ...], test: Callable[[str], bool]) -> Callable[[ObjectEntry], bool]:
    """Apply ``test`` to the chosen fields; only names in the dump scheme have env/pod/app."""
    by_name = "name" in fields
    parts = tuple(f for f in fields if f != "name")

    def match(entry: ObjectEntry) -> bool:
        if by_name and test(entry.name):
            return True
        if not parts:
            return False
        parsed = parse_dump_name(entry.key)
        return parsed is not None and any(test(getattr(parsed, f)) for f in parts)

    return match


def make_matcher(text: str) -> Callable[[ObjectEntry], bool]:
    """Build the predicate behind the UI's "/" filter.

    * plain text: case-insensitive substring of the name (env, pod and app are parts of the
      name, so they match too);
    * text with ``*``, ``?`` or ``[``: a shell glob (case-insensitive) that must match the whole
      name, env, pod or app, e.g. ``dev*`` or ``*.gz``;
    * ``env:``, ``pod:``, ``app:`` or ``name:`` in front restricts to that field, e.g.
      ``env:prod``, ``app:order-*``.
    Empty text matches everything.
    """
    fields: tuple[str, ...] = _FIELDS
    field, sep, rest = text.partition(":")
    if sep and field.strip().lower() in _FIELDS:
        fields = (field.strip().lower(),)
        text = rest
    pattern = text.strip()
    needle = pattern.casefold()
    if not needle:
        return lambda entry: True
    if any(ch in needle for ch in "*?["):
        full_match = re.compile(fnmatch.translate(pattern), re.IGNORECASE).match
        return _value_matcher(fields, lambda value: full_match(value) is not None)
    if fields == _FIELDS:
        # env, pod and app are substrings of the name: no need to parse it
        return lambda entry: needle in entry.name.casefold()
    return _value_matcher(fields, lambda value: needle in value.casefold())


def filter_entries(entries: Iterable[ObjectEntry], text: str) -> list[ObjectEntry]:
    """The entries that ``make_matcher(text)`` accepts, in their original order."""
    match = make_matcher(text)
    return [entry for entry in entries if match(entry)]


# ---------------------------------------------------------------- totals


@dataclass(slots=True)
class Totals:
    """Running counts for a listing that arrives page by page."""

    objects: int = 0
    bytes: int = 0
    prefixes: int = 0

    def add(self, entries: Iterable[ObjectEntry]) -> None:
        for entry in entries:
            if entry.is_prefix:
                self.prefixes += 1
            else:
                self.objects += 1
                self.bytes += entry.size

    def remove(self, entries: Iterable[ObjectEntry]) -> None:
        """Take deleted entries back out, so a delete doesn't need a full relist."""
        for entry in entries:
            if entry.is_prefix:
                self.prefixes -= 1
            else:
                self.objects -= 1
                self.bytes -= entry.size

    @classmethod
    def of(cls, entries: Iterable[ObjectEntry]) -> Totals:
        totals = cls()
        totals.add(entries)
        return totals


# ---------------------------------------------------------------- breakdown


@dataclass(frozen=True, slots=True)
class BreakdownRow:
    group_kind: str  # "env" or "app"
    group: str
    count: int
    bytes: int


BREAKDOWN_KINDS = ("env", "app")


def breakdown(entries: Iterable[ObjectEntry], kinds: Iterable[str] = BREAKDOWN_KINDS) -> list[BreakdownRow]:
    """Objects and bytes per env and per app, biggest first within each kind.

    Names outside the dump scheme (``.keep``, copied files) go to ``OTHER_GROUP``; prefixes
    are skipped. Rows come kind by kind in the order of ``kinds``; equal sizes sort by name.
    """
    wanted = tuple(kinds)
    for kind in wanted:
        if kind not in BREAKDOWN_KINDS:
            raise ValueError(f"can't break down by {kind!r}: choose env or app")
    sums: dict[tuple[str, str], list[int]] = {}
    for entry in entries:
        if entry.is_prefix:
            continue
        parsed = parse_dump_name(entry.key)
        for kind in wanted:
            if parsed is None:
                group = OTHER_GROUP
            else:
                group = (parsed.env if kind == "env" else parsed.app) or UNSET_GROUP
            cell = sums.get((kind, group))
            if cell is None:
                sums[(kind, group)] = [1, entry.size]
            else:
                cell[0] += 1
                cell[1] += entry.size
    rows = [BreakdownRow(kind, group, c, b) for (kind, group), (c, b) in sums.items()]
    order = {kind: i for i, kind in enumerate(wanted)}
    rows.sort(key=lambda r: (order[r.group_kind], -r.bytes, r.group))
    return rows
