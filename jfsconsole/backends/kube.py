"""The Kubernetes API through the official client (kubeconfig, context, or in-cluster)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from jfsconsole.backends.errors import (
    AuthFailed,
    BackendError,
    BadResponse,
    Forbidden,
    NotConfigured,
    NotFound,
    TimedOut,
    Unreachable,
)
from jfsconsole.config import KubeSettings

T = TypeVar("T")

SERVICEACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")


def map_error(exc: BaseException, *, what: str, server: str) -> BackendError:
    """Map kubernetes/urllib3 exceptions to typed errors naming the resource and the fix."""
    from kubernetes.client.exceptions import ApiException
    from urllib3 import exceptions as u3

    if isinstance(exc, BackendError):
        return exc
    if isinstance(exc, ApiException):
        message = _status_message(exc) or exc.reason or ""
        if exc.status == 401:
            return AuthFailed("kube", f"the API server rejected the credentials for {what}",
                              hint="refresh your kubeconfig credentials (token expired?)")
        if exc.status == 403:
            return Forbidden("kube", message or f"forbidden: {what}",
                             hint="ask for RBAC get/list on this resource "
                                  "(kubectl auth can-i list pods -n kube-ops)")
        if exc.status == 404:
            return NotFound("kube", message or f"not found: {what}")
        return BadResponse("kube", f"API error {exc.status} on {what}: {message}")
    reason = exc.reason if isinstance(exc, u3.MaxRetryError) else exc
    if isinstance(reason, u3.SSLError):
        return Unreachable("kube", f"TLS to the Kubernetes API at {server} failed ({what}): "
                                   "its certificate is not trusted",
                           hint="check certificate-authority in the kubeconfig "
                                "(or the service account's ca.crt in a pod)")
    if isinstance(exc, u3.TimeoutError):
        return TimedOut("kube", f"the API server at {server} did not answer in time ({what})")
    if isinstance(exc, u3.HTTPError | ConnectionError | OSError):
        return Unreachable("kube", f"cannot reach the Kubernetes API at {server}",
                           hint="check the kube context (kubectl config current-context) "
                                "and your network/VPN")
    return BadResponse("kube", f"unexpected error on {what}: {type(exc).__name__}: {exc}")


def _status_message(exc: Any) -> str:
    import json

    try:
        body = json.loads(exc.body or "{}")
    except (TypeError, ValueError):
        return ""
    return str(body.get("message", "")) if isinstance(body, dict) else ""


class KubeClient:
    """Builds the API client once, lazily; typed errors for every call made through ``call``."""

    def __init__(self, settings: KubeSettings, env: dict[str, str] | None = None,
                 serviceaccount_dir: Path = SERVICEACCOUNT_DIR) -> None:
        self.settings = settings
        self._env = dict(os.environ if env is None else env)
        self._serviceaccount_dir = serviceaccount_dir
        self._api_client: Any = None
        self._lock = threading.Lock()
        self.server = "?"
        self.context_name: str | None = settings.context

    def __repr__(self) -> str:
        return f"KubeClient(context={self.context_name!r}, server={self.server!r})"

    def _load(self) -> Any:
        from kubernetes import client, config
        from kubernetes.config.config_exception import ConfigException

        s = self.settings
        path = s.kubeconfig or self._env.get("KUBECONFIG", "").split(os.pathsep)[0] or None
        default = Path(self._env.get("HOME") or Path.home()) / ".kube" / "config"
        configuration = client.Configuration()
        in_cluster = False
        try:
            if path or default.exists() or s.context:
                config.load_kube_config(config_file=path or str(default), context=s.context,
                                        client_configuration=configuration)
                if not self.context_name:
                    _, active = config.list_kube_config_contexts(config_file=path or str(default))
                    self.context_name = active.get("name") if active else None
            elif self._env.get("KUBERNETES_SERVICE_HOST"):
                # As a pod (the cleanup CronJob): the service account's token and CA.
                from kubernetes.config.incluster_config import InClusterConfigLoader

                sa = self._serviceaccount_dir
                in_cluster = True
                InClusterConfigLoader(token_filename=str(sa / "token"),
                                      cert_filename=str(sa / "ca.crt"),
                                      environ=self._env).load_and_set(configuration)
                self.context_name = "in-cluster"
            else:
                raise NotConfigured("kube", "no kubeconfig found and not running in a pod",
                                    hint="set kube.kubeconfig, KUBECONFIG, or create ~/.kube/config")
        except ConfigException as exc:
            if in_cluster:
                raise NotConfigured("kube", f"in-cluster config problem: {exc}",
                                    hint="mount the service account token "
                                         "(automountServiceAccountToken: true)") from None
            raise NotConfigured("kube", f"kubeconfig problem: {exc}",
                                hint="check kube.kubeconfig and kube.context "
                                     "(kubectl config get-contexts)") from None
        except OSError as exc:
            raise NotConfigured("kube", f"cannot read kubeconfig: {exc.strerror}") from None
        configuration.retries = 1
        self.server = configuration.host
        return client.ApiClient(configuration)

    @property
    def api_client(self) -> Any:
        with self._lock:
            if self._api_client is None:
                self._api_client = self._load()
            return self._api_client

    def core(self) -> Any:
        from kubernetes import client

        return client.CoreV1Api(self.api_client)

    def apps(self) -> Any:
        from kubernetes import client

        return client.AppsV1Api(self.api_client)

    def storage(self) -> Any:
        from kubernetes import client

        return client.StorageV1Api(self.api_client)

    def call(self, what: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run one API call with the profile's timeout; errors come out typed."""
        kwargs.setdefault("_request_timeout", self.settings.timeout)
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            raise map_error(exc, what=what, server=self.server) from None

    def read_secret_data(self, namespace: str, name: str) -> dict[str, str]:
        secret = self.call(f"secret {namespace}/{name}", self.core().read_namespaced_secret,
                           name, namespace)
        return dict(secret.data or {})

    def ping(self) -> str:
        """Reachability + auth: the server version, then list pods in the CSI namespace."""
        from kubernetes import client

        version = self.call("version", client.VersionApi(self.api_client).get_code)
        self.call(f"pods in {self.settings.namespace}", self.core().list_namespaced_pod,
                  self.settings.namespace, limit=1)
        return str(version.git_version)
