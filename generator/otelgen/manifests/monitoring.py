"""Prometheus Operator ServiceMonitor for the collector's own metrics (opt-in)."""

from __future__ import annotations

from typing import Any

from otelgen import modes
from otelgen.manifests import naming
from otelgen.plan import TELEMETRY_PORT, Plan

METRICS_PATH = "/metrics"


def service_monitor(plan: Plan) -> dict[str, Any] | None:
    """Scrapes the `metrics` port of the Service; a headless twin (gateway, statefulset) selects the same
    pods, so its targets are dropped (each pod is scraped once)."""
    monitor = plan.spec.service_monitor
    if not modes.traits(plan.mode).own_pods or not monitor.enabled:
        return None
    meta = naming.metadata(plan, plan.name)
    meta["labels"] = {**meta["labels"], **monitor.labels}
    endpoint: dict[str, Any] = {"port": TELEMETRY_PORT, "path": METRICS_PATH, "interval": monitor.interval}
    if modes.traits(plan.mode).headless_service:
        endpoint["relabelings"] = [{"action": "drop", "sourceLabels": ["__meta_kubernetes_service_name"], "regex": naming.headless_service(plan)}]
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": meta,
        "spec": {
            "selector": {"matchLabels": naming.selector_labels(plan)},
            "namespaceSelector": {"matchNames": [plan.namespace]},
            "endpoints": [endpoint],
        },
    }
