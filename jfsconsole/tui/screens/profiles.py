"""``p``: pick another profile of the config (prod ones marked)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from jfsconsole.config import Config, Profile


def profile_prompt(profile: Profile, current: bool) -> Content:
    tags = []
    if profile.is_prod:
        tags.append(("PROD", "bold $error"))
    if profile.ui.read_only:
        tags.append(("READ-ONLY", "bold $warning"))
    if profile.ui.sandbox:
        tags.append(("SANDBOX", "bold $success"))
    where = profile.s3.endpoint if profile.s3 else "no S3"
    parts: list[Content | str | tuple[str, str]] = [
        ("● " if current else "  ", "bold"), (profile.name, "bold"),
    ]
    if profile.ui.label and profile.ui.label.casefold() != profile.name.casefold():
        parts.append(f" ({profile.ui.label})")
    for text, style in tags:
        parts += [" ", (text, style)]
    parts.append((f"  {where}", "$text-muted"))
    return Content.assemble(*parts)


class ProfileSwitcher(ModalScreen[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [("escape", "cancel", "Cancel")]

    def __init__(self, config: Config, current: str) -> None:
        super().__init__()
        self._config = config
        self._current = current

    def compose(self) -> ComposeResult:
        names = sorted(self._config.profiles)
        options = [Option(profile_prompt(self._config.profiles[n], n == self._current), id=n)
                   for n in names]
        with Vertical(id="profile-dialog", classes="dialog") as box:
            box.border_title = "Switch profile (enter picks, esc cancels)"
            yield OptionList(*options, id="profile-list")

    def on_mount(self) -> None:
        names = sorted(self._config.profiles)
        option_list = self.query_one(OptionList)
        if self._current in names:
            option_list.highlighted = names.index(self._current)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
