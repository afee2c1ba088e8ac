"""Profiles from TOML, env overrides, secret references and validation.

No I/O beyond reading the config file; secret references are resolved later, by
:mod:`jfsconsole.backends.secrets`, only when a backend needs them.
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

DEFAULT_BUCKET = "jfsdata"
DEFAULT_PREFIX = "dumpfiles/"
DEFAULT_NAMESPACE = "kube-ops"
DEFAULT_PROVISIONER = "csi.juicefs.com"
ENV_PREFIX = "JFSCONSOLE_"

SecretSource = Literal["plain", "env", "file", "k8s"]


class ConfigError(Exception):
    """A config problem, told as file + profile + key + what to do. The CLI exits 2 on it."""

    def __init__(
        self, message: str, *, path: Path | None = None, profile: str | None = None,
        key: str | None = None,
    ) -> None:
        self.path = path
        self.profile = profile
        self.key = key
        self.message = message
        where = [f"config {path}" if path else "config"]
        if profile:
            where.append(f"profile '{profile}'")
        if key:
            where.append(f"key '{key}'")
        super().__init__(f"{', '.join(where)}: {message}")


@dataclass(frozen=True)
class SecretRef:
    """Where a credential comes from. Plain values are allowed but discouraged."""

    source: SecretSource
    value: str  # the literal (plain), the env var name, the file path, or "namespace/name" (k8s)
    key: str | None = None  # the data key inside a Kubernetes Secret

    def describe(self) -> str:
        """A description safe to print: never the secret itself."""
        if self.source == "plain":
            return "*** (plain value in config)"
        if self.source == "k8s":
            return f"k8s secret {self.value} key {self.key}"
        return f"{self.source} {self.value}"

    def __repr__(self) -> str:  # keep plain values out of tracebacks and debug logs
        return f"SecretRef({self.describe()})"


@dataclass(frozen=True)
class S3Settings:
    endpoint: str
    public_endpoint: str | None = None
    region: str = "us-east-1"
    bucket: str = DEFAULT_BUCKET
    prefix: str = DEFAULT_PREFIX
    access_key: SecretRef | None = None
    secret_key: SecretRef | None = None
    verify_tls: bool = True
    ca_file: str | None = None
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_attempts: int = 3
    mount_root: str = "/data/jfsdata"  # where app pods mount the PVC (for in-pod paths)


@dataclass(frozen=True)
class PrometheusSettings:
    url: str
    username: str | None = None
    password: SecretRef | None = None
    bearer_token: SecretRef | None = None
    verify_tls: bool = True
    ca_file: str | None = None
    matchers: str = ""  # extra label matchers, e.g. 'cluster="prod"'
    timeout: float = 10.0


@dataclass(frozen=True)
class KubeSettings:
    kubeconfig: str | None = None  # None: $KUBECONFIG, then ~/.kube/config, then in-cluster
    context: str | None = None
    namespace: str = DEFAULT_NAMESPACE
    storage_class: str | None = None
    provisioner: str = DEFAULT_PROVISIONER
    pvcs: tuple[str, ...] = ()  # "namespace/name" of the JuiceFS PVCs to watch; empty: by provisioner
    timeout: float = 10.0


@dataclass(frozen=True)
class UISettings:
    label: str = ""
    color: str = ""
    read_only: bool = False
    refresh_seconds: float = 30.0
    sandbox: bool = False


@dataclass(frozen=True)
class Profile:
    name: str
    s3: S3Settings | None = None
    prometheus: PrometheusSettings | None = None
    kube: KubeSettings = field(default_factory=KubeSettings)
    ui: UISettings = field(default_factory=UISettings)
    audit_log: str | None = None  # default: $XDG_STATE_HOME/jfsconsole/audit.jsonl

    @property
    def is_prod(self) -> bool:
        return "prod" in self.name.lower() or self.ui.color.lower() == "red"

    @property
    def display_label(self) -> str:
        return self.ui.label or self.name


@dataclass
class Config:
    path: Path | None
    profiles: dict[str, Profile]
    default_profile: str
    warnings: list[str] = field(default_factory=list)

    def profile(self, name: str | None = None) -> Profile:
        wanted = name or self.default_profile
        if wanted not in self.profiles:
            known = ", ".join(sorted(self.profiles)) or "none"
            raise ConfigError(
                f"no profile named '{wanted}' (profiles: {known})", path=self.path, profile=wanted
            )
        return self.profiles[wanted]


def default_config_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "jfsconsole" / "config.toml"


def default_state_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    base = env.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "jfsconsole"


# ---------------------------------------------------------------------------- parsing helpers


class _Reader:
    """Reads one table with typed getters that raise ConfigError naming the full key."""

    def __init__(self, table: Mapping[str, Any], where: str, path: Path | None, profile: str):
        self.table = table
        self.where = where
        self.path = path
        self.profile = profile
        self.used: set[str] = set()

    def error(self, key: str, message: str) -> ConfigError:
        full = f"{self.where}.{key}" if self.where else key
        return ConfigError(message, path=self.path, profile=self.profile, key=full)

    def get(self, key: str) -> Any:
        self.used.add(key)
        return self.table.get(key)

    def str_(self, key: str, default: str | None = None) -> str | None:
        value = self.get(key)
        if value is None:
            return default
        if not isinstance(value, str):
            raise self.error(key, f"must be a string, got {type(value).__name__}")
        return value

    def bool_(self, key: str, default: bool) -> bool:
        value = self.get(key)
        if value is None:
            return default
        if isinstance(value, str):
            lowered = value.strip().lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off"):
                return False
        if not isinstance(value, bool):
            raise self.error(key, f"must be true or false, got {value!r}")
        return value

    def number(self, key: str, default: float, *, minimum: float = 0.0) -> float:
        value = self.get(key)
        if value is None:
            return default
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise self.error(key, f"must be a number, got {value!r}") from None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(key, f"must be a number, got {value!r}")
        if value < minimum:
            raise self.error(key, f"must be at least {minimum:g}, got {value:g}")
        return float(value)

    def url(self, key: str, *, required: bool) -> str | None:
        value = self.str_(key)
        if value is None or value == "":
            if required:
                raise self.error(key, "is required (an http:// or https:// URL)")
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise self.error(key, f"must be an http:// or https:// URL, got {value!r}")
        return value.rstrip("/")

    def secret(self, key: str) -> SecretRef | None:
        value = self.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            return SecretRef("plain", value)
        if not isinstance(value, Mapping):
            raise self.error(key, "must be a string or a table like { env = \"VAR\" }")
        kinds = [k for k in ("env", "file", "k8s") if k in value]
        if len(kinds) != 1:
            raise self.error(
                key,
                "give exactly one of { env = \"VAR\" }, { file = \"/path\" } or "
                "{ k8s = \"namespace/name\", key = \"data-key\" }",
            )
        kind = kinds[0]
        ref = value[kind]
        if not isinstance(ref, str) or not ref:
            raise self.error(key, f"{kind} must be a non-empty string")
        if kind == "k8s":
            data_key = value.get("key")
            if "/" not in ref or not isinstance(data_key, str) or not data_key:
                raise self.error(
                    key, "a k8s reference needs k8s = \"namespace/name\" and key = \"data-key\""
                )
            return SecretRef("k8s", ref, data_key)
        if kind == "file":
            ref = os.path.expanduser(ref)
        return SecretRef(kind, ref)  # type: ignore[arg-type]

    def check_unknown(self) -> None:
        unknown = sorted(set(self.table) - self.used)
        if unknown:
            raise self.error(unknown[0], "unknown key (see docs/configuration.md for the keys)")


def _table(reader: _Reader, key: str) -> Mapping[str, Any] | None:
    value = reader.get(key)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise reader.error(key, "must be a table")
    return value


def _parse_s3(table: Mapping[str, Any], path: Path | None, profile: str) -> S3Settings | None:
    r = _Reader(table, "s3", path, profile)
    endpoint = r.url("endpoint", required=True)
    assert endpoint is not None
    prefix = r.str_("prefix", DEFAULT_PREFIX) or ""
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    bucket = r.str_("bucket", DEFAULT_BUCKET) or DEFAULT_BUCKET
    if "/" in bucket:
        raise r.error("bucket", f"a bucket name has no '/': got {bucket!r}")
    settings = S3Settings(
        endpoint=endpoint,
        public_endpoint=r.url("public_endpoint", required=False),
        region=r.str_("region", "us-east-1") or "us-east-1",
        bucket=bucket,
        prefix=prefix.lstrip("/"),
        access_key=r.secret("access_key"),
        secret_key=r.secret("secret_key"),
        verify_tls=r.bool_("verify_tls", True),
        ca_file=r.str_("ca_file"),
        connect_timeout=r.number("connect_timeout", 5.0, minimum=0.1),
        read_timeout=r.number("read_timeout", 30.0, minimum=0.1),
        max_attempts=int(r.number("max_attempts", 3, minimum=1)),
        mount_root=(r.str_("mount_root", "/data/jfsdata") or "/data/jfsdata").rstrip("/"),
    )
    if (settings.access_key is None) != (settings.secret_key is None):
        raise r.error("secret_key" if settings.secret_key is None else "access_key",
                      "access_key and secret_key go together: give both or neither "
                      "(neither: boto3's default chain, AWS_ACCESS_KEY_ID / AWS_PROFILE / ~/.aws)")
    r.check_unknown()
    return settings


def _parse_prometheus(
    table: Mapping[str, Any], path: Path | None, profile: str
) -> PrometheusSettings:
    r = _Reader(table, "prometheus", path, profile)
    url = r.url("url", required=True)
    assert url is not None
    settings = PrometheusSettings(
        url=url,
        username=r.str_("username"),
        password=r.secret("password"),
        bearer_token=r.secret("bearer_token"),
        verify_tls=r.bool_("verify_tls", True),
        ca_file=r.str_("ca_file"),
        matchers=(r.str_("matchers", "") or "").strip().strip("{}").strip(),
        timeout=r.number("timeout", 10.0, minimum=0.1),
    )
    if settings.password and not settings.username:
        raise r.error("username", "password is set, so username is required for basic auth")
    if settings.bearer_token and settings.username:
        raise r.error("bearer_token", "use either basic auth (username/password) or bearer_token")
    r.check_unknown()
    return settings


def _parse_kube(table: Mapping[str, Any], path: Path | None, profile: str) -> KubeSettings:
    r = _Reader(table, "kube", path, profile)
    pvcs_raw = r.get("pvcs") or []
    if not isinstance(pvcs_raw, list) or not all(
        isinstance(p, str) and p.count("/") == 1 for p in pvcs_raw
    ):
        raise r.error("pvcs", 'must be a list of "namespace/name" strings, e.g. ["dev/jfsdata"]')
    kubeconfig = r.str_("kubeconfig")
    settings = KubeSettings(
        kubeconfig=os.path.expanduser(kubeconfig) if kubeconfig else None,
        context=r.str_("context"),
        namespace=r.str_("namespace", DEFAULT_NAMESPACE) or DEFAULT_NAMESPACE,
        storage_class=r.str_("storage_class"),
        provisioner=r.str_("provisioner", DEFAULT_PROVISIONER) or DEFAULT_PROVISIONER,
        pvcs=tuple(pvcs_raw),
        timeout=r.number("timeout", 10.0, minimum=0.1),
    )
    r.check_unknown()
    return settings


def _parse_ui(table: Mapping[str, Any], path: Path | None, profile: str) -> UISettings:
    r = _Reader(table, "ui", path, profile)
    settings = UISettings(
        label=r.str_("label", "") or "",
        color=r.str_("color", "") or "",
        read_only=r.bool_("read_only", False),
        refresh_seconds=r.number("refresh_seconds", 30.0, minimum=1.0),
        sandbox=r.bool_("sandbox", False),
    )
    r.check_unknown()
    return settings


def _parse_profile(
    name: str, table: Mapping[str, Any], path: Path | None
) -> Profile:
    r = _Reader(table, "", path, name)
    s3 = _table(r, "s3")
    prom = _table(r, "prometheus")
    kube = _table(r, "kube")
    ui = _table(r, "ui")
    audit_log = r.str_("audit_log")
    r.check_unknown()
    return Profile(
        name=name,
        s3=_parse_s3(s3, path, name) if s3 is not None else None,
        prometheus=_parse_prometheus(prom, path, name) if prom is not None else None,
        kube=_parse_kube(kube, path, name) if kube is not None else KubeSettings(),
        ui=_parse_ui(ui, path, name) if ui is not None else UISettings(),
        audit_log=os.path.expanduser(audit_log) if audit_log else None,
    )


# ---------------------------------------------------------------------------- env overrides

# (section, key) pairs that may be set from JFSCONSOLE_<SECTION>_<KEY>; secrets are not among
# them on purpose: a secret in the environment is given as { env = "VAR" } in the file.
_ENV_KEYS: dict[str, tuple[str, ...]] = {
    "s3": ("endpoint", "public_endpoint", "region", "bucket", "prefix", "verify_tls", "ca_file",
           "connect_timeout", "read_timeout", "max_attempts", "mount_root"),
    "prometheus": ("url", "username", "verify_tls", "ca_file", "matchers", "timeout"),
    "kube": ("kubeconfig", "context", "namespace", "storage_class", "provisioner", "timeout"),
    "ui": ("label", "color", "read_only", "refresh_seconds"),
}


def env_override_names() -> list[str]:
    return [f"{ENV_PREFIX}{s.upper()}_{k.upper()}" for s, keys in _ENV_KEYS.items() for k in keys]


# An override may create a missing section only by giving the key that section requires.
_REQUIRED_KEY = {"s3": "endpoint", "prometheus": "url"}


def _apply_env(table: dict[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    merged = {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in table.items()}
    for section, keys in _ENV_KEYS.items():
        required = _REQUIRED_KEY.get(section)
        if (required and section not in merged
                and not env.get(f"{ENV_PREFIX}{section.upper()}_{required.upper()}")):
            continue
        for key in keys:
            value = env.get(f"{ENV_PREFIX}{section.upper()}_{key.upper()}")
            if value is None:
                continue
            existing = merged.get(section)
            target = dict(existing) if isinstance(existing, Mapping) else {}
            target[key] = value
            merged[section] = target
    return merged


# ---------------------------------------------------------------------------- loading


def _plain_secret_keys(profile: Profile) -> list[str]:
    found = []
    checks: list[tuple[str, SecretRef | None]] = []
    if profile.s3:
        checks += [("s3.access_key", profile.s3.access_key), ("s3.secret_key", profile.s3.secret_key)]
    if profile.prometheus:
        checks += [("prometheus.password", profile.prometheus.password),
                   ("prometheus.bearer_token", profile.prometheus.bearer_token)]
    for key, ref in checks:
        if ref is not None and ref.source == "plain":
            found.append(f"{profile.name}.{key}")
    return found


def load_config(path: Path | str | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Read the config file (if any) and apply env overrides.

    ``path`` None means $JFSCONSOLE_CONFIG, then the XDG path. A missing file at the default
    path is fine (an empty config with a profile "default"); a missing file that was asked for
    by name is an error.
    """
    env = os.environ if env is None else env
    explicit = path is not None or bool(env.get(f"{ENV_PREFIX}CONFIG"))
    cfg_path = Path(path or env.get(f"{ENV_PREFIX}CONFIG") or default_config_path(env))
    data: dict[str, Any] = {}
    if cfg_path.exists():
        try:
            data = tomllib.loads(cfg_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"not valid TOML: {exc}", path=cfg_path) from None
        except OSError as exc:
            raise ConfigError(f"cannot read: {exc.strerror}", path=cfg_path) from None
    elif explicit:
        raise ConfigError("file not found (create it, or see docs/configuration.md)", path=cfg_path)

    top = _Reader(data, "", cfg_path, "")
    profiles_raw = top.get("profiles") or {}
    if not isinstance(profiles_raw, Mapping):
        raise top.error("profiles", "must be a table of profiles, e.g. [profiles.dev.s3]")
    default_profile = top.str_("default_profile")
    top.check_unknown()
    if not profiles_raw:
        profiles_raw = {"default": {}}
    profiles: dict[str, Profile] = {}
    for name, table in profiles_raw.items():
        if not isinstance(table, Mapping):
            raise ConfigError("must be a table", path=cfg_path, profile=name)
        profiles[name] = _parse_profile(name, _apply_env(dict(table), env), cfg_path)
    if default_profile is None:
        default_profile = "default" if "default" in profiles else sorted(profiles)[0]
    elif default_profile not in profiles:
        raise ConfigError(
            f"default_profile names '{default_profile}', which is not a profile", path=cfg_path,
            key="default_profile",
        )
    config = Config(path=cfg_path if cfg_path.exists() else None, profiles=profiles,
                    default_profile=default_profile)
    plain = [k for p in profiles.values() for k in _plain_secret_keys(p)]
    if plain and cfg_path.exists():
        mode = stat.S_IMODE(cfg_path.stat().st_mode)
        if mode & 0o077:
            config.warnings.append(
                f"{cfg_path} is readable by group/others (mode {mode:o}) and holds plain secrets "
                f"({', '.join(plain)}): run chmod 600 {cfg_path}, or give them as "
                "{ env = ... }, { file = ... } or { k8s = ..., key = ... }"
            )
    return config


def select_profile(config: Config, name: str | None, env: Mapping[str, str] | None = None) -> Profile:
    """--profile wins over $JFSCONSOLE_PROFILE, which wins over default_profile."""
    env = os.environ if env is None else env
    profile = config.profile(name or env.get(f"{ENV_PREFIX}PROFILE") or None)
    if env.get(f"{ENV_PREFIX}READ_ONLY", "").lower() in ("1", "true", "yes", "on"):
        profile = replace(profile, ui=replace(profile.ui, read_only=True))
    return profile


def masked(profile: Profile) -> dict[str, Any]:
    """The effective profile as plain data, secrets replaced by where they come from."""

    def convert(obj: Any) -> Any:
        if isinstance(obj, SecretRef):
            return obj.describe()
        if hasattr(obj, "__dataclass_fields__"):
            return {f.name: convert(getattr(obj, f.name)) for f in fields(obj)}
        if isinstance(obj, tuple | list):
            return [convert(v) for v in obj]
        return obj

    result: dict[str, Any] = convert(profile)
    return result
