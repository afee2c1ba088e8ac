"""Part 2 against the REAL JuiceFS S3 gateway of the session's local stack.

Reads use the seeded ``jfsdata/dumpfiles/``; anything that writes or deletes works under the
test's own ``scratch_prefix`` so other tests keep their seed.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from textual.widgets import Input

from jfsconsole.backends.audit import AuditLog
from jfsconsole.config import Profile, load_config, select_profile
from jfsconsole.core.hprof import DumpState
from jfsconsole.tui.app import JfsConsoleApp
from jfsconsole.tui.locations import Location
from jfsconsole.tui.screens.confirm_delete import ConfirmDelete
from jfsconsole.tui.screens.copy_forms import CopyFormsDialog
from jfsconsole.tui.screens.download import DownloadDialog
from jfsconsole.tui.screens.share import ShareDialog

from . import dumps_screen, go_to, move_to, notifications, settle, table_names, wait_until

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from jfsconsole.sandbox.stack import LocalStack

pytestmark = pytest.mark.gateway

EXPECTED = {
    "keep": DumpState.NOT_A_DUMP, "dump": DumpState.VALID, "truncated": DumpState.TRUNCATED,
    "gzip": DumpState.GZIP, "segment": DumpState.IN_PROGRESS, "empty": DumpState.EMPTY,
    "other": DumpState.NOT_A_DUMP,
}


def sandbox_profile(config_path: Path, tmp_path: Path, **ui: Any) -> tuple[Profile, Any]:
    config = load_config(config_path)
    prof = select_profile(config, "sandbox")
    prof = dataclasses.replace(prof, audit_log=str(tmp_path / "audit.jsonl"),
                               ui=dataclasses.replace(prof.ui, **ui))
    config.profiles["sandbox"] = prof
    return prof, config


def make_app(config_path: Path, tmp_path: Path, **ui: Any) -> JfsConsoleApp:
    prof, config = sandbox_profile(config_path, tmp_path, **ui)
    return JfsConsoleApp(prof, config)


async def test_seeded_dumps_stream_in_with_their_states(local_stack: LocalStack,
                                                        sandbox_config: Path, tmp_path: Path) -> None:
    app = make_app(sandbox_config, tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        assert app.backend_status["s3"].ok
        screen = dumps_screen(app)
        assert screen.location == Location("jfsdata", "dumpfiles/")
        by_name = {e.name: e for e in screen.table.rows}
        direct = [s for s in local_stack.seeded
                  if s.bucket == "jfsdata" and s.key.startswith("dumpfiles/")
                  and "/" not in s.key[len("dumpfiles/"):]]
        assert direct, "the stack seeded no dumps"
        for seeded in direct:
            # Tests write only under their scratch prefix: every seeded object is still there.
            entry = by_name.get(seeded.name)
            assert entry is not None, seeded.key
            assert entry.size == seeded.size, seeded.key
            state = screen.state_of(entry)
            assert getattr(state, "state", state) is EXPECTED[seeded.kind], seeded.key
        assert {"manual/", "archive/"} <= set(by_name)
        # Newest first, prefixes first.
        objects = [e for e in screen.table.rows if not e.is_prefix]
        times = [e.last_modified for e in objects]
        assert times == sorted(times, reverse=True)  # type: ignore[type-var]


async def test_navigate_prefixes_and_buckets(sandbox_config: Path, tmp_path: Path) -> None:
    app = make_app(sandbox_config, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = dumps_screen(app)
        await move_to(pilot, "archive/")
        await pilot.press("enter")
        await settle(pilot)
        assert screen.location == Location("jfsdata", "dumpfiles/archive/")
        assert table_names(app) == ["2024-q1/"]
        await pilot.press("enter")
        await settle(pilot)
        assert table_names(app) == ["dev_legacy-batch-0_heapDump.hprof"]
        await pilot.press("backspace", "backspace")
        await settle(pilot)
        assert screen.location == Location("jfsdata", "dumpfiles/")
        assert screen.table.cursor_entry is not None and screen.table.cursor_entry.name == "archive/"
        await pilot.press("backspace", "backspace")
        await settle(pilot)
        assert screen.location.is_bucket_list
        assert {"jfsdata/", "jfs-reports/"} <= set(table_names(app))
        await go_to(pilot, "s3://jfs-reports/weekly")
        assert table_names(app) == ["2024-w18.html"]


async def test_share_link_downloads_the_object(local_stack: LocalStack, s3_client: S3Client,
                                               sandbox_config: Path, tmp_path: Path) -> None:
    seeded = next(s for s in local_stack.seeded if s.kind == "dump" and s.key.count("/") == 1)
    app = make_app(sandbox_config, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await move_to(pilot, seeded.name)
        await pilot.press("l")
        assert isinstance(app.screen, ShareDialog)
        app.screen.query_one("#expiry", Input).value = "8d"
        await pilot.press("enter")
        await pilot.pause()
        assert "longer than 7 days" in str(app.screen.query_one("#share-error").render())
        await pilot.click("#preset-1h")
        await wait_until(pilot, lambda: not isinstance(app.screen, ShareDialog), what="link")
        url = app.clipboard
        assert url.startswith(local_stack.s3_endpoint) and "X-Amz-Expires=3600" in url
        assert url.replace("\n", "") in str(app.screen.query_one("#detail-link").render()).replace("\n", "")
    answer = httpx.get(url, timeout=30)
    assert answer.status_code == 200
    expected = s3_client.get_object(Bucket="jfsdata", Key=seeded.key)["Body"].read()
    assert answer.content == expected and len(expected) == seeded.size


async def test_copy_forms_real(local_stack: LocalStack, sandbox_config: Path, tmp_path: Path) -> None:
    seeded = next(s for s in local_stack.seeded if s.kind == "truncated")
    app = make_app(sandbox_config, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await move_to(pilot, seeded.name)
        await pilot.press("Y")
        assert isinstance(app.screen, CopyFormsDialog)
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        assert app.clipboard == f"/data/jfsdata/{seeded.key}"


async def test_download_real(local_stack: LocalStack, s3_client: S3Client, sandbox_config: Path,
                             tmp_path: Path) -> None:
    seeded = next(s for s in local_stack.seeded if s.kind == "gzip")
    app = make_app(sandbox_config, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await move_to(pilot, seeded.name)
        await pilot.press("D")
        assert isinstance(app.screen, DownloadDialog)
        app.screen.query_one("#download-dir", Input).value = str(tmp_path / "dl")
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, DownloadDialog), what="download")
    target = tmp_path / "dl" / seeded.name
    assert target.read_bytes() == s3_client.get_object(Bucket="jfsdata", Key=seeded.key)["Body"].read()
    assert not list((tmp_path / "dl").glob("*.part"))


async def test_delete_with_confirm_then_read_only_refuses(s3_client: S3Client, sandbox_config: Path,
                                                          tmp_path: Path, scratch_prefix: str) -> None:
    names = ["dev_a-0_heapDump.hprof", "dev_b-0_heapDump.hprof", "dev_c-0_heapDump.hprof"]
    for name in names:
        s3_client.put_object(Bucket="jfsdata", Key=scratch_prefix + name, Body=b"JAVA PROFILE 1.0.2\0")
    s3_client.put_object(Bucket="jfsdata", Key=scratch_prefix + ".keep", Body=b"keepdir")
    app = make_app(sandbox_config, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await go_to(pilot, f"jfsdata/{scratch_prefix}")
        assert sorted(table_names(app)) == sorted([".keep", *names])
        await pilot.press("s")  # name order: .keep, a, b, c
        await settle(pilot)
        await pilot.press("asterisk")  # selects a, b, c, never .keep
        screen = dumps_screen(app)
        assert len(screen.table.selected) == 3
        await move_to(pilot, names[2])
        await pilot.press("space")  # unselect c
        await pilot.press("x")
        assert isinstance(app.screen, ConfirmDelete)
        await pilot.press("tab", "enter")
        await settle(pilot)
        assert sorted(table_names(app)) == [".keep", names[2]]
        listed = s3_client.list_objects_v2(Bucket="jfsdata", Prefix=scratch_prefix)
        assert sorted(o["Key"] for o in listed["Contents"]) == [scratch_prefix + ".keep",
                                                                 scratch_prefix + names[2]]
        assert "Deleted 2 objects" in notifications(app)[-1]
        [deleted] = [a for a in AuditLog(tmp_path / "audit.jsonl", "").read() if a["action"] == "delete"]
        assert sorted(deleted["keys"]) == [scratch_prefix + names[0], scratch_prefix + names[1]]

    read_only = make_app(sandbox_config, tmp_path, read_only=True)
    async with read_only.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await go_to(pilot, f"jfsdata/{scratch_prefix}")
        await move_to(pilot, names[2])
        await pilot.press("x")
        assert not isinstance(read_only.screen, ConfirmDelete)
        assert read_only.screen.query_one("#badge-readonly").display
    listed = s3_client.list_objects_v2(Bucket="jfsdata", Prefix=scratch_prefix)
    assert scratch_prefix + names[2] in [o["Key"] for o in listed["Contents"]]


async def test_listing_streams_page_by_page(local_stack: LocalStack, sandbox_config: Path,
                                            tmp_path: Path, scratch_prefix: str) -> None:
    from jfsconsole.sandbox.seed import make_many_objects

    assert local_stack.volume is not None
    make_many_objects(local_stack.volume, "jfsdata", scratch_prefix, 2500)
    app = make_app(sandbox_config, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = dumps_screen(app)
        seen: list[int] = []
        original = screen._add_page

        def spy(generation: int, page: list[Any]) -> None:
            original(generation, page)
            seen.append(len(screen.table.rows))

        screen._add_page = spy  # type: ignore[method-assign]
        await go_to(pilot, f"jfsdata/{scratch_prefix}")
        # Rows were on screen before the listing had finished (pages of 1,000 keys).
        assert seen and 0 < seen[0] < 2500, seen
        assert len(screen.table.rows) == 2500
        assert "2,500 objects" in str(screen.query_one("#totals").render())
