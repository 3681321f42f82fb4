"""`otelgen render MODE --format operator`: the same validated collector as
OpenTelemetry Operator resources.

- ``OpenTelemetryCollector`` (opentelemetry.io/v1beta1): the collector config as
  structured ``spec.config`` (the very dict the plain render puts in its ConfigMap),
  image, resources, env (Secret-fed variables included), volumes, security contexts,
  scheduling and scaling, with the mode mapped agent→daemonset, gateway→deployment,
  statefulset→statefulset (with the queue's volumeClaimTemplates), sidecar→sidecar
  (otelgen.modes).
- ``Instrumentation`` (opentelemetry.io/v1alpha1): the SDK settings of
  ``spec.apps`` (exporter endpoint, propagators, sampler, batch env), pointing at
  the Service the Operator creates for this collector (``<name>-collector``), or
  localhost for a sidecar.

What the Operator derives itself is left to it (docs/operator.md): the config
ConfigMap and its volume, Services and ports, ServiceAccount, RBAC, probes.
"""

from __future__ import annotations

from typing import Any

from otelgen import modes, persistentqueue
from otelgen.config import collector_config
from otelgen.manifests import autoscaling, naming, podextras, rbac, workload
from otelgen.plan import Plan

API_VERSION = "opentelemetry.io/v1beta1"
INSTRUMENTATION_API_VERSION = "opentelemetry.io/v1alpha1"
#: the Operator names the collector's Service <name>-collector
SERVICE_SUFFIX = "-collector"


def _operator_volumes(plan: Plan) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Our volumes and mounts without the config (the Operator mounts its own) and without
    the API token (the Operator's pods mount the ServiceAccount token at the standard path)."""
    skip = {workload.volume_name_config(plan), rbac.API_ACCESS_MOUNT.name}
    volumes = [v for v in workload.volumes(plan) if v["name"] not in skip]
    mounts = [m for m in workload.volume_mounts(plan) if m["name"] not in skip]
    return volumes, mounts


def collector(plan: Plan, config: dict[str, Any] | None = None) -> dict[str, Any]:
    config = collector_config(plan) if config is None else config
    container = workload.collector_container(plan)
    pod = plan.spec.pod
    traits = modes.traits(plan.mode)
    spec: dict[str, Any] = {
        "mode": traits.operator_mode,
        "image": container["image"],
        "imagePullPolicy": container["imagePullPolicy"],
        "upgradeStrategy": "none",  # the Operator must not rewrite a config otelgen validated for this version
        "managementState": "managed",
    }
    if traits.replicas and not plan.spec.scaling.autoscaling.enabled:
        spec["replicas"] = plan.spec.scaling.replicas
    auto = plan.spec.scaling.autoscaling
    if traits.autoscaling and auto.enabled:
        spec["autoscaler"] = {"minReplicas": auto.min_replicas, "maxReplicas": auto.max_replicas}
        if auto.target_cpu_utilization_percentage is not None:
            spec["autoscaler"]["targetCPUUtilization"] = auto.target_cpu_utilization_percentage
        if auto.target_memory_utilization_percentage is not None:
            spec["autoscaler"]["targetMemoryUtilization"] = auto.target_memory_utilization_percentage
        if auto.metrics:
            spec["autoscaler"]["metrics"] = [m.dump() for m in auto.metrics]
        if auto.behavior is not None:
            spec["autoscaler"]["behavior"] = auto.behavior.dump()
    if autoscaling.pod_disruption_budget(plan) is not None:
        spec["podDisruptionBudget"] = autoscaling.budget(plan.spec.scaling.pod_disruption_budget)
    spec["resources"] = container["resources"]
    spec["env"] = container["env"]
    spec["securityContext"] = container["securityContext"]
    spec["podSecurityContext"] = workload.pod_security_context(plan)
    if plan.spec.pod.security_context is not None:
        spec["podSecurityContext"] = podextras.merge(spec["podSecurityContext"], plan.spec.pod.security_context.dump())
    volumes, mounts = _operator_volumes(plan)
    if volumes:
        spec["volumes"] = volumes
    if mounts:
        spec["volumeMounts"] = mounts
    if pod.annotations:
        spec["podAnnotations"] = dict(sorted(pod.annotations.items()))
    spec["terminationGracePeriodSeconds"] = pod.termination_grace_period_seconds
    spec.update(workload.pod_scheduling(plan))
    spec.update(podextras.operator_fields(plan, container))  # spec.pod escape hatches (E071 for what the CR cannot carry)
    if traits.workload == "DaemonSet":
        spec["daemonSetUpdateStrategy"] = dict(workload.DAEMONSET_UPDATE_STRATEGY)
    elif traits.workload == "Deployment":
        spec["deploymentUpdateStrategy"] = dict(workload.DEPLOYMENT_STRATEGY)
    claims = persistentqueue.claim_templates(plan.spec, naming.selector_labels(plan))
    if claims:
        spec["volumeClaimTemplates"] = claims
    spec["config"] = config
    return {"apiVersion": API_VERSION, "kind": "OpenTelemetryCollector", "metadata": naming.metadata(plan, plan.name), "spec": spec}


def service_host(plan: Plan) -> str:
    return f"{plan.name}{SERVICE_SUFFIX}.{plan.namespace}.svc.cluster.local"


def instrumentation(plan: Plan) -> dict[str, Any]:
    from otelgen import instrument

    apps = plan.spec.apps
    port = instrument.otlp_port(plan, apps.protocol)
    local = modes.traits(plan.mode).bind_localhost
    host = "localhost" if local else service_host(plan)
    scheme = "https" if plan.server_tls and not local else "http"
    settings = instrument.sdk_settings(plan)
    env = [{"name": "OTEL_EXPORTER_OTLP_PROTOCOL", "value": apps.protocol}]
    env += [{"name": k, "value": v} for k, v in settings.items() if k.startswith(instrument.BATCH_PREFIXES)]
    sampler: dict[str, Any] = {"type": apps.sampler.type}
    if apps.sampler.argument is not None:
        sampler["argument"] = apps.sampler.argument
    return {
        "apiVersion": INSTRUMENTATION_API_VERSION,
        "kind": "Instrumentation",
        "metadata": naming.metadata(plan, plan.name),
        "spec": {
            "exporter": {"endpoint": f"{scheme}://{host}:{port}"},
            "propagators": list(apps.propagators),
            "sampler": sampler,
            "env": env,
        },
    }


def operator_objects(plan: Plan) -> list[dict[str, Any]]:
    return [collector(plan), instrumentation(plan)]
