import pytest

from jfsconsole.core.objpath import ObjPath, in_pod_path, resolve, s3_uri

DEFAULTS = {"bucket": "jfsdata", "prefix": "dumpfiles/"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dev_x_heapDump.hprof", ("jfsdata", "dumpfiles/dev_x_heapDump.hprof")),
        ("", ("jfsdata", "dumpfiles/")),
        ("jfsdata/dumpfiles/x.hprof", ("jfsdata", "dumpfiles/x.hprof")),
        ("jfsdata/", ("jfsdata", "")),
        ("jfsdata/dumpfiles/", ("jfsdata", "dumpfiles/")),
        ("other-bucket/a/b", ("other-bucket", "a/b")),
        ("s3://jfsdata/dumpfiles/x", ("jfsdata", "dumpfiles/x")),
        ("S3://jfsdata/dumpfiles/x", ("jfsdata", "dumpfiles/x")),
        ("s3://jfsdata", ("jfsdata", "")),  # an s3 URI without "/" is a bucket
        ("s3://jfsdata/", ("jfsdata", "")),
        # what the JVM log prints ("Dumping heap to /data/jfsdata/...") works as typed
        ("/data/jfsdata/dumpfiles/x.hprof", ("jfsdata", "dumpfiles/x.hprof")),
        ("/data/jfsdata", ("jfsdata", "")),
        ("/data/jfsdata/", ("jfsdata", "")),
        # weird keys are passed through untouched: no URL decoding, no trimming
        ("a b.hprof", ("jfsdata", "dumpfiles/a b.hprof")),
        ("jfsdata/dumpfiles/100%25 +plus+.hprof", ("jfsdata", "dumpfiles/100%25 +plus+.hprof")),
        ("测试_堆-0_heapDump.hprof", ("jfsdata", "dumpfiles/测试_堆-0_heapDump.hprof")),
        (" leading and trailing ", ("jfsdata", "dumpfiles/ leading and trailing ")),
        ("jfsdata/a//b", ("jfsdata", "a//b")),
        (".keep", ("jfsdata", "dumpfiles/.keep")),
        ("..hidden", ("jfsdata", "dumpfiles/..hidden")),
    ],
)
def test_resolve(text: str, expected: tuple[str, str]) -> None:
    result = resolve(text, **DEFAULTS)
    assert result == expected
    assert isinstance(result, ObjPath)


def test_prefix_without_slash_and_empty_prefix() -> None:
    assert resolve("x", bucket="b0b", prefix="dumpfiles") == ("b0b", "dumpfiles/x")
    assert resolve("x", bucket="b0b") == ("b0b", "x")
    assert resolve("", bucket="b0b") == ("b0b", "")


def test_mount_root_and_pvc_bucket_are_configurable() -> None:
    result = resolve(
        "/mnt/dumps/x", bucket="other", prefix="p/", mount_root="/mnt/dumps/", pvc_bucket="jfsdata"
    )
    assert result == ("jfsdata", "x")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("/tmp/x.hprof", "starts with '/'"),
        ("/data/jfsdata2/x", "starts with '/'"),  # not under the mount root
        ("dev_x/heap.hprof", "'dev_x' is not a bucket name"),
        ("dev_x/heap.hprof", "jfsdata/dumpfiles/heap.hprof"),  # the hint shows the fix
        ("Jfsdata/x", "not a bucket name"),
        ("ab/x", "not a bucket name"),
        ("s3://", "not a bucket name"),
        ("s3:///x", "not a bucket name"),
        ("jfsdata/a/../b", "'..'"),
        ("..", "'..'"),
        ("/data/jfsdata/../etc", "'..'"),
    ],
)
def test_resolve_errors(text: str, fragment: str) -> None:
    with pytest.raises(ValueError) as err:
        resolve(text, **DEFAULTS)
    assert fragment in str(err.value)


def test_is_prefix() -> None:
    assert resolve("", **DEFAULTS).is_prefix
    assert resolve("jfsdata/", **DEFAULTS).is_prefix
    assert not resolve("x", **DEFAULTS).is_prefix


@pytest.mark.parametrize(
    ("bucket", "key", "expected"),
    [
        ("jfsdata", "dumpfiles/x.hprof", "/data/jfsdata/dumpfiles/x.hprof"),
        ("jfsdata", "dumpfiles/", "/data/jfsdata/dumpfiles/"),
        ("jfsdata", "", "/data/jfsdata"),
        ("jfsdata", "dumpfiles/a b%20+é", "/data/jfsdata/dumpfiles/a b%20+é"),
        ("other", "dumpfiles/x", None),
    ],
)
def test_in_pod_path(bucket: str, key: str, expected: str | None) -> None:
    assert in_pod_path(bucket, key) == expected


def test_in_pod_path_round_trips_through_resolve() -> None:
    key = "dumpfiles/dev_x y%+_heapDump.hprof"
    path = in_pod_path("jfsdata", key, "/data/jfsdata/")
    assert path == "/data/jfsdata/" + key
    assert resolve(path, **DEFAULTS) == ("jfsdata", key)


def test_s3_uri_round_trip() -> None:
    key = "dumpfiles/a b%20+é.hprof"
    uri = s3_uri("jfsdata", key)
    assert uri == "s3://jfsdata/dumpfiles/a b%20+é.hprof"
    assert resolve(uri, **DEFAULTS) == ("jfsdata", key)
    assert s3_uri("jfsdata") == "s3://jfsdata/"
