"""The Dumps screen: browse the dump prefix, see which dumps are whole, share, download, delete.

Threads, and why: listing pages, dump checks, sorting of big listings, share/download/delete
all block (boto3 or CPU), so each runs off the event loop and hands results back with
``call_from_thread``; a generation number drops answers for a location the user has left.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from jfsconsole.config import Profile
from jfsconsole.core import humanfmt
from jfsconsole.core.listing import SortKey, Totals, breakdown
from jfsconsole.core.models import ObjectEntry
from jfsconsole.services.dumps import DumpService
from jfsconsole.tui.checks import CheckPool
from jfsconsole.tui.listing_view import SORT_CYCLE, SORT_WORDS, SYNC_VIEW_LIMIT, compute_view, error_text
from jfsconsole.tui.locations import Location
from jfsconsole.tui.rows import StateValue, plural
from jfsconsole.tui.screens.base import BaseScreen, PaletteCommand
from jfsconsole.tui.screens.dump_actions import DumpActions, deletable
from jfsconsole.tui.screens.goto import GoToDialog
from jfsconsole.tui.threads import call_in_ui
from jfsconsole.tui.widgets.breakdown import BreakdownPanel
from jfsconsole.tui.widgets.detail_pane import DetailPane
from jfsconsole.tui.widgets.object_table import EntryKey, ObjectTable, entry_key


class DumpsScreen(BaseScreen):
    MODE = "dumps"
    TITLE_TEXT = "Dumps"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (140, "-wide")]  # noqa: RUF012 (Textual declares it)
    BINDINGS: ClassVar[list[BindingType]] = [
        # ids make every key rebindable with App.set_keymap({"dumps.share": "ctrl+l"}).
        Binding("l", "share", "Link", id="dumps.share",
                tooltip="Share: make a presigned download link and copy it"),
        Binding("y", "copy_link", "Copy link", show=False, id="dumps.copy_link",
                tooltip="Copy the link again"),
        Binding("Y", "copy_forms", "Copy as", show=False, id="dumps.copy_forms",
                tooltip="Copy the link, s3 URI, bucket/key path or in-pod path"),
        Binding("D,w", "download", "Download", id="dumps.download",
                tooltip="Download to a local directory"),
        Binding("x,delete", "delete", "Delete", id="dumps.delete",
                tooltip="Delete the selection (or the row)"),
        Binding("slash", "filter", "Filter", key_display="/", id="dumps.filter",
                tooltip="Filter: text, glob (*.gz), env:dev, app:order-*"),
        Binding("s", "sort", "Sort", id="dumps.sort", tooltip="Sort by name → size → age"),
        Binding("S", "reverse", "Reverse", show=False, id="dumps.reverse",
                tooltip="Reverse the sort"),
        Binding("b", "breakdown", "By env/app", show=False, id="dumps.breakdown",
                tooltip="Breakdown by env and app: who fills the volume"),
        Binding("i", "details", "Details", show=False, id="dumps.details",
                tooltip="Show / hide the detail pane"),
        Binding("g", "goto", "Go to", show=False, id="dumps.goto", tooltip="Go to a bucket/prefix"),
        Binding("backspace,left", "up", "Up", show=False, id="dumps.up",
                tooltip="Up one level (to the buckets)"),
        Binding("r", "refresh", "Refresh", show=False, id="dumps.refresh",
                tooltip="List this prefix again"),
        Binding("escape", "escape", show=False, id="dumps.escape",
                tooltip="Clear the selection, then the filter"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._location = Location("")
        self._generation = 0
        self._entries: list[ObjectEntry] = []
        self._totals = Totals()
        self._filter_totals: Totals | None = None
        self._loading = False
        self._listing_error: BaseException | None = None
        self._focus_key: EntryKey | None = None
        self._sort: SortKey = SortKey.AGE  # newest first: what an OOM page wants
        self._reverse = False
        self._filter = ""
        self._view_running = False
        self._view_dirty = False
        self._view_dirty_forced = False
        self._last_view_size = 0
        self._last_view_time = 0.0
        self._checks = CheckPool()
        self.actions = DumpActions(self)
        self._check_timer: Timer | None = None
        self._filter_timer: Timer | None = None
        self._side = "detail"  # "detail", "breakdown" or "" (hidden)
        self._checks_due = False
        self._filter_due = False
        self._inbox: list[tuple[int, list[ObjectEntry]]] = []
        self._inbox_lock = threading.Lock()

    @property
    def busy(self) -> bool:
        """True while anything is still on its way: listing, sorting, checks, debounces."""
        return (self._loading or self._view_running or self._checks.busy
                or self._checks_due or self._filter_due)

    @property
    def location(self) -> Location:
        return self._location

    @property
    def entries(self) -> list[ObjectEntry]:
        """Everything listed at the current location (unfiltered, in arrival order)."""
        return self._entries

    # ------------------------------------------------------------------ layout

    def compose_body(self) -> ComposeResult:
        yield Static("", id="crumb", markup=False)
        with Horizontal(id="dumps-main"):
            with Vertical(id="table-area"):
                yield Static("", id="listing-error", markup=False)
                yield ObjectTable(id="objects", state_of=self.state_of,
                                  selectable=deletable, clock=self.jfs.clock)
                yield Input(placeholder="filter: text, glob (*.gz), env:dev, app:order-*  (esc clears)",
                            id="filter")
            with Vertical(id="side"):
                yield DetailPane(id="detail")
                yield BreakdownPanel()
        yield Static("", id="totals", markup=False)

    @property
    def table(self) -> ObjectTable:
        return self.query_one(ObjectTable)

    @property
    def service(self) -> DumpService:
        return self.jfs.dump_service

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#filter").display = False
        self.query_one("#listing-error").display = False
        self._show_side()
        self.table.focus()
        # Ages ("3h12m") move with the clock even when nothing else happens.
        self.set_interval(30, self._tick)
        # The first listing goes after the first paint, like the backend checks.
        self.call_after_refresh(self.load, self._default_location())

    def on_unmount(self) -> None:
        self._checks.shutdown()

    def _tick(self) -> None:
        self.table.refresh()
        self.update_detail()

    def _default_location(self) -> Location:
        bucket, prefix = self.service.default_location
        return Location(bucket, prefix)

    # ------------------------------------------------------------------ listing

    def load(self, location: Location, focus_key: EntryKey | None = None) -> None:
        """List ``location`` from scratch; the old listing worker is cancelled (exclusive)."""
        self._generation += 1
        self._location = location
        self._entries = []
        self._totals = Totals()
        self._filter_totals = None
        self._loading = True
        self._listing_error = None
        self._focus_key = focus_key
        self._view_dirty = False
        self.query_one("#listing-error").display = False
        self.table.clear("Loading…")
        self._update_crumb()
        self._update_totals()
        self.update_detail()
        self._list_pages(self.service, location, self._generation)

    class _PagesWaiting(Message):
        """Posted by the listing thread when its inbox goes from empty to non-empty."""

    class _ListingEnded(Message):
        def __init__(self, generation: int, error: BaseException | None) -> None:
            super().__init__()
            self.generation = generation
            self.error = error

    @work(thread=True, exclusive=True, group="listing", exit_on_error=False)
    def _list_pages(self, service: DumpService, location: Location, generation: int) -> None:
        worker = get_current_worker()
        error: BaseException | None = None
        try:
            pages: Iterator[list[ObjectEntry]]
            if location.is_bucket_list:
                pages = iter([service.list_buckets()])
            else:
                pages = service.iter_listing(location.bucket, location.prefix)
            for page in pages:
                if worker.is_cancelled:
                    return
                # Non-blocking hand-over: waiting for the event loop on every page made a
                # 100-page listing three times slower than the listing itself.
                with self._inbox_lock:
                    wake = not self._inbox
                    self._inbox.append((generation, page))
                if wake:
                    self.post_message(self._PagesWaiting())
        except Exception as exc:  # shown in the table area; the app keeps working
            error = exc
        if not worker.is_cancelled:
            self.post_message(self._ListingEnded(generation, error))

    @on(_PagesWaiting)
    def _drain_inbox(self) -> None:
        with self._inbox_lock:
            batch, self._inbox = self._inbox, []
        pages = [page for generation, page in batch if generation == self._generation]
        if pages:
            self._add_page(self._generation, [e for page in pages for e in page])

    @on(_ListingEnded)
    def _listing_ended(self, message: _ListingEnded) -> None:
        self._drain_inbox()  # pages posted before the end are all in by now
        self._listing_done(message.generation, message.error)

    def _add_page(self, generation: int, page: list[ObjectEntry]) -> None:
        if generation != self._generation:
            return
        self._entries.extend(page)
        self._totals.add(page)
        self._schedule_view(force=False)
        self._update_totals()

    def _listing_done(self, generation: int, error: BaseException | None) -> None:
        if generation != self._generation:
            return
        self._loading = False
        self._listing_error = error
        if error is not None:
            if self._entries:
                self.notify(f"Listing stopped early: {error}", title="S3", severity="error",
                            timeout=10)
            else:
                box = self.query_one("#listing-error", Static)
                box.update(error_text(error))
                box.display = True
                self.table.clear("")
        elif not self._entries:
            self.table.clear("empty: no objects under this prefix")
        self.table.prune_selection(self._entries)
        self._update_totals()
        self._schedule_view()
        if self._side == "breakdown":
            self._refresh_breakdown()

    # ------------------------------------------------------------------ sorted/filtered view

    def _schedule_view(self, *, force: bool = True) -> None:
        """Recompute the sorted/filtered view; off the event loop for big listings.

        While a big listing streams in, each page does not re-sort everything (a 100k sort
        takes ~0.4 s): the view is rebuilt when the listing has grown by half since the last
        one, or every 2 s, and always when the listing ends or the sort/filter changes.
        """
        if self._view_running:
            self._view_dirty = True  # one more pass when the running one lands
            self._view_dirty_forced |= force
            return
        count = len(self._entries)
        if not force and self._loading and count > SYNC_VIEW_LIMIT:
            grown = count >= self._last_view_size * 1.5
            stale = time.monotonic() - self._last_view_time > 2.0
            if not (grown or stale):
                return
        entries = list(self._entries)
        self._last_view_size = count
        self._last_view_time = time.monotonic()
        token = (self._generation, self._sort, self._reverse, self._filter)
        if count <= SYNC_VIEW_LIMIT:
            self._apply_view(token, *compute_view(entries, self._sort, self._reverse, self._filter))
            return
        self._view_running = True
        self._view_worker(entries, token)

    @work(thread=True, exclusive=True, group="view", exit_on_error=False)
    def _view_worker(self, entries: list[ObjectEntry], token: tuple[Any, ...]) -> None:
        _, sort, reverse, text = token
        view, totals = compute_view(entries, sort, reverse, text)
        if not get_current_worker().is_cancelled:
            call_in_ui(self.app, self._view_landed, token, view, totals)

    def _view_landed(self, token: tuple[Any, ...], view: list[ObjectEntry],
                     totals: Totals | None) -> None:
        self._view_running = False
        current = (self._generation, self._sort, self._reverse, self._filter)
        if token[0] == self._generation:
            self._apply_view(token, view, totals)
        if self._view_dirty or token != current:
            force = self._view_dirty_forced or token != current or not self._loading
            self._view_dirty = self._view_dirty_forced = False
            self._schedule_view(force=force)

    def _apply_view(self, token: tuple[Any, ...], view: list[ObjectEntry],
                    totals: Totals | None) -> None:
        table = self.table
        shown = self._shown_sort
        table.sort_column = {SortKey.NAME: "name", SortKey.SIZE: "size", SortKey.AGE: "age"}[shown]
        table.sort_descending = (shown is not SortKey.NAME) != self._reverse
        if not view and self._entries and self._filter:
            table.empty_message = f"nothing matches the filter {self._filter!r} (esc clears it)"
        elif not view and self._loading:
            table.empty_message = "Loading…"
        focus = self._focus_key
        table.set_rows(view, focus_key=focus)
        if focus is not None and table.cursor_entry is not None and entry_key(table.cursor_entry) == focus:
            self._focus_key = None
        self._filter_totals = totals
        self._update_totals()
        self.update_detail()

    # ------------------------------------------------------------------ dump checks

    def state_of(self, entry: ObjectEntry) -> StateValue:
        return self._checks.state_of(entry)

    @on(ObjectTable.Viewed)
    def _viewed(self) -> None:
        # Debounced: scrolling through 100k rows must not queue a check for every row passed.
        if self._check_timer is not None:
            self._check_timer.stop()
        self._checks_due = True
        self._check_timer = self.set_timer(0.15, self._request_checks)

    def _request_checks(self) -> None:
        self._checks_due = False
        first, last = self.table.visible_range()
        self._checks.request(self.table.rows[first:last], self.service, self._check_delivered)

    def _check_delivered(self, service: DumpService, entry: ObjectEntry, result: StateValue,
                         done: bool) -> None:
        """Called in a pool thread."""
        call_in_ui(self.app, self._check_landed, service, entry, result, done)

    def _check_landed(self, service: DumpService, entry: ObjectEntry, result: StateValue,
                      done: bool) -> None:
        # A verdict from the previous profile's gateway would be about another object.
        self._checks.landed(entry, result, done and service is self.service)
        if done:
            self.table.refresh_entry(entry)
            if self.table.cursor_entry == entry:
                self.update_detail()

    # ------------------------------------------------------------------ status lines

    @property
    def _shown_sort(self) -> SortKey:
        """The order the rows are in: buckets have neither size nor age, so always by name."""
        return SortKey.NAME if self._location.is_bucket_list else self._sort

    def _update_crumb(self) -> None:
        order = SORT_WORDS[self._shown_sort]
        parts: list[Content | tuple[str, str] | str] = [(f" {self._location.crumb()}", "bold")]
        parts.append((f"   sort: {order}{' (reversed)' if self._reverse else ''}", "$text-muted"))
        if self._filter:
            parts.append(("   filter: ", "$text-muted"))
            parts.append((self._filter, "bold $warning"))
        self.query_one("#crumb", Static).update(Content.assemble(*parts))

    def _update_totals(self) -> None:
        t = self._totals
        if self._location.is_bucket_list:
            parts = [f" {plural(t.prefixes, 'bucket')}"]
        else:
            parts = [f" {plural(t.objects, 'object')} · {humanfmt.size(t.bytes)}"]
            if t.prefixes:
                parts[0] += f" · {plural(t.prefixes, 'prefix', 'prefixes')}"
        if self._filter_totals is not None:
            f = self._filter_totals
            parts.append(f"filter: {plural(f.objects, 'object')} · {humanfmt.size(f.bytes)}")
        selected = list(self.table.selected.values())
        if selected:
            parts.append(f"{len(selected):,} selected · {humanfmt.size(sum(e.size for e in selected))}")
        if self._loading:
            parts.append(f"Loading… {t.objects + t.prefixes:,} objects")
        elif self._listing_error is not None and self._entries:
            parts.append("incomplete: listing failed (r retries)")
        self.query_one("#totals", Static).update(" │ ".join(parts))

    def update_detail(self) -> None:
        if self._side != "detail":
            return
        entry = self.table.cursor_entry
        made = self.actions.link_of(entry)
        empty = "Loading…" if self._loading else ""
        self.query_one(DetailPane).show(entry, self.state_of(entry) if entry else None,
                                        made[0] if made else None, self.jfs.clock(),
                                        empty=empty, link_words=made[1] if made else "")

    @on(ObjectTable.CursorMoved)
    def _cursor_moved(self) -> None:
        self.update_detail()

    @on(ObjectTable.SelectionChanged)
    def _selection_changed(self) -> None:
        self._update_totals()

    # ------------------------------------------------------------------ side panel

    def _show_side(self) -> None:
        side = self.query_one("#side")
        side.display = bool(self._side)
        self.query_one(DetailPane).display = self._side == "detail"
        self.query_one(BreakdownPanel).display = self._side == "breakdown"
        if self._side == "detail":
            self.update_detail()
        elif self._side == "breakdown":
            self._refresh_breakdown()

    def _refresh_breakdown(self) -> None:
        panel = self.query_one(BreakdownPanel)
        where = self._location.crumb() + (f" (filter {self._filter!r})" if self._filter else "")
        entries = list(self.table.rows) if self._filter else list(self._entries)
        panel.show_busy(where)
        self._breakdown_worker(entries, where, self._generation)

    @work(thread=True, exclusive=True, group="breakdown", exit_on_error=False)
    def _breakdown_worker(self, entries: list[ObjectEntry], where: str, generation: int) -> None:
        rows = breakdown(entries)
        total = sum(e.size for e in entries if not e.is_prefix)
        if not get_current_worker().is_cancelled:
            call_in_ui(self.app, self._breakdown_landed, generation, rows, where, total)

    def _breakdown_landed(self, generation: int, rows: Any, where: str, total: int) -> None:
        if generation == self._generation and self._side == "breakdown":
            self.query_one(BreakdownPanel).show(rows, where, total)

    # ------------------------------------------------------------------ navigation

    @on(ObjectTable.Opened)
    def _opened(self, event: ObjectTable.Opened) -> None:
        entry = event.entry
        if entry.is_prefix:
            self.load(Location(entry.bucket, entry.key))
        elif self._side != "detail":
            self._side = "detail"
            self._show_side()

    def action_up(self) -> None:
        parent = self._location.parent()
        if parent != self._location:
            self.load(parent, focus_key=self._location.child_key(parent))

    def action_refresh(self) -> None:
        entry = self.table.cursor_entry
        self.load(self._location, focus_key=entry_key(entry) if entry else None)

    def action_goto(self) -> None:
        mount_root = self.service.mount_root
        default = self._default_location()

        def chosen(target: Location | None) -> None:
            if target is not None:
                self.load(target)

        self.app.push_screen(GoToDialog(self._location, default, mount_root, default.bucket), chosen)

    def action_sort(self) -> None:
        index = SORT_CYCLE.index(self._sort)
        self.action_sort_by(SORT_CYCLE[(index + 1) % len(SORT_CYCLE)].value)

    def action_sort_by(self, key: str) -> None:
        self._sort = SortKey(key)
        self._update_crumb()
        self._schedule_view()

    def action_reverse(self) -> None:
        self._reverse = not self._reverse
        self._update_crumb()
        self._schedule_view()

    def action_details(self) -> None:
        self._side = "" if self._side == "detail" else "detail"
        self._show_side()

    def action_breakdown(self) -> None:
        self._side = "" if self._side == "breakdown" else "breakdown"
        self._show_side()

    # ------------------------------------------------------------------ filter

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._filter = event.value.strip()
        if self._filter_timer is not None:
            self._filter_timer.stop()
        # Live, but not on every keystroke of a fast typist over 100k rows.
        self._filter_due = True
        self._filter_timer = self.set_timer(0.12, self._filter_apply)

    def _filter_apply(self) -> None:
        self._filter_due = False
        self._update_crumb()
        self._schedule_view()
        if self._side == "breakdown":
            self._refresh_breakdown()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        box = self.query_one("#filter", Input)
        if not box.value.strip():
            box.display = False
        self.table.focus()

    def _clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""  # fires Changed -> re-filters
        box.display = False
        self._filter = ""
        self._filter_apply()
        self.table.focus()

    def action_escape(self) -> None:
        if self.focused is self.query_one("#filter"):
            self._clear_filter()
        elif self.table.clear_selection():
            return
        elif self._filter:
            self._clear_filter()

    # ------------------------------------------------------------------ object actions

    def action_share(self) -> None:
        self.actions.share()

    def action_copy_link(self) -> None:
        self.actions.copy_link()

    def action_copy_forms(self) -> None:
        self.actions.copy_forms()

    def action_download(self) -> None:
        self.actions.download()

    def action_delete(self) -> None:
        self.actions.delete()

    def deleted(self, gone: set[str]) -> None:
        """After a delete: drop the keys from the selection and list again, cursor in place."""
        for key in list(self.table.selected):
            if key[1] in gone:
                del self.table.selected[key]
        focus: EntryKey | None = None
        for entry in self.table.rows[self.table.cursor:]:
            if entry.key not in gone:
                focus = entry_key(entry)
                break
        self.load(self._location, focus_key=focus)

    # ------------------------------------------------------------------ app events

    def profile_changed(self, profile: Profile) -> None:
        self._checks.clear()
        self.actions.links.clear()
        self.table.clear_selection()
        self.load(self._default_location())

    def palette_commands(self) -> list[PaletteCommand]:
        # Derived from BINDINGS so that the palette offers every key's action and the two
        # never disagree; only actions without a key of their own are listed by hand.
        commands = []
        for binding in self.BINDINGS:
            assert isinstance(binding, Binding)
            key = binding.key_display or binding.key.split(",")[0]
            commands.append(PaletteCommand(f"Dumps: {binding.tooltip} ({key})",
                                           binding.description, binding.action))
        commands += [
            PaletteCommand(f"Dumps: Sort by {SORT_WORDS[key]}", "", f"sort_by('{key.value}')")
            for key in SORT_CYCLE
        ]
        commands.append(PaletteCommand("Dumps: Select every object shown (ctrl+a)", "",
                                       "select_all"))
        return commands

    def action_select_all(self) -> None:
        self.table.action_select_all()

