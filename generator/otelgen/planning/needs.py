"""Step 5: what the used components need of the pod (ports, RBAC, env,
volumes, egress), gathered once and checked: port clashes and names, volumes
at otelgen's own mount paths, risky declarations, ``extra`` replacing what
otelgen derived, and a Service published outside the cluster."""

from __future__ import annotations

import posixpath
from typing import Any

from otelgen import modes, persistentqueue, sizing
from otelgen.components.base import ENV_PREFIX, Component, Context, Mount, Needs, Port, RbacRule
from otelgen.errors import Collector, Problem, error, warning
from otelgen.planning.model import CLIENT_CA_DIR, SECTIONS, SERVER_TLS_DIR, TELEMETRY_PORT, WRITABLE_HOST_PATHS, Instance
from otelgen.spec.model import Spec

Key = tuple[str, str]  # (section, name)


def collect(spec: Spec, used: dict[Key, Instance]) -> tuple[Needs, list[Problem]]:
    """Every used instance's needs, in section order, merged (ports de-clashed, env and
    volumes de-duplicated by name), plus the collector's own metrics port."""
    problems = Collector()
    total = Needs()
    telemetry = Port(TELEMETRY_PORT, spec.telemetry.metrics_port, "TCP", "http", service=True, ingress=False)
    declared: list[tuple[str, Port]] = []
    mounts_by_component: list[tuple[str, str, list[Mount]]] = []
    for (section, name), inst in sorted(used.items(), key=lambda kv: (SECTIONS.index(kv[0][0]), kv[0][1])):
        if inst.component is not None and inst.component.config.extra:
            problems.extend(derived_overrides(inst.component, ["spec", section, name, "extra"]))
        needs = inst.needs()
        mounts_by_component.append((section, name, needs.mounts))
        problems.extend(risky(section, name, needs))
        declared.extend((f"{section}.{name}", p) for p in needs.ports)
        total.rbac.extend(needs.rbac)
        total.env.extend(needs.env)
        total.mounts.extend(needs.mounts)
        total.egress.extend(needs.egress)
        if spec.network_policy.enabled and any(e.port is None for e in needs.egress):
            problems.add(warning("W103", ["spec", section, name], f"the NetworkPolicy cannot tell which port {name} sends to (endpoint from an env var?), so no egress is allowed for it", "set egress_port on the exporter, or add a networkPolicy.egress rule"))
        total.kubelet = total.kubelet or needs.kubelet
        total.scrape_pods = total.scrape_pods or needs.scrape_pods
        total.single_writer = total.single_writer or needs.single_writer
    declared.append(("telemetry.metricsPort", telemetry))
    problems.extend(check_mounts(mounts_by_component))
    ports, port_problems = merge_ports(declared)
    problems.extend(port_problems)
    total.ports.extend(ports)
    total.env = _dedupe(total.env, lambda e: e.name)
    total.mounts = _dedupe(total.mounts, lambda m: m.name)
    if modes.traits(spec.mode).own_pods:  # spec.rbac.rules: extra ClusterRole rules (a sidecar has no RBAC of its own: E070)
        total.rbac.extend(RbacRule(tuple(r.api_groups), tuple(r.resources), tuple(r.verbs)) for r in spec.rbac.rules)
    return total, problems.problems


def merge_ports(declared: list[tuple[str, Port]]) -> tuple[list[Port], list[Problem]]:
    """The ports of (owner "section.name", port) in order; E057 for a name the API server
    refuses, E014 for a port number/protocol or name an earlier owner has."""
    from otelgen.manifests.apivalidation import port_name_problem

    port_owner: dict[tuple[int, str], str] = {}
    name_owner: dict[str, str] = {}
    ports, problems = [], []
    for owner, port in declared:
        path = ["spec", *owner.split(".", 1)]
        key = (port.port, port.protocol)
        bad_name = port_name_problem(port.name)
        if bad_name:
            problems.append(error("E057", path, bad_name, "name the instance with lowercase letters, digits and '-' after the '/', short enough (e.g. otlp/int)"))
        elif key in port_owner:
            problems.append(error("E014", path, f"port {port.port}/{port.protocol} is already used by {port_owner[key]}", "give one of them another port"))
        elif port.name in name_owner:
            problems.append(error("E014", path, f"port name {port.name!r} is already used by {name_owner[port.name]}", "rename one of the component instances"))
        else:
            port_owner[key] = owner
            name_owner[port.name] = owner
            ports.append(port)
    return ports, problems


def check_mounts(mounts_by_component: list[tuple[str, str, list[Mount]]]) -> list[Problem]:
    """E061: a component's volume at the same path as another, or at, inside or
    above a volume otelgen mounts (a file exporter writing under /conf): the API
    server refuses duplicate mountPaths, and a mount inside a read-only
    ConfigMap/Secret volume cannot be created. Input: (section, name, mounts) in
    planning order."""
    taken: dict[str, tuple[str, str]] = {}  # mount path → (mount name, owner)
    reserved = reserved_mounts()
    problems = []
    for section, name, mounts in mounts_by_component:
        for mount in mounts:
            path = ["spec", section, name]
            where = mount.mount_path.rstrip("/") or "/"
            clash = next((what for fixed, what in reserved if _overlaps(where, fixed)), None)
            if clash is None and where == "/":
                clash = "the container's root file system"
            if clash:
                problems.append(error("E061", path, f"{name} needs a volume at {where}, which is at, inside or above {clash}", "choose a directory of its own, e.g. /var/lib/otelcol/" + name.replace("/", "-")))
                continue
            owner = taken.get(where)
            if owner is not None and owner[0] != mount.name:
                problems.append(error("E061", path, f"{name} needs a volume at {where}, where {owner[1]} already mounts one", "give each component its own directory"))
                continue
            taken.setdefault(where, (mount.name, f"{section}.{name}"))
    return problems


def reserved_mounts() -> list[tuple[str, str]]:
    """Mounts otelgen itself adds (read-only volumes: nothing may be mounted at, inside or above them)."""
    from otelgen.manifests.naming import CONFIG_DIR
    from otelgen.manifests.rbac import API_ACCESS_DIR

    return [(CONFIG_DIR, "the collector config volume"), (SERVER_TLS_DIR, "the receivers' TLS volume"), (CLIENT_CA_DIR, "the client CA volume"), (API_ACCESS_DIR, "the API access token volume")]


def _overlaps(a: str, b: str) -> bool:
    """Equal, or one inside the other."""
    a, b = a.rstrip("/") or "/", b.rstrip("/") or "/"
    return a == b or a.startswith(b.rstrip("/") + "/") or b.startswith(a.rstrip("/") + "/")


def risky(section: str, name: str, needs: Needs) -> list[Problem]:
    """Warnings for legal but risky declarations: writable hostPaths outside the allow-list
    (W120), RBAC on every resource or on Secrets (W121)."""
    path = ["spec", section, name]
    problems = []
    for mount in needs.mounts:
        if mount.host_path and not mount.read_only and not _allowed_host_path(mount.host_path):
            problems.append(warning("W120", path, f"writable hostPath {mount.host_path} is outside the allow-list ({', '.join(WRITABLE_HOST_PATHS)}): the collector could change the node's files there", f"keep state under {WRITABLE_HOST_PATHS[0]}/<name>, or use an emptyDir (leave host_path unset)"))
    for rule in needs.rbac:
        if "*" in rule.resources or "*" in rule.api_groups or "*" in rule.verbs:
            problems.append(warning("W121", path, f"RBAC on every resource ({'/'.join(rule.api_groups) or 'core'}: {', '.join(rule.resources)}): this includes Secrets, the whole cluster's credentials", "list the resources it needs by name"))
        elif "secrets" in rule.resources:
            problems.append(warning("W121", path, "RBAC to read Secrets: the collector could read every credential in scope and ship it as telemetry", "watch other resources, or restrict namespaces"))
    return problems


def _allowed_host_path(path: str) -> bool:
    normal = posixpath.normpath(path)
    return any(normal == allowed or normal.startswith(allowed + "/") for allowed in WRITABLE_HOST_PATHS)


def derived_overrides(component: Component, path: list) -> list[Problem]:
    """E031: ``extra`` replacing what otelgen derived (a listening endpoint, a Secret reference):
    the Service/NetworkPolicy would keep the old port, the secretRef would be silently dropped."""
    problems = []

    def walk(base: Any, extra: dict, at: list) -> None:
        for key in sorted(extra, key=str):
            if not isinstance(base, dict) or key not in base:
                continue
            if isinstance(base[key], dict) and isinstance(extra[key], dict):
                walk(base[key], extra[key], [*at, key])
                continue
            why = _derived(base[key], key, component.ctx)
            if why:
                problems.append(error("E031", [*at, key], f"extra replaces {why}", "set it with the component's typed fields (e.g. port:, protocols.grpc.port:, headers/token as {secretRef: ...}); extra is for settings otelgen does not derive"))

    walk(component.build(), component.config.extra, path)
    return problems


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


def check_exposure(spec: Spec, needs: Needs) -> list[Problem]:
    """W122: a Service published outside the cluster, with the metrics port and a
    default-deny policy that admits only in-cluster peers."""
    service = spec.service
    if not modes.traits(spec.mode).own_pods or service.type == "ClusterIP":
        return []
    np = spec.network_policy
    problems = []
    if any(p.name == TELEMETRY_PORT and p.service for p in needs.ports):
        problems.append(warning("W122", ["spec", "service", "type"], f"a {service.type} Service publishes the collector's own metrics port ({spec.telemetry.metrics_port}) outside the cluster", "scrape it in-cluster (serviceMonitor or the -telemetry Service); publish only the receivers"))
    if np.enabled and not any(peer.ip_block for peer in np.ingress_from):
        problems.append(warning("W122", ["spec", "networkPolicy", "ingressFrom"], f"the {service.type} Service is reachable from outside, but the default-deny NetworkPolicy admits only in-cluster peers: outside clients are blocked", "add an ipBlock peer for the clients' addresses to networkPolicy.ingressFrom (and metricsFrom for scrapers)"))
    return problems


def fit_ephemeral_storage(spec: Spec, resolved: sizing.Sizing, total: Needs) -> tuple[sizing.Sizing, list[Problem]]:
    """The pod's emptyDirs within its ephemeral-storage limit (E064), the limit derived when not given."""
    claim = persistentqueue.claim_volume(spec)
    empty_dirs = [m.empty_dir_mib or 64 for m in total.mounts if not (m.host_path or m.secret_name or m.api_token_seconds) and m.name != claim]
    fitted, problem = sizing.fit_ephemeral_storage(resolved, spec.resources, empty_dirs)
    if not problem:
        return fitted, []
    return fitted, [error("E064", ["spec", "resources", "limits", "ephemeralStorage"], problem, "raise resources.limits.ephemeralStorage, or lower the emptyDir sizes (persistentQueue.size, file_storage size_limit_mib)")]


def shared_scraping(spec: Spec, used: dict[Key, Instance]) -> list[Problem]:
    """W130: a prometheus receiver whose jobs reach the same targets from every copy of
    the collector (several replicas, an HPA, a DaemonSet, sidecars), without a target
    allocator: each target scraped once per copy (lint: OTG042)."""
    from otelgen import scraping

    traits = modes.traits(spec.mode)
    copies = None
    if traits.per_node:
        copies = "every agent of the DaemonSet"
    elif not traits.own_pods:
        copies = "every sidecar"
    elif traits.replicas and (spec.scaling.replicas > 1 or (traits.autoscaling and spec.scaling.autoscaling.enabled)):
        copies = "every replica (autoscaled)" if spec.scaling.autoscaling.enabled else f"each of the {spec.scaling.replicas} replicas"
    if copies is None:
        return []
    problems = []
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
                problems.append(warning("W130", path, f"{name} job {job.get('job_name')!r} is scraped by {copies}: without a target allocator each target is scraped once per copy (duplicate series)", "share the targets with a target allocator (presets.prometheusScraping.strategy: target-allocator), run the job in one replica, or in agents discover only the node's pods (strategy: node-local)"))
    return problems
