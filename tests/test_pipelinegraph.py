"""otelgen.pipelinegraph: one checker of the pipeline graph for the planner (E010-E013
on a spec) and lint (OTG021/OTG030/OTG100/OTG102-OTG104 on a raw config).

The agreement tests give the same broken graph to both callers, as a spec to
`otelgen render` and as the equivalent collector config to `otelgen lint`, and
require the same findings: same place, same message and hint (the spec's section
names carry "spec."), IDs in the documented correspondence."""

from __future__ import annotations

import re

import pytest
import yaml

from conftest import run_cli
from otelgen import pipelinegraph as pg
from otelgen.lint import lint_path
from otelgen.lint.model import Options

#: the planner's ID ↔ lint's rule for each shared check
CORRESPONDING = {("E010", "OTG100"), ("E010", "OTG104"), ("E011", "OTG102"), ("E012", "OTG103"), ("E013", "OTG021"), ("E013", "OTG030")}
GRAPH_RULES = {rule for _, rule in CORRESPONDING}
GRAPH_IDS = {id for id, _ in CORRESPONDING}
OTLP = {"endpoint": "backend.example.com:4317"}
SAMPLER = {"policies": [{"name": "all", "type": "always_sample"}]}


def P(receivers, exporters, processors=()):
    return {"receivers": list(receivers), "processors": list(processors), "exporters": list(exporters)}


#: name → (sections besides the gateway's otlp receiver and exporter, pipelines)
BROKEN = {
    "undefined exporter (did you mean)": ({"exporters": {"otlp/backend": OTLP}}, {"traces": P(["otlp"], ["otlp", "otlp/bakend"])}),
    "undefined processor": ({"processors": {"batch": {}}}, {"traces": P(["otlp"], ["otlp"], ["batchh"])}),
    "undefined receiver, nothing close": ({}, {"metrics": P(["prometheus/zzz"], ["otlp"])}),
    "receiver without the signal": ({"receivers": {"zipkin": {}}}, {"metrics": P(["otlp", "zipkin"], ["otlp"])}),
    "processor without the signal": ({"processors": {"tail_sampling": SAMPLER}}, {"logs": P(["otlp"], ["otlp"], ["tail_sampling"])}),
    "connector on one side": ({"connectors": {"spanmetrics": {}}}, {"traces": P(["otlp"], ["otlp", "spanmetrics"])}),
    "connector received from only": ({"connectors": {"forward": {}}}, {"traces": P(["otlp", "forward"], ["otlp"])}),
    "connector between unsupported signals": ({"connectors": {"spanmetrics": {}}}, {"traces": P(["otlp"], ["spanmetrics"]), "logs": P(["spanmetrics"], ["otlp"])}),
    "memory_limiter not first": ({"processors": {"batch": {}, "memory_limiter": {"limit_percentage": 80, "spike_limit_percentage": 20, "check_interval": "1s"}}}, {"traces": P(["otlp"], ["otlp"], ["batch", "memory_limiter"])}),
    "batch before a sampler": ({"processors": {"batch": {}, "tail_sampling": SAMPLER}}, {"traces": P(["otlp"], ["otlp"], ["batch", "tail_sampling"])}),
    "processor twice": ({"processors": {"batch": {}}}, {"traces": P(["otlp"], ["otlp"], ["batch", "batch"])}),
    "several at once": ({"receivers": {"zipkin": {}}, "connectors": {"spanmetrics": {}}, "processors": {"batch": {}, "tail_sampling": SAMPLER}},
                        {"traces": P(["otlp"], ["otlp", "spanmetrics", "otlp/x"], ["batch", "tail_sampling"]), "metrics": P(["zipkin"], ["otlp"])}),
}
#: graphs both must accept
FINE = {
    "forward between a traces and a metrics pair": ({"connectors": {"forward": {}}}, {"traces/in": P(["otlp"], ["forward"]), "metrics/in": P(["otlp"], ["forward"]), "traces/out": P(["forward"], ["otlp"]), "metrics/out": P(["forward"], ["otlp"])}),
    "spanmetrics traces to metrics": ({"connectors": {"spanmetrics": {}}}, {"traces": P(["otlp"], ["otlp", "spanmetrics"]), "metrics": P(["spanmetrics"], ["otlp"])}),
}

_PROBLEM = re.compile(r"^error (E\d{3}) (\S+): (.*?)(?: \(hint: (.*)\))?$")


def planner_findings(tmp_path, sections: dict, pipelines: dict) -> set[tuple]:
    spec = {"mode": "gateway", "presets": {"kubernetesAttributes": {"enabled": False}}, "pipelineDefaults": {"memoryLimiter": False, "batch": False},
            **sections, "pipelines": {"traces": None, "metrics": None, "logs": None, **pipelines}}
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump({"apiVersion": "otelgen.io/v1alpha1", "kind": "Collector", "metadata": {"name": "gw", "namespace": "obs"}, "spec": spec}))
    result = run_cli("render", "-f", str(path))
    found = set()
    for line in result.err.splitlines():
        match = _PROBLEM.match(line)
        if match and match[1] in GRAPH_IDS:
            id, where, message, hint = match.groups()
            found.add((id, where.removeprefix("spec."), message.replace("spec.", ""), (hint or "").replace("spec.", "")))
    assert found or result.code == 0, result.err
    return found


def lint_findings(tmp_path, sections: dict, pipelines: dict) -> set[tuple]:
    config: dict = {"receivers": {"otlp": {"protocols": {"grpc": {"endpoint": "${env:MY_POD_IP}:4317"}}}}, "exporters": {"otlp": OTLP}}
    for section, entries in sections.items():
        config.setdefault(section, {}).update(entries)
    config["service"] = {"pipelines": pipelines}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return {(f.rule, f.path.removeprefix("service."), f.message, f.fix) for f in lint_path(str(path), Options()) if f.rule in GRAPH_RULES}


def _without_id(found: set[tuple]) -> set[tuple]:
    return {f[1:] for f in found}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_planner_and_lint_agree_on_a_broken_graph(case, tmp_path):
    sections, pipelines = BROKEN[case]
    planned = planner_findings(tmp_path, sections, pipelines)
    linted = lint_findings(tmp_path, sections, pipelines)
    assert planned, "the planner accepts it"
    assert _without_id(planned) == _without_id(linted), f"planner: {sorted(planned)}\nlint: {sorted(linted)}"
    by_place = {f[1:]: f[0] for f in linted}
    for id, *rest in planned:
        assert (id, by_place[tuple(rest)]) in CORRESPONDING


@pytest.mark.parametrize("case", sorted(FINE))
def test_planner_and_lint_accept_a_sound_graph(case, tmp_path):
    sections, pipelines = FINE[case]
    assert planner_findings(tmp_path, sections, pipelines) == set()
    assert lint_findings(tmp_path, sections, pipelines) == set()


def test_the_planner_refuses_a_receiver_twice_lint_does_not(tmp_path):
    """The one documented difference: the collector accepts a receiver or exporter listed
    twice (only processors are refused), so lint is silent; a spec that lists one twice
    would render it twice, and the planner refuses it (E010)."""
    pipelines = {"traces": P(["otlp", "otlp"], ["otlp"])}
    assert {f[:2] for f in planner_findings(tmp_path, {}, pipelines)} == {("E010", "pipelines.traces.receivers[1]")}
    assert lint_findings(tmp_path, {}, pipelines) == set()


# ---------------------------------------------------------------- the checker alone, on hand-made graphs


def graph(pipelines: dict, **nodes: pg.Node) -> pg.Graph:
    return pg.Graph(pipelines, {tuple(k.split("__")): v for k, v in nodes.items()})


def test_references_in_pipeline_order():
    g = graph({"traces": P(["otlp", "otlp", "nope"], ["debug"]), "metrics": P(["otlp"], ["debug"])},
              receivers__otlp=pg.Node(signals=("traces", "logs")), exporters__debug=pg.Node(signals=("traces", "metrics", "logs")))
    found = pg.references(g)
    assert [(f.check, f.where) for f in found] == [
        (pg.LISTED_TWICE, ("pipelines", "traces", "receivers", 1)),
        (pg.UNDEFINED, ("pipelines", "traces", "receivers", 2)),
        (pg.SIGNAL, ("pipelines", "metrics", "receivers", 0)),
    ]
    assert found[1].message == "'nope' is not defined under receivers or connectors" and found[1].hint == "defined: otlp"
    assert found[2].message == "otlp does not support metrics (it handles traces, logs)"
    assert pg.references(g, twice=("processors",))[0].check == pg.UNDEFINED


def test_unknown_signals_conclude_nothing_and_signal_problems_are_asked():
    g = graph({"logs": P(["x"], ["y"])}, receivers__x=pg.Node(), exporters__y=pg.Node(signals=("logs",), signal_problem=lambda s: f"no {s}_endpoint"))
    assert [(f.check, f.message) for f in pg.references(g)] == [(pg.SIGNAL, "y: no logs_endpoint")]


def test_connectors_need_one_supported_pair_per_signal():
    pairs = (("traces", "traces"), ("metrics", "metrics"))
    ok = graph({"traces/a": P(["r"], ["c"]), "metrics/a": P(["r"], ["c"]), "traces/b": P(["c"], ["e"]), "metrics/b": P(["c"], ["e"])}, connectors__c=pg.Node(connects=pairs))
    assert pg.connectors(ok) == []
    bad = graph({"traces/a": P(["r"], ["c"]), "logs/b": P(["c"], ["e"])}, connectors__c=pg.Node(connects=pairs))
    assert [(f.check, f.where, f.message) for f in pg.connectors(bad)] == [
        (pg.CONNECTOR_SIGNALS, ("connectors", "c"), "connector c cannot take traces to logs"),
        (pg.CONNECTOR_SIGNALS, ("connectors", "c"), "connector c cannot produce logs from traces"),
    ]
    unknown = graph({"traces/a": P(["r"], ["c"]), "logs/b": P(["c"], ["e"])}, connectors__c=pg.Node())
    assert pg.connectors(unknown) == []
    one_side = graph({"traces": P(["r"], ["c"])}, connectors__c=pg.Node(connects=pairs))
    assert [(f.check, f.message, f.hint) for f in pg.connectors(one_side)] == [(pg.CONNECTOR_ONE_SIDE, "connector c is used only as an exporter", "list it as a receiver of another pipeline too")]


def test_processor_order():
    g = graph({"traces": P(["r"], ["e"], ["batch", "ml", "k8s", "tail"])},
              processors__batch=pg.Node(order="batch"), processors__ml=pg.Node(order="first"), processors__k8s=pg.Node(order="before_batch"), processors__tail=pg.Node(order="before_batch"))
    assert [(f.check, f.where, f.message) for f in pg.order(g)] == [
        (pg.ORDER_BATCH, ("pipelines", "traces", "processors", 0), "batch runs before k8s, tail"),
        (pg.ORDER_FIRST, ("pipelines", "traces", "processors", 1), "ml must be the first processor (it is at position 1)"),
    ]


def test_section_labels_follow_the_caller():
    g = pg.Graph({"traces": P(["r"], ["e"])}, {("receivers", "r"): pg.Node()}, prefix="spec.")
    assert pg.references(g)[0].message == "'e' is not defined under spec.exporters or spec.connectors"


@pytest.mark.tools
@pytest.mark.parametrize("name, refused", [("OTG104-bad", 'references processor "batch" multiple times'), ("OTG104-good", None), ("OTG102-good-forward", None)])
def test_the_collector_agrees(name, refused, tmp_path):
    """A processor twice is refused, a receiver twice and forward across signals are not."""
    from pathlib import Path

    from test_collector import validate

    text = (Path(__file__).parent / "lint" / f"{name}.yaml").read_text()
    proc = validate(text, tmp_path)
    if refused is None:
        assert proc.returncode == 0, proc.stderr[-1500:]
    else:
        assert proc.returncode != 0 and refused in proc.stderr, proc.stderr[-1500:]


def test_import_names_an_undefined_reference_in_the_same_words(tmp_path):
    sections, pipelines = BROKEN["undefined exporter (did you mean)"]
    linted = lint_findings(tmp_path, sections, pipelines)
    result = run_cli("import", str(tmp_path / "config.yaml"))
    assert result.code == 2
    (_, where, message, hint), = linted
    assert f"config.yaml: service.{where}: {message} (hint: {hint})" in result.err and "error E010" in result.err, result.err


@pytest.mark.tools
def test_the_chart_says_e012_in_the_same_words(tmp_path):
    """The chart's copy of the one-side check (_checks.tpl) words it as the checker does."""
    from conftest import tool
    from helm_parity import helm_template

    values = {"mode": "gateway", "connectors": {"spanmetrics": {}}, "pipelines": {"traces": {"receivers": ["otlp"], "exporters": ["otlp", "spanmetrics"]}}}
    path = tmp_path / "values.yaml"
    path.write_text(yaml.safe_dump(values))
    proc = helm_template(str(tool("helm")), "gw", "obs", path)
    expected = "error E012 spec.connectors.spanmetrics: connector spanmetrics is used only as an exporter (hint: list it as a receiver of another pipeline too)"
    assert proc.returncode != 0 and expected in proc.stderr, proc.stderr
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump({"metadata": {"name": "gw", "namespace": "obs"}, "spec": values}))
    result = run_cli("render", "-f", str(spec))
    assert result.code == 2 and expected in result.err, result.err


def test_an_undefined_extension_in_the_same_words_everywhere(tmp_path):
    """service.extensions in lint and import, a component's authenticator in a spec."""
    config = {"receivers": {"otlp": {"protocols": {"grpc": {"endpoint": "${env:MY_POD_IP}:4317"}}}}, "exporters": {"otlp": OTLP},
              "extensions": {"health_check": {}}, "service": {"extensions": ["health_check", "healthcheck/x"], "pipelines": {"traces": P(["otlp"], ["otlp"])}}}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    words = "extension 'healthcheck/x' is not defined under extensions (hint: defined: health_check; did you mean 'health_check'?)"
    linted = [f for f in lint_path(str(path), Options()) if f.rule == "OTG100"]
    assert [(f.path, f"{f.message} (hint: {f.fix})") for f in linted] == [("service.extensions[1]", words)]
    imported = run_cli("import", str(path))
    assert imported.code == 2 and f"service.extensions[1]: {words}" in imported.err, imported.err
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump({"metadata": {"name": "gw", "namespace": "obs"}, "spec": {"mode": "gateway", "extensions": {"health_check": {}},
                                    "exporters": {"otlp": {**OTLP, "authenticator": "healthcheck/x"}}}}))
    rendered = run_cli("render", "-f", str(spec))
    assert rendered.code == 2 and "spec.exporters.otlp.authenticator: " + words.replace("under extensions", "under spec.extensions") in rendered.err, rendered.err
