"""The prometheusScraping preset: a prometheus receiver that scrapes Prometheus
endpoints, with the strategy chosen explicitly.

node-local (agents): each agent's receiver discovers only the pods on its own
node (Kubernetes service discovery, pod role, with a field selector on
``spec.nodeName`` from the downward API), keeps the pods annotated
``prometheus.io/scrape: "true"`` (``/port``, ``/path``, ``/scheme`` honoured) and
adds the user's own scrape configs as given. The receiver declares what it needs
(RBAC for the roles, the node-name env var, egress to the pods); the token and the
API egress follow from the RBAC, as for any component.

target-allocator: built separately (the target allocator and the receiver pointed
at it); see the README.

The collector's own metrics are not part of these jobs: one receiver per pod
scrapes them (``plan.Planner._self_scraper``), and the annotation job drops this
collector's own pods in case they carry the annotations.
"""

from __future__ import annotations

from typing import Any

from otelgen import modes
from otelgen.components.processors import K8S_NODE_ENV
from otelgen.errors import Problem, error

#: the receiver instance the preset adds
RECEIVER = "prometheus/scraping"
STRATEGIES = ("node-local", "target-allocator")
#: the annotation-discovery job
ANNOTATION_JOB = "kubernetes-pods"
#: each agent lists and watches only its node's pods (the collector expands ${env:...} here)
NODE_FIELD_SELECTOR = f"spec.nodeName=${{env:{K8S_NODE_ENV}}}"
#: the annotations, as Prometheus exposes them on discovered pods
ANNOTATION = "__meta_kubernetes_pod_annotation_prometheus_io_"
#: pod phases whose pods are not scraped (no process listening)
DONE_PHASES = "Pending|Succeeded|Failed"
#: pod labels this collector's own pods carry (manifests.naming.selector_labels), as meta labels
OWN_POD_LABELS = ("__meta_kubernetes_namespace", "__meta_kubernetes_pod_label_app_kubernetes_io_name", "__meta_kubernetes_pod_label_app_kubernetes_io_instance")


# ---------------------------------------------------------------- what a scrape job reaches (lint and the planner)


#: hosts that are the pod itself, as a scrape target names them
OWN_HOSTS = ("${env:MY_POD_IP}", "${MY_POD_IP}", "localhost", "127.0.0.1", "0.0.0.0", "[::1]", "::1")
#: the field a node-local discovery filters on (pods: spec.nodeName; nodes: metadata.name)
NODE_FIELDS = ("spec.nodeName=", "metadata.name=")


def jobs(cfg: Any) -> list[tuple[tuple, dict]]:
    """(path inside the receiver, job) of every scrape config of a prometheus receiver."""
    if not isinstance(cfg, dict):
        return []
    out = []
    prom = cfg.get("config")
    for at, jobs in ((("config", "scrape_configs"), prom.get("scrape_configs") if isinstance(prom, dict) else None), (("scrape_configs",), cfg.get("scrape_configs"))):
        if isinstance(jobs, list):
            out.extend(((*at, i), job) for i, job in enumerate(jobs) if isinstance(job, dict))
    return out


def static_targets(job: dict) -> list[str]:
    out = []
    for group in job.get("static_configs") or []:
        if isinstance(group, dict):
            out.extend(str(t) for t in group.get("targets") or [])
    return out


def split_target(target: str) -> tuple[str, str]:
    host, _, port = target.rpartition(":")
    return (host, port) if host and not host.endswith(":") else (target, "")


def node_local(sd: dict) -> bool:
    selectors = sd.get("selectors") if isinstance(sd.get("selectors"), list) else []
    return any(isinstance(s, dict) and str(s.get("field", "")).startswith(NODE_FIELDS) and "${" in str(s.get("field", "")) for s in selectors)


def shared(job: dict) -> bool:
    """Whether every copy of the collector would scrape the same targets with this job:
    static targets other than the pod itself, or discovery without a node-local field selector."""
    if any(split_target(t)[0] not in OWN_HOSTS for t in static_targets(job)):
        return True
    sds = [sd for sd in job.get("kubernetes_sd_configs") or [] if isinstance(sd, dict)]
    if any(not node_local(sd) for sd in sds):
        return True
    others = [k for k in job if k.endswith("_sd_configs") and k != "kubernetes_sd_configs" and job[k]]
    return bool(others)



# ---------------------------------------------------------------- the node-local preset


def annotation_relabeling(own: str) -> list[dict[str, Any]]:
    """Keep annotated, running pods other than this collector's (``own``: namespace;app;instance);
    scheme, path and port from the annotations. A literal '$' in a collector config is '$$'."""
    return [
        {"source_labels": [f"{ANNOTATION}scrape"], "action": "keep", "regex": "true"},
        {"source_labels": ["__meta_kubernetes_pod_phase"], "action": "drop", "regex": DONE_PHASES},
        {"source_labels": list(OWN_POD_LABELS), "separator": ";", "action": "drop", "regex": own},
        {"source_labels": [f"{ANNOTATION}scheme"], "action": "replace", "regex": "(https?)", "target_label": "__scheme__"},
        {"source_labels": [f"{ANNOTATION}path"], "action": "replace", "regex": "(.+)", "target_label": "__metrics_path__"},
        # the port annotation replaces the container port: IPv4, then IPv6 (in brackets)
        {"source_labels": ["__meta_kubernetes_pod_ip", f"{ANNOTATION}port"], "action": "replace", "regex": r"(\d+\.\d+\.\d+\.\d+);(\d+)", "replacement": "$${1}:$${2}", "target_label": "__address__"},
        {"source_labels": ["__meta_kubernetes_pod_ip", f"{ANNOTATION}port"], "action": "replace", "regex": r"([0-9A-Fa-f]*:[0-9A-Fa-f:.]*);(\d+)", "replacement": "[$${1}]:$${2}", "target_label": "__address__"},
        {"source_labels": ["__meta_kubernetes_namespace"], "action": "replace", "target_label": "namespace"},
        {"source_labels": ["__meta_kubernetes_pod_name"], "action": "replace", "target_label": "pod"},
        {"source_labels": ["__meta_kubernetes_pod_container_name"], "action": "replace", "target_label": "container"},
    ]


def node_local_job(interval: str, own: str) -> dict[str, Any]:
    return {
        "job_name": ANNOTATION_JOB,
        "scrape_interval": interval,
        "kubernetes_sd_configs": [{"role": "pod", "selectors": [{"role": "pod", "field": NODE_FIELD_SELECTOR}]}],
        "relabel_configs": annotation_relabeling(own),
    }


def own_pods(namespace: str, name: str, app: str) -> str:
    """The drop regex for this collector's own pods (names are DNS labels: no regex metacharacters)."""
    return f"{namespace};{app};{name}"


def receiver(spec: Any, name: str, namespace: str, problems: list[Problem]) -> dict[str, Any] | None:
    """The receiver config the preset adds, or None (problems say why)."""
    from otelgen.manifests.naming import APP_NAME

    settings = spec.presets.prometheus_scraping
    path = ["spec", "presets", "prometheusScraping"]
    if settings.strategy is None:
        problems.append(error("E020", [*path, "strategy"], "prometheusScraping needs a strategy: there is no default, the choice decides who scrapes which targets", "strategy: node-local (agents scrape the pods on their node) or target-allocator (the target allocator shares targets among collectors); see the README's 'Prometheus scraping'"))
        return None
    if settings.strategy == "node-local":
        if not modes.traits(spec.mode).per_node:
            problems.append(error("E020", [*path, "strategy"], f"strategy node-local scrapes the pods of the agent's own node and needs mode agent (got {spec.mode})", "enable it in the agent spec, or use strategy: target-allocator"))
            return None
        jobs = [node_local_job(settings.scrape_interval, own_pods(namespace, name, APP_NAME))] if settings.annotation_discovery else []
        jobs += [dict(job) for job in settings.scrape_configs]
        if not jobs:
            problems.append(error("E020", [*path, "annotationDiscovery"], "prometheusScraping has nothing to scrape: annotationDiscovery is off and scrapeConfigs is empty", "turn on annotationDiscovery or add scrapeConfigs"))
            return None
        return {"config": {"scrape_configs": jobs}}
    from otelgen import targetallocator

    return targetallocator.receiver(spec, name, namespace, problems)
