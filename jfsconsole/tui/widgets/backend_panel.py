"""A panel telling whether one backend works, and if not, why and what to do."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from jfsconsole.tui.state import CHECKING, NOT_CONFIGURED, OK, BackendState


def panel_content(state: BackendState) -> Content:
    style = {OK: "$success", CHECKING: "$text-muted", NOT_CONFIGURED: "$warning"}.get(
        state.kind, "$error"
    )
    head = Content.assemble((f"{state.label}: ", "bold"), (f"{state.glyph} {state.word}", style))
    if state.kind == OK:
        return Content.assemble(head, f"  ({state.info})" if state.info else "")
    if state.kind == CHECKING:
        return head
    return Content.assemble(head, "\n", state.message)


class BackendPanel(Static):
    def __init__(self, backend: str, *, id: str | None = None) -> None:
        super().__init__("", id=id, classes="backend-panel", markup=False)
        self.backend = backend

    def show(self, state: BackendState) -> None:
        self.update(panel_content(state))
        self.set_class(state.kind not in (OK, CHECKING), "-problem")
