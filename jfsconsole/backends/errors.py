"""One small family of typed backend errors, each with a message a human can act on.

Every backend maps its library's exceptions onto these so that the CLI and the TUI can show
``str(err)`` as is. Messages never contain secrets: builders of these errors pass endpoints and
keys, never credentials, and :func:`scrub` removes anything that looks like a signature.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# (pattern, replacement) pairs for credentials in presigned URLs, auth headers and webhook URLs.
_SECRET_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            r"((?:X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature|AWSAccessKeyId)=)"
            r"[^&\s\"']+",
            re.I,
        ),
        r"\1***",
    ),
    (re.compile(r"(Authorization:\s*(?:Bearer|Basic|AWS4-HMAC-SHA256)\s+)[^\s\"']+", re.I), r"\1***"),
    (re.compile(r"([?&](?:key|access_token|token|sign)=)[^&\s\"']+", re.I), r"\1***"),
]


def scrub(text: str) -> str:
    """Remove credential-looking fragments from text that may end up on screen or in logs."""
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


@dataclass
class BackendError(Exception):
    """Base of all backend failures. ``backend`` is "s3", "prometheus", "kube" or "webhook"."""

    backend: str
    message: str
    hint: str = ""
    detail: str = field(default="", repr=False)

    kind: str = field(default="error", init=False)

    def __post_init__(self) -> None:
        self.message = scrub(self.message)
        self.hint = scrub(self.hint)
        self.detail = scrub(self.detail)
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.backend}: {self.message}"
        if self.hint:
            text += f" — {self.hint}"
        return text

    def as_dict(self) -> dict[str, str]:
        return {
            "backend": self.backend,
            "kind": self.kind,
            "message": self.message,
            "hint": self.hint,
        }


@dataclass
class NotConfigured(BackendError):
    """The profile does not configure this backend."""

    kind: str = field(default="not-configured", init=False)


@dataclass
class Unreachable(BackendError):
    """Connection refused, DNS failure, TLS failure: nothing answered."""

    kind: str = field(default="unreachable", init=False)


@dataclass
class TimedOut(BackendError):
    """Something answered too slowly."""

    kind: str = field(default="timeout", init=False)


@dataclass
class AuthFailed(BackendError):
    """Credentials were rejected (wrong key, bad signature, 401)."""

    kind: str = field(default="auth-failed", init=False)


@dataclass
class Forbidden(BackendError):
    """Credentials were accepted but lack permission (403, RBAC)."""

    kind: str = field(default="forbidden", init=False)


@dataclass
class NotFound(BackendError):
    """The bucket, key, resource or endpoint does not exist."""

    kind: str = field(default="not-found", init=False)


@dataclass
class BadResponse(BackendError):
    """The backend answered, but not with what we can use (error JSON, 5xx, bad payload)."""

    kind: str = field(default="bad-response", init=False)


@dataclass
class Rejected(BackendError):
    """The request was well-formed but refused by policy (rate limit, invalid argument)."""

    kind: str = field(default="rejected", init=False)
