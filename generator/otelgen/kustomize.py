"""Kustomize output: bases, components and overlays built from plans.

The collector config goes into a ``configMapGenerator`` (Kustomize's name hash
rolls the pods, so the pod template carries no checksum annotation here).
Components and overlays are computed as the difference between two plans,
so `kustomize build` of base + overlay gives the same objects as
`otelgen render` of the merged spec (tests/test_kustomize.py proves it).
"""

from __future__ import annotations

import copy
from typing import Any

from otelgen import yamlio
from otelgen.config import collector_config
from otelgen.errors import Problem
from otelgen.manifests import alerts, monitoring, naming, render_objects, workload
from otelgen.plan import Plan, build_plan
from otelgen.render import file_name, write_files
from otelgen.spec import load

KUSTOMIZATION = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization"}
COMPONENT = {"apiVersion": "kustomize.config.k8s.io/v1alpha1", "kind": "Component"}
CHECKSUM = "otelgen.io/config-checksum"
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet")

Files = dict[str, str]


def plan_for(files: list[str], sets: list[str], mode: str | None = None) -> Plan:
    return build_plan(load.load(mode, files, sets))


def without_checksum(obj: dict[str, Any]) -> dict[str, Any]:
    obj = copy.deepcopy(obj)
    annotations = obj.get("spec", {}).get("template", {}).get("metadata", {}).get("annotations")
    if annotations is not None:
        annotations.pop(CHECKSUM, None)
        if not annotations:
            del obj["spec"]["template"]["metadata"]["annotations"]
    return obj


def objects_without_config(plan: Plan) -> list[dict[str, Any]]:
    return [without_checksum(o) for o in render_objects(plan) if o["kind"] != "ConfigMap"]


def config_generator(plan: Plan, behavior: str | None = None) -> dict[str, Any]:
    generator: dict[str, Any] = {"name": naming.config_map(plan)}
    if behavior:
        generator["behavior"] = behavior
    generator["files"] = [naming.CONFIG_KEY]
    if behavior != "replace":
        generator["options"] = {"labels": naming.labels(plan)}
    return generator


def _document(header: dict[str, Any], **fields: Any) -> str:
    return yamlio.dump({**header, **{k: v for k, v in fields.items() if v}})


def base_files(plan: Plan) -> Files:
    """A base: every object, the config as a generated ConfigMap."""
    files: Files = {}
    for obj in objects_without_config(plan):
        files[file_name(obj)] = yamlio.dump(obj)
    resources = list(files)
    files[naming.CONFIG_KEY] = yamlio.dump(collector_config(plan))
    files.update(_allocator_files(plan))
    files["kustomization.yaml"] = _document(KUSTOMIZATION, namespace=plan.namespace, resources=resources, configMapGenerator=[config_generator(plan), *_allocator_generators(plan)])
    return files


def _allocator_files(plan: Plan) -> Files:
    """The target allocator's config file (its ConfigMap is generated too, so its name hash rolls its pods)."""
    from otelgen.manifests import targetallocator

    return {targetallocator.ta.CONFIG_KEY: targetallocator.config_text(plan)} if targetallocator.objects(plan) else {}


def _allocator_generators(plan: Plan, behavior: str | None = None) -> list[dict[str, Any]]:
    from otelgen.manifests import targetallocator

    if not targetallocator.objects(plan):
        return []
    generator: dict[str, Any] = {"name": targetallocator.name(plan)}
    if behavior:
        generator["behavior"] = behavior
    generator["files"] = [targetallocator.ta.CONFIG_KEY]
    if behavior != "replace":
        generator["options"] = {"labels": targetallocator.config_map(plan)["metadata"]["labels"]}
    return [generator]


def write_base(spec_files: list[str], sets: list[str], out_dir: str) -> list[Problem]:
    plan = plan_for(spec_files, sets)
    write_files(base_files(plan), out_dir)
    return plan.warnings


# ---------------------------------------------------------------- differences


def _by_key(objects: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(o["kind"], o["metadata"]["name"]): o for o in objects}


def _pointer(part: str | int) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def json_patch(before: Any, after: Any, path: str = "") -> list[dict[str, Any]]:
    """RFC 6902 operations turning ``before`` into ``after``: mappings and
    equal-length lists are compared member by member, anything else replaced."""
    if before == after:
        return []
    if isinstance(before, dict) and isinstance(after, dict):
        ops: list[dict[str, Any]] = []
        for key in before:
            if key not in after:
                ops.append({"op": "remove", "path": f"{path}/{_pointer(key)}"})
        for key, value in after.items():
            if key not in before:
                ops.append({"op": "add", "path": f"{path}/{_pointer(key)}", "value": value})
            else:
                ops.extend(json_patch(before[key], value, f"{path}/{_pointer(key)}"))
        return ops
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [op for i, (a, b) in enumerate(zip(before, after)) for op in json_patch(a, b, f"{path}/{i}")]
    return [{"op": "replace", "path": path, "value": after}]


def _in_namespace(plan: Plan, namespace: str) -> Plan:
    """The same spec planned in another namespace (objects compare without namespace noise)."""
    if plan.namespace == namespace:
        return plan
    doc = plan.doc.model_copy(update={"metadata": plan.doc.metadata.model_copy(update={"namespace": namespace})})
    return build_plan(doc)


def difference_files(base: Plan, target: Plan, header: dict[str, Any], resources: list[str], components: list[str] | None = None) -> Files:
    """Kustomization (or Component) files turning ``base``'s output into ``target``'s:
    ``namespace`` when it changes, new objects as resources, removed objects as
    delete patches, changed objects as JSON patches, and the collector config
    through the configMapGenerator.  Parity with `otelgen render` is tested."""
    files: Files = {}
    same_ns = _in_namespace(target, base.namespace)
    before = _by_key(objects_without_config(base))
    after = _by_key(objects_without_config(same_ns))
    new_resources = []
    patches: list[dict[str, Any]] = []
    for key, obj in after.items():
        if key not in before:
            name = file_name(obj)
            files[name] = yamlio.dump(obj)
            new_resources.append(name)
            continue
        ops = json_patch(before[key], obj)
        if ops:
            patches.append({"target": {"kind": key[0], "name": key[1]}, "patch": yamlio.dump(ops)})
    for key, obj in before.items():
        if key not in after:
            delete = {"$patch": "delete", "apiVersion": obj["apiVersion"], "kind": obj["kind"], "metadata": {"name": key[1]}}
            patches.append({"target": {"kind": key[0], "name": key[1]}, "patch": yamlio.dump(delete)})
    patches.extend(_cluster_role_renames(base, target))
    generators = []
    if collector_config(base) != collector_config(target):
        files[naming.CONFIG_KEY] = yamlio.dump(collector_config(target))
        generators.append(config_generator(target, behavior="replace"))
    if _allocator_files(base) != _allocator_files(target):
        files.update(_allocator_files(target))
        generators.extend(_allocator_generators(target, behavior="replace" if _allocator_files(base) else None))
    files["kustomization.yaml"] = _document(
        header,
        namespace=target.namespace if target.namespace != base.namespace else None,
        resources=resources + new_resources,
        components=components or [],
        patches=patches,
        configMapGenerator=generators,
    )
    return files


def _cluster_role_renames(base: Plan, target: Plan) -> list[dict[str, Any]]:
    """Cluster-scoped names carry the namespace; rename them along with it."""
    old, new = naming.cluster_role(base), naming.cluster_role(target)
    if old == new or not any(r for r in base.needs.rbac if not r.namespaced):
        return []
    rename = yamlio.dump([{"op": "replace", "path": "/metadata/name", "value": new}])
    return [{"target": {"kind": kind, "name": old}, "patch": rename} for kind in ("ClusterRole", "ClusterRoleBinding")]


# ---------------------------------------------------------------- sidecar component


def sidecar_component(plan: Plan) -> Files:
    """A Component that adds the collector as a native sidecar to every
    Deployment, StatefulSet and DaemonSet of the kustomization using it."""
    container = workload.collector_container(plan)
    if plan.spec.sidecar.native:
        container["restartPolicy"] = "Always"
        pod = {"initContainers": [container]}
    else:
        pod = {"containers": [container]}
    pod["volumes"] = workload.volumes(plan)
    files: Files = {naming.CONFIG_KEY: yamlio.dump(collector_config(plan))}
    patches = []
    template = {"metadata": {"labels": naming.sidecar_pod_labels(plan)}, "spec": pod}
    for kind in WORKLOAD_KINDS:
        patch_name = f"patch-{kind.lower()}.yaml"
        files[patch_name] = yamlio.dump({"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": "any"}, "spec": {"template": template}})
        patches.append({"path": patch_name, "target": {"kind": kind}})
    resources = []
    for obj in (monitoring.pod_monitor(plan), alerts.prometheus_rule(plan)):  # as `otelgen inject` adds them
        if obj is not None:
            name = f"{obj['kind'].lower()}.yaml"
            files[name] = yamlio.dump(obj)
            resources.append(name)
    files["kustomization.yaml"] = _document(COMPONENT, resources=resources, patches=patches, configMapGenerator=[config_generator(plan)])
    return files
