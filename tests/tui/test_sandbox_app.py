"""The whole app on the sandbox: every backend green, every screen reachable, profile switch."""

from __future__ import annotations

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


def with_second_profile(config_path: Path) -> Path:
    """The sandbox config plus a profile whose gateway is down, to switch to."""
    text = config_path.read_text()
    text += ('\n[profiles.broken.s3]\nendpoint = "http://127.0.0.1:9"\nmax_attempts = 1\n'
             'connect_timeout = 1\naccess_key = "ak"\nsecret_key = "sk-not-secret"\n'
             '[profiles.broken.ui]\ncolor = "red"\n')
    config_path.write_text(text)
    return config_path


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_sandbox_screens_and_profile_switch(sandbox_config: Path, prometheus_url: str,
                                                  size: tuple[int, int]) -> None:
    config = load_config(with_second_profile(sandbox_config))
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
