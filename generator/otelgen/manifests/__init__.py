"""Kubernetes objects from a Plan: one module per concern, each returning plain dicts."""

from __future__ import annotations

from typing import Any

from otelgen.config import collector_config
from otelgen.manifests import apivalidation, autoscaling, configmap, monitoring, networkpolicy, rbac, service, targetallocator, tls, workload
from otelgen.plan import Plan


def render_objects(plan: Plan) -> list[dict[str, Any]]:
    """Every object for the plan, in apply order (identities before workloads)."""
    config = collector_config(plan)
    config_map = configmap.config_map(plan, config)
    objects: list[dict[str, Any] | None] = []
    if plan.mode != "sidecar":
        objects.append(rbac.service_account(plan))
        objects.extend(rbac.roles(plan))
    objects.append(config_map)
    objects.append(tls.certificate(plan))
    objects.extend(service.services(plan))
    objects.append(workload.workload(plan, config_map))
    objects.append(autoscaling.horizontal_pod_autoscaler(plan))
    objects.append(autoscaling.pod_disruption_budget(plan))
    objects.append(networkpolicy.network_policy(plan))
    objects.append(monitoring.service_monitor(plan))
    objects.extend(targetallocator.objects(plan))
    out = [obj for obj in objects if obj is not None]
    apivalidation.check_objects(out)  # the safety net: what the API server would refuse
    return out
