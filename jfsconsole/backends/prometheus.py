"""Prometheus HTTP API: instant and range queries returning typed series."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from jfsconsole.backends.errors import (
    AuthFailed,
    BackendError,
    BadResponse,
    Forbidden,
    NotFound,
    Rejected,
    TimedOut,
    Unreachable,
)
from jfsconsole.config import PrometheusSettings

# Prometheus refuses range queries over 11,000 points per series.
MAX_POINTS = 11_000


@dataclass(frozen=True)
class Sample:
    labels: dict[str, str]
    value: float
    time: datetime


@dataclass(frozen=True)
class Series:
    labels: dict[str, str]
    points: list[tuple[datetime, float]] = field(default_factory=list)


def _value(raw: str) -> float:
    # Prometheus encodes NaN/Inf as strings; float() understands "NaN", "+Inf", "-Inf".
    value = float(raw)
    return value if not math.isnan(value) else math.nan


def _ts(raw: float) -> datetime:
    return datetime.fromtimestamp(float(raw), UTC)


class PrometheusClient:
    def __init__(self, settings: PrometheusSettings, password: str | None = None,
                 bearer_token: str | None = None) -> None:
        self.settings = settings
        auth: httpx.Auth | None = None
        headers = {"Accept": "application/json"}
        if settings.username:
            auth = httpx.BasicAuth(settings.username, password or "")
        if bearer_token:
            headers["Authorization"] = f"Bearer {bearer_token}"
        verify: bool | str = settings.ca_file if settings.ca_file else settings.verify_tls
        self._http = httpx.Client(base_url=settings.url, auth=auth, headers=headers,
                                  verify=verify, timeout=settings.timeout)

    def __repr__(self) -> str:
        return f"PrometheusClient(url={self.settings.url!r})"

    def close(self) -> None:
        self._http.close()

    # ------------------------------------------------------------------ transport

    def _get(self, path: str, params: dict[str, Any] | None = None) -> httpx.Response:
        url = self.settings.url
        try:
            response = self._http.get(path, params=params)
        except httpx.TimeoutException:
            raise TimedOut("prometheus", f"{url} did not answer within {self.settings.timeout:g}s",
                           hint="raise prometheus.timeout or check the Prometheus server") from None
        except httpx.ConnectError as exc:
            tls = "SSL" in str(exc) or "certificate" in str(exc).lower()
            if tls:
                raise Unreachable("prometheus", f"TLS handshake with {url} failed",
                                  hint="set prometheus.ca_file, or verify_tls = false") from None
            raise Unreachable("prometheus", f"cannot connect to Prometheus at {url}",
                              hint="check prometheus.url and that Prometheus is running") from None
        except httpx.HTTPError as exc:
            raise Unreachable("prometheus", f"request to {url} failed: {type(exc).__name__}") from None
        if response.status_code == 401:
            raise AuthFailed("prometheus", f"{url} asks for credentials (401)",
                             hint="set prometheus.username/password or bearer_token")
        if response.status_code == 403:
            raise Forbidden("prometheus", f"{url} refused access (403)",
                            hint="the credentials lack access to this Prometheus")
        if response.status_code == 404:
            raise NotFound("prometheus", f"{url}{path} not found (404)",
                           hint="prometheus.url must be the server root (with any path prefix), "
                                "not a Grafana or UI page")
        return response

    def _api(self, path: str, params: dict[str, Any]) -> Any:
        response = self._get(path, params)
        try:
            body = response.json()
        except ValueError:
            raise BadResponse("prometheus", f"answered {response.status_code} with non-JSON "
                                            f"from {path}",
                              hint="is prometheus.url pointing at Prometheus itself?") from None
        if not isinstance(body, dict):
            raise BadResponse("prometheus", f"unexpected JSON from {path}")
        if body.get("status") != "success":
            error_type = body.get("errorType", "error")
            error = body.get("error", "no message")
            if response.status_code in (400, 422) or error_type in ("bad_data", "execution"):
                raise Rejected("prometheus", f"query refused ({error_type}): {error}")
            if response.status_code == 503 or error_type in ("timeout", "canceled", "unavailable"):
                raise TimedOut("prometheus", f"query did not finish ({error_type}): {error}",
                               hint="narrow the time range or raise the query timeout")
            raise BadResponse("prometheus", f"error {response.status_code} ({error_type}): {error}")
        return body.get("data")

    # ------------------------------------------------------------------ queries

    def with_matchers(self, selector_labels: str) -> str:
        """Join the profile's extra matchers (e.g. cluster="prod") to a selector's labels."""
        extra = self.settings.matchers
        parts = [p for p in (selector_labels.strip(), extra) if p]
        return ",".join(parts)

    def query(self, promql: str, at: datetime | None = None) -> list[Sample]:
        params: dict[str, Any] = {"query": promql}
        if at is not None:
            params["time"] = at.timestamp()
        data = self._api("/api/v1/query", params)
        result_type = data.get("resultType") if isinstance(data, dict) else None
        if result_type == "scalar":
            ts, raw = data["result"]
            return [Sample({}, _value(raw), _ts(ts))]
        if result_type != "vector":
            raise BadResponse("prometheus", f"expected a vector, got {result_type!r}")
        return [Sample(dict(item.get("metric", {})), _value(item["value"][1]),
                       _ts(item["value"][0])) for item in data["result"]]

    def query_range(self, promql: str, start: datetime, end: datetime,
                    step_seconds: float) -> list[Series]:
        if end <= start:
            raise ValueError("end must be after start")
        span = (end - start).total_seconds()
        # Widen the step rather than let Prometheus refuse the query.
        step = max(step_seconds, math.ceil(span / (MAX_POINTS - 1)), 1)
        data = self._api("/api/v1/query_range", {
            "query": promql, "start": start.timestamp(), "end": end.timestamp(), "step": step,
        })
        if not isinstance(data, dict) or data.get("resultType") != "matrix":
            raise BadResponse("prometheus", "expected a matrix from query_range")
        return [
            Series(dict(item.get("metric", {})),
                   [(_ts(ts), _value(raw)) for ts, raw in item.get("values", [])])
            for item in data["result"]
        ]

    def ready(self) -> bool:
        """True when /-/ready answers 200. Raises a typed error when unreachable."""
        response = self._get("/-/ready")
        return response.status_code == 200

    def ping(self) -> str:
        """Reachability + auth + API check; returns the Prometheus version when it says."""
        try:
            data = self._api("/api/v1/status/buildinfo", {})
        except NotFound:
            # Older servers or proxies that hide status endpoints: a trivial query still proves it.
            self.query("1")
            return "unknown version"
        except BackendError:
            raise
        return str(data.get("version", "unknown version")) if isinstance(data, dict) else "?"
