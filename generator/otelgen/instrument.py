"""`otelgen instrument`: point every app container's OpenTelemetry SDK at a collector
through the SDK's standard environment variables (no code change in the app).

What each container gets, in this order (Kubernetes expands ``$(VAR)`` only for
variables defined earlier in the same list):

1. downward-API helpers ``OTELGEN_POD_NAME``, ``OTELGEN_POD_NAMESPACE``,
   ``OTELGEN_NODE_NAME``, ``OTELGEN_POD_UID``;
2. ``OTEL_SERVICE_NAME`` from the workload's labels (``app.kubernetes.io/name``,
   else ``app``, else the workload's name);
3. ``OTEL_RESOURCE_ATTRIBUTES``: ``k8s.pod.name``, ``k8s.namespace.name``,
   ``k8s.node.name``, ``k8s.pod.uid`` from the helpers, ``k8s.container.name`` and
   ``k8s.<kind>.name`` from the manifest;
4. the exporter: ``OTEL_EXPORTER_OTLP_ENDPOINT`` (agent: its Service, which keeps
   traffic on the sender's node with ``internalTrafficPolicy: Local``; gateway: its
   Service; sidecar: localhost) and ``OTEL_EXPORTER_OTLP_PROTOCOL``;
5. ``OTEL_PROPAGATORS``, ``OTEL_TRACES_SAMPLER`` (+ ``_ARG``);
6. the batch processors: ``OTEL_BSP_*`` (spans) and ``OTEL_BLRP_*`` (logs);
   delays and timeouts in milliseconds, as the SDK specification defines them.

An ``OTEL_*`` variable the container already sets is kept (warning W116) unless
``force``; then it is replaced.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from otelgen import appsizing, yamlio
from otelgen.errors import Problem, SpecError, error, warning
from otelgen.inputs import POD_TEMPLATE_PATHS, app_workloads, find_pod_template
from otelgen.plan import Plan, build_plan
from otelgen.spec import load, quantity

TARGETS = ("agent", "gateway", "sidecar")
#: downward-API helpers: (env var, fieldPath, resource attribute)
DOWNWARD = (
    ("OTELGEN_POD_NAME", "metadata.name", "k8s.pod.name"),
    ("OTELGEN_POD_NAMESPACE", "metadata.namespace", "k8s.namespace.name"),
    ("OTELGEN_NODE_NAME", "spec.nodeName", "k8s.node.name"),
    ("OTELGEN_POD_UID", "metadata.uid", "k8s.pod.uid"),
)
#: the resource attribute naming the workload, per kind (semantic conventions)
WORKLOAD_ATTRIBUTE = {
    "Deployment": "k8s.deployment.name",
    "StatefulSet": "k8s.statefulset.name",
    "DaemonSet": "k8s.daemonset.name",
    "ReplicaSet": "k8s.replicaset.name",
    "Job": "k8s.job.name",
    "CronJob": "k8s.cronjob.name",
}
SERVICE_NAME_LABELS = ("app.kubernetes.io/name", "app")
#: the SDK's batch processors: env prefix per signal
BATCH_PREFIXES = ("OTEL_BSP", "OTEL_BLRP")
OTLP_PORT = {"grpc": "grpc", "http/protobuf": "http"}


VIAS = ("service", "host-ip")
HOST_IP = ("OTELGEN_HOST_IP", "status.hostIP")


@dataclass(frozen=True)
class Target:
    mode: str
    endpoint: str
    protocol: str
    plan: Plan
    host_ip: bool = False  # the endpoint is the node's IP (hostPort), from OTELGEN_HOST_IP


def otlp_port(plan: Plan, protocol: str) -> int:
    """The port of the collector's otlp receiver for ``protocol`` (grpc or http)."""
    which = OTLP_PORT[protocol]
    for inst in sorted(plan.used("receivers"), key=lambda i: i.name):
        if inst.component is not None and inst.component.id == "otlp":
            proto = getattr(inst.component.config.protocols, which)
            if proto.enabled:
                return proto.port
    raise SpecError([error("E023", ["spec", "receivers"], f"the {plan.mode} has no otlp receiver with {which} enabled, so apps cannot send {protocol} to it", f"add an otlp receiver, or set apps.protocol to the protocol it serves")])


def target(mode: str, spec_files: list[str], sets: list[str], via: str = "service") -> tuple[Target, list[Problem]]:
    from otelgen import modes
    from otelgen.manifests import naming, service, workload

    plan = build_plan(load.load(mode, spec_files, sets))
    protocol = plan.spec.apps.protocol
    port = otlp_port(plan, protocol)
    warnings = list(plan.warnings)
    traits = modes.traits(plan.mode)
    if via == "host-ip":
        if not traits.per_node:
            raise SpecError([error("E024", ["--via"], f"--via host-ip sends to the node's IP, which only an agent (one per node) listens on; this is a {plan.mode}", "use --to agent, or --via service")])
        if not any(p.get("hostPort") == port for p in workload.container_ports(plan)):
            raise SpecError([error("E024", ["spec", "service", "hostPorts"], f"the agent opens no hostPort {port}, so apps cannot reach it on their node's IP", "set service.hostPorts: true in the agent's spec (and render the agent with it), or use --via service")])
        scheme = "https" if plan.server_tls else "http"
        return Target(plan.mode, f"{scheme}://$({HOST_IP[0]}):{port}", protocol, plan, host_ip=True), warnings
    if traits.bind_localhost:
        host, scheme = "localhost", "http"
    else:
        host = f"{naming.service(plan)}.{plan.namespace}.svc.cluster.local"
        scheme = "https" if plan.server_tls else "http"
        if traits.per_node:
            svc = service.services(plan)[0]
            if svc["spec"].get("internalTrafficPolicy") != "Local":
                warnings.append(warning("W115", ["spec", "service", "internalTrafficPolicy"], f"the agent Service {svc['metadata']['name']} routes cluster-wide, so an app may send to an agent on another node (its k8s_attributes then tags nothing)", "leave service.internalTrafficPolicy unset (Local for agents), or use --via host-ip"))
    return Target(plan.mode, f"{scheme}://{host}:{port}", protocol, plan), warnings


def _ms(duration: str) -> str:
    return str(round(appsizing.parse_duration(duration) * 1000))


def sdk_settings(plan: Plan) -> dict[str, str]:
    """The SDK settings every app gets from this collector's spec (no per-workload values)."""
    apps = plan.spec.apps
    out = {"OTEL_PROPAGATORS": ",".join(apps.propagators), "OTEL_TRACES_SAMPLER": apps.sampler.type}
    if apps.sampler.argument is not None:
        out["OTEL_TRACES_SAMPLER_ARG"] = apps.sampler.argument
    batch = apps.batch
    for prefix in BATCH_PREFIXES:
        out[f"{prefix}_SCHEDULE_DELAY"] = _ms(batch.interval)
        out[f"{prefix}_EXPORT_TIMEOUT"] = _ms(batch.export_timeout)
        out[f"{prefix}_MAX_QUEUE_SIZE"] = str(batch.max_queue)
        out[f"{prefix}_MAX_EXPORT_BATCH_SIZE"] = str(batch.max_batch)
    return out


def service_name(doc: dict[str, Any], template_meta: dict[str, Any]) -> str:
    label_sets = (template_meta.get("labels") or {}, (doc.get("metadata") or {}).get("labels") or {})
    for key in SERVICE_NAME_LABELS:  # app.kubernetes.io/name on the pod or the workload, then app
        for labels in label_sets:
            if isinstance(labels, dict) and labels.get(key):
                return str(labels[key])
    return str((doc.get("metadata") or {}).get("name") or "unknown_service")


def container_env(tgt: Target, kind: str, workload_name: str, svc_name: str, container_name: str) -> list[dict[str, Any]]:
    helpers = [(name, path) for name, path, _ in DOWNWARD] + ([HOST_IP] if tgt.host_ip else [])
    env: list[dict[str, Any]] = [{"name": name, "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": path}}} for name, path in helpers]
    attrs = [f"{attr}=$({name})" for name, _, attr in DOWNWARD]
    attrs.append(f"k8s.container.name={container_name}")
    if kind in WORKLOAD_ATTRIBUTE:
        attrs.append(f"{WORKLOAD_ATTRIBUTE[kind]}={workload_name}")
    env.append({"name": "OTEL_SERVICE_NAME", "value": svc_name})
    env.append({"name": "OTEL_RESOURCE_ATTRIBUTES", "value": ",".join(attrs)})
    env.append({"name": "OTEL_EXPORTER_OTLP_ENDPOINT", "value": tgt.endpoint})
    env.append({"name": "OTEL_EXPORTER_OTLP_PROTOCOL", "value": tgt.protocol})
    env.extend({"name": k, "value": v} for k, v in sdk_settings(tgt.plan).items())
    return env


def _merge_env(existing: list[dict[str, Any]], ours: list[dict[str, Any]], force: bool, where: list[Any]) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Ours after the container's own variables. An OTEL_* of the container's own is
    kept (W116) unless force (then dropped, ours appended). The OTELGEN_* helpers are
    always ours and stay where they are, so a second run keeps them ahead of the
    variables that reference them."""
    problems = []
    by_name = {e["name"]: e for e in ours}
    out: list[dict[str, Any]] = []
    done: set[str] = set()
    for i, entry in enumerate(existing):
        name = entry.get("name") if isinstance(entry, dict) else None
        if name in by_name and name.startswith("OTELGEN_"):
            out.append(by_name[name])
            done.add(name)
            continue
        if name in by_name and force:
            continue
        if name in by_name:
            done.add(name)
            problems.append(warning("W116", [*where, "env", i], f"{name} is already set: kept ({_shown(entry)})", "--force replaces it with the collector's setting"))
        out.append(entry)
    return out + [e for e in ours if e["name"] not in done], problems


def _shown(entry: dict[str, Any]) -> str:
    return f"value {entry['value']!r}" if "value" in entry else "from valueFrom"


def _memory_check(tgt: Target, container: dict[str, Any], where: list[Any]) -> list[Problem]:
    limit = ((container.get("resources") or {}).get("limits") or {}).get("memory")
    if not isinstance(limit, str) or not quantity.is_quantity(limit):
        return []
    apps = tgt.plan.spec.apps
    batch = appsizing.SdkBatch(appsizing.parse_duration(apps.batch.interval), apps.batch.max_queue, apps.batch.max_batch, appsizing.parse_duration(apps.batch.export_timeout))
    need = len(BATCH_PREFIXES) * appsizing.queue_bytes(batch, appsizing.parse_size(apps.span_size))
    limit_bytes = int(quantity.parse(limit))
    if need > appsizing.APP_MEMORY_SHARE * limit_bytes:
        return [warning("W113", [*where, "resources", "limits", "memory"], f"full span and log queues (maxQueue {batch.max_queue} + maxBatch {batch.max_batch}, {apps.span_size} each) need ~{appsizing.human_bytes(need)}, more than {int(appsizing.APP_MEMORY_SHARE * 100)}% of this container's {limit} limit", "lower apps.batch.maxQueue or raise the container's memory limit")]
    return []


def instrument_documents(app_docs: list[Any], mode: str, spec_files: list[str], sets: list[str], force: bool = False, via: str = "service") -> tuple[list[Any], list[Problem]]:
    tgt, problems = target(mode, spec_files, sets, via)
    apps = tgt.plan.spec.apps
    batch = appsizing.SdkBatch(appsizing.parse_duration(apps.batch.interval), apps.batch.max_queue, apps.batch.max_batch, appsizing.parse_duration(apps.batch.export_timeout))
    rate = appsizing.parse_rate(apps.expected_rate) if apps.expected_rate else None
    problems += appsizing.check_sdk(batch, rate, appsizing.parse_size(apps.span_size)).problems
    collector_names = {tgt.plan.spec.sidecar.container_name}
    out: list[Any] = []
    touched = 0
    for index, doc, kind in app_workloads(app_docs):
        if kind is None:
            out.append(doc)
            continue
        patched = copy.deepcopy(doc)
        template = find_pod_template(patched, kind, index)
        name = str((patched.get("metadata") or {}).get("name") or "")
        svc_name = service_name(patched, template.get("metadata") or {})
        base = [f"document[{index}]", *POD_TEMPLATE_PATHS[kind], "spec", "containers"]
        for ci, container in enumerate(template["spec"]["containers"]):
            if not isinstance(container, dict) or container.get("name") in collector_names:
                continue
            where = [*base, ci]
            ours = container_env(tgt, kind, name, svc_name, str(container.get("name")))
            existing = container.get("env") or []
            if not isinstance(existing, list):
                raise SpecError([error("E009", [*where, "env"], "env is not a list", "fix the manifest")])
            container["env"], notes = _merge_env(existing, ours, force, where)
            problems += notes + _memory_check(tgt, container, where)
            touched += 1
        out.append(patched)
    if not touched:
        raise SpecError([error("E009", [], "no app container to instrument", f"the manifest needs one of: {', '.join(POD_TEMPLATE_PATHS)}")])
    return out, problems


def instrument_file(app_path: str, mode: str, spec_files: list[str], sets: list[str], force: bool = False, via: str = "service") -> tuple[list[Any], list[Problem]]:
    data, source = load.read_source(app_path)
    docs = yamlio.load_documents(data, source)
    return instrument_documents(docs, mode, spec_files, sets, force, via)


# ---------------------------------------------------------------- Kustomize component

#: the component patches the container of this name (strategic merge patches need one)
COMPONENT_CONTAINER = "app"
COMPONENT_KINDS = {
    "Deployment": ("apps/v1", ("spec", "template")),
    "StatefulSet": ("apps/v1", ("spec", "template")),
    "DaemonSet": ("apps/v1", ("spec", "template")),
    "Job": ("batch/v1", ("spec", "template")),
    "CronJob": ("batch/v1", ("spec", "jobTemplate", "spec", "template")),
}


def component_env(tgt: Target, container_name: str = COMPONENT_CONTAINER) -> list[dict[str, Any]]:
    """The env `instrument` writes, with what a Component cannot know per workload taken
    from the pod instead: the service name from its app.kubernetes.io/name label (downward
    API), and no k8s.<kind>.name (the agent's k8s_attributes adds it)."""
    env = [e for e in container_env(tgt, "Pod", "", "", container_name)]
    for entry in env:
        if entry["name"] == "OTEL_SERVICE_NAME":
            entry.pop("value")
            entry["valueFrom"] = {"fieldRef": {"apiVersion": "v1", "fieldPath": f"metadata.labels['{SERVICE_NAME_LABELS[0]}']"}}
    return env


def kustomize_component(mode: str, spec_files: list[str], sets: list[str]) -> dict[str, str]:
    """A Kustomize Component: one strategic-merge patch per workload kind adding the env
    to the container named ``app`` (kustomize cannot patch every container of any name)."""
    tgt, _ = target(mode, spec_files, sets)
    env = component_env(tgt)
    files: dict[str, str] = {}
    patches = []
    for kind, (api_version, path) in COMPONENT_KINDS.items():
        node: dict[str, Any] = {"spec": {"containers": [{"name": COMPONENT_CONTAINER, "env": env}]}}
        for key in reversed(path):
            node = {key: node}
        name = f"patch-{kind.lower()}.yaml"
        files[name] = yamlio.dump({"apiVersion": api_version, "kind": kind, "metadata": {"name": "any"}, **node})
        patches.append({"path": name, "target": {"kind": kind}})
    header = {"apiVersion": "kustomize.config.k8s.io/v1alpha1", "kind": "Component"}
    files["kustomization.yaml"] = yamlio.dump({**header, "patches": patches})
    return files
