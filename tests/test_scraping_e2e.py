"""End to end: an agent rendered with prometheusScraping (node-local) scrapes the
annotated pods of its own node, and itself, each exactly once.

otelgen renders an agent (file exporter, the preset with annotation discovery);
the config runs in the real collector (otelcol-k8s from tools/install.sh) as a
local process. Its Kubernetes service discovery talks to tests/fake_apiserver.py,
which serves pods on two nodes: the agent is "on" node-a (K8S_NODE_NAME, as the
downward API sets it), so it must list and watch only node-a's pods, keep the
annotated ones and scrape them through the annotations' port, path and scheme. The
targets are small HTTP servers on loopback that count the requests they get.

The rendered config is changed only for what a pod and the cluster provide; every
change is listed in REWRITES and the test fails if it would need another one.
"""

from __future__ import annotations

import copy
import json
import signal
import subprocess
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from conftest import by_kind, collector_config, container, run_cli, tool, write_spec
from fake_apiserver import FakeApiServer, pod
from test_e2e import CLEAN_ENV, ENV_REF, FIXED_ENDPOINT, NO_PROXY, POD_IP, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.tools]

NODE = "node-a"
OTHER_NODE = "node-b"
NAMESPACE = "observability"
NAME = "otel-agent"
#: what the test changes in the rendered config, and why (nothing else is changed)
REWRITES = {
    "MY_POD_IP, K8S_NODE_NAME": "downward-API env vars: 127.0.0.1 and node-a in the process env (the config keeps ${env:...})",
    "fixed ports": "the receivers' and health_check's ${env:MY_POD_IP}:<port> endpoints get free local ports (telemetry.metricsPort is chosen free in the spec itself)",
    "kubernetes_sd_configs api_server": "each discovery config gets api_server: <the fake API server's URL> (plain HTTP on loopback, no token): a process has no in-cluster config; everything else in the discovery config (role, field selector) is as rendered",
    "file exporter path": "the exporter's emptyDir directory is a tmp dir",
}
SCRAPE_INTERVAL = "1s"
RUN_SECONDS = 10.0  # discovery hands targets to the scrapers after ~5 s (Prometheus batches its updates)
START_TIMEOUT = 20.0


class Target:
    """A Prometheus endpoint on loopback serving one gauge on ``path``; counts requests per path."""

    def __init__(self, metric: str, path: str = "/metrics") -> None:
        self.metric, self.path = metric, path
        self.hits: Counter[str] = Counter()
        target = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                target.hits[self.path] += 1
                if self.path != target.path:
                    self.send_error(404)
                    return
                body = f"# HELP {target.metric} e2e\n# TYPE {target.metric} gauge\n{target.metric}{{colour=\"blue\"}} 42\n".encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer((POD_IP, 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def requests(self) -> int:
        return sum(self.hits.values())

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _spec(metrics_port: int) -> str:
    return yaml.safe_dump({
        "apiVersion": "otelgen.io/v1alpha1", "kind": "Collector", "metadata": {"name": NAME, "namespace": NAMESPACE},
        "spec": {
            "mode": "agent",
            "exporters": {"file": {"path": "/var/otel/out/metrics.jsonl", "rotation": None}},
            "pipelines": {"traces": None, "logs": None, "metrics": {"receivers": ["otlp", "prometheus"], "exporters": ["file"]}},
            "presets": {"kubernetesAttributes": {"enabled": False}, "prometheusScraping": {"enabled": True, "strategy": "node-local", "scrapeInterval": SCRAPE_INTERVAL}},
            # a user prometheus receiver: the first by name, so it (not the preset's) scrapes the collector's own metrics, every 1s
            "receivers": {"prometheus": {"scrape_interval": SCRAPE_INTERVAL}},
            "telemetry": {"metricsPort": metrics_port},
        },
    })


def _pod_config(rendered: dict, api_url: str, out_dir: Path) -> dict:
    config = copy.deepcopy(rendered)
    for section in ("receivers", "extensions"):
        for cfg in config.get(section, {}).values():
            _remap(cfg)
    sd_configs = 0
    for cfg in config["receivers"].values():
        for job in (cfg.get("config") or {}).get("scrape_configs", []):
            for sd in job.get("kubernetes_sd_configs", []):
                sd["api_server"] = api_url
                sd_configs += 1
    assert sd_configs == 1, "the preset renders exactly one discovery config"
    [exporter] = config["exporters"].values()
    exporter["path"] = str(out_dir / Path(exporter["path"]).name)
    return config


def _remap(node) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "endpoint" and isinstance(value, str) and FIXED_ENDPOINT.match(value):
                node[key] = f"${{env:MY_POD_IP}}:{free_port()}"
            else:
                _remap(value)
    elif isinstance(node, list):
        for item in node:
            _remap(item)


def _points(path: Path) -> tuple[list[tuple[str, str, str, tuple, str]], set[str], set[str]]:
    """(service.name, scraped address, metric, attributes, timestamp) of every gauge/sum data point in OTLP JSON lines,
    and the k8s.node.name and k8s.pod.name resource attributes of the discovered targets."""
    out = []
    nodes: set[str] = set()
    pods: set[str] = set()
    for line in path.read_text().splitlines():
        for rm in json.loads(line).get("resourceMetrics", []):
            res = {a["key"]: next(iter(a["value"].values())) for a in rm.get("resource", {}).get("attributes", [])}
            if "k8s.pod.name" in res:  # discovered through the API (the static self-scrape target has no pod metadata)
                nodes.add(res.get("k8s.node.name"))
                pods.add(res["k8s.pod.name"])
            for sm in rm.get("scopeMetrics", []):
                for metric in sm.get("metrics", []):
                    body = metric.get("gauge") or metric.get("sum") or {}
                    for dp in body.get("dataPoints", []):
                        attrs = tuple(sorted((a["key"], json.dumps(a["value"], sort_keys=True)) for a in dp.get("attributes", [])))
                        # the scraped port (all targets are on 127.0.0.1; the collector's own target_info
                        # renames service.name/service.instance.id of its series)
                        instance = f"{POD_IP}:{res.get('server.port')}"
                        out.append((res.get("service.name"), instance, metric["name"], attrs, dp.get("timeUnixNano")))
    return out, nodes, pods


def test_node_local_agent_scrapes_its_nodes_annotated_pods_and_itself_once(tmp_path):
    metrics_port = free_port()
    result = run_cli("render", "-f", write_spec(tmp_path, _spec(metrics_port)))
    assert result.code == 0, result.err
    objects = result.objects()
    rendered = collector_config(objects)
    env = {e["name"]: e for e in container(objects)["env"]}
    assert env["K8S_NODE_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "spec.nodeName"
    assert by_kind(objects, "ClusterRole")["rules"] == [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}]

    targets = {key: Target(f"{key}_metric", path="/custom/metrics" if key == "b" else "/metrics") for key in ("a", "b", "quiet", "done", "c")}
    annotated = {"prometheus.io/scrape": "true"}
    own_labels = {"app.kubernetes.io/name": "opentelemetry-collector", "app.kubernetes.io/instance": NAME, "app.kubernetes.io/component": "agent"}
    pods = [
        # the port comes from the annotation (the container port is not the metrics port)
        pod("app-a", node=NODE, ip=POD_IP, port=1, annotations={**annotated, "prometheus.io/port": str(targets["a"].port)}),
        # the container port, with the path and scheme annotations
        pod("app-b", node=NODE, ip=POD_IP, port=targets["b"].port, annotations={**annotated, "prometheus.io/path": "/custom/metrics", "prometheus.io/scheme": "http"}),
        pod("quiet", node=NODE, ip=POD_IP, port=targets["quiet"].port),  # not annotated
        pod("done", node=NODE, ip=POD_IP, port=targets["done"].port, annotations=annotated, phase="Succeeded"),
        pod("app-c", node=OTHER_NODE, ip=POD_IP, port=targets["c"].port, annotations=annotated),  # another node's pod
        # this agent's own pod, annotated: scraped once, by the self-scrape job, not by discovery too
        pod("otel-agent-x1", node=NODE, ip=POD_IP, port=metrics_port, namespace=NAMESPACE, labels=own_labels, annotations={**annotated, "prometheus.io/port": str(metrics_port)}),
    ]
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with FakeApiServer(pods) as api:
        config = _pod_config(rendered, api.url, out_dir)
        text = yaml.safe_dump(config, sort_keys=False)
        process_env = {**CLEAN_ENV, "HOME": str(tmp_path), "MY_POD_IP": POD_IP, "K8S_NODE_NAME": NODE}
        process_env.update({e["name"]: e["value"] for e in container(objects)["env"] if "value" in e})
        assert not set(ENV_REF.findall(text)) - set(process_env), "the config uses env vars the test does not provide"
        (tmp_path / "collector.yaml").write_text(text)
        log = (tmp_path / "collector.log").open("wb")
        proc = subprocess.Popen([str(tool("collector")), f"--config={tmp_path / 'collector.yaml'}"], env=process_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            health = next(cfg["endpoint"] for rid, cfg in config["extensions"].items() if rid.startswith("health_check")).replace("${env:MY_POD_IP}", POD_IP)
            deadline = time.monotonic() + START_TIMEOUT
            while True:
                assert proc.poll() is None, (tmp_path / "collector.log").read_text()[-3000:]
                try:
                    with NO_PROXY.open(f"http://{health}/", timeout=1) as resp:
                        if resp.status == 200:
                            break
                except OSError:
                    pass
                assert time.monotonic() < deadline, "collector not healthy"
                time.sleep(0.1)
            started = time.monotonic()
            time.sleep(RUN_SECONDS)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                code = proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                code = proc.wait(5)
            log.close()
            for target in targets.values():
                target.close()
        elapsed = time.monotonic() - started
        pod_queries = api.pod_requests()
    assert code == 0, (tmp_path / "collector.log").read_text()[-3000:]

    # discovery asked only for node-a's pods, list and watch
    assert pod_queries and all(q.get("fieldSelector") == f"spec.nodeName={NODE}" for q in pod_queries), pod_queries
    assert any(q.get("watch") == "true" for q in pod_queries)
    # only the annotated, running pods of node-a were scraped, on the annotated port and path
    assert targets["a"].hits and set(targets["a"].hits) == {"/metrics"}
    assert targets["b"].hits and set(targets["b"].hits) == {"/custom/metrics"}
    for key in ("quiet", "done", "c"):
        assert targets[key].requests == 0, f"{key} was scraped: {dict(targets[key].hits)}"

    points, nodes, discovered = _points(out_dir / "metrics.jsonl")
    # discovered: node-a's annotated running pods, not the agent's own pod (its self-scrape job has it)
    assert nodes == {NODE} and discovered == {"app-a", "app-b"}, (nodes, discovered)
    instances = {inst for job, inst, *_ in points}
    assert instances == {f"{POD_IP}:{targets['a'].port}", f"{POD_IP}:{targets['b'].port}", f"{POD_IP}:{metrics_port}"}, instances
    assert {job for job, inst, *_ in points if inst != f"{POD_IP}:{metrics_port}"} == {"kubernetes-pods"}
    # every data point exactly once: no series twice in one scrape, no scrape exported twice
    dupes = [key for key, n in Counter(points).items() if n > 1]
    assert not dupes, dupes[:5]
    for key in ("a", "b"):
        stamps = {ts for job, inst, name, attrs, ts in points if name == f"{key}_metric"}
        assert targets[key].requests - 1 <= len(stamps) <= targets[key].requests, (key, len(stamps), targets[key].requests)
        assert len(stamps) >= 3, f"{key}: only {len(stamps)} scrapes in {elapsed:.1f}s"
    self_stamps = {ts for job, inst, name, attrs, ts in points if inst == f"{POD_IP}:{metrics_port}" and name == "otelcol_process_uptime_seconds_total"}
    assert len(self_stamps) >= 3
    print(f"\nscrape e2e: {elapsed:.1f}s at {SCRAPE_INTERVAL}; scrapes a={targets['a'].requests} b={targets['b'].requests} self={len(self_stamps)}; "
          f"not scraped: quiet, done, other node (0 requests); {len(points)} data points, 0 duplicates; {len(pod_queries)} pod list/watch requests, all with fieldSelector spec.nodeName={NODE}")
