"""Builds each backend of a profile on first use, resolving secret references then.

Both faces (CLI and TUI) hold one ``Backends`` per profile. Nothing here connects anywhere
until a backend is first asked for, and a backend that fails to build fails alone.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING

from jfsconsole.backends.errors import NotConfigured
from jfsconsole.backends.secrets import resolve_secret
from jfsconsole.config import Profile, SecretRef

if TYPE_CHECKING:
    from jfsconsole.backends.kube import KubeClient
    from jfsconsole.backends.prometheus import PrometheusClient
    from jfsconsole.backends.s3 import S3Store


class Backends:
    def __init__(self, profile: Profile, env: Mapping[str, str] | None = None) -> None:
        self.profile = profile
        self._env = dict(os.environ if env is None else env)
        self._lock = threading.RLock()
        self._s3: S3Store | None = None
        self._prom: PrometheusClient | None = None
        self._kube: KubeClient | None = None

    def _secret(self, ref: SecretRef | None, what: str) -> str | None:
        if ref is None:
            return None
        reader = None
        if ref.source == "k8s":
            kube = self.kube()
            reader = kube.read_secret_data
        return resolve_secret(ref, what=what, env=self._env, k8s_reader=reader)

    def s3(self) -> S3Store:
        with self._lock:
            if self._s3 is None:
                from jfsconsole.backends.s3 import S3Store

                settings = self.profile.s3
                if settings is None:
                    raise NotConfigured("s3", f"profile '{self.profile.name}' has no [s3] section",
                                        hint="add s3.endpoint (the JuiceFS S3 gateway URL)")
                access = self._secret(settings.access_key, "s3.access_key")
                secret = self._secret(settings.secret_key, "s3.secret_key")
                self._s3 = S3Store(settings, access, secret)
            return self._s3

    def prometheus(self) -> PrometheusClient:
        with self._lock:
            if self._prom is None:
                from jfsconsole.backends.prometheus import PrometheusClient

                settings = self.profile.prometheus
                if settings is None:
                    # The sandbox leaves Prometheus out only when the binary is missing.
                    hint = ("install it (apt-get install prometheus) and restart the sandbox"
                            if self.profile.ui.sandbox else "add prometheus.url")
                    raise NotConfigured(
                        "prometheus", f"profile '{self.profile.name}' has no [prometheus] section",
                        hint=hint)
                self._prom = PrometheusClient(
                    settings,
                    password=self._secret(settings.password, "prometheus.password"),
                    bearer_token=self._secret(settings.bearer_token, "prometheus.bearer_token"),
                )
            return self._prom

    def kube(self) -> KubeClient:
        with self._lock:
            if self._kube is None:
                from jfsconsole.backends.kube import KubeClient

                self._kube = KubeClient(self.profile.kube, env=self._env)
            return self._kube

    def close(self) -> None:
        with self._lock:
            if self._prom is not None:
                self._prom.close()
