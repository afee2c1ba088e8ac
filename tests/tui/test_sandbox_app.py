"""The whole app on the sandbox: every backend green, every screen reachable, profile switch."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from jfsconsole.config import load_config, select_profile
from jfsconsole.tui.app import JfsConsoleApp
from jfsconsole.tui.screens.backend_screens import CleanupScreen, HealthScreen, UsageScreen
from jfsconsole.tui.screens.dumps import DumpsScreen
from jfsconsole.tui.screens.profiles import ProfileSwitcher
from jfsconsole.tui.widgets.backend_panel import BackendPanel

from . import settle, wait_until

pytestmark = [pytest.mark.gateway, pytest.mark.prometheus]


def add_broken_profile(doc: dict[str, Any]) -> None:
    """A profile whose gateway is down, to switch to."""
    doc["profiles"]["broken"] = {
        "s3": {"endpoint": "http://127.0.0.1:9", "max_attempts": 1, "connect_timeout": 1,
               "access_key": "ak", "secret_key": "sk-not-secret"},
        "ui": {"color": "red"},
    }


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_sandbox_screens_and_profile_switch(sandbox_config: Path, prometheus_url: str,
                                                  size: tuple[int, int],
                                                  edit_config: Callable[..., Path]) -> None:
    config = load_config(edit_config(sandbox_config, add_broken_profile))
    prof = select_profile(config, "sandbox", env={})
    app = JfsConsoleApp(prof, config)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert {k: s.kind for k, s in app.backend_status.items()} == {
            "s3": "ok", "prometheus": "ok", "kube": "ok"}
        for key, screen_type in (("u", UsageScreen), ("h", HealthScreen), ("c", CleanupScreen),
                                 ("1", UsageScreen), ("4", HealthScreen), ("d", DumpsScreen)):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, screen_type), key
            if screen_type is not DumpsScreen:
                panel: Any = app.screen.query_one(BackendPanel)
                assert "● ok" in str(panel.render())
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, ProfileSwitcher)
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: app.profile.name == "broken", what="profile switch")
        await wait_until(pilot, lambda: app.backend_status["s3"].kind == "unreachable",
                         what="the broken profile's S3 status")
        assert app.backend_status["prometheus"].kind == "not-configured"
        assert app.is_running
