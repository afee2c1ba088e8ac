"""Resolve :class:`~jfsconsole.config.SecretRef` values: env var, file, or Kubernetes Secret."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Mapping
from pathlib import Path

from jfsconsole.backends.errors import BackendError, NotFound
from jfsconsole.config import SecretRef

# Reads the data of a Kubernetes Secret: (namespace, name) -> {key: base64 value}.
SecretReader = Callable[[str, str], Mapping[str, str]]


class SecretError(BackendError):
    """A secret reference that cannot be resolved."""


def resolve_secret(
    ref: SecretRef, *, what: str, env: Mapping[str, str] | None = None,
    k8s_reader: SecretReader | None = None,
) -> str:
    """Return the secret's value. ``what`` names the setting (e.g. "s3.secret_key") in errors."""
    env = os.environ if env is None else env
    if ref.source == "plain":
        return ref.value
    if ref.source == "env":
        value = env.get(ref.value)
        if not value:
            raise SecretError(
                "config", f"{what}: environment variable {ref.value} is not set",
                hint=f"export {ref.value}=... or change {what} in the config",
            )
        return value
    if ref.source == "file":
        path = Path(ref.value)
        try:
            return path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            raise SecretError(
                "config", f"{what}: secret file {path} does not exist",
                hint="create it (mode 600) or change the path in the config",
            ) from None
        except OSError as exc:
            raise SecretError("config", f"{what}: cannot read {path}: {exc.strerror}") from None
    # k8s
    namespace, name = ref.value.split("/", 1)
    if k8s_reader is None:
        raise SecretError(
            "config", f"{what}: refers to Kubernetes Secret {ref.value}, but kube is not usable",
            hint="configure [kube] (kubeconfig/context) or give the secret as env or file",
        )
    data = k8s_reader(namespace, name)
    if ref.key is None or ref.key not in data:
        keys = ", ".join(sorted(data)) or "none"
        raise NotFound(
            "kube", f"{what}: Secret {ref.value} has no key '{ref.key}' (keys: {keys})",
            hint="fix the key name in the config",
        )
    return base64.b64decode(data[ref.key]).decode("utf-8").strip()
