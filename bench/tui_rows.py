"""How fast 100,000 listing rows reach the screen: our virtual table vs Textual's DataTable.

Each variant runs headless (``App.run_test``) in its own subprocess so that peak RSS
(``resource.getrusage``: the high-water mark of a process) belongs to that variant alone:

* ``virtual``  ObjectTable.set_rows(100k ObjectEntry) and the first paint after it;
* ``pipeline`` the whole Dumps screen: 100 pages of 1,000 streamed from an in-memory store
               through the listing worker, sorted newest-first off the event loop, painted;
* ``datatable`` DataTable.add_rows with the same six text cells per row, and its first paint.

Usage: ``python bench/tui_rows.py [--rows N] [--skip-datatable]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jfsconsole.core.models import ObjectEntry  # noqa: E402

NOW = datetime(2025, 5, 6, 12, 0, tzinfo=UTC)
ENVS = ("dev", "test", "staging", "prod")
APPS = ("order-service-7d9f8b6c5d", "payment-api-5c6b7d8f9", "user-center", "report-job")


def synthetic(count: int) -> list[ObjectEntry]:
    return [
        ObjectEntry(
            "jfsdata",
            f"dumpfiles/{ENVS[i % 4]}_{APPS[i % 4]}-{i:05x}_heapDump.hprof",
            size=1_000_000 + (i * 7919) % 900_000_000,
            last_modified=NOW - timedelta(seconds=i * 37),
        )
        for i in range(count)
    ]


def peak_rss_mib() -> float:
    # ru_maxrss is KiB on Linux (bytes on macOS; this bench targets the Linux bastion).
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def run_virtual(count: int) -> dict[str, float]:
    from textual.app import App, ComposeResult

    from jfsconsole.tui.widgets.object_table import ObjectTable

    painted: list[float] = []

    class Probe(ObjectTable):
        def render_line(self, y: int) -> Any:
            painted.append(time.perf_counter())
            return super().render_line(y)

    class Bench(App[None]):
        def compose(self) -> ComposeResult:
            yield Probe(clock=lambda: NOW)

    rows = synthetic(count)
    rss_before = peak_rss_mib()
    app = Bench()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        table = app.query_one(Probe)
        painted.clear()
        start = time.perf_counter()
        table.set_rows(rows)
        loaded = time.perf_counter()
        await pilot.pause()
        await pilot.pause()
        first_paint = (max(painted) if painted else time.perf_counter()) - start
        # Scrolling to the end paints the last screenful: still only visible rows.
        painted.clear()
        t = time.perf_counter()
        await pilot.press("end")
        await pilot.pause()
        end_paint = (max(painted) if painted else time.perf_counter()) - t
    return {"load_s": loaded - start, "first_paint_s": first_paint, "end_key_s": end_paint,
            "rss_before_mib": rss_before, "peak_rss_mib": peak_rss_mib()}


async def run_pipeline(count: int) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    from jfsconsole.tui.screens.dumps import DumpsScreen
    from tests.tui import MemoryStore, memory_app

    objects = {e.key: (b"", e.last_modified or NOW) for e in synthetic(count)}
    store = MemoryStore(objects, page_size=1000)
    rss_before = peak_rss_mib()
    app = memory_app(store)
    start = time.perf_counter()
    first_rows = 0.0
    async with app.run_test(size=(120, 40)) as pilot:
        screen: DumpsScreen | None = None
        while True:
            await pilot.pause(0.005)
            screen = next((s for s in app.screen_stack if isinstance(s, DumpsScreen)), screen)
            if screen is None:
                continue
            if not first_rows and screen.table.rows:
                first_rows = time.perf_counter() - start
            if len(screen.table.rows) == count and not screen.busy:
                break
            if time.perf_counter() - start > 300:
                raise RuntimeError("pipeline did not finish in 300 s")
        done = time.perf_counter() - start
    return {"first_rows_s": first_rows, "all_rows_s": done, "rss_before_mib": rss_before,
            "peak_rss_mib": peak_rss_mib()}


async def run_datatable(count: int) -> dict[str, float]:
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    from jfsconsole.tui.rows import cells

    entries = synthetic(count)
    data = [(v["name"], v["size"], v["age"], v["env"], v["app"], "pending")
            for v in (cells(e, NOW) for e in entries)]

    class Bench(App[None]):
        def compose(self) -> ComposeResult:
            yield DataTable()

    rss_before = peak_rss_mib()
    app = Bench()
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(DataTable)
        table.add_columns("name", "size", "age", "env", "app", "state")
        await pilot.pause()
        start = time.perf_counter()
        table.add_rows(data)
        loaded = time.perf_counter()
        await pilot.pause()
        await pilot.pause()
        first_paint = time.perf_counter() - start
    return {"load_s": loaded - start, "first_paint_s": first_paint, "rss_before_mib": rss_before,
            "peak_rss_mib": peak_rss_mib()}


VARIANTS = {"virtual": run_virtual, "pipeline": run_pipeline, "datatable": run_datatable}


def child(variant: str, count: int) -> int:
    result = asyncio.run(VARIANTS[variant](count))
    print(json.dumps(result))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--skip-datatable", action="store_true")
    parser.add_argument("--variant", choices=sorted(VARIANTS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        return child(args.variant, args.rows)

    results: dict[str, dict[str, float]] = {}
    for variant in ("virtual", "pipeline", "datatable"):
        if variant == "datatable" and args.skip_datatable:
            continue
        print(f"running {variant} with {args.rows:,} rows…", file=sys.stderr, flush=True)
        proc = subprocess.run([sys.executable, __file__, "--variant", variant, "--rows", str(args.rows)],
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            print(proc.stderr[-2000:], file=sys.stderr)
            return 1
        results[variant] = json.loads(proc.stdout.strip().splitlines()[-1])

    v, p = results["virtual"], results["pipeline"]
    print(f"\n{args.rows:,} rows, headless 120x40, Python {sys.version.split()[0]}")
    print(f"{'variant':<34}{'rows in':>10}{'1st paint':>11}{'peak RSS':>11}")
    print(f"{'ObjectTable.set_rows':<34}{v['load_s']:>9.3f}s{v['first_paint_s']:>10.3f}s"
          f"{v['peak_rss_mib']:>8.0f} MiB")
    print(f"{'  end key (paint last screenful)':<34}{'':>10}{v['end_key_s']:>10.3f}s")
    print(f"{'Dumps screen, 100 pages streamed':<34}{p['all_rows_s']:>9.3f}s{p['first_rows_s']:>10.3f}s"
          f"{p['peak_rss_mib']:>8.0f} MiB   (from app start; 1st paint = first rows shown)")
    if "datatable" in results:
        d = results["datatable"]
        print(f"{'DataTable.add_rows':<34}{d['load_s']:>9.3f}s{d['first_paint_s']:>10.3f}s"
              f"{d['peak_rss_mib']:>8.0f} MiB")
        ratio = d["first_paint_s"] / max(v["first_paint_s"], 1e-9)
        print(f"\nDataTable / virtual table, time to first paint: {ratio:,.0f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
