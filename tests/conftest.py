"""Shared fixtures: the session's local stack (real JuiceFS gateway, Prometheus, fake cluster).

The stack starts once per session, on first use, and is stopped at the end. Its seeded objects
are shared: a test that writes or deletes must do so under its own ``scratch_prefix``.
Prometheus needs ~5 s after start for its first scrape; the session does not wait for it up
front: a test that queries Prometheus takes the ``prometheus_url`` fixture, which does.

Backend binaries: a test marked ``gateway`` or ``prometheus`` (or using ``require_tool``) is
skipped when the binary is missing, and fails with the install hint when ``CI=true``, so a CI
image without them cannot pass silently.
"""

from __future__ import annotations

import os
import shutil
import tomllib
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import tomli_w

from jfsconsole.sandbox.gateway import INSTALL_HINT, find_juicefs
from jfsconsole.sandbox.procs import SandboxError
from jfsconsole.sandbox.promstack import PROMETHEUS_MISSING

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from jfsconsole.sandbox.stack import LocalStack

TOOL_HINTS = {"juicefs": INSTALL_HINT, "prometheus": PROMETHEUS_MISSING}


def tool_path(name: str) -> str | None:
    if name == "juicefs":
        try:
            return find_juicefs()
        except SandboxError:
            return None
    return shutil.which(name)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def require_tool(name: str) -> str:
    """Path of backend binary ``name``; skip the test without it (fail in CI)."""
    path = tool_path(name)
    if path is None:
        message = TOOL_HINTS.get(name, f"{name} is not installed")
        if in_ci():
            pytest.fail(f"{message} (CI=true: missing backends fail instead of skipping)",
                        pytrace=False)
        pytest.skip(message)
    return path


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("gateway"):
        require_tool("juicefs")
    if item.get_closest_marker("prometheus"):
        require_tool("prometheus")


@pytest.fixture(scope="session")
def local_stack() -> Iterator[LocalStack]:
    """The session's stack, with Prometheus when installed (see ``prometheus_missing_reason``)."""
    require_tool("juicefs")
    from jfsconsole.sandbox.stack import LocalStack

    stack = LocalStack(wait_for_scrape=False)
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def s3_client(local_stack: LocalStack) -> S3Client:
    """boto3 client on the stack's gateway (path-style, SigV4, Content-MD5 on DeleteObjects)."""
    return local_stack.s3_client()


@pytest.fixture
def prometheus_url(local_stack: LocalStack) -> str:
    """URL of the stack's Prometheus once both targets were scraped and history is loaded."""
    require_tool("prometheus")
    url = local_stack.wait_for_prometheus()
    assert url, local_stack.prometheus_missing_reason
    return url


@pytest.fixture
def sandbox_config(local_stack: LocalStack, tmp_path: Path) -> Path:
    """A jfsconsole config file whose default profile ``sandbox`` targets the stack."""
    return local_stack.write_config(tmp_path / "config.toml")


ConfigChange = Callable[[dict[str, Any]], None]


@pytest.fixture
def edit_config() -> Callable[[Path, ConfigChange], Path]:
    """Change a config file as TOML data, not as text: tests adjust what the sandbox wrote."""
    def edit(path: Path, change: ConfigChange) -> Path:
        doc = tomllib.loads(path.read_text())
        change(doc)
        path.write_text(tomli_w.dumps(doc))
        return path

    return edit


@pytest.fixture
def scratch_prefix(request: pytest.FixtureRequest) -> str:
    """A key prefix in bucket ``jfsdata`` that no other test uses (outside ``dumpfiles/``)."""
    name = "".join(c if c.isalnum() else "-" for c in request.node.name)[:40]
    return f"scratch/{name}-{uuid.uuid4().hex[:8]}/"
