"""The pipeline graph: references, unused components, signals, connectors, and
processor order (memory_limiter first, batch after samplers and
context-dependent processors)."""

from __future__ import annotations

from typing import Iterator

from otelgen import catalog, distributions
from otelgen.suggest import did_you_mean
from otelgen.lint.model import ComponentRef, ConfigTarget, Hit, defined, pipeline_list, pipelines, service_extensions, signal_of, used_in_pipelines

ROLES = {"receivers": ("receivers", "connectors"), "processors": ("processors",), "exporters": ("exporters", "connectors")}


def _names(config: dict, section: str) -> list[str]:
    value = config.get(section)
    return [str(k) for k in value] if isinstance(value, dict) else []


def _did_you_mean(word: str, options: list[str]) -> str:
    return did_you_mean(word, options, after=" ")


def undefined_reference(t: ConfigTarget) -> Iterator[Hit]:
    config = t.data
    for name, pipeline in pipelines(config).items():
        for role, sections in ROLES.items():
            known = [n for s in sections for n in _names(config, s)]
            for index, ref in enumerate(pipeline_list(pipeline, role)):
                if ref not in known:
                    yield Hit(("service", "pipelines", name, role, index), f"pipeline {name} uses {role[:-1]} {ref!r}, which is not defined under {' or '.join(sections)}", f"{_did_you_mean(ref, known)}define it or remove it from the pipeline")
    known = _names(config, "extensions")
    for index, ref in enumerate(service_extensions(config)):
        if ref not in known:
            yield Hit(("service", "extensions", index), f"service.extensions lists {ref!r}, which is not defined under extensions", f"{_did_you_mean(ref, known)}define it or remove it")


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
                if k in ("storage", "authenticator", "k8s_leader_elector", "observer", "watch_observers") and isinstance(v, (str, list)):
                    found.update(x for x in ([v] if isinstance(v, str) else v) if x in names)
                walk(v, depth + 1)
        elif isinstance(value, list):
            for v in value:
                walk(v, depth + 1)

    for section in ("receivers", "processors", "exporters", "connectors", "extensions"):
        walk(config.get(section))
    return found


def signal_mismatch(t: ConfigTarget) -> Iterator[Hit]:
    config = t.data
    by_name = {(ref.section, ref.name): ref for ref in defined(config)}
    for name, pipeline in pipelines(config).items():
        signal = signal_of(name)
        for role, sections in ROLES.items():
            for index, used in enumerate(pipeline_list(pipeline, role)):
                ref = by_name.get((sections[0], used))
                handled = _signals(ref, t) if ref is not None else None
                if handled is None:
                    continue
                if signal not in handled:
                    yield Hit(("service", "pipelines", name, role, index), f"{ref.kind} {used!r} does not support {signal} (it handles {', '.join(handled)})", f"move it to a {' or '.join(handled)} pipeline")
    yield from _connector_signals(t)
    yield from _catalog_connector_signals(t)


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
    return tuple(s for s in ("traces", "metrics", "logs", "profiles") if s in found)


def _catalog_connector_signals(t: ConfigTarget) -> Iterator[Hit]:
    """Unmodelled connectors, judged as the collector judges them: every signal it takes
    must reach one it produces in some pipeline, and every signal it produces must come
    from one it takes."""
    for ref in defined(t.data):
        if ref.section != "connectors":
            continue
        found = _catalog_facts(ref, t)
        if found is None:
            continue
        pairs = [tuple(s.split("_to_", 1)) for s in found if "_to_" in s]
        allowed = ", ".join(f"{a}→{b}" for a, b in pairs)
        sources, sinks = _connector_uses(t.data, ref.name)
        if not sources or not sinks:
            continue  # OTG103
        into = {signal_of(p) for p, _ in sinks}
        out_of = {signal_of(p) for p, _ in sources}
        for source, index in sources:
            if not any((signal_of(source), b) in pairs for b in into):
                yield Hit(("service", "pipelines", source, "exporters", index), f"connector {ref.name!r} cannot take {signal_of(source)} to {', '.join(sorted(into))} (pipeline {source})", f"it supports {allowed}")
        for sink, index in sinks:
            if not any((a, signal_of(sink)) in pairs for a in out_of):
                yield Hit(("service", "pipelines", sink, "receivers", index), f"connector {ref.name!r} cannot produce {signal_of(sink)} from {', '.join(sorted(out_of))} (pipeline {sink})", f"it supports {allowed}")


def _connector_uses(config: dict, connector: str) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """(pipelines exporting to it, pipelines receiving from it) with the index in the list."""
    as_exporter, as_receiver = [], []
    for name, pipeline in pipelines(config).items():
        for index, used in enumerate(pipeline_list(pipeline, "exporters")):
            if used == connector:
                as_exporter.append((name, index))
        for index, used in enumerate(pipeline_list(pipeline, "receivers")):
            if used == connector:
                as_receiver.append((name, index))
    return as_exporter, as_receiver


def _connector_signals(t: ConfigTarget) -> Iterator[Hit]:
    for ref in defined(t.data):
        if ref.section != "connectors" or ref.registry is None or not ref.registry.connects:
            continue
        sources, sinks = _connector_uses(t.data, ref.name)
        for source, index in sources:
            for sink, _ in sinks:
                pair = (signal_of(source), signal_of(sink))
                if pair not in ref.registry.connects:
                    allowed = ", ".join(f"{a}→{b}" for a, b in ref.registry.connects)
                    yield Hit(("service", "pipelines", source, "exporters", index), f"connector {ref.name!r} cannot connect {pair[0]} to {pair[1]} (pipeline {source} → {sink})", f"it supports {allowed}")


def connector_one_side(t: ConfigTarget) -> Iterator[Hit]:
    for ref in defined(t.data):
        if ref.section != "connectors":
            continue
        sources, sinks = _connector_uses(t.data, ref.name)
        if sources and not sinks:
            yield Hit(ref.path, f"connector {ref.name!r} is an exporter of {', '.join(p for p, _ in sources)} but no pipeline receives from it", f"add {ref.name!r} to the receivers of the pipeline that should get its output")
        elif sinks and not sources:
            yield Hit(ref.path, f"connector {ref.name!r} is a receiver of {', '.join(p for p, _ in sinks)} but no pipeline exports to it", f"add {ref.name!r} to the exporters of the pipeline that feeds it")


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


def memory_limiter_not_first(t: ConfigTarget) -> Iterator[Hit]:
    for name, pipeline in pipelines(t.data).items():
        for index, proc, order in _order_classes(t, pipeline):
            if order == "first" and index != 0:
                yield Hit(("service", "pipelines", name, "processors", index), f"{proc} is processor #{index + 1} of pipeline {name}: data is already held by the processors before it when it refuses", f"move {proc} to the front of the processors list")


def batch_order(t: ConfigTarget) -> Iterator[Hit]:
    for name, pipeline in pipelines(t.data).items():
        classes = _order_classes(t, pipeline)
        batches = [index for index, _, order in classes if order == "batch"]
        if not batches:
            continue
        for index, proc, order in classes:
            if order == "before_batch" and index > batches[0]:
                batch_name = classes[batches[0]][1]
                yield Hit(("service", "pipelines", name, "processors", index), f"{proc} runs after {batch_name} in pipeline {name}: batching drops the request context (k8s_attributes cannot find the pod) and splits traces (samplers decide on fragments)", f"move {batch_name} after {proc}")


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
