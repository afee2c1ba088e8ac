"""Request handling of the fake API server, independent of the HTTP plumbing.

``Router.handle`` turns one request into a ``Response``; everything a real API server would
answer with a ``Status`` (401, 403, 404, 405, 409, 400) is decided here.
"""

from __future__ import annotations

import base64
import binascii
import json
import random
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from jfsconsole.core.dumpnames import K8S_SUFFIX_ALPHABET
from jfsconsole.sandbox import kubeapi_resources as resources
from jfsconsole.sandbox import kubeapi_tables as tables
from jfsconsole.sandbox.kubeapi_patch import json_patch, merge_patch
from jfsconsole.sandbox.kubeapi_resources import Resource
from jfsconsole.sandbox.kubeapi_selectors import (
    FieldTerm,
    Requirement,
    SelectorError,
    field_value,
    fields_match,
    labels_match,
    parse_field_selector,
    parse_label_selector,
)
from jfsconsole.sandbox.kubeapi_status import (
    NO_ROUTE,
    NOT_ALLOWED,
    ApiError,
    Response,
    bad_request,
    details_of,
    json_response,
    not_found,
    qualified,
    status_body,
)
from jfsconsole.sandbox.kubeapi_store import Obj, ObjectStore


@dataclass(frozen=True)
class ForbiddenRule:
    resource: str  # plural, or plural/subresource such as "pods/log"
    namespace: str | None
    verb: str  # get, list, watch, delete, create, patch or "*"


@dataclass
class Route:
    res: Resource
    namespace: str | None  # None: cluster-scoped resource or an all-namespaces collection
    name: str = ""
    sub: str = ""


@dataclass
class Router:
    store: ObjectStore
    user: str = "system:serviceaccount:kube-ops:jfsconsole"
    require_token: str | None = None
    server_address: str = "127.0.0.1:0"
    forbidden: set[ForbiddenRule] = field(default_factory=set)
    logs: dict[tuple[str, str, str, bool], str] = field(default_factory=dict)

    # --- entry point -----------------------------------------------------------------

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Response:
        """``headers`` must have lower-case names."""
        split = urlsplit(target)
        path = split.path.rstrip("/") or "/"
        params = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        try:
            return self._handle(method, path, params, headers, body)
        except ApiError as err:
            return json_response(status_body(err.code, err.reason, err.message, err.details),
                                 err.code)

    def _handle(self, method: str, path: str, params: dict[str, str],
                headers: Mapping[str, str], body: bytes) -> Response:
        if path in ("/healthz", "/livez", "/readyz"):
            return Response(200, b"ok", "text/plain; charset=utf-8")
        if path == "/version":  # readable anonymously on real clusters (system:public-info-viewer)
            return json_response(resources.SERVER_VERSION)
        self._authenticate(headers)
        if method != "GET" and path.count("/") < 3:  # discovery documents are read-only
            raise NOT_ALLOWED
        # Legacy discovery only: a client asking for aggregated discovery (apidiscovery.k8s.io
        # v2) gets the legacy document with a plain JSON content type and falls back, as it
        # does against servers older than 1.26.
        if path == "/api":
            return json_response(resources.api_versions(self.server_address))
        if path == "/apis":
            return json_response(resources.api_group_list())
        parts = path.strip("/").split("/")
        if parts[0] == "api" and len(parts) >= 2:
            group, version, rest = "", parts[1], parts[2:]
        elif parts[0] == "apis" and len(parts) >= 3:
            group, version, rest = parts[1], parts[2], parts[3:]
        elif parts[0] == "apis" and len(parts) == 2:
            doc = resources.api_group(parts[1])
            if doc is None:
                raise NO_ROUTE
            return json_response(doc)
        else:
            raise NO_ROUTE  # includes /openapi/v2 and /openapi/v3: kubectl copes without them
        if not rest:
            if method != "GET":
                raise NOT_ALLOWED
            listing = resources.resource_list(group, version)
            if listing is None:
                raise NO_ROUTE
            return json_response(listing)
        route = self._route(group, version, rest)
        return self._dispatch(method, route, params, headers, body)

    def _route(self, group: str, version: str, rest: list[str]) -> Route:
        namespace: str | None = None
        if rest[0] == "namespaces" and len(rest) >= 3:
            inner = resources.find(group, version, rest[2])
            if inner is not None and inner.namespaced:
                namespace, rest = rest[1], rest[2:]
        res = resources.find(group, version, rest[0])
        if res is None or len(rest) > 3 or (res.namespaced and len(rest) > 1 and not namespace):
            raise NO_ROUTE
        name = rest[1] if len(rest) > 1 else ""
        sub = rest[2] if len(rest) > 2 else ""
        if sub and sub not in res.subresources:
            raise NO_ROUTE
        return Route(res, namespace, name, sub)

    # --- auth ------------------------------------------------------------------------

    def _authenticate(self, headers: Mapping[str, str]) -> None:
        if self.require_token is None:
            return
        # The scheme is case-insensitive (RFC 7235): the client's in-cluster loader sends "bearer".
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or token != self.require_token:
            raise ApiError(401, "Unauthorized", "Unauthorized")

    def _authorize(self, verb: str, route: Route) -> None:
        res = route.res
        rbac_resource = f"{res.plural}/{route.sub}" if route.sub else res.plural
        with self.store.lock:
            rules = list(self.forbidden)
        for rule in rules:
            if rule.resource != rbac_resource or rule.verb not in (verb, "*"):
                continue
            # A namespace-level denial also denies the cluster-scope list: with RBAC, listing
            # across namespaces needs a ClusterRole, which would cover that namespace too.
            if rule.namespace is not None and route.namespace not in (None, rule.namespace):
                continue
            group = res.group
            where = (f'in the namespace "{route.namespace}"' if route.namespace
                     else "at the cluster scope")
            reason = (f'User "{self.user}" cannot {verb} resource "{rbac_resource}" '
                      f'in API group "{group}" {where}')
            subject = (f'{qualified(res)} "{route.name}"' if route.name else qualified(res))
            raise ApiError(403, "Forbidden", f"{subject} is forbidden: {reason}",
                           details_of(res, route.name))

    # --- verbs -----------------------------------------------------------------------

    def _dispatch(self, method: str, route: Route, params: dict[str, str],
                  headers: Mapping[str, str], body: bytes) -> Response:
        watching = _flag(params, "watch")
        if method == "GET" and not route.name:
            self._authorize("watch" if watching else "list", route)
            return self._list(route, params, headers, watching)
        if method == "GET" and route.sub == "log":
            self._authorize("get", route)
            return self._log(route, params)
        if method == "GET" and route.sub in ("", "status"):
            self._authorize("get", route)
            obj = self._get(route)
            if tables.wants_table(headers.get("accept", "")):
                return json_response(tables.render(route.res, [obj], obj["metadata"].get(
                    "resourceVersion", ""), params.get("includeObject", "")))
            return json_response(obj)
        if method == "DELETE" and route.name and not route.sub:
            self._authorize("delete", route)
            return self._delete(route)
        if method == "PATCH" and route.name and route.sub in ("", "status"):
            self._authorize("patch", route)
            return self._patch(route, headers.get("content-type", ""), body)
        if method == "POST" and not route.name:
            self._authorize("create", route)
            return self._create(route, params, body)
        raise NOT_ALLOWED

    def _get(self, route: Route) -> Obj:
        obj = self.store.get(route.res, route.namespace or "", route.name)
        if obj is None:
            raise not_found(route.res, route.name)
        return obj

    def _selected(self, route: Route, params: dict[str, str]
                  ) -> tuple[list[Requirement], list[FieldTerm]]:
        try:
            return (parse_label_selector(params.get("labelSelector", "")),
                    parse_field_selector(params.get("fieldSelector", ""),
                                         route.res.field_labels))
        except SelectorError as err:
            raise bad_request(str(err)) from None

    def _matches(self, route: Route, obj: Obj, reqs: list[Requirement],
                 terms: list[FieldTerm]) -> bool:
        meta = obj.get("metadata", {})
        aliases = route.res.fields
        return labels_match(reqs, meta.get("labels")) and fields_match(
            terms, obj, lambda o, f: field_value(o, f, aliases))

    def _list(self, route: Route, params: dict[str, str], headers: Mapping[str, str],
              watching: bool) -> Response:
        reqs, terms = self._selected(route, params)
        as_table = tables.wants_table(headers.get("accept", ""))
        if watching:
            return self._watch(route, params, reqs, terms, as_table)
        res = route.res
        # resourceVersion / resourceVersionMatch are ignored: every list is served from the
        # current state, which is what "most recent" (the default) means anyway.
        rv = self.store.resource_version
        items = [o for o in self.store.items(res, route.namespace)
                 if self._matches(route, o, reqs, terms)]
        meta: Obj = {"resourceVersion": str(rv)}
        token = params.get("continue", "")
        if token:
            rv, after = _decode_continue(token)
            meta["resourceVersion"] = str(rv)
            items = [o for o in items if _item_key(o) > tuple(after.split("/", 1))]
        limit = _int(params, "limit")
        if 0 < limit < len(items):
            rest = len(items) - limit
            items = items[:limit]
            meta["continue"] = _encode_continue(rv, "/".join(_item_key(items[-1])))
            if not reqs and not terms:  # the real server only counts when nothing filters
                meta["remainingItemCount"] = rest
        if as_table:
            table = tables.render(res, items, meta["resourceVersion"],
                                  params.get("includeObject", ""))
            table["metadata"] = meta
            return json_response(table)
        if not res.custom:  # typed lists omit apiVersion/kind on items; unstructured keep them
            for item in items:
                item.pop("apiVersion", None)
                item.pop("kind", None)
        return json_response({"kind": f"{res.kind}List", "apiVersion": res.api_version,
                              "metadata": meta, "items": items})

    def _watch(self, route: Route, params: dict[str, str], reqs: list[Requirement],
               terms: list[FieldTerm], table: bool) -> Response:
        """Stream ADDED for what exists (unless resuming), then live changes until timeout.

        A real watch ends after timeoutSeconds (or the server's own limit); this one also ends
        when the fake server stops, so tests never hang on it.
        """
        store, res = self.store, route.res
        timeout = _int(params, "timeoutSeconds")
        deadline = time.monotonic() + timeout if timeout > 0 else None
        since = params.get("resourceVersion", "")
        expired: Obj | None = None
        with store.lock:
            epoch = store.epoch
            if since in ("", "0"):
                start = store.resource_version
                initial = [o for o in store.items(res, route.namespace)
                           if self._matches(route, o, reqs, terms)]
            else:
                start, initial = _int(params, "resourceVersion"), []
                if start < store.oldest_watchable():  # as after an etcd compaction
                    expired = status_body(410, "Expired", f"too old resource version: {start} "
                                          f"({store.oldest_watchable()})", None)

        first = True

        def wrap(obj: Obj) -> Obj:
            # kubectl get -w asks for Tables: one single-row Table per event, column
            # definitions on the first one only (as the apiserver does).
            nonlocal first
            if not table:
                return obj
            doc = tables.render(res, [obj], obj["metadata"].get("resourceVersion", ""),
                                params.get("includeObject", ""))
            if not first:
                doc["columnDefinitions"] = []
            first = False
            return doc

        def events() -> Iterator[bytes]:
            last = start
            if expired is not None:
                yield _event("ERROR", expired)
                return
            for obj in initial:
                yield _event("ADDED", wrap(obj))
            while True:
                with store.changed:
                    pending = store.changes_after(last)
                    while not pending and store.epoch == epoch:
                        left = None if deadline is None else deadline - time.monotonic()
                        if left is not None and left <= 0:
                            return
                        store.changed.wait(0.5 if left is None else min(left, 0.5))
                        pending = store.changes_after(last)
                    if store.epoch != epoch:
                        return
                for change in pending:
                    last = change.rv
                    obj = change.obj
                    same_ns = route.namespace in (None, obj["metadata"].get("namespace"))
                    if (change.res_key == res.key and same_ns
                            and self._matches(route, obj, reqs, terms)):
                        yield _event(change.type, wrap(obj))

        return Response(200, stream=events())

    def _log(self, route: Route, params: dict[str, str]) -> Response:
        pod = self._get(route)
        name = route.name
        spec_containers = [c["name"] for c in pod.get("spec", {}).get("containers", [])]
        init_containers = [c["name"] for c in pod.get("spec", {}).get("initContainers", [])]
        container = params.get("container", "")
        if not container:
            if len(spec_containers) != 1:
                raise bad_request(f"a container name must be specified for pod {name}, "
                                  f"choose one of: [{' '.join(spec_containers)}]")
            container = spec_containers[0]
        if container not in spec_containers + init_containers:
            raise bad_request(f"container {container} is not valid for pod {name}")
        previous = _flag(params, "previous")
        key = (route.namespace or "", name, container, previous)
        statuses = pod.get("status", {}).get("containerStatuses", []) + pod.get(
            "status", {}).get("initContainerStatuses", [])
        status: Obj = next((s for s in statuses if s.get("name") == container), {})
        if previous and key not in self.logs:
            raise bad_request(f'previous terminated container "{container}" in pod "{name}" '
                              "not found")
        waiting = status.get("state", {}).get("waiting")
        if not previous and waiting and key not in self.logs:
            raise bad_request(f'container "{container}" in pod "{name}" is waiting to start: '
                              f"{waiting.get('reason', 'ContainerCreating')}")
        lines = self.logs.get(key, "").splitlines(keepends=True)
        if params.get("tailLines"):
            tail = _int(params, "tailLines")
            lines = lines[-tail:] if tail > 0 else []
        if _flag(params, "timestamps"):
            started = (status.get("state", {}).get("running", {}).get("startedAt")
                       or pod["metadata"].get("creationTimestamp", ""))
            stamp = started.replace("Z", ".000000000Z")
            lines = [f"{stamp} {line}" for line in lines]
        data = "".join(lines).encode()
        if params.get("limitBytes"):
            data = data[: _int(params, "limitBytes")]
        # follow=true answers the current text and closes: nothing ever appends to a fake log.
        return Response(200, data, "text/plain")

    def _delete(self, route: Route) -> Response:
        result = self.store.delete(route.res, route.namespace or "", route.name)
        if result is None:
            raise not_found(route.res, route.name)
        obj, gone = result
        if route.res.plural == "pods" or not gone:
            return json_response(obj)  # the API returns pods (and objects still finalizing)
        return json_response({"kind": "Status", "apiVersion": "v1", "metadata": {},
                              "status": "Success", "details": {
                                  **details_of(route.res, route.name),
                                  "uid": obj["metadata"].get("uid", "")}})

    def _patch(self, route: Route, content_type: str, body: bytes) -> Response:
        obj = self._get(route)
        try:
            patch = json.loads(body or b"null")
        except ValueError as err:
            raise bad_request(f"error decoding patch: {err}") from None
        ctype = content_type.split(";")[0].strip()
        if ctype == "application/json-patch+json":
            if not isinstance(patch, list):
                raise bad_request("json: cannot unmarshal object into Go value of type "
                                  "jsonpatch.Patch")
            patched = json_patch(obj, patch)
        elif ctype in ("application/merge-patch+json", "application/strategic-merge-patch+json"):
            # Strategic merge is approximated by a JSON merge patch: lists are replaced whole,
            # which is what the console's patches (labels, annotations, finalizers) need.
            if not isinstance(patch, dict):
                raise bad_request("json: cannot unmarshal array into Go value of type "
                                  "map[string]interface {}")
            patched = merge_patch(obj, patch)
        else:
            raise ApiError(415, "UnsupportedMediaType",
                           f"the body of the request was in an unknown format - accepted media "
                           f"types include: application/json-patch+json, "
                           f"application/merge-patch+json, application/strategic-merge-patch+json"
                           f" (got {ctype or 'nothing'})")
        if not isinstance(patched, dict):
            raise bad_request("the patch did not produce an object")
        for keep in ("name", "namespace", "uid", "creationTimestamp"):  # immutable
            if keep in obj["metadata"]:
                patched.setdefault("metadata", {})[keep] = obj["metadata"][keep]
        return json_response(self.store.replace_existing(route.res, patched))

    def _create(self, route: Route, params: dict[str, str], body: bytes) -> Response:
        res = route.res
        try:
            obj = json.loads(body or b"{}")
        except ValueError as err:
            raise bad_request(f"error decoding body: {err}") from None
        if not isinstance(obj, dict):
            raise bad_request("the body of the request is not an object")
        if obj.get("kind", res.kind) != res.kind:
            raise bad_request(f"the kind {obj.get('kind')!r} does not match {res.kind}")
        meta = obj.setdefault("metadata", {})
        if res.namespaced:
            if route.namespace is None:
                raise NOT_ALLOWED
            if meta.get("namespace", route.namespace) != route.namespace:
                raise bad_request("the namespace of the provided object does not match the "
                                  "namespace sent on the request")
            meta["namespace"] = route.namespace
            ns_res = resources.for_kind("Namespace")
            if self.store.get(ns_res, "", route.namespace) is None:
                raise not_found(ns_res, route.namespace)
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + "".join(random.choices(K8S_SUFFIX_ALPHABET, k=5))
        if not meta.get("name"):
            raise ApiError(422, "Invalid", f'{res.kind} "" is invalid: metadata.name: Required '
                           "value: name or generateName is required",
                           {"kind": res.kind})
        for drop in ("resourceVersion", "uid", "creationTimestamp", "deletionTimestamp"):
            meta.pop(drop, None)
        if self.store.get(res, route.namespace or "", meta["name"]) is not None:
            raise ApiError(409, "AlreadyExists",
                           f'{qualified(res)} "{meta["name"]}" already exists',
                           details_of(res, meta["name"]))
        obj["apiVersion"], obj["kind"] = res.api_version, res.kind
        if params.get("dryRun") == "All":
            return json_response(obj, 201)
        return json_response(self.store.put(res, obj), 201)


# --- helpers ---------------------------------------------------------------------------

def _int(params: dict[str, str], name: str) -> int:
    try:
        return int(params.get(name) or 0)
    except ValueError:
        raise bad_request(f"invalid value for {name}: {params[name]!r}") from None


def _flag(params: dict[str, str], name: str) -> bool:
    # strconv.ParseBool: the Python client sends "True", kubectl sends "true"
    return params.get(name, "") in ("1", "t", "T", "true", "TRUE", "True")


def _event(kind: str, obj: Obj) -> bytes:
    return json.dumps({"type": kind, "object": obj}, separators=(",", ":")).encode() + b"\n"


def _item_key(obj: Obj) -> tuple[str, ...]:
    meta = obj.get("metadata", {})
    return (meta.get("namespace", ""), meta.get("name", ""))


def _encode_continue(rv: int, last_key: str) -> str:
    # Same layout as the apiserver's token (base64 of {"v","rv","start"}) so nobody is tempted
    # to parse it: it is opaque to clients either way.
    raw = json.dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": last_key + "\x00"})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_continue(token: str) -> tuple[int, str]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        return int(raw["rv"]), str(raw["start"]).rstrip("\x00")
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise bad_request("continue key is not valid: incorrect encoded start "
                          "resourceVersion (version meta.k8s.io/v1)") from None
