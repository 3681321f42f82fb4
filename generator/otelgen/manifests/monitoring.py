"""Prometheus Operator ServiceMonitor (agent, gateway) and PodMonitor (sidecar) for the
collector's own metrics (opt-in)."""

from __future__ import annotations

from typing import Any

from otelgen.errors import Problem, warning
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


def pod_monitor(plan: Plan) -> dict[str, Any] | None:
    """Sidecars have no Service: scrape the `metrics` port of the collector container in the
    pods `otelgen inject` labelled. A relabeling keeps only that container, so an app
    container with its own port named `metrics` is not scraped as the collector."""
    monitor = plan.spec.pod_monitor
    if modes.traits(plan.mode).own_pods or not monitor.enabled:
        return None
    meta = naming.metadata(plan, plan.name)
    meta["labels"] = {**meta["labels"], **monitor.labels}
    endpoint: dict[str, Any] = {
        "port": TELEMETRY_PORT, "path": METRICS_PATH, "interval": monitor.interval,
        "relabelings": [{"action": "keep", "sourceLabels": ["__meta_kubernetes_pod_container_name"], "regex": plan.spec.sidecar.container_name}],
    }
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PodMonitor",
        "metadata": meta,
        "spec": {
            # job = the label's value (the sidecar spec's name), as a ServiceMonitor's job is the
            # Service name; no namespaceSelector: the PodMonitor's own namespace, wherever
            # inject or the Kustomize component puts it
            "jobLabel": naming.SIDECAR_LABEL,
            "selector": {"matchLabels": naming.sidecar_pod_labels(plan)},
            "podMetricsEndpoints": [endpoint],
        },
    }


def problems(plan: Plan) -> list[Problem]:
    """W160: a scrape object asked for in a mode where it renders nothing; W161: alerts that
    select the job of a scrape object that is not rendered (and no alerts.selector)."""
    spec = plan.spec
    out: list[Problem] = []
    sidecar = not modes.traits(plan.mode).own_pods
    if sidecar and spec.service_monitor.enabled:
        out.append(warning("W160", ["spec", "serviceMonitor", "enabled"], "sidecars have no Service, so no ServiceMonitor is rendered", "set podMonitor.enabled: true to scrape the pods `otelgen inject` labels"))
    if not sidecar and spec.pod_monitor.enabled:
        out.append(warning("W160", ["spec", "podMonitor", "enabled"], f"podMonitor is for sidecars; a {plan.mode} is scraped through its Service, so no PodMonitor is rendered", "set serviceMonitor.enabled: true"))
    scraped = spec.pod_monitor.enabled if sidecar else spec.service_monitor.enabled
    if spec.alerts.enabled and not scraped and not spec.alerts.selector:
        field = "podMonitor" if sidecar else "serviceMonitor"
        out.append(warning("W161", ["spec", "alerts", "selector"], f"the alerts select job={plan.name!r}, the job the {field} otelgen renders gives, but {field}.enabled is false", f"set {field}.enabled: true, or alerts.selector to the labels your scrape gives the collector's metrics"))
    return out
