"""Read a path into what it holds: an otelgen spec, a raw collector config, or
Kubernetes manifests (multi-document YAML, also ``helm template`` output).

For manifests, every collector config found in a ConfigMap is paired with the
workload container(s) that run it (``--config=PATH`` pointing at a mounted
key), and the Services and RBAC around those workloads are found.  The
``spec.config`` of OpenTelemetry Operator ``OpenTelemetryCollector`` resources
is read too (``CollectorConfig.owner``; no runners: the Operator makes the pods).

YAML line numbers stay available: each :class:`Doc` keeps a map from the path
of every mapping key / sequence item to its 1-based line, also for configs
embedded in a ConfigMap (lines count in the manifest file).  Parsing uses the
same size / depth / alias-expansion limits as :mod:`otelgen.yamlio`, so
hostile files are refused with a :class:`~otelgen.errors.SpecError` (E001,
E002, E007), never a traceback.

Stable API (add, don't rename): :func:`read`, :func:`read_text`,
:func:`parse_config_text`, :class:`Inputs`, :class:`Doc`,
:class:`K8sObject`, :class:`CollectorConfig`, :class:`Runner`,
:func:`pod_spec`, :func:`containers`, :func:`config_arg`,
:func:`services_for`, :func:`rbac_rules_for`, :func:`same_namespace`, :data:`WORKLOAD_KINDS`,
:data:`CONFIG_SECTIONS`.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any, Iterator, Literal

import yaml

from otelgen import yamlio
from otelgen.errors import PathPart, SpecError, error

InputKind = Literal["spec", "config", "manifests"]

#: Top-level keys of a collector config.
CONFIG_SECTIONS = ("receivers", "processors", "exporters", "extensions", "connectors", "service")

#: Kinds that run containers, and where their pod template sits (a Pod is its own).
POD_TEMPLATE_PATHS: dict[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
    "Pod": (),
}
#: The same kinds, and where the pod spec lives.
WORKLOAD_KINDS: dict[str, tuple[str, ...]] = {kind: (*path, "spec") for kind, path in POD_TEMPLATE_PATHS.items()}


# ---------------------------------------------------------------- documents


@dataclass
class Doc:
    """One parsed YAML document and where its parts are in the file."""

    file: str
    data: Any
    #: path inside ``data`` → 1-based line in ``file`` (keys: the key's line)
    lines: dict[tuple[PathPart, ...], int] = field(default_factory=dict)
    #: path of each block scalar (``|``, ``>``) → line of its indicator (content starts below)
    blocks: dict[tuple[PathPart, ...], int] = field(default_factory=dict)

    def line(self, path: tuple[PathPart, ...] | list[PathPart]) -> int | None:
        """Line of ``path``, or of its nearest ancestor the parser placed."""
        path = tuple(path)
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path[:-1]

    def get(self, path: tuple[PathPart, ...] | list[PathPart], default: Any = None) -> Any:
        """The value at ``path`` inside ``data`` (``default`` when absent)."""
        return dig(self.data, path, default)


def dig(data: Any, path: tuple[PathPart, ...] | list[PathPart], default: Any = None) -> Any:
    current = data
    for part in path:
        if isinstance(part, int) and isinstance(current, list) and -len(current) <= part < len(current):
            current = current[part]
        elif isinstance(current, dict) and part in current:
            current = current[part]
        else:
            return default
    return current


def _node_lines(node: yaml.Node, offset: int, flat: bool) -> tuple[dict, dict]:
    """Map every key/item path under ``node`` to its line (+ ``offset``), and every
    block scalar to its indicator line.  ``flat``: every position is the same line
    (a config in a quoted scalar)."""
    lines: dict[tuple[PathPart, ...], int] = {}
    blocks: dict[tuple[PathPart, ...], int] = {}
    seen: set[int] = set()

    def line_of(n: yaml.Node) -> int:
        return offset + (0 if flat else n.start_mark.line) + 1

    def walk(n: yaml.Node, path: tuple[PathPart, ...], depth: int) -> None:
        if id(n) in seen or depth > yamlio.MAX_DEPTH:  # aliases: place the first occurrence only
            return
        if isinstance(n, yaml.ScalarNode) and n.style in ("|", ">"):
            blocks.setdefault(path, line_of(n))
        if isinstance(n, yaml.MappingNode):
            seen.add(id(n))
            for key_node, value_node in n.value:
                if isinstance(key_node, yaml.ScalarNode):
                    child = path + (key_node.value,)
                    lines.setdefault(child, line_of(key_node))
                    walk(value_node, child, depth + 1)
        elif isinstance(n, yaml.SequenceNode):
            seen.add(id(n))
            for index, item in enumerate(n.value):
                child = path + (index,)
                lines.setdefault(child, line_of(item))
                walk(item, child, depth + 1)

    lines[()] = line_of(node)
    walk(node, (), 0)
    return lines, blocks


def _parse(text: str | bytes, source: str, line_offset: int = 0, flat: bool = False) -> list[tuple[Any, dict, dict]]:
    """(data, lines, blocks) of every document, under yamlio's limits; SpecError when unusable."""
    text = yamlio.decode(text, source)
    with yamlio.parse_errors(source, 0 if flat else line_offset):
        loader = yamlio.LimitedLoader(text)
        try:
            out = []
            while loader.check_node():
                node = loader.get_node()
                if node is None:
                    continue
                data = loader.construct_document(node)  # refuses alias bombs first
                out.append((data, *_node_lines(node, line_offset, flat)))
            return out
        finally:
            loader.dispose()


# ---------------------------------------------------------------- kubernetes objects


@dataclass
class K8sObject:
    """One Kubernetes object from a manifest stream."""

    doc: Doc
    #: path of this object inside ``doc.data`` (``()``, or ``("items", 3)`` in a List)
    base: tuple[PathPart, ...]
    index: int  # document number in the file, 0-based

    @property
    def data(self) -> dict:
        return dig(self.doc.data, self.base, {})

    @property
    def kind(self) -> str:
        return str(self.data.get("kind", ""))

    @property
    def api_version(self) -> str:
        return str(self.data.get("apiVersion", ""))

    @property
    def name(self) -> str:
        meta = self.data.get("metadata")
        return str(meta.get("name", "")) if isinstance(meta, dict) else ""

    @property
    def namespace(self) -> str | None:
        meta = self.data.get("metadata")
        value = meta.get("namespace") if isinstance(meta, dict) else None
        return str(value) if value is not None else None

    @property
    def ref(self) -> str:
        """``Deployment/otel-gateway`` (for messages and finding paths)."""
        return f"{self.kind}/{self.name}"

    def line(self, path: tuple[PathPart, ...] | list[PathPart] = ()) -> int | None:
        return self.doc.line(self.base + tuple(path))

    def get(self, path: tuple[PathPart, ...] | list[PathPart], default: Any = None) -> Any:
        return dig(self.data, path, default)


def pod_spec_path(obj: K8sObject) -> tuple[str, ...] | None:
    """Path of the pod spec inside a workload, None for other kinds."""
    return WORKLOAD_KINDS.get(obj.kind)


def pod_spec(obj: K8sObject) -> dict | None:
    path = pod_spec_path(obj)
    if path is None:
        return None
    spec = obj.get(path)
    return spec if isinstance(spec, dict) else None


def pod_labels(obj: K8sObject) -> dict:
    path = pod_spec_path(obj)
    if path is None:
        return {}
    labels = obj.get(path[:-1] + ("metadata", "labels"))
    return labels if isinstance(labels, dict) else {}


def containers(obj: K8sObject, include_init: bool = True) -> list[tuple[tuple[PathPart, ...], dict]]:
    """(path inside the object, container) for each container of a workload;
    init containers (native sidecars run collectors too) when ``include_init``."""
    base = pod_spec_path(obj)
    spec = pod_spec(obj)
    if base is None or spec is None:
        return []
    out = []
    for section in ("containers", "initContainers") if include_init else ("containers",):
        items = spec.get(section)
        if isinstance(items, list):
            out.extend((base + (section, i), c) for i, c in enumerate(items) if isinstance(c, dict))
    return out


def container_args(container: dict) -> list[str]:
    """command + args as strings."""
    out: list[str] = []
    for key in ("command", "args"):
        value = container.get(key)
        if isinstance(value, list):
            out.extend(str(v) for v in value)
    return out


def config_arg(container: dict) -> tuple[int, str] | None:
    """(position in args, value) of the first ``--config`` of a container, None without one.
    Positions count in ``args`` (``command`` entries count as negative indexes from -1)."""
    for key in ("args", "command"):
        value = container.get(key)
        if not isinstance(value, list):
            continue
        for i, item in enumerate(value):
            text = str(item)
            for flag in ("--config=", "-config="):
                if text.startswith(flag):
                    return (i if key == "args" else -1 - i), text[len(flag):]
            if text in ("--config", "-config") and i + 1 < len(value):
                return (i + 1 if key == "args" else -2 - i), str(value[i + 1])
    return None


# ---------------------------------------------------------------- collector configs


@dataclass
class Runner:
    """A container that runs a collector config."""

    workload: K8sObject
    #: path of the container inside the workload object
    container_path: tuple[PathPart, ...]
    #: what ``--config`` says (a file path, or ``env:X`` / ``http:...``)
    config_path: str
    #: the (ConfigMap name, key) the path resolves to through the mounts; None when it does not
    resolved: tuple[str, str] | None

    @property
    def container(self) -> dict:
        value = self.workload.get(self.container_path, {})
        return value if isinstance(value, dict) else {}


@dataclass
class CollectorConfig:
    """One collector config: a whole file, or one ConfigMap key."""

    doc: Doc  # data = the config mapping; lines count in the file it came from
    #: display prefix for finding paths: () for a raw file, ("ConfigMap/x", "data", "collector.yaml") in manifests
    prefix: tuple[PathPart, ...] = ()
    configmap: K8sObject | None = None
    key: str | None = None
    runners: list[Runner] = field(default_factory=list)
    #: the object holding the config when it is not a ConfigMap (an OpenTelemetryCollector resource)
    owner: K8sObject | None = None

    @property
    def data(self) -> dict:
        return self.doc.data if isinstance(self.doc.data, dict) else {}

    def line(self, path: tuple[PathPart, ...] | list[PathPart]) -> int | None:
        return self.doc.line(path)


@dataclass
class Inputs:
    """Everything one path holds."""

    file: str
    kind: InputKind
    docs: list[Doc]
    #: the spec mapping (kind "spec")
    spec: Doc | None = None
    configs: list[CollectorConfig] = field(default_factory=list)
    objects: list[K8sObject] = field(default_factory=list)
    #: containers whose ``--config`` points at no ConfigMap key found in the file
    unresolved_runners: list[Runner] = field(default_factory=list)

    def of_kind(self, *kinds: str) -> list[K8sObject]:
        return [o for o in self.objects if o.kind in kinds]

    @property
    def workloads(self) -> list[K8sObject]:
        return [o for o in self.objects if o.kind in WORKLOAD_KINDS]


def looks_like_config(data: Any) -> bool:
    """A mapping whose keys are collector config sections (and at least one of them)."""
    return isinstance(data, dict) and bool(data) and any(k in data for k in CONFIG_SECTIONS) and all(isinstance(k, str) for k in data)


def looks_like_spec(data: Any) -> bool:
    return isinstance(data, dict) and str(data.get("apiVersion", "")).startswith("otelgen.io/")


def looks_like_k8s(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("apiVersion"), str) and isinstance(data.get("kind"), str)


def parse_config_text(text: str, file: str, line_offset: int = 0, flat: bool = False, source: str | None = None) -> Doc | None:
    """Parse text that may be a collector config (a ConfigMap value); None when it is not one.
    Raises SpecError only for limit violations (bombs), not for text that is simply not YAML."""
    try:
        parsed = _parse(text, source or file, line_offset, flat)
    except SpecError as exc:
        if any(p.id == "E002" for p in exc.problems):
            raise
        return None
    docs = [Doc(file, *parts) for parts in parsed if parts[0] is not None]
    if len(docs) != 1 or not looks_like_config(docs[0].data):
        return None
    return docs[0]


def _k8s_objects(docs: list[Doc]) -> list[K8sObject]:
    objects = []
    for index, doc in enumerate(docs):
        if not looks_like_k8s(doc.data):
            continue
        if doc.data["kind"].endswith("List") and isinstance(doc.data.get("items"), list):
            objects.extend(K8sObject(doc, ("items", i), index) for i, item in enumerate(doc.data["items"]) if looks_like_k8s(item))
        else:
            objects.append(K8sObject(doc, (), index))
    return objects


def _configmap_configs(obj: K8sObject) -> list[CollectorConfig]:
    data = obj.get(("data",))
    if not isinstance(data, dict):
        return []
    out = []
    for key, value in data.items():
        if not isinstance(value, str):
            continue
        value_path = obj.base + ("data", key)
        # a block scalar (|) has its content on the lines below the indicator;
        # a quoted/plain scalar: every position reports the key's line
        block_line = obj.doc.blocks.get(value_path)
        offset = block_line if block_line is not None else (obj.doc.line(value_path) or 1) - 1
        doc = parse_config_text(value, obj.doc.file, offset, flat=block_line is None, source=f"{obj.doc.file}: {obj.ref} data.{key}")
        if doc is not None:
            out.append(CollectorConfig(doc, (obj.ref, "data", str(key)), obj, str(key)))
    return out


def _operator_config(obj: K8sObject) -> CollectorConfig | None:
    """``spec.config`` of an OpenTelemetry Operator ``OpenTelemetryCollector`` (a mapping, or a string in older APIs)."""
    base = obj.base + ("spec", "config")
    value = obj.doc.get(base)
    prefix = (obj.ref, "spec", "config")
    if isinstance(value, str):
        block_line = obj.doc.blocks.get(base)
        offset = block_line if block_line is not None else (obj.doc.line(base) or 1) - 1
        doc = parse_config_text(value, obj.doc.file, offset, flat=block_line is None, source=f"{obj.doc.file}: {obj.ref} spec.config")
    elif looks_like_config(value):
        lines = {p[len(base):]: line for p, line in obj.doc.lines.items() if p[:len(base)] == base}
        blocks = {p[len(base):]: line for p, line in obj.doc.blocks.items() if p[:len(base)] == base}
        doc = Doc(obj.doc.file, value, lines, blocks)
    else:
        doc = None
    return CollectorConfig(doc, prefix, owner=obj) if doc is not None else None


def _volume_sources(spec: dict) -> dict[str, dict]:
    """volume name → its configMap source (also configMaps inside projected volumes)."""
    out: dict[str, dict] = {}
    for volume in spec.get("volumes") or []:
        if not isinstance(volume, dict):
            continue
        if isinstance(volume.get("configMap"), dict):
            out[str(volume.get("name"))] = volume["configMap"]
        projected = volume.get("projected")
        if isinstance(projected, dict):
            for src in projected.get("sources") or []:
                if isinstance(src, dict) and isinstance(src.get("configMap"), dict):
                    out[str(volume.get("name"))] = src["configMap"]
    return out


def _resolve_config_path(spec: dict, container: dict, path: str) -> tuple[str, str] | None:
    """(ConfigMap name, key) a file path inside the container reads, through its mounts."""
    if not path.startswith("/"):
        return None
    path = posixpath.normpath(path)
    sources = _volume_sources(spec)
    for mount in container.get("volumeMounts") or []:
        if not isinstance(mount, dict) or str(mount.get("name")) not in sources:
            continue
        source = sources[str(mount.get("name"))]
        mount_path = posixpath.normpath(str(mount.get("mountPath", "")))
        sub_path = mount.get("subPath")
        if sub_path:
            if path == mount_path:
                return str(source.get("name", "")), _key_for(source, str(sub_path))
            continue
        if path.startswith(mount_path.rstrip("/") + "/"):
            return str(source.get("name", "")), _key_for(source, path[len(mount_path.rstrip("/")) + 1:])
    return None


def _key_for(source: dict, relative: str) -> str:
    """The ConfigMap key projected at ``relative`` (items may rename keys)."""
    items = source.get("items")
    if isinstance(items, list):
        for item in items:
            if isinstance(item, dict) and posixpath.normpath(str(item.get("path", ""))) == posixpath.normpath(relative):
                return str(item.get("key", ""))
    return relative


def same_namespace(a: str | None, b: str | None) -> bool:
    """Objects without a namespace land in whatever namespace they are applied to."""
    return a is None or b is None or a == b


def _config_for(inputs: Inputs, namespace: str | None, name: str, key: str) -> CollectorConfig | None:
    for config in inputs.configs:
        cm = config.configmap
        if cm is not None and cm.name == name and config.key == key and same_namespace(cm.namespace, namespace):
            return config
    return None


def _pair_runners(inputs: Inputs) -> None:
    for workload in inputs.workloads:
        spec = pod_spec(workload) or {}
        for path, container in containers(workload):
            arg = config_arg(container)
            if arg is None:
                continue
            resolved = _resolve_config_path(spec, container, arg[1])
            runner = Runner(workload, path, arg[1], resolved)
            config = _config_for(inputs, workload.namespace, *resolved) if resolved else None
            if config is not None:
                config.runners.append(runner)
            else:
                inputs.unresolved_runners.append(runner)


# ---------------------------------------------------------------- services and RBAC


def services_for(inputs: Inputs, workload: K8sObject) -> list[K8sObject]:
    """Services in the workload's namespace whose selector matches its pod labels."""
    labels = pod_labels(workload)
    out = []
    for service in inputs.of_kind("Service"):
        selector = service.get(("spec", "selector"))
        if not same_namespace(service.namespace, workload.namespace) or not isinstance(selector, dict) or not selector:
            continue
        if all(labels.get(k) == v for k, v in selector.items()):
            out.append(service)
    return out


def service_account_of(workload: K8sObject) -> str:
    spec = pod_spec(workload) or {}
    return str(spec.get("serviceAccountName") or spec.get("serviceAccount") or "default")


def rbac_rules_for(inputs: Inputs, workload: K8sObject) -> list[dict]:
    """Every RBAC rule granted to the workload's ServiceAccount by (Cluster)RoleBindings in the file."""
    account = service_account_of(workload)
    namespace = workload.namespace
    rules: list[dict] = []
    for binding in inputs.of_kind("RoleBinding", "ClusterRoleBinding"):
        subjects = binding.get(("subjects",)) or []
        if not any(isinstance(s, dict) and s.get("kind") == "ServiceAccount" and str(s.get("name")) == account and (same_namespace(s.get("namespace"), namespace) or binding.kind == "RoleBinding") for s in subjects):
            continue
        if binding.kind == "RoleBinding" and not same_namespace(binding.namespace, namespace):
            continue
        ref = binding.get(("roleRef",)) or {}
        role_kind = str(ref.get("kind", ""))
        for role in inputs.of_kind(role_kind):
            if role.kind in ("Role", "ClusterRole") and role.name == str(ref.get("name", "")) and (role_kind == "ClusterRole" or same_namespace(role.namespace, binding.namespace)):
                rules.extend(r for r in role.get(("rules",)) or [] if isinstance(r, dict))
    return rules


# ---------------------------------------------------------------- entry points


def read_text(text: str | bytes, file: str) -> Inputs:
    """Classify and parse ``text`` (the content of ``file``); SpecError when unusable."""
    parsed = _parse(text, file)
    docs = [Doc(file, *parts) for parts in parsed if parts[0] is not None]
    if not docs:
        raise SpecError([error("E002", [], f"{file} is empty", "pass an otelgen spec, a collector config or Kubernetes manifests")])
    specs = [d for d in docs if looks_like_spec(d.data)]
    if specs:
        if len(docs) > 1:
            raise SpecError([error("E002", [], f"{file} holds {len(docs)} YAML documents, expected one otelgen spec", "pass each spec as its own file")])
        return Inputs(file, "spec", docs, spec=specs[0])
    objects = _k8s_objects(docs)
    if objects:
        inputs = Inputs(file, "manifests", docs, objects=objects)
        for obj in inputs.of_kind("ConfigMap"):
            inputs.configs.extend(_configmap_configs(obj))
        for obj in inputs.of_kind("OpenTelemetryCollector"):
            found = _operator_config(obj)
            if found is not None:
                inputs.configs.append(found)
        _pair_runners(inputs)
        return inputs
    if len(docs) == 1 and looks_like_config(docs[0].data):
        return Inputs(file, "config", docs, configs=[CollectorConfig(docs[0])])
    what = type(docs[0].data).__name__ if len(docs) == 1 else f"{len(docs)} documents"
    raise SpecError([error("E002", [], f"{file} holds {what} that is not an otelgen spec, a collector config or Kubernetes manifests", "a collector config has receivers:/exporters:/service:, a spec has apiVersion: otelgen.io/v1alpha1, manifests have apiVersion: and kind:")])


def read(path: str) -> Inputs:
    """Read and classify one file (``-`` for stdin)."""
    return read_text(*yamlio.read_input(path))


def find_pod_template(doc: dict[str, Any], kind: str, index: int) -> dict[str, Any]:
    """The pod template of a workload document (``POD_TEMPLATE_PATHS``), with a
    ``spec.containers`` list; E009 naming what is missing otherwise."""
    node: Any = doc
    path: list[Any] = [f"document[{index}]"]
    for key in POD_TEMPLATE_PATHS[kind]:
        path.append(key)
        node = node.get(key) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            raise SpecError([error("E009", path, f"{kind} has no {key}", "is this a complete manifest?")])
    if not isinstance(node.get("spec"), dict) or not isinstance(node["spec"].get("containers"), list):
        raise SpecError([error("E009", path + ["spec", "containers"], f"{kind} pod template has no containers", "is this a complete manifest?")])
    return node


def app_workloads(app_docs: list[Any]) -> Iterator[tuple[int, Any, str | None]]:
    """Each document of an app manifest as (index, document, kind), where kind is
    None for an object that has no pod template (passed through as it is) and empty
    documents are skipped. E009 for a document that is not a Kubernetes object,
    E050 for a kind that is not a string."""
    for index, doc in enumerate(app_docs):
        if doc is None:
            continue
        if not isinstance(doc, dict) or "kind" not in doc:
            raise SpecError([error("E009", [f"document[{index}]"], "not a Kubernetes object (no kind)", "pass a manifest of Kubernetes objects")])
        kind = doc["kind"]
        if not isinstance(kind, str):
            raise odd_field([f"document[{index}]", "kind"], "a string", kind)
        yield index, doc, (kind if kind in POD_TEMPLATE_PATHS else None)


def odd_field(path: list[Any], what: str, value: Any) -> SpecError:
    """E050: a field of an app manifest with the wrong type (kubectl would refuse it too)."""
    text = repr(value)
    short = text if len(text) <= 40 else text[:37] + "..."
    return SpecError([error("E050", path, f"expected {what}, got {type(value).__name__} {short}", "is this a valid Kubernetes manifest? kubectl would refuse it too")])
