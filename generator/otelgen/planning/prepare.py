"""Steps 1-2: presets, sizing, and the completed pipelines (the planner's own inserts,
otelgen.planning.inserts: memory guard, batcher, health endpoint, leader elector)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from otelgen import components, modes, persistentqueue, presets, sizing
from otelgen.errors import Collector, Problem, error
from otelgen.planning import inserts
from otelgen.planning.model import SECTIONS
from otelgen.spec.model import CollectorDocument, Spec

def apply_presets(doc: CollectorDocument) -> tuple[Spec, list[Problem]]:
    """The spec with every enabled preset expanded (E020)."""
    return presets.apply(doc.spec, doc.metadata.name, doc.metadata.namespace)


def size(spec: Spec) -> tuple[sizing.Sizing, list[Problem]]:
    """Requests and limits for the mode (E018: no memory limit unless allowed)."""
    resolved = sizing.resolve(spec.resources, spec.mode)
    problems = []
    if not resolved.memory_limit and not spec.resources.allow_no_memory_limit:
        problems.append(error("E018", ["spec", "resources", "limits", "memory"], "no memory limit: memory_limiter and GOMEMLIMIT are derived from it, and without one the pod can use the whole node", "set resources.size (small|medium|large) or resources.limits.memory, or allowNoMemoryLimit: true"))
    return resolved, problems


def gomemlimit(resolved: sizing.Sizing, spec: Spec) -> str | None:
    """GOMEMLIMIT for the memory limit; None without one, or for one the API server refuses (E060)."""
    from otelgen.manifests import apivalidation

    limit = resolved.memory_limit
    if not limit or apivalidation.memory_problem(limit):
        return None  # an absurd limit is refused later (E060); its GOMEMLIMIT may not even fit an int64
    return sizing.gomemlimit(limit, spec.memory)


@dataclass
class Completed:
    #: pipeline name → role → component names, with the memory guard first and the batcher last where defaulted
    pipelines: dict[str, dict[str, list[str]]]
    #: section → name → raw settings, with what was auto-inserted
    sections: dict[str, dict[str, Any]]
    #: the leader elector extension the single-writer receivers use, if any
    leader_election: str | None
    #: the one prometheus receiver that scrapes the collector's own metrics, if any
    self_scraper: str | None = None


def complete(spec: Spec, name: str) -> tuple[Completed, list[Problem]]:
    """The spec's pipelines and sections as they will be rendered (``name``: the
    collector's, which names its persistent queue's host directory)."""
    pipelines = {pname: p.model_dump() for pname, p in spec.pipelines.items()}
    sections = {sec: dict(getattr(spec, sec)) for sec in SECTIONS}
    auto_insert(spec, pipelines, sections)
    found = Collector()
    persistentqueue.wire(spec, name, sections, pipelines, found)
    sections["extensions"].setdefault(inserts.name("health"), {})
    leader, problems = leader_election(spec, sections, pipelines)
    found.extend(problems)
    scraper, problems = self_scraper(spec, sections, pipelines)
    found.extend(problems)
    return Completed(pipelines, sections, leader, scraper), found.problems


def auto_insert(spec: Spec, pipelines: dict[str, dict[str, list[str]]], sections: dict[str, dict]) -> None:
    """The memory guard first and the batcher last in every pipeline (pipelineDefaults;
    otelgen.planning.inserts), in place; a user-defined memory guard without limits gets
    the derived percentages."""
    defaults = spec.pipeline_defaults
    limiter = sizing.memory_limiter_settings(spec.memory)
    wanted = {"memory_guard": (defaults.memory_limiter, limiter), "batcher": (defaults.batch, {})}
    for pipeline in pipelines.values():
        procs = pipeline["processors"]
        missing = [role for role, (on, _) in wanted.items() if on and not inserts.present(role, procs)]  # judged before inserting
        for role in missing:
            inserts.insert(role, procs)
            sections["processors"].setdefault(inserts.name(role), dict(wanted[role][1]))
    for key, cfg in sections["processors"].items():
        if inserts.plays("memory_guard", key):
            cfg = dict(cfg or {})
            if inserts.needs_fill("memory_guard", cfg):
                cfg = {**limiter, **cfg}
            sections["processors"][key] = cfg


def leader_election(spec: Spec, sections: dict[str, dict], pipelines: dict) -> tuple[str | None, list[Problem]]:
    """The leader-elector extension single-writer receivers need when several copies run
    (added to ``sections`` when missing); E019 in a sidecar."""
    single = []
    for rname in sorted(sections["receivers"]):  # sorted: key order in the input must not matter
        comp = components.lookup("receiver", rname.split("/")[0])
        if comp is not None and comp.declaration.single_writer:
            if any(rname in p["receivers"] for p in pipelines.values()):
                single.append(rname)
    if not single:
        return None, []
    if not modes.traits(spec.mode).own_pods:
        return None, [error("E019", ["spec", "receivers", single[0]], f"{single[0]} must have one writer, but a sidecar runs once per app pod", "run it in the gateway")]
    several = modes.several(spec.mode, spec.scaling.replicas, spec.scaling.autoscaling.enabled)
    existing = sorted(e for e in sections["extensions"] if inserts.plays("leader_elector", e))
    if existing:
        return existing[0], []
    if several:
        elector = inserts.name("leader_elector")
        sections["extensions"][elector] = {}
        return elector, []
    return None, []


def self_scraper(spec: Spec, sections: dict[str, dict], pipelines: dict) -> tuple[str | None, list[Problem]]:
    """The one prometheus receiver that scrapes the collector's own metrics (each pod
    scrapes itself, once): the first used one, by name, with self_scrape on. None with
    the ServiceMonitor, where Prometheus is the one scraper (E072 when a receiver asks
    for it explicitly or would be left with nothing to scrape)."""
    used = {r for p in pipelines.values() for r in p["receivers"]}
    candidates = []
    for rname in sorted(sections["receivers"]):
        comp = components.lookup("receiver", rname.split("/")[0])
        raw = sections["receivers"][rname]
        raw = raw if isinstance(raw, dict) else {}
        if comp is not None and comp.role == "self_scraper" and rname in used and raw.get("self_scrape", True) is not False:
            candidates.append(rname)
    monitor = spec.service_monitor.enabled and modes.traits(spec.mode).own_pods
    scraper = None if monitor or not candidates else candidates[0]
    by = "serviceMonitor has Prometheus scrape them" if monitor else f"{scraper} scrapes them"
    problems = []
    for rname in candidates:
        if rname == scraper:
            continue
        raw = sections["receivers"][rname]
        raw = raw if isinstance(raw, dict) else {}
        config = raw.get("config") if isinstance(raw.get("config"), dict) else {}
        extra = raw.get("extra") if isinstance(raw.get("extra"), dict) else {}
        others = config.get("scrape_configs") or raw.get("scrape_configs") or raw.get("target_allocator") or "config" in extra
        if raw.get("self_scrape") is True or not others:
            why = "asks for it (self_scrape: true)" if raw.get("self_scrape") is True else "scrapes nothing else"
            hint = f"keep one scraper: set self_scrape: false on {rname} (give it other scrape configs or remove it)" + (", or serviceMonitor.enabled: false" if monitor else "")
            problems.append(error("E072", ["spec", "receivers", rname, "self_scrape"], f"the collector's own metrics would be scraped twice: {by}, and {rname} {why}", hint))
    return scraper, problems
