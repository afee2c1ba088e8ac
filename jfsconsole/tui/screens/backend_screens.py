"""Usage, Cleanup and Health: for now each tells only whether its backend works.

Their real panels come later; until then they show no data rather than made-up data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from jfsconsole.tui.screens.base import BaseScreen
from jfsconsole.tui.state import BackendState
from jfsconsole.tui.widgets.backend_panel import BackendPanel


class BackendStatusScreen(BaseScreen):
    BACKEND: ClassVar[str] = ""
    PURPOSE: ClassVar[str] = ""

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(classes="screen-body"):
            yield Static(f"{self.TITLE_TEXT} — {self.PURPOSE}", classes="screen-title", markup=False)
            yield BackendPanel(self.BACKEND, id="backend-panel")
            yield Static("The panels of this screen are not built yet; the status above is live "
                         "(ctrl+r checks again).", classes="muted", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        self.backend_status_changed(self.jfs.backend_status)

    def backend_status_changed(self, states: Mapping[str, BackendState]) -> None:
        self.query_one(BackendPanel).show(states.get(self.BACKEND, BackendState(self.BACKEND)))


class UsageScreen(BackendStatusScreen):
    MODE = "usage"
    TITLE_TEXT = "Usage"
    BACKEND = "prometheus"
    PURPOSE = "PVC usage from Prometheus"


class CleanupScreen(BackendStatusScreen):
    MODE = "cleanup"
    TITLE_TEXT = "Cleanup"
    BACKEND = "s3"
    PURPOSE = "delete old dumps through the S3 gateway"


class HealthScreen(BackendStatusScreen):
    MODE = "health"
    TITLE_TEXT = "Health"
    BACKEND = "kube"
    PURPOSE = "CSI driver, mount pods and S3 gateway"
