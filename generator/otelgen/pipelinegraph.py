"""The one pipeline-graph checker, shared by the planner (errors E010-E013 on a
spec) and lint (findings OTG021, OTG030, OTG100, OTG102-OTG104 on a collector
config).

The caller describes the graph: its pipelines and, per defined component, the
facts it knows (:class:`Node`: signals, connector pairs, processor order). The
checks here decide, with one wording; each caller maps a :class:`Finding`'s
``check`` to its own ID and its ``where`` to its own path (``spec.pipelines...``
or ``service.pipelines...``).

Judged as the collector judges (0.145): a pipeline's component must handle the
pipeline's signal; a connector must be an exporter of one pipeline and a
receiver of another, every signal it takes must reach one it produces and every
signal it produces must come from one it takes (any supported pair will do:
``forward`` between a traces and a metrics pipeline pair is fine); a processor
listed twice in a pipeline is refused. What the collector accepts but otelgen
still refuses when it renders (a receiver or exporter listed twice, processor
order) is the planner's choice of ``twice`` roles and of calling :func:`order`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

from otelgen.suggest import did_you_mean

ROLES = ("receivers", "processors", "exporters")
SIGNALS = ("traces", "metrics", "logs", "profiles")

#: check names (a caller maps them to its IDs)
LISTED_TWICE = "listed_twice"
UNDEFINED = "undefined"
SIGNAL = "signal"
CONNECTOR_ONE_SIDE = "connector_one_side"
CONNECTOR_SIGNALS = "connector_signals"
ORDER_FIRST = "order_first"
ORDER_BATCH = "order_batch"


def signal_of(pipeline: str) -> str:
    return pipeline.split("/", 1)[0]


@dataclass(frozen=True)
class Node:
    """What is known of one defined component."""

    #: signals it handles (receivers, processors, exporters); None: unknown, nothing concluded
    signals: tuple[str, ...] | None = None
    #: a connector's (from, to) signal pairs; None: unknown
    connects: tuple[tuple[str, str], ...] | None = None
    #: processors: "first" (memory_limiter), "batch", "before_batch" (samplers, k8s_attributes), None
    order: str | None = None
    #: why its settings cannot serve a signal it handles (an exporter without that signal's endpoint)
    signal_problem: Callable[[str], str | None] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Finding:
    check: str
    #: ("pipelines", pipeline, role, index) or (section, name)
    where: tuple
    message: str
    hint: str


@dataclass
class Graph:
    #: pipeline name → {"receivers": [...], "processors": [...], "exporters": [...]}, in input order
    pipelines: dict[str, dict[str, list[str]]]
    #: (section, name) → facts, for every defined component
    nodes: dict[tuple[str, str], Node]
    #: put before section names in messages ("spec." for a spec)
    prefix: str = ""

    def label(self, section: str) -> str:
        return f"{self.prefix}{section}"

    def names(self, section: str) -> list[str]:
        return sorted(n for (s, n) in self.nodes if s == section)


def _list(pipeline: dict, role: str) -> list[str]:
    return list(pipeline.get(role) or [])


def undefined(ref: str, role: str, defined: list[str], label: Callable[[str], str] = str) -> tuple[str, str]:
    """Message and hint for ``ref``, named in a pipeline's ``role`` list but not defined
    (``defined``: the names it could have meant; ``label``: how a section is named)."""
    also = f" or {label('connectors')}" if role != "processors" else ""
    return f"{ref!r} is not defined under {label(role)}{also}", f"defined: {', '.join(defined) or 'none'}{did_you_mean(ref, defined, before='; ')}"


def undefined_extension(ref: str, defined: list[str], label: Callable[[str], str] = str) -> tuple[str, str]:
    """Message and hint for an extension named (in service.extensions, or by a component's
    settings) but not defined."""
    return f"extension {ref!r} is not defined under {label('extensions')}", f"defined: {', '.join(defined) or 'none'}{did_you_mean(ref, defined, before='; ')}"


def references(g: Graph, twice: Iterable[str] = ROLES) -> list[Finding]:
    """Per pipeline, in order: components listed twice (in the ``twice`` roles), undefined
    references (with a did-you-mean), components that do not handle the pipeline's signal."""
    twice = tuple(twice)
    connectors = set(g.names("connectors"))
    out: list[Finding] = []
    for pname, pipeline in g.pipelines.items():
        signal = signal_of(pname)
        for role in ROLES:
            seen: set[str] = set()
            for i, ref in enumerate(_list(pipeline, role)):
                where = ("pipelines", pname, role, i)
                if ref in seen and role in twice:
                    out.append(Finding(LISTED_TWICE, where, f"{ref!r} is listed twice in this pipeline", "list each component once"))
                seen.add(ref)
                if role != "processors" and ref in connectors:
                    continue
                node = g.nodes.get((role, ref))
                if node is None:
                    defined = g.names(role) + (sorted(connectors) if role != "processors" else [])
                    out.append(Finding(UNDEFINED, where, *undefined(ref, role, defined, g.label)))
                    continue
                if node.signals is None:
                    continue
                if signal not in node.signals:
                    out.append(Finding(SIGNAL, where, f"{ref} does not support {signal} (it handles {', '.join(node.signals)})", f"move it to a {' or '.join(node.signals)} pipeline"))
                elif node.signal_problem is not None and (why := node.signal_problem(signal)):
                    out.append(Finding(SIGNAL, where, f"{ref}: {why}", f"set it, or move {ref} to a pipeline it has an endpoint for"))
    return out


def connector_uses(g: Graph, name: str) -> tuple[list[str], list[str]]:
    """(pipelines that export to connector ``name``, pipelines that receive from it), in order."""
    into = [p for p, pipeline in g.pipelines.items() if name in _list(pipeline, "exporters")]
    out_of = [p for p, pipeline in g.pipelines.items() if name in _list(pipeline, "receivers")]
    return into, out_of


def connectors(g: Graph) -> list[Finding]:
    """Every connector used on both sides, with signal pairs it supports (unused: not judged here)."""
    out: list[Finding] = []
    for name in g.names("connectors"):
        sources, sinks = connector_uses(g, name)
        if not sources and not sinks:
            continue
        where = ("connectors", name)
        if not sources or not sinks:
            used, missing = ("a receiver", "an exporter") if not sources else ("an exporter", "a receiver")
            out.append(Finding(CONNECTOR_ONE_SIDE, where, f"connector {name} is used only as {used}", f"list it as {missing} of another pipeline too"))
            continue
        pairs = g.nodes[("connectors", name)].connects
        if pairs is None:
            continue
        takes, makes = {signal_of(p) for p in sources}, {signal_of(p) for p in sinks}
        allowed = ", ".join(f"{a}->{b}" for a, b in pairs)
        for s in sorted(takes):
            if not any((s, t) in pairs for t in makes):
                out.append(Finding(CONNECTOR_SIGNALS, where, f"connector {name} cannot take {s} to {', '.join(sorted(makes))}", f"it connects {allowed}"))
        for t in sorted(makes):
            if not any((s, t) in pairs for s in takes):
                out.append(Finding(CONNECTOR_SIGNALS, where, f"connector {name} cannot produce {t} from {', '.join(sorted(takes))}", f"it connects {allowed}"))
    return out


def order(g: Graph) -> list[Finding]:
    """Processor order, by the processors' order classes (no names): a "first" one (the memory
    guard) first; a "batch" one after every "before_batch" one (samplers, context-dependent
    processors)."""
    out: list[Finding] = []
    for pname, pipeline in g.pipelines.items():
        procs = _list(pipeline, "processors")
        orders = [(g.nodes.get(("processors", ref)) or Node()).order for ref in procs]
        for i, kind in enumerate(orders):
            where = ("pipelines", pname, "processors", i)
            if kind == "first" and i != 0:
                out.append(Finding(ORDER_FIRST, where, f"{procs[i]} must be the first processor (it is at position {i})", f"move {signal_of(procs[i])} to the front so it can refuse data before other processors spend memory"))
            if kind == "batch":
                late = [procs[j] for j in range(i + 1, len(procs)) if orders[j] == "before_batch"]
                if late:
                    out.append(Finding(ORDER_BATCH, where, f"{procs[i]} runs before {', '.join(late)}", f"put {signal_of(procs[i])} after {', '.join(late)} (batching drops the request context they rely on)"))
    return out


def check(g: Graph, twice: Iterable[str] = ROLES) -> list[Finding]:
    """Every check, in the planner's order: references, connectors, processor order."""
    return references(g, twice) + connectors(g) + order(g)
