"""What the Dumps screen does to objects: share, copy, download, delete.

Kept apart from the screen (which lists and navigates) so that each file has one job. The
screen owns one ``DumpActions`` and its ``action_*`` methods call it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual.notifications import SeverityLevel

from jfsconsole.backends.s3 import DeleteResult
from jfsconsole.core import humanfmt
from jfsconsole.core.models import ObjectEntry
from jfsconsole.core.sharing import ShareLink
from jfsconsole.services.dumps import DumpService, ReadOnlyError, is_protected
from jfsconsole.tui.rows import plural
from jfsconsole.tui.screens.confirm_delete import ConfirmDelete
from jfsconsole.tui.screens.copy_forms import CopyFormsDialog
from jfsconsole.tui.screens.download import DownloadDialog, DownloadOutcome, default_download_dir
from jfsconsole.tui.screens.share import ShareDialog
from jfsconsole.tui.threads import call_in_ui
from jfsconsole.tui.widgets.object_table import EntryKey, entry_key

if TYPE_CHECKING:
    from jfsconsole.tui.screens.dumps import DumpsScreen

CLIPBOARD_HINT = "if your clipboard did not get it, see ? → clipboard"
TMUX_HINT = "tmux passes it on only with `set -g set-clipboard on`"


def deletable(entry: ObjectEntry) -> bool:
    """Prefixes are not objects, and `.keep` holds the dumps directory open: never offered."""
    return not entry.is_prefix and not is_protected(entry.key)


def link_short(url: str) -> str:
    """A copied link in a notification: the path only, the signature stays off the screen."""
    return url.split("?", 1)[0] + "?…"


def delete_summary(targets: Sequence[ObjectEntry], result: DeleteResult) -> tuple[str, SeverityLevel]:
    gone = set(result.deleted)
    freed = sum(e.size for e in targets if e.key in gone)
    message = f"Deleted {plural(len(result.deleted), 'object')} ({humanfmt.size(freed)})"
    if result.skipped:
        message += f", skipped {len(result.skipped)}"
    if not result.errors:
        return message, "information"
    shown = "; ".join(f"{key}: {msg}" for key, msg in result.errors[:3])
    more = f" (+{len(result.errors) - 3} more)" if len(result.errors) > 3 else ""
    return message + f", {len(result.errors)} failed: {shown}{more}", "error"


class DumpActions:
    def __init__(self, screen: DumpsScreen) -> None:
        self.screen = screen
        # Links made in this session, with the expiry as the user typed it ("24h").
        self.links: dict[EntryKey, tuple[ShareLink, str]] = {}

    @property
    def service(self) -> DumpService:
        return self.screen.service

    def link_of(self, entry: ObjectEntry | None) -> tuple[ShareLink, str] | None:
        return self.links.get(entry_key(entry)) if entry is not None else None

    def _cursor_object(self, verb: str) -> ObjectEntry | None:
        entry = self.screen.table.cursor_entry
        if entry is None or entry.is_prefix:
            self.screen.notify(f"Move to an object to {verb} it (this row is a prefix)"
                               if entry else f"Nothing to {verb} here", severity="warning", timeout=3)
            return None
        return entry

    # ------------------------------------------------------------------ share and copy

    def share(self) -> None:
        entry = self._cursor_object("share")
        if entry is None:
            return
        dialog = ShareDialog(self.service, entry)

        def made(link: ShareLink | None) -> None:
            if link is None:
                return
            words = dialog.expiry_text or link.valid_for
            self.links[entry_key(entry)] = (link, words)
            self.screen.app.copy_to_clipboard(link.url)
            self.screen.update_detail()
            message = f"Link copied (valid {words}) — {CLIPBOARD_HINT}"
            if os.environ.get("TMUX"):
                message += f"; {TMUX_HINT}"
            self.screen.notify(message, title="Share", timeout=8)

        self.screen.app.push_screen(dialog, made)

    def copy_link(self) -> None:
        entry = self._cursor_object("copy the link of")
        if entry is None:
            return
        made = self.link_of(entry)
        if made is None:
            self.screen.notify("No link for this object yet: press l to make one",
                               severity="warning", timeout=4)
            return
        self.screen.app.copy_to_clipboard(made[0].url)
        self.screen.notify(f"Link copied again (valid {made[1]})", timeout=3)

    def copy_forms(self) -> None:
        entry = self._cursor_object("copy")
        if entry is None:
            return
        forms: dict[str, str] = {}
        made = self.link_of(entry)
        if made is not None:
            forms["link"] = made[0].url
        forms.update(self.service.copy_forms(entry))

        def chosen(choice: tuple[str, str] | None) -> None:
            if choice is not None:
                label, text = choice
                self.screen.app.copy_to_clipboard(text)
                shown = link_short(text) if label == "download link" else text
                self.screen.notify(f"Copied {label}: {shown}", timeout=4)

        self.screen.app.push_screen(CopyFormsDialog(forms), chosen)

    # ------------------------------------------------------------------ download

    def download(self) -> None:
        entry = self._cursor_object("download")
        if entry is None:
            return

        def finished(outcome: DownloadOutcome | None) -> None:
            if outcome is None:
                return
            if outcome.path is not None:
                self.screen.notify(f"Downloaded to {outcome.path}", title="Download", timeout=10)
            elif outcome.cancelled:
                self.screen.notify("Download cancelled (no partial file left)", title="Download",
                                   severity="warning")
            else:
                self.screen.notify(outcome.error, title="Download failed", severity="error",
                                   timeout=15)

        self.screen.app.push_screen(DownloadDialog(self.service, entry, default_download_dir()),
                                    finished)

    # ------------------------------------------------------------------ delete

    def delete(self) -> None:
        screen = self.screen
        profile = screen.jfs.profile
        if profile.ui.read_only:
            screen.notify("read-only profile: delete is disabled", severity="warning", timeout=4)
            return
        chosen = list(screen.table.selected.values())
        if not chosen and screen.table.cursor_entry is not None:
            chosen = [screen.table.cursor_entry]
        targets = [e for e in chosen if deletable(e)]
        if not targets:
            screen.notify("Nothing to delete: prefixes and .keep are never deleted here",
                          severity="warning", timeout=4)
            return
        service = self.service

        def confirmed(yes: bool | None) -> None:
            if yes:
                screen.run_worker(lambda: self._delete_in_thread(service, targets), thread=True,
                                  group="delete", exit_on_error=False)

        screen.app.push_screen(ConfirmDelete(targets, profile.display_label), confirmed)

    def _delete_in_thread(self, service: DumpService, targets: Sequence[ObjectEntry]) -> None:
        try:
            result: DeleteResult | BaseException = service.delete(targets, origin="tui")
        except Exception as exc:  # told in a notification, never raised into the UI
            result = exc
        call_in_ui(self.screen.app, self._deleted, targets, result)

    def _deleted(self, targets: Sequence[ObjectEntry], result: DeleteResult | BaseException) -> None:
        screen = self.screen
        if isinstance(result, ReadOnlyError):
            screen.notify(str(result), severity="warning")
            return
        if isinstance(result, BaseException):
            screen.notify(str(result), title="Delete failed", severity="error", timeout=15)
            return
        message, severity = delete_summary(targets, result)
        screen.notify(message, title="Delete", severity=severity, timeout=10 if result.errors else 5)
        screen.deleted(set(result.deleted))
