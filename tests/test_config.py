"""Config loading: profiles, validation messages, env overrides, secret references."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jfsconsole.backends.errors import NotFound
from jfsconsole.backends.secrets import SecretError, resolve_secret
from jfsconsole.config import ConfigError, SecretRef, load_config, masked, select_profile

GOOD = """
default_profile = "dev"

[profiles.dev.s3]
endpoint = "http://gw.dev:9000"
public_endpoint = "https://s3.dev.example.com"
access_key = { env = "DEV_S3_ACCESS" }
secret_key = { file = "~/secrets/dev-s3" }

[profiles.dev.prometheus]
url = "http://prom.dev:9090/"
matchers = '{cluster="dev"}'

[profiles.prod.s3]
endpoint = "https://s3.prod.example.com"
prefix = "dumps"
access_key = { k8s = "kube-ops/jfsdata", key = "access-key" }
secret_key = { k8s = "kube-ops/jfsdata", key = "secret-key" }

[profiles.prod.kube]
context = "prod-admin"
pvcs = ["dev/jfsdata"]

[profiles.prod.ui]
color = "red"
read_only = true
"""


def write(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    path.chmod(mode)
    return path


def test_profiles_defaults_and_secret_refs(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD), env={})
    assert sorted(config.profiles) == ["dev", "prod"]
    dev = select_profile(config, None, env={})
    assert dev.name == "dev"
    assert dev.s3 is not None and dev.prometheus is not None
    assert dev.s3.bucket == "jfsdata" and dev.s3.prefix == "dumpfiles/"
    assert dev.s3.access_key == SecretRef("env", "DEV_S3_ACCESS")
    assert dev.s3.secret_key == SecretRef("file", os.path.expanduser("~/secrets/dev-s3"))
    assert dev.prometheus.url == "http://prom.dev:9090"
    assert dev.prometheus.matchers == 'cluster="dev"'
    prod = select_profile(config, "prod", env={})
    assert prod.s3 is not None
    assert prod.s3.prefix == "dumps/"
    assert prod.s3.secret_key == SecretRef("k8s", "kube-ops/jfsdata", "secret-key")
    assert prod.kube.context == "prod-admin" and prod.kube.namespace == "kube-ops"
    assert prod.ui.read_only and prod.is_prod
    assert not config.warnings


def test_profile_selection_order(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD), env={})
    assert select_profile(config, None, env={"JFSCONSOLE_PROFILE": "prod"}).name == "prod"
    assert select_profile(config, "dev", env={"JFSCONSOLE_PROFILE": "prod"}).name == "dev"
    with pytest.raises(ConfigError, match=r"no profile named 'staging' \(profiles: dev, prod\)"):
        select_profile(config, "staging", env={})


def test_env_overrides_file(tmp_path: Path) -> None:
    env = {"JFSCONSOLE_S3_ENDPOINT": "http://127.0.0.1:9999", "JFSCONSOLE_S3_BUCKET": "other",
           "JFSCONSOLE_UI_READ_ONLY": "yes", "JFSCONSOLE_PROMETHEUS_TIMEOUT": "3"}
    config = load_config(write(tmp_path, GOOD), env=env)
    dev = select_profile(config, "dev", env=env)
    assert dev.s3 is not None and dev.prometheus is not None
    assert dev.s3.endpoint == "http://127.0.0.1:9999"
    assert dev.s3.bucket == "other"
    assert dev.ui.read_only is True
    assert dev.prometheus.timeout == 3.0
    assert select_profile(config, "dev", env={"JFSCONSOLE_READ_ONLY": "1"}).ui.read_only


@pytest.mark.parametrize(
    ("text", "key", "fragment"),
    [
        ('[profiles.a.s3]\nendpoint = "gw:9000"', "s3.endpoint", "http:// or https:// URL"),
        ("[profiles.a.s3]\nbucket = 'x'", "s3.endpoint", "is required"),
        ('[profiles.a.s3]\nendpoint = "http://x"\nendpoitn = 1', "s3.endpoitn", "unknown key"),
        ('[profiles.a.s3]\nendpoint = "http://x"\naccess_key = "k"', "s3.secret_key",
         "go together"),
        ('[profiles.a.s3]\nendpoint = "http://x"\naccess_key = { k8s = "nons" }\n'
         'secret_key = "s"', "s3.access_key", "namespace/name"),
        ('[profiles.a.prometheus]\nurl = "http://p"\ntimeout = "soon"', "prometheus.timeout",
         "must be a number"),
        ('[profiles.a.kube]\npvcs = ["jfsdata"]', "kube.pvcs", "namespace/name"),
        ('[profiles.a.ui]\nread_only = "maybe"', "ui.read_only", "true or false"),
    ],
)
def test_invalid_config_names_file_profile_and_key(
    tmp_path: Path, text: str, key: str, fragment: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    message = str(info.value)
    assert str(path) in message
    assert "profile 'a'" in message
    assert f"key '{key}'" in message
    assert fragment in message


def test_bad_toml_and_missing_explicit_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[profiles.a\n"), env={})
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml", env={})
    # No file at the default location is fine: an empty default profile.
    config = load_config(None, env={"XDG_CONFIG_HOME": str(tmp_path / "xdg")})
    assert list(config.profiles) == ["default"] and config.path is None


def test_plain_secret_in_readable_file_warns(tmp_path: Path) -> None:
    text = ('[profiles.a.s3]\nendpoint = "http://x"\naccess_key = "AKIAPLAIN"\n'
            'secret_key = "verysecretvalue"\n')
    assert not load_config(write(tmp_path, text, 0o600), env={}).warnings
    warnings = load_config(write(tmp_path, text, 0o644), env={}).warnings
    assert len(warnings) == 1
    assert "chmod 600" in warnings[0] and "a.s3.secret_key" in warnings[0]
    assert "verysecretvalue" not in warnings[0]


def test_masked_never_contains_secret_values(tmp_path: Path) -> None:
    text = ('[profiles.a.s3]\nendpoint = "http://x"\naccess_key = "AKIAPLAIN"\n'
            'secret_key = "verysecretvalue"\n')
    profile = select_profile(load_config(write(tmp_path, text), env={}), None, env={})
    shown = repr(masked(profile)) + repr(profile)
    assert "verysecretvalue" not in shown and "AKIAPLAIN" not in shown
    assert masked(profile)["s3"]["secret_key"] == "*** (plain value in config)"


def test_resolve_secret_sources(tmp_path: Path) -> None:
    secret_file = tmp_path / "key"
    secret_file.write_text("from-file\n")
    assert resolve_secret(SecretRef("env", "X"), what="s3.k", env={"X": "from-env"}) == "from-env"
    assert resolve_secret(SecretRef("file", str(secret_file)), what="s3.k") == "from-file"
    data = {"secret-key": base64.b64encode(b"from-k8s").decode()}
    ref = SecretRef("k8s", "kube-ops/jfsdata", "secret-key")
    assert resolve_secret(ref, what="s3.k", k8s_reader=lambda ns, name: data) == "from-k8s"
    with pytest.raises(SecretError, match="environment variable X is not set"):
        resolve_secret(SecretRef("env", "X"), what="s3.k", env={})
    with pytest.raises(SecretError, match="does not exist"):
        resolve_secret(SecretRef("file", str(tmp_path / "missing")), what="s3.k")
    with pytest.raises(NotFound, match="has no key 'access-key'"):
        resolve_secret(SecretRef("k8s", "kube-ops/jfsdata", "access-key"), what="s3.k",
                       k8s_reader=lambda ns, name: data)


def test_cli_config_error_exit_code_2_without_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, '[profiles.a.s3]\nendpoint = "nope"')
    proc = subprocess.run([sys.executable, "-m", "jfsconsole", "--config", str(path), "doctor"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert f"config {path}, profile 'a', key 's3.endpoint'" in proc.stderr


def test_cli_config_show_masks_secrets(tmp_path: Path) -> None:
    text = ('[profiles.a.s3]\nendpoint = "http://x"\naccess_key = "AKIAPLAIN"\n'
            'secret_key = "verysecretvalue"\n')
    path = write(tmp_path, text)
    for extra in ([], ["--json"]):
        proc = subprocess.run(
            [sys.executable, "-m", "jfsconsole", "--config", str(path), "config", "show", *extra],
            capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        assert "verysecretvalue" not in proc.stdout + proc.stderr
        assert "http://x" in proc.stdout


def test_version_does_not_import_heavy_sdks() -> None:
    code = ("import sys; from jfsconsole.cli import main\n"
            "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
            "bad = [m for m in ('boto3', 'botocore', 'kubernetes', 'textual', 'httpx') "
            "if m in sys.modules]\nprint('LOADED:' + ','.join(bad))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "jfsconsole 0.1.0" in proc.stdout
    assert proc.stdout.strip().splitlines()[-1] == "LOADED:"
