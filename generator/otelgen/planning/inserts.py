"""The planner's own inserts, as one table.

Besides what the spec asks for, the planner adds components of its own: the memory
guard first in every pipeline, the batcher last, the kubernetesAttributes preset's
processor right after the memory guard, the health endpoint the probes ask, and the
leader elector single-writer receivers need when several copies run.  Which component
plays each part is declared on the component itself (``Component.role``); what the
planner does with it is a row of :data:`INSERTS`.  The planner steps
(:mod:`otelgen.presets`, :mod:`otelgen.planning.prepare`) and the probes
(:mod:`otelgen.manifests.workload`) find components by role, and
``otelgen.helmchart.inserts_data()`` exports the same table to the chart, whose
templates read it instead of naming a component.  docs/declarations.md ("The
planner's own inserts") describes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from otelgen import components
from otelgen.components.base import Component


@dataclass(frozen=True)
class Insert:
    """One part the planner gives a component (found by its ``role``)."""

    role: str
    #: the spec section its instance goes to (its name is the component's id)
    section: Literal["processors", "extensions"]
    #: where it goes in every pipeline's processors: ``first``, ``last``, or ``after:<role>``
    #: (right after that role's processor when it is the first one, else first); "": in no pipeline
    position: str
    #: a pipeline already has it when a processor of its ``type`` (any name of the component)
    #: is listed, or only when its own instance ``name`` (the component's id) is
    present: Literal["type", "name", ""]
    #: when the planner adds it (documentation; the planner step that reads the row decides)
    when: str
    #: where its settings come from, and what reads it (documentation)
    settings: str = ""
    reads: str = ""
    #: an instance of it, inserted or the user's, that sets none of these gets the derived settings
    fill_unless: tuple[str, ...] = ()
    #: why it is there, in a sentence (the importer's C303 notes say it)
    why: str = ""
    #: the health endpoint: the setting holding the HTTP path the probes ask (on its listener
    #: named otelgen.components.extensions.HEALTH_PORT_NAME)
    probe_path: str = ""


INSERTS: tuple[Insert, ...] = (
    Insert("memory_guard", "processors", "first", "type",
           when="spec.pipelineDefaults.memoryLimiter, in every pipeline that has none",
           settings="derived from the memory limit (otelgen.sizing.memory_limiter_settings: spec.memory percentages, check interval)",
           reads="pipeline order (E013): it must be the first processor (its order class is 'first')",
           fill_unless=("limit_mib", "limit_percentage"),
           why="first in every pipeline, limits derived from the container's memory limit"),
    Insert("batcher", "processors", "last", "type",
           when="spec.pipelineDefaults.batch, in every pipeline that has none",
           reads="pipeline order (E013): after samplers and context-dependent processors (its order class is 'batch')",
           why="last in every pipeline (after samplers and k8s_attributes)"),
    Insert("pod_metadata", "processors", "after:memory_guard", "name",
           when="spec.presets.kubernetesAttributes.enabled (E020 in sidecars), in every pipeline",
           settings="labels from spec.presets.kubernetesAttributes.extractLabels"),
    Insert("health", "extensions", "", "",
           when="always (an instance named by its id, unless the spec defines one)",
           reads="the startup, liveness and readiness probes: its listener named 'health' and its path setting",
           probe_path="path", why="backs the liveness, readiness and startup probes"),
    Insert("leader_elector", "extensions", "", "",
           when="a used single-writer receiver (declaration.single_writer) runs in several copies and no instance of it is defined",
           reads="the single-writer receivers, by instance name (Context.leader_election)",
           why="one writer for cluster-wide receivers when several replicas run them"),
)

ROLES: dict[str, Insert] = {row.role: row for row in INSERTS}


def component(role: str) -> type[Component]:
    """The one component that declares ``role``."""
    found = [comp for comp in components.ALL if comp.role == role]
    if len(found) != 1:
        raise LookupError(f"role {role!r} is declared by {len(found)} components ({', '.join(c.id for c in found)}); exactly one must")
    return found[0]


def name(role: str) -> str:
    """The instance name the planner inserts for ``role``: its component's id."""
    return component(role).id


def types(role: str) -> tuple[str, ...]:
    """Every type name the role's component is known by (its id and each version's)."""
    comp = component(role)
    return tuple(sorted(set(comp.all_names()) | {comp.id}))


def why(instance: str) -> str:
    """Why the planner inserts the component instance ``instance`` ("" when it inserts no such thing)."""
    for row in INSERTS:
        if plays(row.role, instance):
            return row.why
    return ""


def type_of(instance: str) -> str:
    return instance.split("/")[0]


def plays(role: str, instance: str) -> bool:
    """Whether the component instance ``instance`` (``type[/name]``) is of the role's component."""
    return type_of(instance) in types(role)


def present(role: str, procs: list[str]) -> bool:
    """Whether the processor list already holds the role's processor (by the row's ``present``)."""
    if ROLES[role].present == "name":
        return name(role) in procs
    return any(plays(role, p) for p in procs)


def insert(role: str, procs: list[str]) -> None:
    """Put the role's processor into ``procs`` (in place) at the row's position."""
    position = ROLES[role].position
    if position == "first":
        at = 0
    elif position == "last":
        at = len(procs)
    elif position.startswith("after:"):
        at = 1 if procs and plays(position.split(":", 1)[1], procs[0]) else 0
    else:
        raise ValueError(f"role {role!r} has no pipeline position")
    procs.insert(at, name(role))


def needs_fill(role: str, settings: dict[str, Any]) -> bool:
    """Whether an instance of the role (its settings) gets the derived settings."""
    return not any(key in settings for key in ROLES[role].fill_unless)


def data() -> dict[str, Any]:
    """The table as the chart reads it (files/otelgen.json ``inserts``), by role."""
    return {
        row.role: {
            "section": row.section,
            "name": name(row.role),
            "types": list(types(row.role)),
            "position": row.position,
            "present": row.present,
            "fillUnless": list(row.fill_unless),
            "probePath": row.probe_path,
        }
        for row in INSERTS
    }
