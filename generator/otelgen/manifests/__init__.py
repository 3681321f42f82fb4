"""Kubernetes objects from a Plan: one module per concern, each returning plain dicts."""

from __future__ import annotations

from typing import Any

from otelgen import modes
from otelgen.config import collector_config
from otelgen.manifests import alerts, apivalidation, autoscaling, configmap, ingress, monitoring, networkpolicy, rbac, service, targetallocator, tls, workload
from otelgen.plan import Plan


def render_objects(plan: Plan) -> list[dict[str, Any]]:
    """Every object for the plan, in apply order (identities before workloads)."""
    config = collector_config(plan)
    config_map = configmap.config_map(plan, config)
    objects: list[dict[str, Any] | None] = []
    if modes.traits(plan.mode).own_pods:
        objects.append(rbac.service_account(plan))  # None for an existing one (spec.pod.serviceAccountName)
        objects.extend(rbac.roles(plan))
    objects.append(config_map)
    objects.append(tls.certificate(plan))
    objects.extend(service.services(plan))
    objects.append(workload.workload(plan, config_map))
    objects.append(autoscaling.horizontal_pod_autoscaler(plan))
    objects.append(autoscaling.pod_disruption_budget(plan))
    objects.append(networkpolicy.network_policy(plan))
    objects.append(monitoring.service_monitor(plan))
    objects.append(monitoring.pod_monitor(plan))
    objects.append(alerts.prometheus_rule(plan))
    objects.extend(ingress.exposure_objects(plan))
    objects.extend(targetallocator.objects(plan))
    out = [obj for obj in objects if obj is not None]
    apivalidation.check_objects(out)  # the safety net: what the API server would refuse
    return out
