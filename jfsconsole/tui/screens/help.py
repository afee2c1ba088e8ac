"""``?``: every key of every screen, and how to make the clipboard work over SSH/tmux."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from jfsconsole.tui.keyhelp import binding_rows

CLIPBOARD_HELP = (
    "Copying uses OSC 52: the terminal puts the text on your local clipboard, which works over "
    "SSH in most terminals (iTerm2, kitty, WezTerm, Windows Terminal, foot, Alacritty). "
    "Inside tmux add `set -g set-clipboard on` to ~/.tmux.conf (tmux ≥ 3.2; then "
    "`tmux source ~/.tmux.conf`). macOS Terminal.app ignores OSC 52. "
    "Whatever happens, the link is always shown in the detail pane: select it with the mouse "
    "(shift+drag inside tmux) or press Y for the other forms."
)


def section(title: str, rows: list[tuple[str, str]]) -> Content:
    width = max((len(k) for k, _ in rows), default=0) + 2
    lines = [Content.styled(title, "bold $accent")]
    lines += [Content.assemble((keys.ljust(width), "bold"), text) for keys, text in rows]
    return Content("\n").join(lines)


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, sections: Iterable[tuple[str, Iterable[BindingType]]]) -> None:
        super().__init__()
        self._sections = [(title, binding_rows(bindings)) for title, bindings in sections]

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog", classes="dialog") as box:
            box.border_title = "Keys (esc closes; ctrl+p finds any command by name)"
            with VerticalScroll(id="help-body"):
                for title, rows in self._sections:
                    if rows:
                        yield Static(section(title, rows), classes="help-section")
                clip = CLIPBOARD_HELP
                if os.environ.get("TMUX"):
                    clip += "\nYou are inside tmux now: check `tmux show -g set-clipboard`."
                yield Static(Content.assemble(("Clipboard\n", "bold $accent"), clip),
                             classes="help-section", id="help-clipboard")

    def action_dismiss(self, result: None = None) -> None:  # type: ignore[override]
        self.dismiss(None)
