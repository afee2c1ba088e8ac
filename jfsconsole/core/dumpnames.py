"""Read env, pod and app out of dump names written by ``-XX:HeapDumpPath``.

The JVM flag is ``/data/jfsdata/dumpfiles/${project_env}_${pod_name}_heapDump.hprof``. Pod
names are DNS-1123 names and never hold "_", while an env may, so the pod is the part after
the LAST underscore before ``_heapDump``. The suffix is matched loosely (``heapdump``,
``heap_dump``, ``heap-dump``, any case) because people retype the flag by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache


class PodKind(StrEnum):
    """What kind of owner the pod name points to (from the name alone: no API call)."""

    DEPLOYMENT = "deployment"
    STATEFULSET = "statefulset"
    # DaemonSet, Job, bare ReplicaSet, CloneSet...: "<owner>-<5 random chars>"
    GENERATED = "generated"
    POD = "pod"


@dataclass(frozen=True, slots=True)
class DumpName:
    env: str
    pod: str
    app: str
    kind: PodKind
    gzip: bool = False
    segment: int | None = None


_NAME = re.compile(
    r"^(?P<env>.*)_(?P<pod>[^_]*)_heap[_-]?dump\.hprof(?P<gz>\.gz)?(?:\.p(?P<seg>\d+))?$",
    re.IGNORECASE,
)
# Kubernetes random suffixes use this vowel-free alphabet (k8s.io/apimachinery rand
# "bcdfghjklmnpqrstvwxz2456789"); requiring it keeps "order-api-v2-backend" from looking
# generated. The pod-template-hash is SafeEncodeString(decimal FNV-32 hash): each digit
# maps to one of "456789bcdf", 1 to 10 characters, under 6 only for hashes below 100,000.
K8S_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_SAFE = f"[{K8S_SUFFIX_ALPHABET}]"
_HASH = "[456789bcdf]"
_DEPLOYMENT = re.compile(rf"^(?P<app>.+)-{_HASH}{{6,10}}-{_SAFE}{{5}}$")
_STATEFULSET = re.compile(r"^(?P<app>.+)-(?:0|[1-9]\d{0,8})$")
_GENERATED = re.compile(rf"^(?P<app>.+)-{_SAFE}{{5}}$")


def app_of(pod: str) -> tuple[str, PodKind]:
    """Guess the workload name and kind from a pod name."""
    for pattern, kind in (
        (_DEPLOYMENT, PodKind.DEPLOYMENT),
        (_STATEFULSET, PodKind.STATEFULSET),
        (_GENERATED, PodKind.GENERATED),
    ):
        match = pattern.match(pod)
        if match is not None:
            return match.group("app"), kind
    return pod, PodKind.POD


def _parse_basename(name: str) -> DumpName | None:
    match = _NAME.match(name)
    if match is None:
        return None
    pod = match.group("pod")
    app, kind = app_of(pod)
    segment = match.group("seg")
    return DumpName(
        env=match.group("env"),
        pod=pod,
        app=app,
        kind=kind,
        gzip=match.group("gz") is not None,
        segment=int(segment) if segment is not None else None,
    )


# Keyed on the whole key, which saves the split on a hit; big enough for a 100k listing.
@lru_cache(maxsize=131_072)
def parse_dump_name(key: str) -> DumpName | None:
    """Parse a dump key or file name; None when it doesn't follow the naming scheme.

    Empty parts are kept as "" (an unset ``$project_env`` gives ``_pod_heapDump.hprof``).
    Cached: listings are re-parsed on every refresh, sort and filter.
    """
    if key.endswith("/"):
        return None
    return _parse_basename(key.rsplit("/", 1)[-1])
