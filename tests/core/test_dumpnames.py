import pytest

from jfsconsole.core.dumpnames import DumpName, PodKind, app_of, parse_dump_name

D, S, G, P = PodKind.DEPLOYMENT, PodKind.STATEFULSET, PodKind.GENERATED, PodKind.POD


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "dev_order-service-7d4b9c8f6-x2x4z_heapDump.hprof",
            DumpName("dev", "order-service-7d4b9c8f6-x2x4z", "order-service", D),
        ),
        (
            "dumpfiles/test_user-center-5f6b8d9c4b-q8w7n_heapDump.hprof",
            DumpName("test", "user-center-5f6b8d9c4b-q8w7n", "user-center", D),
        ),
        # env with underscores: the pod is after the LAST underscore
        ("test_env_2_redis-0_heapDump.hprof", DumpName("test_env_2", "redis-0", "redis", S)),
        ("uat_kafka-12_heapDump.hprof", DumpName("uat", "kafka-12", "kafka", S)),
        ("prod_fluentd-x7k2p_heapDump.hprof", DumpName("prod", "fluentd-x7k2p", "fluentd", G)),
        ("dev_my-app_heapDump.hprof", DumpName("dev", "my-app", "my-app", P)),
        ("dev_debug_heapDump.hprof", DumpName("dev", "debug", "debug", P)),
        # suffix variants people type by hand
        ("dev_api-0_heapdump.hprof", DumpName("dev", "api-0", "api", S)),
        ("dev_api-0_HeapDump.HPROF", DumpName("dev", "api-0", "api", S)),
        ("dev_api-0_heap_dump.hprof", DumpName("dev", "api-0", "api", S)),
        ("dev_api-0_heap-dump.hprof", DumpName("dev", "api-0", "api", S)),
        ("dev_api-0_heapDump.hprof.gz", DumpName("dev", "api-0", "api", S, gzip=True)),
        ("dev_api-0_heapDump.hprof.p3", DumpName("dev", "api-0", "api", S, segment=3)),
        (
            "dev_api-0_heapDump.hprof.gz.p0",
            DumpName("dev", "api-0", "api", S, gzip=True, segment=0),
        ),
        # $project_env unset in the container
        ("_api-0_heapDump.hprof", DumpName("", "api-0", "api", S)),
        ("dev__heapDump.hprof", DumpName("dev", "", "", P)),
        # unicode and spaces in env are kept as they are
        ("测试 env_api-0_heapDump.hprof", DumpName("测试 env", "api-0", "api", S)),
    ],
)
def test_parse(name: str, expected: DumpName) -> None:
    assert parse_dump_name(name) == expected


@pytest.mark.parametrize(
    "name",
    [
        "java_pid1234.hprof",
        "x_heapDump.hprof",  # only one part: env or pod? don't guess
        "dev_api-0_heapDump.hprof.bak",
        "dev_api-0_heapDump.txt",
        "dev_api-0_heapDump.hprof/",
        ".keep",
        "dev_api-0_heapDumps.hprof",
        "",
    ],
)
def test_not_a_dump_name(name: str) -> None:
    assert parse_dump_name(name) is None


@pytest.mark.parametrize(
    ("pod", "app", "kind"),
    [
        ("web-7d4b9c8f6-x2x4z", "web", D),
        ("web-v2-7d4b9c8f6-x2x4z", "web-v2", D),
        ("web-565b9d4b6f-9tsmz", "web", D),
        ("web-bcd45-x2x4z", "web-bcd45", G),  # hash too short for a ReplicaSet
        ("web-7d4b9c8f6-abcde", "web-7d4b9c8f6-abcde", P),  # vowels never appear in suffixes
        ("web-1a2b3c4d5-x2x4z", "web-1a2b3c4d5", G),  # 1, 3, a never appear in hashes
        ("mysql-0", "mysql", S),
        ("mysql-10", "mysql", S),
        ("mysql-01", "mysql-01", P),  # ordinals have no leading zeros
        ("order-api-v2", "order-api-v2", P),
        ("nginx", "nginx", P),
        ("a-bcdfg", "a", G),
    ],
)
def test_app_of(pod: str, app: str, kind: PodKind) -> None:
    assert app_of(pod) == (app, kind)


def test_kind_values_are_json_friendly() -> None:
    assert [k.value for k in PodKind] == ["deployment", "statefulset", "generated", "pod"]
    assert f"{PodKind.DEPLOYMENT}" == "deployment"
