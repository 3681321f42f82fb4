"""Presets: bundles of components switched on with one field.

Each preset adds components to the spec's sections and wires them into the
pipelines of their signal; the components themselves declare the RBAC, env
and volumes they need, so a preset never touches Kubernetes objects.
"""

from __future__ import annotations

import copy
from typing import Any

from otelgen.errors import Problem, error
from otelgen.spec.model import Spec

PIPELINE_SIGNALS = ("traces", "metrics", "logs")


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
    if spec.mode != "agent":
        problems.append(error("E020", ["spec", "presets", preset, "enabled"], f"preset {preset} reads node-local data and needs mode agent (got {spec.mode})", "enable it in the agent spec"))
        return False
    return True


def apply(spec: Spec, name: str, namespace: str) -> tuple[Spec, list[Problem]]:
    """A copy of ``spec`` with every enabled preset expanded."""
    problems: list[Problem] = []
    presets = spec.presets
    sections = {key: copy.deepcopy(getattr(spec, key)) for key in ("receivers", "processors", "exporters", "extensions", "connectors")}
    pipelines = {key: p.model_dump() for key, p in spec.pipelines.items()}

    if presets.kubernetes_attributes.enabled:
        if spec.mode == "sidecar":
            problems.append(error("E020", ["spec", "presets", "kubernetesAttributes", "enabled"], "kubernetesAttributes is not for sidecars (every pod would watch the API)", "enable it on the agent or gateway the sidecar sends to"))
        else:
            cfg: dict[str, Any] = {}
            if presets.kubernetes_attributes.extract_labels:
                cfg["labels"] = [{"tag_name": f"k8s.pod.labels.{key}", "key": key, "from": "pod"} for key in presets.kubernetes_attributes.extract_labels]
            sections["processors"].setdefault("k8s_attributes", cfg)
            for pipeline in pipelines.values():
                procs = pipeline["processors"]
                if "k8s_attributes" not in procs:
                    at = 1 if procs and procs[0].split("/")[0] == "memory_limiter" else 0
                    procs.insert(at, "k8s_attributes")

    if presets.logs_collection.enabled and _agent_only(spec, "logsCollection", problems):
        preset = presets.logs_collection
        exclude = [] if preset.include_collector_logs else [f"/var/log/pods/{namespace}_{name}-*_*/*/*.log"]
        storage: dict[str, Any] = {"directory": "/var/lib/otelcol/file_log"}
        if preset.checkpoint_host_path:
            storage["host_path"] = preset.checkpoint_host_path
        sections["extensions"].setdefault("file_storage/checkpoints", storage)
        cfg = {"exclude": exclude, "start_at": preset.start_at, "storage": "file_storage/checkpoints"}
        _add_receiver(sections, pipelines, "file_log", cfg, "logs", "logsCollection", problems)

    if presets.host_metrics.enabled and _agent_only(spec, "hostMetrics", problems):
        _add_receiver(sections, pipelines, "hostmetrics", {"collection_interval": presets.host_metrics.collection_interval}, "metrics", "hostMetrics", problems)

    if presets.kubelet_metrics.enabled and _agent_only(spec, "kubeletMetrics", problems):
        _add_receiver(sections, pipelines, "kubelet_stats", {"collection_interval": presets.kubelet_metrics.collection_interval}, "metrics", "kubeletMetrics", problems)

    if presets.cluster_metrics.enabled:
        _add_receiver(sections, pipelines, "k8s_cluster", {"collection_interval": presets.cluster_metrics.collection_interval}, "metrics", "clusterMetrics", problems)

    if presets.kubernetes_events.enabled:
        _add_receiver(sections, pipelines, "k8s_objects/events", {}, "logs", "kubernetesEvents", problems)

    updated = spec.model_copy(update={**sections, "pipelines": {k: type(spec.pipelines[k]).model_validate(v) for k, v in pipelines.items()}})
    return updated, problems
