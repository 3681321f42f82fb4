"""Presets: bundles of components switched on with one field.

Each preset adds components to the spec's sections and wires them into the
pipelines of their signal; the components themselves declare the RBAC, env
and volumes they need, so a preset never touches Kubernetes objects.
"""

from __future__ import annotations

import copy
from typing import Any

from otelgen import modes
from otelgen.errors import Problem, error
from otelgen.planning import inserts
from otelgen.spec.model import Spec

PIPELINE_SIGNALS = ("traces", "metrics", "logs")

#: preset field → (receiver instance it adds, the pipeline it feeds, node-local: agent only)
RECEIVER_PRESETS: dict[str, tuple[str, str, bool]] = {
    "logsCollection": ("file_log", "logs", True),
    "hostMetrics": ("hostmetrics", "metrics", True),
    "kubeletMetrics": ("kubelet_stats", "metrics", True),
    "clusterMetrics": ("k8s_cluster", "metrics", False),
    "kubernetesEvents": ("k8s_objects/events", "logs", False),
}
#: logsCollection: the file_storage instance keeping read offsets, and where
CHECKPOINT_STORAGE = "file_storage/checkpoints"
CHECKPOINT_DIRECTORY = "/var/lib/otelcol/file_log"
#: logsCollection skips this collector's own log files unless includeCollectorLogs
OWN_LOGS = "/var/log/pods/{namespace}_{name}-*_*/*/*.log"


def _signal(pipeline: str) -> str:
    return pipeline.split("/", 1)[0]


def _add_receiver(sections: dict[str, Any], pipelines: dict[str, Any], name: str, config: dict, signal: str, preset: str, problems: list[Problem]) -> None:
    sections["receivers"].setdefault(name, config)
    if signal not in pipelines:
        problems.append(error("E020", ["spec", "presets", preset], f"preset {preset} needs a {signal!r} pipeline to feed", f"add spec.pipelines.{signal} with the exporters that should get this data"))
        return
    if name not in pipelines[signal]["receivers"]:
        pipelines[signal]["receivers"].append(name)


def _agent_only(spec: Spec, preset: str, problems: list[Problem]) -> bool:
    if not modes.traits(spec.mode).per_node:
        problems.append(error("E020", ["spec", "presets", preset, "enabled"], f"preset {preset} reads node-local data and needs mode agent (got {spec.mode})", "enable it in the agent spec"))
        return False
    return True


def _field(preset: str) -> str:
    """camelCase preset name → the Presets model's attribute."""
    return "".join("_" + ch.lower() if ch.isupper() else ch for ch in preset)


def _receiver_config(spec: Spec, preset: str, name: str, namespace: str) -> dict[str, Any]:
    """The receiver settings a preset writes (collection_interval for the scrapers)."""
    settings = getattr(spec.presets, _field(preset))
    if preset == "logsCollection":
        exclude = [] if settings.include_collector_logs else [OWN_LOGS.format(namespace=namespace, name=name)]
        return {"exclude": exclude, "start_at": settings.start_at, "storage": CHECKPOINT_STORAGE}
    interval = getattr(settings, "collection_interval", None)
    return {"collection_interval": interval} if interval else {}


def _checkpoint_storage(spec: Spec) -> dict[str, Any]:
    storage: dict[str, Any] = {"directory": CHECKPOINT_DIRECTORY}
    if spec.presets.logs_collection.checkpoint_host_path:
        storage["host_path"] = spec.presets.logs_collection.checkpoint_host_path
    return storage


def apply(spec: Spec, name: str, namespace: str) -> tuple[Spec, list[Problem]]:
    """A copy of ``spec`` with every enabled preset expanded."""
    problems: list[Problem] = []
    presets = spec.presets
    sections = {key: copy.deepcopy(getattr(spec, key)) for key in ("receivers", "processors", "exporters", "extensions", "connectors")}
    pipelines = {key: p.model_dump() for key, p in spec.pipelines.items()}

    if presets.kubernetes_attributes.enabled:
        if not modes.traits(spec.mode).own_pods:
            problems.append(error("E020", ["spec", "presets", "kubernetesAttributes", "enabled"], "kubernetesAttributes is not for sidecars (every pod would watch the API)", "enable it on the agent or gateway the sidecar sends to"))
        else:
            cfg: dict[str, Any] = {}
            if presets.kubernetes_attributes.extract_labels:
                cfg["labels"] = [{"tag_name": f"k8s.pod.labels.{key}", "key": key, "from": "pod"} for key in presets.kubernetes_attributes.extract_labels]
            sections["processors"].setdefault(inserts.name("pod_metadata"), cfg)
            for pipeline in pipelines.values():
                if not inserts.present("pod_metadata", pipeline["processors"]):
                    inserts.insert("pod_metadata", pipeline["processors"])  # right after the memory guard

    for preset, (receiver, signal, agent_only) in RECEIVER_PRESETS.items():
        if not getattr(presets, _field(preset)).enabled or (agent_only and not _agent_only(spec, preset, problems)):
            continue
        if preset == "logsCollection":
            sections["extensions"].setdefault(CHECKPOINT_STORAGE, _checkpoint_storage(spec))
        _add_receiver(sections, pipelines, receiver, _receiver_config(spec, preset, name, namespace), signal, preset, problems)

    if presets.prometheus_scraping.enabled:
        from otelgen import scraping

        config = scraping.receiver(spec, name, namespace, problems)
        if config is not None:
            _add_receiver(sections, pipelines, scraping.RECEIVER, config, "metrics", "prometheusScraping", problems)

    updated = spec.model_copy(update={**sections, "pipelines": {k: type(spec.pipelines[k]).model_validate(v) for k, v in pipelines.items()}})
    return updated, problems
