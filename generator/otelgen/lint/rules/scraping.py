"""Prometheus scraping: targets scraped once per replica instead of once, and the
collector scraping its own metrics twice or through its own Service.

RBAC for ``kubernetes_sd_configs`` roles is OTG051's: the prometheus receiver
declares it (the same ``needs()`` the renderer uses)."""

from __future__ import annotations

from typing import Any, Iterator

from otelgen.inputs import services_for
from otelgen.lint.listeners import telemetry_listener
from otelgen.lint.model import ConfigTarget, Hit, find_type, replicas_of, used_in_pipelines
from otelgen.scraping import NODE_FIELD_SELECTOR, OWN_HOSTS, jobs as _jobs, shared as _shared, split_target as _split, static_targets as _targets


def _receivers(t: ConfigTarget):
    used = used_in_pipelines(t.data)
    for ref in find_type(t.data, "receivers", "prometheus"):
        if ref.name in used:
            yield ref, (ref.config if isinstance(ref.config, dict) else {})


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
