"""What the app knows about each backend's health (no Textual here: plain data)."""

from __future__ import annotations

from dataclasses import dataclass

from jfsconsole.backends.errors import BackendError

# (backend name as in Backends, short label for the status line, long label for panels)
BACKENDS: tuple[tuple[str, str, str], ...] = (
    ("s3", "S3", "S3 gateway"),
    ("prometheus", "Prom", "Prometheus"),
    ("kube", "Kube", "Kubernetes API"),
)
SHORT_LABEL = {name: short for name, short, _ in BACKENDS}
LONG_LABEL = {name: long for name, _, long in BACKENDS}

CHECKING = "checking"
OK = "ok"
NOT_CONFIGURED = "not-configured"


@dataclass(frozen=True)
class BackendState:
    """One backend's last check. ``kind`` is "checking", "ok" or a BackendError kind."""

    backend: str
    kind: str = CHECKING
    message: str = ""  # for errors: str(err), which already carries the hint
    info: str = ""  # for ok: what ping() returned (bucket count, server version)

    @property
    def ok(self) -> bool:
        return self.kind == OK

    @property
    def short(self) -> str:
        return SHORT_LABEL.get(self.backend, self.backend)

    @property
    def label(self) -> str:
        return LONG_LABEL.get(self.backend, self.backend)

    @property
    def glyph(self) -> str:
        # The glyph carries the meaning on its own so that NO_COLOR terminals still tell.
        if self.kind == OK:
            return "●"
        if self.kind == CHECKING:
            return "◌"
        if self.kind == NOT_CONFIGURED:
            return "○"
        return "✖"

    @property
    def word(self) -> str:
        if self.kind == CHECKING:
            return "checking…"
        return self.kind.replace("-", " ")  # "not configured", "auth failed"

    @classmethod
    def from_error(cls, backend: str, exc: BaseException) -> BackendState:
        if isinstance(exc, BackendError):
            return cls(backend, exc.kind, str(exc))
        # Not one of ours: still show it rather than crash, with the type for a bug report.
        return cls(backend, "error", f"{backend}: unexpected {type(exc).__name__}: {exc}")


def describe_ping(backend: str, answer: object) -> str:
    if backend == "s3" and isinstance(answer, int):
        return f"{answer} bucket{'s' if answer != 1 else ''}"
    return str(answer) if answer is not None else ""
