"""The collector config, built as data from a Plan."""

from __future__ import annotations

from typing import Any

from otelgen.plan import POD_IP, Plan

SECTION_ORDER = ("extensions", "receivers", "processors", "exporters", "connectors")
LOG_ENCODING = "json"
METRICS_LEVEL = "normal"


def rendered_ids(plan: Plan) -> dict[tuple[str, str], str]:
    """Spec name → the id the target collector version knows, per section."""
    return {key: inst.rendered_id(plan.version) for key, inst in plan.instances.items()}


def collector_config(plan: Plan) -> dict[str, Any]:
    ids = rendered_ids(plan)
    config: dict[str, Any] = {}
    for section in SECTION_ORDER:
        entries = {ids[key]: inst.config() for key, inst in plan.instances.items() if key[0] == section}
        if entries:
            config[section] = entries
    connectors = {name for (sec, name) in plan.instances if sec == "connectors"}

    def ref(role: str, name: str) -> str:
        section = "connectors" if role != "processors" and name in connectors else role
        return ids[(section, name)]

    pipelines = {}
    for pname, pipeline in plan.pipelines.items():
        rendered = {}
        for role in ("receivers", "processors", "exporters"):
            if pipeline[role]:
                rendered[role] = [ref(role, n) for n in pipeline[role]]
        pipelines[pname] = rendered
    config["service"] = {
        # sorted: the order of keys in the input (lost in Helm values) must not matter
        "extensions": sorted(ids[key] for key in plan.instances if key[0] == "extensions"),
        "pipelines": pipelines,
        "telemetry": telemetry(plan),
    }
    return config


def telemetry(plan: Plan) -> dict[str, Any]:
    return {
        "logs": {"level": plan.spec.telemetry.log_level, "encoding": LOG_ENCODING},
        "metrics": {
            "level": METRICS_LEVEL,
            "readers": [{"pull": {"exporter": {"prometheus": {"host": POD_IP, "port": plan.spec.telemetry.metrics_port}}}}],
        },
    }
