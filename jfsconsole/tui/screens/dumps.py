"""The Dumps screen: browse the dump prefix, see which dumps are whole, share, download, delete.

Threads, and why: listing pages, dump checks, sorting of big listings, share/download/delete
all block (boto3 or CPU), so each runs off the event loop and hands results back with
``call_from_thread``; a generation number drops answers for a location the user has left.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.timer import Timer
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from jfsconsole.backends.errors import BackendError, BadResponse
from jfsconsole.backends.s3 import DeleteResult
from jfsconsole.config import Profile
from jfsconsole.core import humanfmt
from jfsconsole.core.listing import SortKey, Totals, breakdown, filter_entries, sort_entries
from jfsconsole.core.models import ObjectEntry
from jfsconsole.core.sharing import ShareLink
from jfsconsole.services.dumps import DumpService, ReadOnlyError, is_protected
from jfsconsole.tui.locations import Location
from jfsconsole.tui.rows import StateValue, check_key
from jfsconsole.tui.screens.base import BaseScreen, PaletteCommand
from jfsconsole.tui.screens.confirm_delete import ConfirmDelete
from jfsconsole.tui.screens.copy_forms import CopyFormsDialog
from jfsconsole.tui.screens.download import DownloadDialog, DownloadOutcome, default_download_dir
from jfsconsole.tui.screens.goto import GoToDialog
from jfsconsole.tui.screens.share import ShareDialog
from jfsconsole.tui.state import SHORT_LABEL
from jfsconsole.tui.widgets.breakdown import BreakdownPanel
from jfsconsole.tui.widgets.detail_pane import DetailPane
from jfsconsole.tui.widgets.object_table import EntryKey, ObjectTable, entry_key

SORT_CYCLE = (SortKey.NAME, SortKey.SIZE, SortKey.AGE)
# Below this many rows sorting is quicker than a thread hop; above it, it runs in a worker.
SYNC_VIEW_LIMIT = 5_000
CHECK_THREADS = 4  # ranged GETs in flight at once: enough for a screenful, gentle on the gateway
CLIPBOARD_HINT = "if your clipboard did not get it, see ? → clipboard"
TMUX_HINT = "tmux passes it on only with `set -g set-clipboard on`"


def error_text(exc: BaseException) -> str:
    if isinstance(exc, BackendError):
        kind = exc.kind.replace("-", " ")
        text = f"{SHORT_LABEL.get(exc.backend, exc.backend)} {kind}: {exc.message}"
        if exc.hint:
            text += f" — {exc.hint}"
    else:
        text = f"unexpected {type(exc).__name__}: {exc}"
    return text + "\nr retries · g goes elsewhere · ctrl+r re-checks the backends"


class DumpsScreen(BaseScreen):
    MODE = "dumps"
    TITLE_TEXT = "Dumps"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (140, "-wide")]  # noqa: RUF012 (Textual declares it)
    BINDINGS: ClassVar[list[BindingType]] = [
        # ids make every key rebindable with App.set_keymap({"dumps.share": "ctrl+l"}).
        Binding("l", "share", "Link", id="dumps.share",
                tooltip="Make a presigned download link and copy it"),
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
        self._checks: dict[tuple[Any, ...], StateValue] = {}
        self._inflight: set[tuple[Any, ...]] = set()
        self._wanted: frozenset[tuple[Any, ...]] = frozenset()
        self._pool: ThreadPoolExecutor | None = None
        self._links: dict[EntryKey, tuple[ShareLink, str]] = {}  # link, expiry as typed
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
        return (self._loading or self._view_running or bool(self._inflight)
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
                                  selectable=self._selectable, clock=self.jfs.clock)
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
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def _tick(self) -> None:
        self.table.refresh()
        self._update_detail()

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
        self._update_detail()
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

    def _to_ui(self, callback: Any, *args: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the app is shutting down
            self.app.call_from_thread(callback, *args)

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
            self._apply_view(token, *self._compute_view(entries, self._sort, self._reverse, self._filter))
            return
        self._view_running = True
        self._view_worker(entries, token)

    @staticmethod
    def _compute_view(entries: list[ObjectEntry], sort: SortKey, reverse: bool,
                      text: str) -> tuple[list[ObjectEntry], Totals | None]:
        if entries and all(e.is_prefix and e.key == "" for e in entries):
            # The bucket list: core's name sort sees "/" for every bucket, so sort here.
            needle = text.casefold()
            shown = [e for e in entries if needle in e.bucket.casefold()]
            view = sorted(shown, key=lambda e: e.bucket, reverse=reverse)
            return view, (Totals.of(view) if text else None)
        shown = filter_entries(entries, text) if text else entries
        view = sort_entries(shown, sort, reverse=reverse)
        return view, (Totals.of(view) if text else None)

    @work(thread=True, exclusive=True, group="view", exit_on_error=False)
    def _view_worker(self, entries: list[ObjectEntry], token: tuple[Any, ...]) -> None:
        _, sort, reverse, text = token
        view, totals = self._compute_view(entries, sort, reverse, text)
        if not get_current_worker().is_cancelled:
            self._to_ui(self._view_landed, token, view, totals)

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
        table.sort_column = {SortKey.NAME: "name", SortKey.SIZE: "size", SortKey.AGE: "age"}[self._sort]
        table.sort_descending = (self._sort is not SortKey.NAME) != self._reverse
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
        self._update_detail()

    # ------------------------------------------------------------------ dump checks

    def state_of(self, entry: ObjectEntry) -> StateValue:
        return self._checks.get(check_key(entry))

    def _selectable(self, entry: ObjectEntry) -> bool:
        return not entry.is_prefix and not is_protected(entry.key)

    @on(ObjectTable.Viewed)
    def _viewed(self) -> None:
        # Debounced: scrolling through 100k rows must not queue a check for every row passed.
        if self._check_timer is not None:
            self._check_timer.stop()
        self._checks_due = True
        self._check_timer = self.set_timer(0.15, self._request_checks)

    def _request_checks(self) -> None:
        self._checks_due = False
        table = self.table
        first, last = table.visible_range()
        shown = [e for e in table.rows[first:last] if not e.is_prefix]
        self._wanted = frozenset(check_key(e) for e in shown)
        todo = [e for e in shown if check_key(e) not in self._checks and check_key(e) not in self._inflight]
        if not todo:
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(CHECK_THREADS, thread_name_prefix="dump-check")
        service = self.service
        for entry in todo:
            self._inflight.add(check_key(entry))
            self._pool.submit(self._check_one, service, entry)

    def _check_one(self, service: DumpService, entry: ObjectEntry) -> None:
        """Runs in the check pool: two small ranged GETs (cached by the service)."""
        key = check_key(entry)
        if key not in self._wanted:  # scrolled away before its turn came
            self._to_ui(self._inflight.discard, key)
            return
        result: StateValue
        try:
            result = service.check(entry)
        except BackendError as exc:
            result = exc
        except Exception as exc:
            result = BadResponse("s3", f"check of {entry.path} failed: {type(exc).__name__}: {exc}")
        self._to_ui(self._check_landed, service, entry, result)

    def _check_landed(self, service: DumpService, entry: ObjectEntry, result: StateValue) -> None:
        key = check_key(entry)
        self._inflight.discard(key)
        if service is not self.service:
            return  # from the previous profile
        self._checks[key] = result
        self.table.refresh_entry(entry)
        if self.table.cursor_entry == entry:
            self._update_detail()

    # ------------------------------------------------------------------ status lines

    def _update_crumb(self) -> None:
        order = {SortKey.NAME: "name A→Z", SortKey.SIZE: "size, largest first",
                 SortKey.AGE: "age, newest first"}[self._sort]
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

    def _update_detail(self) -> None:
        if self._side != "detail":
            return
        entry = self.table.cursor_entry
        made = self._links.get(entry_key(entry)) if entry is not None else None
        empty = "Loading…" if self._loading else ""
        self.query_one(DetailPane).show(entry, self.state_of(entry) if entry else None,
                                        made[0] if made else None, self.jfs.clock(),
                                        empty=empty, link_words=made[1] if made else "")

    @on(ObjectTable.CursorMoved)
    def _cursor_moved(self) -> None:
        self._update_detail()

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
            self._update_detail()
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
            self._to_ui(self._breakdown_landed, generation, rows, where, total)

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
        s3 = self.jfs.profile.s3
        mount_root = s3.mount_root if s3 else "/data/jfsdata"
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

    # ------------------------------------------------------------------ share and copy

    def _cursor_object(self, verb: str) -> ObjectEntry | None:
        entry = self.table.cursor_entry
        if entry is None or entry.is_prefix:
            self.notify(f"Move to an object to {verb} it (this row is a prefix)"
                        if entry else f"Nothing to {verb} here", severity="warning", timeout=3)
            return None
        return entry

    def action_share(self) -> None:
        entry = self._cursor_object("share")
        if entry is None:
            return

        def made(link: ShareLink | None) -> None:
            if link is None:
                return
            words = dialog.expiry_text or link.valid_for
            self._links[entry_key(entry)] = (link, words)
            self.app.copy_to_clipboard(link.url)
            self._update_detail()
            message = f"Link copied (valid {words}) — {CLIPBOARD_HINT}"
            if os.environ.get("TMUX"):
                message += f"; {TMUX_HINT}"
            self.notify(message, title="Share", timeout=8)

        dialog = ShareDialog(self.service, entry)
        self.app.push_screen(dialog, made)

    def action_copy_link(self) -> None:
        entry = self._cursor_object("copy the link of")
        if entry is None:
            return
        made = self._links.get(entry_key(entry))
        if made is None:
            self.notify("No link for this object yet: press l to make one", severity="warning",
                        timeout=4)
            return
        self.app.copy_to_clipboard(made[0].url)
        self.notify(f"Link copied again (valid {made[1]})", timeout=3)

    def action_copy_forms(self) -> None:
        entry = self._cursor_object("copy")
        if entry is None:
            return
        forms: dict[str, str] = {}
        made = self._links.get(entry_key(entry))
        if made is not None:
            forms["link"] = made[0].url
        forms.update(self.service.copy_forms(entry))

        def chosen(choice: tuple[str, str] | None) -> None:
            if choice is not None:
                label, text = choice
                self.app.copy_to_clipboard(text)
                self.notify(f"Copied {label}: {text if label != 'download link' else link_short(text)}",
                            timeout=4)

        self.app.push_screen(CopyFormsDialog(forms), chosen)

    # ------------------------------------------------------------------ download

    def action_download(self) -> None:
        entry = self._cursor_object("download")
        if entry is None:
            return

        def finished(outcome: DownloadOutcome | None) -> None:
            if outcome is None:
                return
            if outcome.path is not None:
                self.notify(f"Downloaded to {outcome.path}", title="Download", timeout=10)
            elif outcome.cancelled:
                self.notify("Download cancelled (no partial file left)", title="Download",
                            severity="warning")
            else:
                self.notify(outcome.error, title="Download failed", severity="error", timeout=15)

        self.app.push_screen(DownloadDialog(self.service, entry, default_download_dir()), finished)

    # ------------------------------------------------------------------ delete

    def action_delete(self) -> None:
        profile = self.jfs.profile
        if profile.ui.read_only:
            self.notify("read-only profile: delete is disabled", severity="warning", timeout=4)
            return
        chosen = list(self.table.selected.values())
        if not chosen and self.table.cursor_entry is not None:
            chosen = [self.table.cursor_entry]
        targets = [e for e in chosen if self._selectable(e)]
        if not targets:
            self.notify("Nothing to delete: prefixes and .keep are never deleted here",
                        severity="warning", timeout=4)
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._delete_worker(self.service, targets)

        self.app.push_screen(ConfirmDelete(targets, profile.display_label), confirmed)

    @work(thread=True, exit_on_error=False, group="delete")
    def _delete_worker(self, service: DumpService, targets: Sequence[ObjectEntry]) -> None:
        try:
            result: DeleteResult | BaseException = service.delete(targets, origin="tui")
        except Exception as exc:
            result = exc
        self._to_ui(self._deleted, targets, result)

    def _deleted(self, targets: Sequence[ObjectEntry], result: DeleteResult | BaseException) -> None:
        if isinstance(result, ReadOnlyError):
            self.notify(str(result), severity="warning")
            return
        if isinstance(result, BaseException):
            self.notify(str(result), title="Delete failed", severity="error", timeout=15)
            return
        gone = set(result.deleted)
        freed = sum(e.size for e in targets if e.key in gone)
        message = f"Deleted {plural(len(result.deleted), 'object')} ({humanfmt.size(freed)})"
        if result.skipped:
            message += f", skipped {len(result.skipped)}"
        severity: SeverityLevel = "information"
        if result.errors:
            severity = "error"
            shown = "; ".join(f"{key}: {msg}" for key, msg in result.errors[:3])
            more = f" (+{len(result.errors) - 3} more)" if len(result.errors) > 3 else ""
            message += f", {len(result.errors)} failed: {shown}{more}"
        self.notify(message, title="Delete", severity=severity, timeout=10 if result.errors else 5)
        for key in list(self.table.selected):
            if key[1] in gone:
                del self.table.selected[key]
        # Keep the cursor where it was: on the first row after it that still exists.
        focus: EntryKey | None = None
        rows = self.table.rows
        for entry in rows[self.table.cursor:]:
            if entry.key not in gone:
                focus = entry_key(entry)
                break
        self.load(self._location, focus_key=focus)

    # ------------------------------------------------------------------ app events

    def profile_changed(self, profile: Profile) -> None:
        self._checks.clear()
        self._inflight.clear()
        self._links.clear()
        self.table.clear_selection()
        self.load(self._default_location())

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            PaletteCommand("Dumps: share link (l)", "presign a download link and copy it", "share"),
            PaletteCommand("Dumps: copy link again (y)", "copy the last link of this object",
                           "copy_link"),
            PaletteCommand("Dumps: copy as s3 URI / path / in-pod path (Y)",
                           "copy the object in another form", "copy_forms"),
            PaletteCommand("Dumps: download (D)", "download the object under the cursor",
                           "download"),
            PaletteCommand("Dumps: delete (x)", "delete the selection, or the row", "delete"),
            PaletteCommand("Dumps: filter (/)", "filter by text, glob, env:, app:", "filter"),
            PaletteCommand("Dumps: clear filter / selection (esc)", "", "escape"),
            PaletteCommand("Dumps: sort by name", "A→Z, prefixes first", "sort_by('name')"),
            PaletteCommand("Dumps: sort by size", "largest first", "sort_by('size')"),
            PaletteCommand("Dumps: sort by age", "newest first", "sort_by('age')"),
            PaletteCommand("Dumps: reverse sort (S)", "", "reverse"),
            PaletteCommand("Dumps: breakdown by env and app (b)", "who fills the volume",
                           "breakdown"),
            PaletteCommand("Dumps: toggle details (i)", "", "details"),
            PaletteCommand("Dumps: go to bucket/prefix (g)", "", "goto"),
            PaletteCommand("Dumps: up one level (backspace)", "", "up"),
            PaletteCommand("Dumps: refresh listing (r)", "", "refresh"),
            PaletteCommand("Dumps: select all (ctrl+a)", "select every object shown",
                           "select_all"),
        ]

    def action_select_all(self) -> None:
        self.table.action_select_all()


def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else (words or word + 's')}"


def link_short(url: str) -> str:
    """A copied link in a notification: the path only, the signature stays off the screen."""
    return url.split("?", 1)[0] + "?…"

