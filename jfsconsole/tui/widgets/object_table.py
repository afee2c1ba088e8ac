"""A virtual table for S3 listings on Textual's Line API.

Rows live in a plain list; ``render_line`` formats only the rows on screen, so 100,000 rows
cost a list assignment instead of the tens of seconds DataTable needs to build its cells.
Line 0 is a fixed column header; rows scroll under it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from jfsconsole.core.models import ObjectEntry
from jfsconsole.tui.rows import (
    GAP,
    StateValue,
    cells,
    fit,
    layout,
    short_name,
    state_cell,
)

EntryKey = tuple[str, str]  # (bucket, key): identity of a row across refreshes


def entry_key(entry: ObjectEntry) -> EntryKey:
    return (entry.bucket, entry.key)


class ObjectTable(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    ObjectTable {
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        & > .object-table--header { text-style: bold; background: $panel; color: $foreground; }
        & > .object-table--cursor { background: $block-cursor-blurred-background; }
        &:focus > .object-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .object-table--selected { background: $accent 30%; }
        & > .object-table--prefix { color: $accent; text-style: bold; }
        & > .object-table--ok { color: $success; }
        & > .object-table--warn { color: $warning; }
        & > .object-table--bad { color: $error; text-style: bold; }
        & > .object-table--dim { color: $text-muted; }
        & > .object-table--message { color: $text-muted; text-style: italic; }
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "object-table--header", "object-table--cursor", "object-table--selected",
        "object-table--prefix", "object-table--ok", "object-table--warn", "object-table--bad",
        "object-table--dim", "object-table--message",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1)", "Up", show=False, tooltip="Cursor up"),
        Binding("down,j", "move(1)", "Down", show=False, tooltip="Cursor down"),
        Binding("pageup", "page(-1)", show=False, tooltip="Page up"),
        Binding("pagedown", "page(1)", show=False, tooltip="Page down"),
        Binding("home", "first", show=False, tooltip="First row"),
        Binding("end,G", "last", show=False, tooltip="Last row"),
        Binding("space", "toggle_select", "Select", show=False,
                tooltip="Select / unselect the row (for delete)"),
        Binding("ctrl+a,asterisk", "select_all", "Select all", show=False,
                tooltip="Select all objects shown (again: select none)"),
        Binding("enter", "open", "Open", show=False,
                tooltip="Open the prefix or bucket; on an object show its details"),
    ]

    class CursorMoved(Message):
        def __init__(self, table: ObjectTable, entry: ObjectEntry | None) -> None:
            super().__init__()
            self.table = table
            self.entry = entry

    class Opened(Message):
        def __init__(self, table: ObjectTable, entry: ObjectEntry) -> None:
            super().__init__()
            self.table = table
            self.entry = entry

    class SelectionChanged(Message):
        def __init__(self, table: ObjectTable) -> None:
            super().__init__()
            self.table = table

    class Viewed(Message):
        """The rows on screen changed (scroll, resize or new rows): [first, last)."""

        def __init__(self, table: ObjectTable, first: int, last: int) -> None:
            super().__init__()
            self.table = table
            self.first = first
            self.last = last

    def __init__(
        self,
        *,
        state_of: Callable[[ObjectEntry], StateValue] = lambda entry: None,
        selectable: Callable[[ObjectEntry], bool] = lambda entry: not entry.is_prefix,
        clock: Callable[[], datetime] | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._rows: Sequence[ObjectEntry] = []
        self.cursor = 0
        self.selected: dict[EntryKey, ObjectEntry] = {}
        self.state_of = state_of
        self.selectable = selectable
        self.clock = clock or (lambda: datetime.now(UTC))
        self.empty_message = ""
        self.sort_column = "name"
        self.sort_descending = False
        # Until the user moves, the cursor stays on the first row while pages stream in.
        self._user_moved = False

    # ------------------------------------------------------------------ data

    @property
    def rows(self) -> Sequence[ObjectEntry]:
        return self._rows

    @property
    def cursor_entry(self) -> ObjectEntry | None:
        if 0 <= self.cursor < len(self._rows):
            return self._rows[self.cursor]
        return None

    def set_rows(self, rows: Sequence[ObjectEntry], *, focus_key: EntryKey | None = None) -> None:
        """Show ``rows`` (the list is kept, not copied). The cursor follows its entry."""
        before = self.cursor_entry
        self._rows = rows
        target = focus_key or (entry_key(before) if before is not None and self._user_moved else None)
        index = self._index_of(target) if target is not None else None
        if focus_key is not None and index is not None:
            self._user_moved = True
        self.cursor = index if index is not None else min(self.cursor, max(len(rows) - 1, 0))
        if not self._user_moved:
            self.cursor = 0
        self.virtual_size = Size(self.size.width, len(rows) + 1)
        self._scroll_cursor_into_view()
        self.refresh()
        self._announce_cursor(before)
        self._announce_view()

    def clear(self, message: str = "") -> None:
        self.selected.clear()
        self._user_moved = False
        self.cursor = 0
        self.empty_message = message
        self.set_rows([])
        self.scroll_to(y=0, animate=False)
        self.post_message(self.SelectionChanged(self))

    def _index_of(self, key: EntryKey) -> int | None:
        bucket, name = key
        for index, entry in enumerate(self._rows):
            if entry.key == name and entry.bucket == bucket:
                return index
        return None

    def visible_range(self) -> tuple[int, int]:
        first = int(self.scroll_offset.y)
        body = max(self.scrollable_content_region.height - 1, 0)
        return first, min(first + body, len(self._rows))

    def refresh_entry(self, entry: ObjectEntry) -> None:
        """Repaint one row if it is on screen (after its dump check finished)."""
        first, last = self.visible_range()
        for index in range(first, last):
            if self._rows[index] is entry or self._rows[index] == entry:
                # Viewport line: +1 for the fixed header line.
                self.refresh(Region(0, index - first + 1, max(self.size.width, 1), 1))
                return

    # ------------------------------------------------------------------ rendering

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            return self._header(width)
        index = int(self.scroll_offset.y) + y - 1
        if index >= len(self._rows):
            if not self._rows and y == 1 and self.empty_message:
                style = self.get_component_rich_style("object-table--message")
                return Strip([Segment(fit(" " + self.empty_message, width), style)], width)
            return Strip.blank(width, base)
        return self._row(index, width)

    def _header(self, width: int) -> Strip:
        style = self.get_component_rich_style("object-table--header")
        arrow = "↓" if self.sort_descending else "↑"
        segments = [Segment("  ", style)]
        for column in layout(width):
            title = column.title
            if column.key == self.sort_column:
                title = f"{title} {arrow}"
            segments.append(Segment(fit(title, column.width, column.align), style))
            segments.append(Segment(" " * GAP, style))
        return Strip(segments).adjust_cell_length(width, style)

    def _row(self, index: int, width: int) -> Strip:
        entry = self._rows[index]
        is_cursor = index == self.cursor
        is_selected = entry_key(entry) in self.selected
        if is_cursor:
            base = self.get_component_rich_style("object-table--cursor")
        elif is_selected:
            base = self.get_component_rich_style("object-table--selected")
        else:
            base = self.rich_style
        values = cells(entry, self.clock())
        marker = "● " if is_selected else ("▸ " if is_cursor else "  ")
        segments = [Segment(marker, base)]
        gap = Segment(" " * GAP, base)
        columns = layout(width)
        for column in columns:
            style = base
            if column.key == "name":
                text = fit(short_name(values["name"], column.width), column.width)
                if entry.is_prefix:
                    style = base + self._tone("prefix")
            elif column.key == "state":
                label, tone = state_cell(self.state_of(entry), is_prefix=entry.is_prefix,
                                         wide=column.width > 9)
                text = fit(label, column.width)
                style = base + self._tone(tone)
            else:
                text = fit(values.get(column.key, ""), column.width, column.align)
            segments.append(Segment(text, style))
            segments.append(gap)
        return Strip(segments).adjust_cell_length(width, base)

    def _tone(self, tone: str) -> Style:
        # Partial: only the colour, so the cursor/selection background still shows.
        return self.get_component_rich_style(f"object-table--{tone}", partial=True)

    # ------------------------------------------------------------------ cursor and scrolling

    def _body_height(self) -> int:
        return max(self.scrollable_content_region.height - 1, 1)

    def _scroll_cursor_into_view(self) -> None:
        top = int(self.scroll_offset.y)
        body = self._body_height()
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + body:
            self.scroll_to(y=self.cursor - body + 1, animate=False)

    def move_cursor(self, index: int) -> None:
        if not self._rows:
            return
        before = self.cursor_entry
        self._user_moved = True
        self.cursor = max(0, min(index, len(self._rows) - 1))
        self._scroll_cursor_into_view()
        self.refresh()
        self._announce_cursor(before)

    def _announce_cursor(self, before: ObjectEntry | None) -> None:
        now = self.cursor_entry
        if now is not before:
            self.post_message(self.CursorMoved(self, now))

    def _announce_view(self) -> None:
        first, last = self.visible_range()
        self.post_message(self.Viewed(self, first, last))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if round(old_value) != round(new_value):
            self._announce_view()

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, len(self._rows) + 1)
        self._scroll_cursor_into_view()
        self._announce_view()

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:
            self.move_cursor(int(self.scroll_offset.y) + event.y - 1)

    # ------------------------------------------------------------------ actions

    def action_move(self, delta: int) -> None:
        self.move_cursor(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self.move_cursor(self.cursor + direction * max(self._body_height() - 1, 1))

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(len(self._rows) - 1)

    def action_open(self) -> None:
        entry = self.cursor_entry
        if entry is not None:
            self.post_message(self.Opened(self, entry))

    def action_toggle_select(self) -> None:
        entry = self.cursor_entry
        if entry is None:
            return
        if self.selectable(entry):
            key = entry_key(entry)
            if key in self.selected:
                del self.selected[key]
            else:
                self.selected[key] = entry
            self.post_message(self.SelectionChanged(self))
        self.move_cursor(self.cursor + 1)
        self.refresh()

    def action_select_all(self) -> None:
        candidates = [e for e in self._rows if self.selectable(e)]
        if candidates and all(entry_key(e) in self.selected for e in candidates):
            self.selected.clear()
        else:
            self.selected.update((entry_key(e), e) for e in candidates)
        self.refresh()
        self.post_message(self.SelectionChanged(self))

    def clear_selection(self) -> bool:
        if not self.selected:
            return False
        self.selected.clear()
        self.refresh()
        self.post_message(self.SelectionChanged(self))
        return True

    def prune_selection(self, listed: Iterable[ObjectEntry]) -> None:
        """Forget selected keys that are no longer ``listed`` (after a refresh or delete)."""
        if not self.selected:
            return
        present = {entry_key(e) for e in listed}
        stale = [k for k in self.selected if k not in present]
        for key in stale:
            del self.selected[key]
        if stale:
            self.post_message(self.SelectionChanged(self))
