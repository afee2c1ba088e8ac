"""``b``: who fills the volume — objects and bytes per env and per app (core.listing.breakdown).

Wide panel (right of the table): env then app, stacked. Short panel (under the table on an
80x24 terminal): env and app side by side, so both fit in the few lines there are.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.widgets import Static

from jfsconsole.core import humanfmt
from jfsconsole.core.listing import BreakdownRow
from jfsconsole.tui.rows import ellipsize_middle, fit

NUMBERS = 21  # objects (8) + size (11) + space + one-cell bar
SIDE_BY_SIDE_MIN = 70


_EIGHTHS = " ▏▎▍▌▋▊▉█"


def share_bar(share: float) -> str:
    """The share of the bytes as one cell, in eighths (any non-zero share shows)."""
    eighths = min(8, round(share * 8))
    return _EIGHTHS[max(eighths, 1 if share > 0 else 0)]


def _kind_lines(kind: str, rows: Sequence[BreakdownRow], width: int, top: int,
                total_bytes: int) -> list[Content]:
    group = [r for r in rows if r.group_kind == kind]
    name_width = max(width - NUMBERS, 6)
    lines = [Content.styled(fit(f"by {kind}", name_width) + f"{'objects':>8}{'size':>11}  ",
                            "bold $accent")]
    shown = group if len(group) <= top else group[: max(top - 1, 1)]
    for row in shown:
        share = row.bytes / total_bytes if total_bytes else 0.0
        lines.append(Content.assemble(
            fit(ellipsize_middle(row.group, name_width - 1), name_width),
            f"{row.count:>8,}{humanfmt.size(row.bytes):>11} ", (share_bar(share), "$accent")))
    rest = group[len(shown):]
    if rest:
        text = (f"… {len(rest)} more: {sum(r.count for r in rest):,} objects, "
                f"{humanfmt.size(sum(r.bytes for r in rest))}")
        lines.append(Content.styled(fit(text, width), "$text-muted"))
    return lines


def breakdown_content(rows: Sequence[BreakdownRow], where: str, total_bytes: int,
                      width: int = 44, height: int = 40) -> Content:
    title = Content.styled(fit(f"Who fills {where}", width), "bold")
    if not rows:
        return Content("\n").join([title, Content.styled("no objects here", "$text-muted")])
    if width >= SIDE_BY_SIDE_MIN and height < 20:
        column = (width - 2) // 2
        top = max(height - 3, 2)
        left = _kind_lines("env", rows, column, top, total_bytes)
        right = _kind_lines("app", rows, column, top, total_bytes)
        blank = Content(" " * column)
        pairs = [Content.assemble(left[i] if i < len(left) else blank, "  ",
                                  right[i] if i < len(right) else blank)
                 for i in range(max(len(left), len(right)))]
        return Content("\n").join([title, *pairs])
    top = max((height - 4) // 2, 3)
    lines = [title, *_kind_lines("env", rows, width, top, total_bytes),
             *_kind_lines("app", rows, width, top, total_bytes)]
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
            region = self.content_region
            self.update(breakdown_content(rows, where, total, max(region.width, 30),
                                          max(region.height, 4)))
