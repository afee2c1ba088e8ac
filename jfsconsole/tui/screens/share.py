"""``l``: make a presigned link. Presets 1h / 24h / 7d, or type any expiry up to 7 days."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static
from textual.worker import get_current_worker

from jfsconsole.backends.errors import BackendError
from jfsconsole.core.models import ObjectEntry
from jfsconsole.core.sharing import DEFAULT_EXPIRY, EXPIRY_PRESETS, ShareLink, parse_expiry
from jfsconsole.services.dumps import DumpService
from jfsconsole.tui.widgets.message_line import MessageLine


class ShareDialog(ModalScreen[ShareLink | None]):
    BINDINGS: ClassVar[list[BindingType]] = [("escape", "cancel", "Cancel")]

    def __init__(self, service: DumpService, entry: ObjectEntry) -> None:
        super().__init__()
        self._service = service
        self._entry = entry
        # The expiry as the user wrote it ("24h"), for messages: ShareLink says "1d".
        self.expiry_text = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="share-dialog", classes="dialog") as box:
            box.border_title = "Share a download link"
            yield Static(self._entry.path, classes="dialog-subject", markup=False)
            with Horizontal(classes="dialog-row"):
                yield Static("Valid for", classes="dialog-label", markup=False)
                for preset in EXPIRY_PRESETS:
                    yield Button(preset, id=f"preset-{preset}", classes="preset", compact=True)
            with Horizontal(classes="dialog-row"):
                yield Static("or type", classes="dialog-label", markup=False)
                yield Input(DEFAULT_EXPIRY, compact=True, placeholder="90m, 2d, 1h30m (max 7d)", id="expiry")
            yield MessageLine(id="share-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Make link", variant="primary", id="make", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#expiry", Input).focus()

    @on(Button.Pressed, ".preset")
    def _preset(self, event: Button.Pressed) -> None:
        self._submit(str(event.button.label))

    @on(Button.Pressed, "#make")
    def _make(self) -> None:
        self._submit(self.query_one("#expiry", Input).value)

    @on(Input.Submitted, "#expiry")
    def _typed(self, event: Input.Submitted) -> None:
        self._submit(event.value)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.workers.cancel_node(self)
        self.dismiss(None)

    def _submit(self, expiry: str) -> None:
        error = self.query_one("#share-error", MessageLine)
        try:
            parse_expiry(expiry)  # checked here too, so a bad value answers without a thread
        except ValueError as exc:
            error.show(str(exc))
            return
        error.show("Signing…")
        self.expiry_text = expiry.strip()
        self._sign(self.expiry_text)

    @work(thread=True, exclusive=True, exit_on_error=False, group="share")
    def _sign(self, expiry: str) -> None:
        try:
            link = self._service.share(self._entry, expiry)
        except (ValueError, BackendError) as exc:
            message = str(exc)
            if not get_current_worker().is_cancelled:
                self.app.call_from_thread(self.query_one("#share-error", MessageLine).show, message)
            return
        except Exception as exc:  # never let a signing bug take the console down
            text = f"unexpected {type(exc).__name__}: {exc}"
            self.app.call_from_thread(self.query_one("#share-error", MessageLine).show, text)
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.dismiss, link)
