"""Never stricter, never laxer than the collector: one case per known difference
(issue 10), each judged by the real binary (`otelcol-k8s validate`) in the test.

A case is a small collector config.  The collector's verdict is asserted first
(so the case documents a fact of the target version), then otelgen must agree:
- the collector accepts → `otelgen import` accepts it without keeping the
  component's settings aside (no W206: the typed model takes what the collector
  takes), `otelgen render` renders it, and the collector accepts the rendered config;
- the collector refuses → import or render exits 2 with an error ID."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import run_cli, tool
from test_collector import POD_ENV, _pod_like

pytestmark = pytest.mark.tools

ERROR_ID = re.compile(r"^error (E\d{3}) ", re.M)
OTLP_IN = {"otlp": {"protocols": {"grpc": {"endpoint": "0.0.0.0:4317"}}}}
DEBUG_OUT = {"debug": {}}


def config(receivers=None, processors=None, exporters=None, connectors=None, pipelines=None, signal="traces") -> dict:
    receivers = receivers if receivers is not None else OTLP_IN
    exporters = exporters if exporters is not None else DEBUG_OUT
    out = {"receivers": receivers, "exporters": exporters}
    if processors:
        out["processors"] = processors
    if connectors:
        out["connectors"] = connectors
    out["service"] = {"pipelines": pipelines or {signal: {"receivers": list(receivers), **({"processors": list(processors)} if processors else {}), "exporters": list(exporters)}}}
    return out


def exporter(name: str, settings: dict) -> dict:
    return config(exporters={name: settings})


def processor(name: str, settings: dict, signal: str = "traces") -> dict:
    return config(processors={name: settings}, signal=signal)


def receiver(name: str, settings: dict, signal: str) -> dict:
    return config(receivers={name: settings}, signal=signal)


LB = {"protocol": {"otlp": {"tls": {"insecure": True}}}}
ROUTE_PIPELINES = {
    "traces/in": {"receivers": ["otlp"], "exporters": ["routing"]},
    "traces/a": {"receivers": ["routing"], "exporters": ["debug"]},
}
SPAN_PIPELINES = {
    "traces": {"receivers": ["otlp"], "exporters": ["spanmetrics"]},
    "metrics": {"receivers": ["spanmetrics"], "exporters": ["debug"]},
}

#: id → (the collector's verdict at the target version, config, env the config reads)
CASES: dict[str, tuple[bool, dict, dict[str, str]]] = {
    # ---- otelgen was stricter: the collector accepts these
    "otlp_http-traces_endpoint-only": (True, exporter("otlp_http", {"traces_endpoint": "https://backend.example.com/v1/traces"}), {}),
    "otlp_http-signal-endpoints-only": (True, config(exporters={"otlp_http": {"metrics_endpoint": "https://m.example.com/v1/metrics", "logs_endpoint": "https://l.example.com:8443/v1/logs"}}, signal="metrics"), {}),
    **{f"compression-{c or 'empty'}": (True, exporter("otlp_grpc", {"endpoint": "backend.example.com:4317", "compression": c}), {}) for c in ("zlib", "deflate", "lz4", "x-snappy-framed", "snappy", "zstd", "none", "")},
    "loadbalancing-static-resolver": (True, exporter("loadbalancing", {**LB, "resolver": {"static": {"hostnames": ["backend-1:4317", "backend-2"]}}}), {}),
    "loadbalancing-aws_cloud_map-resolver": (True, exporter("loadbalancing", {**LB, "resolver": {"aws_cloud_map": {"namespace": "ns", "service_name": "otel", "port": 4317}}}), {}),
    "loadbalancing-routing_key-attributes": (True, exporter("loadbalancing", {**LB, "routing_key": "attributes", "routing_attributes": ["service.name"], "resolver": {"dns": {"hostname": "gw-headless.obs.svc"}}}), {}),
    "memory_limiter-both-limit-styles": (True, processor("memory_limiter", {"check_interval": "1s", "limit_mib": 400, "spike_limit_mib": 100, "limit_percentage": 80, "spike_limit_percentage": 20}), {}),
    "batch-send_batch_size-0": (True, processor("batch", {"send_batch_size": 0, "timeout": "1s"}), {}),
    "k8s_attributes-auth_type-none": (True, processor("k8sattributes", {"auth_type": "none", "passthrough": True}), {}),
    "attributes-action-upper-case": (True, processor("attributes", {"actions": [{"key": "env", "value": "prod", "action": "UPSERT"}, {"key": "secret", "action": "Delete"}]}), {}),
    "env-in-integer-fields": (True, config(processors={"memory_limiter": {"check_interval": "1s", "limit_mib": "${env:LIMIT_MIB}"}, "batch": {"send_batch_size": "${env:BATCH_SIZE}"}}), {"LIMIT_MIB": "400", "BATCH_SIZE": "1000"}),
    "resourcedetection-empty-detectors": (True, processor("resourcedetection", {"detectors": []}), {}),
    "hostmetrics-null-scrapers": (True, receiver("hostmetrics", {"collection_interval": "30s", "scrapers": {"cpu": None, "memory": None}}, "metrics"), {}),
    "prometheus-collector-shape": (True, receiver("prometheus", {"trim_metric_suffixes": True, "config": {"scrape_configs": [{"job_name": "app", "static_configs": [{"targets": ["app:9090"]}]}]}}, "metrics"), {}),
    "tail_sampling-no-policies": (True, processor("tail_sampling", {"policies": []}), {}),
    "k8sobjects-no-objects": (True, receiver("k8sobjects", {"objects": []}, "logs"), {}),
    # validate does not bind: a listener without a port fails only at start; otelgen renders the default port (W201)
    "otlp-grpc-endpoint-without-port": (True, receiver("otlp", {"protocols": {"grpc": {"endpoint": "0.0.0.0"}}}, "traces"), {}),
    # ---- otelgen was laxer: the collector refuses these
    "hostmetrics-no-scrapers": (False, receiver("hostmetrics", {"scrapers": {}}, "metrics"), {}),
    "filelog-include-empty": (False, receiver("filelog", {"include": []}, "logs"), {}),
    "jaeger-no-protocols": (False, receiver("jaeger", {"protocols": {}}, "traces"), {}),
    "prometheus-no-scrape_configs": (False, receiver("prometheus", {"config": {"scrape_configs": []}}, "metrics"), {}),
    "otlp_http-no-endpoint-for-the-pipeline-signal": (False, exporter("otlp_http", {"metrics_endpoint": "https://m.example.com/v1/metrics"}), {}),
    "compression-unknown": (False, exporter("otlp_grpc", {"endpoint": "backend.example.com:4317", "compression": "brotli"}), {}),
    "resource-no-attributes": (False, processor("resource", {"attributes": []}), {}),
    "attributes-no-actions": (False, processor("attributes", {"actions": []}), {}),
    "prometheus-nothing": (False, receiver("prometheus", {}, "metrics"), {}),
    "k8s_attributes-unknown-metadata": (False, processor("k8sattributes", {"extract": {"metadata": ["k8s.pod.name", "k8s.pod.colour"]}}), {}),
    "attributes-two-value-sources": (False, processor("attributes", {"actions": [{"key": "env", "value": "prod", "from_attribute": "deployment", "action": "upsert"}]}), {}),
    "routing-route-without-condition": (False, config(connectors={"routing": {"table": [{"pipelines": ["traces/a"]}]}}, pipelines=ROUTE_PIPELINES), {}),
    "spanmetrics-both-histograms": (False, config(connectors={"spanmetrics": {"histogram": {"explicit": {"buckets": ["10ms"]}, "exponential": {"max_size": 160}}}}, pipelines=SPAN_PIPELINES), {}),
    "resourcedetection-detector-newer-than-target": (False, processor("resourcedetection", {"detectors": ["env", "k8s_api"]}), {}),
    "batch-unparsable-duration": (False, processor("batch", {"timeout": "10 s"}), {}),
    "memory_limiter-unparsable-duration": (False, processor("memory_limiter", {"check_interval": "1sec", "limit_mib": 400}), {}),
    # found by probing numeric and duration settings at -1 and 0 against the binary (stop 19)
    "memory_limiter-limit_mib-0-alone": (False, processor("memory_limiter", {"check_interval": "1s", "limit_mib": 0, "spike_limit_mib": 100}), {}),
    "memory_limiter-limit_percentage-0-alone": (False, processor("memory_limiter", {"check_interval": "1s", "limit_percentage": 0}), {}),
    "memory_limiter-check_interval-0ms": (False, processor("memory_limiter", {"check_interval": "0ms", "limit_mib": 400}), {}),
    "memory_limiter-negative-limit_mib": (False, processor("memory_limiter", {"check_interval": "1s", "limit_mib": -1}), {}),
    "memory_limiter-limit_percentage-101": (False, processor("memory_limiter", {"check_interval": "1s", "limit_percentage": 101}), {}),
    "batch-negative-send_batch_max_size": (False, processor("batch", {"send_batch_max_size": -1}), {}),
    "batch-negative-timeout": (False, processor("batch", {"timeout": "-1s"}), {}),
    "tail_sampling-num_traces-0": (True, processor("tail_sampling", {"num_traces": 0, "policies": [{"name": "a", "type": "always_sample"}]}), {}),
    "tail_sampling-negative-num_traces": (False, processor("tail_sampling", {"num_traces": -1, "policies": []}), {}),
    "hostmetrics-collection_interval-0s": (False, receiver("hostmetrics", {"collection_interval": "0s", "scrapers": {"cpu": {}}}, "metrics"), {}),
    "kubeletstats-negative-collection_interval": (False, receiver("kubeletstats", {"collection_interval": "-1s", "auth_type": "serviceAccount"}, "metrics"), {}),
    "k8s_cluster-collection_interval-0s": (True, receiver("k8s_cluster", {"collection_interval": "0s"}, "metrics"), {}),
    "otlp-negative-timeout": (False, exporter("otlp_grpc", {"endpoint": "b:4317", "timeout": "-1s"}), {}),
    "otlp_http-negative-timeout": (True, exporter("otlp_http", {"endpoint": "https://b", "timeout": "-1s"}), {}),
    "otlp_http-negative-backoff": (False, exporter("otlp_http", {"endpoint": "https://b", "retry_on_failure": {"max_interval": "-1s"}}), {}),
    "debug-sampling-0-and-negative": (True, exporter("debug", {"sampling_initial": 0, "sampling_thereafter": -1}), {}),
    "spanmetrics-flush-interval-0s": (False, config(connectors={"spanmetrics": {"metrics_flush_interval": "0s"}}, pipelines=SPAN_PIPELINES), {}),
    "spanmetrics-negative-flush-interval": (False, config(connectors={"spanmetrics": {"metrics_flush_interval": "-1s"}}, pipelines=SPAN_PIPELINES), {}),
    "loadbalancing-negative-timeout": (False, exporter("loadbalancing", {**LB, "timeout": "-1s", "resolver": {"static": {"hostnames": ["a:4317"]}}}), {}),
    "loadbalancing-timeout-0s": (True, exporter("loadbalancing", {**LB, "timeout": "0s", "resolver": {"static": {"hostnames": ["a:4317"]}}}), {}),
    "health_check-path-not-absolute": (False, {**config(), "extensions": {"health_check": {"endpoint": "0.0.0.0:13133", "path": ""}}, "service": {**config()["service"], "extensions": ["health_check"]}}, {}),
    "spanmetrics-duplicate-dimension": (False, config(connectors={"spanmetrics": {"dimensions": [{"name": "a"}, {"name": "a"}]}}, pipelines=SPAN_PIPELINES), {}),
    "spanmetrics-dimension-it-has-already": (False, config(connectors={"spanmetrics": {"dimensions": [{"name": "service.name"}]}}, pipelines=SPAN_PIPELINES), {}),
    "spanmetrics-dimensions-differing-in-case": (True, config(connectors={"spanmetrics": {"dimensions": [{"name": "a"}, {"name": "A"}]}}, pipelines=SPAN_PIPELINES), {}),
    "otlp-negative-backoff-while-off": (True, exporter("otlp_grpc", {"endpoint": "b:4317", "retry_on_failure": {"enabled": False, "initial_interval": "-1s"}}), {}),
}


def collector_validate(config_text: str, tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    path = tmp_path / f"validate-{len(list(tmp_path.iterdir()))}.yaml"
    path.write_text(yaml.safe_dump(_pod_like(yaml.safe_load(config_text)), sort_keys=False))
    full = {k: v for k, v in os.environ.items() if not k.startswith(("OTELGEN_", "K8S_", "MY_"))}
    full.update(POD_ENV)
    full.update(env)
    return subprocess.run([str(tool("collector")), "validate", f"--config={path}"], capture_output=True, text=True, env=full, timeout=120)


def otelgen_verdict(config_dict: dict, tmp_path: Path, env: dict[str, str]) -> tuple[bool, str]:
    """(accepted, why): import, render, and the collector on the rendered config."""
    source = tmp_path / "input.yaml"
    source.write_text(yaml.safe_dump(config_dict, sort_keys=False))
    imported = run_cli("import", str(source))
    if imported.code != 0:
        assert imported.code == 2 and ERROR_ID.search(imported.err), imported.err
        return False, imported.err
    spec = tmp_path / "spec.yaml"
    spec.write_text(imported.out)
    rendered = run_cli("render", "-f", str(spec))
    if rendered.code != 0:
        assert rendered.code == 2 and ERROR_ID.search(rendered.err), rendered.err
        return False, rendered.err
    kept_aside = [line for line in imported.err.splitlines() if line.startswith("warning W206")]
    assert not kept_aside, f"otelgen's model refuses what the collector takes:\n{imported.err}"
    objects = rendered.objects()
    cm = next(o for o in objects if o["kind"] == "ConfigMap")
    after = collector_validate(cm["data"]["collector.yaml"], tmp_path, env)
    assert after.returncode == 0, f"otelgen renders a config the collector refuses:\n{after.stderr[-1500:]}"
    return True, imported.err


@pytest.mark.parametrize("case", sorted(CASES))
def test_otelgen_agrees_with_the_collector(case, tmp_path):
    expected, cfg, env = CASES[case]
    verdict = collector_validate(yaml.safe_dump(cfg), tmp_path, env)
    assert (verdict.returncode == 0) == expected, f"the collector's verdict is not what this case documents:\n{verdict.stderr[-1500:]}"
    accepted, why = otelgen_verdict(cfg, tmp_path, env)
    assert accepted == expected, f"collector {'accepts' if expected else 'refuses'}, otelgen {'accepts' if accepted else 'refuses'}:\n{why}"


# ---------------------------------------------------------------- edges, probed

#: collector-shaped configs of modelled components; every number and duration in the
#: component's settings is tried at -1/-1s and 0/0s (see EDGES): the cases above marked
#: "found by probing" came from this, and it keeps probing as components change
EDGE_BASES: dict[str, tuple[str, str, dict]] = {
    "otlp": ("exporters", "otlp_grpc", exporter("otlp_grpc", {"endpoint": "b:4317", "timeout": "5s", "sending_queue": {"num_consumers": 2, "queue_size": 100},
                                                               "retry_on_failure": {"initial_interval": "1s", "max_interval": "5s", "max_elapsed_time": "60s"}})),
    "otlp-all-off": ("exporters", "otlp_grpc", exporter("otlp_grpc", {"endpoint": "b:4317", "sending_queue": {"enabled": False, "num_consumers": 2, "queue_size": 100},
                                                                    "retry_on_failure": {"enabled": False, "initial_interval": "1s"}})),
    "otlp_http": ("exporters", "otlp_http", exporter("otlp_http", {"endpoint": "https://b", "timeout": "5s", "retry_on_failure": {"initial_interval": "1s"}})),
    "debug": ("exporters", "debug", exporter("debug", {"sampling_initial": 2, "sampling_thereafter": 500})),
    "loadbalancing": ("exporters", "loadbalancing", exporter("loadbalancing", {**LB, "timeout": "5s", "resolver": {"static": {"hostnames": ["a:4317"]}}})),
    "batch": ("processors", "batch", processor("batch", {"send_batch_size": 100, "send_batch_max_size": 200, "timeout": "1s"})),
    "memory_limiter": ("processors", "memory_limiter", processor("memory_limiter", {"check_interval": "1s", "limit_mib": 400, "spike_limit_mib": 100})),
    "memory_limiter-percent": ("processors", "memory_limiter", processor("memory_limiter", {"check_interval": "1s", "limit_percentage": 80, "spike_limit_percentage": 20})),
    "tail_sampling": ("processors", "tail_sampling", processor("tail_sampling", {"decision_wait": "10s", "num_traces": 1000, "expected_new_traces_per_sec": 10, "policies": []})),
    "resourcedetection": ("processors", "resourcedetection", processor("resourcedetection", {"detectors": ["env"], "timeout": "2s"})),
    "hostmetrics": ("receivers", "hostmetrics", receiver("hostmetrics", {"collection_interval": "30s", "scrapers": {"cpu": {}}}, "metrics")),
    "kubeletstats": ("receivers", "kubeletstats", receiver("kubeletstats", {"collection_interval": "30s", "auth_type": "serviceAccount"}, "metrics")),
    "k8s_cluster": ("receivers", "k8s_cluster", receiver("k8s_cluster", {"collection_interval": "30s"}, "metrics")),
    "spanmetrics": ("connectors", "spanmetrics", config(connectors={"spanmetrics": {"metrics_flush_interval": "15s"}}, pipelines=SPAN_PIPELINES)),
}


def _edge_leaves(settings, path=()):
    if isinstance(settings, dict):
        for key, value in settings.items():
            yield from _edge_leaves(value, (*path, key))
    elif isinstance(settings, int) and not isinstance(settings, bool):
        yield path, (-1, 0)
    elif isinstance(settings, str) and re.fullmatch(r"[0-9]+(ms|s|m)", settings):
        yield path, ("-1s", "0s")


def _edges() -> dict[str, tuple[dict, tuple[str, str], tuple[str, ...], object]]:
    out = {}
    for label, (section, name, cfg) in EDGE_BASES.items():
        for path, values in _edge_leaves(cfg[section][name]):
            for value in values:
                out[f"{label}-{'.'.join(path)}={value}"] = (cfg, (section, name), path, value)
    return out


EDGES = _edges()


@pytest.mark.parametrize("edge", sorted(EDGES))
def test_otelgen_agrees_with_the_collector_at_the_edges(edge, tmp_path):
    """Whatever the collector says of a number or duration at -1 or 0, otelgen says too."""
    base, (section, name), path, value = EDGES[edge]
    cfg = yaml.safe_load(yaml.safe_dump(base))
    target = cfg[section][name]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    expected = collector_validate(yaml.safe_dump(cfg), tmp_path, {}).returncode == 0
    accepted, why = otelgen_verdict(cfg, tmp_path, {})
    assert accepted == expected, f"collector {'accepts' if expected else 'refuses'}, otelgen {'accepts' if accepted else 'refuses'}:\n{why}"


def test_the_edge_bases_are_valid(tmp_path):
    """Each base config is accepted by the collector and by otelgen (so an edge's verdict is the edge's)."""
    for label, (_, _, cfg) in EDGE_BASES.items():
        assert collector_validate(yaml.safe_dump(cfg), tmp_path, {}).returncode == 0, label
        assert otelgen_verdict(cfg, tmp_path, {})[0], label
