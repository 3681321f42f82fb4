"""ServiceAccount and RBAC: exactly the rules the enabled components declare."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from otelgen.components.base import Mount, RbacRule
from otelgen.manifests import naming
from otelgen.plan import Plan


#: where client-go's in-cluster config reads the token, CA and namespace
API_ACCESS_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
#: token lifetime; the kubelet rotates it at 80% and client-go re-reads the file
API_TOKEN_SECONDS = 3600


def service_account(plan: Plan) -> dict[str, Any] | None:
    """Never automounted: a pod that talks to the API gets the token through
    ``api_access_mounts`` instead (explicit, read-only, bounded lifetime).
    None when the pod runs as an existing ServiceAccount (spec.pod.serviceAccountName)."""
    if plan.spec.pod.service_account_name:
        return None
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": naming.metadata(plan, naming.service_account(plan), annotations=dict(sorted(plan.spec.service_account.annotations.items())) or None),
        "automountServiceAccountToken": False,
    }


#: the volume behind it: the same files the kubelet's automount would project
API_ACCESS_MOUNT = Mount(name="kube-api-access", mount_path=API_ACCESS_DIR, read_only=True, api_token_seconds=API_TOKEN_SECONDS)


def api_access_sources(token_seconds: int) -> list[dict[str, Any]]:
    """The projected volume's sources: token, cluster CA, the pod's namespace."""
    return [
        {"serviceAccountToken": {"path": "token", "expirationSeconds": token_seconds}},
        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}},
    ]


def api_access_mounts(plan: Plan) -> list[Mount]:
    """The service-account token, only when a component talks to the API:
    declared, read-only, and absent from every pod that has no use for it."""
    return [API_ACCESS_MOUNT] if plan.needs_api else []


def merge_rules(rules: list[RbacRule]) -> list[dict[str, Any]]:
    """Fold rules into the fewest PolicyRules: one per (apiGroup, verbs), sorted."""
    verbs_by_resource: dict[tuple[str, str], set[str]] = defaultdict(set)
    for rule in rules:
        for group in rule.api_groups:
            for resource in rule.resources:
                verbs_by_resource[(group, resource)].update(rule.verbs)
    grouped: dict[tuple[str, tuple[str, ...]], list[str]] = defaultdict(list)
    for (group, resource), verbs in verbs_by_resource.items():
        grouped[(group, tuple(sorted(verbs)))].append(resource)
    return [
        {"apiGroups": [group], "resources": sorted(resources), "verbs": list(verbs)}
        for (group, verbs), resources in sorted(grouped.items())
    ]


def _binding(plan: Plan, kind: str, role_kind: str, role_name: str, namespaced: bool) -> dict[str, Any]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": kind,
        "metadata": naming.metadata(plan, role_name, namespaced=namespaced),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role_name},
        "subjects": [{"kind": "ServiceAccount", "name": naming.service_account(plan), "namespace": plan.namespace}],
    }


def roles(plan: Plan) -> list[dict[str, Any]]:
    """ClusterRole(+Binding) for cluster-wide reads, Role(+Binding) for namespaced needs."""
    cluster_rules = merge_rules([r for r in plan.needs.rbac if not r.namespaced])
    namespaced_rules = merge_rules([r for r in plan.needs.rbac if r.namespaced])
    out: list[dict[str, Any]] = []
    if cluster_rules:
        name = naming.cluster_role(plan)
        out.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": naming.metadata(plan, name, namespaced=False), "rules": cluster_rules})
        out.append(_binding(plan, "ClusterRoleBinding", "ClusterRole", name, namespaced=False))
    if namespaced_rules:
        name = naming.role(plan)
        out.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": naming.metadata(plan, name), "rules": namespaced_rules})
        out.append(_binding(plan, "RoleBinding", "Role", name, namespaced=True))
    return out
