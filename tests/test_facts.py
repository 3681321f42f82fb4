"""Lint and import read the component declarations (otelgen.components.facts).

The proof: ``beacon``, a receiver that exists only as a declaration (the fixture of
tests/test_declarations.py), registered for the test and nothing else changed, is
handled by lint (its listener's port clashes, its default port binds localhost,
its RBAC rule is missing) and by import (its endpoint comes back as the spec's
port). And no module of lint/ or importer/ names a component whose facts it now reads.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
import yaml

from conftest import ROOT
from test_declarations import Beacon

from otelgen import components
from otelgen.components import facts
from otelgen.importer import import_path
from otelgen.lint import lint_path
from otelgen.lint.model import Options

POD_IP = "${env:MY_POD_IP}"


@pytest.fixture
def beacon(monkeypatch):
    """Register the data-only component, as a declaration in components/ would be."""
    monkeypatch.setitem(components._INDEX, ("receiver", "beacon"), Beacon)
    monkeypatch.setattr(components, "ALL", components.ALL + (Beacon,))
    assert components.lookup("receiver", "beacon") is Beacon


def config(receivers: dict, **service) -> dict:
    return {"receivers": receivers, "exporters": {"debug": {}},
            "service": {**service, "pipelines": {"traces": {"receivers": list(receivers), "exporters": ["debug"]}}}}


def lint(tmp_path: Path, doc) -> list:
    path = tmp_path / "collector.yaml"
    path.write_text(yaml.safe_dump_all(doc) if isinstance(doc, list) else yaml.safe_dump(doc))
    return lint_path(str(path), Options(distribution=None))


def by_rule(found: list, rule: str) -> list:
    return [f for f in found if f.rule == rule]


# ---------------------------------------------------------------- lint


def test_lint_finds_a_data_only_listener_clashing_on_its_port(beacon, tmp_path):
    found = lint(tmp_path, config({"beacon": {"endpoint": f"{POD_IP}:4317"}, "otlp": {"protocols": {"grpc": {"endpoint": f"{POD_IP}:4317"}}}}))
    clash = by_rule(found, "OTG013")
    assert [(f.path, f.message) for f in clash] == [("receivers.otlp.protocols.grpc", "receivers.otlp listens on 4317/TCP, which receivers.beacon already uses: the collector fails to start (address already in use)")]


def test_lint_knows_a_data_only_listener_default_port(beacon, tmp_path):
    """No endpoint: the collector binds localhost on the port the model defaults to (7070)."""
    found = by_rule(lint(tmp_path, config({"beacon": {}})), "OTG010")
    assert [f.path for f in found] == ["receivers.beacon"]
    assert "its endpoint is not set" in found[0].message and f"{POD_IP}:7070" in found[0].fix
    # and 7070 clashes with another receiver told to use it
    clash = by_rule(lint(tmp_path, config({"beacon": {}, "zipkin": {"endpoint": "localhost:7070"}})), "OTG013")
    assert [f.path for f in clash] == ["receivers.zipkin"]


def manifests(beacon_settings: dict) -> list[dict]:
    relay = config({"beacon": beacon_settings})
    pod = {"serviceAccountName": "otel", "containers": [{
        "name": "otel-collector", "image": "ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-k8s:0.145.0",
        "args": ["--config=/conf/relay.yaml"], "volumeMounts": [{"name": "config", "mountPath": "/conf"}]}],
        "volumes": [{"name": "config", "configMap": {"name": "otel", "items": [{"key": "relay", "path": "relay.yaml"}]}}]}
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "otel", "namespace": "obs"}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "otel", "namespace": "obs"}, "data": {"relay": yaml.safe_dump(relay)}},
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "otel", "namespace": "obs"},
         "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "otel"}}, "template": {"metadata": {"labels": {"app": "otel"}}, "spec": pod}}},
    ]


def test_lint_finds_the_rbac_a_data_only_rule_asks_for(beacon, tmp_path):
    """Beacon's Rule: get/list nodes when watch_nodes; the ServiceAccount has no Role."""
    missing = by_rule(lint(tmp_path, manifests({"endpoint": f"{POD_IP}:7070", "watch_nodes": True})), "OTG051")
    assert len(missing) == 1 and missing[0].message.startswith("beacon needs get nodes, list nodes, which no (Cluster)Role bound to the ServiceAccount of Deployment")
    assert not by_rule(lint(tmp_path, manifests({"endpoint": f"{POD_IP}:7070"})), "OTG051")


def test_lint_reads_a_data_only_single_writer_flag(beacon, monkeypatch, tmp_path):
    """Declared single_writer: two replicas without leader election duplicate its data (OTG041)."""
    def two_replicas() -> list[dict]:
        docs = manifests({"endpoint": f"{POD_IP}:7070"})
        docs[2]["spec"]["replicas"] = 2
        return docs

    assert not by_rule(lint(tmp_path, two_replicas()), "OTG041")
    monkeypatch.setattr(Beacon, "declaration", dataclasses.replace(Beacon.declaration, single_writer=True))
    found = by_rule(lint(tmp_path, two_replicas()), "OTG041")
    assert len(found) == 1 and found[0].message.startswith("beacon runs in Deployment") and "without leader election" in found[0].message


def test_without_the_declaration_lint_knows_nothing_of_beacon(tmp_path):
    """The findings above come from the registered declaration, not from anything in lint."""
    found = lint(tmp_path, config({"beacon": {"endpoint": f"{POD_IP}:4317"}, "otlp": {"protocols": {"grpc": {"endpoint": f"{POD_IP}:4317"}}}}))
    assert not by_rule(found, "OTG013")
    assert not by_rule(lint(tmp_path, config({"beacon": {}})), "OTG010")


# ---------------------------------------------------------------- import


def imported(tmp_path: Path, receivers: dict) -> tuple[dict, dict]:
    path = tmp_path / "collector.yaml"
    path.write_text(yaml.safe_dump(config(receivers)))
    result = import_path(str(path))
    return result.document["spec"]["receivers"], result.rendered_config["receivers"]


def test_import_turns_a_data_only_listener_endpoint_into_the_spec_port(beacon, tmp_path):
    spec, rendered = imported(tmp_path, {"beacon": {"endpoint": "0.0.0.0:7171", "watch_nodes": True}})
    assert spec["beacon"] == {"watch_nodes": True, "port": 7171}
    assert rendered["beacon"] == {"endpoint": f"{POD_IP}:7171", "interval": "10s"}
    spec, rendered = imported(tmp_path, {"beacon": {}})
    assert spec["beacon"] == {} and rendered["beacon"]["endpoint"] == f"{POD_IP}:7070"


def test_import_warns_about_an_endpoint_without_a_port(beacon, tmp_path):
    path = tmp_path / "collector.yaml"
    path.write_text(yaml.safe_dump(config({"beacon": {"endpoint": "localhost"}})))
    result = import_path(str(path))
    assert result.document["spec"]["receivers"]["beacon"] == {}
    assert [(n.id, n.path) for n in result.notes.items if n.id == "W201"] == [("W201", ("receivers", "beacon", "endpoint"))]


# ---------------------------------------------------------------- the facts of today's components


def test_facts_read_from_the_declarations():
    lookup = components.lookup
    assert {c.id for c in components.ALL if c.kind == "receiver" and facts.node_local(c)} == {"file_log", "hostmetrics", "kubelet_stats"}
    assert {c.id for c in components.ALL if facts.single_writer(c)} == {"k8s_cluster", "k8s_objects", "k8s_events"}
    assert facts.derived_settings(lookup("receiver", "k8s_cluster")) == ("k8s_leader_elector",)
    assert facts.derived_settings(lookup("extension", "k8s_leader_elector")) == ()  # a default, not derived
    otlp, jaeger = lookup("receiver", "otlp"), lookup("receiver", "jaeger")
    assert [facts.listener_off(otlp, l) for l in otlp.declaration.listeners] == [{"enabled": False}] * 2
    assert [facts.listener_off(jaeger, l) for l in jaeger.declaration.listeners] == [None] * 4
    slots = facts.listener_slots(jaeger, {"protocols": {"thrift_compact": None, "grpc": {"endpoint": "x:1"}}})
    assert [(s.path, s.default_port, s.listener.protocol) for s in slots] == [(("protocols", "grpc"), 14250, "TCP"), (("protocols", "thrift_compact"), 6831, "UDP")]
    health, pprof = lookup("extension", "health_check"), lookup("extension", "pprof")
    assert facts.is_probe(health.declaration.listeners[0]) and not facts.is_debug_endpoint(health, health.declaration.listeners[0])
    assert facts.is_debug_endpoint(pprof, pprof.declaration.listeners[0])
    assert not facts.is_debug_endpoint(otlp, otlp.declaration.listeners[0])


#: names lint/ and importer/ may still quote, and why (not facts a declaration holds)
STILL_QUOTED = {
    "otlp": "the loadbalancing exporter's protocol.otlp key",
    "file_log": "its adapter turns off the spec's own container-log parser (an otelgen feature, no collector fact)",
}


def test_lint_and_import_name_no_component_whose_facts_they_read():
    readable = {c for c in components.ALL if facts.is_listener(c) or facts.single_writer(c) or facts.node_local(c) or facts.derived_settings(c)}
    names = {n for c in readable for n in (c.id, *c.all_names())} - set(STILL_QUOTED)
    files = sorted((ROOT / "generator" / "otelgen" / "lint").rglob("*.py")) + sorted((ROOT / "generator" / "otelgen" / "importer").rglob("*.py"))
    for path in files:
        quoted = set(re.findall(r'"([a-z0-9_]+)(?::[a-z]+)?"', path.read_text())) & names  # "zipkin", "zipkin:receiver"
        assert not quoted, f"{path.relative_to(ROOT)} names {sorted(quoted)}: read it from the declaration (otelgen.components.facts)"


def test_lint_reads_the_passthrough_listeners_table(tmp_path):
    """A receiver otelgen passes through (statsd) listens where unmodelled.LISTENERS says:
    the collector's localhost:8125/UDP without an endpoint; TCP when its transport says so."""
    found = by_rule(lint(tmp_path, config({"statsd": {}})), "OTG010")
    assert [f.path for f in found] == ["receivers.statsd"] and f"{POD_IP}:8125" in found[0].fix
    udp = {"statsd": {"endpoint": f"{POD_IP}:8125"}, "carbon": {"endpoint": f"{POD_IP}:8125", "transport": "udp"}}
    assert [f.message for f in by_rule(lint(tmp_path, config(udp)), "OTG013")] == ["receivers.statsd listens on 8125/UDP, which receivers.carbon already uses: the collector fails to start (address already in use)"]
    tcp = {"statsd": {"endpoint": f"{POD_IP}:8125", "transport": "tcp"}, "carbon": {"endpoint": f"{POD_IP}:8125", "transport": "udp"}}
    assert not by_rule(lint(tmp_path, config(tcp)), "OTG013")


def test_lint_reads_one_table_of_extension_references():
    """lint's unused-extension check and --fix's renames read facts.EXTENSION_REFERENCE_KEYS."""
    from otelgen.lint import fix
    from otelgen.lint.rules.pipelines import _extension_references

    doc = {"extensions": {"a": {}, "b": {}}, "receivers": {"receiver_creator": {"watch_observers": ["a", "c"]}, "filelog": {"storage": "b"}}}
    assert _extension_references(doc) == {"a", "b"}
    fix._rename_extension_references(doc, "a", "x")
    fix._rename_extension_references(doc, "b", "y")
    assert doc["receivers"] == {"receiver_creator": {"watch_observers": ["x", "c"]}, "filelog": {"storage": "y"}}
