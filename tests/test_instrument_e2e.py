"""End to end: an app configured only by what `otelgen instrument` wrote sends
spans through the rendered agent (the real collector, run as in tests/test_e2e.py)
into a file exporter writing OTLP-JSON lines with rotation; the file holds exactly
the spans sent, with the k8s.* resource attributes from the downward API.

The app is a small Python program using the OpenTelemetry SDK (pinned in
pyproject's test extras). Its environment is the instrumented container's env and
nothing else, with what the kubelet would provide filled in by the test:
downward-API values (DOWNWARD) and $(VAR) expansion; the Service host becomes the
agent's local port (the only rewrite, POD_REWRITES below)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from conftest import run_cli, tool, write_spec
from test_e2e import CLEAN_ENV, POD_IP, Pod, _canonical
from test_instrument import DOWNWARD, expand

pytestmark = [pytest.mark.e2e, pytest.mark.tools]

POD_REWRITES = {
    "endpoint host": "the agent Service's DNS name becomes 127.0.0.1 and its port the agent's remapped OTLP/HTTP port",
    "file exporter path": "the pod's emptyDir directory becomes a per-test tmp dir",
}
N_SPANS = 25
INTERVAL_MS = 300
WAIT_S = 20.0

AGENT_SPEC = f"""\
spec:
  apps:
    protocol: http/protobuf
    batch: {{interval: {INTERVAL_MS}ms, maxQueue: 256, maxBatch: 64, exportTimeout: 5s}}
  exporters:
    otlp: null
    file/json:
      path: /var/otel/out/spans.jsonl
      format: json
      rotation: {{max_megabytes: 10, max_days: 1, max_backups: 2}}
  pipelines:
    traces: {{receivers: [otlp], exporters: [file/json]}}
    metrics: null
    logs: null
"""

APP_MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: shop, namespace: shop}
spec:
  selector: {matchLabels: {app.kubernetes.io/name: shop}}
  template:
    metadata: {labels: {app.kubernetes.io/name: shop}}
    spec:
      containers:
      - name: app
        image: example/shop:1.2.3
"""

#: the app: everything it knows comes from the environment
APP = r"""
import os, sys, time
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

assert os.environ["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf", os.environ["OTEL_EXPORTER_OTLP_PROTOCOL"]
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

provider = TracerProvider()                                  # resource and sampler from OTEL_* env
provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))  # endpoint and OTEL_BSP_* from env
tracer = provider.get_tracer("otelgen-e2e")
for i in range(int(sys.argv[1])):
    with tracer.start_as_current_span(f"op-{i}"):
        pass
print("sent", flush=True)
time.sleep(float(sys.argv[2]))  # no flush: the schedule delay has to deliver them
"""


def _instrumented_env(tmp: Path, spec: str) -> list[dict]:
    app = write_spec(tmp, APP_MANIFEST, "app.yaml")
    result = run_cli("instrument", "-f", app, "--to", "agent", "--spec", spec)
    assert result.code == 0, result.err
    (dep,) = [o for o in result.objects() if o["kind"] == "Deployment"]
    return dep["spec"]["template"]["spec"]["containers"][0]["env"]


def _spans(path: Path) -> list[tuple[dict, dict]]:
    out = []
    for file in sorted(path.parent.glob(path.stem + "*")):
        for line in file.read_text().splitlines(keepends=True):
            if not line.endswith("\n") or not line.strip():
                continue
            doc = json.loads(line)
            for rs in doc.get("resourceSpans", []):
                attrs = {a["key"]: a["value"].get("stringValue") for a in rs.get("resource", {}).get("attributes", [])}
                for ss in rs.get("scopeSpans", []):
                    out.extend((attrs, s) for s in ss.get("spans", []))
    return out


def test_app_spans_reach_the_json_file_through_the_agent(tmp_path):
    collector = tool("collector")
    spec = write_spec(tmp_path, AGENT_SPEC, "agent-spec.yaml")
    agent = Pod("agent", "agent", AGENT_SPEC, tmp_path, {})
    (file_id,) = [rid for rid in agent.config["exporters"] if _canonical("exporters", rid) == "file"]
    rendered = agent.rendered["exporters"][file_id]
    assert rendered["rotation"] == {"max_megabytes": 10, "max_days": 1, "max_backups": 2} and rendered["format"] == "json"
    out = tmp_path / "out" / "spans.jsonl"
    out.parent.mkdir()
    agent.config["exporters"][file_id]["path"] = str(out)

    env = expand(_instrumented_env(tmp_path, spec), DOWNWARD)
    endpoint = env["OTEL_EXPORTER_OTLP_ENDPOINT"]
    assert endpoint == "http://otel-agent.observability.svc.cluster.local:4318"
    env["OTEL_EXPORTER_OTLP_ENDPOINT"] = f"http://{POD_IP}:{agent.port(4318)}"
    assert env["OTEL_BSP_SCHEDULE_DELAY"] == str(INTERVAL_MS)
    app_env = {**CLEAN_ENV, **{k: v for k, v in env.items() if k.startswith("OTEL_")}}

    agent.start(collector)
    app = None
    try:
        app = subprocess.Popen([sys.executable, "-c", APP, str(N_SPANS), str(WAIT_S)], env=app_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + WAIT_S
        spans = []
        while time.monotonic() < deadline:
            spans = _spans(out)
            if len(spans) >= N_SPANS or app.poll() is not None:
                break
            time.sleep(0.2)
        assert app.poll() is None, f"the app exited early: {app.communicate()[0][-3000:]}"
        time.sleep(1.0)  # anything extra (duplicates) would arrive now
        spans = _spans(out)
    finally:
        if app is not None and app.poll() is None:
            app.kill()
            app.wait(5)
        agent.stop()
        agent.kill()
    names = sorted(s["name"] for _, s in spans)
    assert names == sorted(f"op-{i}" for i in range(N_SPANS)), f"{len(spans)} spans in the file, sent {N_SPANS}\n{agent.log_tail()}"
    assert len({s["spanId"] for _, s in spans}) == N_SPANS
    for attrs, _ in spans:
        assert attrs["service.name"] == "shop"
        assert attrs["k8s.pod.name"] == DOWNWARD["metadata.name"]
        assert attrs["k8s.namespace.name"] == DOWNWARD["metadata.namespace"]
        assert attrs["k8s.node.name"] == DOWNWARD["spec.nodeName"]
        assert attrs["k8s.pod.uid"] == DOWNWARD["metadata.uid"]
        assert attrs["k8s.container.name"] == "app"
        assert attrs["k8s.deployment.name"] == "shop"


@pytest.mark.parametrize("exporter", [
    {"otlp_http/json": {"endpoint": "https://logs.example.com", "encoding": "json"}},
    {"file/json": {"path": "/var/otel/out/data.jsonl", "rotation": {"max_megabytes": 50, "max_days": 3, "max_backups": 5}}},
])
def test_json_exporters_pass_the_real_collector_validate(tmp_path, exporter):
    from test_collector import validate

    name = next(iter(exporter))
    spec = write_spec(tmp_path, yaml.safe_dump({"spec": {"exporters": exporter, "pipelines": {"logs": {"receivers": ["otlp"], "exporters": [name]}}}}))
    result = run_cli("render", "gateway", "-f", spec)
    assert result.code == 0, result.err
    objects = result.objects()
    config = yaml.safe_load([o for o in objects if o["kind"] == "ConfigMap"][0]["data"]["collector.yaml"])
    rendered = [v for k, v in config["exporters"].items() if k.endswith("/json")][0]
    if "encoding" in exporter.get(name, {}):
        assert rendered["encoding"] == "json"
    container = [o for o in objects if o["kind"] == "Deployment"][0]["spec"]["template"]["spec"]["containers"][0]
    proc = validate(yaml.safe_dump(config), tmp_path, container["env"])
    assert proc.returncode == 0, proc.stderr[-3000:]
