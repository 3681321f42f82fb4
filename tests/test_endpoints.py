"""otelgen.endpoints: the one endpoint parser (planner, lint, import and the chart's
otelgen.endpointPort read endpoints the same way)."""

from __future__ import annotations

import pytest
import yaml

from conftest import run_cli
from otelgen import endpoints
from otelgen.components import base
from otelgen.importer import adapters
from otelgen.importer.notes import Notes
from otelgen.lint import listeners

CASES = [
    ("otlp.example.com:4317", ("otlp.example.com", 4317)),
    ("http://x", ("x", 80)),
    ("https://x/v1/traces", ("x", 443)),
    ("HTTPS://x", ("x", 443)),
    ("http://x:4318/v1/logs", ("x", 4318)),
    ("${env:MY_POD_IP}:4317", ("${env:MY_POD_IP}", 4317)),
    ("${env:ENDPOINT}", ("${env:ENDPOINT}", None)),
    ("https://${env:HOST}", ("${env:HOST}", None)),  # the env var may carry a port
    ("localhost:${env:PORT}", ("localhost", None)),
    ("${env:A}:${env:B}", ("${env:A}", None)),
    (":4317", ("", 4317)),  # every interface
    ("[::1]:4317", ("[::1]", 4317)),
    ("[::1]", ("[::1]", None)),
    ("collector", ("collector", None)),
    ("0.0.0.0:13133", ("0.0.0.0", 13133)),
]


@pytest.mark.parametrize("endpoint, expected", CASES, ids=[c[0] for c in CASES])
def test_host_port(endpoint, expected):
    assert endpoints.host_port(endpoint) == expected


@pytest.mark.parametrize("endpoint, port", [("4317", 4317), (":4317", 4317), ("0.0.0.0:5317", 5317), ("localhost", None), ("${env:PORT}", None), ("", None), (None, None)])
def test_listen_port(endpoint, port):
    assert endpoints.listen_port(endpoint) == port


def test_every_caller_uses_the_one_parser():
    """The components' name for it is the same function; lint and import read ports alike."""
    assert base.host_port is endpoints.host_port
    assert listeners.host_port is endpoints.host_port
    notes = Notes("config.yaml")
    a = adapters.Adapting("receivers", "otlp", "gateway", notes, ["receivers", "otlp"])
    for endpoint in (":4317", "0.0.0.0:4317", "4317"):
        assert adapters.listen_port(endpoint, a) == 4317
    assert adapters.listen_port("localhost", a) is None and notes.items  # W201: no port


def _ports(objects: list[dict]) -> set[int]:
    found = set()
    for obj in objects:
        if obj["kind"] == "Service":
            found |= {p["port"] for p in obj["spec"]["ports"]}
        if obj["kind"] == "Deployment":
            for c in obj["spec"]["template"]["spec"]["containers"]:
                found |= {p["containerPort"] for p in c.get("ports", [])}
    return found


def test_a_receiver_on_colon_port_opens_that_port(tmp_path):
    """Bug fixed: ``endpoint: ":5317"`` (every interface, the collector listens on 5317) left
    the containerPort and Service on the default 4317, so nothing reached the receiver."""
    spec = {"mode": "gateway", "receivers": {"otlp": {"protocols": {"grpc": {"endpoint": ":5317"}}}, "zipkin": {"endpoint": ":9412"}},
            "pipelines": {"traces": {"receivers": ["otlp", "zipkin"], "exporters": ["otlp"]}}}
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump({"apiVersion": "otelgen.io/v1alpha1", "kind": "Collector", "metadata": {"name": "gw", "namespace": "obs"}, "spec": spec}))
    result = run_cli("render", "-f", str(path))
    assert result.code == 0, result.err
    ports = _ports(result.objects())
    assert {5317, 9412} <= ports and not {4317, 9411} & ports


@pytest.mark.tools
def test_the_chart_reads_colon_port_alike(tmp_path):
    from test_helm import assert_parity

    spec = {"mode": "gateway", "receivers": {"otlp": {"protocols": {"grpc": {"endpoint": ":5317"}}}, "zipkin": {"endpoint": ":9412"}},
            "pipelines": {"traces": {"receivers": ["otlp", "zipkin"], "exporters": ["otlp"]}}}
    assert_parity(tmp_path, {"name": "gw", "namespace": "obs"}, spec)
