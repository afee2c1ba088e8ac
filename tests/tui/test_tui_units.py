"""Pure pieces of the TUI: column layout, name fitting, locations, views, help rows, checks."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from rich.cells import cell_len
from textual.binding import Binding

from jfsconsole.backends.errors import NotFound, Unreachable
from jfsconsole.core.hprof import DumpCheck, DumpState
from jfsconsole.core.listing import SortKey, breakdown
from jfsconsole.core.models import ObjectEntry
from jfsconsole.tui.checks import CheckPool
from jfsconsole.tui.keyhelp import binding_rows
from jfsconsole.tui.listing_view import compute_view, error_text
from jfsconsole.tui.locations import Location, parse_location
from jfsconsole.tui.rows import ellipsize_middle, fit, layout, short_name, state_cell
from jfsconsole.tui.state import BackendState
from jfsconsole.tui.widgets.breakdown import breakdown_content, share_bar

DUMP = "dev_order-service-7d9f8b6c5d-x2x7q_heapDump.hprof"


@pytest.mark.parametrize("width", [40, 60, 76, 78, 100, 118, 158, 240])
def test_layout_fills_the_width_and_keeps_the_name(width: int) -> None:
    columns = layout(width)
    assert columns[0].key == "name" and columns[0].width >= 16
    # marker, name, then each other column after a one-cell gap
    assert 2 + columns[0].width + sum(c.width + 1 for c in columns[1:]) == width


def test_layout_adds_time_and_pod_only_with_room() -> None:
    assert "time" not in {c.key for c in layout(76)}
    assert "time" in {c.key for c in layout(118)}
    assert "pod" not in {c.key for c in layout(158)}
    assert "pod" in {c.key for c in layout(240)}


@pytest.mark.parametrize("width", [12, 22, 29, 36, 60])
def test_short_name_keeps_the_pod_suffix_visible(width: int) -> None:
    text = short_name(DUMP, width)
    assert cell_len(text) <= width
    if width >= 22:
        assert "x2x7q" in text and text.endswith(".hprof")


def test_ellipsis_and_fit_count_cells_not_characters() -> None:
    assert cell_len(ellipsize_middle("测试_订单服务-0_heapDump.hprof", 11)) <= 11
    assert fit("order-service", 12) == "order-servi…"
    assert cell_len(fit("测试测试测试", 7)) == 7
    assert fit("7", 3, "right") == "  7"


def test_state_cells() -> None:
    valid = DumpCheck(DumpState.VALID, "complete")
    assert state_cell(valid, is_prefix=False, wide=True) == ("✓ valid", "ok")
    assert state_cell(DumpCheck(DumpState.TRUNCATED, "cut"), is_prefix=False, wide=False) == (
        "✗ trunc", "bad")
    assert state_cell(None, is_prefix=False, wide=True) == ("pending", "dim")
    assert state_cell(Unreachable("s3", "down"), is_prefix=False, wide=True)[0] == "? error"


def test_locations() -> None:
    default = Location("jfsdata", "dumpfiles/")
    assert parse_location("", default) == default
    assert parse_location("jfs-reports", default) == Location("jfs-reports", "")
    assert parse_location("s3://jfsdata/dumpfiles/archive", default) == Location(
        "jfsdata", "dumpfiles/archive/")
    assert parse_location("/data/jfsdata/dumpfiles", default) == Location("jfsdata", "dumpfiles/")
    with pytest.raises(ValueError, match="not a bucket name"):
        parse_location("Bad_Bucket/x", default)
    assert Location("jfsdata", "a/b/").parent() == Location("jfsdata", "a/")
    assert Location("jfsdata", "").parent() == Location("")
    assert Location("").parent() == Location("")


def test_compute_view_sorts_buckets_by_name_and_filters() -> None:
    buckets = [ObjectEntry(b, "", is_prefix=True) for b in ("zeta", "jfsdata", "alpha")]
    view, totals = compute_view(buckets, SortKey.AGE, False, "")
    assert [e.bucket for e in view] == ["alpha", "jfsdata", "zeta"] and totals is None
    view, totals = compute_view(buckets, SortKey.AGE, False, "JFS")
    assert [e.bucket for e in view] == ["jfsdata"] and totals is not None


def test_error_text() -> None:
    text = error_text(Unreachable("s3", "cannot connect to the S3 gateway at http://x:9000",
                                  hint="check s3.endpoint"))
    assert text.startswith("S3 unreachable: cannot connect to the S3 gateway at http://x:9000 — check")
    assert "r retries" in text
    assert error_text(RuntimeError("boom")).startswith("unexpected RuntimeError: boom")


def test_backend_state_words() -> None:
    assert BackendState("s3").word == "checking…"
    assert BackendState("kube", "auth-failed").word == "auth failed"
    state = BackendState.from_error("prometheus", NotFound("prometheus", "no /api/v1"))
    assert state.glyph == "✖" and "no /api/v1" in state.message


def test_help_rows_group_keys_by_action() -> None:
    rows = binding_rows([Binding("x,delete", "delete", "Delete", tooltip="Delete it"),
                         Binding("ctrl+a,asterisk", "all", tooltip="All"),
                         Binding("question_mark", "help", "Help")])
    assert rows == [("x del", "Delete it"), ("^a *", "All"), ("?", "Help")]


def test_breakdown_side_by_side_aligns_wide_characters() -> None:
    entries = [ObjectEntry("b", f"d/{env}_{app}-0_heapDump.hprof", size=size)
               for env, app, size in (("dev", "order", 5_000_000), ("测试", "订单服务", 3000))]
    text = breakdown_content(breakdown(entries), "b/d/", 5_003_000, 78, 7).plain
    lines = text.splitlines()
    assert len({cell_len(line) for line in lines[1:]}) == 1  # every row as wide as the header
    assert share_bar(0.0) == " " and share_bar(0.001) == "▏" and share_bar(1.0) == "█"


def test_check_pool_skips_rows_scrolled_away() -> None:
    started = threading.Event()
    release = threading.Event()
    calls: list[str] = []

    class Service:
        def check(self, entry: ObjectEntry) -> DumpCheck:
            calls.append(entry.key)
            started.set()
            release.wait(5)
            return DumpCheck(DumpState.VALID, "ok")

    delivered: list[tuple[str, bool]] = []
    done = threading.Event()

    def deliver(service: Any, entry: ObjectEntry, result: Any, finished: bool) -> None:
        delivered.append((entry.key, finished))
        if len(delivered) == 3:
            done.set()

    now = datetime.now(UTC)
    rows = [ObjectEntry("b", f"k{i}", 10, now) for i in range(3)]
    pool = CheckPool(threads=1)
    pool.request(rows[:1], Service(), deliver)  # type: ignore[arg-type]
    assert started.wait(5)
    pool.request(rows[1:2], Service(), deliver)  # type: ignore[arg-type]
    pool.request(rows[2:], Service(), deliver)  # type: ignore[arg-type]  # k1 is not wanted now
    release.set()
    assert done.wait(5)
    pool.shutdown()
    assert calls == ["k0", "k2"]
    assert ("k1", False) in delivered


def test_profile_prompt_names_label_and_badges_once() -> None:
    from jfsconsole.config import Profile, UISettings
    from jfsconsole.tui.screens.profiles import profile_prompt

    sandbox = profile_prompt(Profile("sandbox", ui=UISettings(label="SANDBOX", sandbox=True)), True)
    assert sandbox.plain.count("SANDBOX") == 1 and sandbox.plain.startswith("● sandbox")
    prod = profile_prompt(Profile("prod-eu", ui=UISettings(label="Prod EU", read_only=True)), False)
    assert "(Prod EU)" in prod.plain and "PROD" in prod.plain and "READ-ONLY" in prod.plain
    assert "no S3" in prod.plain
