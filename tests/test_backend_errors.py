"""Every backend failure comes out as a typed error with an actionable, secret-free message.

These talk to real sockets: a closed port, a server that never answers, and the fake
Kubernetes API (which the real kubernetes client reaches over HTTP). Failures that need the
real gateway or Prometheus are in test_stack_errors.py.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from jfsconsole.backends import errors
from jfsconsole.backends.kube import KubeClient
from jfsconsole.backends.prometheus import PrometheusClient
from jfsconsole.backends.s3 import S3Store
from jfsconsole.config import KubeSettings, PrometheusSettings, S3Settings
from jfsconsole.sandbox.kubeapi import FakeKubeAPI
from jfsconsole.sandbox.procs import free_port

SECRET = "SuperSecretValue123"


@pytest.fixture
def silent_server() -> Iterator[int]:
    """Accepts connections and never answers: the 'gateway hangs' case."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                held.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(server.getsockname()[1])
    stop.set()
    thread.join(timeout=2)
    for conn in held:
        conn.close()
    server.close()


def test_scrub_removes_signatures_and_tokens() -> None:
    text = ("GET http://gw/jfsdata/x?X-Amz-Credential=AKIA%2F2026&X-Amz-Signature=deadbeef "
            "Authorization: Bearer abc.def https://qyapi/cgi-bin/webhook/send?key=1234-5678-abcd")
    cleaned = errors.scrub(text)
    for secret in ("AKIA", "deadbeef", "abc.def", "1234-5678-abcd"):
        assert secret not in cleaned
    err = errors.BadResponse("s3", text)
    assert "deadbeef" not in str(err) and "deadbeef" not in repr(err)


def test_s3_unreachable(tmp_path: Path) -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"
    store = S3Store(S3Settings(endpoint=endpoint, max_attempts=1, connect_timeout=1), "AK", SECRET)
    with pytest.raises(errors.Unreachable) as info:
        store.ping()
    assert endpoint in info.value.message
    assert "juicefs-s3-gateway" in info.value.hint
    assert SECRET not in str(info.value)


def test_s3_gateway_hangs_times_out(silent_server: int) -> None:
    endpoint = f"http://127.0.0.1:{silent_server}"
    store = S3Store(S3Settings(endpoint=endpoint, max_attempts=1, read_timeout=0.5), "AK", SECRET)
    with pytest.raises(errors.TimedOut) as info:
        store.ping()
    assert "did not answer in time" in info.value.message
    assert "read_timeout" in info.value.hint


def test_prometheus_unreachable_and_hanging(silent_server: int) -> None:
    down = PrometheusClient(PrometheusSettings(url=f"http://127.0.0.1:{free_port()}"))
    with pytest.raises(errors.Unreachable, match="cannot connect to Prometheus"):
        down.ping()
    slow = PrometheusClient(PrometheusSettings(url=f"http://127.0.0.1:{silent_server}",
                                               timeout=0.5))
    with pytest.raises(errors.TimedOut, match=r"did not answer within 0.5s"):
        slow.query("up")


@pytest.fixture
def kube_api(tmp_path: Path) -> Iterator[tuple[FakeKubeAPI, Path]]:
    with FakeKubeAPI() as api:
        yield api, api.write_kubeconfig(tmp_path / "kubeconfig")


def test_kube_forbidden_is_typed_with_rbac_message(kube_api: tuple[FakeKubeAPI, Path]) -> None:
    api, kubeconfig = kube_api
    api.set_forbidden("pods", "kube-ops")
    client = KubeClient(KubeSettings(kubeconfig=str(kubeconfig)), env={})
    with pytest.raises(errors.Forbidden) as info:
        client.ping()
    assert 'cannot list resource "pods"' in info.value.message
    assert "kubectl auth can-i" in info.value.hint


def test_kube_not_found_and_ok(kube_api: tuple[FakeKubeAPI, Path]) -> None:
    _, kubeconfig = kube_api
    client = KubeClient(KubeSettings(kubeconfig=str(kubeconfig), context="sandbox"), env={})
    assert client.ping().startswith("v1.")
    with pytest.raises(errors.NotFound, match='secrets "nope" not found'):
        client.read_secret_data("kube-ops", "nope")


def test_kube_unauthorized(tmp_path: Path) -> None:
    with FakeKubeAPI(require_token="right-token") as api:
        kubeconfig = api.write_kubeconfig(tmp_path / "kubeconfig", token="wrong-token")
        client = KubeClient(KubeSettings(kubeconfig=str(kubeconfig)), env={})
        with pytest.raises(errors.AuthFailed, match="rejected the credentials"):
            client.ping()


def test_kube_unreachable_and_bad_context(tmp_path: Path) -> None:
    with FakeKubeAPI() as api:
        kubeconfig = api.write_kubeconfig(tmp_path / "kubeconfig")
    # The server is stopped now: same kubeconfig, nothing listening.
    client = KubeClient(KubeSettings(kubeconfig=str(kubeconfig), timeout=2), env={})
    with pytest.raises(errors.Unreachable, match="cannot reach the Kubernetes API"):
        client.ping()
    wrong = KubeClient(KubeSettings(kubeconfig=str(kubeconfig), context="nope"), env={})
    with pytest.raises(errors.NotConfigured, match="kubeconfig problem"):
        wrong.ping()
    nothing = KubeClient(KubeSettings(), env={"HOME": str(tmp_path)})
    with pytest.raises(errors.NotConfigured):
        nothing.ping()
