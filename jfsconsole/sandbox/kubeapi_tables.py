"""Server-side ``Table`` rendering, so ``kubectl get`` against the sandbox prints real columns.

kubectl asks for ``as=Table;g=meta.k8s.io;v=v1`` and, if it gets a plain list back, prints only
NAME and AGE. The columns below follow the apiserver's printers for the kinds an operator looks
at while debugging JuiceFS mounts; every other kind gets the generic Name/Age table, exactly as a
real server does for custom resources without printer columns.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from jfsconsole.core import humanfmt
from jfsconsole.sandbox.kubeapi_resources import Resource

Obj = dict[str, Any]
Column = tuple[str, str, int, Callable[[Obj], Any]]  # name, type, priority, cell


def wants_table(accept: str) -> bool:
    return "as=Table" in accept


def _age(stamp: str | None) -> str:
    if not stamp:
        return "<unknown>"
    then = datetime.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    text = humanfmt.age(then, datetime.now(UTC))  # kubectl's AGE rules
    return "0s" if text == "just now" else text


def _meta(o: Obj, key: str) -> Any:
    return o.get("metadata", {}).get(key)


def _created(o: Obj) -> str:
    return _age(_meta(o, "creationTimestamp"))


def _pod_status(pod: Obj) -> str:
    """The STATUS column: kubectl's printPod rules, reduced to the states fixtures can show."""
    status = pod.get("status", {})
    reason = status.get("reason") or status.get("phase") or "Unknown"
    for cs in status.get("initContainerStatuses", []):
        state = cs.get("state", {})
        if state.get("terminated", {}).get("exitCode", 0) != 0:
            reason = f"Init:{state['terminated'].get('reason') or 'Error'}"
            break
        if state.get("waiting", {}).get("reason") not in (None, "PodInitializing"):
            reason = f"Init:{state['waiting']['reason']}"
            break
    else:
        for cs in reversed(status.get("containerStatuses", [])):
            state = cs.get("state", {})
            if state.get("waiting", {}).get("reason"):
                reason = state["waiting"]["reason"]
            elif state.get("terminated", {}).get("reason"):
                reason = state["terminated"]["reason"]
    if _meta(pod, "deletionTimestamp"):
        reason = "Terminating"
    return str(reason)


def _pod_ready(pod: Obj) -> str:
    statuses = pod.get("status", {}).get("containerStatuses", [])
    total = len(pod.get("spec", {}).get("containers", []))
    return f"{sum(1 for s in statuses if s.get('ready'))}/{total}"


def _pod_restarts(pod: Obj) -> str:
    statuses = pod.get("status", {}).get("containerStatuses", [])
    count = sum(int(s.get("restartCount", 0)) for s in statuses)
    last = max((s.get("lastState", {}).get("terminated", {}).get("finishedAt", "")
                for s in statuses), default="")
    return f"{count} ({_age(last)} ago)" if count and last else str(count)


def _node_status(node: Obj) -> str:
    ready: Obj = next((c for c in node.get("status", {}).get("conditions", [])
                  if c.get("type") == "Ready"), {})
    text = {"True": "Ready", "False": "NotReady"}.get(ready.get("status", ""), "Unknown")
    if node.get("spec", {}).get("unschedulable"):
        text += ",SchedulingDisabled"
    return text


def _node_roles(node: Obj) -> str:
    prefix = "node-role.kubernetes.io/"
    roles = [k[len(prefix):] for k in (_meta(node, "labels") or {}) if k.startswith(prefix)]
    return ",".join(sorted(roles)) or "<none>"


def _address(node: Obj, kind: str) -> str:
    for addr in node.get("status", {}).get("addresses", []):
        if addr.get("type") == kind:
            return str(addr.get("address"))
    return "<none>"


def _ports(svc: Obj) -> str:
    return ",".join(f"{p.get('port')}/{p.get('protocol', 'TCP')}"
                    for p in svc.get("spec", {}).get("ports", [])) or "<none>"


def _modes(modes: list[str] | None) -> str:
    short = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX",
             "ReadWriteOncePod": "RWOP"}
    return ",".join(short.get(m, m) for m in modes or [])


def _get(*path: str, default: Any = "<none>") -> Callable[[Obj], Any]:
    def cell(o: Obj) -> Any:
        node: Any = o
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        return default if node in (None, "") else node
    return cell


def _ready_of(o: Obj, want: str = "replicas") -> str:
    status = o.get("status", {})
    return f"{status.get('readyReplicas', 0)}/{o.get('spec', {}).get(want, 0)}"


_NAME: Column = ("Name", "string", 0, lambda o: _meta(o, "name"))
_AGE: Column = ("Age", "string", 0, _created)

COLUMNS: dict[str, list[Column]] = {
    "pods": [_NAME, ("Ready", "string", 0, _pod_ready), ("Status", "string", 0, _pod_status),
             ("Restarts", "string", 0, _pod_restarts), _AGE,
             ("IP", "string", 1, _get("status", "podIP")),
             ("Node", "string", 1, _get("spec", "nodeName")),
             ("Nominated Node", "string", 1, _get("status", "nominatedNodeName")),
             ("Readiness Gates", "string", 1, lambda o: "<none>")],
    "nodes": [_NAME, ("Status", "string", 0, _node_status), ("Roles", "string", 0, _node_roles),
              _AGE, ("Version", "string", 0, _get("status", "nodeInfo", "kubeletVersion")),
              ("Internal-IP", "string", 1, lambda o: _address(o, "InternalIP")),
              ("External-IP", "string", 1, lambda o: _address(o, "ExternalIP")),
              ("OS-Image", "string", 1, _get("status", "nodeInfo", "osImage")),
              ("Kernel-Version", "string", 1, _get("status", "nodeInfo", "kernelVersion")),
              ("Container-Runtime", "string", 1,
               _get("status", "nodeInfo", "containerRuntimeVersion"))],
    "persistentvolumeclaims": [
        _NAME, ("Status", "string", 0, _get("status", "phase")),
        ("Volume", "string", 0, _get("spec", "volumeName", default="")),
        ("Capacity", "string", 0, _get("status", "capacity", "storage", default="")),
        ("Access Modes", "string", 0, lambda o: _modes(o.get("status", {}).get("accessModes"))),
        ("StorageClass", "string", 0, _get("spec", "storageClassName")),
        ("VolumeAttributesClass", "string", 0, _get("spec", "volumeAttributesClassName")),
        _AGE, ("VolumeMode", "string", 1, _get("spec", "volumeMode"))],
    "persistentvolumes": [
        _NAME, ("Capacity", "string", 0, _get("spec", "capacity", "storage")),
        ("Access Modes", "string", 0, lambda o: _modes(o.get("spec", {}).get("accessModes"))),
        ("Reclaim Policy", "string", 0, _get("spec", "persistentVolumeReclaimPolicy")),
        ("Status", "string", 0, _get("status", "phase")),
        ("Claim", "string", 0, lambda o: "/".join(
            filter(None, [o.get("spec", {}).get("claimRef", {}).get(k) for k in
                          ("namespace", "name")]))),
        ("StorageClass", "string", 0, _get("spec", "storageClassName", default="")),
        ("VolumeAttributesClass", "string", 0, _get("spec", "volumeAttributesClassName")),
        ("Reason", "string", 0, _get("status", "reason", default="")), _AGE],
    "events": [("Last Seen", "string", 0, lambda o: _age(o.get("lastTimestamp")
                                                        or o.get("eventTime"))),
               ("Type", "string", 0, _get("type")), ("Reason", "string", 0, _get("reason")),
               ("Object", "string", 0, lambda o: "{}/{}".format(
                   o.get("involvedObject", {}).get("kind", "").lower(),
                   o.get("involvedObject", {}).get("name", ""))),
               ("Message", "string", 0, _get("message", default=""))],
    "deployments": [_NAME, ("Ready", "string", 0, _ready_of),
                    ("Up-to-date", "integer", 0, _get("status", "updatedReplicas", default=0)),
                    ("Available", "integer", 0, _get("status", "availableReplicas", default=0)),
                    _AGE],
    "statefulsets": [_NAME, ("Ready", "string", 0, _ready_of), _AGE],
    "replicasets": [_NAME, ("Desired", "integer", 0, _get("spec", "replicas", default=0)),
                    ("Current", "integer", 0, _get("status", "replicas", default=0)),
                    ("Ready", "integer", 0, _get("status", "readyReplicas", default=0)), _AGE],
    "daemonsets": [_NAME] + [
        (title, "integer", 0, _get("status", field, default=0)) for title, field in (
            ("Desired", "desiredNumberScheduled"), ("Current", "currentNumberScheduled"),
            ("Ready", "numberReady"), ("Up-to-date", "updatedNumberScheduled"),
            ("Available", "numberAvailable"))] + [
        ("Node Selector", "string", 0, lambda o: ",".join(
            f"{k}={v}" for k, v in (o.get("spec", {}).get("template", {}).get("spec", {})
                                    .get("nodeSelector") or {}).items()) or "<none>"), _AGE],
    "services": [_NAME, ("Type", "string", 0, _get("spec", "type")),
                 ("Cluster-IP", "string", 0, _get("spec", "clusterIP")),
                 ("External-IP", "string", 0, lambda o: ",".join(
                     o.get("spec", {}).get("externalIPs") or []) or "<none>"),
                 ("Port(s)", "string", 0, _ports), _AGE,
                 ("Selector", "string", 1, lambda o: ",".join(
                     f"{k}={v}" for k, v in (o.get("spec", {}).get("selector") or {}).items())
                  or "<none>")],
    "secrets": [_NAME, ("Type", "string", 0, _get("type")),
                ("Data", "string", 0, lambda o: len(o.get("data") or {})), _AGE],
    "configmaps": [_NAME, ("Data", "string", 0, lambda o: len(o.get("data") or {})), _AGE],
    "namespaces": [_NAME, ("Status", "string", 0, _get("status", "phase")), _AGE],
    "storageclasses": [
        _NAME, ("Provisioner", "string", 0, _get("provisioner")),
        ("ReclaimPolicy", "string", 0, _get("reclaimPolicy")),
        ("VolumeBindingMode", "string", 0, _get("volumeBindingMode")),
        ("AllowVolumeExpansion", "string", 0,
         lambda o: str(bool(o.get("allowVolumeExpansion"))).lower()), _AGE],
    "csidrivers": [
        _NAME, ("AttachRequired", "boolean", 0, _get("spec", "attachRequired", default=True)),
        ("PodInfoOnMount", "boolean", 0, _get("spec", "podInfoOnMount", default=False)),
        ("Modes", "string", 0, lambda o: ",".join(
            o.get("spec", {}).get("volumeLifecycleModes") or ["Persistent"])), _AGE],
    "csinodes": [_NAME, ("Drivers", "integer", 0,
                         lambda o: len(o.get("spec", {}).get("drivers") or [])), _AGE],
    "cronjobs": [_NAME, ("Schedule", "string", 0, _get("spec", "schedule")),
                 ("Timezone", "string", 0, _get("spec", "timeZone")),
                 ("Suspend", "boolean", 0, _get("spec", "suspend", default=False)),
                 ("Active", "integer", 0, lambda o: len(o.get("status", {}).get("active") or [])),
                 ("Last Schedule", "string", 0,
                  lambda o: _age(o.get("status", {}).get("lastScheduleTime"))), _AGE],
}


def render(res: Resource, items: list[Obj], resource_version: str, include: str) -> Obj:
    """A meta.k8s.io/v1 Table; rows carry PartialObjectMetadata unless includeObject=Object."""
    columns = COLUMNS.get(res.plural, [_NAME, _AGE])
    rows = []
    for item in items:
        if include == "Object":
            embedded: Obj = item
        elif include == "None":
            embedded = {}
        else:
            embedded = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                        "metadata": item.get("metadata", {})}
        rows.append({"cells": [cell(item) for _, _, _, cell in columns], "object": embedded})
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": resource_version},
        "columnDefinitions": [
            {"name": name, "type": kind, "format": "name" if name == "Name" else "",
             "description": name, "priority": priority}
            for name, kind, priority, _ in columns
        ],
        "rows": rows,
    }
