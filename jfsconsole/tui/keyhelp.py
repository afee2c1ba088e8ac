"""Turn BINDINGS lists into (keys, description) rows for the help screen.

One source of truth: the help lists exactly what the bindings do, so the two cannot drift.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.binding import Binding, BindingType
from textual.keys import format_key

_NAMES = {
    "question_mark": "?", "slash": "/", "asterisk": "*", "space": "space", "enter": "enter",
    "escape": "esc", "backspace": "backspace", "delete": "del", "left": "←", "right": "→",
    "up": "↑", "down": "↓", "pageup": "pgup", "pagedown": "pgdn", "home": "home", "end": "end",
}


def key_label(key: str) -> str:
    if key in _NAMES:
        return _NAMES[key]
    if key.startswith("ctrl+"):
        return "^" + key_label(key[5:])
    if key.startswith("shift+"):
        return "shift+" + key_label(key[6:])
    return format_key(key)


def binding_rows(bindings: Iterable[BindingType]) -> list[tuple[str, str]]:
    """Group keys by action and keep first-seen order, e.g. ("u 1", "Usage screen")."""
    rows: dict[tuple[str, str], list[str]] = {}
    for binding in Binding.make_bindings(bindings):
        if binding.system:
            continue
        description = binding.tooltip or binding.description or binding.action
        label = binding.key_display or key_label(binding.key)
        keys = rows.setdefault((binding.action, description), [])
        if label not in keys:
            keys.append(label)
    return [(" ".join(keys), description) for (_, description), keys in rows.items()]
