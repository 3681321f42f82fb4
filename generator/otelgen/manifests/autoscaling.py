"""Scaling of the replicated modes (gateway, statefulset): HorizontalPodAutoscaler and PodDisruptionBudget."""

from __future__ import annotations

from typing import Any

from otelgen import modes
from otelgen.manifests import naming
from otelgen.plan import Plan

#: spread replicas over zones, then nodes; never block scheduling for it
SPREAD_KEYS = ("topology.kubernetes.io/zone", "kubernetes.io/hostname")
SPREAD: dict[str, Any] = {"maxSkew": 1, "whenUnsatisfiable": "ScheduleAnyway"}
ANTI_AFFINITY_KEY = "kubernetes.io/hostname"
ANTI_AFFINITY_WEIGHT = 100


def horizontal_pod_autoscaler(plan: Plan) -> dict[str, Any] | None:
    auto = plan.spec.scaling.autoscaling
    traits = modes.traits(plan.mode)
    if not traits.autoscaling or not auto.enabled:
        return None
    metrics = []
    for resource, target in (("cpu", auto.target_cpu_utilization_percentage), ("memory", auto.target_memory_utilization_percentage)):
        if target is not None:
            metrics.append({"type": "Resource", "resource": {"name": resource, "target": {"type": "Utilization", "averageUtilization": target}}})
    metrics += [m.dump() for m in auto.metrics]
    spec: dict[str, Any] = {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": traits.workload, "name": naming.workload(plan)},
        "minReplicas": auto.min_replicas,
        "maxReplicas": auto.max_replicas,
        "metrics": metrics,
    }
    if auto.behavior is not None:
        spec["behavior"] = auto.behavior.dump()
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": naming.metadata(plan, naming.workload(plan)),
        "spec": spec,
    }


def runs_several(plan: Plan) -> bool:
    """Several replicas of one Deployment/StatefulSet (agents are one per node: no PDB or spread)."""
    scaling = plan.spec.scaling
    return modes.traits(plan.mode).replicas and modes.several(plan.mode, scaling.replicas, scaling.autoscaling.enabled)


def pod_disruption_budget(plan: Plan) -> dict[str, Any] | None:
    pdb = plan.spec.scaling.pod_disruption_budget
    if not pdb.enabled or not runs_several(plan):
        return None
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": naming.metadata(plan, naming.workload(plan)),
        "spec": {**budget(pdb), "selector": {"matchLabels": naming.selector_labels(plan)}},
    }


def budget(pdb: Any) -> dict[str, Any]:
    """minAvailable when set, else maxUnavailable (default 1): exactly one."""
    if pdb.min_available is not None:
        return {"minAvailable": pdb.min_available}
    return {"maxUnavailable": 1 if pdb.max_unavailable is None else pdb.max_unavailable}


def topology_spread(plan: Plan) -> list[dict[str, Any]]:
    if not plan.spec.scaling.topology_spread or not runs_several(plan):
        return []
    selector = {"matchLabels": naming.selector_labels(plan)}
    return [{"maxSkew": SPREAD["maxSkew"], "topologyKey": key, "whenUnsatisfiable": SPREAD["whenUnsatisfiable"], "labelSelector": selector} for key in SPREAD_KEYS]


def pod_anti_affinity(plan: Plan) -> dict[str, Any] | None:
    """Prefer one gateway replica per node: soft (preferred, weight 100), so a
    one-node cluster or a rollout's surge pod still schedules. Together with the
    ScheduleAnyway spread constraints above it makes co-locating replicas the
    scheduler's last resort, so losing one node costs at most one replica
    wherever the cluster has room."""
    if not plan.spec.scaling.topology_spread or not runs_several(plan):
        return None
    term = {"labelSelector": {"matchLabels": naming.selector_labels(plan)}, "topologyKey": ANTI_AFFINITY_KEY}
    return {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": ANTI_AFFINITY_WEIGHT, "podAffinityTerm": term}]}
