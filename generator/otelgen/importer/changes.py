"""What rendering the imported spec changed, found by comparing the input
config with the rendered one: component renames, inserted components and
processors, receivers' endpoints.  One note per change."""

from __future__ import annotations

from typing import Any

from otelgen import components
from otelgen.errors import PathPart
from otelgen.importer import registry
from otelgen.importer.notes import Notes
from otelgen.planning import inserts

SECTIONS = tuple(components.SECTIONS)
ROLES = ("receivers", "processors", "exporters")

Graph = dict[str, dict[str, list[str]]]


def canonical(section: str, name: str) -> str:
    """``otlphttp/vendor`` → ``otlp_http/vendor``: the registry's id for known
    types (any version's name, or a removed type's safe replacement), the name
    as written otherwise."""
    type_name, sep, suffix = name.partition("/")
    kind = components.SECTIONS.get(section)
    comp = registry.find(kind, type_name)[0] if kind else None
    return (comp.id if comp else type_name) + sep + suffix


def graph(config: dict[str, Any]) -> Graph:
    """Pipelines with every component named by :func:`canonical` (connectors
    are found under connectors, whatever role they play)."""
    connectors = set((config.get("connectors") or {}))
    out: Graph = {}
    for pname, pipeline in ((config.get("service") or {}).get("pipelines") or {}).items():
        entry = {}
        for role in ROLES:
            entry[role] = [canonical("connectors" if role != "processors" and ref in connectors else role, ref) for ref in (pipeline or {}).get(role) or []]
        out[pname] = entry
    return out


def components_of(config: dict[str, Any]) -> set[tuple[str, str]]:
    return {(section, canonical(section, name)) for section in SECTIONS for name in (config.get(section) or {})}


def list_changes(before: dict[str, Any], after: dict[str, Any], version: str, notes: Notes) -> None:
    """Notes for everything ``after`` (rendered) does differently from ``before`` (input)."""
    _renames(before, after, version, notes)
    _dropped_and_inserted(before, after, notes)
    _pipeline_inserts(before, after, notes)
    _endpoints(before, after, notes)
    _leader_election(before, after, notes)


def _renames(before: dict[str, Any], after: dict[str, Any], version: str, notes: Notes) -> None:
    rendered = {(s, canonical(s, n)): n for s in SECTIONS for n in (after.get(s) or {})}
    for section in SECTIONS:
        for name in before.get(section) or {}:
            new = rendered.get((section, canonical(section, name)))
            if new is not None and new != name:
                notes.change("C301", [section, name], f"renamed {name} → {new} (the name collector {version} knows)", "old names are deprecated aliases at best; new names do not work in older collectors")


def _dropped_and_inserted(before: dict[str, Any], after: dict[str, Any], notes: Notes) -> None:
    old, new = components_of(before), components_of(after)
    for section, name in sorted(new - old, key=lambda k: (SECTIONS.index(k[0]), k[1])):
        if section == "processors":
            continue  # listed per pipeline by _pipeline_inserts
        notes.change("C303", [section, name], f"{name} inserted", inserts.why(name))
    for section in SECTIONS:
        for name in before.get(section) or {}:
            if (section, canonical(section, name)) not in new and section != "extensions":
                notes.change("C305", [section, name], f"{name} dropped: no pipeline uses it", "add it to a pipeline in the spec if it was meant to run")




def _pipeline_inserts(before: dict[str, Any], after: dict[str, Any], notes: Notes) -> None:
    old, new = graph(before), graph(after)
    for pname, pipeline in new.items():
        had = old.get(pname, {}).get("processors", [])
        for i, proc in enumerate(pipeline["processors"]):
            if proc not in had:
                notes.change("C303", ["service", "pipelines", pname, "processors"], f"{proc} inserted at position {i}", inserts.why(proc))


def _endpoints(before: dict[str, Any], after: dict[str, Any], notes: Notes) -> None:
    """Listening endpoints (receivers, extensions, internal metrics) that render differently."""
    rendered = {(s, canonical(s, n)): cfg for s in ("receivers", "extensions") for n, cfg in (after.get(s) or {}).items()}
    for section in ("receivers", "extensions"):
        for name, cfg in (before.get(section) or {}).items():
            new = rendered.get((section, canonical(section, name)))
            if isinstance(new, dict):
                for path, value in _endpoint_values(new):
                    old = _at(cfg, path)
                    if old != value:
                        was = f"was {old}" if old is not None else "the collector's default binds localhost"
                        notes.change("C302", [section, name, *path], f"endpoint {value} ({was})", "other pods and the kubelet's probes reach it on the pod IP; localhost is unreachable from outside the pod")


def _endpoint_values(cfg: Any, path: tuple[PathPart, ...] = ()) -> list[tuple[tuple[PathPart, ...], Any]]:
    found = []
    if isinstance(cfg, dict):
        for key, value in cfg.items():
            if key == "endpoint" and isinstance(value, str):
                found.append(((*path, key), value))
            else:
                found.extend(_endpoint_values(value, (*path, key)))
    return found


def _at(cfg: Any, path: tuple[PathPart, ...]) -> Any:
    for part in path:
        if not isinstance(cfg, dict):
            return None
        cfg = cfg.get(part)
    return cfg


def _leader_election(before: dict[str, Any], after: dict[str, Any], notes: Notes) -> None:
    """Single-writer receivers: otelgen decides about leader election from mode and replicas."""
    rendered = {canonical("receivers", n): cfg for n, cfg in (after.get("receivers") or {}).items()}
    for name, cfg in (before.get("receivers") or {}).items():
        new = rendered.get(canonical("receivers", name))
        if isinstance(cfg, dict) and isinstance(new, dict) and ("k8s_leader_elector" in cfg) != ("k8s_leader_elector" in new):
            now = "added" if "k8s_leader_elector" in new else "dropped"
            notes.change("C306", ["receivers", name, "k8s_leader_elector"], f"leader election {now}", "otelgen elects a leader when more than one replica runs a single-writer receiver")
