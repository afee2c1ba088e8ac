from datetime import UTC, datetime
from pathlib import Path

import pytest

from jfsconsole.backends.audit import AuditLog, actor
from jfsconsole.core.sharing import (
    DEFAULT_EXPIRY,
    EXPIRY_PRESETS,
    MAX_EXPIRY,
    MIN_EXPIRY,
    endpoint_of,
    link_audit_fields,
    make_link,
    parse_expiry,
    redact_url,
)

NOW = datetime(2026, 12, 3, 14, 5, 7, 654321, tzinfo=UTC)
SIGNED = (
    "https://s3.example.com/jfsdata/dumpfiles/dev_x_heapDump.hprof"
    "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20261203%2Fus-east-1"
    "&X-Amz-Date=20261203T140507Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
    "&X-Amz-Signature=deadbeefcafe0123456789"
)


def test_bounds_and_presets() -> None:
    assert (MIN_EXPIRY, MAX_EXPIRY) == (1, 604800)
    assert DEFAULT_EXPIRY in EXPIRY_PRESETS
    assert [parse_expiry(p) for p in EXPIRY_PRESETS] == [3600, 86400, 604800]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1s", 1), ("24h", 86400), ("7d", 604800), ("1w", 604800), ("6d23h59m59s", 604799),
     ("0.5h", 1800), (90, 90), (604800, 604800)],
)  # fmt: skip
def test_parse_expiry_ok(text: str | int, seconds: int) -> None:
    assert parse_expiry(text) == seconds


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("8d", "8d is longer than 7 days, the most a SigV4 presigned link allows"),
        ("7d1s", "longer than 7 days"),
        ("2w", "longer than 7 days"),
        (604801, "longer than 7 days"),
        ("0s", "at least 1 second"),
        ("0", "at least 1 second"),
        (0, "at least 1 second"),
        ("1.5s", "whole number of seconds"),
        ("soon", "not a duration"),
        ("24", "unit is missing"),
    ],
)
def test_parse_expiry_refused(text: str | int, fragment: str) -> None:
    with pytest.raises(ValueError) as err:
        parse_expiry(text)
    assert fragment in str(err.value)


def test_make_link_calls_presign_with_seconds() -> None:
    calls: list[tuple[str, str, int]] = []

    def presign(bucket: str, key: str, seconds: int) -> str:
        calls.append((bucket, key, seconds))
        return SIGNED

    link = make_link(presign, "jfsdata", "dumpfiles/dev_x_heapDump.hprof", "24h", now=NOW)
    assert calls == [("jfsdata", "dumpfiles/dev_x_heapDump.hprof", 86400)]
    assert link.url == SIGNED
    assert link.expires_in == 86400
    # X-Amz-Date has whole seconds: expires_at must not be later than the real expiry
    assert link.expires_at == datetime(2026, 12, 4, 14, 5, 7, tzinfo=UTC)
    assert link.endpoint == "https://s3.example.com"
    assert link.valid_for == "1d"


def test_make_link_refuses_before_signing() -> None:
    def presign(bucket: str, key: str, seconds: int) -> str:
        raise AssertionError("must not be called")

    with pytest.raises(ValueError, match="longer than 7 days"):
        make_link(presign, "jfsdata", "k", "30d", now=NOW)


def test_repr_hides_the_signature() -> None:
    link = make_link(lambda b, k, s: SIGNED, "jfsdata", "k", now=NOW)
    assert "Signature" not in repr(link)
    assert "deadbeef" not in repr(link)


def test_audit_record_never_holds_the_signature(tmp_path: Path) -> None:
    link = make_link(lambda b, k, s: SIGNED, "jfsdata", "dumpfiles/dev_x_heapDump.hprof", "1h", now=NOW)
    audit = AuditLog(tmp_path / "audit.jsonl", "prod")
    audit.record("share", **link_audit_fields(link))
    written = (tmp_path / "audit.jsonl").read_text()
    for secret in ("deadbeef", "X-Amz", "AKIAEXAMPLE", "?"):
        assert secret not in written
    [record] = audit.read()
    user, host = actor()
    assert datetime.fromisoformat(record.pop("time")).tzinfo is not None
    assert record == {
        "user": user,
        "host": host,
        "profile": "prod",
        "action": "share",
        "bucket": "jfsdata",
        "key": "dumpfiles/dev_x_heapDump.hprof",
        "expires_in": 3600,
        "expires_at": "2026-12-03T15:05:07+00:00",
        "endpoint": "https://s3.example.com",
        "url": "https://s3.example.com/jfsdata/dumpfiles/dev_x_heapDump.hprof",
    }
    assert isinstance(record["user"], str) and record["user"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (SIGNED, "https://s3.example.com/jfsdata/dumpfiles/dev_x_heapDump.hprof"),
        ("http://user:secret@h:9000/b/k?x=1#frag", "http://h:9000/b/k"),
        ("http://[::1]:9000/b/a%20b?sig=1", "http://[::1]:9000/b/a%20b"),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


def test_endpoint_of() -> None:
    assert endpoint_of("http://user:pw@gw.local:9000/b/k?s=1") == "http://gw.local:9000"
