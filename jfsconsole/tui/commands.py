"""Command palette (ctrl+p) provider: screens, profiles, re-check, and the current screen's actions."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from jfsconsole.tui.modes import SCREEN_MODES
from jfsconsole.tui.screens.base import BaseScreen


class JfsCommands(Provider):
    def _commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        from jfsconsole.tui.app import JfsConsoleApp

        app = cast(JfsConsoleApp, self.app)
        commands: list[tuple[str, str, Callable[[], Any]]] = []
        screen = self.screen
        # Screen actions first: they are what the user is most likely after.
        if isinstance(screen, BaseScreen):
            for command in screen.palette_commands():
                commands.append((command.title, command.help, partial(screen.run_action, command.action)))
        for mode in SCREEN_MODES:
            commands.append((f"Screen: {mode.title}", mode.help, partial(app.switch_mode, mode.name)))
        for name in sorted(app.config.profiles):
            if name != app.profile.name:
                commands.append((f"Profile: switch to {name}", "rebuild the backends for this profile",
                                 partial(app.switch_profile, name)))
        commands.append(("Profile: choose…", "list the profiles of the config", app.action_profiles))
        commands.append(("Re-check backends", "ping S3, Prometheus and Kubernetes again",
                         app.action_recheck))
        commands.append(("Help: keys", "every key of every screen, and clipboard setup",
                         app.action_help))
        return commands

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, text=title, help=help_text)

