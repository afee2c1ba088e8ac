import random
import time
from datetime import UTC, datetime, timedelta

import pytest

from jfsconsole.core.listing import (
    OTHER_GROUP,
    UNSET_GROUP,
    BreakdownRow,
    SortKey,
    Totals,
    breakdown,
    filter_entries,
    make_matcher,
    sort_entries,
)
from jfsconsole.core.models import ObjectEntry

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def obj(name: str, size: int = 0, hours_ago: float | None = 1.0) -> ObjectEntry:
    when = None if hours_ago is None else NOW - timedelta(hours=hours_ago)
    return ObjectEntry("jfsdata", "dumpfiles/" + name, size, when)


def pre(name: str) -> ObjectEntry:
    return ObjectEntry("jfsdata", f"dumpfiles/{name}/", is_prefix=True)


def names(entries: list[ObjectEntry]) -> list[str]:
    return [e.name for e in entries]


SAMPLE = [
    obj("b_api-0_heapDump.hprof", 300, 5),
    pre("zeta"),
    obj("A_api-0_heapDump.hprof", 100, 1),
    obj("c_api-0_heapDump.hprof", 300, 3),
    pre("alpha"),
    obj("notes.txt", 5, None),
    obj("a_web-0_heapDump.hprof", 200, 2),
]


def test_sort_by_name_is_case_insensitive_prefixes_first() -> None:
    assert names(sort_entries(SAMPLE)) == [
        "alpha/", "zeta/",
        "A_api-0_heapDump.hprof", "a_web-0_heapDump.hprof", "b_api-0_heapDump.hprof",
        "c_api-0_heapDump.hprof", "notes.txt",
    ]  # fmt: skip


def test_sort_by_name_reversed_keeps_prefixes_first() -> None:
    assert names(sort_entries(SAMPLE, "name", reverse=True)) == [
        "zeta/", "alpha/",
        "notes.txt", "c_api-0_heapDump.hprof", "b_api-0_heapDump.hprof",
        "a_web-0_heapDump.hprof", "A_api-0_heapDump.hprof",
    ]  # fmt: skip


def test_sort_by_size_largest_first_ties_by_name() -> None:
    result = sort_entries(SAMPLE, SortKey.SIZE)
    assert names(result) == [
        "alpha/", "zeta/",
        "b_api-0_heapDump.hprof", "c_api-0_heapDump.hprof",  # 300, 300: by name
        "a_web-0_heapDump.hprof", "A_api-0_heapDump.hprof", "notes.txt",
    ]  # fmt: skip
    assert names(sort_entries([obj("b", 1), obj("B", 1), obj("a", 1)], "size")) == ["a", "B", "b"]
    reversed_ = sort_entries(SAMPLE, "size", reverse=True)
    assert names(reversed_)[2:] == [
        "notes.txt", "A_api-0_heapDump.hprof", "a_web-0_heapDump.hprof",
        "b_api-0_heapDump.hprof", "c_api-0_heapDump.hprof",
    ]  # fmt: skip


def test_sort_by_age_newest_first_unknown_time_last() -> None:
    assert names(sort_entries(SAMPLE, "age"))[2:] == [
        "A_api-0_heapDump.hprof", "a_web-0_heapDump.hprof", "c_api-0_heapDump.hprof",
        "b_api-0_heapDump.hprof", "notes.txt",
    ]  # fmt: skip
    assert names(sort_entries(SAMPLE, "age", reverse=True))[2] == "notes.txt"


def test_sort_is_deterministic_whatever_the_page_order() -> None:
    shuffled = SAMPLE[:]
    for seed in range(5):
        random.Random(seed).shuffle(shuffled)
        for key in SortKey:
            assert sort_entries(shuffled, key) == sort_entries(SAMPLE, key)


def test_sort_rejects_unknown_key() -> None:
    with pytest.raises(ValueError, match="choose name, size, age"):
        sort_entries(SAMPLE, "mtime")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 7),
        ("   ", 7),
        ("API", 3),  # case-insensitive substring
        ("web", 1),
        ("alpha", 1),  # prefixes match by name too
        ("a_*", 2),  # glob over the whole name/env/pod/app: "A_api..", "a_web.."
        ("*.TXT", 1),
        ("a", 6),  # substring: everything with an "a" (notes.txt has none)
        ("env:a", 2),  # field filter: env contains "a"
        ("env:A", 2),
        ("app:api", 3),
        ("pod:api-0", 3),
        ("app:we?", 1),  # glob on one field
        ("env:*", 4),  # every dump has an env; notes.txt and prefixes have none
        ("name:notes", 1),
        ("nope:x", 0),  # not a field: a plain substring "nope:x"
        ("zzz", 0),
    ],
)
def test_filter(text: str, expected: int) -> None:
    assert len(filter_entries(SAMPLE, text)) == expected


def test_filter_keeps_order_and_glob_matches_whole_fields() -> None:
    assert names(filter_entries(SAMPLE, "api")) == [
        "b_api-0_heapDump.hprof", "A_api-0_heapDump.hprof", "c_api-0_heapDump.hprof",
    ]  # fmt: skip
    # "ap?" as a glob must match a whole field: the app "api" does, no name does
    assert len(filter_entries(SAMPLE, "ap?")) == 3
    assert len(filter_entries(SAMPLE, "pi*")) == 0


def test_matcher_on_weird_names() -> None:
    weird = obj("100% [x] +1.hprof")
    assert make_matcher("100%")(weird)
    assert make_matcher("[x]")(weird) is False  # "[" makes it a glob: [x] is one char
    assert make_matcher("*[[]x]*")(weird)


def test_totals_add_in_pages_and_remove() -> None:
    totals = Totals()
    totals.add(SAMPLE[:3])
    totals.add(iter(SAMPLE[3:]))  # any iterable, as pages stream in
    assert (totals.objects, totals.bytes, totals.prefixes) == (5, 905, 2)
    assert Totals.of(SAMPLE) == totals
    totals.remove([SAMPLE[0], SAMPLE[1]])
    assert (totals.objects, totals.bytes, totals.prefixes) == (4, 605, 1)


def test_breakdown_by_env_and_app() -> None:
    entries = [
        obj("dev_order-7d4b9c8f6-x2x4z_heapDump.hprof", 1000),
        obj("dev_order-7d4b9c8f6-q8w7n_heapDump.hprof", 1500),
        obj("test_order-0_heapDump.hprof", 400),
        obj("test_pay-0_heapDump.hprof", 3000),
        obj("_pay-1_heapDump.hprof", 10),
        obj(".keep", 7),
        pre("old"),
    ]
    assert breakdown(entries) == [
        BreakdownRow("env", "test", 2, 3400),
        BreakdownRow("env", "dev", 2, 2500),
        BreakdownRow("env", UNSET_GROUP, 1, 10),
        BreakdownRow("env", OTHER_GROUP, 1, 7),
        BreakdownRow("app", "pay", 2, 3010),
        BreakdownRow("app", "order", 3, 2900),
        BreakdownRow("app", OTHER_GROUP, 1, 7),
    ]
    assert [r.group for r in breakdown(entries, kinds=["app"])] == ["pay", "order", OTHER_GROUP]
    with pytest.raises(ValueError):
        breakdown(entries, kinds=["pod"])


def test_breakdown_ties_sort_by_name() -> None:
    entries = [obj("b_x-0_heapDump.hprof", 5), obj("a_x-0_heapDump.hprof", 5)]
    assert [r.group for r in breakdown(entries, kinds=["env"])] == ["a", "b"]


def big_listing(n: int) -> list[ObjectEntry]:
    rng = random.Random(7)
    envs = ["dev", "test", "uat", "prod", "pre_prod"]
    apps = [f"svc{i}" for i in range(300)]
    entries = []
    for i in range(n):
        if i % 50 == 0:
            name = f"misc-{i}.log"
        else:
            name = f"{rng.choice(envs)}_{rng.choice(apps)}-7d4b9c8f6-x{i % 10}x4z_heapDump.hprof"
        entries.append(obj(name, rng.randrange(1, 2**33), rng.random() * 200))
    return entries


def test_100k_entries_stay_fast() -> None:
    # Generous bounds (a slow CI box): the point is catching O(n^2), which would take minutes.
    entries = big_listing(100_000)
    start = time.perf_counter()
    for key in SortKey:
        sort_entries(entries, key)
    filter_entries(entries, "svc12")
    filter_entries(entries, "app:svc1*")
    Totals.of(entries)
    breakdown(entries)
    assert time.perf_counter() - start < 15
