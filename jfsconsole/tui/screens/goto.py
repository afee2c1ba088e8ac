"""``g``: go to any bucket/prefix (also s3://… and in-pod paths such as /data/jfsdata/…)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input

from jfsconsole.tui.locations import Location, parse_location
from jfsconsole.tui.widgets.message_line import MessageLine


class GoToDialog(ModalScreen[Location | None]):
    BINDINGS: ClassVar[list[BindingType]] = [("escape", "cancel", "Cancel")]

    def __init__(self, current: Location, default: Location, mount_root: str,
                 pvc_bucket: str) -> None:
        super().__init__()
        self._current = current
        self._default = default
        self._mount_root = mount_root
        self._pvc_bucket = pvc_bucket

    def compose(self) -> ComposeResult:
        with Vertical(id="goto-dialog", classes="dialog") as box:
            box.border_title = "Go to"
            yield Input("" if self._current.is_bucket_list else self._current.crumb(), compact=True,
                        placeholder=f"bucket/prefix, s3://…, {self._mount_root}/… "
                                    f"(empty: {self._default.crumb()})", id="goto-input")
            yield MessageLine(id="goto-error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            target = parse_location(event.value, self._default, mount_root=self._mount_root,
                                    pvc_bucket=self._pvc_bucket)
        except ValueError as exc:
            self.query_one("#goto-error", MessageLine).show(str(exc))
            return
        self.dismiss(target)

    def action_cancel(self) -> None:
        self.dismiss(None)
