"""Part 2, UI logic of the Dumps screen over an in-memory store (fast and deterministic).

The same behaviours against the real JuiceFS gateway are in test_dumps_gateway.py.
"""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from jfsconsole.backends.audit import AuditLog
from jfsconsole.core.hprof import DumpState
from jfsconsole.core.models import ObjectEntry
from jfsconsole.tui.locations import Location
from jfsconsole.tui.screens.confirm_delete import ConfirmDelete
from jfsconsole.tui.screens.copy_forms import CopyFormsDialog
from jfsconsole.tui.screens.download import DownloadDialog
from jfsconsole.tui.screens.goto import GoToDialog
from jfsconsole.tui.screens.share import ShareDialog
from jfsconsole.tui.widgets.breakdown import BreakdownPanel
from jfsconsole.tui.widgets.detail_pane import DetailPane

from . import (
    NOW,
    MemoryStore,
    dumps_screen,
    memory_app,
    move_to,
    notifications,
    sample_objects,
    settle,
    table_names,
    wait_until,
)

ORDER = "dev_order-service-7d9f8b6c5d-x2x7q_heapDump.hprof"
PAY = "prod_payment-api-5c6b7d8f9-k8s2m_heapDump.hprof"



@pytest.mark.parametrize("size", [(120, 40), (80, 24), (160, 50)])
async def test_listing_streams_sorts_newest_first_and_checks_states(size: tuple[int, int]) -> None:
    app = memory_app(MemoryStore(sample_objects(), page_size=2))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = dumps_screen(app)
        assert screen.location == Location("jfsdata", "dumpfiles/")
        names = table_names(app)
        assert names[0] == "archive/"  # prefixes first
        # newest first: the 2-minute-old segment, then the 1-hour-old dump...
        assert names[1:4] == ["dev_order-service-7d9f8b6c5d-q9w8r_heapDump.hprof.p0", ORDER, PAY]
        totals = str(screen.query_one("#totals").render())
        assert "7 objects" in totals and "1 prefix" in totals
        states = {e.name: screen.state_of(e) for e in screen.table.rows if not e.is_prefix}
        kinds = {name: getattr(s, "state", None) for name, s in states.items()}
        assert kinds[ORDER] is DumpState.VALID
        assert kinds[PAY] is DumpState.TRUNCATED
        assert kinds["staging_user-center-0_heapDump.hprof.gz"] is DumpState.GZIP
        assert kinds["dev_order-service-7d9f8b6c5d-q9w8r_heapDump.hprof.p0"] is DumpState.IN_PROGRESS
        assert kinds["test_report-job-28391-zxcvb_heapDump.hprof"] is DumpState.EMPTY
        assert kinds["notes.txt"] is DumpState.NOT_A_DUMP


async def test_only_visible_rows_are_checked() -> None:
    objects = {f"dumpfiles/dev_app-{i:04d}-0_heapDump.hprof": (b"JAVA PROFILE 1.0.2\0" + b"\0" * 30, NOW)
               for i in range(300)}
    store = MemoryStore(objects)
    app = memory_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        checked = {key for key, _ in store.reads}
        assert 0 < len(checked) <= 40  # a screenful, not 300
        screen = dumps_screen(app)
        await pilot.press("end")
        await settle(pilot)
        last = screen.table.rows[-1]
        assert screen.state_of(last) is not None
        assert len({key for key, _ in store.reads}) < 120


async def test_navigation_in_out_and_bucket_list() -> None:
    app = memory_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = dumps_screen(app)
        crumb = lambda: str(screen.query_one("#crumb").render())  # noqa: E731
        assert "jfsdata/dumpfiles/" in crumb()
        await pilot.press("home", "enter")  # archive/
        await settle(pilot)
        assert screen.location == Location("jfsdata", "dumpfiles/archive/")
        assert table_names(app) == ["2024-q1/"]
        await pilot.press("enter")
        await settle(pilot)
        assert table_names(app) == ["dev_legacy-batch-0_heapDump.hprof"]
        await pilot.press("backspace")
        await settle(pilot)
        assert screen.location == Location("jfsdata", "dumpfiles/archive/")
        assert screen.table.cursor_entry is not None and screen.table.cursor_entry.name == "2024-q1/"
        await pilot.press("left", "left")
        await settle(pilot)
        assert screen.location == Location("jfsdata", "")
        assert table_names(app) == ["dumpfiles/"]
        await pilot.press("backspace")
        await settle(pilot)
        assert screen.location.is_bucket_list
        assert table_names(app) == ["jfs-reports/", "jfsdata/"]
        assert "(buckets)" in crumb() and "2 buckets" in str(screen.query_one("#totals").render())
        # Buckets are in name order whatever the sort: the crumb and the column say so.
        assert "sort: name" in crumb() and screen.table.sort_column == "name"
        assert screen.table.cursor_entry is not None and screen.table.cursor_entry.bucket == "jfsdata"
        await pilot.press("enter")
        await settle(pilot)
        assert screen.location == Location("jfsdata", "")
        # g: go anywhere, including the in-pod path form.
        await pilot.press("g")
        assert isinstance(app.screen, GoToDialog)
        box = app.screen.query_one(Input)
        box.value = "/data/jfsdata/dumpfiles/archive"
        await pilot.press("enter")
        await settle(pilot)
        assert screen.location == Location("jfsdata", "dumpfiles/archive/")
        await pilot.press("g")
        app.screen.query_one(Input).value = "Not_A_Bucket/x"
        await pilot.press("enter")
        assert isinstance(app.screen, GoToDialog)  # stays open with the reason
        assert "is not a bucket name" in str(app.screen.query_one("#goto-error").render())
        await pilot.press("escape")


async def test_missing_bucket_shows_error_in_table_area() -> None:
    app = memory_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = dumps_screen(app)
        screen.load(Location("nosuchbucket", ""))
        await settle(pilot)
        error = screen.query_one("#listing-error")
        assert error.display
        assert str(error.render()).startswith("S3 not found: no such bucket: nosuchbucket")
        await pilot.press("backspace")
        await settle(pilot)
        assert not screen.query_one("#listing-error").display


async def test_sort_cycle_and_reverse() -> None:
    app = memory_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = dumps_screen(app)
        await pilot.press("s")  # age -> name
        await settle(pilot)
        objects = [n for n in table_names(app) if not n.endswith("/")]
        assert objects == sorted(objects, key=str.casefold)
        assert "sort: name A→Z" in str(screen.query_one("#crumb").render())
        await pilot.press("s")  # -> size, largest first
        await settle(pilot)
        sizes = [e.size for e in screen.table.rows if not e.is_prefix]
        assert sizes == sorted(sizes, reverse=True)
        await pilot.press("S")
        await settle(pilot)
        sizes = [e.size for e in screen.table.rows if not e.is_prefix]
        assert sizes == sorted(sizes)
        assert table_names(app)[0] == "archive/"  # prefixes stay first whatever the order


async def test_filter_live_totals_and_escape() -> None:
    app = memory_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = dumps_screen(app)
        await pilot.press("slash")
        assert app.focused is screen.query_one("#filter")
        await pilot.press(*"env:prod")
        await settle(pilot)
        assert table_names(app) == [PAY]
        totals = str(screen.query_one("#totals").render())
        assert "filter: 1 object" in totals and "7 objects" in totals
        await pilot.press("enter")  # keeps the filter, back to the table
        assert app.focused is screen.table
        await pilot.press("escape")
        await settle(pilot)
        assert len(table_names(app)) == 8
        await pilot.press("slash", *"*.gz")
        await settle(pilot)
        assert table_names(app) == ["staging_user-center-0_heapDump.hprof.gz"]
        await pilot.press("escape")  # from inside the input: clears and closes
        await settle(pilot)
        assert not screen.query_one("#filter").display
        assert len(table_names(app)) == 8


async def test_share_validates_copies_and_shows_link(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    monkeypatch.setenv("TMUX", "/tmp/tmux-0/default,1,0")
    app = memory_app(audit_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await move_to(pilot, ORDER)
        await pilot.press("l")
        assert isinstance(app.screen, ShareDialog)
        box = app.screen.query_one("#expiry", Input)
        box.value = "9d"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ShareDialog)
        assert "longer than 7 days" in str(app.screen.query_one("#share-error").render())
        box.value = "90m"
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, ShareDialog), what="dialog closed")
        assert app.clipboard.startswith(f"http://s3.example.test/jfsdata/dumpfiles/{ORDER}?")
        assert "X-Amz-Expires=5400" in app.clipboard
        detail = str(app.screen.query_one("#detail-link").render())
        assert app.clipboard in detail.replace("\n", "") and "valid 90m" in detail
        message = notifications(app)[-1]
        assert "Link copied (valid 90m)" in message and "set -g set-clipboard on" in message
        audit = AuditLog(tmp_path / "audit.jsonl", "").read()
        assert audit[-1]["action"] == "share" and "Signature" not in audit[-1]["url"]
        # y copies again; a preset button makes a 7d link.
        app.copy_to_clipboard("something else")
        await pilot.press("y")
        assert "X-Amz-Expires=5400" in app.clipboard
        await pilot.press("l")
        await pilot.click("#preset-7d")
        await wait_until(pilot, lambda: "X-Amz-Expires=604800" in app.clipboard, what="7d link")


async def test_copy_forms_menu() -> None:
    app = memory_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await move_to(pilot, ORDER)
        await pilot.press("Y")
        assert isinstance(app.screen, CopyFormsDialog)
        await pilot.press("enter")  # first form: s3 URI (no link made yet)
        await pilot.pause()
        assert app.clipboard == f"s3://jfsdata/dumpfiles/{ORDER}"
        await pilot.press("Y", "down", "enter")
        await pilot.pause()
        assert app.clipboard == f"jfsdata/dumpfiles/{ORDER}"
        await pilot.press("Y", "down", "down", "enter")
        await pilot.pause()
        assert app.clipboard == f"/data/jfsdata/dumpfiles/{ORDER}"
        await pilot.press("y")  # no link yet: says so
        assert "press l" in notifications(app)[-1]


async def test_delete_confirm_defaults_to_cancel_then_deletes(tmp_path: Path) -> None:
    store = MemoryStore(sample_objects())
    app = memory_app(store, audit_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = dumps_screen(app)
        await move_to(pilot, ORDER)
        await pilot.press("space", "space")  # ORDER and PAY
        assert len(screen.table.selected) == 2
        await pilot.press("x")
        assert isinstance(app.screen, ConfirmDelete)
        question = str(app.screen.query_one("#delete-question").render())
        assert question.startswith("Delete 2 objects") and ORDER in question
        await pilot.press("enter")  # Cancel has the focus
        await pilot.pause()
        assert f"dumpfiles/{ORDER}" in store.objects
        await pilot.press("x", "tab", "enter")
        await settle(pilot)
        assert f"dumpfiles/{ORDER}" not in store.objects and f"dumpfiles/{PAY}" not in store.objects
        assert ORDER not in table_names(app)
        assert "Deleted 2 objects" in notifications(app)[-1]
        assert not screen.table.selected
        [deleted] = [a for a in AuditLog(tmp_path / "audit.jsonl", "").read() if a["action"] == "delete"]
        assert sorted(deleted["keys"]) == [f"dumpfiles/{ORDER}", f"dumpfiles/{PAY}"]


async def test_keep_and_prefixes_are_never_offered() -> None:
    app = memory_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = dumps_screen(app)
        await pilot.press("asterisk")
        names = {key.rsplit("/", 1)[-1] for _, key in screen.table.selected}
        assert ".keep" not in names and "archive" not in names and len(names) == 6
        await pilot.press("ctrl+a")  # again: select none
        assert not screen.table.selected
        await move_to(pilot, ".keep")
        await pilot.press("x")
        assert not isinstance(app.screen, ConfirmDelete)
        assert ".keep are never deleted" in notifications(app)[-1]


async def test_read_only_profile_refuses_delete() -> None:
    store = MemoryStore(sample_objects())
    app = memory_app(store, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await move_to(pilot, ORDER)
        await pilot.press("x")
        assert not isinstance(app.screen, ConfirmDelete)
        assert notifications(app)[-1] == "read-only profile: delete is disabled"
        assert f"dumpfiles/{ORDER}" in store.objects


async def test_download_writes_file_and_notifies(tmp_path: Path) -> None:
    app = memory_app(audit_dir=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await move_to(pilot, ORDER)
        await pilot.press("D")
        assert isinstance(app.screen, DownloadDialog)
        app.screen.query_one("#download-dir", Input).value = str(tmp_path / "dl")
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, DownloadDialog))
        target = tmp_path / "dl" / ORDER
        assert target.read_bytes() == sample_objects()[f"dumpfiles/{ORDER}"][0]
        assert f"Downloaded to {target}" in notifications(app)[-1]
        # Second time: the existing file is named and needs a second enter.
        await pilot.press("D")
        app.screen.query_one("#download-dir", Input).value = str(tmp_path / "dl")
        await pilot.press("enter")
        assert "exists: press enter again" in str(app.screen.query_one("#download-warning").render())
        await pilot.press("escape")


async def test_breakdown_and_detail_toggle() -> None:
    app = memory_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        screen = dumps_screen(app)
        await move_to(pilot, ORDER)
        detail = str(screen.query_one("#detail-body").render())
        assert "✓ valid — complete HPROF 1.0.2 dump" in detail
        assert "4,040 bytes" in detail and "dev · order-service (deployment)" in detail
        await pilot.press("b")
        await settle(pilot)
        panel = screen.query_one(BreakdownPanel)
        assert panel.display and not screen.query_one(DetailPane).display
        text = str(panel.render())
        assert "by env" in text and "by app" in text and "order-service" in text
        await pilot.press("i")
        assert screen.query_one(DetailPane).display
        await pilot.press("i")
        assert not screen.query_one("#side").display


async def test_big_listing_sorts_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from jfsconsole.tui.listing_view import SYNC_VIEW_LIMIT
    from jfsconsole.tui.screens import dumps as dumps_module

    calls: list[tuple[int, bool]] = []  # (entries, on the event loop's thread)
    real_compute_view = dumps_module.compute_view

    def recording_compute_view(entries: list[ObjectEntry], *args: Any) -> Any:
        calls.append((len(entries), threading.current_thread() is threading.main_thread()))
        return real_compute_view(entries, *args)

    monkeypatch.setattr(dumps_module, "compute_view", recording_compute_view)
    count = 12_000
    objects = {f"dumpfiles/dev_svc{i % 50}-0_{i:06d}_heapDump.hprof": (b"", NOW - timedelta(seconds=i))
               for i in range(count)}
    app = memory_app(MemoryStore(objects))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, timeout=60)
        screen = dumps_screen(app)
        assert len(screen.table.rows) == count
        assert f"{count:,} objects" in str(screen.query_one("#totals").render())
        first: ObjectEntry = screen.table.rows[0]
        assert first.key.endswith("000000_heapDump.hprof")  # newest first
    big = [on_loop for n, on_loop in calls if n > SYNC_VIEW_LIMIT]
    assert big and not any(big), calls


class SlowStore(MemoryStore):
    def download(self, bucket: str, key: str, dest: Path, **kw: Any) -> Path:
        from jfsconsole.backends.s3 import Cancelled

        part = dest.with_name(dest.name + ".part")
        part.parent.mkdir(parents=True, exist_ok=True)
        part.write_bytes(b"")
        for _ in range(500):
            if kw["cancelled"]():
                part.unlink()
                raise Cancelled()
            kw["progress"](8)
            time.sleep(0.01)
        raise AssertionError("never cancelled")


async def test_download_progress_and_cancel(tmp_path: Path) -> None:
    app = memory_app(SlowStore(sample_objects()))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await move_to(pilot, ORDER)
        await pilot.press("D")
        app.screen.query_one("#download-dir", Input).value = str(tmp_path)
        await pilot.press("enter")
        stats = app.screen.query_one("#download-stats")
        await wait_until(pilot, lambda: "/ 3.9 KiB" in str(stats.render()) and "/s" in str(stats.render()),
                         what="progress with a rate")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, DownloadDialog), what="cancel")
        assert "Download cancelled" in notifications(app)[-1]
        assert not list(tmp_path.iterdir())


async def test_escape_closes_every_dialog() -> None:
    from jfsconsole.tui.screens.dumps import DumpsScreen

    app = memory_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await move_to(pilot, ORDER)
        for key in ("l", "Y", "D", "g", "x", "p", "question_mark"):
            await pilot.press(key)
            await pilot.pause()
            assert not isinstance(app.screen, DumpsScreen), key
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, DumpsScreen), key
