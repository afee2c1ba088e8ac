"""A wire-level fake Kubernetes API server: the "simulated cluster" of the sandbox and the tests.

No API server can be installed on our machines, so the real ``kubernetes`` client (and kubectl)
talk HTTP to this one instead. It serves discovery, typed lists/gets with label and field
selectors, pagination, pod logs, watches, deletes, patches and creates, and it answers failures
with real-shaped ``Status`` objects. Fixtures under ``fixtures/cluster`` model a JuiceFS CSI
driver v0.27 installation in ``kube-ops`` with a few deliberate faults (see the comments there).

    with FakeKubeAPI() as api:                       # starts on a free loopback port
        cfg = api.write_kubeconfig(tmp / "kubeconfig")
        ...                                          # kubernetes.config.load_kube_config(cfg)

Only the standard library and PyYAML are used, so the sandbox starts without Textual.
"""

from __future__ import annotations

import json
import re
import socket
import ssl
import sys
import threading
from collections import deque
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

import yaml

from jfsconsole.sandbox import kubeapi_resources as resources
from jfsconsole.sandbox.kubeapi_router import ForbiddenRule, Router
from jfsconsole.sandbox.kubeapi_status import json_response, status_body
from jfsconsole.sandbox.kubeapi_store import ObjectStore

__all__ = ["DEFAULT_FIXTURES", "FakeKubeAPI"]

DEFAULT_FIXTURES = Path(__file__).parent / "fixtures" / "cluster"
DEFAULT_USER = "system:serviceaccount:kube-ops:jfsconsole"

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")

# Parsed fixtures keyed by directory and file signature: the suite starts dozens of servers and
# must not pay for YAML parsing each time.
_fixture_cache: dict[tuple[str, tuple[tuple[str, int, int], ...]],
                     tuple[list[dict[str, Any]], dict[tuple[str, str, str, bool], str]]] = {}
_cache_lock = threading.Lock()


def _load_fixtures(
    directory: Path,
) -> tuple[list[dict[str, Any]], dict[tuple[str, str, str, bool], str]]:
    if not directory.is_dir():
        raise FileNotFoundError(f"fixture directory {directory} does not exist")
    files = sorted(p for p in directory.rglob("*") if p.is_file() and p.suffix in (
        ".yaml", ".yml", ".log"))
    stats = [(p, p.stat()) for p in files]
    signature = tuple((str(p), st.st_mtime_ns, st.st_size) for p, st in stats)
    key = (str(directory.resolve()), signature)
    with _cache_lock:
        cached = _fixture_cache.get(key)
    if cached is None:
        objects: list[dict[str, Any]] = []
        logs: dict[tuple[str, str, str, bool], str] = {}
        for path in files:
            rel = path.relative_to(directory).parts
            if rel[0] == "logs" and len(rel) == 4 and path.suffix == ".log":
                container, previous = path.stem, path.stem.endswith(".previous")
                container = container.removesuffix(".previous")
                logs[(rel[1], rel[2], container, previous)] = path.read_text(encoding="utf-8")
            elif len(rel) == 1 and path.suffix in (".yaml", ".yml"):
                with path.open(encoding="utf-8") as fh:
                    for doc in yaml.load_all(fh, Loader=_Loader):
                        objects.extend(_flatten(doc))
        cached = (objects, logs)
        with _cache_lock:
            _fixture_cache[key] = cached
    # Shared, not copied: ObjectStore.put copies each object, and nothing before it writes.
    return list(cached[0]), dict(cached[1])


def _flatten(doc: Any) -> list[dict[str, Any]]:
    if not isinstance(doc, dict):
        return []
    if str(doc.get("kind", "")).endswith("List") and isinstance(doc.get("items"), list):
        return [item for item in doc["items"] if isinstance(item, dict)]
    return [doc]


def _shift_times(node: Any, delta: timedelta) -> Any:
    if isinstance(node, dict):
        return {k: _shift_times(v, delta) for k, v in node.items()}
    if isinstance(node, list):
        return [_shift_times(v, delta) for v in node]
    if isinstance(node, str) and _STAMP.match(node):
        then = datetime.strptime(node[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
        return (then + delta).strftime("%Y-%m-%dT%H:%M:%SZ")
    return node


def _latest_time(node: Any) -> str:
    if isinstance(node, dict):
        return max((_latest_time(v) for v in node.values()), default="")
    if isinstance(node, list):
        return max((_latest_time(v) for v in node), default="")
    return node[:19] if isinstance(node, str) and _STAMP.match(node) else ""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    router: Router
    api: FakeKubeAPI

    def handle_error(self, request: Any, client_address: Any) -> None:
        # socketserver prints tracebacks to stderr, which would smear the TUI; clients dropping
        # pooled keep-alive connections is normal, anything else is kept for debugging.
        exc = sys.exc_info()[1]
        if not isinstance(exc, ConnectionError):
            self.api.server_errors.append(repr(exc))


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps the client's connection pool useful; every answer carries Content-Length
    # or is chunked (watch).
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the TUI shares the terminal: never write to stderr

    def setup(self) -> None:
        super().setup()
        # Without this, a response written as headers + body meets Nagle's algorithm and the
        # client's delayed ACK: every request would take ~40 ms instead of ~1 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _serve(self) -> None:
        method = self.command
        self.server.api.requests.append((method, self.path))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}  # header names are case-insensitive
        try:
            response = self.server.router.handle(method, self.path, headers, body)
        except Exception as exc:  # a bug here must surface as a 500, not a dropped connection
            self.server.api.server_errors.append(repr(exc))
            response = json_response(status_body(500, "InternalError",
                                                 f"fake API server error: {exc!r}", {}), 500)
        self.send_response(response.code)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Cache-Control", "no-cache, private")
        if response.stream is None:
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(response.body)
            return
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for chunk in response.stream:
                self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve


class FakeKubeAPI:
    """The fake API server. Thread-safe; start() serves from a daemon thread."""

    def __init__(
        self,
        fixture_dir: Path | None = None,
        objects: Iterable[dict[str, Any]] = (),
        *,
        require_token: str | None = None,
        user: str = DEFAULT_USER,
        load_fixtures: bool = True,
        rebase_time: bool = False,
    ) -> None:
        """``require_token``: answer 401 unless ``Authorization: Bearer <token>`` matches.
        ``user``: the identity named in 403 messages. ``load_fixtures=False`` starts empty.
        ``rebase_time``: shift every fixture timestamp so the newest is a minute ago (demo
        realism: "FailedMount 1m ago"); tests keep the fixed 2026 dates by default.
        """
        # The latest requests (method, path), for tests; bounded for a sandbox left running.
        self.requests: deque[tuple[str, str]] = deque(maxlen=10_000)
        self.server_errors: list[str] = []  # unexpected handler failures (never printed)
        self._store = ObjectStore()
        self._router = Router(self._store, user=user, require_token=require_token)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._url = ""
        self._lock = threading.Lock()
        fixtures: list[dict[str, Any]] = []
        if load_fixtures:
            fixtures, logs = _load_fixtures(fixture_dir or DEFAULT_FIXTURES)
            self._router.logs.update(logs)
        if rebase_time and fixtures:
            newest = _latest_time(fixtures)
            if newest:
                then = datetime.strptime(newest, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
                delta = datetime.now(UTC) - then - timedelta(minutes=1)
                fixtures = [_shift_times(obj, delta) for obj in fixtures]
        for obj in [*fixtures, *objects]:
            self.add_object(obj)

    # --- lifecycle -------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0,
              *, tls: tuple[Path, Path] | None = None) -> str:
        """Serve on ``host:port`` (0: a free port). ``tls=(certfile, keyfile)`` serves HTTPS, as
        the in-cluster address ``https://$KUBERNETES_SERVICE_HOST`` requires."""
        with self._lock:
            if self._server is not None:
                return self.url
            server = _Server((host, port), _Handler)
            server.router, server.api = self._router, self
            scheme = "http"
            if tls is not None:
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                context.load_cert_chain(str(tls[0]), str(tls[1]))
                server.socket = context.wrap_socket(server.socket, server_side=True)
                scheme = "https"
            bound_host, bound_port = str(server.server_address[0]), int(server.server_address[1])
            self._url = f"{scheme}://{bound_host}:{bound_port}"
            self._router.server_address = f"{bound_host}:{bound_port}"
            self._server = server
            self._thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05},
                name=f"fake-kube-api:{bound_port}", daemon=True)
            self._thread.start()
            return self.url

    def stop(self) -> None:
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is None:
            return
        self._store.close()  # ends open watches
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=2)

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeKubeAPI is not running: call start() first")
        return self._url

    def __enter__(self) -> FakeKubeAPI:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def write_kubeconfig(self, path: Path, context: str = "sandbox", namespace: str = "kube-ops",
                         *, token: str | None = None) -> Path:
        """Write a kubeconfig for this (started) server. ``token`` overrides the bearer token
        (to test 401s); by default it is ``require_token`` or a dummy one."""
        bearer = token or self._router.require_token or "sandbox-dummy-token"
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "preferences": {},
            "clusters": [{"name": context, "cluster": {"server": self.url}}],
            "users": [{"name": f"{context}-user", "user": {"token": bearer}}],
            "contexts": [{"name": context, "context": {
                "cluster": context, "user": f"{context}-user", "namespace": namespace}}],
            "current-context": context,
        }
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        path.chmod(0o600)  # kubectl and helm warn about group/world-readable kubeconfigs
        return path

    # --- object store ----------------------------------------------------------------

    def add_object(self, obj: dict[str, Any]) -> None:
        """Add or replace by (apiVersion kind, namespace, name); a ``kind: List`` adds each item."""
        for item in _flatten(obj):
            self._store.put(resources.for_object(item), item)

    def remove_object(self, kind: str, namespace: str | None, name: str) -> None:
        """Remove at once, finalizers or not (a no-op when absent). ``kind``: Pod, pods or po."""
        self._store.remove(resources.for_kind(kind), namespace or "", name)

    def get_object(self, kind: str, namespace: str | None, name: str) -> dict[str, Any] | None:
        """A copy of a stored object (with apiVersion/kind), or None."""
        return self._store.get(resources.for_kind(kind), namespace or "", name)

    def list_objects(self, kind: str, namespace: str | None = None) -> list[dict[str, Any]]:
        return self._store.items(resources.for_kind(kind), namespace)

    # --- fault injection -------------------------------------------------------------

    def set_forbidden(self, resource: str, namespace: str | None = None,
                      verb: str = "list") -> None:
        """Answer 403 for ``verb`` on ``resource`` ("pods", "pods/log", "deployments"), in one
        namespace or (None) everywhere. verb "*" denies every verb. A namespace-level denial
        also denies the all-namespaces list of that resource."""
        with self._store.lock:
            self._router.forbidden.add(ForbiddenRule(resource, namespace, verb))

    def clear_forbidden(self) -> None:
        with self._store.lock:
            self._router.forbidden.clear()

    def set_pod_log(self, namespace: str, pod: str, container: str, text: str,
                    *, previous: bool = False) -> None:
        """Set what ``pods/log`` returns (``previous=True``: the last terminated container's)."""
        with self._store.lock:
            self._router.logs[(namespace, pod, container, previous)] = text

    def dump_state(self) -> str:
        """Every stored object as JSON lines, for debugging a failing test."""
        with self._store.lock:
            rows = [json.dumps(obj) for res in resources.RESOURCES
                    for obj in self._store.items(res, None)]
        return "\n".join(rows)

