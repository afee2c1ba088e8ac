"""In-cluster configuration (the cleanup CronJob runs as a pod): the real kubernetes client reads
the service account's token and CA and talks HTTPS to the fake API server."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from jfsconsole.backends.errors import AuthFailed, NotConfigured, Unreachable
from jfsconsole.backends.kube import KubeClient
from jfsconsole.config import KubeSettings
from jfsconsole.sandbox.kubeapi import FakeKubeAPI

TOKEN = "sa-token-for-jfsconsole"


def _self_signed(directory: Path, name: str) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.fail("openssl is needed to make a test certificate (apt-get install openssl)")
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", f"/CN={name}", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True)
    return cert, key


@pytest.fixture(scope="module")
def tls_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeKubeAPI, Path, int]]:
    tmp = tmp_path_factory.mktemp("incluster")
    cert, key = _self_signed(tmp, "apiserver")
    api = FakeKubeAPI(require_token=TOKEN)
    url = api.start(tls=(cert, key))
    assert url.startswith("https://")
    try:
        yield api, cert, int(url.rsplit(":", 1)[1])
    finally:
        api.stop()


def _pod(tmp_path: Path, port: int, *, token: str | None, ca: Path | None) -> KubeClient:
    sa = tmp_path / "serviceaccount"
    sa.mkdir()
    if token is not None:
        (sa / "token").write_text(token)
    if ca is not None:
        shutil.copy(ca, sa / "ca.crt")
    env = {"KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": str(port),
           "HOME": str(tmp_path)}  # no ~/.kube/config there: in-cluster is the only way
    return KubeClient(KubeSettings(timeout=5), env=env, serviceaccount_dir=sa)


def test_in_cluster_config_lists_csi_pods(tls_api: tuple[FakeKubeAPI, Path, int],
                                          tmp_path: Path) -> None:
    api, cert, port = tls_api
    kube = _pod(tmp_path, port, token=TOKEN, ca=cert)
    assert kube.ping()  # version + pods in kube-ops, over HTTPS with the SA token
    assert kube.context_name == "in-cluster"
    assert kube.server == f"https://127.0.0.1:{port}"
    pods = kube.call("csi node pods", kube.core().list_namespaced_pod, "kube-ops",
                     label_selector="app=juicefs-csi-node")
    assert pods.items and all(p.metadata.name.startswith("juicefs-csi-node-") for p in pods.items)
    assert any(path.startswith("/api/v1/namespaces/kube-ops/pods?") for _, path in api.requests)


def test_in_cluster_wrong_token_is_auth_failed(tls_api: tuple[FakeKubeAPI, Path, int],
                                               tmp_path: Path) -> None:
    _, cert, port = tls_api
    kube = _pod(tmp_path, port, token="stale-token", ca=cert)
    with pytest.raises(AuthFailed) as info:
        kube.ping()
    assert "stale-token" not in str(info.value)


def test_in_cluster_without_token_says_mount_it(tls_api: tuple[FakeKubeAPI, Path, int],
                                                tmp_path: Path) -> None:
    _, cert, port = tls_api
    kube = _pod(tmp_path, port, token=None, ca=cert)
    with pytest.raises(NotConfigured) as info:
        kube.ping()
    assert "in-cluster" in str(info.value)
    assert "automountServiceAccountToken" in (info.value.hint or "")


def test_in_cluster_untrusted_ca_is_a_tls_error(tls_api: tuple[FakeKubeAPI, Path, int],
                                                tmp_path: Path) -> None:
    _, _, port = tls_api
    other_ca, _ = _self_signed(tmp_path, "other-ca")
    kube = _pod(tmp_path, port, token=TOKEN, ca=other_ca)
    with pytest.raises(Unreachable) as info:
        kube.ping()
    assert "certificate is not trusted" in str(info.value)
    assert TOKEN not in str(info.value)
