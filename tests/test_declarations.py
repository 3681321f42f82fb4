"""Component declarations: the one vocabulary both engines interpret.

The proof that the chart holds no component knowledge: a component that exists
only as data (a declaration written into a copy of the chart's files/otelgen.json,
no template touched) is rendered by helm with its config, its port on the Service
and its RBAC rule, exactly as the Python interpreter renders the same declaration.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import Field, StrictBool

from conftest import tool
from helm_parity import CHART, CONFIG_KEY, helm_template
from otelgen import components, plan, versions
from otelgen.components.base import Component, ComponentConfig, Context
from otelgen.components.declare import Check, Declaration, Egress, Env, Listener, Rule, Step, Volume, When, exactly_one, interpret
from otelgen.helmchart import model_desc

TEMPLATES = sorted(p.relative_to(CHART) for p in (CHART / "templates").rglob("*") if p.is_file())


# ---------------------------------------------------------------- a component that exists only as data


class BeaconConfig(ComponentConfig):
    port: int = Field(default=7070, ge=1, le=65535)
    endpoint: str | None = None
    interval: str = "10s"
    watch_nodes: StrictBool = False
    upstream: str | None = None
    targets: list[dict[str, Any]] = Field(default_factory=list)


BEACON = Declaration(
    listeners=(Listener("beacon", app_protocol="http"),),
    #: its validation rules, as data too: the upstream is an https URL, every target names one host or ip
    checks=(
        Check("prefix", path="upstream", value=("https://",), message="upstream '{{upstream}}' must be an https:// URL"),
        Check("each", path="targets", checks=(exactly_one("host", "ip", message="a target needs exactly one of host or ip, got {{@given}}"),)),
    ),
    steps=(
        Step("drop", paths=("watch_nodes",)),
        Step("drop_empty", paths=("targets",)),
        Step("set", path="source.node", value="${env:K8S_NODE_NAME}", when=(When("@ctx.mode", "eq", "agent"),)),
    ),
    rbac=(Rule(api_groups=("",), resources=("nodes",), verbs=("get", "list"), when=(When("watch_nodes"),)),),
    env=(Env("K8S_NODE_NAME", "spec.nodeName", when=(When("@ctx.mode", "eq", "agent"),)),),
    volumes=(Volume(volume="beacon", mount_path="/var/beacon", read_only=False, empty_dir_mib=16),),
    egress=(Egress(paths=("upstream",)),),
)


class Beacon(Component):
    kind = "receiver"
    id = "beacon"
    names = (("0.0.0", "beacon"),)
    config_model = BeaconConfig
    declaration = BEACON


def chart_entry() -> dict[str, Any]:
    """The registry entry the chart reads (what helmchart.registry() writes for a class)."""
    return {
        "id": Beacon.id, "kind": Beacon.kind, "names": [list(n) for n in Beacon.names], "signals": list(Beacon.signals),
        "order": None, "connects": [], "extensionFields": [], "model": model_desc(BeaconConfig), "declaration": BEACON.to_data(),
    }


@pytest.fixture
def chart_with_beacon(tmp_path: Path) -> Path:
    chart = tmp_path / "chart"
    shutil.copytree(CHART, chart)
    data_file = chart / "files" / "otelgen.json"
    data = json.loads(data_file.read_text())
    assert "beacon" not in data["components"]["receivers"]
    data["components"]["receivers"]["beacon"] = chart_entry()
    data_file.write_text(json.dumps(data))
    # the proof is about data alone: every template is byte-for-byte the committed one
    assert [(p, (chart / p).read_bytes()) for p in TEMPLATES] == [(p, (CHART / p).read_bytes()) for p in TEMPLATES]
    return chart


def render(chart: Path, tmp_path: Path, spec: dict[str, Any]) -> list[dict[str, Any]]:
    values = tmp_path / "values.yaml"
    values.write_text(yaml.safe_dump(spec))
    proc = helm_template(str(tool("helm")), "beacon-test", "obs", values, chart=chart)
    assert proc.returncode == 0, proc.stderr
    return [o for o in yaml.safe_load_all(proc.stdout) if o]


def one(objects: list[dict], kind: str) -> dict:
    found = [o for o in objects if o["kind"] == kind]
    assert len(found) == 1, [o["kind"] for o in objects]
    return found[0]


def ctx(mode: str = "gateway", instance: str = "beacon") -> Context:
    return Context(mode=mode, collector_version=versions.PINNED_COLLECTOR_VERSION, instance=instance, bind_host=plan.POD_IP,
                   pod_host=plan.POD_IP, server_tls=None, leader_election=None, namespace="obs", name="beacon-test")


def spec(mode: str, beacon: dict[str, Any]) -> dict[str, Any]:
    return {"mode": mode, "receivers": {"beacon": beacon}, "exporters": {"debug": {}},
            "pipelines": {"traces": {"receivers": ["beacon"], "exporters": ["debug"]}}, "networkPolicy": {"enabled": True}}


@pytest.mark.tools
def test_a_component_declared_only_as_data_renders_in_the_chart(chart_with_beacon, tmp_path):
    objects = render(chart_with_beacon, tmp_path, spec("gateway", {"watch_nodes": True, "upstream": "https://up.example:9443"}))
    config = yaml.safe_load(one(objects, "ConfigMap")["data"][CONFIG_KEY])
    assert config["receivers"]["beacon"] == {"endpoint": "${env:MY_POD_IP}:7070", "interval": "10s", "upstream": "https://up.example:9443"}
    service = [o for o in objects if o["kind"] == "Service" and o["spec"].get("clusterIP") != "None"][0]
    assert {"name": "beacon", "port": 7070, "targetPort": "beacon", "protocol": "TCP", "appProtocol": "http"} in service["spec"]["ports"]
    role = one(objects, "ClusterRole")
    assert {"apiGroups": [""], "resources": ["nodes"], "verbs": ["get", "list"]} in role["rules"]
    container = one(objects, "Deployment")["spec"]["template"]["spec"]["containers"][0]
    assert {"name": "beacon", "containerPort": 7070, "protocol": "TCP"} in [{k: p[k] for k in ("name", "containerPort", "protocol")} for p in container["ports"]]
    assert any(m["mountPath"] == "/var/beacon" and m["name"] == "beacon-beacon" for m in container["volumeMounts"])
    egress_ports = [p["port"] for rule in one(objects, "NetworkPolicy")["spec"]["egress"] for p in rule.get("ports", [])]
    assert 9443 in egress_ports


@pytest.mark.tools
def test_the_chart_and_python_interpret_a_data_only_declaration_alike(chart_with_beacon, tmp_path):
    for mode, settings in (("gateway", {"port": 7171}), ("agent", {"watch_nodes": True, "endpoint": "0.0.0.0:7272"})):
        objects = render(chart_with_beacon, tmp_path, spec(mode, settings))
        got = yaml.safe_load(one(objects, "ConfigMap")["data"][CONFIG_KEY])["receivers"]["beacon"]
        want, needs = interpret(BEACON, BeaconConfig.model_validate(settings).model_dump(exclude={"extra"}, exclude_none=True), ctx(mode))
        assert got == want, mode
        role_rules = [r for o in objects if o["kind"] == "ClusterRole" for r in o["rules"]]
        assert ({"apiGroups": [""], "resources": ["nodes"], "verbs": ["get", "list"]} in role_rules) == bool(needs.rbac), mode
        workload = one(objects, "DaemonSet" if mode == "agent" else "Deployment")
        env_names = [e["name"] for e in workload["spec"]["template"]["spec"]["containers"][0].get("env", [])]
        assert ("K8S_NODE_NAME" in env_names) == any(e.name == "K8S_NODE_NAME" for e in needs.env), mode
        ports = [p["containerPort"] for p in workload["spec"]["template"]["spec"]["containers"][0]["ports"]]
        assert needs.ports[0].port in ports, mode


BAD_BEACONS = {
    "plaintext upstream": ({"upstream": "http://up.example:9443"}, "error E004 spec.receivers.beacon: upstream 'http://up.example:9443' must be an https:// URL"),
    "a target with host and ip": ({"targets": [{"host": "a"}, {"host": "b", "ip": "10.0.0.2"}]}, "error E004 spec.receivers.beacon.targets[1]: a target needs exactly one of host or ip, got host, ip"),
}


def python_refusal(settings: dict[str, Any]) -> str:
    """What the Python engine says of the beacon's settings: its one model validator runs the declared checks."""
    from pydantic import ValidationError

    from otelgen.spec.load import pydantic_problems

    with pytest.raises(ValidationError) as exc:
        BeaconConfig.model_validate(settings, context={"collector_version": versions.PINNED_COLLECTOR_VERSION})
    (problem,) = pydantic_problems(exc.value, ("spec", "receivers", "beacon"), BeaconConfig)
    return problem.render()


@pytest.mark.tools
@pytest.mark.parametrize("case", sorted(BAD_BEACONS))
def test_the_chart_and_python_refuse_a_data_only_component_alike(case, chart_with_beacon, tmp_path):
    """The beacon's checks exist only as data in the chart's copy: helm refuses a bad config
    with the same ID, path and message as the Python engine, no template touched."""
    settings, want = BAD_BEACONS[case]
    assert python_refusal(settings).startswith(want + " (hint: ")
    proc = helm_template(str(tool("helm")), "beacon-test", "obs", _values(tmp_path, spec("gateway", settings)), chart=chart_with_beacon)
    assert proc.returncode != 0 and not proc.stdout.strip()
    assert want + " (hint: " in proc.stderr.replace("\n", " "), proc.stderr
    BeaconConfig.model_validate({"upstream": "https://up.example", "targets": [{"host": "a"}, {"ip": "10.0.0.2"}]})  # and both take a good one
    render(chart_with_beacon, tmp_path, spec("gateway", {"upstream": "https://up.example", "targets": [{"host": "a"}, {"ip": "10.0.0.2"}]}))


@pytest.mark.tools
def test_without_the_declaration_the_type_is_unknown_to_the_chart(tmp_path):
    proc = helm_template(str(tool("helm")), "beacon-test", "obs", _values(tmp_path, spec("gateway", {})), chart=CHART)
    assert proc.returncode != 0 and "E016" in proc.stderr and "beacon" in proc.stderr


def _values(tmp_path: Path, doc: dict[str, Any]) -> Path:
    path = tmp_path / "values.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


# ---------------------------------------------------------------- the vocabulary, in Python


def test_every_component_is_declared_and_the_chart_gets_the_declaration():
    from otelgen import helmchart

    registry = helmchart.registry()
    for comp in components.ALL:
        assert isinstance(comp.declaration, Declaration), comp.id
        section = {kind: section for section, kind in components.SECTIONS.items()}[comp.kind]
        assert registry[section][comp.id]["declaration"] == comp.declaration.to_data()
        json.dumps(comp.declaration.to_data())  # data, nothing else


def test_no_component_overrides_build_or_needs():
    """build() and needs() come from the declaration for every component (the goal: no Python override)."""
    for comp in components.ALL:
        for method in ("build", "needs", "rendered_config"):
            assert getattr(comp, method) is getattr(Component, method), f"{comp.id} overrides {method}"


#: where the templates still name components, and why; this list may only shrink.
#: (The exposure's otlp receiver and the self-scraping prometheus receiver are found by their
#: roles, otlp_server and self_scraper. The planner's own inserts in _plan.tpl, _objects.tpl and _notes.tpl are data: files/otelgen.json
#: inserts, otelgen.planning.inserts; tests/test_inserts.py. The validation rules in _checks.tpl are
#: declared checks: tests/test_checks.py.)
STILL_NAMED: dict[str, set[str]] = {}


def test_no_template_names_a_component():
    """The declaration interpreter names no component, no otelgen.build.<component> template is
    left, and nowhere else may a component name be added."""
    import re

    names = {name for comp in components.ALL for name in (comp.id, *comp.all_names())}
    # words that are also component names but mean the chart's own settings or a type of section
    generic = {"batch", "debug", "file", "filter", "forward", "resource", "routing", "transform", "attributes", "otlp", "prometheus"}
    for path in TEMPLATES:
        text = (CHART / path).read_text()
        assert "otelgen.build." not in text, path
        named = ((set(re.findall(r'"([a-z_]+)"', text)) & names) - generic) | (compared_ids(text) & names)
        assert named <= STILL_NAMED.get(str(path), set()), f"{path} names components {sorted(named - STILL_NAMED.get(str(path), set()))}"
    assert "templates/_declarations.tpl" in {str(p) for p in TEMPLATES}
    assert not STILL_NAMED.get("templates/_declarations.tpl")


def compared_ids(text: str) -> set[str]:
    """Names a template compares a component's id with (``eq $comp.id "otlp"``, ``has .id (list ...)``):
    a component name even when the word is also a generic one (batch, otlp, file, ...)."""
    import re

    found = set(re.findall(r'\b(?:eq|ne)\s+\S*\.id\s+"([a-z_]+)"', text)) | set(re.findall(r'\b(?:eq|ne)\s+"([a-z_]+)"\s+\S*\.id\b', text))
    for listed in re.findall(r'\bhas\s+\S*\.id\s+\(list((?:\s+"[a-z_]+")+)\s*\)', text):
        found |= set(re.findall(r'"([a-z_]+)"', listed))
    return found


def test_the_name_check_catches_id_comparisons_of_generic_words():
    """The component checks as they were before the declared checks: per-component blocks
    keyed by generic words (batch, otlp, filter, ...) are caught too."""
    old = '''{{- else if eq .id "batch" -}} {{- if has $.id (list "attributes" "resource") -}} {{- if and $comp (eq $comp.id "routing") -}}'''
    assert compared_ids(old) == {"batch", "attributes", "resource", "routing"}
    assert compared_ids('{{- if eq $order "batch" -}}{{- $id := .id -}}') == set()


def test_rules_from_items_drop_namespaced_pairs_granted_cluster_wide():
    rule = Rule(each="jobs[]", lookup_from="role", lookup={"pod": (("", "pods"),), "endpoints": (("", "endpoints"), ("", "pods"))},
                verbs=("get",), namespaced_when=(When("own"),))
    _, needs = interpret(Declaration(rbac=(rule,)), {"jobs": [{"role": "Pod"}, {"role": "endpoints", "own": True}, "not a mapping"]}, ctx())
    assert [(r.resources, r.namespaced) for r in needs.rbac] == [(("endpoints",), True), (("pods",), False)]


def test_placeholders_keep_types_and_interpolate():
    decl = Declaration(steps=(Step("set", path="a.b", value={"n": "{{port}}", "s": "{{@ctx.pod_host}}:{{port}}", "d": "{{path|dir}}"}),))
    out, _ = interpret(decl, {"port": 9, "path": "/x/y/z.log"}, ctx())
    assert out["a"]["b"] == {"n": 9, "s": f"{plan.POD_IP}:9", "d": "/x/y"}


def test_listener_toggle_udp_host_and_endpoint_port():
    decl = Declaration(listeners=(Listener("u", path="p.u", protocol="UDP", toggle="enabled"), Listener("t", path="p.t", toggle="enabled"), Listener("off", path="p.off", toggle="enabled")))
    settings = {"p": {"u": {"enabled": True, "port": 6831}, "t": {"enabled": True, "port": 1, "endpoint": "localhost:4444"}, "off": {"enabled": False, "port": 2}}}
    out, needs = interpret(decl, settings, ctx(instance="x/blue"))
    assert out == {"p": {"u": {"endpoint": "0.0.0.0:6831"}, "t": {"endpoint": "localhost:4444"}}}
    assert [(p.name, p.port, p.protocol) for p in needs.ports] == [("u-blue", 6831, "UDP"), ("t-blue", 4444, "TCP")]
    sidecar = Context(**{**ctx().__dict__, "bind_host": "localhost"})
    out, _ = interpret(decl, settings, sidecar)
    assert out["p"]["u"]["endpoint"] == "localhost:6831"


@pytest.mark.tools
def test_self_scrape_follows_a_changed_metrics_port(tmp_path):
    """Fixed with the declarations: the prometheus receiver's self-scrape job targeted 8888
    whatever spec.telemetry.metricsPort said (the port was frozen into both engines)."""
    from conftest import run_cli
    from helm_parity import diff

    spec_doc = {"mode": "gateway", "telemetry": {"metricsPort": 9464}, "receivers": {"prometheus": {}}, "exporters": {"debug": {}},
                "pipelines": {"metrics": {"receivers": ["prometheus"], "exporters": ["debug"]}}}
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump({"apiVersion": "otelgen.io/v1alpha1", "kind": "Collector", "metadata": {"name": "scrape", "namespace": "obs"}, "spec": spec_doc}))
    result = run_cli("render", "-f", str(path))
    assert result.code == 0, result.err
    want = result.objects()
    config = yaml.safe_load(one(want, "ConfigMap")["data"][CONFIG_KEY])
    job = config["receivers"]["prometheus"]["config"]["scrape_configs"][0]
    assert job["static_configs"] == [{"targets": ["${env:MY_POD_IP}:9464"]}]
    assert config["service"]["telemetry"]["metrics"]["readers"][0]["pull"]["exporter"]["prometheus"]["port"] == 9464
    proc = helm_template(str(tool("helm")), "scrape", "obs", _values(tmp_path, spec_doc), chart=CHART)
    assert proc.returncode == 0, proc.stderr
    assert not diff(want, [o for o in yaml.safe_load_all(proc.stdout) if o])


def test_accepts_reads_the_collectors_own_shape():
    """k8s_attributes' extract/filter as the collector writes them become otelgen's fields, by declaration."""
    from otelgen.components.processors import K8sAttributesConfig

    cfg = K8sAttributesConfig.model_validate({"extract": {"metadata": ["k8s.pod.name"], "otel_annotations": True},
                                              "filter": {"node_from_env_var": "K8S_NODE_NAME", "namespace": "a"}, "extra": {"filter": {"namespace": "b"}}})
    assert (cfg.metadata, cfg.filter_by_node, cfg.extra) == (["k8s.pod.name"], True, {"extract": {"otel_annotations": True}, "filter": {"namespace": "b"}})
    assert K8sAttributesConfig.model_validate({"filter": {"node_from_env_var": "K8S_NODE_NAME"}, "filter_by_node": False}).filter_by_node is False
    assert K8sAttributesConfig.model_validate({"filter": {"node_from_env_var": "OTHER"}}).extra == {"filter": {"node_from_env_var": "OTHER"}}


@pytest.mark.tools
def test_the_chart_reads_the_collectors_own_shape_like_python(tmp_path):
    from conftest import run_cli
    from helm_parity import diff

    for settings in ({"extract": {"metadata": ["k8s.pod.name", "k8s.node.uid"], "otel_annotations": True}, "filter": {"node_from_env_var": "K8S_NODE_NAME", "namespace": "ns-a"}, "extra": {"filter": {"namespace": "ns-b"}}},
                     {"filter": {"node_from_env_var": "K8S_NODE_NAME"}, "filter_by_node": False}):
        spec_doc = {"mode": "gateway", "processors": {"k8s_attributes": settings}, "exporters": {"debug": {}},
                    "pipelines": {"traces": {"receivers": ["otlp"], "processors": ["k8s_attributes"], "exporters": ["debug"]}}}
        path = tmp_path / "spec.yaml"
        path.write_text(yaml.safe_dump({"apiVersion": "otelgen.io/v1alpha1", "kind": "Collector", "metadata": {"name": "k", "namespace": "obs"}, "spec": spec_doc}))
        result = run_cli("render", "-f", str(path))
        assert result.code == 0, result.err
        proc = helm_template(str(tool("helm")), "k", "obs", _values(tmp_path, spec_doc), chart=CHART)
        assert proc.returncode == 0, proc.stderr
        assert not diff(result.objects(), [o for o in yaml.safe_load_all(proc.stdout) if o])
