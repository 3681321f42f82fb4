"""The pipeline graph: references, unused components, signals, connectors, and
processor order (memory_limiter first, batch after samplers and
context-dependent processors). References, signals, connectors and order are
judged by otelgen.pipelinegraph, the checker the planner uses too (same
wording); lint adds what only a raw config can get wrong (service.extensions,
missing memory_limiter or batch, unused components)."""

from __future__ import annotations

from typing import Iterator

from otelgen import catalog, distributions, pipelinegraph
from otelgen.components import facts
from otelgen.lint.model import ComponentRef, ConfigTarget, Hit, defined, pipeline_list, pipelines, service_extensions, used_in_pipelines


def _names(config: dict, section: str) -> list[str]:
    value = config.get(section)
    return [str(k) for k in value] if isinstance(value, dict) else []


# ---------------------------------------------------------------- the graph (otelgen.pipelinegraph)


def _node(ref: ComponentRef, t: ConfigTarget) -> pipelinegraph.Node:
    """What lint knows of a defined component: the registry's facts, else the catalog's."""
    registry = ref.registry
    if ref.section == "connectors":
        if registry is not None:
            return pipelinegraph.Node(connects=tuple(registry.connects) or None)
        found = _catalog_facts(ref, t)
        pairs = None if found is None else tuple((a, b) for a, b in (s.split("_to_", 1) for s in found if "_to_" in s))
        return pipelinegraph.Node(connects=pairs)
    return pipelinegraph.Node(signals=_signals(ref, t), order=registry.order if registry is not None else None)


def graph(t: ConfigTarget) -> pipelinegraph.Graph:
    nodes = {(ref.section, ref.name): _node(ref, t) for ref in defined(t.data) if ref.section != "extensions"}
    lists = {name: {role: pipeline_list(p, role) for role in pipelinegraph.ROLES} for name, p in pipelines(t.data).items()}
    return pipelinegraph.Graph(lists, nodes)


def _hits(t: ConfigTarget, *checks: str) -> Iterator[Hit]:
    """The shared checker's findings of ``checks``, at their place in the config. Only
    processors listed twice are refused (the collector accepts a receiver or exporter twice)."""
    for f in pipelinegraph.check(graph(t), twice=("processors",)):
        if f.check in checks:
            yield Hit(("service", *f.where) if f.where[0] == "pipelines" else f.where, f.message, f.hint)


def undefined_reference(t: ConfigTarget) -> Iterator[Hit]:
    yield from _hits(t, pipelinegraph.UNDEFINED)
    known = _names(t.data, "extensions")
    for index, ref in enumerate(service_extensions(t.data)):
        if ref not in known:
            yield Hit(("service", "extensions", index), *pipelinegraph.undefined_extension(ref, sorted(known)))


def listed_twice(t: ConfigTarget) -> Iterator[Hit]:
    yield from _hits(t, pipelinegraph.LISTED_TWICE)


def signal_mismatch(t: ConfigTarget) -> Iterator[Hit]:
    yield from _hits(t, pipelinegraph.SIGNAL, pipelinegraph.CONNECTOR_SIGNALS)


def connector_one_side(t: ConfigTarget) -> Iterator[Hit]:
    yield from _hits(t, pipelinegraph.CONNECTOR_ONE_SIDE)


def memory_limiter_not_first(t: ConfigTarget) -> Iterator[Hit]:
    yield from _hits(t, pipelinegraph.ORDER_FIRST)


def batch_order(t: ConfigTarget) -> Iterator[Hit]:
    yield from _hits(t, pipelinegraph.ORDER_BATCH)


def unused_component(t: ConfigTarget) -> Iterator[Hit]:
    used = used_in_pipelines(t.data)
    enabled = set(service_extensions(t.data))
    referenced = _extension_references(t.data)
    for ref in defined(t.data):
        if ref.section == "extensions":
            if ref.name not in enabled and ref.name not in referenced:
                yield Hit(ref.path, f"extension {ref.name!r} is defined but not listed in service.extensions, so it never starts", f"add {ref.name!r} to service.extensions or delete it")
        elif ref.name not in used:
            yield Hit(ref.path, f"{ref.kind} {ref.name!r} is defined but used by no pipeline, so the collector ignores it", f"add it to a pipeline under service.pipelines or delete it")


def _extension_references(config: dict) -> set[str]:
    """Extension names other components point at (storage, auth, leader election)."""
    found: set[str] = set()
    names = set(_names(config, "extensions"))

    def walk(value: object, depth: int = 0) -> None:
        if depth > 32:
            return
        if isinstance(value, dict):
            for k, v in value.items():
                if k in facts.EXTENSION_REFERENCE_KEYS and isinstance(v, (str, list)):
                    found.update(x for x in ([v] if isinstance(v, str) else v) if x in names)
                walk(v, depth + 1)
        elif isinstance(value, list):
            for v in value:
                walk(v, depth + 1)

    for section in ("receivers", "processors", "exporters", "connectors", "extensions"):
        walk(config.get(section))
    return found


def _catalog_facts(ref: ComponentRef, t: ConfigTarget) -> tuple[str, ...] | None:
    """A component otelgen does not model: its signals from the catalog, in the image's
    distribution at the target version (None: not known, nothing concluded)."""
    if ref.registry is not None or t.distribution is None:
        return None
    if not distributions.contains(ref.kind, ref.type_name, t.version, t.distribution):
        return None
    return catalog.signals(ref.kind, ref.type_name, distributions.catalog_name(t.distribution), t.version)


def _signals(ref: ComponentRef, t: ConfigTarget) -> tuple[str, ...] | None:
    if ref.registry is not None:
        return tuple(ref.registry.signals)
    found = _catalog_facts(ref, t)
    if found is None or ref.section == "connectors":
        return None
    return tuple(s for s in pipelinegraph.SIGNALS if s in found)


# ---------------------------------------------------------------- processor order


def _order_classes(t: ConfigTarget, pipeline: dict) -> list[tuple[int, str, str | None]]:
    """(index, name, registry order class) of each processor of a pipeline."""
    by_name = {ref.name: ref for ref in defined(t.data) if ref.section == "processors"}
    out = []
    for index, name in enumerate(pipeline_list(pipeline, "processors")):
        ref = by_name.get(name)
        registry = ref.registry if ref else None
        out.append((index, name, registry.order if registry else None))
    return out


def _limiter_settings() -> str:
    """otelgen's memory_limiter settings (docs/memory.md), as ``key: value`` text."""
    from otelgen import sizing
    from otelgen.spec.model import MemoryTuning

    return ", ".join(f"{k}: {v}" for k, v in sizing.memory_limiter_settings(MemoryTuning()).items())


def memory_limiter_missing(t: ConfigTarget) -> Iterator[Hit]:
    for name, pipeline in pipelines(t.data).items():
        if not any(order == "first" for _, _, order in _order_classes(t, pipeline)):
            yield Hit(("service", "pipelines", name), f"pipeline {name} has no memory_limiter: under load the collector grows until the OOM killer restarts it", f"define memory_limiter ({_limiter_settings()}) and put it first in processors")


def _exporter_batches(config: dict, name: str) -> bool:
    """Whether the exporter batches itself (``sending_queue.batch``, exporterhelper ≥ 0.130)."""
    exporter = (config.get("exporters") or {}).get(name) if isinstance(config.get("exporters"), dict) else None
    queue = exporter.get("sending_queue") if isinstance(exporter, dict) else None
    return isinstance(queue, dict) and queue.get("batch") is not None


def batch_missing(t: ConfigTarget) -> Iterator[Hit]:
    for name, pipeline in pipelines(t.data).items():
        exporters = pipeline_list(pipeline, "exporters")
        if exporters and all(_exporter_batches(t.data, e) for e in exporters):
            continue
        if not any(order == "batch" for _, _, order in _order_classes(t, pipeline)):
            yield Hit(("service", "pipelines", name, "processors"), f"pipeline {name} has no batch processor: every request is exported on its own", "define batch and put it last in processors")
