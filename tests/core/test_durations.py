from datetime import timedelta

import pytest

from jfsconsole.core.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("90m", timedelta(minutes=90)),
        ("24h", timedelta(hours=24)),
        ("2d", timedelta(days=2)),
        ("1w", timedelta(weeks=1)),
        ("7d10h", timedelta(days=7, hours=10)),
        ("1w2d3h4m5s", timedelta(days=9, hours=3, minutes=4, seconds=5)),
        ("7D10H", timedelta(days=7, hours=10)),
        ("1W", timedelta(days=7)),
        ("  2d  ", timedelta(days=2)),
        ("7d 10h", timedelta(days=7, hours=10)),
        ("10h7d", timedelta(days=7, hours=10)),  # any order, like Go
        ("1h1h", timedelta(hours=2)),  # repeats add up, like Go
        ("1.5h", timedelta(minutes=90)),
        (".5m", timedelta(seconds=30)),
        ("0", timedelta(0)),
        ("0s", timedelta(0)),
        ("0d", timedelta(0)),
        ("1M", timedelta(minutes=1)),  # m is minutes in any case, never months
    ],
)
def test_parse_valid(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


def test_fractions_are_exact() -> None:
    # float arithmetic would give 0:00:00.299999 here
    assert parse_duration("0.1s0.1s0.1s") == timedelta(milliseconds=300)
    assert parse_duration("0.1d") == timedelta(hours=2, minutes=24)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("2x", "'2x' is not a duration"),
        ("2x", "90m, 24h, 2d, 1w or 7d10h"),
        ("", "empty duration"),
        ("   ", "empty duration"),
        ("90", "unit is missing"),
        ("1h30", "30m"),
        ("-2d", "negative"),
        ("d", "not a duration"),
        ("2 days", "unknown unit 'days'"),
        ("1ms", "unknown unit 'ms'"),
        ("2mo", "unknown unit 'mo'"),
        ("1e3s", "unknown unit"),
        ("2d!", "not a duration"),
        ("99999999999999d", "too long"),
    ],
)
def test_parse_invalid(text: str, fragment: str) -> None:
    with pytest.raises(ValueError) as err:
        parse_duration(text)
    assert fragment in str(err.value)


@pytest.mark.parametrize(
    ("td", "text"),
    [
        (timedelta(0), "0s"),
        (timedelta(seconds=45), "45s"),
        (timedelta(days=1, hours=2), "1d2h"),
        (timedelta(weeks=2), "14d"),
        (timedelta(days=9, hours=3, minutes=4, seconds=5), "9d3h4m5s"),
        (timedelta(hours=1, seconds=1), "1h1s"),
        (timedelta(seconds=-90), "-1m30s"),
        (timedelta(seconds=59, microseconds=999_999), "59s"),  # truncated, not rounded
    ],
)
def test_format(td: timedelta, text: str) -> None:
    assert format_duration(td) == text


def test_format_max_units_truncates() -> None:
    td = timedelta(days=2, hours=23, minutes=59)
    assert format_duration(td, max_units=1) == "2d"
    assert format_duration(td, max_units=2) == "2d23h"
    assert format_duration(td, max_units=0) == "2d"  # never empty


@pytest.mark.parametrize("seconds", [0, 1, 59, 60, 61, 3599, 3600, 86399, 86400, 604800, 10**8])
def test_round_trip(seconds: int) -> None:
    td = timedelta(seconds=seconds)
    assert parse_duration(format_duration(td)) == td
