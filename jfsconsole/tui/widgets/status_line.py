"""Bottom status line: one entry per backend, e.g. ``S3 ● ok  Prom ○ not configured``."""

from __future__ import annotations

from collections.abc import Mapping

from textual.content import Content
from textual.widgets import Static

from jfsconsole.tui.state import BACKENDS, CHECKING, NOT_CONFIGURED, OK, BackendState

_GLYPH_STYLE = {OK: "$success", CHECKING: "$text-muted", NOT_CONFIGURED: "$text-muted"}


def status_content(states: Mapping[str, BackendState], extra: str = "") -> Content:
    parts: list[Content] = []
    for name, _, _ in BACKENDS:
        state = states.get(name, BackendState(name))
        style = _GLYPH_STYLE.get(state.kind, "$error")
        parts.append(
            Content.assemble(
                (f"{state.short} ", "bold"), (state.glyph, style), " ", (state.word, style)
            )
        )
    line = Content("  ").join(parts)
    if extra:
        line = Content.assemble(line, ("  │ ", "$text-muted"), extra)
    return line


class StatusLine(Static):
    """Shows the app's backend states; the screen calls :meth:`show` when they change."""

    def __init__(self) -> None:
        super().__init__("", id="status-line", markup=False)

    def show(self, states: Mapping[str, BackendState]) -> None:
        self.update(status_content(states))
