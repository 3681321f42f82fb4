"""The planner's own inserts (otelgen.planning.inserts): one table, read by both engines.

The proof that neither engine names the components it inserts: a role handed to a
different component that exists only in a fixture (a Python class registered for the
test; in a copy of the chart, its registry entry and the regenerated inserts table in
files/otelgen.json, every template byte-for-byte the committed one) changes what
both engines insert, and they still render the same objects.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import Field

from conftest import run_cli, tool
from helm_parity import CHART, CONFIG_KEY, diff, helm_template
from otelgen import components, helmchart, versions
from otelgen.components.base import Component, ComponentConfig
from otelgen.components.declare import Declaration, Listener
from otelgen.components.extensions import HEALTH_PORT_NAME, HealthCheck, LeaderElector
from otelgen.components.processors import Batch, K8sAttributes, MemoryLimiter
from otelgen.planning import inserts

TEMPLATES = sorted(p.relative_to(CHART) for p in (CHART / "templates").rglob("*") if p.is_file())
SECTION = {kind: section for section, kind in components.SECTIONS.items()}


# ---------------------------------------------------------------- the table


def test_every_role_is_a_row_and_has_exactly_one_component():
    from otelgen.components.base import LOOKUP_ROLES

    declared = [comp.role for comp in components.ALL if comp.role is not None]
    assert sorted(declared) == sorted(set(inserts.ROLES) | set(LOOKUP_ROLES))  # each once
    for row in inserts.INSERTS:
        comp = inserts.component(row.role)
        assert SECTION[comp.kind] == row.section, row.role
    assert {r: inserts.component(r) for r in inserts.ROLES} == {
        "memory_guard": MemoryLimiter, "batcher": Batch, "pod_metadata": K8sAttributes, "health": HealthCheck, "leader_elector": LeaderElector}


def test_pipeline_positions_agree_with_the_order_check():
    """E013 judges by order class what the planner places by position: the memory guard
    first ("first"), the batcher last ("batch"), the preset's processor before the batcher."""
    order = {"first": "first", "last": "batch"}
    for row in inserts.INSERTS:
        comp = inserts.component(row.role)
        if row.position in order:
            assert comp.order == order[row.position], row.role
        elif row.position.startswith("after:"):
            assert comp.order != "first" and row.position.split(":", 1)[1] in inserts.ROLES
        else:
            assert row.section == "extensions" and comp.order is None, row.role


def test_positions_and_presence():
    procs = ["memory_limiter/a", "filter"]
    inserts.insert("pod_metadata", procs)
    assert procs == ["memory_limiter/a", "k8s_attributes", "filter"]
    procs = ["filter"]
    inserts.insert("pod_metadata", procs)
    inserts.insert("memory_guard", procs)
    inserts.insert("batcher", procs)
    assert procs == ["memory_limiter", "k8s_attributes", "filter", "batch"]
    assert inserts.present("memory_guard", ["memory_limiter/x"]) and inserts.present("batcher", ["batch/y"])
    # the preset's processor counts as present only under its own name, as it always did
    assert not inserts.present("pod_metadata", ["k8sattributes"]) and inserts.present("pod_metadata", ["k8s_attributes"])
    assert inserts.needs_fill("memory_guard", {"check_interval": "1s"}) and not inserts.needs_fill("memory_guard", {"limit_mib": 100})
    with pytest.raises(ValueError):
        inserts.insert("health", [])


def test_the_chart_gets_the_table():
    committed = json.loads((CHART / "files" / "otelgen.json").read_text())
    assert committed["inserts"] == helmchart.inserts_data() == inserts.data()
    assert committed["inserts"]["memory_guard"]["name"] == "memory_limiter"
    assert committed["inserts"]["health"]["probePath"] == "path"


def test_a_role_needs_exactly_one_component(monkeypatch):
    monkeypatch.setattr(Batch, "role", "memory_guard")
    with pytest.raises(LookupError, match="memory_guard.*2 components"):
        inserts.component("memory_guard")


# ---------------------------------------------------------------- fixture components taking a role


class GuardConfig(ComponentConfig):
    check_interval: str = "1s"
    limit_percentage: int | None = None
    spike_limit_percentage: int | None = None
    limit_mib: int | None = None


class Guard(Component):
    kind = "processor"
    id = "guard"
    names = (("0.0.0", "guard"),)
    order = "first"
    role = "memory_guard"
    config_model = GuardConfig


class PodTagsConfig(ComponentConfig):
    labels: list[dict[str, Any]] = Field(default_factory=list)


class PodTags(Component):
    kind = "processor"
    id = "podtags"
    names = (("0.0.0", "podtags"),)
    order = "before_batch"
    role = "pod_metadata"
    config_model = PodTagsConfig


class ProbeConfig(ComponentConfig):
    port: int = 13200
    path: str = "/ready"


class Probe(Component):
    kind = "extension"
    id = "probe"
    names = (("0.0.0", "probe"),)
    role = "health"
    config_model = ProbeConfig
    declaration = Declaration(listeners=(Listener(HEALTH_PORT_NAME, app_protocol="http", bind="pod_host", fixed_name=True, service=False, ingress=False),))


class ElectConfig(ComponentConfig):
    lease: str = "one-writer"


class Elect(Component):
    kind = "extension"
    id = "elect"
    names = (("0.0.0", "elect"),)
    role = "leader_elector"
    config_model = ElectConfig


@dataclass(frozen=True)
class Case:
    fixture: type[Component]  # takes the role
    replaces: type[Component]  # the shipped component that had it
    values: dict[str, Any]  # a spec in which the planner inserts the role's component


OTLP = {"receivers": ["otlp"], "exporters": ["otlp"]}
CASES = {
    "memory_guard": Case(fixture=Guard, replaces=MemoryLimiter, values={"mode": "gateway"}),
    "pod_metadata": Case(fixture=PodTags, replaces=K8sAttributes, values={"mode": "agent"}),
    # the mode defaults define health_check: null deletes it, so the planner inserts its own
    "health": Case(fixture=Probe, replaces=HealthCheck, values={"mode": "gateway", "extensions": {"health_check": None}}),
    "leader_elector": Case(fixture=Elect, replaces=LeaderElector, values={
        "mode": "gateway", "receivers": {"k8s_cluster": {}}, "pipelines": {"metrics": {"receivers": ["otlp", "k8s_cluster"], "exporters": ["otlp"]}}}),
}


def swap(monkeypatch, case: Case) -> None:
    """The role moves from the shipped component to the fixture (Python's registry)."""
    fixture = case.fixture
    monkeypatch.setattr(case.replaces, "role", None)
    monkeypatch.setattr(components, "ALL", components.ALL + (fixture,))
    monkeypatch.setitem(components._INDEX, (fixture.kind, fixture.id), fixture)
    assert inserts.component(fixture.role) is fixture


def chart_with(tmp_path: Path, fixture: type[Component]) -> Path:
    """A copy of the chart whose data has the fixture's registry entry and the inserts table
    as Python now has it; no template touched."""
    chart = tmp_path / "chart"
    shutil.copytree(CHART, chart)
    data_file = chart / "files" / "otelgen.json"
    data = json.loads(data_file.read_text())
    data["components"][SECTION[fixture.kind]][fixture.id] = helmchart._component_entry(fixture)
    assert data["inserts"] != helmchart.inserts_data()
    data["inserts"] = helmchart.inserts_data()
    data_file.write_text(json.dumps(data))
    assert [(p, (chart / p).read_bytes()) for p in TEMPLATES] == [(p, (CHART / p).read_bytes()) for p in TEMPLATES]
    return chart


def python_objects(tmp_path: Path, values: dict[str, Any]) -> list[dict]:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump({"apiVersion": "otelgen.io/v1alpha1", "kind": "Collector", "metadata": {"name": "ins", "namespace": "obs"}, "spec": values}))
    result = run_cli("render", "-f", str(path))
    assert result.code == 0, result.err
    return result.objects()


def helm_objects(tmp_path: Path, values: dict[str, Any], chart: Path = CHART) -> list[dict]:
    path = tmp_path / "values.yaml"
    path.write_text(yaml.safe_dump(values))
    proc = helm_template(str(tool("helm")), "ins", "obs", path, chart=chart)
    assert proc.returncode == 0, proc.stderr
    return [o for o in yaml.safe_load_all(proc.stdout) if o]


def config_of(objects: list[dict]) -> dict[str, Any]:
    return yaml.safe_load(next(o for o in objects if o["kind"] == "ConfigMap")["data"][CONFIG_KEY])


def probes_of(objects: list[dict]) -> dict[str, Any]:
    workload = next(o for o in objects if o["kind"] in ("Deployment", "DaemonSet", "StatefulSet"))
    container = workload["spec"]["template"]["spec"]["containers"][0]
    return {k: container[k] for k in ("startupProbe", "livenessProbe", "readinessProbe")}


def rendered(comp: type[Component]) -> str:
    return comp.type_name(versions.PINNED_COLLECTOR_VERSION)


def expect(role: str, config: dict[str, Any], objects: list[dict], fixture: str, shipped: str) -> None:
    """What the inserted component is, in one engine's output: the fixture where the shipped one
    (rendered as ``shipped``) was."""
    procs = config["service"]["pipelines"]["traces"]["processors"]
    if role == "memory_guard":
        assert procs[:2] == [fixture, rendered(K8sAttributes)] and fixture in config["processors"]
        assert config["processors"][fixture] == {"check_interval": "100ms", "limit_percentage": 80, "spike_limit_percentage": 20}
    elif role == "pod_metadata":
        assert procs[:2] == ["memory_limiter", fixture], procs
    elif role == "health":
        assert fixture in config["extensions"] and fixture in config["service"]["extensions"]
        assert probes_of(objects)["readinessProbe"]["httpGet"] == {"path": "/ready", "port": HEALTH_PORT_NAME}
        workload = next(o for o in objects if o["kind"] == "Deployment")
        ports = {p["name"]: p["containerPort"] for p in workload["spec"]["template"]["spec"]["containers"][0]["ports"]}
        assert ports[HEALTH_PORT_NAME] == 13200
    elif role == "leader_elector":
        assert config["extensions"][fixture] == {"lease": "one-writer"}
        assert config["receivers"]["k8s_cluster"]["k8s_leader_elector"] == fixture
    section = inserts.ROLES[role].section
    assert shipped not in config[section] and all(shipped not in p["processors"] for p in config["service"]["pipelines"].values() if "processors" in p)


@pytest.mark.tools
@pytest.mark.parametrize("role", sorted(CASES))
def test_both_engines_insert_whichever_component_declares_the_role(role, tmp_path, monkeypatch):
    case = CASES[role]
    shipped = rendered(case.replaces)
    before = config_of(python_objects(tmp_path, case.values))
    assert shipped in before[inserts.ROLES[role].section]  # the shipped component, as always

    swap(monkeypatch, case)
    chart = chart_with(tmp_path, case.fixture)
    want = python_objects(tmp_path, case.values)
    expect(role, config_of(want), want, case.fixture.id, shipped)
    got = helm_objects(tmp_path, case.values, chart)
    expect(role, config_of(got), got, case.fixture.id, shipped)
    problems = diff(want, got)
    assert not problems, problems


# ---------------------------------------------------------------- the order check reads order classes


@pytest.mark.tools
@pytest.mark.parametrize("processors, line", [
    (["batch", "memory_limiter"], "error E013 spec.pipelines.traces.processors[1]: memory_limiter must be the first processor (it is at position 1) (hint: move memory_limiter to the front"),
    (["memory_limiter", "batch/x", "tail_sampling"], "error E013 spec.pipelines.traces.processors[1]: batch/x runs before tail_sampling (hint: put batch after tail_sampling (batching"),
])
def test_order_errors_read_alike_in_both_engines(processors, line, tmp_path):
    values = {"mode": "gateway", "presets": {"kubernetesAttributes": {"enabled": False}}, "processors": {"tail_sampling": {"policies": [{"name": "a", "type": "always_sample"}]}, "batch/x": {}},
              "pipelines": {"traces": {"receivers": ["otlp"], "processors": processors, "exporters": ["otlp"]}}}
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump({"metadata": {"name": "ins", "namespace": "obs"}, "spec": values}))
    result = run_cli("render", "-f", str(path))
    assert result.code == 2 and line in result.err, result.err
    values_path = tmp_path / "values.yaml"
    values_path.write_text(yaml.safe_dump(values))
    proc = helm_template(str(tool("helm")), "ins", "obs", values_path)
    assert proc.returncode != 0 and line in proc.stderr, proc.stderr
