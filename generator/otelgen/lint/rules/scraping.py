"""Prometheus scraping: targets scraped once per replica instead of once, and the
collector scraping its own metrics twice or through its own Service.

RBAC for ``kubernetes_sd_configs`` roles is OTG051's: the prometheus receiver
declares it (the same ``needs()`` the renderer uses)."""

from __future__ import annotations

from typing import Any, Iterator

from otelgen.inputs import services_for
from otelgen.lint.listeners import telemetry_listener
from otelgen.lint.model import ConfigTarget, Hit, find_type, replicas_of, used_in_pipelines
from otelgen.scraping import NODE_FIELD_SELECTOR

#: hosts that are the pod itself, as a scrape target names them
OWN_HOSTS = ("${env:MY_POD_IP}", "${MY_POD_IP}", "localhost", "127.0.0.1", "0.0.0.0", "[::1]", "::1")
#: the field a node-local discovery filters on (pods: spec.nodeName; nodes: metadata.name)
NODE_FIELDS = ("spec.nodeName=", "metadata.name=")


def _jobs(cfg: Any) -> list[tuple[tuple, dict]]:
    """(path inside the receiver, job) of every scrape config of a prometheus receiver."""
    if not isinstance(cfg, dict):
        return []
    out = []
    prom = cfg.get("config")
    for at, jobs in ((("config", "scrape_configs"), prom.get("scrape_configs") if isinstance(prom, dict) else None), (("scrape_configs",), cfg.get("scrape_configs"))):
        if isinstance(jobs, list):
            out.extend(((*at, i), job) for i, job in enumerate(jobs) if isinstance(job, dict))
    return out


def _receivers(t: ConfigTarget):
    used = used_in_pipelines(t.data)
    for ref in find_type(t.data, "receivers", "prometheus"):
        if ref.name in used:
            yield ref, (ref.config if isinstance(ref.config, dict) else {})


def _targets(job: dict) -> list[str]:
    out = []
    for group in job.get("static_configs") or []:
        if isinstance(group, dict):
            out.extend(str(t) for t in group.get("targets") or [])
    return out


def _split(target: str) -> tuple[str, str]:
    host, _, port = target.rpartition(":")
    return (host, port) if host and not host.endswith(":") else (target, "")


def _node_local(sd: dict) -> bool:
    selectors = sd.get("selectors") if isinstance(sd.get("selectors"), list) else []
    return any(isinstance(s, dict) and str(s.get("field", "")).startswith(NODE_FIELDS) and "${" in str(s.get("field", "")) for s in selectors)


def _shared(job: dict) -> bool:
    """Whether every copy of the collector would scrape the same targets with this job:
    static targets other than the pod itself, or discovery without a node-local field selector."""
    if any(_split(t)[0] not in OWN_HOSTS for t in _targets(job)):
        return True
    sds = [sd for sd in job.get("kubernetes_sd_configs") or [] if isinstance(sd, dict)]
    if any(not _node_local(sd) for sd in sds):
        return True
    others = [k for k in job if k.endswith("_sd_configs") and k != "kubernetes_sd_configs" and job[k]]
    return bool(others)


def duplicate_scraping(t: ConfigTarget) -> Iterator[Hit]:
    several = [r for r in t.runners if replicas_of(t.inputs, r.workload) > 1]
    if not several:
        return
    runner = several[0]
    how = "every agent" if runner.workload.kind == "DaemonSet" else f"each of the {replicas_of(t.inputs, runner.workload)} replicas"
    for ref, cfg in _receivers(t):
        if cfg.get("target_allocator"):
            continue
        for at, job in _jobs(cfg):
            if _shared(job):
                yield Hit(ref.path + at, f"{ref.name} job {job.get('job_name')!r} runs in {how} of {runner.workload.ref} and no target allocator shares the targets out: every target is scraped once per copy (duplicate series)", f"use a target allocator (target_allocator on the receiver; otelgen: presets.prometheusScraping.strategy: target-allocator), run the job in one replica, or in a DaemonSet discover only the node's pods (selectors: [{{role: pod, field: '{NODE_FIELD_SELECTOR}'}}]; otelgen: strategy: node-local)")


def _own_names(t: ConfigTarget) -> set[str]:
    """DNS names of the Services in front of the collector's pods."""
    names: set[str] = set()
    for runner in t.runners:
        for svc in services_for(t.inputs, runner.workload):
            ns = svc.namespace or runner.workload.namespace or "default"
            names.update({svc.name, f"{svc.name}.{ns}", f"{svc.name}.{ns}.svc", f"{svc.name}.{ns}.svc.cluster.local"})
    return names


def self_scrape_loop(t: ConfigTarget) -> Iterator[Hit]:
    telemetry = telemetry_listener(t.data)
    own_port = str(telemetry.port) if telemetry is not None and telemetry.port else None
    own_hosts = set(OWN_HOSTS) | ({str(telemetry.host)} if telemetry is not None and telemetry.host else set())
    services = _own_names(t)
    first: tuple[str, Any] | None = None
    for ref, cfg in _receivers(t):
        for at, job in _jobs(cfg):
            for target in _targets(job):
                host, port = _split(target)
                if host.rstrip(".") in services:
                    yield Hit(ref.path + at, f"{ref.name} job {job.get('job_name')!r} scrapes the collector's own Service {host}: each scrape reaches whichever replica the Service picks, so pods are scraped unevenly and the collector's metrics loop through its own pipelines", "scrape each pod's own endpoint once (a job with target ${env:MY_POD_IP}:<metrics port>; otelgen does this), or let Prometheus scrape the Service (serviceMonitor)")
                elif own_port and host in own_hosts and port == own_port:
                    if first is None:
                        first = (ref.name, job.get("job_name"))
                    else:
                        yield Hit(ref.path + at, f"{ref.name} job {job.get('job_name')!r} scrapes the collector's own metrics ({target}), which {first[0]} job {first[1]!r} already scrapes: every series twice", "keep one self-scrape job (otelgen: one receiver per pod has self_scrape)")
