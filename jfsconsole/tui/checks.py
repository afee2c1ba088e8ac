"""Dump checks for the rows on screen: a bounded thread pool and a verdict cache.

Each check is two small ranged GETs. Only rows the user can see are checked; rows scrolled
away before their turn are skipped, so paging through 100k rows does not queue 100k checks.
No Textual here: the screen hands in ``deliver``, which must bring results back to the UI
thread, and every method except ``_run`` is called on the UI thread.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from jfsconsole.backends.errors import BackendError, BadResponse
from jfsconsole.core.models import ObjectEntry
from jfsconsole.services.dumps import DumpService
from jfsconsole.tui.rows import StateValue, check_key

CheckKey = tuple[str, str, int, datetime | None]
# deliver(service, entry, result) with result None when the check was skipped
Deliver = Callable[[DumpService, ObjectEntry, StateValue, bool], None]

CHECK_THREADS = 4  # GETs in flight at once: enough for a screenful, gentle on the gateway


class CheckPool:
    def __init__(self, threads: int = CHECK_THREADS) -> None:
        self._threads = threads
        self._results: dict[CheckKey, StateValue] = {}
        self._inflight: set[CheckKey] = set()
        # Replaced (never mutated) by the UI thread, read by pool threads.
        self._wanted: frozenset[CheckKey] = frozenset()
        self._pool: ThreadPoolExecutor | None = None

    @property
    def busy(self) -> bool:
        return bool(self._inflight)

    def state_of(self, entry: ObjectEntry) -> StateValue:
        return self._results.get(check_key(entry))

    def request(self, shown: Sequence[ObjectEntry], service: DumpService, deliver: Deliver) -> None:
        """Check the objects among ``shown`` that have no verdict yet; forget older wishes."""
        objects = [e for e in shown if not e.is_prefix]
        self._wanted = frozenset(check_key(e) for e in objects)
        todo = [e for e in objects
                if check_key(e) not in self._results and check_key(e) not in self._inflight]
        if not todo:
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="dump-check")
        for entry in todo:
            self._inflight.add(check_key(entry))
            self._pool.submit(self._run, service, entry, deliver)

    def _run(self, service: DumpService, entry: ObjectEntry, deliver: Deliver) -> None:
        """In a pool thread."""
        if check_key(entry) not in self._wanted:  # scrolled away before its turn came
            deliver(service, entry, None, False)
            return
        result: StateValue
        try:
            result = service.check(entry)
        except BackendError as exc:
            result = exc
        except Exception as exc:  # shown as "? error" on the row, never raised into the UI
            result = BadResponse("s3", f"check of {entry.path} failed: {type(exc).__name__}: {exc}")
        deliver(service, entry, result, True)

    def landed(self, entry: ObjectEntry, result: StateValue, done: bool) -> None:
        """Back on the UI thread: record the verdict (``done`` False: skipped, ask again later)."""
        key = check_key(entry)
        self._inflight.discard(key)
        if done:
            self._results[key] = result

    def clear(self) -> None:
        self._results.clear()
        self._inflight.clear()

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
