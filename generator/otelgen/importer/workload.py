"""Kubernetes manifests → the collector config they run and the pod settings
around it (mode, image, resources, env, replicas, scheduling).

Finds the collector container (``--config`` in its args, or a collector
image), follows ``--config`` through the volume mount to the ConfigMap key,
and reads the workload around it.  Ports and RBAC are not copied: otelgen
derives them from the components, and import compares the two afterwards
(:func:`compare_derived`)."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from otelgen import versions, yamlio
from otelgen.errors import SpecError, error
from otelgen.importer.notes import Notes

WORKLOAD_KINDS = ("Deployment", "DaemonSet", "StatefulSet", "ReplicaSet", "Pod", "Job", "CronJob")
_COLLECTOR_IMAGE = re.compile(r"(opentelemetry-collector|otelcol)")
#: env vars otelgen's pod defines itself (downward API, derived GOMEMLIMIT)
_DERIVED_ENV = {"MY_POD_IP", "MY_POD_NAMESPACE", "K8S_NODE_NAME", "K8S_NODE_IP", "GOMEMLIMIT"}


@dataclass
class Found:
    """The collector found in the manifests."""

    workload: dict[str, Any]
    pod_spec: dict[str, Any]
    container: dict[str, Any]
    config_map: dict[str, Any]
    key: str
    others: list[str] = field(default_factory=list)  # the other containers' names

    def path(self, *parts: Any) -> list[Any]:
        """A note's path: ``Deployment/name.containers.otel.<parts>``."""
        meta = self.workload.get("metadata") or {}
        return [f"{self.workload.get('kind')}/{meta.get('name')}", "containers", str(self.container.get("name")), *parts]


def _pod_spec(doc: dict[str, Any]) -> dict[str, Any] | None:
    spec = doc.get("spec")
    if not isinstance(spec, dict):
        return None
    if doc.get("kind") == "Pod":
        return spec
    if doc.get("kind") == "CronJob":
        spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    template = spec.get("template") if isinstance(spec, dict) else None
    pod = template.get("spec") if isinstance(template, dict) else None
    return pod if isinstance(pod, dict) else None


def _containers(pod: dict[str, Any]) -> list[dict[str, Any]]:
    found = [c for c in (pod.get("containers") or []) if isinstance(c, dict)]
    found += [c for c in (pod.get("initContainers") or []) if isinstance(c, dict) and c.get("restartPolicy") == "Always"]
    return found


def _config_arg(container: dict[str, Any]) -> str | None:
    args = [str(a) for a in (container.get("args") or []) + (container.get("command") or [])]
    for i, arg in enumerate(args):
        if arg.startswith(("--config=", "-config=")):
            return arg.split("=", 1)[1]
        if arg in ("--config", "-config") and i + 1 < len(args):
            return args[i + 1]
    return None


def _is_collector(container: dict[str, Any]) -> bool:
    return _config_arg(container) is not None or bool(_COLLECTOR_IMAGE.search(str(container.get("image", ""))))


def _config_maps(documents: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str((d.get("metadata") or {}).get("name")): d for d in documents if d.get("kind") == "ConfigMap" and isinstance(d.get("data"), dict)}


def _looks_like_config(text: Any) -> bool:
    return isinstance(text, str) and "receivers" in text and "service" in text


def find_collector(documents: list[dict[str, Any]], source: str) -> Found:
    config_maps = _config_maps(documents)
    for doc in documents:
        if doc.get("kind") not in WORKLOAD_KINDS:
            continue
        pod = _pod_spec(doc)
        if pod is None:
            continue
        containers = _containers(pod)
        for container in containers:
            if not _is_collector(container):
                continue
            cm, key = _config_for(container, pod, config_maps, source)
            others = [str(c.get("name")) for c in containers if c is not container]
            return Found(doc, pod, container, cm, key, others)
    raise SpecError([error("E002", [], f"{source}: no collector found (a container with --config, or a collector image, in a Deployment, DaemonSet, StatefulSet or Pod)", "import the collector config file itself, or the manifests with the workload that runs it")])


def _config_for(container: dict[str, Any], pod: dict[str, Any], config_maps: dict[str, dict[str, Any]], source: str) -> tuple[dict[str, Any], str]:
    arg = _config_arg(container)
    where = f"{source}: container {container.get('name')}"
    if arg is not None:
        path = arg.removeprefix("file:")
        if not path.startswith("/"):
            raise SpecError([error("E002", ["args"], f"{where}: --config={arg} is not a file path", "import the config itself: otelgen import config.yaml")])
        mount = _mount_for(container, path)
        if mount is not None:
            cm_name, key = _volume_key(pod, mount, path)
            if cm_name in config_maps and key in config_maps[cm_name]["data"]:
                return config_maps[cm_name], key
        raise SpecError([error("E002", ["args"], f"{where}: --config={arg} does not lead to a ConfigMap key in this file", "include the ConfigMap the container mounts at that path")])
    candidates = [(cm, key) for cm in config_maps.values() for key, text in cm["data"].items() if _looks_like_config(text)]
    if len(candidates) == 1:
        return candidates[0]
    raise SpecError([error("E002", [], f"{where}: no --config argument and {len(candidates)} ConfigMap keys that look like a collector config", "add --config=<path> to the container args")])


def _mount_for(container: dict[str, Any], path: str) -> dict[str, Any] | None:
    best = None
    for mount in container.get("volumeMounts") or []:
        if not isinstance(mount, dict):
            continue
        mount_path = str(mount.get("mountPath", "")).rstrip("/")
        if path == mount_path or path.startswith(mount_path + "/"):
            if best is None or len(mount_path) > len(str(best.get("mountPath", "")).rstrip("/")):
                best = mount
    return best


def _volume_key(pod: dict[str, Any], mount: dict[str, Any], path: str) -> tuple[str, str]:
    volume = next((v for v in pod.get("volumes") or [] if isinstance(v, dict) and v.get("name") == mount.get("name")), None)
    cm = (volume or {}).get("configMap")
    if not isinstance(cm, dict):
        return "", ""
    if mount.get("subPath"):
        relative = str(mount["subPath"])
    else:
        relative = posixpath.relpath(path, str(mount.get("mountPath")))
    for item in cm.get("items") or []:
        if isinstance(item, dict) and item.get("path") == relative:
            return str(cm.get("name")), str(item.get("key"))
    return str(cm.get("name")), relative


# ------------------------------------------------------------------ pod settings


def mode_of(found: Found) -> str:
    if found.others:
        return "sidecar"
    return "agent" if found.workload.get("kind") == "DaemonSet" else "gateway"


def image_settings(found: Found, target: str, notes: Notes) -> dict[str, Any]:
    """spec.image from ``repo[:tag][@digest]``; a version tag other than the target is dropped."""
    ref, _, digest = str(found.container.get("image", "")).partition("@")
    repository, tag = ref, None
    if ":" in ref.rsplit("/", 1)[-1]:
        repository, tag = ref.rsplit(":", 1)
    out: dict[str, Any] = {"repository": repository}
    if tag and tag != "latest" and tag.lstrip("v") == target:
        out["tag"] = tag
    elif tag and tag != "latest" and _is_version(tag):
        notes.change("C308", found.path("image"), f"image tag {tag} → {target}: the spec targets collector {target}", "component names and settings follow the target version; pass --target-version to choose it")
    elif tag or not digest:
        notes.change("C308", found.path("image"), f"image tag {tag or '(none)'} is not pinned: the spec pins {target}", "otelgen refuses latest and untagged images")
    if digest.startswith("sha256:") and tag and tag.lstrip("v") == target:
        out["digest"] = digest
    if found.container.get("imagePullPolicy") in ("Always", "IfNotPresent", "Never"):
        out["pullPolicy"] = found.container["imagePullPolicy"]
    if not repository.endswith("opentelemetry-collector-k8s"):
        notes.warn("W204", found.path("image"), f"image {repository} is not the otelcol-k8s distribution otelgen checks components against", "set spec.distribution: custom if it has components otelcol-k8s lacks")
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
        notes.change("C308", found.path("resources"), f"the container has no memory limit: the spec uses the {mode} default size", "memory_limiter and GOMEMLIMIT are derived from the memory limit; set spec.resources")
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
            notes.change("C308", found.path("env", i), "GOMEMLIMIT is derived from the memory limit (spec.memory.gomemlimitPercentage)", "see docs/memory.md")
        if name in _DERIVED_ENV:
            continue
        if value_from is None:
            out.append({"name": name, "value": str(entry.get("value", ""))})
        elif isinstance(value_from.get("secretKeyRef"), dict):
            ref = value_from["secretKeyRef"]
            out.append({"name": name, "secretRef": {"name": str(ref.get("name")), "key": str(ref.get("key"))}})
        else:
            notes.warn("W204", found.path("env", i), f"env {name} ({', '.join(value_from)}) cannot be carried: spec.pod.env takes values and Secret keys", "otelgen defines MY_POD_IP, K8S_NODE_NAME, K8S_NODE_IP and MY_POD_NAMESPACE itself when components need them")
    for i, _ in enumerate(container.get("envFrom") or []):
        notes.warn("W204", found.path("envFrom", i), "envFrom cannot be carried", "list the variables in spec.pod.env")
    return out


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
    if found.workload.get("kind") in ("Deployment", "StatefulSet") and isinstance(replicas, int) and replicas >= 1:
        return {"replicas": replicas}
    return None


def metadata(found: Found, mode: str, notes: Notes) -> tuple[str | None, str | None]:
    meta = found.workload.get("metadata") or {}
    namespace = meta.get("namespace")
    name = meta.get("name") if mode != "sidecar" else None
    if isinstance(name, str) and len(name) > 40:
        notes.change("C308", [found.path()[0], "metadata", "name"], f"name {name} shortened to 40 characters (room for suffixes of derived objects)", "")
        name = name[:40].rstrip("-")
    return (name if isinstance(name, str) else None), (namespace if isinstance(namespace, str) else None)


# ------------------------------------------------------------------ after rendering


def container_ports(found: Found) -> list[tuple[int, str]]:
    return [(int(p["containerPort"]), str(p.get("protocol", "TCP"))) for p in found.container.get("ports") or [] if isinstance(p, dict) and isinstance(p.get("containerPort"), int)]


def warn_host_ports(found: Found, notes: Notes) -> None:
    for i, port in enumerate(found.container.get("ports") or []):
        if isinstance(port, dict) and port.get("hostPort"):
            notes.warn("W204", found.path("ports", i, "hostPort"), f"hostPort {port['hostPort']} is not carried", "agents are reached through their Service with internalTrafficPolicy: Local (same node)")


def rbac_rules(documents: list[dict[str, Any]], found: Found) -> set[tuple[str, str]]:
    """(apiGroup, resource) pairs the workload's service account is granted in these manifests."""
    account = found.pod_spec.get("serviceAccountName") or found.pod_spec.get("serviceAccount") or "default"
    roles = set()
    for doc in documents:
        if doc.get("kind") in ("ClusterRoleBinding", "RoleBinding") and any(isinstance(s, dict) and s.get("kind") == "ServiceAccount" and s.get("name") == account for s in doc.get("subjects") or []):
            ref = doc.get("roleRef") or {}
            roles.add((ref.get("kind"), ref.get("name")))
    granted = set()
    for doc in documents:
        if (doc.get("kind"), (doc.get("metadata") or {}).get("name")) in roles:
            for rule in doc.get("rules") or []:
                if isinstance(rule, dict):
                    granted |= {(str(g), str(r)) for g in rule.get("apiGroups") or [""] for r in rule.get("resources") or []}
    return granted


def parse_config(found: Found, source: str) -> tuple[dict[str, Any], str]:
    name = (found.config_map.get("metadata") or {}).get("name")
    where = f"{source} (ConfigMap {name}, key {found.key})"
    config = yamlio.load_mapping(found.config_map["data"][found.key], where)
    return config, where
