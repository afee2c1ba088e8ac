"""SVG snapshots of the Dumps screen.

Deterministic on purpose: an in-memory store with fixed mtimes, a fixed clock for the ages,
TZ=UTC for the timestamps. The real gateway can't give that (its ages move with the wall clock).
Update with ``pytest tests/tui/test_snapshots.py --snapshot-update`` after a deliberate change.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from . import memory_app, settle


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


async def _ready(pilot: Any) -> None:
    await settle(pilot)
    await pilot.press("down", "down")  # the valid dump: detail pane filled
    await pilot.pause()


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_dumps_screen_snapshot(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(memory_app(), terminal_size=size, run_before=_ready)


def test_dumps_screen_wide_with_breakdown_snapshot(snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await _ready(pilot)
        await pilot.press("b")
        await settle(pilot)

    assert snap_compare(memory_app(), terminal_size=(160, 50), run_before=run_before)
