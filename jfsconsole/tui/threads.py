"""Handing results from worker threads back to the UI thread."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from textual.app import App


def call_in_ui(app: App[Any], callback: Callable[..., Any], *args: Any) -> None:
    """Run ``callback(*args)`` on the UI thread and wait for it. A worker may finish after the
    user quit: then the app refuses the call (RuntimeError) and the result is dropped."""
    with contextlib.suppress(RuntimeError):
        app.call_from_thread(callback, *args)
