"""The object store behind the fake API server: objects, resource versions and a change log.

Everything here runs under one lock; the HTTP layer never touches the dicts directly. The change
log exists so that ``watch`` can replay changes made through :class:`FakeKubeAPI` (``add_object``,
``remove_object``) and through the API (DELETE, PATCH, POST) while a client is watching.
"""

from __future__ import annotations

import copy
import threading
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from jfsconsole.sandbox.kubeapi_resources import Resource

Key = tuple[str, str, str]  # (resource key, namespace or "", name)
Obj = dict[str, Any]

# Enough history for any test or demo watch; an older resourceVersion answers 410 Gone like a
# compacted etcd would.
_LOG_SIZE = 2000


def now_rfc3339() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Change:
    rv: int
    type: str  # ADDED, MODIFIED, DELETED
    res_key: str
    obj: Obj


class ObjectStore:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self._objects: dict[Key, Obj] = {}
        # Real clusters have large, unrelated resource versions; starting high keeps code that
        # wrongly compares them as small integers from passing by accident.
        self._rv = 418_000
        self._log: deque[Change] = deque(maxlen=_LOG_SIZE)
        # Bumped by close(): a watch ends when the epoch it started in is over, so stopping
        # the server ends its watches while a restarted server can serve new ones.
        self.epoch = 0

    @property
    def resource_version(self) -> int:
        with self.lock:
            return self._rv

    def oldest_watchable(self) -> int:
        with self.lock:
            return self._log[0].rv - 1 if self._log else self._rv

    def _bump(self, kind: str, res: Resource, obj: Obj) -> None:
        self._rv += 1
        obj["metadata"]["resourceVersion"] = str(self._rv)
        self._log.append(Change(self._rv, kind, res.key, copy.deepcopy(obj)))
        self.changed.notify_all()

    def put(self, res: Resource, obj: Obj) -> Obj:
        """Insert or replace; fills uid, creationTimestamp and namespace the way the server does."""
        obj = copy.deepcopy(obj)
        meta = obj.setdefault("metadata", {})
        name = meta.get("name")
        if not name:
            raise ValueError(f"{res.kind} without metadata.name")
        if res.namespaced:
            meta.setdefault("namespace", "default")
        else:
            meta.pop("namespace", None)
        ns = meta.get("namespace", "")
        # Deterministic uids keep fixtures and test expectations stable across runs.
        meta.setdefault("uid", str(uuid.uuid5(uuid.NAMESPACE_URL, f"{res.key}/{ns}/{name}")))
        meta.setdefault("creationTimestamp", now_rfc3339())
        obj["apiVersion"], obj["kind"] = res.api_version, res.kind
        key = (res.key, ns, name)
        with self.lock:
            existed = key in self._objects
            self._objects[key] = obj
            self._bump("MODIFIED" if existed else "ADDED", res, obj)
            return copy.deepcopy(obj)

    def get(self, res: Resource, namespace: str, name: str) -> Obj | None:
        with self.lock:
            obj = self._objects.get((res.key, namespace if res.namespaced else "", name))
            return copy.deepcopy(obj) if obj is not None else None

    def remove(self, res: Resource, namespace: str, name: str) -> Obj | None:
        with self.lock:
            obj = self._objects.pop((res.key, namespace if res.namespaced else "", name), None)
            if obj is not None:
                self._bump("DELETED", res, obj)
            return copy.deepcopy(obj) if obj is not None else None

    def delete(self, res: Resource, namespace: str, name: str) -> tuple[Obj, bool] | None:
        """API deletion: objects with finalizers only get a deletionTimestamp (stay, "Terminating").

        Returns (object, gone). No kubelet runs here, so a pod without finalizers disappears at
        once instead of after its grace period.
        """
        with self.lock:
            key = (res.key, namespace if res.namespaced else "", name)
            obj = self._objects.get(key)
            if obj is None:
                return None
            meta = obj["metadata"]
            if meta.get("finalizers"):
                if not meta.get("deletionTimestamp"):
                    meta["deletionTimestamp"] = now_rfc3339()
                    meta.setdefault("deletionGracePeriodSeconds", 30)
                    self._bump("MODIFIED", res, obj)
                return copy.deepcopy(obj), False
            del self._objects[key]
            meta.setdefault("deletionTimestamp", now_rfc3339())
            self._bump("DELETED", res, obj)
            return copy.deepcopy(obj), True

    def replace_existing(self, res: Resource, obj: Obj) -> Obj:
        """Store an updated version (after PATCH); drop it when its last finalizer went away."""
        meta = obj["metadata"]
        key = (res.key, meta.get("namespace", "") if res.namespaced else "", meta["name"])
        with self.lock:
            if meta.get("deletionTimestamp") and not meta.get("finalizers"):
                self._objects.pop(key, None)
                self._bump("DELETED", res, obj)
            else:
                self._objects[key] = obj
                self._bump("MODIFIED", res, obj)
            return copy.deepcopy(obj)

    def items(self, res: Resource, namespace: str | None) -> list[Obj]:
        """Copies of one resource's objects in etcd key order (namespace, then name)."""
        with self.lock:
            found = [
                (key, obj)
                for key, obj in self._objects.items()
                if key[0] == res.key and (namespace is None or key[1] == namespace)
            ]
            found.sort(key=lambda pair: pair[0])
            return [copy.deepcopy(obj) for _, obj in found]

    def changes_after(self, rv: int) -> list[Change]:
        with self.lock:
            return [change for change in self._log if change.rv > rv]

    def close(self) -> None:
        with self.lock:
            self.epoch += 1
            self.changed.notify_all()
