"""``b``: who fills the volume — objects and bytes per env and per app (core.listing.breakdown)."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.widgets import Static

from jfsconsole.core import humanfmt
from jfsconsole.core.listing import BreakdownRow
from jfsconsole.tui.rows import ellipsize_middle

TOP = 8  # rows per kind; the rest is summed into one line


def breakdown_content(rows: Sequence[BreakdownRow], where: str, total_bytes: int,
                      width: int = 44) -> Content:
    lines: list[Content] = [Content.styled(f"Who fills {where}", "bold")]
    if not rows:
        lines.append(Content.styled("no objects here", "$text-muted"))
        return Content("\n").join(lines)
    name_width = max(width - 24, 8)
    for kind in ("env", "app"):
        group = [r for r in rows if r.group_kind == kind]
        lines.append(Content.styled(f"by {kind:<{name_width - 3}} objects       size", "bold $accent"))
        for row in group[:TOP]:
            share = row.bytes / total_bytes if total_bytes else 0.0
            bar = "█" * max(1 if row.bytes else 0, round(share * 4))
            lines.append(Content.assemble(
                f"{ellipsize_middle(row.group, name_width):<{name_width}}",
                f"{row.count:>8,} {humanfmt.size(row.bytes):>10} ",
                (f"{bar:<4}", "$accent"),
            ))
        rest = group[TOP:]
        if rest:
            lines.append(Content.styled(
                f"… {len(rest)} more: {sum(r.count for r in rest):,} objects, "
                f"{humanfmt.size(sum(r.bytes for r in rest))}", "$text-muted"))
    return Content("\n").join(lines)


class BreakdownPanel(Static):
    def __init__(self) -> None:
        super().__init__("", id="breakdown", markup=False)
        self._data: tuple[Sequence[BreakdownRow], str, int] | None = None

    def show(self, rows: Sequence[BreakdownRow], where: str, total_bytes: int) -> None:
        self._data = (rows, where, total_bytes)
        self._paint()

    def show_busy(self, where: str) -> None:
        self._data = None
        self.update(Content.styled(f"Counting {where}…", "$text-muted"))

    def on_resize(self) -> None:
        # Column widths follow the panel: repaint when it is laid out or resized.
        self._paint()

    def _paint(self) -> None:
        if self._data is not None:
            rows, where, total = self._data
            self.update(breakdown_content(rows, where, total, max(self.content_region.width, 30)))
