"""`jfsconsole doctor` on the real local stack: all green, then each backend broken."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from jfsconsole.cli import main
from jfsconsole.sandbox.kubeapi import FakeKubeAPI
from jfsconsole.sandbox.procs import free_port

pytestmark = pytest.mark.gateway


def doctor(capsys: pytest.CaptureFixture[str], config: Path) -> tuple[int, dict[str, dict[str, str]]]:
    code = main(["--config", str(config), "doctor", "--json"])
    out, _ = capsys.readouterr()
    doc = json.loads(out)
    return code, {c["name"]: c for c in doc["checks"]}


@pytest.mark.prometheus
def test_doctor_all_ok_on_sandbox(capsys: pytest.CaptureFixture[str], sandbox_config: Path,
                                  prometheus_url: str) -> None:
    code, checks = doctor(capsys, sandbox_config)
    assert code == 0
    for name in ("config", "s3 gateway", "s3 dumps prefix", "prometheus",
                 "prometheus volume stats", "kubernetes"):
        assert checks[name]["status"] == "ok", checks[name]
    assert "PVC series" in checks["prometheus volume stats"]["message"]


def test_doctor_reports_each_failure_with_a_fix(capsys: pytest.CaptureFixture[str],
                                                sandbox_config: Path, tmp_path: Path,
                                                edit_config: Callable[..., Path]) -> None:
    dead = free_port()  # nothing listens there
    wrong = tmp_path / "wrong"
    wrong.write_text("wrong-secret-key")
    with FakeKubeAPI() as api:
        api.set_forbidden("pods", "kube-ops")
        kubeconfig = api.write_kubeconfig(tmp_path / "kubeconfig")

        def broken(doc: dict[str, Any]) -> None:
            sandbox = doc["profiles"]["sandbox"]
            sandbox["s3"]["secret_key"] = {"file": str(wrong)}
            sandbox["prometheus"] = {"url": f"http://127.0.0.1:{dead}"}
            sandbox["kube"]["kubeconfig"] = str(kubeconfig)

        edit_config(sandbox_config, broken)
        code, checks = doctor(capsys, sandbox_config)
    assert code == 1
    assert checks["s3 gateway"]["status"] == "fail"
    assert "rejected the credentials" in checks["s3 gateway"]["message"]
    assert "Secret jfsdata" in checks["s3 gateway"]["fix"]
    assert checks["prometheus"]["status"] == "fail"
    assert "cannot connect" in checks["prometheus"]["message"]
    assert checks["kubernetes"]["status"] == "fail"
    assert "forbidden" in checks["kubernetes"]["message"]
    assert "wrong-secret-key" not in json.dumps(checks)
