"""Render a spec into objects, and write them out atomically."""

from __future__ import annotations

from typing import Any

from otelgen import yamlio
from otelgen.config import collector_config
from otelgen.errors import Problem, SpecError, error
from otelgen.manifests import render_objects
from otelgen.plan import Plan, build_plan
from otelgen.spec import load


def plan_from(mode: str | None, files: list[str], sets: list[str]) -> Plan:
    return build_plan(load.load(mode, files, sets))


def render(mode: str | None, files: list[str], sets: list[str]) -> tuple[list[dict[str, Any]], list[Problem]]:
    plan = plan_from(mode, files, sets)
    return render_objects(plan), plan.warnings


def render_config(mode: str | None, files: list[str], sets: list[str]) -> tuple[dict[str, Any], list[Problem]]:
    plan = plan_from(mode, files, sets)
    return collector_config(plan), plan.warnings


def file_name(obj: dict[str, Any]) -> str:
    """Stable file name for one object: <kind>-<name>.yaml."""
    return f"{obj['kind'].lower()}-{obj['metadata']['name']}.yaml"


def write_stream(objects: list[dict[str, Any]]) -> str:
    return yamlio.dump_all(objects)


def write_directory(objects: list[dict[str, Any]], out_dir: str) -> list[str]:
    """One file per object (<kind>-<name>.yaml); the directory is replaced as a whole or not at all."""
    files: dict[str, str] = {}
    for obj in objects:
        name = file_name(obj)
        if name in files:
            raise SpecError([error("E008", [], f"two objects would be written to {name}", "this is a bug in otelgen; please report it")])
        files[name] = yamlio.dump(obj)
    write_files(files, out_dir)
    return list(files)


def write_files(files: dict[str, str], out_dir: str) -> None:
    """Write ``files`` (relative path → text) as the whole content of ``out_dir``,
    atomically (otelgen.atomic, imported here: only -o needs it)."""
    from otelgen import atomic

    atomic.write_directory(files, out_dir)
