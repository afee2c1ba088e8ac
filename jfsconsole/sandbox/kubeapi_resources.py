"""The resource registry of the fake API server and the discovery documents built from it.

One table drives routing, discovery, field-selector support and object lookup, so a resource
added here is served everywhere at once (and kubectl learns about it through discovery).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

SERVER_VERSION: dict[str, str] = {
    "major": "1",
    "minor": "30",
    "gitVersion": "v1.30.4",
    "gitCommit": "a51b3b711150f57ffc1f526a640ec058514ed596",
    "gitTreeState": "clean",
    "buildDate": "2024-08-14T19:04:53Z",
    "goVersion": "go1.22.5",
    "compiler": "gc",
    "platform": "linux/amd64",
}

_READ = ("get", "list", "watch")
_ALL = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
_META_FIELDS = frozenset({"metadata.name", "metadata.namespace"})


@dataclass(frozen=True)
class Resource:
    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    # Extra field-selector labels the real server registers for this resource (beyond
    # metadata.name / metadata.namespace); the value maps a label to its path in the object.
    fields: dict[str, str] = field(default_factory=dict)
    subresources: tuple[str, ...] = ()
    verbs: tuple[str, ...] = _ALL
    custom: bool = False  # CRD-backed: list items keep apiVersion/kind like unstructured lists

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def key(self) -> str:
        return f"{self.group}/{self.plural}"

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def field_labels(self) -> set[str]:
        return set(_META_FIELDS | self.fields.keys())


def _same(*names: str) -> dict[str, str]:
    return {name: name for name in names}


RESOURCES: tuple[Resource, ...] = (
    Resource("", "v1", "namespaces", "Namespace", False, ("ns",),
             fields=_same("status.phase"), subresources=("status", "finalize")),
    Resource("", "v1", "nodes", "Node", False, ("no",),
             fields=_same("spec.unschedulable"), subresources=("status", "proxy")),
    Resource("", "v1", "pods", "Pod", True, ("po",), ("all",),
             fields=_same("spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
                          "spec.serviceAccountName", "spec.hostNetwork", "status.phase",
                          "status.podIP", "status.nominatedNodeName"),
             subresources=("log", "status", "eviction", "exec", "portforward")),
    Resource("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", True, ("pvc",),
             subresources=("status",)),
    Resource("", "v1", "persistentvolumes", "PersistentVolume", False, ("pv",),
             subresources=("status",)),
    Resource("", "v1", "events", "Event", True, ("ev",),
             fields={**_same("involvedObject.kind", "involvedObject.namespace",
                             "involvedObject.name", "involvedObject.uid",
                             "involvedObject.apiVersion", "involvedObject.resourceVersion",
                             "involvedObject.fieldPath", "reason", "reportingComponent", "type"),
                     "source": "source.component"}),
    Resource("", "v1", "secrets", "Secret", True, fields=_same("type")),
    Resource("", "v1", "services", "Service", True, ("svc",), ("all",),
             subresources=("status", "proxy")),
    Resource("", "v1", "configmaps", "ConfigMap", True, ("cm",)),
    Resource("", "v1", "serviceaccounts", "ServiceAccount", True, ("sa",)),
    Resource("apps", "v1", "deployments", "Deployment", True, ("deploy",), ("all",),
             subresources=("status", "scale")),
    Resource("apps", "v1", "statefulsets", "StatefulSet", True, ("sts",), ("all",),
             subresources=("status", "scale")),
    Resource("apps", "v1", "daemonsets", "DaemonSet", True, ("ds",), ("all",),
             subresources=("status",)),
    Resource("apps", "v1", "replicasets", "ReplicaSet", True, ("rs",), ("all",),
             fields=_same("status.replicas"), subresources=("status", "scale")),
    Resource("batch", "v1", "cronjobs", "CronJob", True, ("cj",), ("all",),
             subresources=("status",)),
    Resource("batch", "v1", "jobs", "Job", True, (), ("all",),
             fields=_same("status.successful"), subresources=("status",)),
    Resource("networking.k8s.io", "v1", "ingresses", "Ingress", True, ("ing",),
             subresources=("status",)),
    Resource("storage.k8s.io", "v1", "storageclasses", "StorageClass", False, ("sc",)),
    Resource("storage.k8s.io", "v1", "csidrivers", "CSIDriver", False),
    Resource("storage.k8s.io", "v1", "csinodes", "CSINode", False),
    Resource("monitoring.coreos.com", "v1", "podmonitors", "PodMonitor", True, ("pmon",),
             ("all", "prometheus-operator"), custom=True),
)

GROUPS: tuple[str, ...] = tuple(dict.fromkeys(r.group for r in RESOURCES if r.group))


def find(group: str, version: str, plural: str) -> Resource | None:
    for res in RESOURCES:
        if (res.group, res.version, res.plural) == (group, version, plural):
            return res
    return None


def for_object(obj: dict[str, Any]) -> Resource:
    """The resource an object belongs to, from its apiVersion and kind."""
    api_version = str(obj.get("apiVersion", ""))
    kind = str(obj.get("kind", ""))
    group, _, version = api_version.rpartition("/")
    for res in RESOURCES:
        if (res.group, res.version, res.kind) == (group, version, kind):
            return res
    raise ValueError(f"the fake API server does not serve {kind or '?'} ({api_version or '?'})")


def for_kind(kind: str) -> Resource:
    """Look a resource up by kind, plural or short name (case-insensitive), core group first."""
    wanted = kind.lower()
    for res in RESOURCES:
        if wanted in (res.kind.lower(), res.plural, *res.short_names):
            return res
    raise ValueError(f"the fake API server does not serve {kind!r}")


# --- discovery ---------------------------------------------------------------------------

def resource_list(group: str, version: str) -> dict[str, Any] | None:
    served = [r for r in RESOURCES if (r.group, r.version) == (group, version)]
    if not served:
        return None
    entries: list[dict[str, Any]] = []
    for res in served:
        entry: dict[str, Any] = {
            "name": res.plural,
            "singularName": res.singular,
            "namespaced": res.namespaced,
            "kind": res.kind,
            "verbs": list(res.verbs),
        }
        if res.short_names:
            entry["shortNames"] = list(res.short_names)
        if res.categories:
            entry["categories"] = list(res.categories)
        entries.append(entry)
        for sub in res.subresources:
            kind = {"log": "Pod", "scale": "Scale", "eviction": "Eviction"}.get(sub, res.kind)
            verbs = {"log": ["get"], "exec": ["create", "get"], "portforward": ["create", "get"],
                     "eviction": ["create"], "finalize": ["update"],
                     "proxy": ["create", "delete", "get", "patch", "update"]}
            entries.append({
                "name": f"{res.plural}/{sub}",
                "singularName": "",
                "namespaced": res.namespaced,
                "kind": kind,
                "verbs": verbs.get(sub, ["get", "patch", "update"]),
            })
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}" if group else version,
        "resources": entries,
    }


def api_group(group: str) -> dict[str, Any] | None:
    versions = list(dict.fromkeys(r.version for r in RESOURCES if r.group == group))
    if not group or not versions:
        return None
    items = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {
        "kind": "APIGroup",
        "apiVersion": "v1",
        "name": group,
        "versions": items,
        "preferredVersion": items[0],
    }


def api_group_list() -> dict[str, Any]:
    groups: Iterable[dict[str, Any] | None] = (api_group(g) for g in GROUPS)
    items = [g for g in groups if g is not None]
    for item in items:
        del item["kind"], item["apiVersion"]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": items}


def api_versions(server_address: str) -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}
        ],
    }
