"""Prometheus Operator PrometheusRule with the collector's alerts (opt-in, spec.alerts).

The rules are data in otelgen.alert_rules (the Helm chart reads the same data from
files/otelgen.json); this module fills in the selector, the signals the pipelines
carry and the thresholds (the memory one from the container's memory limit).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from otelgen import alert_rules, modes
from otelgen.manifests import naming
from otelgen.plan import Plan
from otelgen.spec import quantity

MIB = 1024 * 1024
RUNBOOK_ANNOTATION = "runbook_url"
#: the pod names a DaemonSet (agent), a Deployment (gateway) and a StatefulSet give, after the
#: workload name; another workload kind: anything after "<name>-"
#: pod names each workload kind gives (otelgen.modes: the mode's workload)
POD_SUFFIX = {"DaemonSet": "-[a-z0-9]+", "Deployment": "-[a-z0-9]+-[a-z0-9]+", "StatefulSet": "-[0-9]+"}
POD_SUFFIX_OTHER = "-.+"
GROUP_NAME = "otelcol.{namespace}.{name}"


def number(value: float) -> str:
    """A threshold as PromQL reads it, written as the chart's Go templates write it: whole
    numbers as integers, others in Go's shortest %v form (exponent below 1e-4 and from 1e6)."""
    value = float(value)
    if value.is_integer():
        return str(int(value))
    text = repr(value)
    exact = Decimal(text)
    if -4 <= exact.adjusted() < 6:
        return text
    digits = len(exact.normalize().as_tuple().digits)
    return format(value, f".{digits - 1}e")


def scrape_job(plan: Plan) -> str:
    """The job label the Prometheus Operator gives this collector's targets: the Service
    name for the ServiceMonitor (agent, gateway); for the sidecars' PodMonitor, its
    jobLabel's value on the pods, the spec's name. Both are metadata.name."""
    return plan.name


def _matchers(labels: list[tuple[str, str, str]]) -> str:
    return ",".join(f'{key}{op}"{value}"' for key, op, value in labels)


def collector_selector(plan: Plan) -> str:
    given = plan.spec.alerts.selector
    if given:
        return _matchers([(k, "=", v) for k, v in sorted(given.items())])
    return _matchers([("job", "=", scrape_job(plan)), ("namespace", "=", plan.namespace)])


def pods_selector(plan: Plan) -> str:
    """kube-state-metrics' labels of this collector's containers: the namespace, the
    container name and (agent, gateway) the pod names its DaemonSet/Deployment gives."""
    labels = [("namespace", "=", plan.namespace)]
    if not modes.traits(plan.mode).own_pods:
        labels.append(("container", "=", plan.spec.sidecar.container_name))
    else:
        labels.append(("container", "=", naming.CONTAINER))
        labels.append(("pod", "=~", naming.workload(plan) + POD_SUFFIX.get(modes.traits(plan.mode).workload or "", POD_SUFFIX_OTHER)))
    return _matchers(labels)


def restart_metric(plan: Plan) -> str:
    native = not modes.traits(plan.mode).own_pods and plan.spec.sidecar.native
    return alert_rules.RESTART_METRICS["initContainer" if native else "container"]


def signals(plan: Plan) -> list[str]:
    carried = {name.split("/", 1)[0] for name in plan.pipelines}
    return [s for s in alert_rules.SIGNALS if s in carried]


def _threshold(rule: dict[str, Any], value: float, plan: Plan) -> str | None:
    if rule.get("thresholdKind") == "memoryPercent":
        limit = plan.sizing.memory_limit
        if not limit:
            return None
        # decimal arithmetic on the shortest repr, as the chart's mulf/divf do
        return number(int(Decimal(quantity.mebibytes(limit)) * Decimal(repr(float(value))) / 100) * MIB)
    return number(value)


def _fill(text: str, values: dict[str, str]) -> str:
    for key in sorted(values):  # the chart's range order
        text = text.replace(f"%{key}%", values[key])
    return text


def rules(plan: Plan) -> list[dict[str, Any]]:
    settings = plan.spec.alerts
    selectors = {"collector": collector_selector(plan), "pods": pods_selector(plan)}
    out: list[dict[str, Any]] = []
    for rule in alert_rules.RULES:
        name = rule["alert"]
        override = settings.rules.get(name)
        if override is not None and not override.enabled:
            continue
        values = {"SELECTOR": selectors[rule["scope"]], "RESTARTS": restart_metric(plan)}
        if rule["threshold"] is not None:
            given = override.threshold if override is not None and override.threshold is not None else rule["threshold"]
            threshold = _threshold(rule, given, plan)
            if threshold is None:
                continue
            values["THRESHOLD"] = threshold
        severity = (override.severity if override is not None else None) or rule["severity"]
        duration = (override.for_ if override is not None else None) or rule["for"]
        for signal in signals(plan) if rule["perSignal"] else [None]:
            here = dict(values)
            labels = {"severity": severity, **settings.alert_labels}
            if signal is not None:
                here.update(SIGNAL=signal, ITEMS=alert_rules.ITEMS[signal])
                labels["signal"] = signal
            out.append({
                "alert": name,
                "expr": _fill(rule["expr"], here),
                "for": duration,
                "labels": labels,
                "annotations": {
                    "summary": _fill(rule["summary"], here),
                    "description": _fill(rule["description"], here),
                    RUNBOOK_ANNOTATION: f"{settings.runbook_base_url}#{alert_rules.anchor(name)}",
                },
            })
    return out


def group_name(plan: Plan) -> str:
    return GROUP_NAME.format(namespace=plan.namespace, name=plan.name)


def prometheus_rule(plan: Plan) -> dict[str, Any] | None:
    if not plan.spec.alerts.enabled:
        return None
    meta = naming.metadata(plan, plan.name)
    meta["labels"] = {**meta["labels"], **plan.spec.alerts.labels}
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": meta,
        "spec": {"groups": [{"name": group_name(plan), "rules": rules(plan)}]},
    }
