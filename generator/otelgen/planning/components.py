"""Step 3: every component instance of the completed sections, typed by its
registry model (or checked against the catalog when otelgen does not model it),
with what spec.declarations adds."""

from __future__ import annotations

from typing import Any, Callable

from pydantic import ValidationError

from otelgen import catalog, components, distributions, modes
from otelgen.components import unmodelled
from otelgen.components.base import Context, Egress, Mount, Needs, Port, RbacRule
from otelgen.errors import Collector, Problem, error, warning
from otelgen.planning.model import CLIENT_CA_DIR, NAME, POD_IP, SECTIONS, SERVER_TLS_DIR, Instance
from otelgen.spec.load import pydantic_problems
from otelgen.spec.model import Spec
from otelgen.suggest import did_you_mean

Key = tuple[str, str]  # (section, name)


def contexts(spec: Spec, name: str, namespace: str, leader_election: str | None, self_scraper: str | None = None) -> Callable[[str], Context]:
    """The rendering context of each component instance (by its spec name);
    ``self_scraper``: the one receiver that scrapes the collector's own metrics."""
    server_tls = None
    if spec.tls is not None:
        server_tls = {"cert_file": f"{SERVER_TLS_DIR}/tls.crt", "key_file": f"{SERVER_TLS_DIR}/tls.key"}
        if spec.tls.client_ca is not None:
            server_tls["client_ca_file"] = f"{CLIENT_CA_DIR}/ca.crt"

    def context(instance: str) -> Context:
        return Context(
            mode=spec.mode,
            collector_version=spec.collector_version,
            instance=instance,
            bind_host="localhost" if modes.traits(spec.mode).bind_localhost else POD_IP,
            pod_host=POD_IP,
            server_tls=dict(server_tls) if server_tls is not None else None,
            leader_election=leader_election,
            namespace=namespace,
            name=name,
            telemetry_port=spec.telemetry.metrics_port,
            self_scrape=instance == self_scraper,
        )

    return context


def parse(spec: Spec, sections: dict[str, dict], context: Callable[[str], Context]) -> tuple[dict[Key, Instance], list[Problem]]:
    """An :class:`Instance` per well-formed component of ``sections``, and the problems of the others."""
    problems = Collector()
    parsed: dict[Key, Instance] = {}
    for section in SECTIONS:
        kind = components.SECTIONS[section]
        for name, raw in sections[section].items():
            inst = _parse_one(spec, section, kind, name, raw or {}, context, problems)
            if inst is not None:
                parsed[(section, name)] = inst
    for section, entries in sorted(spec.declarations.items()):
        for name, declaration in sorted(entries.items()):
            if name not in sections[section]:
                defined = sorted(sections[section])
                problems.add(error("E010", ["spec", "declarations", section, name], f"declarations for {name!r}, which is not defined under spec.{section}", f"defined: {', '.join(defined) or 'none'}{did_you_mean(name, defined, before='; ')}"))
            elif (section, name) in parsed:
                declare(parsed[(section, name)].declared, declaration, name)
    return parsed, problems.problems


def _parse_one(spec: Spec, section: str, kind: str, name: str, raw: Any, context: Callable[[str], Context], problems: Collector) -> Instance | None:
    path = ["spec", section, name]
    match = NAME.match(name)
    if not match:
        problems.add(error("E017", path, f"{name!r} is not a component name", "type[/name], e.g. otlp or otlp/backend (type: lowercase letters, digits, '_')"))
        return None
    type_name = match[1]
    if not isinstance(raw, dict):
        problems.add(error("E004", path, f"expected a mapping of settings, got {type(raw).__name__}", "use {} for the defaults"))
        return None
    comp = components.lookup(kind, type_name)
    if comp is None:
        return _unknown(spec, section, kind, name, type_name, raw, path, context, problems)
    try:
        config = comp.config_model.model_validate(raw, context={"collector_version": spec.collector_version})
    except ValidationError as exc:
        problems.extend(pydantic_problems(exc, tuple(path), comp.config_model))
        return None
    for sub, message, hint in config.deprecations():
        problems.add(warning("W104", [*path, *sub], message, hint))
    return Instance(section, name, type_name, comp(config, context(name)), raw)


def _unknown(spec: Spec, section: str, kind: str, name: str, type_name: str, raw: dict, path: list, context: Callable[[str], Context], problems: Collector) -> Instance | None:
    known = components.known_names(kind)  # type: ignore[arg-type]
    dist, version = spec.distribution, spec.collector_version
    cat_dist = distributions.catalog_name(dist)
    if dist != "custom" and not distributions.contains(kind, type_name, version, dist):
        in_contrib = dist != "contrib" and distributions.contains(kind, type_name, version, "contrib")
        options = sorted(set(known) | distributions.names(kind, dist, version))
        hint = "set distribution: contrib (the otelcol-contrib image has it)" if in_contrib else "set distribution: custom with your own image"
        problems.add(error("E016", path, f"{kind} type {type_name!r} is not in the {cat_dist} image", f"use a component the image has{did_you_mean(type_name, options, before='; ')}, or {hint}"))
        return None
    if dist != "custom":
        schema = catalog.schema_for(kind, type_name, cat_dist, version)
        if schema is not None:
            found = catalog.check(raw, schema, catalog.data()["schemas"], path, catalog.loose_paths(kind, type_name, cat_dist, version))
            for p in found:
                problems.add(error("E030", p.path, f"{kind} {type_name!r}: {p.message}", p.hint))
            if found:
                return None
    config, wired = unmodelled.wire(kind, type_name, raw, context(name))
    signals = None
    if dist != "custom":
        signals = catalog.signals(kind, type_name, cat_dist, version)
    if not wired.ports and name not in spec.declarations.get(section, {}):
        checks = "without port or RBAC checks" if signals is not None else "without port, RBAC or signal checks"
        problems.add(warning("W102", path, f"{kind} type {type_name!r} is not modelled by otelgen: passed through as written, {checks}", f"declare the ports, RBAC, egress and volumes it needs under spec.declarations.{section}.{name}"))
    return Instance(section, name, type_name, None, config, wired, signals)


def declare(needs: Needs, declaration: Any, instance: str) -> None:
    """Add what the spec declares for one component to its needs."""
    needs.ports.extend(Port(p.name, p.port, p.protocol, None, service=p.service, ingress=p.service) for p in declaration.ports)
    needs.rbac.extend(RbacRule(tuple(r.api_groups), tuple(r.resources), tuple(r.verbs), namespaced=r.namespaced) for r in declaration.rbac)
    needs.egress.extend(Egress(e.port, e.protocol, f"exporter {instance}") for e in declaration.egress)
    needs.mounts.extend(Mount(name=v.name, mount_path=v.mount_path, read_only=v.read_only, host_path=v.host_path, host_path_type="Directory" if v.host_path else None, empty_dir_mib=v.empty_dir_mib) for v in declaration.volumes)
