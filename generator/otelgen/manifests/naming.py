"""Object names and labels: the one place that decides them."""

from __future__ import annotations

from otelgen.components.base import CONFIG_DIR
from otelgen.plan import Plan

CONFIG_KEY = "collector.yaml"
CONTAINER = "otc-container"
APP_NAME = "opentelemetry-collector"
PART_OF = "opentelemetry"
MANAGED_BY = "otelgen"
#: the pod label `otelgen inject` puts on the pods it adds the sidecar to (value: the
#: sidecar spec's metadata.name); the sidecar's PodMonitor selects by it
SIDECAR_LABEL = "otelgen.io/sidecar"
#: object names from the collector's name (metadata.name, the Helm release name)
NAMES = {
    "configMap": "{name}-config",
    "clusterRole": "{name}-{namespace}",  # cluster-scoped, so the namespace is part of the name
    "headlessService": "{name}-headless",
    "tlsSecret": "{name}-tls",  # cert-manager's Secret when tls.secretName is not given
    "ingressCertificate": "{name}-ingress",  # cert-manager Certificate for ingress.hosts
    "ingressTlsSecret": "{name}-ingress-tls",  # its Secret, when ingress.tls.secretName is not given
}


def config_map(plan: Plan) -> str:
    return NAMES["configMap"].format(name=plan.name)


def service_account(plan: Plan) -> str:
    """The pod's ServiceAccount: an existing one (spec.pod.serviceAccountName) or the rendered one."""
    return plan.spec.pod.service_account_name or plan.name


def cluster_role(plan: Plan) -> str:
    return NAMES["clusterRole"].format(name=plan.name, namespace=plan.namespace)


def role(plan: Plan) -> str:
    return plan.name


def service(plan: Plan) -> str:
    return plan.name


def headless_service(plan: Plan) -> str:
    return NAMES["headlessService"].format(name=plan.name)


def workload(plan: Plan) -> str:
    return plan.name


def tls_secret(plan: Plan) -> str:
    """The Secret holding the receivers' certificate (given, or cert-manager's)."""
    tls = plan.spec.tls
    assert tls is not None
    return tls.secret_name or NAMES["tlsSecret"].format(name=plan.name)


def ingress_certificate(plan: Plan) -> str:
    return NAMES["ingressCertificate"].format(name=plan.name)


def ingress_tls_secret(plan: Plan) -> str:
    return NAMES["ingressTlsSecret"].format(name=plan.name)


def selector_labels(plan: Plan) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": APP_NAME,
        "app.kubernetes.io/instance": plan.name,
        "app.kubernetes.io/component": plan.mode,
    }


def sidecar_pod_labels(plan: Plan) -> dict[str, str]:
    return {SIDECAR_LABEL: plan.name}


def labels(plan: Plan) -> dict[str, str]:
    out = {
        **selector_labels(plan),
        "app.kubernetes.io/version": plan.version,
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": MANAGED_BY,
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
