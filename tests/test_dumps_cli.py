"""The Dumps CLI end to end against the real JuiceFS S3 gateway of the local stack."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from jfsconsole.backends.audit import AuditLog
from jfsconsole.cli import main
from jfsconsole.core.hprof import DumpState
from jfsconsole.sandbox.seed import hprof_bytes

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from jfsconsole.sandbox.stack import LocalStack

EditConfig = Callable[..., Path]  # the edit_config fixture

pytestmark = pytest.mark.gateway


def run_cli(capsys: pytest.CaptureFixture[str], config: Path, *argv: str) -> tuple[int, str, str]:
    code = main(["--config", str(config), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], config: Path, *argv: str) -> Any:
    code, out, err = run_cli(capsys, config, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


@pytest.fixture
def audit_config(sandbox_config: Path, tmp_path: Path, edit_config: EditConfig) -> Path:
    """The sandbox config with its audit log in this test's tmp dir."""
    return edit_config(sandbox_config, lambda doc: doc["profiles"]["sandbox"].update(
        audit_log=str(tmp_path / "audit.jsonl")))


def test_ls_json_matches_seeded_dumps(capsys: pytest.CaptureFixture[str], sandbox_config: Path,
                                      local_stack: LocalStack) -> None:
    doc = run_json(capsys, sandbox_config, "ls")
    assert doc["bucket"] == "jfsdata" and doc["prefix"] == "dumpfiles/"
    objects = {e["name"]: e for e in doc["entries"] if e["type"] == "object"}
    seeded = [s for s in local_stack.seeded
              if s.bucket == "jfsdata" and s.key.count("/") == 1 and s.key.startswith("dumpfiles/")]
    assert seeded, "the stack seeded nothing at the top of dumpfiles/"
    for item in seeded:
        entry = objects[item.name]
        assert entry["size"] == item.size
        if item.aged:  # LastModified is the file mtime the seeder set
            assert abs(entry["age_seconds"] - item.age.total_seconds()) < 600
    assert doc["totals"]["objects"] == len(objects)
    assert doc["totals"]["bytes"] == sum(e["size"] for e in objects.values())
    order = objects["dev_order-service-7d9f8b6c5d-x2x7q_heapDump.hprof"]
    assert (order["env"], order["app"]) == ("dev", "order-service")
    assert any(e["type"] == "prefix" for e in doc["entries"])
    assert doc["entries"][0]["type"] == "prefix"  # prefixes first


def test_ls_sort_by_size_and_age(capsys: pytest.CaptureFixture[str], sandbox_config: Path) -> None:
    by_size = [e for e in run_json(capsys, sandbox_config, "ls", "--sort", "size")["entries"]
               if e["type"] == "object"]
    sizes = [e["size"] for e in by_size]
    assert sizes == sorted(sizes, reverse=True)
    by_age = [e for e in run_json(capsys, sandbox_config, "ls", "--sort", "age")["entries"]
              if e["type"] == "object"]
    ages = [e["age_seconds"] for e in by_age]
    assert ages == sorted(ages)


def test_ls_check_states_for_each_kind(capsys: pytest.CaptureFixture[str], sandbox_config: Path,
                                       local_stack: LocalStack) -> None:
    doc = run_json(capsys, sandbox_config, "ls", "--check")
    states = {e["key"]: e["state"] for e in doc["entries"] if e["type"] == "object"}
    expected = {"dump": DumpState.VALID, "truncated": DumpState.TRUNCATED,
                "gzip": DumpState.GZIP, "segment": DumpState.IN_PROGRESS,
                "empty": DumpState.EMPTY, "keep": DumpState.NOT_A_DUMP}
    seen = set()
    for item in local_stack.seeded:
        if item.key in states and item.kind in expected:
            assert states[item.key] == expected[item.kind].value, item.key
            seen.add(item.kind)
    assert seen == set(expected)


def test_ls_buckets_recursive_and_bad_path(capsys: pytest.CaptureFixture[str],
                                          sandbox_config: Path) -> None:
    assert "jfsdata" in run_json(capsys, sandbox_config, "ls", "/")["buckets"]
    deep = run_json(capsys, sandbox_config, "ls", "jfsdata/dumpfiles/", "-r")
    assert any("/archive/" in e["key"] for e in deep["entries"])
    assert all(e["type"] == "object" for e in deep["entries"])
    code, _, err = run_cli(capsys, sandbox_config, "ls", "Bad_Bucket/x")
    assert code == 2 and "not a bucket name" in err
    code, out, err = run_cli(capsys, sandbox_config, "ls", "nosuchbucket/", "--json")
    assert code == 1
    assert json.loads(out)["error"]["kind"] == "not-found"
    assert "no such bucket" in err


def test_share_link_downloads_the_object(capsys: pytest.CaptureFixture[str], audit_config: Path,
                                         s3_client: S3Client, scratch_prefix: str) -> None:
    key = f"{scratch_prefix}a b+c%d ü.hprof"
    body = hprof_bytes(4096, timestamp_ms=1_700_000_000_000)
    s3_client.put_object(Bucket="jfsdata", Key=key, Body=body)
    code, out, err = run_cli(capsys, audit_config, "share", f"jfsdata/{key}", "--expire", "90m")
    assert code == 0, err
    url = out.strip()
    assert "\n" not in url and "X-Amz-Expires=5400" in url
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == body
    audit = AuditLog(audit_config.parent / "audit.jsonl", "").read()
    assert audit[-1]["action"] == "share" and audit[-1]["key"] == key
    signature = url.split("X-Amz-Signature=")[1]
    assert signature not in json.dumps(audit)


@pytest.mark.parametrize(("expire", "fragment"),
                         [("8d", "longer than 7 days"), ("0s", "at least 1 second"),
                          ("soon", "not a duration")])
def test_share_refuses_bad_expiry(capsys: pytest.CaptureFixture[str], sandbox_config: Path,
                                  expire: str, fragment: str) -> None:
    code, out, err = run_cli(capsys, sandbox_config, "share",
                             "dev_order-service-7d9f8b6c5d-x2x7q_heapDump.hprof",
                             "--expire", expire)
    assert code == 2
    assert out == ""
    assert fragment in err


def test_share_limits_are_enforced_by_the_gateway_too(local_stack: LocalStack) -> None:
    """Why we refuse > 7 days: the gateway rejects such links when they are used."""
    from jfsconsole.backends.s3 import S3Store
    from jfsconsole.config import S3Settings

    store = S3Store(S3Settings(endpoint=local_stack.s3_endpoint), local_stack.s3_access_key,
                    local_stack.s3_secret_key)
    url = store.presign_get("jfsdata", "dumpfiles/.keep", 8 * 86400)
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(url, timeout=10)
    assert info.value.code in (400, 403)


def test_get_downloads_and_leaves_no_part(capsys: pytest.CaptureFixture[str], audit_config: Path,
                                          s3_client: S3Client, scratch_prefix: str,
                                          tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = f"{scratch_prefix}big_heapDump.hprof"
    body = hprof_bytes(3 * 1024 * 1024, timestamp_ms=1_700_000_000_000)
    s3_client.put_object(Bucket="jfsdata", Key=key, Body=body)
    out_dir = tmp_path / "dl"
    doc = run_json(capsys, audit_config, "get", f"jfsdata/{key}", "-o", str(out_dir))
    path = Path(doc["path"])
    assert path == out_dir / "big_heapDump.hprof"
    assert path.read_bytes() == body
    assert list(out_dir.iterdir()) == [path]
    # A second download does not replace the file unless asked to.
    path.write_bytes(b"evidence")
    code, _, err = run_cli(capsys, audit_config, "get", f"jfsdata/{key}", "-o", str(out_dir))
    assert code == 1 and "--force" in err and path.read_bytes() == b"evidence"
    run_json(capsys, audit_config, "get", f"jfsdata/{key}", "-o", str(out_dir), "--force")
    assert path.read_bytes() == body
    # A relative directory (the default is ".") is reported as the absolute path it became.
    monkeypatch.chdir(tmp_path)
    doc = run_json(capsys, audit_config, "get", f"jfsdata/{key}", "-o", "here")
    assert doc["path"] == str(tmp_path / "here" / "big_heapDump.hprof")
    code, _, err = run_cli(capsys, audit_config, "get", f"jfsdata/{scratch_prefix}gone.hprof",
                           "-o", str(out_dir))
    assert code == 1 and "no such object" in err
    assert sorted(p.name for p in out_dir.iterdir()) == ["big_heapDump.hprof"]


def test_download_cancel_removes_part(local_stack: LocalStack, s3_client: S3Client,
                                      scratch_prefix: str, tmp_path: Path) -> None:
    from jfsconsole.backends.s3 import Cancelled, S3Store
    from jfsconsole.config import S3Settings

    key = f"{scratch_prefix}cancel.hprof"
    s3_client.put_object(Bucket="jfsdata", Key=key, Body=b"x" * (2 * 1024 * 1024))
    store = S3Store(S3Settings(endpoint=local_stack.s3_endpoint), local_stack.s3_access_key,
                    local_stack.s3_secret_key)
    calls = 0

    def cancelled() -> bool:
        nonlocal calls
        calls += 1
        return calls > 1

    dest = tmp_path / "cancel.hprof"
    with pytest.raises(Cancelled):
        store.download("jfsdata", key, dest, cancelled=cancelled)
    assert not dest.exists()
    assert not (tmp_path / "cancel.hprof.part").exists()


def test_rm_batches_skips_keep_and_audits(capsys: pytest.CaptureFixture[str], audit_config: Path,
                                          local_stack: LocalStack, s3_client: S3Client,
                                          scratch_prefix: str) -> None:
    from jfsconsole.sandbox.seed import make_many_objects

    assert local_stack.volume is not None
    keys = make_many_objects(local_stack.volume, "jfsdata", scratch_prefix, 1203, size=1)
    keep = f"{scratch_prefix}.keep"
    s3_client.put_object(Bucket="jfsdata", Key=keep, Body=b"keepdir")
    # Preview first: nothing goes.
    doc = run_json(capsys, audit_config, "rm", f"jfsdata/{keys[0]}", "--dry-run")
    assert doc["would_delete"] == [f"jfsdata/{keys[0]}"]
    s3_client.head_object(Bucket="jfsdata", Key=keys[0])
    # Read-only refuses.
    code, _, err = run_cli(capsys, audit_config, "--read-only", "rm", "-y", f"jfsdata/{keys[0]}")
    assert code == 1 and "read-only" in err
    s3_client.head_object(Bucket="jfsdata", Key=keys[0])
    # Without a terminal and without --yes: refuses.
    code, _, err = run_cli(capsys, audit_config, "rm", f"jfsdata/{keys[0]}")
    assert code == 2 and "--yes" in err
    # Through the service for the 1,203-key batch (the CLI resolves each key with a HEAD).
    from jfsconsole.backends.session import Backends
    from jfsconsole.config import load_config, select_profile
    from jfsconsole.core.models import ObjectEntry
    from jfsconsole.services.dumps import DumpService

    profile = select_profile(load_config(audit_config), None, env={})
    service = DumpService(Backends(profile), profile)
    entries = [ObjectEntry("jfsdata", k, 1) for k in [*keys, keep]]
    result = service.delete(entries)
    assert sorted(result.deleted) == sorted(keys)
    assert result.skipped == [(keep, ".keep holds the dumps directory open")]
    assert not result.errors
    left = s3_client.list_objects_v2(Bucket="jfsdata", Prefix=scratch_prefix)
    assert [o["Key"] for o in left.get("Contents", [])] == [keep]
    audit = AuditLog(audit_config.parent / "audit.jsonl", "").read()
    deletes = [a for a in audit if a["action"] == "delete"]
    assert deletes[-1]["count"] == 1203 and deletes[-1]["bytes"] == 1203


def test_rm_yes_via_real_entry_point(audit_config: Path, s3_client: S3Client,
                                     scratch_prefix: str) -> None:
    key = f"{scratch_prefix}zero.hprof"
    s3_client.put_object(Bucket="jfsdata", Key=key, Body=b"")
    proc = subprocess.run([sys.executable, "-m", "jfsconsole", "--config", str(audit_config),
                           "rm", "--yes", "--json", f"s3://jfsdata/{key}"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["deleted"] == [key]
    assert "Contents" not in s3_client.list_objects_v2(Bucket="jfsdata", Prefix=key)


def test_wrong_keys_are_auth_failed(capsys: pytest.CaptureFixture[str], sandbox_config: Path,
                                    local_stack: LocalStack, tmp_path: Path,
                                    edit_config: EditConfig) -> None:
    wrong = tmp_path / "wrong-secret"
    wrong.write_text("not-the-secret-key")
    edit_config(sandbox_config, lambda doc: doc["profiles"]["sandbox"]["s3"].update(
        secret_key={"file": str(wrong)}))
    code, out, err = run_cli(capsys, sandbox_config, "ls", "--json")
    assert code == 1
    assert json.loads(out)["error"]["kind"] == "auth-failed"
    assert "not-the-secret-key" not in out + err
    assert local_stack.s3_secret_key not in out + err


def test_ls_paginates_past_one_page(capsys: pytest.CaptureFixture[str], sandbox_config: Path,
                                    local_stack: LocalStack, scratch_prefix: str) -> None:
    from jfsconsole.sandbox.seed import make_many_objects

    assert local_stack.volume is not None
    keys = make_many_objects(local_stack.volume, "jfsdata", scratch_prefix, 5600)
    doc = run_json(capsys, sandbox_config, "ls", f"jfsdata/{scratch_prefix}")
    listed = [e["key"] for e in doc["entries"]]
    # 1,000 on the first page, then 4,500, then the rest: three requests, nothing lost or twice.
    assert sorted(listed) == sorted(keys)
    assert doc["totals"]["objects"] == 5600


def test_share_signs_for_public_endpoint(capsys: pytest.CaptureFixture[str], sandbox_config: Path,
                                         local_stack: LocalStack, edit_config: EditConfig) -> None:
    # "localhost" stands for the Ingress host: a different Host header than the endpoint's.
    public = local_stack.s3_endpoint.replace("127.0.0.1", "localhost")
    edit_config(sandbox_config, lambda doc: doc["profiles"]["sandbox"]["s3"].update(
        public_endpoint=public))
    key = "dev_order-service-7d9f8b6c5d-x2x7q_heapDump.hprof"
    doc = run_json(capsys, sandbox_config, "share", key)
    assert doc["url"].startswith(public + "/jfsdata/dumpfiles/")
    assert doc["endpoint"] == public
    with urllib.request.urlopen(doc["url"], timeout=10) as response:
        assert response.read(9) == b"JAVA PROF"
    # The same signature sent to the other host name is refused: never rewrite signed links.
    rewritten = doc["url"].replace(public, local_stack.s3_endpoint)
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(rewritten, timeout=10)
    assert info.value.code == 403


def test_actions_on_an_object_deleted_since_listing(capsys: pytest.CaptureFixture[str],
                                                    sandbox_config: Path, s3_client: S3Client,
                                                    scratch_prefix: str, tmp_path: Path) -> None:
    from jfsconsole.backends.errors import NotFound
    from jfsconsole.backends.session import Backends
    from jfsconsole.config import load_config, select_profile
    from jfsconsole.services.dumps import DumpService

    key = f"{scratch_prefix}soon-gone.hprof"
    s3_client.put_object(Bucket="jfsdata", Key=key, Body=b"x" * 100)
    profile = select_profile(load_config(sandbox_config), None, env={})
    service = DumpService(Backends(profile), profile)
    (entry,) = [e for page in service.iter_listing("jfsdata", scratch_prefix) for e in page]
    s3_client.delete_object(Bucket="jfsdata", Key=key)
    with pytest.raises(NotFound, match="no such object"):
        service.share(entry, "1h")
    out_dir = tmp_path / "dl"
    with pytest.raises(NotFound, match="no such object"):
        service.download(entry, out_dir)
    with pytest.raises(NotFound):
        service.check(entry)
    assert list(out_dir.iterdir()) == []


def test_long_and_odd_names_round_trip(capsys: pytest.CaptureFixture[str], sandbox_config: Path,
                                       s3_client: S3Client, scratch_prefix: str,
                                       tmp_path: Path) -> None:
    names = ["x" * 200 + "_heapDump.hprof", "100% done + more.txt", "日本語 ファイル.hprof",
             "zero.bin"]
    for name in names:
        s3_client.put_object(Bucket="jfsdata", Key=scratch_prefix + name,
                             Body=b"" if name == "zero.bin" else name.encode())
    doc = run_json(capsys, sandbox_config, "ls", f"jfsdata/{scratch_prefix}", "--check")
    got = {e["name"]: e for e in doc["entries"]}
    assert set(got) == set(names)
    assert got["zero.bin"]["state"] == "empty" and got["zero.bin"]["size"] == 0
    for name in names:
        out = run_json(capsys, sandbox_config, "get", f"jfsdata/{scratch_prefix}{name}",
                       "-o", str(tmp_path))
        assert Path(out["path"]).read_bytes() == (b"" if name == "zero.bin" else name.encode())


def test_bulk_delete_leaves_empty_directories_listed_as_prefixes(
        capsys: pytest.CaptureFixture[str], sandbox_config: Path, s3_client: S3Client,
        scratch_prefix: str) -> None:
    """Field fact: DeleteObjects keeps emptied parent directories (DeleteObject drops them);
    they come back as zero-byte "dir/" keys, which we list as prefixes, never as files."""
    bulk, single = f"{scratch_prefix}bulk/a/x.txt", f"{scratch_prefix}single/a/x.txt"
    for key in (bulk, single):
        s3_client.put_object(Bucket="jfsdata", Key=key, Body=b"1")
    s3_client.delete_objects(Bucket="jfsdata", Delete={"Objects": [{"Key": bulk}]})
    s3_client.delete_object(Bucket="jfsdata", Key=single)
    doc = run_json(capsys, sandbox_config, "ls", f"jfsdata/{scratch_prefix}", "-r")
    assert [(e["type"], e["key"]) for e in doc["entries"]] == [
        ("prefix", f"{scratch_prefix}bulk/a/")]
    assert doc["totals"]["objects"] == 0
