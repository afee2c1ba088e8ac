"""One-line header: app name, profile (red when prod), READ-ONLY/SANDBOX badges, screen tabs."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.color import Color, ColorParseError
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Label, Static

from jfsconsole.config import Profile
from jfsconsole.tui.modes import SCREEN_MODES


class AppHeader(Horizontal):
    """Rebuilt with :meth:`set_profile` when the user switches profile."""

    def __init__(self, profile: Profile, active_mode: str) -> None:
        super().__init__(id="app-header")
        self._profile = profile
        self._active = active_mode

    def compose(self) -> ComposeResult:
        yield Label("jfsconsole", id="header-app")
        yield Label("", id="header-profile")
        yield Label("SANDBOX", id="badge-sandbox", classes="badge")
        yield Label("READ-ONLY", id="badge-readonly", classes="badge")
        yield Static("", id="header-spacer")
        yield Label(self._tabs(), id="header-tabs")

    def on_mount(self) -> None:
        self.set_profile(self._profile)

    def _tabs(self) -> Content:
        parts: list[Content] = []
        for mode in SCREEN_MODES:
            text = f" {mode.digit} {mode.title} "
            if mode.name == self._active:
                parts.append(Content.styled(text, "reverse bold"))
            else:
                parts.append(Content(text))
        return Content("").join(parts)

    def set_profile(self, profile: Profile) -> None:
        self._profile = profile
        label = self.query_one("#header-profile", Label)
        # Prod earns a word as well as the colour, for NO_COLOR terminals.
        text = profile.display_label
        if profile.is_prod and "prod" not in text.lower():
            text += " (prod)"
        label.update(text)
        label.set_class(profile.is_prod, "-prod")
        # No badge when the label already says it (the sandbox's own label is "SANDBOX").
        self.query_one("#badge-sandbox").display = (
            profile.ui.sandbox and "sandbox" not in profile.display_label.lower())
        self.query_one("#badge-readonly").display = profile.ui.read_only
        self.set_class(profile.is_prod, "-prod")
        color = self._profile_color(profile)
        if color is not None and not profile.is_prod:
            label.styles.background = color
            label.styles.color = color.get_contrast_text()
        else:
            label.styles.clear_rule("background")
            label.styles.clear_rule("color")

    @staticmethod
    def _profile_color(profile: Profile) -> Color | None:
        if not profile.ui.color:
            return None
        try:
            return Color.parse(profile.ui.color)
        except ColorParseError:
            return None  # a bad colour in the config must not stop the console
