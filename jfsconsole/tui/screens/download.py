"""``D``: download one object to a local directory, with progress (bytes, rate, ETA) and cancel."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, ProgressBar, Static
from textual.worker import get_current_worker

from jfsconsole.backends.errors import BackendError
from jfsconsole.backends.s3 import Cancelled
from jfsconsole.core import humanfmt
from jfsconsole.core.durations import format_duration
from jfsconsole.core.models import ObjectEntry
from jfsconsole.services.dumps import DumpService
from jfsconsole.tui.threads import call_in_ui
from jfsconsole.tui.widgets.message_line import MessageLine


@dataclass(frozen=True)
class DownloadOutcome:
    path: Path | None = None
    error: str = ""
    cancelled: bool = False


def default_download_dir() -> Path:
    downloads = Path.home() / "Downloads"
    return downloads if downloads.is_dir() else Path.cwd()


def progress_text(done: int, total: int, elapsed: float) -> str:
    rate = done / elapsed if elapsed > 0 else 0.0
    text = f"{humanfmt.size(done)} / {humanfmt.size(total)}"
    if rate > 0:
        text += f" · {humanfmt.size(int(rate))}/s"
        if total > done:
            text += f" · ETA {format_duration(timedelta(seconds=int((total - done) / rate) + 1))}"
    return text


class DownloadDialog(ModalScreen[DownloadOutcome | None]):
    BINDINGS: ClassVar[list[BindingType]] = [("escape", "cancel", "Cancel")]

    def __init__(self, service: DumpService, entry: ObjectEntry, directory: Path) -> None:
        super().__init__()
        self._service = service
        self._entry = entry
        self._directory = directory
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._done = 0
        self._started = 0.0
        self._transferring = False
        self._confirmed_overwrite: Path | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="download-dialog", classes="dialog") as box:
            box.border_title = "Download"
            yield Static(f"{self._entry.path} ({humanfmt.size(self._entry.size)})",
                         classes="dialog-subject", markup=False)
            with Vertical(id="download-ask"):
                yield Static("to local directory (enter starts)", markup=False)
                yield Input(str(self._directory), compact=True, id="download-dir")
                yield MessageLine(id="download-warning")
                with Horizontal(classes="dialog-buttons"):
                    yield Button("Download", variant="primary", id="start", compact=True)
                    yield Button("Cancel", id="cancel", compact=True)
            with Vertical(id="download-progress"):
                yield ProgressBar(total=max(self._entry.size, 1), show_eta=False, id="download-bar")
                yield Static("", id="download-stats", markup=False)
                with Horizontal(classes="dialog-buttons"):
                    yield Button("Cancel (esc)", id="stop", compact=True)

    def on_mount(self) -> None:
        self.query_one("#download-progress").display = False
        self.query_one("#download-dir", Input).focus()

    # ------------------------------------------------------------------ asking

    @on(Input.Submitted, "#download-dir")
    @on(Button.Pressed, "#start")
    def _start(self) -> None:
        raw = self.query_one("#download-dir", Input).value.strip() or "."
        directory = Path(raw).expanduser()
        warning = self.query_one("#download-warning", MessageLine)
        if directory.exists() and not directory.is_dir():
            warning.show(f"{directory} is a file, not a directory")
            return
        target = self._service.download_target(self._entry, directory)
        if target.exists() and self._confirmed_overwrite != target:
            self._confirmed_overwrite = target
            warning.show(f"{target} exists: press enter again to replace it")
            return
        self.query_one("#download-ask").display = False
        self.query_one("#download-progress").display = True
        self.query_one("#stop", Button).focus()
        self._transferring = True
        self._started = time.monotonic()
        self.set_interval(0.25, self._tick)
        self._tick()
        self._transfer(directory)

    # ------------------------------------------------------------------ transferring

    def _add_bytes(self, count: int) -> None:
        # Called from boto3's transfer threads (several at once for big files).
        with self._lock:
            self._done += count

    def _tick(self) -> None:
        with self._lock:
            done = self._done
        self.query_one("#download-bar", ProgressBar).update(progress=done)
        text = progress_text(done, self._entry.size, time.monotonic() - self._started)
        if self._cancel.is_set():
            text += " · cancelling…"
        self.query_one("#download-stats", Static).update(text)

    @work(thread=True, exit_on_error=False, group="download")
    def _transfer(self, directory: Path) -> None:
        worker = get_current_worker()

        def cancelled() -> bool:
            # Quitting the app cancels the worker: stop the transfer then too (removes .part).
            return self._cancel.is_set() or worker.is_cancelled

        try:
            path = self._service.download(self._entry, directory, progress=self._add_bytes,
                                          cancelled=cancelled)
            outcome = DownloadOutcome(path=path)
        except Cancelled:
            outcome = DownloadOutcome(cancelled=True)
        except (BackendError, OSError, ValueError) as exc:
            outcome = DownloadOutcome(error=str(exc))
        except Exception as exc:  # the console stays up whatever boto3 throws
            outcome = DownloadOutcome(error=f"unexpected {type(exc).__name__}: {exc}")
        call_in_ui(self.app, self.dismiss, outcome)

    @on(Button.Pressed, "#stop")
    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        if self._transferring:
            self._cancel.set()  # the worker dismisses once boto3 stops
            self._tick()
        else:
            self.dismiss(None)
