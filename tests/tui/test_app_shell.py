"""Part 1: the app shell — screens, header, backend status line, profiles, help, palette."""

from __future__ import annotations

import threading
from typing import Any, ClassVar

import pytest
from textual.binding import Binding
from textual.widgets import Label

from jfsconsole.backends.errors import Forbidden
from jfsconsole.backends.session import Backends
from jfsconsole.config import Profile, S3Settings, SecretRef
from jfsconsole.sandbox.procs import free_port
from jfsconsole.tui.app import JfsConsoleApp
from jfsconsole.tui.commands import JfsCommands
from jfsconsole.tui.screens.backend_screens import CleanupScreen, HealthScreen, UsageScreen
from jfsconsole.tui.screens.dumps import DumpsScreen
from jfsconsole.tui.screens.help import HelpScreen
from jfsconsole.tui.screens.profiles import ProfileSwitcher
from jfsconsole.tui.widgets.backend_panel import BackendPanel
from jfsconsole.tui.widgets.status_line import StatusLine

from . import config_of, dumps_screen, notifications, profile, settle, wait_until

SIZES = [(120, 40), (80, 24)]


def unreachable_profile(name: str = "dead") -> Profile:
    port = free_port()
    s3 = S3Settings(endpoint=f"http://127.0.0.1:{port}", access_key=SecretRef("plain", "ak"),
                    secret_key=SecretRef("plain", "sk-secret"), connect_timeout=1.0,
                    read_timeout=1.0, max_attempts=1)
    from jfsconsole.config import PrometheusSettings

    base = profile(name, s3=s3)
    return Profile(name=base.name, s3=s3, kube=base.kube, ui=base.ui,
                   prometheus=PrometheusSettings(url=f"http://127.0.0.1:{port}", timeout=1.0))


def status_text(app: JfsConsoleApp) -> str:
    return str(app.screen.query_one(StatusLine).render())


@pytest.mark.parametrize("size", SIZES)
async def test_no_backends_says_not_configured_everywhere(size: tuple[int, int]) -> None:
    prof = profile("empty")
    app = JfsConsoleApp(prof, config_of(prof))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert {s.kind for s in app.backend_status.values()} == {"not-configured"}
        line = status_text(app)
        assert "S3 ○ not configured" in line
        assert "Prom ○ not configured" in line
        assert "Kube ○ not configured" in line
        # The Dumps table area explains why and what to do, instead of showing nothing.
        error = str(dumps_screen(app).query_one("#listing-error").render())
        assert "S3 not configured" in error and "s3.endpoint" in error
        for key, screen_type in (("u", UsageScreen), ("c", CleanupScreen), ("h", HealthScreen)):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, screen_type)
            panel = app.screen.query_one(BackendPanel)
            assert "not configured" in str(panel.render())
        await pilot.press("2")
        assert isinstance(app.screen, DumpsScreen)


@pytest.mark.parametrize("size", SIZES)
async def test_unreachable_backends_show_reason_and_app_keeps_working(size: tuple[int, int]) -> None:
    prof = unreachable_profile()
    app = JfsConsoleApp(prof, config_of(prof))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert app.backend_status["s3"].kind == "unreachable"
        assert app.backend_status["prometheus"].kind == "unreachable"
        assert "S3 ✖ unreachable" in status_text(app)
        error = str(dumps_screen(app).query_one("#listing-error").render())
        assert error.startswith("S3 unreachable: cannot connect to the S3 gateway at http://127.0.0.1:")
        assert "sk-secret" not in error
        # Everything else still answers.
        await pilot.press("1")
        assert isinstance(app.screen, UsageScreen)
        assert "unreachable" in str(app.screen.query_one(BackendPanel).render())
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("d", "r")
        await settle(pilot)
        assert app.is_running


class SlowBackends(Backends):
    """Pings that block until released, recording the thread they ran on."""

    release = threading.Event()
    threads: ClassVar[list[str]] = []

    def s3(self) -> Any:
        outer = self

        class Store:
            def ping(self) -> int:
                outer.threads.append(threading.current_thread().name)
                outer.release.wait(10)
                return 1

            def list_buckets(self) -> list[Any]:
                return []

            def iter_pages(self, *args: Any, **kwargs: Any) -> Any:
                return iter([])

        return Store()

    def prometheus(self) -> Any:
        raise RuntimeError("boom: not one of ours")

    def kube(self) -> Any:
        raise Forbidden("kube", "pods is forbidden in kube-ops", hint="ask for RBAC")


async def test_pings_run_in_threads_after_first_paint_and_never_crash() -> None:
    prof = profile("slow")
    SlowBackends.release.clear()
    app = JfsConsoleApp(prof, config_of(prof), SlowBackends)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        # Painted while the S3 ping is still blocked.
        assert app.screen.query_one(StatusLine).region.height == 1
        await wait_until(pilot, lambda: app.backend_status["kube"].kind == "forbidden")
        assert app.backend_status["s3"].kind == "checking"
        assert "S3 ◌ checking…" in status_text(app)
        assert app.backend_status["prometheus"].kind == "error"
        assert "RuntimeError: boom" in app.backend_status["prometheus"].message
        assert "Kube ✖ forbidden" in status_text(app)
        SlowBackends.release.set()
        await wait_until(pilot, lambda: app.backend_status["s3"].ok)
        assert SlowBackends.threads and SlowBackends.threads[0] != threading.main_thread().name
        # ctrl+r checks again.
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: len(SlowBackends.threads) >= 2)


async def test_header_shows_prod_read_only_and_sandbox() -> None:
    prod = profile("prod-eu", read_only=True, label="PROD eu-west")
    sandbox = profile("local", sandbox=True, color="purple")
    app = JfsConsoleApp(prod, config_of(prod, sandbox))
    async with app.run_test(size=(80, 24)) as pilot:
        header_profile = app.screen.query_one("#header-profile", Label)
        assert "PROD eu-west" in str(header_profile.render())
        assert header_profile.has_class("-prod")
        assert app.screen.query_one("#badge-readonly").display
        assert not app.screen.query_one("#badge-sandbox").display
        # Switch profile through the picker: header, badges and backends follow.
        old_backends = app.backends
        await pilot.press("p")
        assert isinstance(app.screen, ProfileSwitcher)
        await pilot.press("up", "enter")
        await pilot.pause()
        assert app.profile.name == "local"
        assert app.backends is not old_backends
        header_profile = app.screen.query_one("#header-profile", Label)
        assert not header_profile.has_class("-prod")
        assert app.screen.query_one("#badge-sandbox").display
        assert not app.screen.query_one("#badge-readonly").display
        await settle(pilot)
        # The status of the new profile was checked (kinds are not "checking" any more).
        assert all(s.kind != "checking" for s in app.backend_status.values())


async def test_read_only_env_override_survives_profile_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JFSCONSOLE_READ_ONLY", "1")
    a, b = profile("a"), profile("b")
    app = JfsConsoleApp(a, config_of(a, b))
    async with app.run_test(size=(80, 24)) as pilot:
        app.switch_profile("b")
        await pilot.pause()
        assert app.profile.ui.read_only
        assert app.screen.query_one("#badge-readonly").display


async def test_help_lists_keys_of_every_screen_and_clipboard() -> None:
    prof = profile("empty")
    app = JfsConsoleApp(prof, config_of(prof))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = "\n".join(str(w.render()) for w in app.screen.query(".help-section"))
        for expected in ("Usage screen", "Switch profile", "make a presigned download link",
                         "Download to a local directory", "Delete the selection",
                         "Select / unselect", "Breakdown by env and app", "set-clipboard on"):
            assert expected in text
        await pilot.press("escape")
        assert isinstance(app.screen, DumpsScreen)


async def test_command_palette_offers_every_action() -> None:
    a, b = profile("a"), profile("b")
    app = JfsConsoleApp(a, config_of(a, b))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        provider = JfsCommands(app.screen)
        titles = [str(hit.display) async for hit in provider.discover()]
        for expected in ("Screen: Usage", "Screen: Dumps", "Screen: Cleanup", "Screen: Health",
                         "Profile: switch to b", "Re-check backends", "Help: keys",
                         "Dumps: Share: make a presigned download link and copy it (l)",
                         "Dumps: Download to a local directory (D)",
                         "Dumps: Delete the selection (or the row) (x)",
                         "Dumps: Sort by size, largest first", "Dumps: List this prefix again (r)"):
            assert expected in titles
        # Every key of the Dumps screen has its palette entry.
        actions = {c.action for c in dumps_screen(app).palette_commands()}
        assert {b.action for b in DumpsScreen.BINDINGS if isinstance(b, Binding)} <= actions
        hits = [hit async for hit in provider.search("health")]
        assert any("Screen: Health" in str(hit.text) for hit in hits)
        # Through the real palette: pick "Screen: Health".
        await pilot.press("ctrl+p")
        await pilot.press(*"screen: health")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, HealthScreen), what="health screen")


async def test_screen_keys_are_off_inside_dialogs_and_q_quits() -> None:
    prof = profile("empty")
    app = JfsConsoleApp(prof, config_of(prof))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.press("h")  # the help dialog owns the keyboard: no screen switch under it
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape", "q")
        await pilot.pause()
        assert not app.is_running


async def test_start_screen_and_bad_start_screen() -> None:
    prof = profile("empty")
    app = JfsConsoleApp(prof, config_of(prof), start_screen="health")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HealthScreen)
    with pytest.raises(ValueError):
        JfsConsoleApp(prof, config_of(prof), start_screen="nope")


async def test_config_warnings_are_notified() -> None:
    prof = profile("empty")
    config = config_of(prof)
    config.warnings.append("config.toml is readable by others: chmod 600 it")
    app = JfsConsoleApp(prof, config)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert any("chmod 600" in m for m in notifications(app))


async def test_ansi_theme_and_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    prof = profile("empty")
    app = JfsConsoleApp(prof, config_of(prof))
    app.theme = "ansi-dark"
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.no_color
        # The status glyphs carry the meaning without colour.
        assert "S3 ○ not configured" in status_text(app)
