"""How one listing row reads in the Dumps table: column layout, cell texts, state labels.

Pure functions (no Textual) so that layout rules are easy to test and reuse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from rich.cells import cell_len, set_cell_size

from jfsconsole.backends.errors import BackendError
from jfsconsole.core import humanfmt
from jfsconsole.core.dumpnames import parse_dump_name
from jfsconsole.core.hprof import DumpCheck, DumpState
from jfsconsole.core.models import ObjectEntry

ELLIPSIS = "…"

# What a row's state can be while the table shows it.
StateValue = DumpCheck | BackendError | None  # None: not checked yet


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    title: str
    width: int
    align: str = "left"  # "left" or "right"


# Tones map to component classes of the table (ok/warn/bad/dim) so the theme picks colours.
_STATE_LABELS: dict[DumpState, tuple[str, str, str]] = {
    #                      wide label        narrow      tone
    DumpState.VALID: ("✓ valid", "✓ valid", "ok"),
    DumpState.GZIP: ("gz", "gz", "warn"),
    DumpState.TRUNCATED: ("✗ truncated", "✗ trunc", "bad"),
    DumpState.IN_PROGRESS: ("… in progress", "… writing", "warn"),
    DumpState.EMPTY: ("∅ empty", "∅ empty", "bad"),
    DumpState.NOT_A_DUMP: ("– not a dump", "– other", "dim"),
}


def state_cell(state: StateValue, *, is_prefix: bool, wide: bool) -> tuple[str, str]:
    """(text, tone) for the state column."""
    if is_prefix:
        return "", "dim"
    if state is None:
        return "pending", "dim"
    if isinstance(state, BackendError):
        return "? error", "bad"
    wide_label, narrow_label, tone = _STATE_LABELS[state.state]
    return (wide_label if wide else narrow_label), tone


def state_sentence(state: StateValue, entry: ObjectEntry) -> str:
    """The detail pane's one-line explanation of the state."""
    if entry.is_prefix:
        return "a prefix (directory): enter opens it"
    if state is None:
        return "not checked yet (checked when the row is on screen)"
    if isinstance(state, BackendError):
        return f"check failed: {state}"
    label, _, _ = _STATE_LABELS[state.state]
    return f"{label} — {state.detail}"


def ellipsize_middle(text: str, width: int) -> str:
    """Cut the middle so both the env/app start and the extension stay visible."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return text
    if width == 1:
        return ELLIPSIS
    keep = width - 1
    head_cells = (keep + 1) // 2
    tail_cells = keep - head_cells
    head = set_cell_size(text, head_cells)
    tail = ""
    # Walk from the end until the tail fills its cells (wide characters count double).
    for ch in reversed(text):
        if cell_len(ch + tail) > tail_cells:
            break
        tail = ch + tail
    return set_cell_size(head + ELLIPSIS + tail, width)


_DUMP_SUFFIX = re.compile(r"_heap[_-]?dump(?=\.hprof(?:\.gz)?(?:\.p\d+)?$)", re.IGNORECASE)


def short_name(name: str, width: int) -> str:
    """Fit a name into ``width`` cells, dropping the constant ``_heapDump`` part first.

    Every dump ends with ``_heapDump.hprof``; a plain middle cut would spend the column on
    that and hide the pod suffix, the part that tells two dumps apart.
    """
    if cell_len(name) <= width:
        return name
    match = _DUMP_SUFFIX.search(name)
    if match is None:
        return ellipsize_middle(name, width)
    stem, ext = name[: match.start()], ELLIPSIS + name[match.end():]
    if cell_len(stem) + cell_len(ext) <= width:
        return stem + ext
    room = width - cell_len(ext)
    if room < 8:
        return ellipsize_middle(name, width)
    return ellipsize_middle(stem, room) + ext


def fit(text: str, width: int, align: str = "left") -> str:
    """Pad to exactly ``width`` cells, or cut with an ellipsis so a cut never reads as whole."""
    if cell_len(text) > width:
        return set_cell_size(set_cell_size(text, width - 1) + ELLIPSIS, width) if width > 1 else ELLIPSIS
    pad = " " * (width - cell_len(text))
    return pad + text if align == "right" else text + pad


# ------------------------------------------------------------------ column layout

MARK_WIDTH = 2  # "▸ " cursor / "● " selected marker
GAP = 1


NAME_COMFORT = 36  # optional columns appear only while the name keeps this many cells


@lru_cache(maxsize=64)
def layout(width: int) -> tuple[Column, ...]:
    """Columns for a table ``width`` cells wide; the name column takes what is left.

    The name matters most: optional columns (modified time, pod) are added only while the
    name keeps ``NAME_COMFORT`` cells. At 80 columns env/app/state shrink; below that they
    drop, least useful first, so the name never has fewer than 16 cells.
    """
    wide = width >= 100
    cols: list[Column] = [
        Column("size", "size", 10, "right"),
        Column("age", "age", 8, "right"),
        Column("env", "env", 10 if wide else 7),
        Column("app", "app", 22 if width >= 150 else (16 if wide else 12)),
        Column("state", "state", 13 if wide else 9),
    ]

    def name_width() -> int:
        return width - MARK_WIDTH - sum(c.width + GAP for c in cols)

    # (column, position, name cells it must leave): the pod repeats part of the name, so it
    # only comes when the name has room to spare.
    for optional, at, leave in ((Column("time", "modified", 16), 2, NAME_COMFORT),
                                (Column("pod", "pod", 32), 4, NAME_COMFORT + 20)):
        if name_width() - optional.width - GAP >= leave:
            cols.insert(at, optional)
    for drop in ("env", "app", "age"):
        if name_width() >= 16:
            break
        cols = [c for c in cols if c.key != drop]
    return (Column("name", "name", max(name_width(), 4)), *cols)


# ------------------------------------------------------------------ cells


@lru_cache(maxsize=4096)
def _static_cells(entry: ObjectEntry) -> dict[str, str]:
    """Cells that don't change with the clock: cached per entry (entries are immutable)."""
    parsed = None if entry.is_prefix else parse_dump_name(entry.key)
    return {
        "name": entry.name,  # "bucket/" in the bucket list
        "size": "" if entry.is_prefix else humanfmt.size(entry.size),
        "time": humanfmt.timestamp(entry.last_modified) if entry.last_modified else "",
        "env": parsed.env if parsed else "",
        "app": parsed.app if parsed else "",
        "pod": parsed.pod if parsed else "",
    }


def cells(entry: ObjectEntry, now: datetime) -> dict[str, str]:
    values = dict(_static_cells(entry))
    values["age"] = humanfmt.age(entry.last_modified, now) if entry.last_modified else ""
    return values


def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else (words or word + 's')}"


def check_key(entry: ObjectEntry) -> tuple[str, str, int, datetime | None]:
    """Cache key for a dump check: a new size or mtime means a new verdict."""
    return (entry.bucket, entry.key, entry.size, entry.last_modified)
