"""Responses and ``Status`` errors of the fake API server.

Shaped like ``k8s.io/apimachinery/pkg/api/errors`` builds them, because the console maps their
fields (``reason``, ``code``, ``message``, ``details``) onto its own error types.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from jfsconsole.sandbox.kubeapi_resources import Resource

Obj = dict[str, Any]

JSON = "application/json"


@dataclass
class Response:
    code: int
    body: bytes = b""
    content_type: str = JSON
    stream: Iterator[bytes] | None = None  # watch: sent chunked, one JSON event per line


class ApiError(Exception):
    def __init__(self, code: int, reason: str, message: str, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.code, self.reason, self.message, self.details = code, reason, message, details


def status_body(code: int, reason: str, message: str, details: dict[str, Any] | None) -> Obj:
    body: Obj = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                 "message": message, "reason": reason}
    if details is not None:
        body["details"] = details
    body["code"] = code
    return body


def json_response(obj: Any, code: int = 200) -> Response:
    return Response(code, json.dumps(obj, separators=(",", ":")).encode())


def qualified(res: Resource) -> str:
    # GroupResource.String(): "pods", "deployments.apps"
    return f"{res.plural}.{res.group}" if res.group else res.plural


def details_of(res: Resource, name: str) -> dict[str, Any]:
    details: dict[str, Any] = {"name": name} if name else {}
    if res.group:
        details["group"] = res.group
    details["kind"] = res.plural
    return details


def not_found(res: Resource, name: str) -> ApiError:
    return ApiError(404, "NotFound", f'{qualified(res)} "{name}" not found', details_of(res, name))


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


NO_ROUTE = ApiError(404, "NotFound", "the server could not find the requested resource", {})
NOT_ALLOWED = ApiError(405, "MethodNotAllowed",
                       "the server does not allow this method on the requested resource", {})


