"""Everything about the row under the cursor, and its presigned link once made (selectable)."""

from __future__ import annotations

from datetime import UTC, datetime

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from jfsconsole.core import humanfmt
from jfsconsole.core.dumpnames import parse_dump_name
from jfsconsole.core.models import ObjectEntry
from jfsconsole.core.sharing import ShareLink
from jfsconsole.tui.rows import StateValue, state_sentence


def _row(label: str, value: str | Content) -> Content:
    return Content.assemble((f"{label:<9}", "$text-muted"), value)


def entry_details(entry: ObjectEntry, state: StateValue, now: datetime) -> Content:
    lines: list[Content] = [Content.styled(entry.name, "bold")]
    if entry.is_prefix:
        what = "bucket" if entry.key == "" else "prefix"
        lines.append(_row(what, entry.path if entry.key else entry.bucket))
        lines.append(Content.styled("enter opens it; backspace goes up", "$text-muted"))
        return Content("\n").join(lines)
    # Most wanted first: the pane is 8 lines high on an 80x24 terminal.
    lines.append(_row("state", state_sentence(state, entry)))
    lines.append(_row("size", f"{entry.size:,} bytes ({humanfmt.size(entry.size)})"))
    if entry.last_modified is not None:
        utc = entry.last_modified.astimezone(UTC)
        ago = f"{humanfmt.age(entry.last_modified, now)} ago"
        local = entry.last_modified.astimezone()
        if local.utcoffset() == utc.utcoffset():
            lines.append(_row("modified", f"{utc.strftime('%Y-%m-%d %H:%M:%S UTC')} · {ago}"))
        else:
            lines.append(_row("modified", utc.strftime("%Y-%m-%d %H:%M:%S UTC")))
            lines.append(_row("", f"{local.strftime('%Y-%m-%d %H:%M:%S %Z')} · {ago}"))
    parsed = parse_dump_name(entry.key)
    if parsed is not None:
        app = f"{parsed.app} ({parsed.kind.value})" if parsed.app else "(unset)"
        lines.append(_row("env/app", f"{parsed.env or '(unset)'} · {app}"))
        lines.append(_row("pod", parsed.pod or "(unset)"))
    lines.append(_row("key", entry.path))
    return Content("\n").join(lines)


def link_details(link: ShareLink | None, now: datetime, words: str = "") -> Content:
    if link is None:
        return Content.styled("l makes a download link", "$text-muted")
    left = link.expires_at - now
    until = link.expires_at.astimezone().strftime("%Y-%m-%d %H:%M %Z")
    status = (f"valid {words or link.valid_for}, until {until} · y copies it again"
              if left.total_seconds() > 0 else "EXPIRED — press l for a new one")
    return Content.assemble(("link ", "bold"), (status, "$text-muted"), "\n", link.url)


class DetailPane(VerticalScroll, can_focus=False):
    def compose(self) -> ComposeResult:
        # The link goes first: on a 24-line terminal the pane shows ~8 lines, and a link the
        # user just made must be on screen without scrolling. A Static of its own so a mouse
        # selection picks the URL and nothing else.
        yield Static("", id="detail-link", markup=False)
        yield Static("", id="detail-body", markup=False)

    def show(self, entry: ObjectEntry | None, state: StateValue, link: ShareLink | None,
             now: datetime, *, empty: str = "", link_words: str = "") -> None:
        body = self.query_one("#detail-body", Static)
        link_box = self.query_one("#detail-link", Static)
        if entry is None:
            body.update(Content.styled(empty or "no row selected", "$text-muted"))
            link_box.display = False
            return
        details = entry_details(entry, state, now)
        link_box.display = link is not None and not entry.is_prefix
        if link is not None:
            link_box.update(link_details(link, now, link_words))
        elif not entry.is_prefix:
            details = Content("\n").join([details, link_details(None, now)])
        body.update(details)
