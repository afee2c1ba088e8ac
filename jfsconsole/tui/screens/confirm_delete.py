"""Delete confirmation: names the key (or the count, size and first keys). Cancel is the default."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from jfsconsole.core import humanfmt
from jfsconsole.core.models import ObjectEntry

SHOWN_KEYS = 5


def delete_question(entries: Sequence[ObjectEntry], profile_label: str) -> str:
    total = sum(e.size for e in entries)
    if len(entries) == 1:
        entry = entries[0]
        head = f"Delete {entry.path} ({humanfmt.size(entry.size)})?"
        keys: list[str] = []
    else:
        head = f"Delete {len(entries):,} objects, {humanfmt.size(total)}?"
        keys = [f"  {e.path}" for e in entries[:SHOWN_KEYS]]
        if len(entries) > SHOWN_KEYS:
            keys.append(f"  … and {len(entries) - SHOWN_KEYS:,} more")
    tail = (f"Profile {profile_label}. Deleted files stay in the JuiceFS trash for the "
            "volume's trash-days before the space is freed.")
    return "\n".join([head, *keys, "", tail])


class ConfirmDelete(ModalScreen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [("escape", "cancel", "Cancel")]

    def __init__(self, entries: Sequence[ObjectEntry], profile_label: str) -> None:
        super().__init__()
        self._text = delete_question(entries, profile_label)

    def compose(self) -> ComposeResult:
        with Vertical(id="delete-dialog", classes="dialog -danger") as box:
            box.border_title = "Delete"
            yield Static(self._text, id="delete-question", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("Delete", variant="error", id="delete", compact=True)

    def on_mount(self) -> None:
        # Default = Cancel: an enter pressed by habit must not delete anything.
        self.query_one("#cancel", Button).focus()

    @on(Button.Pressed, "#delete")
    def _delete(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)
