"""The sorted, filtered view of a listing, and how a failed listing reads (no Textual here)."""

from __future__ import annotations

from jfsconsole.backends.errors import BackendError
from jfsconsole.core.listing import SortKey, Totals, filter_entries, sort_entries
from jfsconsole.core.models import ObjectEntry
from jfsconsole.tui.state import SHORT_LABEL

SORT_CYCLE = (SortKey.NAME, SortKey.SIZE, SortKey.AGE)
SORT_WORDS = {SortKey.NAME: "name A→Z", SortKey.SIZE: "size, largest first",
              SortKey.AGE: "age, newest first"}
# Below this many rows sorting is quicker than a thread hop; above it, it runs in a worker.
SYNC_VIEW_LIMIT = 5_000


def compute_view(entries: list[ObjectEntry], sort: SortKey, reverse: bool,
                 text: str) -> tuple[list[ObjectEntry], Totals | None]:
    """The rows to show, and the filter's totals (None without a filter)."""
    if entries and all(e.is_prefix and e.key == "" for e in entries):
        # The bucket list: buckets have neither size nor age, so they go by name, and
        # reversing reverses that.
        sort = SortKey.NAME
    shown = filter_entries(entries, text) if text else entries
    view = sort_entries(shown, sort, reverse=reverse)
    return view, (Totals.of(view) if text else None)


def error_text(exc: BaseException) -> str:
    """What the table area says when a listing fails: kind, message, hint, what to press."""
    if isinstance(exc, BackendError):
        kind = exc.kind.replace("-", " ")
        text = f"{SHORT_LABEL.get(exc.backend, exc.backend)} {kind}: {exc.message}"
        if exc.hint:
            text += f" — {exc.hint}"
    else:
        text = f"unexpected {type(exc).__name__}: {exc}"
    return text + "\nr retries · g goes elsewhere · ctrl+r re-checks the backends"
