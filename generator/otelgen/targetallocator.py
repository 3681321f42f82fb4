"""The prometheusScraping preset's target-allocator strategy: facts about the
target allocator (cmd/otel-allocator of the OpenTelemetry Operator) and the two
configs that meet at it.

- The allocator discovers the targets (the annotation-discovery job, the user's
  scrape configs, ServiceMonitors/PodMonitors when asked) and the collector pods
  (by their selector labels, in the collector's namespace), and assigns each
  target to one collector (consistent hashing by default).
- Each collector's prometheus receiver asks it for its share:
  ``target_allocator: {endpoint, interval, collector_id: ${env:MY_POD_NAME}}``
  and has no discovery of its own, so every target is scraped by exactly one
  replica. The collector's own metrics stay a local job of each pod
  (``plan.Planner._self_scraper``), scraped once per pod.

The Kubernetes objects around the allocator are built by
``otelgen.manifests.targetallocator``; the spec shape is
``otelgen.spec.targetallocator``.
"""

from __future__ import annotations

from typing import Any

from otelgen import modes
from otelgen import versions
from otelgen.errors import Problem, error, warning

STRATEGY = "target-allocator"
#: the image the operator publishes for each release; its tag is the operator release
IMAGE_REPOSITORY = "ghcr.io/open-telemetry/opentelemetry-operator/target-allocator"
#: the allocator's HTTP port (its default listen_addr ":8080") and the port's name
PORT = 8080
PORT_NAME = "http"
#: where the allocator reads its config by default (--config-file)
CONFIG_DIR = "/conf"
CONFIG_KEY = "targetallocator.yaml"
#: the collector's pod name, the collector_id the allocator knows it by (pod names are its keys)
POD_NAME_ENV = "MY_POD_NAME"
#: how often a collector asks the allocator for its jobs (the receiver's default is 30s)
SYNC_INTERVAL = "30s"
#: the app name on the allocator's pods (distinct from the collector's, so no selector overlaps)
APP_NAME = "opentelemetry-target-allocator"
COMPONENT = "target-allocator"
#: targets dropped by the jobs' relabel configs are not handed out
FILTER_STRATEGY = "relabel-config"
#: the preset's path in the spec
PATH = ("spec", "presets", "prometheusScraping")


def enabled(spec: Any) -> bool:
    """The spec's prometheusScraping preset uses the target allocator."""
    scraping = getattr(spec.presets, "prometheus_scraping", None)
    return bool(scraping is not None and scraping.enabled and scraping.strategy == STRATEGY)


def operator_version(collector_version: str) -> str:
    """The OpenTelemetry Operator release that ships ``collector_version``: the
    operator follows the collector's minor releases (collector 0.145.x → 0.145.0)."""
    major, minor, _ = versions.parse(collector_version)
    return f"{major}.{minor}.0"


def image(settings: Any, collector_version: str) -> str:
    img = settings.image
    ref = f"{img.repository or IMAGE_REPOSITORY}:{img.tag or operator_version(collector_version)}"
    return f"{ref}@{img.digest}" if img.digest else ref


def service_name(name: str) -> str:
    return f"{name}-targetallocator"


def endpoint(name: str, namespace: str) -> str:
    """The allocator's Service as the collectors reach it (the namespace-qualified
    name, no cluster domain assumed)."""
    return f"http://{service_name(name)}.{namespace}.svc:{PORT}"


def receiver(spec: Any, name: str, namespace: str, problems: list[Problem]) -> dict[str, Any] | None:
    """The collector's prometheus receiver for the target-allocator strategy, or
    None (``problems`` say why). Called by the prometheusScraping preset."""
    settings = spec.presets.prometheus_scraping
    ta = settings.target_allocator
    traits = modes.traits(spec.mode)
    if not traits.replicas:
        hint = "use strategy: node-local in the agent" if traits.per_node else "enable it on the gateway the sidecar sends to"
        problems.append(error("E078", [*PATH, "strategy"], f"strategy target-allocator shares targets among the replicas of a gateway; mode {spec.mode} is not one", hint))
        return None
    if not (settings.annotation_discovery or settings.scrape_configs or ta.service_monitors or ta.pod_monitors):
        problems.append(error("E078", [*PATH, "annotationDiscovery"], "the target allocator has nothing to distribute: annotationDiscovery is off, scrapeConfigs is empty and neither serviceMonitors nor podMonitors is on (the allocator refuses to start)", "turn on annotationDiscovery, add scrapeConfigs, or set targetAllocator.serviceMonitors/podMonitors"))
        return None
    if ta.allocation_strategy == "per-node":
        problems.append(warning("W128", [*PATH, "targetAllocator", "allocationStrategy"], "per-node gives each target to the collector on the target's node: a gateway has replicas on only some nodes, so targets on the other nodes are not scraped at all", "use consistent-hashing (default) or least-weighted for a gateway"))
    return {
        "target_allocator": {
            "endpoint": endpoint(name, namespace),
            "interval": SYNC_INTERVAL,
            "collector_id": f"${{env:{POD_NAME_ENV}}}",
        }
    }


def _unescape(value: Any) -> Any:
    """A collector config writes a literal '$' as '$$'; the allocator reads its file
    as plain Prometheus YAML (no expansion), so it gets the single '$'."""
    if isinstance(value, str):
        return value.replace("$$", "$")
    if isinstance(value, dict):
        return {k: _unescape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unescape(v) for v in value]
    return value


def scrape_configs(spec: Any, name: str, namespace: str) -> list[dict[str, Any]]:
    """The jobs the allocator distributes: annotation discovery over the whole
    cluster (the node-local job without its node selector), then the user's own."""
    from otelgen import scraping
    from otelgen.manifests.naming import APP_NAME as COLLECTOR_APP

    settings = spec.presets.prometheus_scraping
    jobs: list[dict[str, Any]] = []
    if settings.annotation_discovery:
        jobs.append({
            "job_name": scraping.ANNOTATION_JOB,
            "scrape_interval": settings.scrape_interval,
            "kubernetes_sd_configs": [{"role": "pod"}],
            "relabel_configs": scraping.annotation_relabeling(scraping.own_pods(namespace, name, COLLECTOR_APP)),
        })
    jobs.extend(dict(job) for job in settings.scrape_configs)
    return _unescape(jobs)


def allocator_config(spec: Any, name: str, namespace: str, collector_selector: dict[str, str]) -> dict[str, Any]:
    """The allocator's own config file (``targetallocator.yaml``), in its keys."""
    settings = spec.presets.prometheus_scraping
    ta = settings.target_allocator
    config: dict[str, Any] = {
        "allocation_strategy": ta.allocation_strategy,
        "collector_namespace": namespace,
        "collector_selector": {"matchLabels": dict(sorted(collector_selector.items()))},
        "filter_strategy": FILTER_STRATEGY,
        "listen_addr": f":{PORT}",
    }
    jobs = scrape_configs(spec, name, namespace)
    if jobs:
        config["config"] = {"scrape_configs": jobs}
    if ta.service_monitors or ta.pod_monitors:
        cr: dict[str, Any] = {"enabled": True, "scrape_interval": settings.scrape_interval}
        # an unset selector selects nothing (Prometheus Operator semantics); {} selects all
        if ta.pod_monitors:
            cr["pod_monitor_selector"] = {}
        if ta.service_monitors:
            cr["service_monitor_selector"] = {}
        config["prometheus_cr"] = cr
    return config


def rbac_rules(spec: Any) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """What the allocator reads, cluster-wide: (apiGroup, resources, verbs).
    Pods for the collector pods and the pod role; services, endpoints,
    endpointslices and nodes for the other service-discovery roles of the user's
    scrape configs and of ServiceMonitors; the monitoring.coreos.com resources
    (and namespaces, for their namespace selectors) only when asked."""
    from otelgen.components.receivers import K8S_SD_ROLES

    ta = spec.presets.prometheus_scraping.target_allocator
    read = ("get", "list", "watch")
    core = {"pods"}
    groups: dict[str, set[str]] = {}
    roles = {str(sd.get("role", "")).lower() for job in spec.presets.prometheus_scraping.scrape_configs for sd in (job.get("kubernetes_sd_configs") or []) if isinstance(sd, dict)}
    if ta.service_monitors:
        roles |= {"endpoints", "endpointslice"}
    if ta.pod_monitors:
        roles.add("pod")
    for role in sorted(roles):
        for group, resource in K8S_SD_ROLES.get(role, ()):
            (core if group == "" else groups.setdefault(group, set())).add(resource)
    rules = [("", tuple(sorted(core | ({"namespaces"} if ta.service_monitors or ta.pod_monitors else set()))), read)]
    for group in sorted(groups):
        rules.append((group, tuple(sorted(groups[group])), read))
    monitors = tuple(sorted(r for r, on in (("podmonitors", ta.pod_monitors), ("servicemonitors", ta.service_monitors)) if on))
    if monitors:
        rules.append(("monitoring.coreos.com", monitors, read))
    return rules


__all__ = ["enabled", "receiver", "allocator_config", "rbac_rules", "image", "endpoint"]
