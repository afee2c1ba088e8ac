"""The app's top-level screens (Textual "modes"), in header order, with their keys."""

from __future__ import annotations

from typing import NamedTuple


class Mode(NamedTuple):
    name: str  # the Textual mode name
    title: str
    keys: str  # Textual binding keys
    digit: str  # shown in the header tabs
    help: str


SCREEN_MODES: tuple[Mode, ...] = (
    Mode("usage", "Usage", "u,1", "1", "PVC usage from Prometheus"),
    Mode("dumps", "Dumps", "d,2", "2", "browse, share, download and delete dumps"),
    Mode("cleanup", "Cleanup", "c,3", "3", "manual cleanup of old dumps"),
    Mode("health", "Health", "h,4", "4", "CSI driver, mount pods and gateway health"),
)
MODE_NAMES = tuple(m.name for m in SCREEN_MODES)
