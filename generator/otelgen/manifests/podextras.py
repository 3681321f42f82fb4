"""The pod-spec escape hatches of ``spec.pod`` (volumes, env, init and extra
containers, affinity, security context, probes, args, ...), applied over what
otelgen derives, and the checks that keep them safe.

The fields are Kubernetes' own (``otelgen.spec.kube``), dumped as written;
security contexts are merged over the restricted defaults, and everything that
leaves the restricted Pod Security profile warns (W131, W132)."""

from __future__ import annotations

import copy
from typing import Any

from otelgen import modes
from otelgen.errors import Problem, error, warning
from otelgen.plan import WRITABLE_HOST_PATHS, Plan
from otelgen.planning.needs import _allowed_host_path
from pydantic.alias_generators import to_snake

from otelgen.spec import kube

#: capabilities the restricted profile lets a container add
RESTRICTED_ADDABLE = ("NET_BIND_SERVICE",)
#: pod-level fields that have no pod of their own in sidecar mode
POD_LEVEL = ("volumes", "initContainers", "containers", "affinity", "topologySpreadConstraints", "securityContext", "imagePullSecrets", "hostNetwork", "dnsPolicy", "serviceAccountName")
FEATURE_GATES_FLAG = "--feature-gates="


def merge(base: Any, over: Any) -> Any:
    """``over`` deep-merged onto ``base``: mappings merge, anything else replaces."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = copy.deepcopy(base)
        for key, value in over.items():
            out[key] = merge(out[key], value) if key in out else copy.deepcopy(value)
        return out
    return copy.deepcopy(over)


def _sorted(d: dict[str, Any]) -> dict[str, Any]:
    return dict(sorted(d.items()))


# ------------------------------------------------------------------ the collector container


def collector_args(plan: Plan, base: list[str]) -> list[str]:
    pod = plan.spec.pod
    out = list(base)
    if pod.feature_gates:
        out.append(FEATURE_GATES_FLAG + ",".join(pod.feature_gates))
    return out + list(pod.args)


def host_path_volumes(plan: Plan) -> dict[str, str]:
    return {v.name: v.host_path.path for v in plan.spec.pod.volumes if v.host_path is not None}


def mount(plan: Plan, m: kube.VolumeMount) -> dict[str, Any]:
    """A user mount; a hostPath one is read-only unless readOnly is set."""
    out = m.dump()
    if m.read_only is None and m.name in host_path_volumes(plan):
        out["readOnly"] = True
    return out


def apply_to_container(plan: Plan, container: dict[str, Any]) -> dict[str, Any]:
    pod = plan.spec.pod
    if pod.env_from:
        container["envFrom"] = [e.dump() for e in pod.env_from]
    if pod.container_security_context is not None:
        container["securityContext"] = _sorted(merge(container["securityContext"], pod.container_security_context.dump()))
    for key, timing in (("startupProbe", pod.startup_probe), ("livenessProbe", pod.liveness_probe), ("readinessProbe", pod.readiness_probe)):
        if timing is not None:
            container[key] = {**container[key], **timing.dump()}
    if pod.lifecycle is not None:
        container["lifecycle"] = pod.lifecycle.dump()
    return container


# ------------------------------------------------------------------ the pod


def secure_container(plan: Plan, c: kube.Container) -> dict[str, Any]:
    from otelgen.manifests.workload import container_security_context

    out = c.dump()
    out["securityContext"] = _sorted(merge(container_security_context(plan), out.get("securityContext", {})))
    if c.volume_mounts:
        out["volumeMounts"] = [mount(plan, m) for m in c.volume_mounts]
    return out


def apply_to_pod(plan: Plan, spec: dict[str, Any]) -> dict[str, Any]:
    """The pod spec with the user's pod-level fields; keys in a stable order."""
    pod = plan.spec.pod
    if pod.service_account_name:
        spec["serviceAccountName"] = pod.service_account_name
    if pod.security_context is not None:
        spec["securityContext"] = _sorted(merge(spec["securityContext"], pod.security_context.dump()))
    if pod.host_network:
        spec["hostNetwork"] = True
    dns = pod.dns_policy or ("ClusterFirstWithHostNet" if pod.host_network else None)
    if dns:
        spec["dnsPolicy"] = dns
    if pod.image_pull_secrets:
        spec["imagePullSecrets"] = [s.dump() for s in pod.image_pull_secrets]
    if pod.affinity is not None:
        affinity = {**spec.get("affinity", {}), **pod.affinity.dump()}
        if affinity:
            spec["affinity"] = _sorted(affinity)
    if pod.topology_spread_constraints is not None:
        spec.pop("topologySpreadConstraints", None)
        if pod.topology_spread_constraints:
            spec["topologySpreadConstraints"] = [t.dump() for t in pod.topology_spread_constraints]
    if pod.init_containers:
        spec["initContainers"] = [secure_container(plan, c) for c in pod.init_containers]
    if pod.containers:
        spec["containers"] = spec["containers"] + [secure_container(plan, c) for c in pod.containers]
    # the containers and volumes last, as otelgen writes them
    return {**{k: v for k, v in spec.items() if k not in ("initContainers", "containers", "volumes")}, **{k: spec[k] for k in ("initContainers", "containers", "volumes") if k in spec}}


def operator_fields(plan: Plan, container: dict[str, Any]) -> dict[str, Any]:
    """The same fields for the Operator's OpenTelemetryCollector (v1beta1 names); what
    its CR cannot carry is refused (E071) rather than dropped."""
    pod = plan.spec.pod
    problems: list[Problem] = []
    out: dict[str, Any] = {}

    def refuse(path: list[Any], why: str, hint: str) -> None:
        problems.append(error("E071", path, f"the Operator's OpenTelemetryCollector cannot carry this: {why}", hint))

    if modes.traits(plan.mode).own_pods and plan.spec.service_account.annotations:
        refuse(["spec", "serviceAccount", "annotations"], "the Operator creates the ServiceAccount", "create an annotated ServiceAccount and name it in pod.serviceAccountName")
    if modes.traits(plan.mode).own_pods and plan.spec.rbac.rules:
        refuse(["spec", "rbac", "rules"], "the Operator manages the collector's RBAC", "bind the rules to the ServiceAccount yourself, or render plain manifests")
    if pod.image_pull_secrets:
        refuse(["spec", "pod", "imagePullSecrets"], "it has no imagePullSecrets", "put them on the ServiceAccount (pod.serviceAccountName)")
    args: dict[str, str] = {}
    if pod.feature_gates:
        args["feature-gates"] = ",".join(pod.feature_gates)
    for i, arg in enumerate(pod.args):
        key, eq, value = arg.removeprefix("--").partition("=")
        if not arg.startswith("--") or not eq or key in args:
            refuse(["spec", "pod", "args", i], "its args are a map of --name=value flags, each once", "write the argument as --name=value")
        args[key] = value
    if args:
        out["args"] = args
    for key in ("envFrom", "lifecycle"):
        if key in container:
            out[key] = container[key]
    for key, timing in (("livenessProbe", pod.liveness_probe), ("readinessProbe", pod.readiness_probe), ("startupProbe", pod.startup_probe)):
        if timing is not None and timing.dump():
            out[key] = timing.dump()
    auto = plan.spec.scaling.autoscaling
    for i, metric in enumerate(auto.metrics):
        if metric.type != "Pods":
            refuse(["spec", "scaling", "autoscaling", "metrics", i, "type"], "its autoscaler takes Pods metrics only", "use a Pods metric, or render plain manifests")
    if problems:
        from otelgen.errors import SpecError

        raise SpecError(problems)
    if not modes.traits(plan.mode).own_pods:
        return out
    if pod.service_account_name:
        out["serviceAccount"] = pod.service_account_name
    pod_spec = apply_to_pod(plan, {"securityContext": {}, "containers": [], "volumes": []})
    for key in ("hostNetwork", "dnsPolicy", "affinity", "topologySpreadConstraints", "initContainers"):
        if key in pod_spec:
            out[key] = pod_spec[key]
    if pod.containers:
        out["additionalContainers"] = pod_spec["containers"]
    return out


def extra_volumes(plan: Plan) -> list[dict[str, Any]]:
    return [v.dump() for v in plan.spec.pod.volumes]


# ------------------------------------------------------------------ checks


def _relaxed_container(sc: dict[str, Any]) -> list[str]:
    """What in a container's (merged) securityContext leaves the restricted profile."""
    out = []
    if sc.get("privileged"):
        out.append("privileged: true")
    if sc.get("allowPrivilegeEscalation") is not False:
        out.append("allowPrivilegeEscalation is not false")
    if sc.get("runAsNonRoot") is False:
        out.append("runAsNonRoot: false")
    if sc.get("runAsUser") == 0:
        out.append("runAsUser: 0 (root)")
    added = [c for c in (sc.get("capabilities") or {}).get("add") or [] if c not in RESTRICTED_ADDABLE]
    if added:
        out.append(f"adds capabilities {', '.join(added)}")
    if "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
        out.append("does not drop ALL capabilities")
    seccomp = (sc.get("seccompProfile") or {}).get("type")
    if seccomp is not None and seccomp != "RuntimeDefault":
        out.append(f"seccompProfile {seccomp}")
    if sc.get("readOnlyRootFilesystem") is False:
        out.append("readOnlyRootFilesystem: false (writable root filesystem)")
    if sc.get("procMount") == "Unmasked":
        out.append("procMount: Unmasked")
    return out


def _relaxed_pod(sc: dict[str, Any]) -> list[str]:
    out = []
    if sc.get("runAsNonRoot") is False:
        out.append("runAsNonRoot: false")
    if sc.get("runAsUser") == 0:
        out.append("runAsUser: 0 (root)")
    seccomp = (sc.get("seccompProfile") or {}).get("type")
    if seccomp is not None and seccomp != "RuntimeDefault":
        out.append(f"seccompProfile {seccomp}")
    return out


def spec_problems(plan: Plan) -> list[Problem]:
    from otelgen.manifests import apivalidation, workload

    pod = plan.spec.pod
    base = ["spec", "pod"]
    problems: list[Problem] = []
    if not modes.traits(plan.mode).own_pods:
        for field in POD_LEVEL:
            value = getattr(pod, to_snake(field))
            if value not in (None, False, []):
                problems.append(error("E070", [*base, field], f"{field} is a pod-level field, and a sidecar has no pod of its own (it joins the app's)", "set it on the app's pod, or use mode agent/gateway"))
        if plan.spec.service_account.annotations:
            problems.append(error("E070", ["spec", "serviceAccount", "annotations"], "a sidecar renders no ServiceAccount (it runs as the app's)", "annotate the app's ServiceAccount"))
        if plan.spec.rbac.rules:
            problems.append(error("E070", ["spec", "rbac", "rules"], "a sidecar renders no RBAC (it runs as the app's ServiceAccount)", "grant the app's ServiceAccount what it needs"))
    if modes.traits(plan.mode).own_pods and not modes.traits(plan.mode).per_node and pod.host_network:
        problems.append(error("E070", [*base, "hostNetwork"], f"hostNetwork is for agents (one pod per node); a {plan.mode} would bind its ports on whichever nodes it lands", "use mode agent"))
    if pod.service_account_name and modes.traits(plan.mode).own_pods and not apivalidation.is_dns1123_subdomain(pod.service_account_name):
        problems.append(error("E055", [*base, "serviceAccountName"], f"{pod.service_account_name!r} is not a DNS-1123 subdomain (ServiceAccount names are)", "lowercase letters, digits, '-' and '.'"))
    if pod.service_account_name and plan.spec.service_account.annotations:
        problems.append(error("E070", ["spec", "serviceAccount", "annotations"], f"otelgen renders no ServiceAccount when pod.serviceAccountName ({pod.service_account_name}) names an existing one", "annotate the existing ServiceAccount, or leave serviceAccountName unset"))
    # volumes: names unique and not otelgen's; mounts name a volume
    own = [workload.CONFIG_VOLUME] + [m.name for m in workload.mounts(plan)]
    seen: set[str] = set()
    for i, v in enumerate(pod.volumes):
        if v.name in own or v.name in seen:
            problems.append(error("E010", [*base, "volumes", i, "name"], f"volume {v.name!r} is listed twice" + (" (otelgen's own volume)" if v.name in own else ""), f"pick another name (otelgen uses: {', '.join(own)})"))
        seen.add(v.name)
    names = seen | set(own)
    host = host_path_volumes(plan)

    def mounts(path: list[Any], items: list[kube.VolumeMount]) -> None:
        for j, m in enumerate(items):
            if m.name not in names:
                problems.append(error("E010", [*path, j, "name"], f"volumeMount {m.name!r} names no volume", f"defined: {', '.join(sorted(names))}"))
            elif m.name in host and m.read_only is False and not _allowed_host_path(host[m.name]):
                problems.append(warning("W120", [*path, j], f"writable hostPath {host[m.name]} is outside the allow-list ({', '.join(WRITABLE_HOST_PATHS)}): the pod could change the node's files there", "mount it read-only (leave readOnly unset), or keep state under /var/lib/otelcol/<name>"))

    mounts([*base, "volumeMounts"], pod.volume_mounts)
    taken = set(workload.volume_mount_paths(plan))
    for j, m in enumerate(pod.volume_mounts):
        path = m.mount_path.rstrip("/") or "/"
        if path in taken:
            problems.append(error("E010", [*base, "volumeMounts", j, "mountPath"], f"mountPath {path} is mounted twice in the collector container", "mount it elsewhere"))
        taken.add(path)
    containers = {workload.collector_container_name(plan)}
    for section, items in (("initContainers", pod.init_containers), ("containers", pod.containers)):
        for i, c in enumerate(items):
            path = [*base, section, i]
            if c.name in containers:
                problems.append(error("E010", [*path, "name"], f"container {c.name!r} is listed twice", "give every container its own name"))
            containers.add(c.name)
            if c.restart_policy is not None and section == "containers":
                problems.append(error("E004", [*path, "restartPolicy"], "restartPolicy is for initContainers (a native sidecar)", "move the container to initContainers, or remove restartPolicy"))
            mounts([*path, "volumeMounts"], c.volume_mounts or [])
            merged = merge(workload.container_security_context(plan), c.security_context.dump() if c.security_context else {})
            for why in _relaxed_container(merged):
                problems.append(warning("W131", [*path, "securityContext"], f"container {c.name} leaves the restricted Pod Security profile: {why}", "keep the restricted defaults unless this container really needs it"))
    if pod.container_security_context is not None:
        merged = merge(workload.container_security_context(plan), pod.container_security_context.dump())
        for why in _relaxed_container(merged):
            problems.append(warning("W131", [*base, "containerSecurityContext"], f"the collector container leaves the restricted Pod Security profile: {why}", "the collector needs none of this; remove the field"))
    if pod.security_context is not None:
        merged = merge(workload.pod_security_context(plan), pod.security_context.dump())
        for why in _relaxed_pod(merged):
            problems.append(warning("W131", [*base, "securityContext"], f"the pod leaves the restricted Pod Security profile: {why}", "keep the restricted defaults"))
    for i, arg in enumerate(pod.args):
        flag = arg.split("=", 1)[0]
        if flag in ("--config", "--set"):
            problems.append(warning("W133", [*base, "args", i], f"{flag} changes the collector config outside otelgen: what it adds is neither validated nor reflected in the manifests (ports, RBAC, env, NetworkPolicy)", "put the setting in the spec, where otelgen checks it against the collector"))
    if pod.host_network and modes.traits(plan.mode).per_node:
        problems.append(warning("W132", [*base, "hostNetwork"], "hostNetwork: the agent shares the node's network namespace (its ports bind on the node, the NetworkPolicy no longer isolates it, and it sees the node's traffic)", "prefer service.hostPorts (only the receiver ports on the node) unless a receiver needs the node's network"))
    for i, rule in enumerate(plan.spec.rbac.rules):
        path = ["spec", "rbac", "rules", i]
        if "*" in rule.resources or "*" in rule.api_groups or "*" in rule.verbs:
            problems.append(warning("W121", path, f"RBAC on every resource ({'/'.join(rule.api_groups) or 'core'}: {', '.join(rule.resources)}): this includes Secrets, the whole cluster's credentials", "list the resources it needs by name"))
        elif "secrets" in rule.resources:
            problems.append(warning("W121", path, "RBAC to read Secrets: the collector could read every credential in scope and ship it as telemetry", "watch other resources, or restrict namespaces"))
    return problems
