"""The alerts otelgen renders into a PrometheusRule, as data (one place for both engines).

Each rule is an expression template over the collector's own metrics as the pinned
collector (0.145.0) exposes them on its Prometheus endpoint (tests/test_alerts.py scrapes
the real binary and checks every name), or over kube-state-metrics' restart counter.
The Python builder (manifests/alerts.py) and the Helm chart (templates/_monitoring.tpl,
reading files/otelgen.json) substitute the same placeholders:

  %SELECTOR%   label matchers of this collector's scrape target (scope "collector") or of
               its containers in kube-state-metrics (scope "pods"), e.g. job="x",namespace="y"
  %ITEMS%      per signal: spans | metric_points | log_records (rules with perSignal: one
               rule per signal the collector's pipelines carry, labelled signal=<signal>)
  %SIGNAL%     traces | metrics | logs
  %RESTARTS%   kube-state-metrics' restart counter of the collector container: of an init
               container for a native sidecar (restartPolicy: Always), else of a container
  %THRESHOLD%  the rule's threshold (spec.alerts.rules.<name>.threshold or the default);
               for thresholdKind "memoryPercent" a percentage of the container's memory
               limit, rendered in bytes (the rule is left out without a memory limit)

docs/alerts.md has a runbook section per alert; its anchor is the name in lower case.
"""

from __future__ import annotations

from typing import Any

#: the item names in the collector's per-signal metric names
ITEMS = {"traces": "spans", "metrics": "metric_points", "logs": "log_records"}
SIGNALS = tuple(ITEMS)
#: kube-state-metrics reports init containers (native sidecars among them) apart
RESTART_METRICS = {"container": "kube_pod_container_status_restarts_total", "initContainer": "kube_pod_init_container_status_restarts_total"}
#: metrics an alert reads that the collector does not expose itself (docs/alerts.md: external dependencies)
EXTERNAL_METRICS = {"up": "Prometheus (every scrape target)", **{name: "kube-state-metrics" for name in RESTART_METRICS.values()}}

RULES: tuple[dict[str, Any], ...] = (
    {
        "alert": "OtelcolDown", "scope": "collector", "perSignal": False,
        "expr": "up{%SELECTOR%} == 0",
        "for": "5m", "severity": "critical", "threshold": None,
        "summary": "Collector target {{ $labels.namespace }}/{{ $labels.pod }} cannot be scraped",
        "description": "Prometheus has failed to scrape the collector's own metrics for 5 minutes: the pod is down, not ready, or its metrics port is unreachable. Every other alert for it is blind meanwhile.",
    },
    {
        "alert": "OtelcolReceiverRefusing", "scope": "collector", "perSignal": True,
        "expr": "sum by (namespace, pod, receiver) (rate(otelcol_receiver_refused_%ITEMS%_total{%SELECTOR%}[5m])) > %THRESHOLD%",
        "for": "5m", "severity": "warning", "threshold": 0, "thresholdUnit": "items/s",
        "summary": "Receiver {{ $labels.receiver }} on {{ $labels.namespace }}/{{ $labels.pod }} refuses %SIGNAL%",
        "description": "Receiver {{ $labels.receiver }} refuses {{ $value | humanize }} %ITEMS%/s: the pipeline behind it pushed back (memory_limiter, a full exporter queue). Senders are told to retry; those that do not, drop the data.",
    },
    {
        "alert": "OtelcolReceiverFailing", "scope": "collector", "perSignal": True,
        "expr": "sum by (namespace, pod, receiver) (rate(otelcol_receiver_failed_%ITEMS%_total{%SELECTOR%}[5m])) > %THRESHOLD%",
        "for": "5m", "severity": "warning", "threshold": 0, "thresholdUnit": "items/s",
        "summary": "Receiver {{ $labels.receiver }} on {{ $labels.namespace }}/{{ $labels.pod }} fails to take %SIGNAL%",
        "description": "Receiver {{ $labels.receiver }} fails {{ $value | humanize }} %ITEMS%/s for reasons other than back-pressure (malformed or unusable data, internal errors).",
    },
    {
        "alert": "OtelcolMemoryLimiterRefusing", "scope": "collector", "perSignal": True,
        "expr": "sum by (namespace, pod, processor) (rate(otelcol_processor_refused_%ITEMS%_total{%SELECTOR%,processor=~\"memory_limiter(/.*)?\"}[5m])) > %THRESHOLD%",
        "for": "5m", "severity": "warning", "threshold": 0, "thresholdUnit": "items/s",
        "summary": "memory_limiter on {{ $labels.namespace }}/{{ $labels.pod }} refuses %SIGNAL%",
        "description": "{{ $labels.processor }} refuses {{ $value | humanize }} %ITEMS%/s: the heap is above its soft limit (60% of the memory limit by default). The collector needs more memory or more replicas, or its exporters are too slow.",
    },
    {
        "alert": "OtelcolExporterSendFailing", "scope": "collector", "perSignal": True,
        "expr": "sum by (namespace, pod, exporter) (rate(otelcol_exporter_send_failed_%ITEMS%_total{%SELECTOR%}[5m])) > %THRESHOLD%",
        "for": "5m", "severity": "critical", "threshold": 0, "thresholdUnit": "items/s",
        "summary": "Exporter {{ $labels.exporter }} on {{ $labels.namespace }}/{{ $labels.pod }} loses %SIGNAL%",
        "description": "Exporter {{ $labels.exporter }} fails to send {{ $value | humanize }} %ITEMS%/s after its retries: that data is lost.",
    },
    {
        "alert": "OtelcolExporterEnqueueFailing", "scope": "collector", "perSignal": True,
        "expr": "sum by (namespace, pod, exporter) (rate(otelcol_exporter_enqueue_failed_%ITEMS%_total{%SELECTOR%}[5m])) > %THRESHOLD%",
        "for": "1m", "severity": "critical", "threshold": 0, "thresholdUnit": "items/s",
        "summary": "Sending queue of {{ $labels.exporter }} on {{ $labels.namespace }}/{{ $labels.pod }} is full: %SIGNAL% dropped",
        "description": "Exporter {{ $labels.exporter }} cannot queue {{ $value | humanize }} %ITEMS%/s because its sending queue is full: that data is dropped.",
    },
    {
        "alert": "OtelcolExporterQueueNearFull", "scope": "collector", "perSignal": False,
        "expr": "max by (namespace, pod, exporter, data_type) (otelcol_exporter_queue_size{%SELECTOR%} / otelcol_exporter_queue_capacity{%SELECTOR%}) > %THRESHOLD%",
        "for": "10m", "severity": "warning", "threshold": 0.8, "thresholdUnit": "ratio of the configured queue size",
        "summary": "Sending queue of {{ $labels.exporter }} on {{ $labels.namespace }}/{{ $labels.pod }} is {{ $value | humanizePercentage }} full",
        "description": "The {{ $labels.data_type }} sending queue of {{ $labels.exporter }} has been above the threshold of its configured size for 10 minutes: the backend is slower than the input. When it is full, data is dropped (OtelcolExporterEnqueueFailing).",
    },
    {
        "alert": "OtelcolMemoryNearLimit", "scope": "collector", "perSignal": False,
        "expr": "max by (namespace, pod) (otelcol_process_memory_rss_bytes{%SELECTOR%}) > %THRESHOLD%",
        "for": "10m", "severity": "warning", "threshold": 90, "thresholdKind": "memoryPercent", "thresholdUnit": "percent of the container's memory limit, rendered in bytes",
        "summary": "Collector {{ $labels.namespace }}/{{ $labels.pod }} uses {{ $value | humanize1024 }}B, near its memory limit",
        "description": "The collector's resident memory has been above the threshold of its container memory limit for 10 minutes; memory_limiter keeps the heap at 80%, so this is memory it cannot limit (buffers, stacks) and the next step is the OOM killer.",
    },
    {
        "alert": "OtelcolPodRestarting", "scope": "pods", "perSignal": False,
        "expr": "increase(%RESTARTS%{%SELECTOR%}[30m]) > %THRESHOLD%",
        "for": "1m", "severity": "warning", "threshold": 2, "thresholdUnit": "restarts in 30 minutes",
        "summary": "Collector container in {{ $labels.namespace }}/{{ $labels.pod }} restarted {{ $value | humanize }} times in 30 minutes",
        "description": "The collector container keeps restarting (OOM kills, crashes, failing liveness probes): data in its memory queues is lost at each restart.",
    },
)

NAMES: tuple[str, ...] = tuple(rule["alert"] for rule in RULES)


def anchor(name: str) -> str:
    """The section of docs/alerts.md for an alert (a Markdown heading's anchor)."""
    return name.lower()
