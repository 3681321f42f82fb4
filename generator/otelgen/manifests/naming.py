"""Object names and labels: the one place that decides them."""

from __future__ import annotations

from otelgen.plan import Plan

CONFIG_KEY = "collector.yaml"
CONFIG_DIR = "/conf"
CONTAINER = "otc-container"


def config_map(plan: Plan) -> str:
    return f"{plan.name}-config"


def service_account(plan: Plan) -> str:
    return plan.name


def cluster_role(plan: Plan) -> str:
    """Cluster-scoped, so the namespace is part of the name."""
    return f"{plan.name}-{plan.namespace}"


def role(plan: Plan) -> str:
    return plan.name


def service(plan: Plan) -> str:
    return plan.name


def headless_service(plan: Plan) -> str:
    return f"{plan.name}-headless"


def workload(plan: Plan) -> str:
    return plan.name


def tls_secret(plan: Plan) -> str:
    """The Secret holding the receivers' certificate (given, or cert-manager's)."""
    tls = plan.spec.tls
    assert tls is not None
    return tls.secret_name or f"{plan.name}-tls"


def selector_labels(plan: Plan) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": "opentelemetry-collector",
        "app.kubernetes.io/instance": plan.name,
        "app.kubernetes.io/component": plan.mode,
    }


def labels(plan: Plan) -> dict[str, str]:
    out = {
        **selector_labels(plan),
        "app.kubernetes.io/version": plan.version,
        "app.kubernetes.io/part-of": "opentelemetry",
        "app.kubernetes.io/managed-by": "otelgen",
    }
    out.update(plan.doc.metadata.labels)
    return out


def metadata(plan: Plan, name: str, namespaced: bool = True, annotations: dict[str, str] | None = None) -> dict:
    meta: dict = {"name": name}
    if namespaced:
        meta["namespace"] = plan.namespace
    meta["labels"] = labels(plan)
    merged = {**plan.doc.metadata.annotations, **(annotations or {})}
    if merged:
        meta["annotations"] = dict(sorted(merged.items()))
    return meta
