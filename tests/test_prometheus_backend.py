"""The Prometheus backend against the stack's real Prometheus."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from jfsconsole.backends.errors import NotFound, Rejected
from jfsconsole.backends.prometheus import PrometheusClient
from jfsconsole.config import PrometheusSettings

pytestmark = [pytest.mark.gateway, pytest.mark.prometheus]


def test_instant_query_typed_samples(prometheus_url: str) -> None:
    prom = PrometheusClient(PrometheusSettings(url=prometheus_url))
    samples = prom.query('kubelet_volume_stats_capacity_bytes{persistentvolumeclaim="jfsdata"}')
    by_ns = {s.labels["namespace"]: s for s in samples}
    assert set(by_ns) >= {"dev", "test"}
    assert by_ns["dev"].value == 50 * 1024**3
    assert abs((datetime.now(UTC) - by_ns["dev"].time).total_seconds()) < 120
    gateway = prom.query('juicefs_used_space{mp="s3gateway"}')
    assert gateway and gateway[0].labels["vol_name"] == "devjfs"
    assert prom.ping().startswith("2.")


def test_range_query_has_history(prometheus_url: str) -> None:
    prom = PrometheusClient(PrometheusSettings(url=prometheus_url))
    end = datetime.now(UTC)
    series = prom.query_range(
        'kubelet_volume_stats_used_bytes{namespace="dev",persistentvolumeclaim="jfsdata"}',
        end - timedelta(days=7), end, step_seconds=3600)
    assert len(series) == 1
    points = series[0].points
    assert len(points) >= 24 * 6  # backfilled history, not just the minutes since start
    assert all(v > 0 for _, v in points)


def test_step_is_widened_instead_of_refused(prometheus_url: str) -> None:
    prom = PrometheusClient(PrometheusSettings(url=prometheus_url))
    end = datetime.now(UTC)
    # 14 days at 1 s would be 1.2 million points: Prometheus refuses more than 11,000.
    series = prom.query_range("kubelet_volume_stats_used_bytes", end - timedelta(days=14), end,
                              step_seconds=1)
    assert series and all(len(s.points) <= 11_000 for s in series)


def test_error_json_becomes_rejected_with_prometheus_message(prometheus_url: str) -> None:
    prom = PrometheusClient(PrometheusSettings(url=prometheus_url))
    with pytest.raises(Rejected) as info:
        prom.query("sum(rate(")
    assert "bad_data" in info.value.message
    assert "parse error" in info.value.message


def test_matchers_are_joined_into_selectors(prometheus_url: str) -> None:
    prom = PrometheusClient(PrometheusSettings(url=prometheus_url, matchers='namespace="test"'))
    selector = prom.with_matchers('persistentvolumeclaim="jfsdata"')
    samples = prom.query(f"kubelet_volume_stats_used_bytes{{{selector}}}")
    assert [s.labels["namespace"] for s in samples] == ["test"]


def test_wrong_path_is_not_found_with_hint(prometheus_url: str) -> None:
    prom = PrometheusClient(PrometheusSettings(url=prometheus_url + "/grafana"))
    with pytest.raises(NotFound) as info:
        prom.query("up")
    assert "server root" in info.value.hint
