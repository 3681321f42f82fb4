"""The collector container and the DaemonSet / Deployment / StatefulSet around it (the kind: otelgen.modes)."""

from __future__ import annotations

import copy
from typing import Any

from otelgen import distributions, modes, persistentqueue
from otelgen.components.base import EnvVar, Mount
from otelgen.components.extensions import HEALTH_PORT_NAME
from otelgen.manifests import autoscaling, configmap, naming, podextras, rbac, tls
from otelgen.plan import Plan
from otelgen.planning import inserts

SECRET_FILE_MODE = 0o440  # group-readable: fsGroup gives the collector's group access
CONFIG_VOLUME = "otelcol-config"
GOMEMLIMIT = "GOMEMLIMIT"  # env var: the Go runtime's soft memory limit (sizing.gomemlimit)
BASE_ENV = (EnvVar("MY_POD_IP", field_path="status.podIP"),)
#: the container's security context without the user/group (pod.runAsUser)
CONTAINER_SECURITY: dict[str, Any] = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "privileged": False,
    "readOnlyRootFilesystem": True,
    "runAsNonRoot": True,
    "seccompProfile": {"type": "RuntimeDefault"},
}
POD_SECURITY: dict[str, Any] = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
#: probe timings (see probes() for why liveness asks a different question)
STARTUP_PROBE = {"periodSeconds": 2, "failureThreshold": 30}
LIVENESS_PROBE = {"periodSeconds": 10, "timeoutSeconds": 2, "failureThreshold": 3}
READINESS_PROBE = {"periodSeconds": 5, "timeoutSeconds": 2, "failureThreshold": 2}
DAEMONSET_UPDATE_STRATEGY: dict[str, Any] = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}}
DEPLOYMENT_STRATEGY: dict[str, Any] = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
STATEFULSET_UPDATE_STRATEGY: dict[str, Any] = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}}
#: collectors do not need their pods started one after another
POD_MANAGEMENT_POLICY = "Parallel"
#: the queue's claims stay when pods are scaled away or the StatefulSet is deleted (the
#: Kubernetes default, spelled out): scaling back up sends what they hold
PVC_RETENTION_POLICY: dict[str, Any] = {"whenDeleted": "Retain", "whenScaled": "Retain"}
REVISION_HISTORY_LIMIT = 5


def image(plan: Plan) -> str:
    img = plan.spec.image
    ref = f"{img.repository or distributions.default_image(plan.spec.distribution)}:{img.tag or plan.version}"
    return f"{ref}@{img.digest}" if img.digest else ref


def env_vars(plan: Plan) -> list[dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for var in list(BASE_ENV) + plan.needs.env:
        out.setdefault(var.name, _env(var))
    if plan.gomemlimit:
        out[GOMEMLIMIT] = {"name": GOMEMLIMIT, "value": plan.gomemlimit}
    for entry in plan.spec.pod.env:
        if entry.value_from is not None:
            out[entry.name] = {"name": entry.name, "valueFrom": entry.value_from.dump()}
        elif entry.secret_ref is not None:
            out[entry.name] = {"name": entry.name, "valueFrom": {"secretKeyRef": {"name": entry.secret_ref.name, "key": entry.secret_ref.key}}}
        else:
            out[entry.name] = {"name": entry.name, "value": entry.value}
    return list(out.values())


def _env(var: EnvVar) -> dict[str, Any]:
    if var.field_path:
        return {"name": var.name, "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": var.field_path}}}
    if var.secret:
        return {"name": var.name, "valueFrom": {"secretKeyRef": {"name": var.secret.name, "key": var.secret.key}}}
    return {"name": var.name, "value": var.value or ""}


def mounts(plan: Plan) -> list[Mount]:
    return tls.server_mounts(plan) + rbac.api_access_mounts(plan) + plan.needs.mounts


def volume_name_config(plan: Plan) -> str:
    return CONFIG_VOLUME


def volumes(plan: Plan) -> list[dict[str, Any]]:
    out = [{"name": volume_name_config(plan), "configMap": {"name": naming.config_map(plan), "items": [{"key": naming.CONFIG_KEY, "path": naming.CONFIG_KEY}]}}]
    claim = persistentqueue.claim_volume(plan.spec)  # a StatefulSet's volumeClaimTemplates entry, not a pod volume
    for m in mounts(plan):
        if m.name != claim:
            out.append(_volume(m))
    return out + podextras.extra_volumes(plan)


def _volume(m: Mount) -> dict[str, Any]:
    if m.host_path:
        return {"name": m.name, "hostPath": {"path": m.host_path, "type": m.host_path_type or "Directory"}}
    if m.api_token_seconds:
        return {"name": m.name, "projected": {"defaultMode": SECRET_FILE_MODE, "sources": rbac.api_access_sources(m.api_token_seconds)}}
    if m.secret_name:
        secret: dict[str, Any] = {"secretName": m.secret_name, "defaultMode": SECRET_FILE_MODE}
        if m.secret_items:
            secret["items"] = [{"key": k, "path": p} for k, p in m.secret_items]
        return {"name": m.name, "secret": secret}
    return {"name": m.name, "emptyDir": {"sizeLimit": f"{m.empty_dir_mib or 64}Mi"}}


def volume_mounts(plan: Plan) -> list[dict[str, Any]]:
    out = [{"name": volume_name_config(plan), "mountPath": naming.CONFIG_DIR, "readOnly": True}]
    out += [{"name": m.name, "mountPath": m.mount_path, "readOnly": m.read_only} for m in mounts(plan)]
    return out + [podextras.mount(plan, m) for m in plan.spec.pod.volume_mounts]


def volume_mount_paths(plan: Plan) -> list[str]:
    """The collector container's own mount paths (spec.pod.volumeMounts must not reuse them)."""
    return [naming.CONFIG_DIR] + [m.mount_path.rstrip("/") or "/" for m in mounts(plan)]


def collector_container_name(plan: Plan) -> str:
    return plan.spec.sidecar.container_name if modes.traits(plan.mode).workload is None else naming.CONTAINER


def container_security_context(plan: Plan) -> dict[str, Any]:
    uid = plan.spec.pod.run_as_user
    return dict(sorted({**copy.deepcopy(CONTAINER_SECURITY), "runAsGroup": uid, "runAsUser": uid}.items()))


def probes(plan: Plan) -> dict[str, Any]:
    """Startup and readiness ask the health endpoint (the extension whose role is
    "health", otelgen.planning.inserts) whether the pipelines are running (200 once
    started, 503 once shutdown begins). Liveness is
    deliberately a different, weaker question: is the process still holding its
    health listener. Restarting a collector because it is not *ready* would only
    throw away its in-memory queue; one that lost its listener is broken and is
    restarted. (kube-score: pod-probes-identical.)"""
    row = inserts.ROLES["health"]
    health = next(inst for (sec, _), inst in plan.instances.items() if sec == row.section and inst.component is not None and inst.component.role == row.role)
    port_name, path = HEALTH_PORT_NAME, health.component.settings()[row.probe_path]
    get = {"path": path, "port": port_name}
    return {
        "startupProbe": {"httpGet": get, **STARTUP_PROBE},
        "livenessProbe": {"tcpSocket": {"port": port_name}, **LIVENESS_PROBE},
        "readinessProbe": {"httpGet": dict(get), **READINESS_PROBE},
    }


def container_ports(plan: Plan) -> list[dict[str, Any]]:
    host = modes.traits(plan.mode).per_node and plan.spec.service.host_ports  # receivers only (ingress ports)
    out = []
    for p in plan.needs.ports:
        port: dict[str, Any] = {"name": p.name, "containerPort": p.port}
        if host and p.ingress:
            port["hostPort"] = p.port
        port["protocol"] = p.protocol
        out.append(port)
    return out


def resources(plan: Plan) -> dict[str, Any]:
    return {"requests": dict(plan.sizing.requests), "limits": dict(plan.sizing.limits)}


def collector_container(plan: Plan) -> dict[str, Any]:
    container = {
        "name": collector_container_name(plan),
        "image": image(plan),
        "imagePullPolicy": plan.spec.image.pull_policy,
        "args": podextras.collector_args(plan, [f"--config={naming.CONFIG_DIR}/{naming.CONFIG_KEY}"]),
        "env": env_vars(plan),
        "ports": container_ports(plan),
        "resources": resources(plan),
        "securityContext": container_security_context(plan),
        **probes(plan),
        "volumeMounts": volume_mounts(plan),
    }
    return podextras.apply_to_container(plan, container)


def pod_security_context(plan: Plan) -> dict[str, Any]:
    uid = plan.spec.pod.run_as_user
    security = copy.deepcopy(POD_SECURITY)
    return {"runAsNonRoot": security.pop("runAsNonRoot"), "runAsUser": uid, "runAsGroup": uid, "fsGroup": uid, **security}


def pod_placement(pod: Any) -> dict[str, Any]:
    """The spec.pod fields every pod otelgen renders shares: priority class, node
    selector, tolerations (only the fields that are set)."""
    spec: dict[str, Any] = {}
    if pod.priority_class_name:
        spec["priorityClassName"] = pod.priority_class_name
    if pod.node_selector:
        spec["nodeSelector"] = dict(sorted(pod.node_selector.items()))
    if pod.tolerations:
        spec["tolerations"] = [t.model_dump(by_alias=True, exclude_none=True) for t in pod.tolerations]
    return spec


def pod_scheduling(plan: Plan) -> dict[str, Any]:
    """Where the pods may run: priority class, node selector, tolerations,
    anti-affinity and topology spread (only the fields that are set)."""
    spec = pod_placement(plan.spec.pod)
    anti_affinity = autoscaling.pod_anti_affinity(plan)
    if anti_affinity:
        spec["affinity"] = {"podAntiAffinity": anti_affinity}
    spread = autoscaling.topology_spread(plan)
    if spread:
        spec["topologySpreadConstraints"] = spread
    return spec


def pod_template(plan: Plan, config_map: dict[str, Any]) -> dict[str, Any]:
    pod = plan.spec.pod
    annotations = {configmap.CHECKSUM_ANNOTATION: configmap.checksum(config_map), **pod.annotations}
    spec: dict[str, Any] = {
        "serviceAccountName": naming.service_account(plan),
        "automountServiceAccountToken": False,  # the token, when needed, is in volumes (rbac.api_access_mounts)
        "securityContext": pod_security_context(plan),
        "terminationGracePeriodSeconds": pod.termination_grace_period_seconds,
    }
    spec.update(pod_scheduling(plan))
    spec["containers"] = [collector_container(plan)]
    spec["volumes"] = volumes(plan)
    spec = podextras.apply_to_pod(plan, spec)
    return {
        "metadata": {"labels": {**naming.selector_labels(plan), **pod.labels}, "annotations": dict(sorted(annotations.items()))},
        "spec": spec,
    }


def workload(plan: Plan, config_map: dict[str, Any]) -> dict[str, Any] | None:
    kind = modes.traits(plan.mode).workload
    if kind is None:
        return None
    selector = {"matchLabels": naming.selector_labels(plan)}
    template = pod_template(plan, config_map)
    if kind == "DaemonSet":
        spec = {"selector": selector, "updateStrategy": copy.deepcopy(DAEMONSET_UPDATE_STRATEGY), "template": template}
    else:
        spec = {}
        if not plan.spec.scaling.autoscaling.enabled:  # the HPA owns replicas when it is on
            spec["replicas"] = plan.spec.scaling.replicas
        spec.update({"revisionHistoryLimit": REVISION_HISTORY_LIMIT, "selector": selector})
        if kind == "Deployment":
            spec.update({"strategy": copy.deepcopy(DEPLOYMENT_STRATEGY), "template": template})
        else:  # StatefulSet: stable names <name>-0, -1, … under the headless Service, a claim per pod
            spec.update({
                "serviceName": naming.headless_service(plan),
                "podManagementPolicy": POD_MANAGEMENT_POLICY,
                "updateStrategy": copy.deepcopy(STATEFULSET_UPDATE_STRATEGY),
                "persistentVolumeClaimRetentionPolicy": copy.deepcopy(PVC_RETENTION_POLICY),
                "template": template,
            })
            claims = persistentqueue.claim_templates(plan.spec, naming.selector_labels(plan))
            if claims:
                spec["volumeClaimTemplates"] = claims
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": naming.metadata(plan, naming.workload(plan)), "spec": spec}
