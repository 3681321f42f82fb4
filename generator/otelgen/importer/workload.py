"""Kubernetes manifests → the collector config they run and the pod settings
around it (mode, image, resources, env, replicas, scheduling).

:mod:`otelgen.inputs` pairs each ConfigMap config with the containers whose
``--config`` reads it; import takes the first such pair.  Ports and RBAC are
not copied: otelgen derives them from the components, and import compares
the two afterwards."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from otelgen import inputs as inp
from otelgen import credentials as predicate
from otelgen import versions, yamlio
from otelgen.components import facts
from otelgen.errors import SpecError, error
from otelgen.importer import credentials
from otelgen.importer.notes import Notes
from otelgen.manifests.workload import BASE_ENV, GOMEMLIMIT


def _derived_env() -> set[str]:
    """Env vars otelgen's pod defines itself: the pod IP, GOMEMLIMIT and what components declare."""
    return {v.name for v in BASE_ENV} | {GOMEMLIMIT} | set(facts.declared_env())


#: OpenTelemetryCollector fields that describe the collector container / its pod
_CR_CONTAINER = ("image", "imagePullPolicy", "resources", "env", "envFrom", "ports")
_CR_POD = ("nodeSelector", "tolerations", "priorityClassName", "serviceAccount", "terminationGracePeriodSeconds")
_CR_MODES = {"daemonset": "agent", "sidecar": "sidecar", "deployment": "gateway", "statefulset": "gateway"}


@dataclass
class Found:
    """The collector found in the manifests: its config and what runs it, a
    workload container (``runner``) or an Operator OpenTelemetryCollector (``owner``)."""

    inputs: inp.Inputs
    config: inp.CollectorConfig
    runner: inp.Runner | None = None
    others: list[str] = field(default_factory=list)  # the other containers' names

    @property
    def owner(self) -> inp.K8sObject:
        return self.runner.workload if self.runner else self.config.owner  # type: ignore[return-value]

    @property
    def _cr_spec(self) -> dict[str, Any]:
        spec = self.owner.get(("spec",))
        return spec if isinstance(spec, dict) else {}

    @property
    def workload(self) -> dict[str, Any]:
        return self.owner.data

    @property
    def pod_spec(self) -> dict[str, Any]:
        if self.runner:
            return inp.pod_spec(self.runner.workload) or {}
        return {k: self._cr_spec[k] for k in _CR_POD if k in self._cr_spec}

    @property
    def container(self) -> dict[str, Any]:
        if self.runner:
            return self.runner.container
        return {k: self._cr_spec[k] for k in _CR_CONTAINER if k in self._cr_spec}

    def _base(self) -> tuple[Any, ...]:
        return self.runner.container_path if self.runner else ("spec",)

    def path(self, *parts: Any) -> list[Any]:
        """A note's path: ``Deployment/name.spec.template.spec.containers[0].<parts>``."""
        return [self.owner.ref, *self._base(), *parts]

    def note(self, notes: Notes, kind: str, id: str, parts: tuple[Any, ...], message: str, hint: str = "") -> None:
        line = self.owner.line(self._base() + parts)
        getattr(notes, kind)(id, self.path(*parts), message, hint, in_config=False, line=line)


def find_collector(inputs: inp.Inputs) -> Found:
    """The first config that a workload container runs."""
    for config in inputs.configs:
        if config.runners:
            runner = config.runners[0]
            others = [str(c.get("name")) for path, c in inp.containers(runner.workload) if path != runner.container_path and not _init_only(path, c)]
            return Found(inputs, config, runner, others)
    for config in inputs.configs:
        if config.owner is not None:
            return Found(inputs, config)
    for runner in inputs.unresolved_runners:
        _explain_unresolved(inputs, runner)
    raise SpecError([error("E002", [], f"{inputs.file}: no collector found: no container's --config reads a ConfigMap in this file", "import the collector config file itself, or the manifests with the ConfigMap and the workload that runs it")])


def _init_only(path: tuple[Any, ...], container: dict[str, Any]) -> bool:
    """Init containers that finish before the pod runs (not native sidecars)."""
    return "initContainers" in path and container.get("restartPolicy") != "Always"


def _explain_unresolved(inputs: inp.Inputs, runner: inp.Runner) -> None:
    """A runner whose ConfigMap key exists but holds no usable config: say why (E001/E002)."""
    where = f"{inputs.file}: {runner.workload.ref}"
    if runner.resolved is None:
        raise SpecError([error("E002", [runner.workload.ref, *runner.container_path, "args"], f"{where}: --config={runner.config_path} does not lead to a ConfigMap key in this file", "include the ConfigMap the container mounts at that path, or import the config itself")])
    name, key = runner.resolved
    for cm in inputs.of_kind("ConfigMap"):
        text = cm.get(("data", key))
        if cm.name == name and isinstance(text, str) and inp.same_namespace(cm.namespace, runner.workload.namespace):
            source = f"{inputs.file}: {cm.ref} data.{key}"
            config = yamlio.load_mapping(text, source)  # raises E001/E002 for what is not YAML
            raise SpecError([error("E002", [cm.ref, "data", key], f"{source} is not a collector config (keys: {', '.join(map(str, config)) or 'none'})", "a collector config has receivers:, exporters: and service:")])
    raise SpecError([error("E002", [runner.workload.ref, *runner.container_path, "args"], f"{where}: --config={runner.config_path} reads ConfigMap {name} key {key}, which is not in this file", "include that ConfigMap, or import the config itself")])


# ------------------------------------------------------------------ pod settings


def operator_features(found: Found, notes: Notes) -> None:
    """What an Operator OpenTelemetryCollector asks for that the spec cannot carry: named
    warnings (W208), never a silent import that renders a different setup."""
    if found.runner is not None:
        return
    spec = found.workload.get("spec") or {}
    mode = str(spec.get("mode", "deployment")).lower()
    if mode == "statefulset":
        found.note(notes, "warn", "W208", ("mode",), "mode statefulset: imported as a gateway Deployment, without stable pod names or volume claims", "persist queues with a file_storage extension on a hostPath, or keep running it with the Operator")
    allocator = spec.get("targetAllocator")
    if isinstance(allocator, dict) and allocator.get("enabled"):
        found.note(notes, "warn", "W208", ("targetAllocator",), "targetAllocator: otelgen deploys no target allocator, so the prometheus receiver's targets are not distributed (every replica scrapes what its config lists)", "keep scrape targets in config.scrape_configs, run one replica, or keep the Operator for target allocation")
    for key in ("ingress", "autoscaler", "podDisruptionBudget", "volumeClaimTemplates", "initContainers", "additionalContainers", "volumes", "volumeMounts", "hostNetwork", "lifecycle", "configmaps"):
        if spec.get(key):
            found.note(notes, "warn", "W208", (key,), f"{key} of the OpenTelemetryCollector resource is not carried into the spec", "otelgen derives ports, volumes, scaling and probes itself; set what it cannot in the spec (pod, scaling, declarations)")


def mode_of(found: Found) -> str:
    if found.runner is None:
        return _CR_MODES.get(str(found.workload.get("spec", {}).get("mode", "deployment")).lower(), "gateway")
    if found.others:
        return "sidecar"
    return "agent" if found.runner.workload.kind == "DaemonSet" else "gateway"


def image_settings(found: Found, target: str, notes: Notes) -> dict[str, Any]:
    """spec.image from ``repo[:tag][@digest]``; a version tag other than the target is dropped."""
    ref, _, digest = str(found.container.get("image") or "").strip().partition("@")
    if not ref:
        found.note(notes, "change", "C308", ("image",), f"no image given: the spec uses otelgen's default ({versions.DEFAULT_IMAGE_REPOSITORY}:{target})", "set spec.image to run another build")
        return {}
    repository, tag = ref, None
    if ":" in ref.rsplit("/", 1)[-1]:
        repository, tag = ref.rsplit(":", 1)
    out: dict[str, Any] = {"repository": repository}
    if tag and tag != "latest" and tag.lstrip("v") == target:
        out["tag"] = tag
    elif tag and tag != "latest" and _is_version(tag):
        found.note(notes, "change", "C308", ("image",), f"image tag {tag} → {target}: the spec targets collector {target}", "component names and settings follow the target version; pass --target-version to choose it")
    elif tag or not digest:
        found.note(notes, "change", "C308", ("image",), f"image tag {tag or '(none)'} is not pinned: the spec pins {target}", "otelgen refuses latest and untagged images")
    if digest.startswith("sha256:") and tag and tag.lstrip("v") == target:
        out["digest"] = digest
    if found.container.get("imagePullPolicy") in ("Always", "IfNotPresent", "Never"):
        out["pullPolicy"] = found.container["imagePullPolicy"]
    if not repository.endswith("opentelemetry-collector-k8s"):
        found.note(notes, "warn", "W204", ("image",), f"image {repository} is not the otelcol-k8s distribution otelgen checks components against", "set spec.distribution: custom if it has components otelcol-k8s lacks")
    return out


def _is_version(tag: str) -> bool:
    try:
        versions.parse(tag)
        return True
    except ValueError:
        return False


def image_version(found: Found) -> str | None:
    """The collector version the image tag names, when otelgen supports it."""
    ref = str(found.container.get("image", "")).partition("@")[0]
    tag = ref.rsplit(":", 1)[1] if ":" in ref.rsplit("/", 1)[-1] else ""
    if _is_version(tag) and versions.at_least(tag, versions.MIN_COLLECTOR_VERSION):
        return tag.lstrip("v")
    return None


def resources(found: Found, mode: str, notes: Notes) -> dict[str, Any] | None:
    given = found.container.get("resources") if isinstance(found.container.get("resources"), dict) else {}
    out: dict[str, Any] = {}
    for part in ("requests", "limits"):
        values = given.get(part) if isinstance(given.get(part), dict) else {}
        picked = {_camel(k): str(v) for k, v in values.items() if k in ("cpu", "memory", "ephemeral-storage")}
        if picked:
            out[part] = picked
    if "memory" not in out.get("limits", {}):
        found.note(notes, "change", "C308", ("resources",), f"the container has no memory limit: the spec uses the {mode} default size", "memory_limiter and GOMEMLIMIT are derived from the memory limit; set spec.resources")
        return None
    return {"size": "none", **out}


def _camel(key: str) -> str:
    return "ephemeralStorage" if key == "ephemeral-storage" else key


def env(found: Found, notes: Notes) -> list[dict[str, Any]]:
    container = found.container
    out = []
    for i, entry in enumerate(container.get("env") or []):
        if not isinstance(entry, dict) or "name" not in entry:
            continue
        name = str(entry["name"])
        value_from = entry.get("valueFrom") if isinstance(entry.get("valueFrom"), dict) else None
        if name == "GOMEMLIMIT":
            found.note(notes, "change", "C308", ("env", i), "GOMEMLIMIT is derived from the memory limit (spec.memory.gomemlimitPercentage)", "see docs/memory.md")
        if name in _derived_env():
            continue
        if value_from is None and predicate.literal(name, entry.get("value")) is not None:
            out.append({"name": name, "secretRef": _env_secret(found, notes, i, name)})
        elif value_from is None:
            out.append({"name": name, "value": str(entry.get("value", ""))})
        elif isinstance(value_from.get("secretKeyRef"), dict):
            ref = value_from["secretKeyRef"]
            out.append({"name": name, "secretRef": {"name": str(ref.get("name")), "key": str(ref.get("key"))}})
        else:
            found.note(notes, "warn", "W204", ("env", i), f"env {name} ({', '.join(value_from)}) cannot be carried: spec.pod.env takes values and Secret keys", "otelgen defines MY_POD_IP, K8S_NODE_NAME, K8S_NODE_IP and MY_POD_NAMESPACE itself when components need them")
    for i, _ in enumerate(container.get("envFrom") or []):
        found.note(notes, "warn", "W204", ("envFrom", i), "envFrom cannot be carried", "list the variables in spec.pod.env")
    return out


def _env_secret(found: Found, notes: Notes, index: int, name: str) -> dict[str, str]:
    """A literal credential in the container's env: a Secret to create, never the value."""
    meta = found.workload.get("metadata") or {}
    base = meta.get("name") if isinstance(meta.get("name"), str) else "otel-collector"
    namespace = meta.get("namespace") if isinstance(meta.get("namespace"), str) else "observability"  # the mode defaults' namespace
    secret = credentials.Place(str(base), str(namespace), "pod", "env").secret_name
    key = credentials.secret_key(name)
    notes.secret(secret, str(namespace), key, f"the value of env {name} in {found.owner.ref}")
    found.note(notes, "change", "C307", ("env", index, "value"), f"literal credential in env {name} replaced by Secret {secret}, key {key}", "create the Secret (command below) before applying")
    return {"name": secret, "key": key}


def pod_settings(found: Found, notes: Notes) -> dict[str, Any]:
    pod: dict[str, Any] = {}
    environment = env(found, notes)
    if environment:
        pod["env"] = environment
    for key, spec_key in (("nodeSelector", "nodeSelector"), ("priorityClassName", "priorityClassName"), ("terminationGracePeriodSeconds", "terminationGracePeriodSeconds")):
        if found.pod_spec.get(key) is not None:
            pod[spec_key] = found.pod_spec[key]
    tolerations = found.pod_spec.get("tolerations")
    if isinstance(tolerations, list) and tolerations:
        pod["tolerations"] = tolerations
    return pod


def scaling(found: Found) -> dict[str, Any] | None:
    replicas = (found.workload.get("spec") or {}).get("replicas")
    if found.workload.get("kind") in ("Deployment", "StatefulSet", "OpenTelemetryCollector") and isinstance(replicas, int) and replicas >= 1:
        return {"replicas": replicas}
    return None


def metadata(found: Found, mode: str, notes: Notes) -> tuple[str | None, str | None]:
    meta = found.workload.get("metadata") or {}
    namespace = meta.get("namespace")
    name = meta.get("name") if mode != "sidecar" else None
    if isinstance(name, str) and len(name) > 40:
        notes.change("C308", [found.owner.ref, "metadata", "name"], f"name {name} shortened to 40 characters (room for suffixes of derived objects)", in_config=False, line=found.owner.line(("metadata", "name")))
        name = name[:40].rstrip("-")
    return (name if isinstance(name, str) else None), (namespace if isinstance(namespace, str) else None)


# ------------------------------------------------------------------ after rendering


def container_ports(found: Found) -> list[tuple[int, int, str]]:
    """(index, port, protocol) of each containerPort."""
    return [(i, int(p["containerPort"]), str(p.get("protocol", "TCP"))) for i, p in enumerate(found.container.get("ports") or []) if isinstance(p, dict) and isinstance(p.get("containerPort"), int)]


def warn_host_ports(found: Found, notes: Notes) -> None:
    for i, port in enumerate(found.container.get("ports") or []):
        if isinstance(port, dict) and port.get("hostPort"):
            found.note(notes, "warn", "W204", ("ports", i, "hostPort"), f"hostPort {port['hostPort']} is not carried", "agents are reached through their Service with internalTrafficPolicy: Local (same node)")


def rbac_rules(found: Found) -> set[tuple[str, str]]:
    """(apiGroup, resource) pairs the workload's service account is granted in these manifests."""
    granted: set[tuple[str, str]] = set()
    if found.runner is None:
        return granted  # the Operator makes the ServiceAccount and its RBAC
    for rule in inp.rbac_rules_for(found.inputs, found.runner.workload):
        granted |= {(str(g), str(r)) for g in rule.get("apiGroups") or [""] for r in rule.get("resources") or []}
    return granted


def notes_for(found: Found) -> Notes:
    """Notes on the config say where it is: the ConfigMap key, with manifest line numbers."""
    return Notes(found.inputs.file, found.config.doc, found.config.prefix)
