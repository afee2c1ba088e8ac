"""The jfsconsole Textual app: four screens (modes), header, backend status line, palette."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.signal import Signal

from jfsconsole.backends.session import Backends
from jfsconsole.config import Config, ConfigError, Profile, select_profile
from jfsconsole.services.dumps import DumpService
from jfsconsole.tui.commands import JfsCommands
from jfsconsole.tui.modes import MODE_NAMES, SCREEN_MODES
from jfsconsole.tui.resources import stylesheet
from jfsconsole.tui.screens.backend_screens import CleanupScreen, HealthScreen, UsageScreen
from jfsconsole.tui.screens.dumps import DumpsScreen
from jfsconsole.tui.screens.help import HelpScreen
from jfsconsole.tui.screens.profiles import ProfileSwitcher
from jfsconsole.tui.state import BACKENDS, BackendState, describe_ping
from jfsconsole.tui.threads import call_in_ui
from jfsconsole.tui.widgets.object_table import ObjectTable

BackendsFactory = Callable[[Profile], Backends]

# Actions that make no sense while a dialog is open: the dialog owns the keyboard then.
_NOT_IN_DIALOGS = {"switch_mode", "profiles", "help", "quit"}


class JfsConsoleApp(App[int]):
    TITLE = "jfsconsole"
    CSS_PATH: ClassVar = [stylesheet("app.tcss"), stylesheet("dumps.tcss"), stylesheet("dialogs.tcss")]
    MODES: ClassVar = {
        "usage": UsageScreen,
        "dumps": DumpsScreen,
        "cleanup": CleanupScreen,
        "health": HealthScreen,
    }
    COMMANDS = App.COMMANDS | {JfsCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(m.keys, f"switch_mode('{m.name}')", m.title, show=False, id=f"app.{m.name}",
                  tooltip=f"{m.title} screen: {m.help}") for m in SCREEN_MODES),
        Binding("question_mark", "help", "Help", key_display="?", id="app.help"),
        Binding("p", "profiles", "Profile", show=False, tooltip="Switch profile", id="app.profiles"),
        Binding("ctrl+r", "recheck", "Re-check", show=False, id="app.recheck",
                tooltip="Check the backends again (S3, Prometheus, Kubernetes)"),
        Binding("q", "quit", "Quit", id="app.quit"),
    ]

    def __init__(
        self,
        profile: Profile,
        config: Config,
        backends_factory: BackendsFactory = Backends,
        *,
        start_screen: str = "dumps",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__()
        if start_screen not in MODE_NAMES:
            raise ValueError(f"start_screen must be one of {', '.join(MODE_NAMES)}")
        self.profile = profile
        self.config = config
        self._backends_factory = backends_factory
        self.backends = backends_factory(profile)
        self.backend_status: dict[str, BackendState] = {n: BackendState(n) for n, _, _ in BACKENDS}
        self.status_signal: Signal[dict[str, BackendState]] = Signal(self, "backend-status")
        self.profile_signal: Signal[Profile] = Signal(self, "profile")
        self._status_generation = 0
        self._start_screen = start_screen
        # Injectable so that ages in snapshots and tests don't drift with the wall clock.
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self._dump_service: DumpService | None = None

    @property
    def dump_service(self) -> DumpService:
        """The dump use cases for the current profile (rebuilt on profile switch)."""
        if self._dump_service is None:
            self._dump_service = DumpService(self.backends, self.profile)
        return self._dump_service

    # ------------------------------------------------------------------ lifecycle

    def on_mount(self) -> None:
        self.switch_mode(self._start_screen)
        # Pings go after the first paint: the console must be on screen before any I/O.
        self.call_after_refresh(self.check_backends)
        for warning in self.config.warnings:
            self.notify(warning, title="config", severity="warning", timeout=15)

    def on_unmount(self) -> None:
        self._close_backends(self.backends)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action in _NOT_IN_DIALOGS and isinstance(self.screen, ModalScreen))

    # ------------------------------------------------------------------ backend status

    def check_backends(self) -> None:
        self._status_generation += 1
        for name, _, _ in BACKENDS:
            self.backend_status[name] = BackendState(name)
            self._ping_backend(name, self.backends, self._status_generation)
        self.status_signal.publish(dict(self.backend_status))

    @work(thread=True, exit_on_error=False, group="backend-status")
    def _ping_backend(self, name: str, backends: Backends, generation: int) -> None:
        try:
            answer = getattr(backends, name)().ping()
            state = BackendState(name, "ok", info=describe_ping(name, answer))
        except Exception as exc:  # BackendError or anything else: shown, never fatal
            state = BackendState.from_error(name, exc)
        call_in_ui(self, self._apply_status, generation, state)

    def _apply_status(self, generation: int, state: BackendState) -> None:
        if generation != self._status_generation:
            return  # an answer for an older profile or an older check
        self.backend_status[state.backend] = state
        self.status_signal.publish(dict(self.backend_status))

    # ------------------------------------------------------------------ profiles

    def switch_profile(self, name: str) -> None:
        try:
            profile = select_profile(self.config, name)
        except ConfigError as exc:
            self.notify(str(exc), title="profile", severity="error")
            return
        old = self.backends
        self.profile = profile
        self.backends = self._backends_factory(profile)
        self._dump_service = None
        self._close_backends(old)
        self.profile_signal.publish(profile)
        self.check_backends()
        self.notify(f"Profile {profile.display_label}", timeout=3)

    @staticmethod
    def _close_backends(backends: Backends) -> None:
        # Closing is best effort; a broken client must not block switching profiles.
        with contextlib.suppress(Exception):
            backends.close()

    # ------------------------------------------------------------------ actions

    def action_recheck(self) -> None:
        self.check_backends()
        self.notify("Checking the backends again…", timeout=2)

    def action_profiles(self) -> None:
        def chosen(name: str | None) -> None:
            if name and name != self.profile.name:
                self.switch_profile(name)

        self.push_screen(ProfileSwitcher(self.config, self.profile.name), chosen)

    def action_help(self) -> None:
        self.push_screen(HelpScreen([
            ("Everywhere", [*self.BINDINGS, Binding("ctrl+p", "command_palette",
                                                    tooltip="Command palette: every action by name")]),
            ("Dumps screen", DumpsScreen.BINDINGS),
            ("Dumps table", ObjectTable.BINDINGS),
            ("Dialogs", [Binding("escape", "cancel", tooltip="Close / cancel"),
                         Binding("tab", "focus_next", tooltip="Next field or button"),
                         Binding("enter", "confirm", tooltip="Press the focused button")]),
        ]))


def run_tui(profile: Profile, config: Config, *, start_screen: str = "dumps") -> int:
    """Entry point for the CLI: run the console until the user quits; returns the exit code.

    Quitting must not wait for a backend call stuck on a dead endpoint (boto3 can retry for
    minutes). So the app runs on its own loop and thread pool, which are shut down without
    waiting; worker threads get a short grace period (a cancelled download removes its
    ``.part`` file in it), and if any is still blocked in I/O the process exits without
    joining it. The terminal is already restored by then, and the audit log is written
    synchronously, so nothing is lost.
    """
    app = JfsConsoleApp(profile, config, start_screen=start_screen)
    loop = asyncio.new_event_loop()
    executor = ThreadPoolExecutor(thread_name_prefix="jfsconsole-worker")
    loop.set_default_executor(executor)
    try:
        result = app.run(loop=loop)
    finally:
        executor.shutdown(wait=False, cancel_futures=True)
        loop.close()
    return int(result or app.return_code or 0)


def exit_now_if_stuck(code: int) -> None:
    """After run_tui and the caller's own clean-up: leave at once if a worker is stuck in I/O.

    Separate from run_tui so that a caller with more to stop (the sandbox's processes) stops
    them first.
    """
    if _threads_still_busy(grace=1.0):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _threads_still_busy(grace: float) -> bool:
    deadline = time.monotonic() + grace
    while True:
        busy = [t for t in threading.enumerate()
                if t is not threading.main_thread() and not t.daemon and t.is_alive()]
        if not busy:
            return False
        if time.monotonic() > deadline:
            return True
        time.sleep(0.05)
