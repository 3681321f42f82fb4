"""Signals of components otelgen does not model come from the catalog (each module's
metadata.yaml stability per signal): the pipeline signal check (E011) refuses what the
real collector refuses, and accepts what it accepts.

Each case is a spec that otelgen renders and the same spec with one component moved
into a pipeline (or connector pair) of another signal. The real binary judges the
rendered config and that config with the same move: otelgen's E011 must agree."""

from __future__ import annotations

import copy

import pytest
import yaml

from conftest import run_cli, write_spec
from otelgen import catalog, components, distributions, versions
from test_collector import validate

SPEC = """
apiVersion: otelgen.io/v1alpha1
kind: Collector
metadata: {{name: sig, namespace: obs}}
spec:
  mode: gateway
  distribution: {distribution}
  receivers:
    otlp: {{}}
{receivers}
  exporters:
    debug: {{}}
{exporters}
  connectors:
{connectors}
  pipelines:
{pipelines}
"""

#: name → (distribution, receivers, exporters, connectors, pipelines accepted,
#:          the move: pipeline → role → list, whether the collector accepts the move)
CASES = {
    # statsd is metrics-only: in a traces pipeline the collector refuses it
    "metrics-receiver-in-traces": (
        "contrib",
        "    statsd: {endpoint: '0.0.0.0:8125'}",
        "",
        "    {}",
        {"traces": {"receivers": ["otlp"], "exporters": ["debug"]}, "metrics": {"receivers": ["otlp", "statsd"], "exporters": ["debug"]}},
        ("traces", "receivers", ["otlp", "statsd"]),
        False,
    ),
    # the prometheus exporter is metrics-only
    "metrics-exporter-in-logs": (
        "contrib",
        "",
        "    prometheus: {endpoint: '0.0.0.0:8889'}",
        "    {}",
        {"logs": {"receivers": ["otlp"], "exporters": ["debug"]}, "metrics": {"receivers": ["otlp"], "exporters": ["prometheus"]}},
        ("logs", "exporters", ["debug", "prometheus"]),
        False,
    ),
    # the kafka receiver handles every signal: traces too
    "all-signals-receiver-in-traces": (
        "contrib",
        "    kafka: {brokers: ['kafka.obs:9092']}",
        "",
        "    {}",
        {"traces": {"receivers": ["otlp"], "exporters": ["debug"]}, "metrics": {"receivers": ["kafka"], "exporters": ["debug"]}},
        ("traces", "receivers", ["otlp", "kafka"]),
        True,
    ),
    # the count connector (otelcol-k8s, not modelled) produces metrics only
    "count-connector-to-logs": (
        "otelcol-k8s",
        "",
        "",
        "    count: {}",
        {"traces": {"receivers": ["otlp"], "exporters": ["count"]}, "metrics": {"receivers": ["count"], "exporters": ["debug"]}, "logs": {"receivers": ["otlp"], "exporters": ["debug"]}},
        ("logs", "receivers", ["count"]),
        False,  # traces_to_logs is not a pair count has
    ),
}


def _spec(case: tuple, pipelines: dict) -> str:
    distribution, receivers, exporters, connectors, *_ = case
    body = "\n".join(f"    {name}: {yaml.safe_dump(p, default_flow_style=True).strip()}" for name, p in pipelines.items())
    return SPEC.format(distribution=distribution, receivers=receivers, exporters=exporters, connectors=connectors, pipelines=body)


def _moved(pipelines: dict, move: tuple) -> dict:
    out = copy.deepcopy(pipelines)
    pname, role, refs = move
    out[pname][role] = refs
    return out


def test_the_cases_are_unmodelled_and_the_catalog_knows_their_signals():
    version = versions.PINNED_COLLECTOR_VERSION
    for kind, name, dist in (("receiver", "statsd", "contrib"), ("exporter", "prometheus", "contrib"), ("receiver", "kafka", "contrib"), ("connector", "count", "otelcol-k8s")):
        assert components.lookup(kind, name) is None, name  # otherwise its model decides
        assert catalog.signals(kind, name, distributions.catalog_name(dist), version), name
    assert catalog.signals("receiver", "statsd", "otelcol-contrib", version) == ("metrics",)
    assert catalog.signals("connector", "count", "otelcol-k8s", version) == ("logs_to_metrics", "metrics_to_metrics", "profiles_to_metrics", "traces_to_metrics")


@pytest.mark.tools
@pytest.mark.parametrize("name", sorted(CASES))
def test_signal_check_agrees_with_the_collector(name, tmp_path):
    case = CASES[name]
    distribution, _, _, _, pipelines, move, collector_accepts = case
    binary = "collector_contrib" if distribution == "contrib" else "collector"
    good = run_cli("render", "-f", write_spec(tmp_path, _spec(case, pipelines), "good.yaml"))
    assert good.code == 0, good.err
    objects = good.objects()
    config = yaml.safe_load(next(o for o in objects if o["kind"] == "ConfigMap")["data"]["collector.yaml"])
    pod = next(o for o in objects if o["kind"] == "Deployment")["spec"]["template"]["spec"]
    env = next(c for c in pod["containers"] if c["name"] == "otc-container").get("env", [])
    (tmp_path / "good").mkdir()
    accepted = validate(yaml.safe_dump(config), tmp_path / "good", env, binary=binary)
    assert accepted.returncode == 0, accepted.stderr[-2000:]

    # the same move in the spec and in the rendered config
    moved_spec = run_cli("render", "-f", write_spec(tmp_path, _spec(case, _moved(pipelines, move)), "moved.yaml"))
    pname, role, refs = move
    moved = copy.deepcopy(config)
    moved["service"]["pipelines"][pname][role] = list(refs)
    (tmp_path / "moved").mkdir()
    verdict = validate(yaml.safe_dump(moved), tmp_path / "moved", env, binary=binary)
    assert (verdict.returncode == 0) is collector_accepts, verdict.stderr[-2000:]
    if verdict.returncode == 0:
        assert moved_spec.code == 0, f"the collector accepts it, otelgen refuses:\n{moved_spec.err}"
    else:
        assert moved_spec.code == 2 and "error E011" in moved_spec.err, f"the collector refuses it ({verdict.stderr.strip().splitlines()[-1]}), otelgen:\n{moved_spec.err}"
