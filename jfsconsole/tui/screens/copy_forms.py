"""``Y``: copy the object as a link, s3 URI, bucket/key path, or the path inside app pods."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from jfsconsole.tui.rows import ellipsize_middle

FORM_LABELS = {
    "link": "download link",
    "s3": "s3 URI",
    "path": "bucket/key (mc)",
    "pod": "path in app pods",
}


class CopyFormsDialog(ModalScreen[tuple[str, str] | None]):
    """Dismisses with (label, text) of the chosen form."""

    BINDINGS: ClassVar[list[BindingType]] = [("escape", "cancel", "Cancel")]

    def __init__(self, forms: dict[str, str]) -> None:
        super().__init__()
        self._forms = forms

    def compose(self) -> ComposeResult:
        # One line each (the full text is what gets copied): long links would wrap into a wall.
        options = [
            Option(Content.assemble((f"{FORM_LABELS.get(name, name):<18}", "bold"),
                                    ellipsize_middle(text, 52)), id=name)
            for name, text in self._forms.items()
        ]
        with Vertical(id="copy-dialog", classes="dialog") as box:
            box.border_title = "Copy as… (enter copies, esc closes)"
            yield OptionList(*options, id="copy-forms")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        name = event.option.id or ""
        self.dismiss((FORM_LABELS.get(name, name), self._forms[name]))

    def action_cancel(self) -> None:
        self.dismiss(None)
