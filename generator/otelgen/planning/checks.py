"""Step 4: the pipeline graph (otelgen.pipelinegraph, shared with lint), the
mappings keyed by component names, which instances are used, and the
extensions components name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from otelgen import pipelinegraph
from otelgen.components import declare
from otelgen.errors import Problem, error, warning
from otelgen.planning.model import NAME, Instance
from otelgen.spec.model import Spec
from otelgen.suggest import did_you_mean

Key = tuple[str, str]  # (section, name)

#: the planner's IDs for the shared checker's findings
IDS = {
    pipelinegraph.LISTED_TWICE: "E010",
    pipelinegraph.UNDEFINED: "E010",
    pipelinegraph.SIGNAL: "E011",
    pipelinegraph.CONNECTOR_SIGNALS: "E011",
    pipelinegraph.CONNECTOR_ONE_SIDE: "E012",
    pipelinegraph.ORDER_FIRST: "E013",
    pipelinegraph.ORDER_BATCH: "E013",
}
#: keys that name an extension in verbatim settings (auth.authenticator of confighttp/configgrpc, storage)
EXTENSION_KEYS = ("authenticator", "storage")


def node(inst: Instance) -> pipelinegraph.Node:
    """What the planner knows of one instance, for the shared checker."""
    comp = inst.component
    if inst.section == "connectors":
        return pipelinegraph.Node(connects=inst.connects)
    order = type(comp).order if comp is not None else None
    return pipelinegraph.Node(signals=inst.signals, order=order, signal_problem=signal_problem(comp) if comp is not None else None)


def signal_problem(comp: Any) -> Callable[[str], str | None] | None:
    """Why the component cannot serve a pipeline of a signal (its declared signal checks), or None."""
    checks = type(comp).declaration.signal_checks
    if not checks:
        return None

    def problem(signal: str) -> str | None:
        failed = declare.check(checks, comp.settings(), comp.ctx.collector_version, {"signal": signal})
        return None if failed is None else str(failed)

    return problem


def graph(parsed: dict[Key, Instance], pipelines: dict) -> pipelinegraph.Graph:
    return pipelinegraph.Graph(pipelines, {key: node(inst) for key, inst in parsed.items()}, prefix="spec.")


def to_problem(finding: pipelinegraph.Finding) -> Problem:
    return error(IDS[finding.check], ["spec", *finding.where], finding.message, finding.hint)


def check_pipelines(spec: Spec, parsed: dict[Key, Instance], pipelines: dict, sections: dict[str, dict]) -> list[Problem]:
    """References, signals, connectors (and the pipelines a routing connector names),
    mappings keyed by component names, processor order."""
    g = graph(parsed, pipelines)
    problems = [to_problem(f) for f in pipelinegraph.references(g) + pipelinegraph.connectors(g)]
    problems += connector_pipeline_refs(parsed, g)
    problems += component_keys(spec, sections)
    problems += [to_problem(f) for f in pipelinegraph.order(g)]
    return problems


def connector_pipeline_refs(parsed: dict[Key, Instance], g: pipelinegraph.Graph) -> list[Problem]:
    """The pipelines a connector's settings name (routing table) exist and receive from it.
    Judged for connectors used on both sides with known signal pairs."""
    problems = []
    for name in g.names("connectors"):
        inst = parsed[("connectors", name)]
        sources, sinks = pipelinegraph.connector_uses(g, name)
        if not sources or not sinks or inst.connects is None or inst.component is None:
            continue
        path = ["spec", "connectors", name]
        settings = inst.component.settings()
        for sub, target in [ref for at in type(inst.component).declaration.pipeline_refs for ref in declare.found(settings, at)]:
            if target not in g.pipelines:
                names = sorted(g.pipelines)
                problems.append(error("E010", path + list(sub), f"pipeline {target!r} does not exist", f"pipelines: {', '.join(names)}{did_you_mean(target, names, before='; ')}"))
            elif name not in g.pipelines[target]["receivers"]:
                problems.append(error("E012", path + list(sub), f"pipeline {target!r} does not receive from {name}", f"add {name} to spec.pipelines.{target}.receivers"))
    return problems


def component_keys(spec: Spec, sections: dict[str, dict]) -> list[Problem]:
    """Mappings keyed by component names name defined components: an unknown key is an
    error, never ignored (a mistyped networkPolicy.exporterTo key would leave that
    exporter's egress open to any destination)."""
    exporters = sorted(sections["exporters"])
    return [
        error("E010", ["spec", "networkPolicy", "exporterTo", name], f"{name!r} is not defined under spec.exporters", f"defined: {', '.join(exporters) or 'none'}{did_you_mean(name, exporters, before='; ')}")
        for name in sorted(spec.network_policy.exporter_to)
        if name not in sections["exporters"]
    ]


def used(parsed: dict[Key, Instance], pipelines: dict) -> tuple[dict[Key, Instance], list[Problem]]:
    """The instances a pipeline uses (and every extension); W101 for the others."""
    referenced: set[Key] = set()
    connectors = {n for (s, n) in parsed if s == "connectors"}
    for pipeline in pipelines.values():
        for role in ("receivers", "processors", "exporters"):
            for ref in pipeline[role]:
                section = "connectors" if role != "processors" and ref in connectors else role
                referenced.add((section, ref))
    out, problems = {}, []
    for key, inst in parsed.items():
        if key[0] == "extensions" or key in referenced:
            out[key] = inst
        else:
            problems.append(warning("W101", ["spec", key[0], key[1]], f"{key[1]} is defined but no pipeline uses it; it is left out of the rendered config", "add it to a pipeline or remove it"))
    return out, problems


def check_extension_refs(used: dict[Key, Instance]) -> list[Problem]:
    """Every extension a used component names (typed fields, or verbatim settings) is defined."""
    extensions = sorted(n for (s, n) in used if s == "extensions")
    problems = []
    for (section, name), inst in used.items():
        refs = list(inst.component.config.extension_refs()) if inst.component else []
        verbatim, at = (inst.component.config.extra, ("extra",)) if inst.component else (inst.raw, ())
        refs += [((*at, *sub), ext) for sub, ext in verbatim_extension_refs(verbatim)]
        for sub, ext in refs:
            if ext not in extensions:
                problems.append(error("E010", ["spec", section, name, *sub], *pipelinegraph.undefined_extension(ext, extensions, lambda s: f"spec.{s}")))
    return problems


def verbatim_extension_refs(value: Any, path: tuple = ()) -> list[tuple[tuple, str]]:
    """(path, extension name) of every extension that verbatim settings (extra, unmodelled components) name."""
    out: list[tuple[tuple, str]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in EXTENSION_KEYS and isinstance(item, str) and NAME.match(item):
                out.append(((*path, key), item))
            else:
                out.extend(verbatim_extension_refs(item, (*path, key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out.extend(verbatim_extension_refs(item, (*path, i)))
    return out
