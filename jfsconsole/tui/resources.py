"""Where the .tcss stylesheets live, in a wheel and in a source checkout.

The wheel ships the top-level ``styles/`` directory as ``jfsconsole/styles`` (hatch
force-include); a source checkout has it next to the package. Look in that order.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

import jfsconsole


def styles_dir() -> Path:
    try:
        packaged = importlib.resources.files("jfsconsole") / "styles"
        if packaged.is_dir():
            return Path(str(packaged))
    except (ModuleNotFoundError, OSError):  # pragma: no cover - odd loaders (zipimport)
        pass
    return Path(jfsconsole.__file__).resolve().parent.parent / "styles"


def stylesheet(name: str) -> Path:
    """Path of one stylesheet, e.g. ``stylesheet("app.tcss")``."""
    return styles_dir() / name
