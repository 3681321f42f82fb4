"""How the config behaves in the pods that run it: memory, replicas and
single writers, tail sampling, node filtering, RBAC."""

from __future__ import annotations

from typing import Any, Iterator

from otelgen import sizing
from otelgen.inputs import pod_spec_path, rbac_rules_for
from otelgen.components import facts
from otelgen.lint.model import ConfigTarget, ContainerTarget, Hit, defined, find_type, replicas_of, service_extensions, used_in_pipelines
from otelgen.spec import quantity
from otelgen.spec.model import MemoryTuning

TUNING = MemoryTuning()  # otelgen's ratios (docs/memory.md)
_ZERO = ("0", "0s", "0ms", "0m", "0h")
#: limit/spike keys of memory_limiter, as (limit key, spike key, unit)
_LIMIT_PAIRS = (("limit_mib", "spike_limit_mib", "MiB"), ("limit_percentage", "spike_limit_percentage", "%"))


def _memory_limiters(t: ConfigTarget):
    for ref in find_type(t.data, "processors", "memory_limiter"):
        yield ref, (ref.config if isinstance(ref.config, dict) else {})


def memory_limiter_no_interval(t: ConfigTarget) -> Iterator[Hit]:
    for ref, cfg in _memory_limiters(t):
        value = cfg.get("check_interval")
        if value is None or str(value).strip() in _ZERO:
            yield Hit(ref.path, f"{ref.name} has no check_interval{'' if value is None else f' ({value})'}: the collector refuses to start (it must be > 0)", f"set check_interval: {sizing.CHECK_INTERVAL} (otelgen's choice, see docs/memory.md) or 1s")


def memory_limiter_spike(t: ConfigTarget) -> Iterator[Hit]:
    for ref, cfg in _memory_limiters(t):
        for limit_key, spike_key, unit in _LIMIT_PAIRS:
            limit, spike = cfg.get(limit_key), cfg.get(spike_key)
            if isinstance(limit, (int, float)) and isinstance(spike, (int, float)) and spike >= limit:
                yield Hit(ref.path + (spike_key,), f"{ref.name} {spike_key} ({spike}{unit}) is not below {limit_key} ({limit}{unit}): the soft limit is ≤ 0 and every request is refused", f"set {spike_key} to about a quarter of {limit_key} (e.g. {max(int(limit) // 4, 1)})")


def _memory_limit_mib(container: dict) -> int | None:
    limits = (container.get("resources") or {}).get("limits") if isinstance(container.get("resources"), dict) else None
    value = limits.get("memory") if isinstance(limits, dict) else None
    if value is None or not quantity.is_quantity(str(value)):
        return None
    return quantity.mebibytes(str(value))


def memory_limiter_above_limit(t: ConfigTarget) -> Iterator[Hit]:
    for ref, cfg in _memory_limiters(t):
        limit = cfg.get("limit_mib")
        if not isinstance(limit, (int, float)):
            continue
        for runner in t.runners:
            container_mib = _memory_limit_mib(runner.container)
            if container_mib is not None and limit >= container_mib:
                yield Hit(ref.path + ("limit_mib",), f"{ref.name} limit_mib {limit} is not below the memory limit of {runner.workload.ref} ({container_mib} MiB): the OOM killer strikes before the limiter refuses data", f"use limit_percentage: {TUNING.limit_percentage} and spike_limit_percentage: {TUNING.spike_limit_percentage} (they follow the container limit), or limit_mib ≤ {container_mib * TUNING.limit_percentage // 100}")


def no_memory_limit(t: ContainerTarget) -> Iterator[Hit]:
    if _memory_limit_mib(t.container) is None:
        yield Hit(t.path("resources"), f"collector container {t.container.get('name')!r} of {t.workload.ref} has no memory limit: memory_limiter percentages then measure the node, and the pod can take all its memory", "set resources.limits.memory (and requests.memory to the same value)", obj=t.workload)


def gomemlimit_missing(t: ContainerTarget) -> Iterator[Hit]:
    names = {str(e.get("name")) for e in t.container.get("env") or [] if isinstance(e, dict)}
    if "GOMEMLIMIT" not in names:
        limit = _memory_limit_mib(t.container)
        value = sizing.gomemlimit(f"{limit}Mi", TUNING) if limit else f"{TUNING.gomemlimit_percentage}% of the memory limit"
        yield Hit(t.path("env"), f"collector container {t.container.get('name')!r} of {t.workload.ref} has no GOMEMLIMIT: the Go GC does not know the container limit and the heap grows until the OOM killer", f"add env GOMEMLIMIT={value}", obj=t.workload)


# ---------------------------------------------------------------- replicas


def _several(t: ConfigTarget) -> list:
    return [r for r in t.runners if replicas_of(t.inputs, r.workload) > 1]


def _has_trace_balancer(t: ConfigTarget) -> bool:
    """Whether some collector config in the input routes by trace ID (a loadbalancing exporter)."""
    for other in t.inputs.configs:
        for ref in find_type(other.data, "exporters", "loadbalancing"):
            cfg = ref.config if isinstance(ref.config, dict) else {}
            if cfg.get("routing_key", "traceID") == "traceID":
                return True
    return False


def tail_sampling_unbalanced(t: ConfigTarget) -> Iterator[Hit]:
    samplers = [ref for ref in find_type(t.data, "processors", "tail_sampling") if ref.name in used_in_pipelines(t.data)]
    several = _several(t)
    if not samplers or not several or _has_trace_balancer(t):
        return
    for ref in samplers:
        runner = several[0]
        yield Hit(ref.path, f"{ref.name} runs in {runner.workload.ref} with {replicas_of(t.inputs, runner.workload) if runner.workload.kind != 'DaemonSet' else 'one replica per node'} replicas and nothing routes spans by trace ID: each replica decides on fragments of traces", "put a tier with the loadbalancing exporter (routing_key: traceID, resolver: dns on this gateway's headless Service) in front, or run one replica")


def _leader_elected(t: ConfigTarget, cfg: Any) -> bool:
    if not isinstance(cfg, dict):
        return False
    elector = cfg.get("k8s_leader_elector")
    return isinstance(elector, str) and elector in service_extensions(t.data)


def single_writer_duplicated(t: ConfigTarget) -> Iterator[Hit]:
    several = _several(t)
    if not several:
        return
    used = used_in_pipelines(t.data)
    for ref in defined(t.data):
        if ref.section != "receivers" or ref.name not in used or ref.registry is None:
            continue
        if not facts.single_writer(ref.registry) or _leader_elected(t, ref.config):
            continue
        runner = several[0]
        how = "a DaemonSet (one copy per node)" if runner.workload.kind == "DaemonSet" else f"{replicas_of(t.inputs, runner.workload)} replicas"
        yield Hit(ref.path, f"{ref.name} runs in {runner.workload.ref} as {how} without leader election: every copy reports the same cluster data (duplicates)", "run it in a single-replica Deployment, or add the k8s_leader_elector extension to service.extensions and set k8s_leader_elector: <its name> on the receiver")


# ---------------------------------------------------------------- k8s_attributes and RBAC


def _container_env(container: dict) -> dict[str, dict]:
    return {str(e.get("name")): e for e in container.get("env") or [] if isinstance(e, dict)}


def k8sattributes_no_node_filter(t: ConfigTarget) -> Iterator[Hit]:
    agents = [r for r in t.runners if r.workload.kind == "DaemonSet"]
    if not agents:
        return
    for ref in find_type(t.data, "processors", "k8s_attributes"):
        cfg = ref.config if isinstance(ref.config, dict) else {}
        if cfg.get("passthrough") is True or ref.name not in used_in_pipelines(t.data):
            continue
        var = (cfg.get("filter") or {}).get("node_from_env_var") if isinstance(cfg.get("filter"), dict) else None
        if not var:
            yield Hit(ref.path, f"{ref.name} in the DaemonSet {agents[0].workload.ref} watches every pod of the cluster on every node (memory and API server load)", "set filter: {node_from_env_var: K8S_NODE_NAME} with env K8S_NODE_NAME from fieldRef spec.nodeName")
            continue
        for runner in agents:
            env = _container_env(runner.container).get(str(var))
            field = ((env or {}).get("valueFrom") or {}).get("fieldRef", {}).get("fieldPath") if isinstance((env or {}).get("valueFrom"), dict) else None
            if field != "spec.nodeName":
                yield Hit(ref.path + ("filter", "node_from_env_var"), f"{ref.name} filters on env {var}, but container {runner.container.get('name')!r} of {runner.workload.ref} does not set it from spec.nodeName", f"add env {var} with valueFrom.fieldRef.fieldPath: spec.nodeName")


def _required_rules(t: ConfigTarget) -> list[tuple[str, Any]]:
    used = used_in_pipelines(t.data) | set(service_extensions(t.data))
    out = []
    for ref in defined(t.data):
        if ref.name not in used or ref.registry is None:
            continue
        needs = facts.needs_of_raw(ref.registry, ref.config, facts.neutral_context(ref.name, t.version))
        if needs is not None:
            out.extend((ref.name, rule) for rule in needs.rbac)
    return out


def _granted(rules: list[dict], group: str, resource: str, verb: str) -> bool:
    for rule in rules:
        groups = [str(g) for g in rule.get("apiGroups") or []]
        resources = [str(r) for r in rule.get("resources") or []]
        verbs = [str(v) for v in rule.get("verbs") or []]
        if (group in groups or "*" in groups) and (resource in resources or "*" in resources) and (verb in verbs or "*" in verbs):
            return True
    return False


def rbac_missing(t: ConfigTarget) -> Iterator[Hit]:
    required = _required_rules(t)
    if not required:
        return
    for runner in t.runners:
        granted = rbac_rules_for(t.inputs, runner.workload)
        for name, rule in required:
            missing = [(g, r, v) for g in rule.api_groups for r in rule.resources for v in rule.verbs if not _granted(granted, g, r, v)]
            if missing:
                what = sorted({f"{v} {r}" + (f".{g}" if g else "") for g, r, v in missing})
                yield Hit(tuple(pod_spec_path(runner.workload) or ()) + ("serviceAccountName",), f"{name} needs {', '.join(what)}, which no (Cluster)Role bound to the ServiceAccount of {runner.workload.ref} grants: it fails with 403 Forbidden", f"grant apiGroups {list(rule.api_groups)} resources {list(rule.resources)} verbs {list(rule.verbs)} in a ClusterRole bound to the ServiceAccount", obj=runner.workload)
