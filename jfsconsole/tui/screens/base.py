"""The frame every top-level screen shares: header, body, backend status line, footer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar, cast

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

from jfsconsole.config import Profile
from jfsconsole.tui.state import BackendState
from jfsconsole.tui.widgets.header import AppHeader
from jfsconsole.tui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from jfsconsole.tui.app import JfsConsoleApp


class PaletteCommand:
    """One command palette entry offered by a screen: title, help, and the screen action."""

    __slots__ = ("action", "help", "title")

    def __init__(self, title: str, help: str, action: str) -> None:
        self.title = title
        self.help = help
        self.action = action


class BaseScreen(Screen[None]):
    MODE: ClassVar[str] = ""
    TITLE_TEXT: ClassVar[str] = ""

    @property
    def jfs(self) -> JfsConsoleApp:
        from jfsconsole.tui.app import JfsConsoleApp

        return cast(JfsConsoleApp, self.app)

    def compose(self) -> ComposeResult:
        yield AppHeader(self.jfs.profile, self.MODE)
        yield from self.compose_body()
        yield StatusLine()
        yield Footer()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        # Signals reach suspended mode screens too, so every screen stays current.
        self.jfs.status_signal.subscribe(self, self._status_changed)
        self.jfs.profile_signal.subscribe(self, self._profile_changed)
        self.query_one(StatusLine).show(self.jfs.backend_status)

    def _status_changed(self, states: Mapping[str, BackendState]) -> None:
        self.query_one(StatusLine).show(states)
        self.backend_status_changed(states)

    def _profile_changed(self, profile: Profile) -> None:
        self.query_one(AppHeader).set_profile(profile)
        self.profile_changed(profile)

    # Hooks for subclasses.
    def backend_status_changed(self, states: Mapping[str, BackendState]) -> None:
        """Called when any backend check finishes."""

    def profile_changed(self, profile: Profile) -> None:
        """Called after the app switched profile (new Backends already in place)."""

    def palette_commands(self) -> list[PaletteCommand]:
        """Screen-specific command palette entries."""
        return []
