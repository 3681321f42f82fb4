"""From a validated spec to a Plan: every component instance resolved and
checked, pipelines completed and ordered, and the components' declarations
(ports, RBAC, env, volumes, egress) collected for the manifest builders."""

from __future__ import annotations

import difflib
import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from otelgen import catalog, components, distributions, presets, sizing
from otelgen.components import unmodelled
from otelgen.components.base import ENV_PREFIX, Component, Context, Egress, Mount, Needs, Port, RbacRule, deep_merge
from otelgen.errors import Collector, Problem, error, warning
from otelgen.spec.load import pydantic_problems
from otelgen.spec.model import CollectorDocument, Spec

_NAME = re.compile(r"^([a-z][a-z0-9_]*)(?:/([A-Za-z0-9_.-]+))?$")
POD_IP = "${env:MY_POD_IP}"
SERVER_TLS_DIR = "/etc/otelcol/tls/server"
CLIENT_CA_DIR = "/etc/otelcol/tls/client-ca"
TELEMETRY_PORT = "metrics"  # name of the collector's own metrics port
SECTIONS = tuple(components.SECTIONS)
#: hostPaths a component may write to (and below them); anything else is a W120 warning
WRITABLE_HOST_PATHS = ("/var/lib/otelcol",)


@dataclass
class Instance:
    section: str  # "receivers"
    name: str  # spec name, "otlp/backend"
    type_name: str  # as written, "otlp"
    component: Component | None  # None: unknown, passed through raw
    raw: dict[str, Any]
    #: what an unmodelled component's known listener or the spec's declarations add
    declared: Needs = field(default_factory=Needs)
    #: an unmodelled component's signals from the catalog (connectors: "from_to" pairs);
    #: None: unknown, every signal allowed
    catalog_signals: tuple[str, ...] | None = None

    @property
    def suffix(self) -> str:
        return self.name.partition("/")[2]

    def rendered_id(self, version: str) -> str:
        base = type(self.component).type_name(version) if self.component else self.type_name
        return f"{base}/{self.suffix}" if self.suffix else base

    def config(self) -> dict[str, Any]:
        return self.component.rendered_config() if self.component else dict(self.raw)

    def needs(self) -> Needs:
        own = self.component.needs() if self.component else Needs()
        d = self.declared
        return Needs(ports=own.ports + d.ports, rbac=own.rbac + d.rbac, env=own.env, mounts=own.mounts + d.mounts, egress=own.egress + d.egress, kubelet=own.kubelet, single_writer=own.single_writer, scrape_pods=own.scrape_pods)

    @property
    def signals(self) -> tuple[str, ...]:
        if self.component:
            return type(self.component).signals
        if self.catalog_signals is not None and self.section != "connectors":
            return tuple(s for s in ("traces", "metrics", "logs", "profiles") if s in self.catalog_signals)
        return ("traces", "metrics", "logs")

    @property
    def connects(self) -> tuple[tuple[str, str], ...] | None:
        """A connector's (from, to) signal pairs; None: unknown."""
        if self.component:
            return tuple(type(self.component).connects)
        if self.catalog_signals is None or self.section != "connectors":
            return None
        pairs = (s.split("_to_", 1) for s in self.catalog_signals if "_to_" in s)
        return tuple((a, b) for a, b in pairs)


@dataclass
class Plan:
    doc: CollectorDocument
    spec: Spec
    instances: dict[tuple[str, str], Instance]
    pipelines: dict[str, dict[str, list[str]]]
    needs: Needs
    sizing: sizing.Sizing
    gomemlimit: str | None
    warnings: list[Problem] = field(default_factory=list)
    server_tls: bool = False
    leader_election: str | None = None

    @property
    def mode(self) -> str:
        return self.spec.mode

    @property
    def name(self) -> str:
        return self.doc.metadata.name

    @property
    def namespace(self) -> str:
        return self.doc.metadata.namespace

    @property
    def version(self) -> str:
        return self.spec.collector_version

    def used(self, section: str) -> list[Instance]:
        return [inst for (sec, _), inst in self.instances.items() if sec == section]

    def service_ports(self) -> list[Port]:
        return [p for p in self.needs.ports if p.service]

    @property
    def needs_api(self) -> bool:
        return bool(self.needs.rbac)


def _signal(pipeline: str) -> str:
    return pipeline.split("/", 1)[0]


def _did_you_mean(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.5)
    return f"; did you mean {close[0]!r}?" if close else ""


class Planner:
    def __init__(self, doc: CollectorDocument) -> None:
        self.doc = doc
        self.problems = Collector()
        self.name = doc.metadata.name
        self.namespace = doc.metadata.namespace

    # ------------------------------------------------------------ entry

    def plan(self) -> Plan:
        spec, preset_problems = presets.apply(self.doc.spec, self.name, self.namespace)
        self.problems.extend(preset_problems)
        self.spec = spec
        self.sizing = self._sizing()
        pipelines = {name: p.model_dump() for name, p in spec.pipelines.items()}
        sections = {sec: dict(getattr(spec, sec)) for sec in SECTIONS}
        self._auto_insert(pipelines, sections)
        sections["extensions"].setdefault("health_check", {})
        self.leader_election = self._leader_election(sections, pipelines)
        self.self_scraper = self._self_scraper(sections, pipelines)
        self.problems.raise_if_errors()

        parsed = self._parse_all(sections)
        self.problems.raise_if_errors()
        self._check_references(parsed, pipelines)
        self._check_component_keys(sections)
        self._check_order(parsed, pipelines)
        used = self._used(parsed, pipelines)
        self._check_extension_refs(parsed, used)
        self.problems.raise_if_errors()

        needs = self._collect_needs(used)
        self._check_shared_scraping(used)
        self.problems.raise_if_errors()
        self._check_exposure(needs)
        memory_limit = self.sizing.memory_limit
        from otelgen.manifests import apivalidation

        if memory_limit and apivalidation.memory_problem(memory_limit):
            gomemlimit = None  # refused below (E060); GOMEMLIMIT of an absurd limit may not even fit an int64
        else:
            gomemlimit = sizing.gomemlimit(memory_limit, spec.memory) if memory_limit else None
        plan = Plan(self.doc, spec, used, pipelines, needs, self.sizing, gomemlimit, self.problems.warnings, spec.tls is not None, self.leader_election)
        self.problems.extend(apivalidation.spec_problems(plan))  # what the API server would refuse, with spec paths
        self.problems.raise_if_errors()
        return plan

    # ------------------------------------------------------------ sizing

    def _sizing(self) -> sizing.Sizing:
        resolved = sizing.resolve(self.spec.resources, self.spec.mode)
        if not resolved.memory_limit and not self.spec.resources.allow_no_memory_limit:
            self.problems.add(error("E018", ["spec", "resources", "limits", "memory"], "no memory limit: memory_limiter and GOMEMLIMIT are derived from it, and without one the pod can use the whole node", "set resources.size (small|medium|large) or resources.limits.memory, or allowNoMemoryLimit: true"))
        return resolved

    # ------------------------------------------------------------ pipelines

    def _auto_insert(self, pipelines: dict[str, dict[str, list[str]]], sections: dict[str, dict]) -> None:
        defaults = self.spec.pipeline_defaults
        limiter = sizing.memory_limiter_settings(self.spec.memory)
        for name, pipeline in pipelines.items():
            procs = pipeline["processors"]
            types = [p.split("/")[0] for p in procs]
            if defaults.memory_limiter and "memory_limiter" not in types:
                procs.insert(0, "memory_limiter")
                sections["processors"].setdefault("memory_limiter", dict(limiter))
            if defaults.batch and "batch" not in types:
                procs.append("batch")
                sections["processors"].setdefault("batch", {})
        # a user-defined memory_limiter without limits gets the derived percentages
        for key, cfg in sections["processors"].items():
            if key.split("/")[0] == "memory_limiter":
                cfg = dict(cfg or {})
                if not any(k in cfg for k in ("limit_mib", "limit_percentage")):
                    cfg = {**limiter, **cfg}
                sections["processors"][key] = cfg

    def _leader_election(self, sections: dict[str, dict], pipelines: dict) -> str | None:
        single = []
        for rname in sorted(sections["receivers"]):  # sorted: key order in the input must not matter
            comp = components.lookup("receiver", rname.split("/")[0])
            if comp is not None and getattr(comp, "id", "") in ("k8s_cluster", "k8s_objects", "k8s_events"):
                if any(rname in p["receivers"] for p in pipelines.values()):
                    single.append(rname)
        if not single:
            return None
        if self.spec.mode == "sidecar":
            self.problems.add(error("E019", ["spec", "receivers", single[0]], f"{single[0]} must have one writer, but a sidecar runs once per app pod", "run it in the gateway"))
            return None
        several = self.spec.mode == "agent" or self.spec.scaling.replicas > 1 or self.spec.scaling.autoscaling.enabled
        existing = sorted(e for e in sections["extensions"] if e.split("/")[0] == "k8s_leader_elector")
        if existing:
            return existing[0]
        if several:
            sections["extensions"]["k8s_leader_elector"] = {}
            return "k8s_leader_elector"
        return None

    def _self_scraper(self, sections: dict[str, dict], pipelines: dict) -> str | None:
        """The one prometheus receiver that scrapes the collector's own metrics (each pod
        scrapes itself, once): the first used one, by name, with self_scrape on. None with
        the ServiceMonitor, where Prometheus is the one scraper (E070 when a receiver
        asks for it explicitly or would be left with nothing to scrape)."""
        used = {r for p in pipelines.values() for r in p["receivers"]}
        candidates = []
        for rname in sorted(sections["receivers"]):
            comp = components.lookup("receiver", rname.split("/")[0])
            raw = sections["receivers"][rname]
            raw = raw if isinstance(raw, dict) else {}
            if comp is not None and comp.id == "prometheus" and rname in used and raw.get("self_scrape", True) is not False:
                candidates.append(rname)
        monitor = self.spec.service_monitor.enabled and self.spec.mode != "sidecar"
        scraper = None if monitor or not candidates else candidates[0]
        by = "serviceMonitor has Prometheus scrape them" if monitor else f"{scraper} scrapes them"
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
                self.problems.add(error("E070", ["spec", "receivers", rname, "self_scrape"], f"the collector's own metrics would be scraped twice: {by}, and {rname} {why}", hint))
        return scraper

    # ------------------------------------------------------------ components

    def _parse_all(self, sections: dict[str, dict]) -> dict[tuple[str, str], Instance]:
        parsed: dict[tuple[str, str], Instance] = {}
        for section in SECTIONS:
            kind = components.SECTIONS[section]
            for name, raw in sections[section].items():
                inst = self._parse_one(section, kind, name, raw or {})
                if inst is not None:
                    parsed[(section, name)] = inst
        for section, entries in sorted(self.spec.declarations.items()):
            for name, declaration in sorted(entries.items()):
                if name not in sections[section]:
                    self.problems.add(error("E010", ["spec", "declarations", section, name], f"declarations for {name!r}, which is not defined under spec.{section}", f"defined: {', '.join(sorted(sections[section])) or 'none'}{_did_you_mean(name, sorted(sections[section]))}"))
                elif (section, name) in parsed:
                    _declare(parsed[(section, name)].declared, declaration, name)
        return parsed

    def _parse_one(self, section: str, kind: str, name: str, raw: Any) -> Instance | None:
        path = ["spec", section, name]
        match = _NAME.match(name)
        if not match:
            self.problems.add(error("E017", path, f"{name!r} is not a component name", "type[/name], e.g. otlp or otlp/backend (type: lowercase letters, digits, '_')"))
            return None
        type_name = match[1]
        if not isinstance(raw, dict):
            self.problems.add(error("E004", path, f"expected a mapping of settings, got {type(raw).__name__}", "use {} for the defaults"))
            return None
        comp = components.lookup(kind, type_name)
        if comp is None:
            return self._unknown(section, kind, name, type_name, raw, path)
        ctx = self._context(name)
        try:
            config = comp.config_model.model_validate(raw, context={"collector_version": self.spec.collector_version})
        except ValidationError as exc:
            self.problems.extend(pydantic_problems(exc, tuple(path), comp.config_model))
            return None
        for sub, message, hint in config.deprecations():
            self.problems.add(warning("W104", [*path, *sub], message, hint))
        return Instance(section, name, type_name, comp(config, ctx), raw)

    def _unknown(self, section: str, kind: str, name: str, type_name: str, raw: dict, path: list) -> Instance | None:
        known = components.known_names(kind)  # type: ignore[arg-type]
        dist, version = self.spec.distribution, self.spec.collector_version
        cat_dist = distributions.catalog_name(dist)
        if dist != "custom" and not distributions.contains(kind, type_name, version, dist):
            in_contrib = dist != "contrib" and distributions.contains(kind, type_name, version, "contrib")
            options = sorted(set(known) | distributions.names(kind, dist, version))
            hint = "set distribution: contrib (the otelcol-contrib image has it)" if in_contrib else "set distribution: custom with your own image"
            self.problems.add(error("E016", path, f"{kind} type {type_name!r} is not in the {cat_dist} image", f"use a component the image has{_did_you_mean(type_name, options)}, or {hint}"))
            return None
        if dist != "custom":
            schema = catalog.schema_for(kind, type_name, cat_dist, version)
            if schema is not None:
                problems = catalog.check(raw, schema, catalog.data()["schemas"], path, catalog.loose_paths(kind, type_name, cat_dist, version))
                for p in problems:
                    self.problems.add(error("E030", p.path, f"{kind} {type_name!r}: {p.message}", p.hint))
                if problems:
                    return None
        config, wired = unmodelled.wire(kind, type_name, raw, self._context(name))
        signals = None
        if dist != "custom":
            signals = catalog.signals(kind, type_name, cat_dist, version)
        if not wired.ports and name not in self.spec.declarations.get(section, {}):
            checks = "without port or RBAC checks" if signals is not None else "without port, RBAC or signal checks"
            self.problems.add(warning("W102", path, f"{kind} type {type_name!r} is not modelled by otelgen: passed through as written, {checks}", f"declare the ports, RBAC, egress and volumes it needs under spec.declarations.{section}.{name}"))
        return Instance(section, name, type_name, None, config, wired, signals)

    def _context(self, name: str) -> Context:
        spec = self.spec
        server_tls = None
        if spec.tls is not None:
            server_tls = {"cert_file": f"{SERVER_TLS_DIR}/tls.crt", "key_file": f"{SERVER_TLS_DIR}/tls.key"}
            if spec.tls.client_ca is not None:
                server_tls["client_ca_file"] = f"{CLIENT_CA_DIR}/ca.crt"
        return Context(
            mode=spec.mode,
            collector_version=spec.collector_version,
            instance=name,
            bind_host="localhost" if spec.mode == "sidecar" else POD_IP,
            pod_host=POD_IP,
            server_tls=server_tls,
            leader_election=self.leader_election,
            namespace=self.namespace,
            name=self.name,
            metrics_port=spec.telemetry.metrics_port,
            self_scrape=name == self.self_scraper,
        )

    # ------------------------------------------------------------ checks

    def _check_references(self, parsed: dict[tuple[str, str], Instance], pipelines: dict) -> None:
        connectors = {n for (s, n) in parsed if s == "connectors"}
        as_exporter: dict[str, set[str]] = {}
        as_receiver: dict[str, set[str]] = {}
        for pname, pipeline in pipelines.items():
            signal = _signal(pname)
            for role, section in (("receivers", "receivers"), ("processors", "processors"), ("exporters", "exporters")):
                seen = set()
                for i, ref in enumerate(pipeline[role]):
                    path = ["spec", "pipelines", pname, role, i]
                    if ref in seen:
                        self.problems.add(error("E010", path, f"{ref!r} is listed twice in this pipeline", "list each component once"))
                    seen.add(ref)
                    if role != "processors" and ref in connectors:
                        (as_receiver if role == "receivers" else as_exporter).setdefault(ref, set()).add(signal)
                        continue
                    inst = parsed.get((section, ref))
                    if inst is None:
                        defined = sorted(n for (s, n) in parsed if s == section) + (sorted(connectors) if role != "processors" else [])
                        self.problems.add(error("E010", path, f"{ref!r} is not defined under spec.{section}{' or spec.connectors' if role != 'processors' else ''}", f"defined: {', '.join(defined) or 'none'}{_did_you_mean(ref, defined)}"))
                        continue
                    if signal not in inst.signals:
                        self.problems.add(error("E011", path, f"{ref} does not support {signal} (it handles {', '.join(inst.signals)})", f"move it to a {' or '.join(inst.signals)} pipeline"))
                    elif inst.component is not None and (why := inst.component.config.signal_problem(signal)):
                        self.problems.add(error("E011", path, f"{ref}: {why}", f"set it, or move {ref} to a pipeline it has an endpoint for"))
        for name in sorted(connectors):
            inst = parsed[("connectors", name)]
            out_sigs, in_sigs = as_exporter.get(name, set()), as_receiver.get(name, set())
            if not out_sigs and not in_sigs:
                continue  # unused: reported later
            path = ["spec", "connectors", name]
            if not out_sigs or not in_sigs:
                missing = "exporter" if not out_sigs else "receiver"
                self.problems.add(error("E012", path, f"connector {name} is used only as a {'receiver' if missing == 'exporter' else 'exporter'}", f"list it as an {missing} of another pipeline too"))
                continue
            pairs = inst.connects
            if pairs is None:
                continue
            for s in sorted(out_sigs):
                if not any((s, t) in pairs for t in in_sigs):
                    self.problems.add(error("E011", path, f"connector {name} cannot take {s} to {', '.join(sorted(in_sigs))}", f"it connects {', '.join(f'{a}->{b}' for a, b in pairs)}"))
            for t in sorted(in_sigs):
                if not any((s, t) in pairs for s in out_sigs):
                    self.problems.add(error("E011", path, f"connector {name} cannot produce {t} from {', '.join(sorted(out_sigs))}", f"it connects {', '.join(f'{a}->{b}' for a, b in pairs)}"))
            if inst.component is None:
                continue
            refs = getattr(inst.component.config, "pipeline_refs", lambda: [])()
            for sub, target in refs:
                if target not in pipelines:
                    self.problems.add(error("E010", path + list(sub), f"pipeline {target!r} does not exist", f"pipelines: {', '.join(sorted(pipelines))}{_did_you_mean(target, sorted(pipelines))}"))
                elif name not in pipelines[target]["receivers"]:
                    self.problems.add(error("E012", path + list(sub), f"pipeline {target!r} does not receive from {name}", f"add {name} to spec.pipelines.{target}.receivers"))

    def _check_derived_overrides(self, component: Component, path: list) -> None:
        """E031: ``extra`` replacing what otelgen derived (a listening endpoint, a Secret reference):
        the Service/NetworkPolicy would keep the old port, the secretRef would be silently dropped."""
        def walk(base: Any, extra: dict, at: list) -> None:
            for key in sorted(extra, key=str):
                if not isinstance(base, dict) or key not in base:
                    continue
                if isinstance(base[key], dict) and isinstance(extra[key], dict):
                    walk(base[key], extra[key], [*at, key])
                    continue
                why = _derived(base[key], key, component.ctx)
                if why:
                    self.problems.add(error("E031", [*at, key], f"extra replaces {why}", "set it with the component's typed fields (e.g. port:, protocols.grpc.port:, headers/token as {secretRef: ...}); extra is for settings otelgen does not derive"))
        walk(component.build(), component.config.extra, path)

    def _check_risky(self, section: str, name: str, needs: Needs) -> None:
        """Warnings for legal but risky declarations: writable hostPaths outside the allow-list,
        RBAC on every resource or on Secrets."""
        path = ["spec", section, name]
        for mount in needs.mounts:
            if mount.host_path and not mount.read_only and not _allowed_host_path(mount.host_path):
                self.problems.add(warning("W120", path, f"writable hostPath {mount.host_path} is outside the allow-list ({', '.join(WRITABLE_HOST_PATHS)}): the collector could change the node's files there", f"keep state under {WRITABLE_HOST_PATHS[0]}/<name>, or use an emptyDir (leave host_path unset)"))
        for rule in needs.rbac:
            if "*" in rule.resources or "*" in rule.api_groups or "*" in rule.verbs:
                self.problems.add(warning("W121", path, f"RBAC on every resource ({'/'.join(rule.api_groups) or 'core'}: {', '.join(rule.resources)}): this includes Secrets, the whole cluster's credentials", "list the resources it needs by name"))
            elif "secrets" in rule.resources:
                self.problems.add(warning("W121", path, "RBAC to read Secrets: the collector could read every credential in scope and ship it as telemetry", "watch other resources, or restrict namespaces"))

    def _check_shared_scraping(self, used: dict[tuple[str, str], Instance]) -> None:
        """W130: a prometheus receiver whose jobs reach the same targets from every copy of
        the collector (several replicas, an HPA, a DaemonSet, sidecars), without a target
        allocator: each target scraped once per copy (lint: OTG042)."""
        from otelgen import scraping

        spec = self.spec
        copies = {"agent": "every agent of the DaemonSet", "sidecar": "every sidecar"}.get(spec.mode)
        if spec.mode == "gateway" and (spec.scaling.replicas > 1 or spec.scaling.autoscaling.enabled):
            copies = "every replica (autoscaled)" if spec.scaling.autoscaling.enabled else f"each of the {spec.scaling.replicas} replicas"
        if copies is None:
            return
        for (section, name), inst in sorted(used.items()):
            if section != "receivers" or inst.component is None or inst.component.id != "prometheus":
                continue
            if inst.config().get("target_allocator"):
                continue
            for at, job in scraping.jobs(inst.raw):  # the spec's jobs (not the self-scrape job), at their spec paths
                if scraping.shared(job):
                    path = ["spec", "receivers", name, *at]
                    if name == scraping.RECEIVER and spec.presets.prometheus_scraping.enabled:
                        path = ["spec", "presets", "prometheusScraping", "scrapeConfigs"]
                    self.problems.add(warning("W130", path, f"{name} job {job.get('job_name')!r} is scraped by {copies}: without a target allocator each target is scraped once per copy (duplicate series)", "share the targets with a target allocator (presets.prometheusScraping.strategy: target-allocator), run the job in one replica, or in agents discover only the node's pods (strategy: node-local)"))

    def _check_exposure(self, needs: Needs) -> None:
        """W122: a Service published outside the cluster, with the metrics port and a
        default-deny policy that admits only in-cluster peers."""
        service = self.spec.service
        if self.spec.mode == "sidecar" or service.type == "ClusterIP":
            return
        np = self.spec.network_policy
        path = ["spec", "service", "type"]
        if any(p.name == TELEMETRY_PORT and p.service for p in needs.ports):
            self.problems.add(warning("W122", path, f"a {service.type} Service publishes the collector's own metrics port ({self.spec.telemetry.metrics_port}) outside the cluster", "scrape it in-cluster (serviceMonitor or the -telemetry Service); publish only the receivers"))
        if np.enabled and not any(peer.ip_block for peer in np.ingress_from):
            self.problems.add(warning("W122", ["spec", "networkPolicy", "ingressFrom"], f"the {service.type} Service is reachable from outside, but the default-deny NetworkPolicy admits only in-cluster peers: outside clients are blocked", "add an ipBlock peer for the clients' addresses to networkPolicy.ingressFrom (and metricsFrom for scrapers)"))

    def _check_component_keys(self, sections: dict[str, dict]) -> None:
        """Mappings keyed by component names name defined components: an unknown key is an
        error, never ignored (a mistyped networkPolicy.exporterTo key would leave that
        exporter's egress open to any destination)."""
        exporters = sorted(sections["exporters"])
        for name in sorted(self.spec.network_policy.exporter_to):
            if name not in sections["exporters"]:
                self.problems.add(error("E010", ["spec", "networkPolicy", "exporterTo", name], f"{name!r} is not defined under spec.exporters", f"defined: {', '.join(exporters) or 'none'}{_did_you_mean(name, exporters)}"))

    def _check_order(self, parsed: dict[tuple[str, str], Instance], pipelines: dict) -> None:
        for pname, pipeline in pipelines.items():
            procs = pipeline["processors"]
            orders = []
            for ref in procs:
                inst = parsed.get(("processors", ref))
                orders.append(type(inst.component).order if inst and inst.component else None)
            for i, order in enumerate(orders):
                path = ["spec", "pipelines", pname, "processors", i]
                if order == "first" and i != 0:
                    self.problems.add(error("E013", path, f"{procs[i]} must be the first processor (it is at position {i})", "move memory_limiter to the front so it can refuse data before other processors spend memory"))
                if order == "batch":
                    late = [procs[j] for j in range(i + 1, len(procs)) if orders[j] == "before_batch"]
                    if late:
                        self.problems.add(error("E013", path, f"{procs[i]} runs before {', '.join(late)}", "put batch after samplers, filters and k8s_attributes (batching drops the request context they rely on)"))

    def _used(self, parsed: dict[tuple[str, str], Instance], pipelines: dict) -> dict[tuple[str, str], Instance]:
        referenced: set[tuple[str, str]] = set()
        connectors = {n for (s, n) in parsed if s == "connectors"}
        for pipeline in pipelines.values():
            for role in ("receivers", "processors", "exporters"):
                for ref in pipeline[role]:
                    section = "connectors" if role != "processors" and ref in connectors else role
                    referenced.add((section, ref))
        used = {}
        for key, inst in parsed.items():
            if key[0] == "extensions" or key in referenced:
                used[key] = inst
            else:
                self.problems.add(warning("W101", ["spec", key[0], key[1]], f"{key[1]} is defined but no pipeline uses it; it is left out of the rendered config", "add it to a pipeline or remove it"))
        return used

    def _check_extension_refs(self, parsed: dict, used: dict[tuple[str, str], Instance]) -> None:
        extensions = sorted(n for (s, n) in used if s == "extensions")
        for (section, name), inst in used.items():
            refs = list(inst.component.config.extension_refs()) if inst.component else []
            verbatim, at = (inst.component.config.extra, ("extra",)) if inst.component else (inst.raw, ())
            refs += [((*at, *sub), ext) for sub, ext in _verbatim_extension_refs(verbatim)]
            for sub, ext in refs:
                if ext not in extensions:
                    self.problems.add(error("E010", ["spec", section, name, *sub], f"extension {ext!r} is not defined under spec.extensions", f"defined: {', '.join(extensions) or 'none'}{_did_you_mean(ext, extensions)}"))

    # ------------------------------------------------------------ declarations

    def _check_mounts(self, mounts_by_component: list[tuple[str, str, list[Mount]]]) -> None:
        """E061: a component's volume at the same path as another, or at, inside or
        above a volume otelgen mounts (a file exporter writing under /conf): the API
        server refuses duplicate mountPaths, and a mount inside a read-only
        ConfigMap/Secret volume cannot be created. Input: (section, name, mounts) in
        planning order."""
        taken: dict[str, tuple[str, str]] = {}  # mount path → (mount name, owner)
        reserved = _reserved_mounts()
        for section, name, mounts in mounts_by_component:
            for mount in mounts:
                path = ["spec", section, name]
                where = mount.mount_path.rstrip("/") or "/"
                clash = next((what for fixed, what in reserved if _overlaps(where, fixed)), None)
                if clash is None and where == "/":
                    clash = "the container's root file system"
                if clash:
                    self.problems.add(error("E061", path, f"{name} needs a volume at {where}, which is at, inside or above {clash}", "choose a directory of its own, e.g. /var/lib/otelcol/" + name.replace("/", "-")))
                    continue
                owner = taken.get(where)
                if owner is not None and owner[0] != mount.name:
                    self.problems.add(error("E061", path, f"{name} needs a volume at {where}, where {owner[1]} already mounts one", "give each component its own directory"))
                    continue
                taken.setdefault(where, (mount.name, f"{section}.{name}"))

    def _collect_needs(self, used: dict[tuple[str, str], Instance]) -> Needs:
        total = Needs()
        port_owner: dict[tuple[int, str], str] = {}
        name_owner: dict[str, str] = {}
        telemetry = Port(TELEMETRY_PORT, self.spec.telemetry.metrics_port, "TCP", "http", service=True, ingress=False)
        declared: list[tuple[str, Port]] = []
        mounts_by_component: list[tuple[str, str, list[Mount]]] = []
        for (section, name), inst in sorted(used.items(), key=lambda kv: (SECTIONS.index(kv[0][0]), kv[0][1])):
            if inst.component is not None and inst.component.config.extra:
                self._check_derived_overrides(inst.component, ["spec", section, name, "extra"])
            needs = inst.needs()
            mounts_by_component.append((section, name, needs.mounts))
            self._check_risky(section, name, needs)
            declared.extend((f"{section}.{name}", p) for p in needs.ports)
            total.rbac.extend(needs.rbac)
            total.env.extend(needs.env)
            total.mounts.extend(needs.mounts)
            total.egress.extend(needs.egress)
            if self.spec.network_policy.enabled and any(e.port is None for e in needs.egress):
                self.problems.add(warning("W103", ["spec", section, name], f"the NetworkPolicy cannot tell which port {name} sends to (endpoint from an env var?), so no egress is allowed for it", "set egress_port on the exporter, or add a networkPolicy.egress rule"))
            total.kubelet = total.kubelet or needs.kubelet
            total.scrape_pods = total.scrape_pods or needs.scrape_pods
            total.single_writer = total.single_writer or needs.single_writer
        declared.append(("telemetry.metricsPort", telemetry))
        self._check_mounts(mounts_by_component)
        from otelgen.manifests.apivalidation import port_name_problem

        for owner, port in declared:
            key = (port.port, port.protocol)
            bad_name = port_name_problem(port.name)
            if bad_name:
                self.problems.add(error("E057", ["spec", *owner.split(".", 1)], bad_name, "name the instance with lowercase letters, digits and '-' after the '/', short enough (e.g. otlp/int)"))
                continue
            if key in port_owner:
                self.problems.add(error("E014", ["spec", *owner.split(".", 1)], f"port {port.port}/{port.protocol} is already used by {port_owner[key]}", "give one of them another port"))
                continue
            if port.name in name_owner:
                self.problems.add(error("E014", ["spec", *owner.split(".", 1)], f"port name {port.name!r} is already used by {name_owner[port.name]}", "rename one of the component instances"))
                continue
            port_owner[key] = owner
            name_owner[port.name] = owner
            total.ports.append(port)
        total.env = _dedupe(total.env, lambda e: e.name)
        total.mounts = _dedupe(total.mounts, lambda m: m.name)
        return total


def _declare(needs: Needs, declaration: Any, instance: str) -> None:
    """Add what the spec declares for one component to its needs."""
    needs.ports.extend(Port(p.name, p.port, p.protocol, None, service=p.service, ingress=p.service) for p in declaration.ports)
    needs.rbac.extend(RbacRule(tuple(r.api_groups), tuple(r.resources), tuple(r.verbs), namespaced=r.namespaced) for r in declaration.rbac)
    needs.egress.extend(Egress(e.port, e.protocol, f"exporter {instance}") for e in declaration.egress)
    needs.mounts.extend(Mount(name=v.name, mount_path=v.mount_path, read_only=v.read_only, host_path=v.host_path, host_path_type="Directory" if v.host_path else None, empty_dir_mib=v.empty_dir_mib) for v in declaration.volumes)


#: mounts otelgen itself adds (read-only volumes: nothing may be mounted at, inside or above them)
def _reserved_mounts() -> list[tuple[str, str]]:
    from otelgen.manifests.naming import CONFIG_DIR
    from otelgen.manifests.rbac import API_ACCESS_DIR

    return [(CONFIG_DIR, "the collector config volume"), (SERVER_TLS_DIR, "the receivers' TLS volume"), (CLIENT_CA_DIR, "the client CA volume"), (API_ACCESS_DIR, "the API access token volume")]


def _overlaps(a: str, b: str) -> bool:
    """Equal, or one inside the other."""
    a, b = a.rstrip("/") or "/", b.rstrip("/") or "/"
    return a == b or a.startswith(b.rstrip("/") + "/") or b.startswith(a.rstrip("/") + "/")


#: keys that name an extension in verbatim settings (auth.authenticator of confighttp/configgrpc, storage)
EXTENSION_KEYS = ("authenticator", "storage")


def _verbatim_extension_refs(value: Any, path: tuple = ()) -> list[tuple[tuple, str]]:
    """(path, extension name) of every extension that verbatim settings (extra, unmodelled components) name."""
    out: list[tuple[tuple, str]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in EXTENSION_KEYS and isinstance(item, str) and _NAME.match(item):
                out.append(((*path, key), item))
            else:
                out.extend(_verbatim_extension_refs(item, (*path, key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out.extend(_verbatim_extension_refs(item, (*path, i)))
    return out


def _allowed_host_path(path: str) -> bool:
    normal = posixpath.normpath(path)
    return any(normal == allowed or normal.startswith(allowed + "/") for allowed in WRITABLE_HOST_PATHS)


def _derived(value: Any, key: Any, ctx: Context) -> str | None:
    """What otelgen derived in a built config leaf (or subtree), that ``extra`` must not replace."""
    if isinstance(value, dict):
        return next((why for k, v in value.items() if (why := _derived(v, k, ctx))), None)
    if isinstance(value, list):
        return next((why for v in value if (why := _derived(v, None, ctx))), None)
    if isinstance(value, str):
        if f"${{env:{ENV_PREFIX}_" in value:
            return "a value otelgen takes from a Secret"
        if key == "endpoint" and value.startswith((f"{ctx.bind_host}:", f"{ctx.pod_host}:")):
            return "the listening endpoint, whose port the container port, Service and NetworkPolicy follow"
    return None


def _dedupe(items: list, key) -> list:
    seen: dict[Any, Any] = {}
    for item in items:
        seen.setdefault(key(item), item)
    return list(seen.values())


def build_plan(doc: CollectorDocument) -> Plan:
    return Planner(doc).plan()


__all__ = ["Plan", "Instance", "build_plan", "deep_merge"]
