"""`otelgen inject`: add the collector sidecar to the workloads of an app manifest."""

from __future__ import annotations

import copy
from typing import Any

from otelgen import yamlio
from otelgen.errors import Problem, SpecError, error
from otelgen.inputs import POD_TEMPLATE_PATHS
from otelgen.manifests import configmap, workload
from otelgen.config import collector_config
from otelgen.plan import build_plan
from otelgen.spec import load

def _pod_spec(doc: dict[str, Any], kind: str, index: int) -> dict[str, Any]:
    node: Any = doc
    path: list[Any] = [f"document[{index}]"]
    for key in POD_TEMPLATE_PATHS[kind]:
        path.append(key)
        node = node.get(key) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            raise SpecError([error("E009", path, f"{kind} has no {key}", "is this a complete manifest?")])
    spec = node.get("spec")
    if not isinstance(spec, dict) or not isinstance(spec.get("containers"), list):
        raise SpecError([error("E009", path + ["spec", "containers"], f"{kind} pod template has no containers", "is this a complete manifest?")])
    return spec


def inject_documents(app_docs: list[Any], spec_files: list[str], sets: list[str]) -> tuple[list[dict[str, Any]], list[Problem]]:
    base = load.merged_document("sidecar", spec_files, sets)
    out: list[dict[str, Any]] = []
    config_maps: dict[str, dict[str, Any]] = {}
    warnings: list[Problem] = []
    injected = 0
    for index, doc in enumerate(app_docs):
        if doc is None:
            continue
        if not isinstance(doc, dict) or "kind" not in doc:
            raise SpecError([error("E009", [f"document[{index}]"], "not a Kubernetes object (no kind)", "pass a manifest of Kubernetes objects")])
        kind = doc["kind"]
        if kind not in POD_TEMPLATE_PATHS:
            out.append(doc)
            continue
        namespace = (doc.get("metadata") or {}).get("namespace") or base["metadata"].get("namespace", "default")
        spec_doc = copy.deepcopy(base)
        spec_doc["metadata"]["namespace"] = namespace
        plan = build_plan(load.parse_document(spec_doc))
        warnings = plan.warnings
        cm = configmap.config_map(plan, collector_config(plan))
        config_maps.setdefault(namespace, cm)
        patched = copy.deepcopy(doc)
        _add_sidecar(_pod_spec(patched, kind, index), plan, cm, kind, index)
        template_meta = _template_metadata(patched, kind)
        template_meta.setdefault("annotations", {})["otelgen.io/config-checksum"] = configmap.checksum(cm)
        out.append(patched)
        injected += 1
    if not injected:
        raise SpecError([error("E009", [], "no workload to inject into", f"the manifest needs one of: {', '.join(POD_TEMPLATE_PATHS)}")])
    return list(config_maps.values()) + out, warnings


def _template_metadata(doc: dict[str, Any], kind: str) -> dict[str, Any]:
    node = doc
    for key in POD_TEMPLATE_PATHS[kind]:
        node = node[key]
    return node.setdefault("metadata", {})


def _add_sidecar(pod_spec: dict[str, Any], plan, cm: dict[str, Any], kind: str, index: int) -> None:
    container = workload.collector_container(plan)
    names = {c.get("name") for c in pod_spec.get("containers", []) + pod_spec.get("initContainers", [])}
    if container["name"] in names:
        raise SpecError([error("E009", [f"document[{index}]"], f"{kind} already has a container named {container['name']!r}", "it is injected already, or set spec.sidecar.containerName")])
    volumes = pod_spec.setdefault("volumes", [])
    new_volumes = workload.volumes(plan)
    taken = {v.get("name") for v in volumes}
    clash = [v["name"] for v in new_volumes if v["name"] in taken]
    if clash:
        raise SpecError([error("E009", [f"document[{index}]", "spec", "volumes"], f"volume {clash[0]!r} already exists in the pod", "rename the app's volume")])
    volumes.extend(new_volumes)
    if plan.spec.sidecar.native:
        container["restartPolicy"] = "Always"  # native sidecar: starts first, stops last, does not block Job completion
        pod_spec.setdefault("initContainers", []).insert(0, container)
    else:
        pod_spec["containers"].append(container)


def inject_file(app_path: str, spec_files: list[str], sets: list[str]) -> tuple[list[dict[str, Any]], list[Problem]]:
    data, source = load.read_source(app_path)
    docs = yamlio.load_documents(data, source)
    return inject_documents(docs, spec_files, sets)

