from datetime import UTC, datetime, timedelta, timezone

import pytest

from jfsconsole.core import humanfmt

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0 Bytes"),
        (1, "1 Byte"),
        (1023, "1023 Bytes"),
        (1024, "1.0 KiB"),
        (1572864, "1.5 MiB"),
        (50 * 1024**3, "50.0 GiB"),
        (2**50, "1.0 PiB"),
    ],
)
def test_size_is_binary(n: int, text: str) -> None:
    assert humanfmt.size(n) == text


def test_count() -> None:
    assert humanfmt.count(100000) == "100,000"


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=-30), "just now"),  # clock skew: mtime in the future
        (timedelta(0), "just now"),
        (timedelta(milliseconds=900), "just now"),
        (timedelta(seconds=45), "45s"),
        (timedelta(seconds=119), "119s"),
        (timedelta(minutes=5), "5m"),
        (timedelta(minutes=5, seconds=7), "5m7s"),
        (timedelta(minutes=42, seconds=59), "42m"),
        (timedelta(hours=3), "3h"),
        (timedelta(hours=3, minutes=12), "3h12m"),
        (timedelta(hours=23, minutes=59), "23h"),
        (timedelta(hours=47, minutes=59), "47h"),  # one hour short of --older-than 2d
        (timedelta(days=2), "2d"),
        (timedelta(days=2, hours=5, minutes=59), "2d5h"),
        (timedelta(days=30, hours=5), "30d"),
        (timedelta(days=800), "2y70d"),
        (timedelta(days=365 * 10), "10y"),
    ],
)
def test_age(delta: timedelta, text: str) -> None:
    assert humanfmt.age(NOW - delta, NOW) == text


def test_age_accepts_naive_utc() -> None:
    naive = (NOW - timedelta(hours=5)).replace(tzinfo=None)
    assert humanfmt.age(naive, NOW) == "5h"


def test_timestamp_local_minutes() -> None:
    shanghai = timezone(timedelta(hours=8))
    dt = datetime(2026, 12, 3, 6, 5, 59, tzinfo=UTC)
    assert humanfmt.timestamp(dt, shanghai) == "2026-12-03 14:05"
    assert humanfmt.timestamp(dt, UTC) == "2026-12-03 06:05"
    assert humanfmt.timestamp(dt.replace(tzinfo=None), UTC) == "2026-12-03 06:05"
    assert len(humanfmt.timestamp(dt)) == 16  # the machine's own zone
