"""What rules look at and what they return.

A rule is a small function over one *subject*:
- :class:`ConfigTarget`: one collector config, with the containers that run it
  (none for a raw config file);
- :class:`ContainerTarget`: one collector container in a workload, with the
  config it runs when that was found.
It yields :class:`Hit` values; the engine turns them into :class:`Finding`
values with the rule's ID and severity, the file, the YAML path and the line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable, Iterable, Literal

from otelgen import components, versions
from otelgen.components.base import Component
from otelgen.errors import PathPart
from otelgen.inputs import CollectorConfig, Inputs, K8sObject, Runner, containers, pod_spec, same_namespace

Severity = Literal["error", "warning"]
SEVERITY_RANK = {"warning": 1, "error": 2}
SIGNALS = ("traces", "metrics", "logs", "profiles")
#: image repositories → distribution (the component list to judge against)
IMAGE_DISTRIBUTIONS = (("opentelemetry-collector-k8s", "otelcol-k8s"), ("opentelemetry-collector-contrib", "otelcol-contrib"))


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    file: str
    path: str
    line: int | None
    message: str
    fix: str

    def as_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "severity": self.severity, "file": self.file, "path": self.path, "line": self.line, "message": self.message, "fix": self.fix}


@dataclass(frozen=True)
class Hit:
    """One problem a rule found: path inside the config, or inside ``obj`` when set."""

    path: tuple[PathPart, ...]
    message: str
    fix: str
    obj: K8sObject | None = None


@dataclass(frozen=True)
class Options:
    #: collector version to judge against; None: the image tag of the container, else the pinned one
    target_version: str | None = None
    #: distribution of raw configs ("otelcol-k8s"); None: do not judge image membership
    distribution: str | None = "otelcol-k8s"


# ---------------------------------------------------------------- collector config views


@dataclass(frozen=True)
class ComponentRef:
    section: str  # "receivers"
    name: str  # "otlp/backend"
    config: Any

    @property
    def kind(self) -> str:
        return components.SECTIONS[self.section]

    @property
    def type_name(self) -> str:
        return self.name.split("/", 1)[0]

    @property
    def path(self) -> tuple[str, str]:
        return (self.section, self.name)

    @property
    def registry(self) -> type[Component] | None:
        return components.lookup(self.kind, self.type_name)  # type: ignore[arg-type]


def defined(config: dict) -> list[ComponentRef]:
    """Every component defined in the config's sections, in file order."""
    out = []
    for section in components.SECTIONS:
        entries = config.get(section)
        if isinstance(entries, dict):
            out.extend(ComponentRef(section, str(name), value) for name, value in entries.items())
    return out


def pipelines(config: dict) -> dict[str, dict]:
    service = config.get("service")
    found = service.get("pipelines") if isinstance(service, dict) else None
    if not isinstance(found, dict):
        return {}
    return {str(k): (v if isinstance(v, dict) else {}) for k, v in found.items()}


def pipeline_list(pipeline: dict, role: str) -> list[str]:
    value = pipeline.get(role)
    return [str(v) for v in value] if isinstance(value, list) else []


def signal_of(pipeline_name: str) -> str:
    return pipeline_name.split("/", 1)[0]


def service_extensions(config: dict) -> list[str]:
    service = config.get("service")
    value = service.get("extensions") if isinstance(service, dict) else None
    return [str(v) for v in value] if isinstance(value, list) else []


def find_type(config: dict, section: str, *registry_ids: str) -> list[ComponentRef]:
    """Defined components of ``section`` that are any of the registry components ``registry_ids``
    (under any of their type names)."""
    out = []
    for ref in defined(config):
        if ref.section != section:
            continue
        reg = ref.registry
        if reg is not None and reg.id in registry_ids:
            out.append(ref)
    return out


def used_in_pipelines(config: dict) -> set[str]:
    used: set[str] = set()
    for pipeline in pipelines(config).values():
        for role in ("receivers", "processors", "exporters"):
            used.update(pipeline_list(pipeline, role))
    return used


# ---------------------------------------------------------------- targets


def image_distribution(image: str) -> str | None:
    repository = image.rsplit("@", 1)[0].rsplit(":", 1)[0] if "/" in image or ":" in image else image
    for marker, distribution in IMAGE_DISTRIBUTIONS:
        if repository.endswith(marker):
            return distribution
    return None


def image_version(images: list[str]) -> str:
    """The collector version the images' tags name when they agree, else the pinned one."""
    found = set()
    for image in images:
        last = image.split("@", 1)[0].rsplit("/", 1)[-1]
        tag = last.split(":", 1)[1] if ":" in last else ""
        try:
            versions.parse(tag)
        except ValueError:
            continue
        found.add(tag.lstrip("v"))
    return found.pop() if len(found) == 1 else versions.PINNED_COLLECTOR_VERSION


def mode_of(workload: K8sObject, container_path: tuple[PathPart, ...]) -> str:
    """agent (DaemonSet), sidecar (the pod runs other, non-collector containers), or gateway."""
    if workload.kind == "DaemonSet":
        return "agent"
    others = [c for path, c in containers(workload, include_init=False) if path != container_path]
    return "sidecar" if others else "gateway"


def replicas_of(inputs: Inputs, workload: K8sObject) -> int:
    """How many copies run: DaemonSets count as many; HPA maxReplicas when one targets it."""
    if workload.kind == "DaemonSet":
        return 1000
    count = workload.get(("spec", "replicas"), 1)
    count = count if isinstance(count, int) else 1
    for hpa in inputs.of_kind("HorizontalPodAutoscaler"):
        ref = hpa.get(("spec", "scaleTargetRef"), {}) or {}
        if ref.get("kind") == workload.kind and ref.get("name") == workload.name and same_namespace(hpa.namespace, workload.namespace):
            top = hpa.get(("spec", "maxReplicas"), 1)
            count = max(count, top if isinstance(top, int) else 1)
    return count


@dataclass
class ConfigTarget:
    inputs: Inputs
    config: CollectorConfig
    options: Options

    @property
    def data(self) -> dict:
        return self.config.data

    @property
    def runners(self) -> list[Runner]:
        return self.config.runners

    @cached_property
    def version(self) -> str:
        return self.options.target_version or image_version([str(r.container.get("image", "")) for r in self.runners])

    @cached_property
    def distribution(self) -> str | None:
        if not self.runners:
            return self.options.distribution
        found = {image_distribution(str(r.container.get("image", ""))) for r in self.runners}
        return found.pop() if len(found) == 1 else None

    @cached_property
    def modes(self) -> set[str]:
        return {mode_of(r.workload, r.container_path) for r in self.runners}


@dataclass
class ContainerTarget:
    inputs: Inputs
    workload: K8sObject
    container_path: tuple[PathPart, ...]
    config: CollectorConfig | None
    options: Options

    @property
    def container(self) -> dict:
        value = self.workload.get(self.container_path, {})
        return value if isinstance(value, dict) else {}

    @property
    def pod(self) -> dict:
        return pod_spec(self.workload) or {}

    @property
    def mode(self) -> str:
        return mode_of(self.workload, self.container_path)

    @property
    def version(self) -> str:
        return self.options.target_version or image_version([str(self.container.get("image", ""))])

    def path(self, *parts: PathPart) -> tuple[PathPart, ...]:
        return self.container_path + parts


RuleFunc = Callable[[Any], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    scope: Literal["config", "container", "inputs"]
    title: str
    check: RuleFunc = field(repr=False)
