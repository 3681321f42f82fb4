"""`otelgen import`: a raw collector config, or the Kubernetes manifests that
run one, → an otelgen spec that `otelgen render` accepts.

The spec is rendered once here, so import fails (exit 2) rather than hand
out a spec that does not render, and the rendered config is compared with the
input to list every change (:mod:`.changes`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from otelgen import versions, yamlio
from otelgen.components.base import deep_merge
from otelgen.config import collector_config
from otelgen.manifests.workload import env_vars
from otelgen.errors import Problem, SpecError, error
from otelgen.components import facts
from otelgen.importer import changes, rawconfig, registry
from otelgen.importer.notes import Notes, SecretToCreate
from otelgen.plan import Plan, build_plan
from otelgen.planning import inserts
from otelgen.spec import load
from otelgen.spec.model import API_VERSION, KIND, MODES

if TYPE_CHECKING:
    from otelgen.inputs import Inputs

@dataclass
class Workload:
    """What the manifests say about the pod that runs the config (see .workload)."""

    mode: str | None = None
    name: str | None = None
    namespace: str | None = None
    spec: dict[str, Any] = field(default_factory=dict)  # image, resources, scaling, pod


@dataclass
class Imported:
    document: dict[str, Any]
    notes: Notes
    rendered_config: dict[str, Any]
    input_config: dict[str, Any]
    warnings: list[Problem]
    plan: Plan

    @property
    def secrets(self) -> list[SecretToCreate]:
        return list(self.notes.secrets.values())

    def text(self) -> str:
        return yamlio.dump(self.document)


def import_path(path: str, mode: str | None = None, target_version: str | None = None) -> Imported:
    from otelgen import inputs

    found = inputs.read(path)
    if found.kind == "spec":
        raise SpecError([error("E002", ["apiVersion"], f"{found.file} is already an otelgen spec", f"render it: otelgen render -f {found.file}")])
    if found.kind == "manifests":
        lone = _lone_configmap(found)
        if lone is not None:
            notes = Notes(found.file, lone.doc, lone.prefix)
            notes.warn("W207", list(lone.prefix), f"a ConfigMap without the workload that runs it: imported as mode {mode or 'gateway'}" + ("" if mode else " (the default)"), "pass --mode agent|gateway|sidecar, or import the ConfigMap together with its Deployment/DaemonSet", in_config=False)
            return import_config(lone.data, found.file, mode or "gateway", target_version, notes=notes)
        return import_manifests(found, mode, target_version)
    config = found.configs[0]
    return import_config(config.data, found.file, mode, target_version, notes=Notes(found.file, config.doc))


def _lone_configmap(found: Inputs) -> Any:
    """The collector config of a file that holds ConfigMaps and nothing that runs one
    (no workload, no Operator resource): the first config found, else None."""
    if found.workloads or found.of_kind("OpenTelemetryCollector") or found.unresolved_runners:
        return None
    configs = [c for c in found.configs if c.configmap is not None]
    return configs[0] if configs else None


def import_manifests(found_inputs: Inputs, mode: str | None, target_version: str | None) -> Imported:
    from otelgen.importer import workload as wl

    found = wl.find_collector(found_inputs)
    notes = wl.notes_for(found)
    wl.operator_features(found, notes)
    version = _version(target_version or wl.image_version(found))
    run_as = mode or wl.mode_of(found)
    name, namespace = wl.metadata(found, run_as, notes)
    spec: dict[str, Any] = {"image": wl.image_settings(found, version, notes)}
    for key, value in (("resources", wl.resources(found, run_as, notes)), ("scaling", wl.scaling(found) if run_as == "gateway" else None), ("pod", wl.pod_settings(found, notes))):
        if value:
            spec[key] = value
    imported = import_config(found.config.data, found_inputs.file, mode, version, Workload(wl.mode_of(found), name, namespace, spec), notes)
    _compare_ports(wl.container_ports(found), imported, found, notes)
    wl.warn_host_ports(found, notes)
    if found.runner is not None:
        _compare_rbac(wl.rbac_rules(found), imported, found, notes)
    others = [c.prefix[0] for c in found_inputs.configs if c is not found.config and (c.runners or c.owner is not None)]
    if others:
        notes.warn("W204", [], f"more collectors in this file ({', '.join(others)}): imported only {found.config.prefix[0]}", "import them one at a time (split the file)", in_config=False)
    return imported


def import_config(config: Any, source: str, mode: str | None, target_version: str | None, workload: Workload | None = None, notes: Notes | None = None) -> Imported:
    if not isinstance(config, dict):
        raise SpecError([error("E002", [], f"{source} holds a {type(config).__name__}, expected a collector config mapping", "a collector config has receivers:, exporters: and service:")])
    workload = workload or Workload()
    notes = notes or Notes(source)
    version = _version(target_version)
    mode = _mode(config, mode, workload, notes)
    defaults = load.mode_defaults(mode)
    name = workload.name or defaults["metadata"]["name"]
    namespace = workload.namespace or defaults["metadata"]["namespace"]
    ctx = rawconfig.Context(config, mode, version, name, namespace, notes)
    ctx.env_secrets = {e["name"]: e["secretRef"] for e in (workload.spec.get("pod") or {}).get("env", []) if "secretRef" in e}
    repository = (workload.spec.get("image") or {}).get("repository")
    # the official otelcol-k8s image cannot run components it lacks: not "its own build"
    ctx.image_repository = None if repository is None or repository.endswith("opentelemetry-collector-k8s") else repository
    body = rawconfig.convert(ctx)
    document = _document(ctx, body, workload, defaults)
    plan = _plan(document, mode, notes.source)
    rendered = collector_config(plan)
    changes.list_changes(config, rendered, version, notes)
    _check_env(rendered, env_vars(plan), notes)
    warnings = [_in_config(w, notes.source) for w in plan.warnings if w.id != "W101"]  # W101: listed as C305
    return Imported(document, notes, rendered, config, warnings, plan)


def _compare_ports(given: list[tuple[int, int, str]], imported: Imported, found: Any, notes: Notes) -> None:
    derived = {(p.port, p.protocol) for p in imported.plan.needs.ports} | {(imported.plan.spec.telemetry.metrics_port, "TCP")}
    for index, port, protocol in given:
        if (port, protocol) not in derived:
            found.note(notes, "warn", "W204", ("ports", index), f"containerPort {port}/{protocol} is not carried: no component of the config listens there", "otelgen derives container and Service ports from the receivers and extensions")


def _compare_rbac(granted: set[tuple[str, str]], imported: Imported, found: Any, notes: Notes) -> None:
    derived = {(g, r) for rule in imported.plan.needs.rbac for g in rule.api_groups for r in rule.resources}
    extra = sorted(granted - derived)
    missing = sorted(derived - granted)
    if extra:
        notes.warn("W204", [found.owner.ref, "serviceAccountName"], f"RBAC not carried (no component needs it): {', '.join(_rbac_names(extra))}", "otelgen derives RBAC from the components; grant anything else in your own Role", in_config=False)
    if missing:
        notes.change("C308", [found.owner.ref, "serviceAccountName"], f"RBAC the components need was added: {', '.join(_rbac_names(missing))}", "otelgen derives RBAC from the components", in_config=False)


def _rbac_names(pairs: list[tuple[str, str]]) -> list[str]:
    return [f"{group}/{resource}" if group else resource for group, resource in pairs]


def _version(target: str | None) -> str:
    version = target or versions.PINNED_COLLECTOR_VERSION
    try:
        versions.parse(version)
    except ValueError as exc:
        raise SpecError([error("E004", ["--target-version"], str(exc), f"e.g. --target-version {versions.PINNED_COLLECTOR_VERSION}")]) from None
    if not versions.at_least(version, versions.MIN_COLLECTOR_VERSION):
        raise SpecError([error("E004", ["--target-version"], f"collector {version} is older than otelgen supports", f"target {versions.MIN_COLLECTOR_VERSION} or newer: import is how you move to it")])
    return version.lstrip("v")


def _mode(config: dict[str, Any], cli_mode: str | None, workload: Workload, notes: Notes) -> str:
    if cli_mode:
        if workload.mode and workload.mode != cli_mode:
            notes.warn("W204", ["--mode"], f"the manifests run the collector as {workload.mode}, imported as {cli_mode} as asked", "drop --mode to keep the workload's mode", in_config=False)
        return cli_mode
    if workload.mode:
        return workload.mode
    receivers = config.get("receivers") if isinstance(config.get("receivers"), dict) else {}
    # receivers that read node-local data (facts.node_local): a config with them runs as an agent
    node_local = sorted(n for n in receivers if isinstance(n, str) and facts.node_local(registry.find("receiver", n.partition("/")[0])[0]))
    mode = "agent" if node_local else "gateway"
    reason = f"it reads node-local data ({', '.join(node_local)})" if node_local else "no receiver reads node-local data"
    notes.change("C308", ["--mode"], f"mode {mode}: {reason}", f"pass --mode {'|'.join(MODES)} to choose", in_config=False)
    return mode


def _persistent_queue(spec: dict[str, Any], defaults: dict[str, Any]) -> None:
    """The file_storage otelgen adds for spec.persistentQueue (and the exporters' storage naming
    it) imports as persistentQueue; without it, a mode whose defaults turn the queue on
    (statefulset) keeps it off: imported as written, not added."""
    from otelgen.persistentqueue import EXTENSION

    ext = (spec.get("extensions") or {}).get(EXTENSION)
    if isinstance(ext, dict) and isinstance(ext.get("directory"), str) and ext.get("create_directory", True) is True and set(ext) <= {"directory", "create_directory"}:
        del spec["extensions"][EXTENSION]
        for cfg in (spec.get("exporters") or {}).values():
            queue = cfg.get("sending_queue") if isinstance(cfg, dict) else None
            if isinstance(queue, dict) and queue.get("storage") == EXTENSION:
                del queue["storage"]
        spec["persistentQueue"] = {"enabled": True, "directory": ext["directory"]}
    elif (defaults["spec"].get("persistentQueue") or {}).get("enabled"):
        spec["persistentQueue"] = {"enabled": False}


def _document(ctx: rawconfig.Context, body: dict[str, Any], workload: Workload, defaults: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {"mode": ctx.mode, "collectorVersion": ctx.version}
    chosen = rawconfig.distribution(ctx)
    if chosen:
        spec["distribution"] = chosen
    spec.update({k: v for k, v in workload.spec.items() if k in ("image",)})
    image = spec.get("image") or {}
    if chosen == "contrib" and str(image.get("repository", "")).endswith("opentelemetry-collector-k8s"):
        spec["image"] = {k: v for k, v in image.items() if k != "repository"}  # the contrib image's default
        ctx.notes.change("C308", ["image"], f"image {image['repository']} → {rawconfig.CONTRIB_IMAGE}: the config needs components only the otelcol-contrib image has", "set distribution: custom and spec.image to run your own build", in_config=False)
    for section in rawconfig.SECTIONS:
        entries = dict(body[section])
        for name in defaults["spec"].get(section) or {}:
            if name not in entries and name != inserts.name("health"):  # the probes need it
                entries[name] = None  # delete the mode default's component
        if entries:
            spec[section] = entries
    pipelines = dict(body["pipelines"])
    for name in defaults["spec"].get("pipelines") or {}:
        pipelines.setdefault(name, None)
    spec["pipelines"] = pipelines
    if (defaults["spec"].get("presets") or {}).get("kubernetesAttributes", {}).get("enabled"):
        spec["presets"] = {"kubernetesAttributes": {"enabled": False}}  # imported as written, not added
    _persistent_queue(spec, defaults)
    spec.update({k: v for k, v in workload.spec.items() if k not in ("image", "pod")})
    pod = dict(workload.spec.get("pod") or {})
    if ctx.pod_env:
        pod["env"] = _merge_env(pod.get("env") or [], ctx.pod_env)
    if pod:
        spec["pod"] = pod
    if "telemetry" in body:
        spec["telemetry"] = body["telemetry"]
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": {"name": ctx.name, "namespace": ctx.namespace}, "spec": spec}


def _merge_env(existing: list[dict[str, Any]], added: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = {e["name"] for e in existing}
    return existing + [e for e in added if e["name"] not in names]


def _plan(document: dict[str, Any], mode: str, source: str) -> Plan:
    merged = deep_merge(load.mode_defaults(mode), document)
    try:
        return build_plan(load.parse_document(merged))
    except SpecError as exc:
        lead = Problem("E004", (), "the config cannot be rendered as it is; the problems below name where (component names as in the spec)", "fix the input config (or report an import bug)", "error", source)
        raise SpecError([lead, *(_in_config(p, source) for p in exc.problems)]) from None


def _in_config(problem: Problem, source: str) -> Problem:
    """A render problem with its spec path turned into the config's (spec.pipelines → service.pipelines)."""
    path = problem.path
    if path[:1] == ("spec",):
        path = path[1:]
        if path[:1] == ("pipelines",):
            path = ("service", *path)
    return Problem(problem.id, path, problem.message, problem.hint, problem.severity, source)


_ENV_REF = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)")


def _check_env(rendered: dict[str, Any], pod_env: list[dict[str, Any]], notes: Notes) -> None:
    """Warn about env vars the rendered config reads but the rendered pod does not define."""
    defined = {e["name"] for e in pod_env}
    for var in sorted(set(_ENV_REF.findall(yamlio.dump(rendered)))):
        if var not in defined:
            notes.warn("W203", ["${env:" + var + "}"], f"the config reads ${{env:{var}}}, which the pod does not define", "add it to spec.pod.env (value or secretRef), or the collector sees an empty string", in_config=False)
