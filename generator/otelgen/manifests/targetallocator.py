"""The target allocator's objects (prometheusScraping strategy target-allocator):
ServiceAccount, ClusterRole(+Binding), ConfigMap, Service, Deployment,
PodDisruptionBudget (more than one replica) and NetworkPolicy; and the
collector's egress rule to it. Facts about the allocator: ``otelgen.targetallocator``."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

from otelgen import modes
from otelgen import sizing, targetallocator as ta
from otelgen import yamlio
from otelgen.components.base import RbacRule
from otelgen.manifests import autoscaling, configmap, naming, rbac, workload
from otelgen.plan import Plan

CONFIG_VOLUME = "ta-config"
CONTAINER = "ta-container"
#: the image's user (the operator's Dockerfile: USER 65532:65532)
RUN_AS = 65532
LIVENESS_PROBE = {"periodSeconds": 10, "timeoutSeconds": 2, "failureThreshold": 3}
READINESS_PROBE = {"periodSeconds": 5, "timeoutSeconds": 2, "failureThreshold": 2}


def _settings(plan: Plan) -> Any:
    return plan.spec.presets.prometheus_scraping.target_allocator


def name(plan: Plan) -> str:
    return ta.service_name(plan.name)


def cluster_role_name(plan: Plan) -> str:
    return f"{name(plan)}-{plan.namespace}"


def selector_labels(plan: Plan) -> dict[str, str]:
    return {"app.kubernetes.io/name": ta.APP_NAME, "app.kubernetes.io/instance": plan.name, "app.kubernetes.io/component": ta.COMPONENT}


def _metadata(plan: Plan, obj_name: str, namespaced: bool = True) -> dict[str, Any]:
    meta = naming.metadata(plan, obj_name, namespaced=namespaced)
    meta["labels"] = {**meta["labels"], **selector_labels(plan), "app.kubernetes.io/version": ta.operator_version(plan.version) if _settings(plan).image.tag is None else _settings(plan).image.tag}
    return meta


def config_text(plan: Plan) -> str:
    return yamlio.dump(ta.allocator_config(plan.spec, plan.name, plan.namespace, naming.selector_labels(plan)))


def config_map(plan: Plan) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _metadata(plan, name(plan)), "data": {ta.CONFIG_KEY: config_text(plan)}}


def service_account(plan: Plan) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _metadata(plan, name(plan)), "automountServiceAccountToken": False}


def cluster_role(plan: Plan) -> list[dict[str, Any]]:
    rules = rbac.merge_rules([RbacRule((group,), resources, verbs) for group, resources, verbs in ta.rbac_rules(plan.spec)])
    role_name = cluster_role_name(plan)
    return [
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": _metadata(plan, role_name, namespaced=False), "rules": rules},
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": _metadata(plan, role_name, namespaced=False),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role_name},
            "subjects": [{"kind": "ServiceAccount", "name": name(plan), "namespace": plan.namespace}],
        },
    ]


def service(plan: Plan) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _metadata(plan, name(plan)),
        "spec": {"type": "ClusterIP", "selector": selector_labels(plan), "ports": [{"name": ta.PORT_NAME, "port": ta.PORT, "targetPort": ta.PORT_NAME, "protocol": "TCP", "appProtocol": "http"}]},
    }


def _resources(plan: Plan) -> dict[str, Any]:
    res = _settings(plan).resources
    out: dict[str, Any] = {}
    for key, given in (("requests", res.requests), ("limits", res.limits)):
        values = {k: v for k, v in (("cpu", given.cpu), ("memory", given.memory)) if v is not None}
        values["ephemeral-storage"] = sizing.EPHEMERAL_STORAGE[key]  # the allocator writes no files: the collector's bounds
        if values:
            out[key] = values
    return out


def _container(plan: Plan) -> dict[str, Any]:
    settings = _settings(plan)
    env: list[dict[str, Any]] = []
    limit = settings.resources.limits.memory
    if limit:
        env.append({"name": workload.GOMEMLIMIT, "value": sizing.gomemlimit(limit, plan.spec.memory)})
    security = {**copy.deepcopy(workload.CONTAINER_SECURITY), "runAsGroup": RUN_AS, "runAsUser": RUN_AS}
    return {
        "name": CONTAINER,
        "image": ta.image(settings, plan.version),
        "imagePullPolicy": settings.image.pull_policy,
        "args": [f"--config-file={ta.CONFIG_DIR}/{ta.CONFIG_KEY}"],
        "env": env,
        "ports": [{"name": ta.PORT_NAME, "containerPort": ta.PORT, "protocol": "TCP"}],
        "resources": _resources(plan),
        "securityContext": dict(sorted(security.items())),
        "livenessProbe": {"httpGet": {"path": "/livez", "port": ta.PORT_NAME}, **LIVENESS_PROBE},
        "readinessProbe": {"httpGet": {"path": "/readyz", "port": ta.PORT_NAME}, **READINESS_PROBE},
        "volumeMounts": [
            {"name": CONFIG_VOLUME, "mountPath": ta.CONFIG_DIR, "readOnly": True},
            {"name": rbac.API_ACCESS_MOUNT.name, "mountPath": rbac.API_ACCESS_DIR, "readOnly": True},
        ],
    }


def deployment(plan: Plan) -> dict[str, Any]:
    settings = _settings(plan)
    checksum = hashlib.sha256(config_text(plan).encode("utf-8")).hexdigest()
    pod_spec: dict[str, Any] = {
        "serviceAccountName": name(plan),
        "automountServiceAccountToken": False,  # the token is the projected volume below
        "securityContext": {"runAsNonRoot": True, "runAsUser": RUN_AS, "runAsGroup": RUN_AS, "fsGroup": RUN_AS, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [_container(plan)],
        "volumes": [
            {"name": CONFIG_VOLUME, "configMap": {"name": name(plan), "items": [{"key": ta.CONFIG_KEY, "path": ta.CONFIG_KEY}]}},
            {"name": rbac.API_ACCESS_MOUNT.name, "projected": {"defaultMode": workload.SECRET_FILE_MODE, "sources": rbac.api_access_sources(rbac.API_TOKEN_SECONDS)}},
        ],
    }
    pod_spec.update(workload.pod_placement(plan.spec.pod))
    if settings.replicas > 1:  # prefer one allocator per node (soft, as for the collector)
        term = {"labelSelector": {"matchLabels": selector_labels(plan)}, "topologyKey": autoscaling.ANTI_AFFINITY_KEY}
        pod_spec["affinity"] = {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": autoscaling.ANTI_AFFINITY_WEIGHT, "podAffinityTerm": term}]}}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _metadata(plan, name(plan)),
        "spec": {
            "replicas": settings.replicas,
            "revisionHistoryLimit": workload.REVISION_HISTORY_LIMIT,
            "selector": {"matchLabels": selector_labels(plan)},
            "strategy": copy.deepcopy(workload.DEPLOYMENT_STRATEGY),
            "template": {"metadata": {"labels": selector_labels(plan), "annotations": {configmap.CHECKSUM_ANNOTATION: checksum}}, "spec": pod_spec},
        },
    }


def pod_disruption_budget(plan: Plan) -> dict[str, Any] | None:
    if _settings(plan).replicas < 2:
        return None
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": _metadata(plan, name(plan)), "spec": {"maxUnavailable": 1, "selector": {"matchLabels": selector_labels(plan)}}}


def network_policy(plan: Plan) -> dict[str, Any] | None:
    """Default deny; in: the collector pods (and metricsFrom, for /metrics) on the allocator's port; out: DNS and the API server."""
    from otelgen.manifests import networkpolicy

    np = plan.spec.network_policy
    if not np.enabled:
        return None
    dns_peer = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": np.dns.namespace}}, "podSelector": {"matchLabels": dict(np.dns.pod_labels)}}
    api_peers = [{"ipBlock": {"cidr": cidr}} for cidr in np.api_server.cidrs]
    collectors = {"podSelector": {"matchLabels": naming.selector_labels(plan)}}
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": _metadata(plan, name(plan)),
        "spec": {
            "podSelector": {"matchLabels": selector_labels(plan)},
            "policyTypes": ["Ingress", "Egress"],
            # the collectors ask for their targets; scrapers of the allocator's /metrics (metricsFrom)
            "ingress": [networkpolicy._rule("ingress", [collectors], [(ta.PORT, "TCP")]), networkpolicy._rule("ingress", np.metrics_from, [(ta.PORT, "TCP")])],
            "egress": [
                networkpolicy._rule("egress", [dns_peer], list(networkpolicy.DNS_PORTS)),
                networkpolicy._rule("egress", api_peers, [(p, "TCP") for p in np.api_server.ports]),
            ],
        },
    }


def collector_egress(plan: Plan) -> list[dict[str, Any]]:
    """The collector's NetworkPolicy rule to the allocator (its pods, its port)."""
    if not ta.enabled(plan.spec) or not modes.traits(plan.mode).replicas:
        return []
    return [{"to": [{"podSelector": {"matchLabels": selector_labels(plan)}}], "ports": [{"protocol": "TCP", "port": ta.PORT}]}]


def objects(plan: Plan) -> list[dict[str, Any]]:
    """Every allocator object, in apply order (identities, config, Service, workload, policy)."""
    if not ta.enabled(plan.spec) or not modes.traits(plan.mode).replicas:
        return []
    out: list[dict[str, Any] | None] = [service_account(plan), *cluster_role(plan), config_map(plan), service(plan), deployment(plan), pod_disruption_budget(plan), network_policy(plan)]
    return [obj for obj in out if obj is not None]
