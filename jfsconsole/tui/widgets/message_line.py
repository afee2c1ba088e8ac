"""An inline message under a dialog field that takes no room while empty."""

from __future__ import annotations

from textual.widgets import Static


class MessageLine(Static):
    def __init__(self, *, id: str | None = None, classes: str = "dialog-error") -> None:
        super().__init__("", id=id, classes=classes, markup=False)
        self.display = False

    def show(self, text: str) -> None:
        self.update(text)
        self.display = bool(text)
