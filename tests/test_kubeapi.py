"""The fake Kubernetes API server, exercised through the real ``kubernetes`` client (and kubectl).

Nothing here is mocked: every test speaks HTTP to a FakeKubeAPI on loopback, so what passes
here is what the console's kube backend will see in the sandbox.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client, config, watch
from kubernetes.client.exceptions import ApiException

from jfsconsole.sandbox.kubeapi import DEFAULT_FIXTURES, FakeKubeAPI
from jfsconsole.sandbox.kubeapi_selectors import (
    SelectorError,
    labels_match,
    parse_field_selector,
    parse_label_selector,
)

OPS = "kube-ops"
MOUNT_SELECTOR = "app.kubernetes.io/name=juicefs-mount"
PV1 = "pvc-5f0c3b7e-2d41-4c8e-9a57-0b6e3c1d9f42"
OOM_POD = f"juicefs-node-2-{PV1}-kzmvxe"
HEALTHY_POD = f"juicefs-node-1-{PV1}-ahbkqd"
STUCK_POD = "juicefs-node-3-pvc-a81d4c29-6e3f-4b7a-8c12-d94f0e6b3a75-wqpfjt"
BROKEN_APP = "report-service-6c4d5f8b97-kp2wn"


def make_client(api: FakeKubeAPI, tmp: Path, token: str | None = None) -> client.ApiClient:
    """A client built the way the console builds one: from a kubeconfig file."""
    path = api.write_kubeconfig(tmp / f"kubeconfig-{token or 'default'}", token=token)
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(path), client_configuration=cfg)
    return client.ApiClient(cfg)


def status_of(err: ApiException) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(err.body)
    return body


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeKubeAPI, client.ApiClient]]:
    """One read-only server for the tests that do not change cluster state."""
    with FakeKubeAPI() as api:
        yield api, make_client(api, tmp_path_factory.mktemp("kube"))


@pytest.fixture
def core(shared: tuple[FakeKubeAPI, client.ApiClient]) -> client.CoreV1Api:
    return client.CoreV1Api(shared[1])


@pytest.fixture
def private(tmp_path: Path) -> Iterator[tuple[FakeKubeAPI, client.ApiClient]]:
    """A fresh server for tests that mutate state or inject faults."""
    with FakeKubeAPI() as api:
        yield api, make_client(api, tmp_path)


# --- lifecycle -------------------------------------------------------------------------------

def test_starts_fast_and_stops_cleanly(tmp_path: Path) -> None:
    began = time.monotonic()
    api = FakeKubeAPI()
    url = api.start()
    assert time.monotonic() - began < 1.0
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url) and api.url == url
    assert api.start() == url  # idempotent
    with urllib.request.urlopen(url + "/version") as resp:
        assert json.load(resp)["gitVersion"].startswith("v1.")
    api.stop()
    api.stop()
    with pytest.raises(RuntimeError):
        _ = api.url


def test_kubeconfig_is_a_normal_kubeconfig(shared: tuple[FakeKubeAPI, client.ApiClient],
                                           tmp_path: Path) -> None:
    api = shared[0]
    path = api.write_kubeconfig(tmp_path / "nested" / "config", context="demo", namespace="dev")
    doc = yaml.safe_load(path.read_text())
    assert doc["current-context"] == "demo"
    assert doc["clusters"][0]["cluster"]["server"] == api.url
    assert doc["contexts"][0]["context"]["namespace"] == "dev"
    assert doc["users"][0]["user"]["token"]
    _, active = config.list_kube_config_contexts(config_file=str(path))
    assert active["name"] == "demo" and active["context"]["namespace"] == "dev"


# --- discovery -------------------------------------------------------------------------------

def test_discovery_documents_parse(shared: tuple[FakeKubeAPI, client.ApiClient]) -> None:
    api_client = shared[1]
    assert client.VersionApi(api_client).get_code().git_version == "v1.30.4"
    assert client.CoreApi(api_client).get_api_versions().versions == ["v1"]
    groups = {g.name: g for g in client.ApisApi(api_client).get_api_versions().groups}
    assert {"apps", "storage.k8s.io", "batch", "monitoring.coreos.com"} <= set(groups)
    assert groups["apps"].preferred_version.group_version == "apps/v1"
    core_res = {r.name: r for r in client.CoreV1Api(api_client).get_api_resources().resources}
    assert core_res["pods"].namespaced and not core_res["nodes"].namespaced
    assert "po" in core_res["pods"].short_names and "pods/log" in core_res
    apps_res = {r.name for r in client.AppsV1Api(api_client).get_api_resources().resources}
    assert {"deployments", "statefulsets", "daemonsets", "replicasets"} <= apps_res
    storage = {r.name for r in client.StorageV1Api(api_client).get_api_resources().resources}
    assert {"storageclasses", "csidrivers", "csinodes"} <= storage


def test_aggregated_discovery_request_gets_legacy_json(
        shared: tuple[FakeKubeAPI, client.ApiClient]) -> None:
    accept = ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
              "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"
              "application/json")
    req = urllib.request.Request(shared[0].url + "/apis", headers={"Accept": accept})
    with urllib.request.urlopen(req) as resp:
        assert resp.headers["Content-Type"] == "application/json"
        assert json.load(resp)["kind"] == "APIGroupList"
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(shared[0].url + "/openapi/v2")
    assert err.value.code == 404


# --- lists, selectors, gets ------------------------------------------------------------------

def names(items: list[Any]) -> list[str]:
    return sorted(item.metadata.name for item in items)


def test_list_mount_pods_by_label(core: client.CoreV1Api) -> None:
    pods = core.list_namespaced_pod(OPS, label_selector=MOUNT_SELECTOR)
    assert isinstance(pods, client.V1PodList) and pods.metadata.resource_version
    assert names(pods.items) == sorted([HEALTHY_POD, OOM_POD, STUCK_POD])
    for pod in pods.items:
        assert pod.spec.containers[0].name == "jfs-mount"
        assert pod.spec.containers[0].image == "juicedata/mount:ce-v1.2.3"
        assert pod.spec.restart_policy == "OnFailure"
        assert "juicefs.com/finalizer" in pod.metadata.finalizers
        assert pod.metadata.annotations["juicefs-delete-delay"] == "5m"
        port = pod.spec.containers[0].ports[0]
        assert (port.name, port.container_port) == ("metrics", 9567)
        res = pod.spec.containers[0].resources
        assert res.requests == {"cpu": "300m", "memory": "512Mi"}
        assert res.limits == {"cpu": "1", "memory": "2Gi"}


@pytest.mark.parametrize(("selector", "expected"), [
    ("app=juicefs-csi-node", 2),
    ("app==juicefs-csi-node", 2),
    ("app in (juicefs-csi-node, juicefs-csi-controller)", 3),
    ("app.kubernetes.io/name=juicefs-csi-driver,app notin (juicefs-csi-node)", 2),
    ("app!=juicefs-csi-node,app", 2),  # controller + dashboard
    ("!app", 4),  # 3 mount pods + gateway
    ("volume-id", 3),
    ("app.kubernetes.io/name=juicefs-mount,volume-id=" + PV1, 2),
])
def test_label_selector_grammar(core: client.CoreV1Api, selector: str, expected: int) -> None:
    assert len(core.list_namespaced_pod(OPS, label_selector=selector).items) == expected


def test_app_pods_carry_empty_uniqueid_label(core: client.CoreV1Api) -> None:
    pods = core.list_pod_for_all_namespaces(label_selector="juicefs-uniqueid").items
    assert {p.metadata.namespace for p in pods} == {"dev"} and len(pods) == 4
    for pod in pods:
        mount = next(m for m in pod.spec.containers[0].volume_mounts if m.name == "jfsdata")
        assert (mount.mount_path, mount.mount_propagation) == ("/data/jfsdata", "HostToContainer")
        env = {e.name for e in pod.spec.containers[0].env}
        assert {"project_env", "pod_name", "pkg"} <= env
        assert pod.metadata.owner_references[0].kind == "ReplicaSet"


def test_field_selectors(core: client.CoreV1Api) -> None:
    on_node3 = core.list_pod_for_all_namespaces(field_selector="spec.nodeName=node-3").items
    assert names(on_node3) == sorted([BROKEN_APP, STUCK_POD])
    pending = core.list_pod_for_all_namespaces(field_selector="status.phase==Pending").items
    assert names(pending) == [BROKEN_APP]
    not_node1 = core.list_namespaced_pod(OPS, field_selector="spec.nodeName!=node-1").items
    assert all(p.spec.node_name != "node-1" for p in not_node1) and len(not_node1) == 5
    one = core.list_namespaced_pod(OPS, field_selector=f"metadata.name={OOM_POD}").items
    assert names(one) == [OOM_POD]
    combined = core.list_pod_for_all_namespaces(
        label_selector=MOUNT_SELECTOR, field_selector="spec.nodeName=node-2,metadata.namespace=kube-ops")
    assert names(combined.items) == [OOM_POD]


def test_event_field_selectors(core: client.CoreV1Api) -> None:
    events = core.list_namespaced_event(
        "dev", field_selector=f"involvedObject.kind=Pod,involvedObject.name={BROKEN_APP},"
                              "reason=FailedMount,type=Warning").items
    assert len(events) == 2
    assert any("driver name csi.juicefs.com not found in the list of registered CSI drivers"
               in e.message for e in events)
    assert all(e.source.component == "kubelet" and e.count > 1 for e in events)
    by_source = core.list_event_for_all_namespaces(field_selector="source=kernel-monitor").items
    assert [e.reason for e in by_source] == ["OOMKilling"]


def test_unsupported_field_selector_is_bad_request(core: client.CoreV1Api) -> None:
    with pytest.raises(ApiException) as err:
        core.list_namespaced_pod(OPS, field_selector="spec.containers=jfs-mount")
    assert err.value.status == 400
    body = status_of(err.value)
    assert (body["kind"], body["reason"]) == ("Status", "BadRequest")
    assert body["message"] == "field label not supported: spec.containers"


def test_malformed_label_selector_is_bad_request(core: client.CoreV1Api) -> None:
    with pytest.raises(ApiException) as err:
        core.list_namespaced_pod(OPS, label_selector="app in (a")
    assert err.value.status == 400 and status_of(err.value)["reason"] == "BadRequest"


def test_all_namespaces_list(core: client.CoreV1Api) -> None:
    pods = core.list_pod_for_all_namespaces()
    assert {p.metadata.namespace for p in pods.items} == {"dev", OPS}
    assert len(pods.items) == 12
    # etcd key order: namespace, then name
    keys = [(p.metadata.namespace, p.metadata.name) for p in pods.items]
    assert keys == sorted(keys)


def test_get_by_name(shared: tuple[FakeKubeAPI, client.ApiClient]) -> None:
    api_client = shared[1]
    core = client.CoreV1Api(api_client)
    pod = core.read_namespaced_pod(OOM_POD, OPS)
    status = pod.status.container_statuses[0]
    assert status.restart_count == 3 and status.last_state.terminated.reason == "OOMKilled"
    assert core.read_node("node-3").spec.taints[0].effect == "NoExecute"
    pvc = core.read_namespaced_persistent_volume_claim("jfsdata", "dev")
    assert pvc.status.phase == "Bound" and pvc.spec.access_modes == ["ReadWriteMany"]
    assert pvc.metadata.labels == {"custom-image": "true"}
    pv = core.read_persistent_volume(pvc.spec.volume_name)
    assert pv.spec.csi.driver == "csi.juicefs.com" and pv.spec.csi.volume_handle == pv.metadata.name
    assert pv.spec.claim_ref.uid == pvc.metadata.uid
    sc = client.StorageV1Api(api_client).read_storage_class("jfsdata-juicefs-sc")
    assert sc.parameters["pathPattern"] == "${.pvc.name}" and sc.reclaim_policy == "Retain"
    assert sc.parameters["csi.storage.k8s.io/provisioner-secret-name"] == "juicefs-sc-secret"
    ds = client.AppsV1Api(api_client).read_namespaced_daemon_set("juicefs-csi-node", OPS)
    assert ds.status.desired_number_scheduled == 2
    assert core.read_namespace("kube-ops").status.phase == "Active"


def test_not_found_is_a_real_status(shared: tuple[FakeKubeAPI, client.ApiClient]) -> None:
    core = client.CoreV1Api(shared[1])
    with pytest.raises(ApiException) as err:
        core.read_namespaced_pod("x", OPS)
    assert err.value.status == 404
    assert status_of(err.value) == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": 'pods "x" not found', "reason": "NotFound",
        "details": {"name": "x", "kind": "pods"}, "code": 404}
    with pytest.raises(ApiException) as err:
        client.AppsV1Api(shared[1]).read_namespaced_deployment("x", OPS)
    assert status_of(err.value)["message"] == 'deployments.apps "x" not found'


def test_unsupported_verb_is_405(shared: tuple[FakeKubeAPI, client.ApiClient]) -> None:
    req = urllib.request.Request(f"{shared[0].url}/api/v1/namespaces/{OPS}/pods/{OOM_POD}",
                                 data=b"{}", method="PUT")
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req)
    assert err.value.code == 405
    assert json.load(err.value)["reason"] == "MethodNotAllowed"


# --- RBAC and auth ---------------------------------------------------------------------------

def test_forbidden_looks_like_rbac(private: tuple[FakeKubeAPI, client.ApiClient]) -> None:
    api, api_client = private
    core = client.CoreV1Api(api_client)
    api.set_forbidden("pods", OPS)
    with pytest.raises(ApiException) as err:
        core.list_namespaced_pod(OPS)
    assert err.value.status == 403
    body = status_of(err.value)
    assert body["reason"] == "Forbidden" and body["details"] == {"kind": "pods"}
    assert body["message"] == (
        'pods is forbidden: User "system:serviceaccount:kube-ops:jfsconsole" cannot list '
        'resource "pods" in API group "" in the namespace "kube-ops"')
    assert core.list_namespaced_pod("dev").items  # other namespaces still readable
    with pytest.raises(ApiException) as err:
        core.list_pod_for_all_namespaces()
    assert status_of(err.value)["message"].endswith('in API group "" at the cluster scope')
    assert core.read_namespaced_pod(OOM_POD, OPS)  # only "list" was denied

    api.set_forbidden("deployments", None, verb="get")
    with pytest.raises(ApiException) as err:
        client.AppsV1Api(api_client).read_namespaced_deployment("s3-gateway", OPS)
    assert status_of(err.value)["message"] == (
        'deployments.apps "s3-gateway" is forbidden: User "system:serviceaccount:kube-ops:'
        'jfsconsole" cannot get resource "deployments" in API group "apps" in the namespace '
        '"kube-ops"')
    api.set_forbidden("pods/log", OPS, verb="get")
    with pytest.raises(ApiException) as err:
        core.read_namespaced_pod_log(OOM_POD, OPS)
    assert 'cannot get resource "pods/log"' in status_of(err.value)["message"]

    api.clear_forbidden()
    assert len(core.list_namespaced_pod(OPS).items) == 8


def test_require_token_answers_401(tmp_path: Path) -> None:
    with FakeKubeAPI(require_token="s3cret") as api:
        good = client.CoreV1Api(make_client(api, tmp_path))
        assert good.read_namespace("dev").metadata.name == "dev"
        bad = client.CoreV1Api(make_client(api, tmp_path, token="wrong"))
        with pytest.raises(ApiException) as err:
            bad.list_namespaced_pod(OPS)
        assert err.value.status == 401
        body = status_of(err.value)
        assert (body["reason"], body["message"], body["code"]) == (
            "Unauthorized", "Unauthorized", 401)
        with urllib.request.urlopen(api.url + "/version") as resp:  # anonymous on real clusters
            assert resp.status == 200


# --- pagination ------------------------------------------------------------------------------

def test_limit_and_continue(core: client.CoreV1Api) -> None:
    everything = names(core.list_pod_for_all_namespaces().items)
    first = core.list_pod_for_all_namespaces(limit=5)
    assert len(first.items) == 5
    assert first.metadata._continue and first.metadata.remaining_item_count == 7
    seen = [p.metadata.name for p in first.items]
    token = first.metadata._continue
    while token:
        page = core.list_pod_for_all_namespaces(limit=5, _continue=token)
        seen += [p.metadata.name for p in page.items]
        token = page.metadata._continue
    assert sorted(seen) == everything and len(seen) == len(set(seen))
    with pytest.raises(ApiException) as err:
        core.list_pod_for_all_namespaces(limit=5, _continue="not-a-token")
    assert err.value.status == 400


# --- logs ------------------------------------------------------------------------------------

def read_log(core: client.CoreV1Api, pod: str, namespace: str, **kwargs: Any) -> str:
    # kubernetes 36 returns the repr of the bytes ("b'...'") from read_namespaced_pod_log
    # (kubernetes-client/python#2596); reading the raw body is the reliable way, and the
    # console's kube backend must do the same.
    resp = core.read_namespaced_pod_log(pod, namespace, _preload_content=False, **kwargs)
    text: str = resp.data.decode()
    return text


def test_pod_log_with_container_and_tail(core: client.CoreV1Api) -> None:
    text = read_log(core, HEALTHY_POD, OPS, container="jfs-mount", tail_lines=2)
    lines = text.splitlines()
    assert len(lines) == 2 and "cleanup trash" in lines[-1]
    full = read_log(core, HEALTHY_POD, OPS)  # single container: name optional
    assert "OK, devjfs is ready at" in full and full.endswith(text)
    previous = read_log(core, OOM_POD, OPS, container="jfs-mount", previous=True)
    assert "slow request" in previous and previous != read_log(core, OOM_POD, OPS)
    stamped = read_log(core, HEALTHY_POD, OPS, timestamps=True, tail_lines=1)
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z 2026/12/03 ", stamped)
    assert read_log(core, HEALTHY_POD, OPS, limit_bytes=10) == full[:10]


def test_pod_log_errors_match_kubelet(core: client.CoreV1Api) -> None:
    with pytest.raises(ApiException) as err:
        core.read_namespaced_pod_log("juicefs-csi-node-7xk2p", OPS)
    assert err.value.status == 400 and status_of(err.value)["message"] == (
        "a container name must be specified for pod juicefs-csi-node-7xk2p, choose one of: "
        "[juicefs-plugin node-driver-registrar liveness-probe]")
    with pytest.raises(ApiException) as err:
        core.read_namespaced_pod_log(HEALTHY_POD, OPS, container="nope")
    assert status_of(err.value)["message"] == f"container nope is not valid for pod {HEALTHY_POD}"
    with pytest.raises(ApiException) as err:
        core.read_namespaced_pod_log(BROKEN_APP, "dev")
    assert "is waiting to start: ContainerCreating" in status_of(err.value)["message"]
    with pytest.raises(ApiException) as err:
        core.read_namespaced_pod_log(HEALTHY_POD, OPS, previous=True)
    assert "previous terminated container" in status_of(err.value)["message"]
    with pytest.raises(ApiException) as err:
        core.read_namespaced_pod_log("gone", OPS)
    assert err.value.status == 404


def test_set_pod_log(private: tuple[FakeKubeAPI, client.ApiClient]) -> None:
    api, api_client = private
    api.set_pod_log(OPS, OOM_POD, "jfs-mount", "one\ntwo\nthree\n")
    core = client.CoreV1Api(api_client)
    assert read_log(core, OOM_POD, OPS, container="jfs-mount", tail_lines=1) == "three\n"
    api.set_pod_log(OPS, HEALTHY_POD, "jfs-mount", "before the restart\n", previous=True)
    assert read_log(core, HEALTHY_POD, OPS, previous=True) == "before the restart\n"


# --- fixtures --------------------------------------------------------------------------------

def _fixture_objects() -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    for path in sorted(DEFAULT_FIXTURES.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and doc.get("kind") == "List":
                objects += doc["items"]
            elif doc:
                objects.append(doc)
    return objects


def test_every_fixture_kind_deserializes(shared: tuple[FakeKubeAPI, client.ApiClient]) -> None:
    api_client = shared[1]
    core, apps = client.CoreV1Api(api_client), client.AppsV1Api(api_client)
    storage, batch = client.StorageV1Api(api_client), client.BatchV1Api(api_client)
    net = client.NetworkingV1Api(api_client)
    listers: dict[str, tuple[Callable[..., Any], type]] = {
        "Namespace": (core.list_namespace, client.V1Namespace),
        "Node": (core.list_node, client.V1Node),
        "Pod": (core.list_pod_for_all_namespaces, client.V1Pod),
        "PersistentVolumeClaim": (core.list_persistent_volume_claim_for_all_namespaces,
                                  client.V1PersistentVolumeClaim),
        "PersistentVolume": (core.list_persistent_volume, client.V1PersistentVolume),
        "Event": (core.list_event_for_all_namespaces, client.CoreV1Event),
        "Secret": (core.list_secret_for_all_namespaces, client.V1Secret),
        "Service": (core.list_service_for_all_namespaces, client.V1Service),
        "ConfigMap": (core.list_config_map_for_all_namespaces, client.V1ConfigMap),
        "ServiceAccount": (core.list_service_account_for_all_namespaces, client.V1ServiceAccount),
        "Deployment": (apps.list_deployment_for_all_namespaces, client.V1Deployment),
        "StatefulSet": (apps.list_stateful_set_for_all_namespaces, client.V1StatefulSet),
        "DaemonSet": (apps.list_daemon_set_for_all_namespaces, client.V1DaemonSet),
        "ReplicaSet": (apps.list_replica_set_for_all_namespaces, client.V1ReplicaSet),
        "StorageClass": (storage.list_storage_class, client.V1StorageClass),
        "CSIDriver": (storage.list_csi_driver, client.V1CSIDriver),
        "CSINode": (storage.list_csi_node, client.V1CSINode),
        "CronJob": (batch.list_cron_job_for_all_namespaces, client.V1CronJob),
        "Ingress": (net.list_ingress_for_all_namespaces, client.V1Ingress),
    }
    fixture_kinds = {obj["kind"] for obj in _fixture_objects()}
    assert fixture_kinds - {"PodMonitor"} <= set(listers), "add a lister for the new kind"
    for kind, (lister, model) in listers.items():
        result = lister(_preload_content=True)
        assert result.items, f"no {kind} in the fixtures"
        assert all(isinstance(item, model) for item in result.items), kind
        # typed round trip: to_dict() must not lose the name or fail on nested models
        assert all(item.to_dict()["metadata"]["name"] for item in result.items)
    monitors = client.CustomObjectsApi(api_client).list_cluster_custom_object(
        "monitoring.coreos.com", "v1", "podmonitors")
    assert monitors["items"][0]["spec"]["selector"]["matchLabels"] == {
        "app.kubernetes.io/name": "juicefs-mount"}


def test_mount_pod_reference_annotations_are_sha256_of_target_paths(
        core: client.CoreV1Api) -> None:
    app_pods = {p.metadata.uid: p for p in core.list_namespaced_pod("dev").items}
    refs = 0
    for pod in core.list_namespaced_pod(OPS, label_selector=MOUNT_SELECTOR).items:
        volume = pod.metadata.labels["volume-id"]
        assert re.fullmatch(rf"juicefs-{pod.spec.node_name}-{volume}-[a-z0-9]{{6}}",
                            pod.metadata.name)
        assert len(pod.metadata.labels["juicefs-hash"]) == 63
        for key, value in pod.metadata.annotations.items():
            if not value.startswith("/var/lib/kubelet/pods/"):
                continue
            refs += 1
            assert key == ("juicefs-" + hashlib.sha256(value.encode()).hexdigest())[:63]
            assert len(key) == 63
            match = re.fullmatch(r"/var/lib/kubelet/pods/([0-9a-f-]{36})/volumes/"
                                 r"kubernetes.io~csi/([^/]+)/mount", value)
            assert match and match.group(2) == volume
            app = app_pods[match.group(1)]  # the referenced app pod exists...
            assert app.spec.node_name == pod.spec.node_name  # ...on the same node
    assert refs == 3


def test_fixture_references_resolve(shared: tuple[FakeKubeAPI, client.ApiClient]) -> None:
    api = shared[0]
    by_uid = {o["metadata"]["uid"]: o for o in _all_objects(api)}
    nodes = {o["metadata"]["name"] for o in api.list_objects("Node")}
    for obj in _all_objects(api):
        for ref in obj["metadata"].get("ownerReferences", []):
            owner = by_uid.get(ref["uid"])
            assert owner is not None, f"{obj['metadata']['name']}: owner {ref['name']} missing"
            assert (owner["kind"], owner["metadata"]["name"]) == (ref["kind"], ref["name"])
        if obj["kind"] == "Pod":
            assert obj["spec"]["nodeName"] in nodes
    for pvc in api.list_objects("PersistentVolumeClaim"):
        if pvc["status"]["phase"] == "Bound":
            pv = api.get_object("PersistentVolume", None, pvc["spec"]["volumeName"])
            assert pv is not None and pv["spec"]["claimRef"]["uid"] == pvc["metadata"]["uid"]
            assert pv["metadata"]["name"] == "pvc-" + pvc["metadata"]["uid"]


def _all_objects(api: FakeKubeAPI) -> list[dict[str, Any]]:
    kinds = ("Namespace", "Node", "Pod", "PersistentVolumeClaim", "PersistentVolume", "Event",
             "Secret", "Service", "ConfigMap", "Deployment", "StatefulSet", "DaemonSet",
             "ReplicaSet", "CSINode", "CSIDriver", "StorageClass", "CronJob", "Ingress")
    return [obj for kind in kinds for obj in api.list_objects(kind)]


def test_faults_are_findable(shared: tuple[FakeKubeAPI, client.ApiClient]) -> None:
    """The contract the Health screen relies on: each documented failure mode is present."""
    core = client.CoreV1Api(shared[1])
    csi_nodes = core.list_namespaced_pod(OPS, label_selector="app=juicefs-csi-node").items
    assert sorted(p.spec.node_name for p in csi_nodes) == ["node-1", "node-2"]
    app_nodes = {p.spec.node_name for p in core.list_pod_for_all_namespaces(
        label_selector="juicefs-uniqueid").items}
    assert app_nodes - {p.spec.node_name for p in csi_nodes} == {"node-3"}
    csinode3 = client.StorageV1Api(shared[1]).read_csi_node("node-3")
    assert csinode3.spec.drivers == []

    oom = core.read_namespaced_pod(OOM_POD, OPS).status
    assert oom.phase == "Running" and oom.container_statuses[0].ready
    assert oom.container_statuses[0].last_state.terminated.reason == "OOMKilled"

    stuck = core.read_namespaced_pod(STUCK_POD, OPS).metadata
    assert stuck.deletion_timestamp is not None and stuck.finalizers == ["juicefs.com/finalizer"]

    broken = core.read_namespaced_pod(BROKEN_APP, "dev").status
    assert broken.phase == "Pending"
    assert broken.container_statuses[0].state.waiting.reason == "ContainerCreating"

    pending = core.list_persistent_volume_claim_for_all_namespaces(
        field_selector="metadata.name=jacoco-reports").items
    assert pending[0].status.phase == "Pending"

    secret = core.read_namespaced_secret("juicefs-sc-secret", OPS)
    assert set(secret.data) == {"name", "metaurl", "storage", "bucket", "access-key",
                                "secret-key", "envs"}
    gateway = core.read_namespaced_service("s3-gateway", OPS)
    assert {(p.name, p.port) for p in gateway.spec.ports} == {("http", 9000), ("metrics", 9567)}


def test_rebase_time_moves_fixtures_to_now() -> None:
    api = FakeKubeAPI(rebase_time=True)
    stamps = [e["lastTimestamp"] for e in api.list_objects("Event")]
    newest = datetime.strptime(max(stamps), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert 0 <= (datetime.now(UTC) - newest).total_seconds() < 180
    pod = api.get_object("Pod", OPS, STUCK_POD)
    assert pod is not None and pod["metadata"]["deletionTimestamp"] < max(stamps)


# --- writes ----------------------------------------------------------------------------------

def test_add_and_remove_objects(private: tuple[FakeKubeAPI, client.ApiClient]) -> None:
    api, api_client = private
    core = client.CoreV1Api(api_client)
    api.add_object({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                    "metadata": {"name": "jfsdata", "namespace": OPS},
                    "data": {"access-key": "QUs=", "secret-key": "U0s="}})
    assert core.read_namespaced_secret("jfsdata", OPS).data == {"access-key": "QUs=",
                                                                  "secret-key": "U0s="}
    api.remove_object("Pod", OPS, STUCK_POD)  # finalizers do not stop the test hook
    api.remove_object("pods", OPS, "does-not-exist")
    assert STUCK_POD not in names(core.list_namespaced_pod(OPS).items)
    with pytest.raises(ValueError):
        api.add_object({"apiVersion": "example.com/v1", "kind": "Widget",
                        "metadata": {"name": "w"}})
    assert ("GET", f"/api/v1/namespaces/{OPS}/secrets/jfsdata") in api.requests


def test_delete_and_finalizers(private: tuple[FakeKubeAPI, client.ApiClient]) -> None:
    core = client.CoreV1Api(private[1])
    deleted = core.delete_namespaced_pod(HEALTHY_POD, OPS)
    assert deleted.metadata.name == HEALTHY_POD
    # mount pods carry a finalizer: deletion only marks them, like a real cluster without csi-node
    assert core.read_namespaced_pod(HEALTHY_POD, OPS).metadata.deletion_timestamp is not None
    core.patch_namespaced_pod(HEALTHY_POD, OPS, {"metadata": {"finalizers": None}})
    with pytest.raises(ApiException) as err:
        core.read_namespaced_pod(HEALTHY_POD, OPS)
    assert err.value.status == 404
    app = "order-service-7d9f8b6c5d-h4kzp"  # no finalizers: gone at once (no kubelet here)
    core.delete_namespaced_pod(app, "dev")
    assert app not in names(core.list_namespaced_pod("dev").items)
    with pytest.raises(ApiException) as err:
        core.delete_namespaced_pod(app, "dev")
    assert err.value.status == 404


def test_json_patch_and_create(private: tuple[FakeKubeAPI, client.ApiClient]) -> None:
    api_client = private[1]
    core = client.CoreV1Api(api_client)
    core.patch_namespaced_pod(STUCK_POD, OPS, [{"op": "remove", "path": "/metadata/finalizers"}])
    assert STUCK_POD not in names(core.list_namespaced_pod(OPS).items)  # finalizer gone: deleted
    batch = client.BatchV1Api(api_client)
    job = client.V1Job(metadata=client.V1ObjectMeta(generate_name="jfsdata-cleanup-manual-"),
                       spec=client.V1JobSpec(template=client.V1PodTemplateSpec(
                           spec=client.V1PodSpec(restart_policy="Never", containers=[
                               client.V1Container(name="mc", image="minio/mc")]))))
    created = batch.create_namespaced_job(OPS, job)
    assert created.metadata.name.startswith("jfsdata-cleanup-manual-") and created.metadata.uid
    job.metadata = client.V1ObjectMeta(name=created.metadata.name)
    with pytest.raises(ApiException) as err:
        batch.create_namespaced_job(OPS, job)
    assert err.value.status == 409 and status_of(err.value)["reason"] == "AlreadyExists"
    with pytest.raises(ApiException) as err:
        batch.create_namespaced_job("no-such-ns", job)
    assert err.value.status == 404


def test_watch_streams_existing_and_live_changes(
        private: tuple[FakeKubeAPI, client.ApiClient]) -> None:
    api, api_client = private
    core = client.CoreV1Api(api_client)
    extra = {"apiVersion": "v1", "kind": "Pod",
             "metadata": {"name": "juicefs-node-1-pvc-new-abcdef", "namespace": OPS,
                          "labels": {"app.kubernetes.io/name": "juicefs-mount"}},
             "spec": {"containers": [{"name": "jfs-mount", "image": "juicedata/mount:ce-v1.2.3"}]}}

    def churn() -> None:
        time.sleep(0.3)
        api.add_object(extra)
        api.remove_object("Pod", OPS, "juicefs-node-1-pvc-new-abcdef")

    seen: list[tuple[str, str]] = []
    w = watch.Watch()
    threading.Thread(target=churn, daemon=True).start()
    for event in w.stream(core.list_namespaced_pod, OPS, label_selector=MOUNT_SELECTOR,
                          timeout_seconds=5):
        seen.append((event["type"], event["object"].metadata.name))
        if event["type"] == "DELETED":
            w.stop()
    assert [t for t, _ in seen].count("ADDED") == 4
    assert seen[-2:] == [("ADDED", "juicefs-node-1-pvc-new-abcdef"),
                         ("DELETED", "juicefs-node-1-pvc-new-abcdef")]


def test_watch_from_a_compacted_version_is_410(core: client.CoreV1Api) -> None:
    with pytest.raises(ApiException) as err:
        for _ in watch.Watch().stream(core.list_namespaced_pod, OPS, resource_version="1",
                                      timeout_seconds=2):
            pass
    assert err.value.status == 410


def test_stop_ends_open_watches(tmp_path: Path) -> None:
    api = FakeKubeAPI()
    api.start()
    core = client.CoreV1Api(make_client(api, tmp_path))
    seen: list[str] = []

    def consume() -> None:
        for event in watch.Watch().stream(core.list_namespaced_pod, "dev", timeout_seconds=60):
            seen.append(event["type"])

    watcher = threading.Thread(target=consume, daemon=True)
    watcher.start()
    deadline = time.monotonic() + 5
    while len(seen) < 4 and time.monotonic() < deadline:
        time.sleep(0.02)
    began = time.monotonic()
    api.stop()
    watcher.join(timeout=5)
    assert not watcher.is_alive() and time.monotonic() - began < 3
    assert seen == ["ADDED"] * 4


# --- selector grammar, unit level ---------------------------------------------------------------

def test_selector_parser_edge_cases() -> None:
    labels = {"a": "1", "b": "", "tier": "5"}
    assert labels_match(parse_label_selector(" a = 1 , b "), labels)
    assert labels_match(parse_label_selector("a in (1,2),c notin (x),!c"), labels)
    assert labels_match(parse_label_selector("tier>3,tier<10"), labels)
    assert not labels_match(parse_label_selector("b!="), labels)
    assert labels_match(parse_label_selector(""), labels)
    for bad in ("a in ()", "a b", "a,", "in (x", "a=b=c", "!", "a in (x"):
        with pytest.raises(SelectorError):
            parse_label_selector(bad)
    terms = parse_field_selector(r"metadata.name=a\,b", {"metadata.name"})
    assert terms[0].value == "a,b"
    with pytest.raises(SelectorError, match="field label not supported: x"):
        parse_field_selector("x=1", {"metadata.name"})


# --- kubectl ---------------------------------------------------------------------------------

KUBECTL = shutil.which("kubectl")


def test_kubectl_reads_the_fake_cluster(shared: tuple[FakeKubeAPI, client.ApiClient],
                                        tmp_path: Path) -> None:
    # /usr/bin/kubectl here is the Google Cloud SDK dispatcher: it reads /version and execs the
    # matching kubectl.1.xx, so this runs a real kubectl 1.30 against the fake server.
    assert KUBECTL, "kubectl is part of this machine's toolchain"
    kubeconfig = shared[0].write_kubeconfig(tmp_path / "kubeconfig")
    base = [KUBECTL, "--kubeconfig", str(kubeconfig), "--cache-dir", str(tmp_path / "cache")]
    out = subprocess.run(
        [*base, "get", "pods", "-n", OPS, "-l", MOUNT_SELECTOR, "-o", "name"],
        capture_output=True, text=True, timeout=60, check=True).stdout
    assert out.split() == [f"pod/{n}" for n in sorted([HEALTHY_POD, OOM_POD, STUCK_POD])]
    table = subprocess.run([*base, "get", "pods", "-n", "dev"],
                           capture_output=True, text=True, timeout=60, check=True).stdout
    assert re.search(rf"{BROKEN_APP}\s+0/1\s+ContainerCreating", table)
    missing = subprocess.run([*base, "get", "pod", "nope", "-n", OPS],
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode != 0 and 'pods "nope" not found' in missing.stderr
