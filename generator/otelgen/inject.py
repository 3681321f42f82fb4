"""`otelgen inject`: add the collector sidecar to the workloads of an app manifest."""

from __future__ import annotations

import copy
from typing import Any

from otelgen import yamlio
from otelgen.errors import Problem, SpecError, error
from otelgen.inputs import POD_TEMPLATE_PATHS, app_workloads, find_pod_template, odd_field
from otelgen.manifests import alerts, configmap, monitoring, naming, workload
from otelgen.config import collector_config
from otelgen.plan import build_plan
from otelgen.spec import load





def _check_shapes(doc: dict[str, Any], kind: str, index: int) -> None:
    """E050 for every field inject reads or writes that has the wrong type
    (where Kubernetes has a mapping, a list of mappings, a string or a port number)."""
    here: list[Any] = [f"document[{index}]"]
    if not isinstance(kind, str):
        raise odd_field(here + ["kind"], "a string", kind)
    meta = doc.get("metadata")
    if meta is not None and not isinstance(meta, dict):
        raise odd_field(here + ["metadata"], "a mapping", meta)
    namespace = (meta or {}).get("namespace")
    if namespace is not None and not isinstance(namespace, str):
        raise odd_field(here + ["metadata", "namespace"], "a string", namespace)
    node: Any = doc
    path = list(here)
    for key in POD_TEMPLATE_PATHS[kind]:
        path.append(key)
        node = node.get(key) if isinstance(node, dict) else None
        if node is not None and not isinstance(node, dict):
            raise odd_field(path, "a mapping", node)
        if node is None:
            return  # find_pod_template says what is missing
    template_meta = node.get("metadata") if kind != "Pod" else meta
    if template_meta is not None and not isinstance(template_meta, dict):
        raise odd_field(path + ["metadata"], "a mapping", template_meta)
    for field in ("annotations", "labels"):
        value = (template_meta or {}).get(field)
        if value is not None and not isinstance(value, dict):
            raise odd_field(path + ["metadata", field], "a mapping", value)
    spec = node.get("spec")
    if spec is not None and not isinstance(spec, dict):
        raise odd_field(path + ["spec"], "a mapping", spec)
    for section in ("containers", "initContainers", "volumes"):
        items = (spec or {}).get(section)
        if items is None:
            continue
        if not isinstance(items, list):
            raise odd_field(path + ["spec", section], "a list", items)
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise odd_field(path + ["spec", section, i], "a mapping", item)
            if "name" in item and not isinstance(item["name"], str):
                raise odd_field(path + ["spec", section, i, "name"], "a string", item["name"])
            if section == "volumes":
                continue
            ports = item.get("ports")
            if ports is None:
                continue
            if not isinstance(ports, list):
                raise odd_field(path + ["spec", section, i, "ports"], "a list", ports)
            for j, port in enumerate(ports):
                if not isinstance(port, dict):
                    raise odd_field(path + ["spec", section, i, "ports", j], "a mapping", port)
                number = port.get("containerPort")
                if isinstance(number, bool) or not isinstance(number, int):
                    raise odd_field(path + ["spec", section, i, "ports", j, "containerPort"], "a port number", number)


def _check_ports(pod_spec: dict[str, Any], plan, index: int, kind: str) -> None:
    """E051: an app container already uses a port the collector listens on; in
    one pod (one network namespace) the second bind fails and the collector
    crash-loops."""
    ours = {(p.port, p.protocol): p.name for p in plan.needs.ports}
    for section in ("initContainers", "containers"):
        for i, container in enumerate(pod_spec.get(section) or []):
            for j, port in enumerate(container.get("ports") or []):
                key = (port.get("containerPort"), str(port.get("protocol") or "TCP"))
                if key in ours:
                    raise SpecError([error("E051", [f"document[{index}]", "spec", section, i, "ports", j], f"{kind} container {container.get('name')!r} already uses port {key[0]}/{key[1]}, which the collector's {ours[key]!r} listens on in the same pod", "move the app to another port, or give the collector's receiver another port in the sidecar spec (e.g. --set receivers.otlp.protocols.grpc.endpoint=localhost:14317)")])


def inject_documents(app_docs: list[Any], spec_files: list[str], sets: list[str]) -> tuple[list[dict[str, Any]], list[Problem]]:
    base = load.merged_document("sidecar", spec_files, sets)
    out: list[dict[str, Any]] = []
    config_maps: dict[str, dict[str, Any]] = {}
    scrape_objects: dict[str, list[dict[str, Any]]] = {}  # per namespace: PodMonitor, PrometheusRule (when enabled)
    warnings: list[Problem] = []
    injected = 0
    for index, doc, kind in app_workloads(app_docs):
        if kind is None:
            out.append(doc)
            continue
        _check_shapes(doc, kind, index)
        namespace = (doc.get("metadata") or {}).get("namespace") or base["metadata"].get("namespace", "default")
        spec_doc = copy.deepcopy(base)
        spec_doc["metadata"]["namespace"] = namespace
        plan = build_plan(load.parse_document(spec_doc))
        warnings = plan.warnings
        cm = configmap.config_map(plan, collector_config(plan))
        config_maps.setdefault(namespace, cm)
        patched = copy.deepcopy(doc)
        _add_sidecar(find_pod_template(patched, kind, index)["spec"], plan, cm, kind, index)
        template_meta = _template_metadata(patched, kind)
        if template_meta.get("annotations") is None:
            template_meta["annotations"] = {}
        template_meta["annotations"]["otelgen.io/config-checksum"] = configmap.checksum(cm)
        if template_meta.get("labels") is None:
            template_meta["labels"] = {}
        template_meta["labels"].update(naming.sidecar_pod_labels(plan))  # what the sidecar's PodMonitor selects
        if namespace not in scrape_objects:
            scrape_objects[namespace] = [o for o in (monitoring.pod_monitor(plan), alerts.prometheus_rule(plan)) if o is not None]
        out.append(patched)
        injected += 1
    if not injected:
        raise SpecError([error("E009", [], "no workload to inject into", f"the manifest needs one of: {', '.join(POD_TEMPLATE_PATHS)}")])
    extra = [obj for objs in scrape_objects.values() for obj in objs]
    return list(config_maps.values()) + extra + out, warnings


def _template_metadata(doc: dict[str, Any], kind: str) -> dict[str, Any]:
    node = doc
    for key in POD_TEMPLATE_PATHS[kind]:
        node = node[key]
    if node.get("metadata") is None:
        node["metadata"] = {}
    return node["metadata"]


def _add_sidecar(pod_spec: dict[str, Any], plan, cm: dict[str, Any], kind: str, index: int) -> None:
    container = workload.collector_container(plan)
    names = {c.get("name") for c in (pod_spec.get("containers") or []) + (pod_spec.get("initContainers") or [])}
    if container["name"] in names:
        raise SpecError([error("E009", [f"document[{index}]"], f"{kind} already has a container named {container['name']!r}", "it is injected already, or set spec.sidecar.containerName")])
    _check_ports(pod_spec, plan, index, kind)
    if pod_spec.get("volumes") is None:
        pod_spec["volumes"] = []
    volumes = pod_spec["volumes"]
    new_volumes = workload.volumes(plan)
    taken = {v.get("name") for v in volumes}
    clash = [v["name"] for v in new_volumes if v["name"] in taken]
    if clash:
        raise SpecError([error("E009", [f"document[{index}]", "spec", "volumes"], f"volume {clash[0]!r} already exists in the pod", "rename the app's volume")])
    volumes.extend(new_volumes)
    if plan.spec.sidecar.native:
        container["restartPolicy"] = "Always"  # native sidecar: starts first, stops last, does not block Job completion
        if pod_spec.get("initContainers") is None:
            pod_spec["initContainers"] = []
        pod_spec["initContainers"].insert(0, container)
    else:
        pod_spec["containers"].append(container)


def inject_file(app_path: str, spec_files: list[str], sets: list[str]) -> tuple[list[dict[str, Any]], list[Problem]]:
    data, source = load.read_source(app_path)
    docs = yamlio.load_documents(data, source)
    return inject_documents(docs, spec_files, sets)

