"""End to end: the target-allocator strategy shares Prometheus targets among
the replicas of a gateway, every target scraped by exactly one collector.

otelgen renders a gateway with ``prometheusScraping: {strategy: target-allocator}``.
The real target allocator (the OpenTelemetry Operator's cmd/otel-allocator,
built by tools/install.sh) runs with the rendered allocator config against a
fake Kubernetes API server (tests/fake_apiserver.py) that serves the two
collector pods (with the collector's selector labels) and TARGETS annotated app
pods; each app pod's metrics endpoint is a small HTTP server on its own loopback
address (127.0.1.x). Two
real collectors (otelcol-k8s, the pinned version) run the rendered collector
config as the pods ``col-a`` and ``col-b``; each writes what it scraped to its
own file exporter, and the test counts the targets in each file.

Changes to the rendered configs are only what a pod or a cluster provides,
each listed in REWRITES.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import by_kind, run_cli, tool, write_spec
from fake_apiserver import FakeApiServer, pod

pytestmark = [pytest.mark.e2e, pytest.mark.tools]

#: what a pod or the cluster provides that local processes do not, and how the test provides it
REWRITES = {
    "MY_POD_IP / MY_POD_NAME": "downward-API env vars: 127.0.0.1 and the pod name (col-a, col-b) in each process env",
    "fixed ports": "every port a pod owns alone (receivers, health_check, telemetry metrics, the self-scrape target) becomes a free local port",
    "target_allocator.endpoint": "the allocator Service's DNS name becomes http://127.0.0.1:<the allocator's port>",
    "exporters": "the backend is replaced by a file exporter per collector (OTLP JSON lines) that the test reads",
    "k8s_attributes": "removed: it watches the API with the service-account token (it only adds k8s.* attributes)",
    "allocator kubeconfig": "the allocator's in-cluster config becomes --kubeconfig-path to the fake API server; its kubernetes_sd_configs get api_server: <the fake API server>",
    "allocator listen_addr": "--listen-addr 127.0.0.1:<free port> instead of :8080",
}

SPEC = """\
apiVersion: otelgen.io/v1alpha1
kind: Collector
metadata: {name: otel-gateway, namespace: observability}
spec:
  mode: gateway
  scaling: {replicas: 2}
  presets:
    prometheusScraping:
      enabled: true
      strategy: target-allocator
      scrapeInterval: 2s
"""
NAMESPACE = "observability"
#: the k8s_attributes processor's type names (renamed at 0.146)
K8S_ATTRIBUTES = ("k8sattributes", "k8s_attributes")
COLLECTORS = ("col-a", "col-b")
TARGETS = 10
JOB = "kubernetes-pods"
#: the service.name in the collector's own target_info (its self-scrape)
SELF_SERVICE_NAME = "otelcol-k8s"
METRIC = "e2e_target_info"
START_TIMEOUT = 60.0
SCRAPE_TIMEOUT = 90.0
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 2.0) -> tuple[int, bytes]:
    try:
        with NO_PROXY.open(url, timeout=timeout) as resp:
            return resp.status, resp.read()
    except OSError:
        return 0, b""


class Target:
    """One app pod's /metrics on loopback: a gauge naming the target."""

    def __init__(self, index: int) -> None:
        body = f"# TYPE {METRIC} gauge\n{METRIC}{{target=\"t{index}\"}} 1\n".encode()

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                self.send_response(200 if self.path == "/metrics" else 404)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        # a pod IP of its own (127.0.1.x is loopback too): the allocator hashes the address
        # discovery gives, the pod IP, as it would in a cluster
        self.ip = f"127.0.1.{index + 1}"
        self.server = ThreadingHTTPServer((self.ip, 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.address = f"{self.ip}:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _render(tmp_path: Path) -> list[dict]:
    result = run_cli("render", "gateway", "-f", write_spec(tmp_path, SPEC))
    assert result.code == 0, result.err
    return result.objects()


def _walk_ports(value: Any, ports: dict[int, int]) -> Any:
    """Every ``${env:MY_POD_IP}:PORT`` string gets a free port (the same one for the same PORT)."""
    if isinstance(value, dict):
        return {k: _walk_ports(v, ports) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk_ports(v, ports) for v in value]
    if isinstance(value, str) and value.startswith("${env:MY_POD_IP}:") and value.rsplit(":", 1)[1].isdigit():
        port = int(value.rsplit(":", 1)[1])
        return f"${{env:MY_POD_IP}}:{ports.setdefault(port, _free_port())}"
    return value


def collector_config(rendered: dict, allocator_url: str, out: Path) -> tuple[dict, int, int]:
    """The rendered collector config with REWRITES applied; returns it, its health port and its telemetry port."""
    cfg = json.loads(json.dumps(rendered))
    ports: dict[int, int] = {}
    cfg = _walk_ports(cfg, ports)
    for reader in cfg["service"]["telemetry"]["metrics"]["readers"]:
        prom = reader["pull"]["exporter"]["prometheus"]
        prom["port"] = ports.setdefault(prom["port"], _free_port())
    receiver = cfg["receivers"]["prometheus/scraping"]
    assert receiver["target_allocator"]["endpoint"].startswith("http://otel-gateway-targetallocator.observability.svc:")
    receiver["target_allocator"]["endpoint"] = allocator_url
    cfg["exporters"] = {"file/e2e": {"path": str(out)}}
    for pipeline in cfg["service"]["pipelines"].values():
        pipeline["exporters"] = ["file/e2e"]
        pipeline["processors"] = [p for p in pipeline["processors"] if p.split("/")[0] not in K8S_ATTRIBUTES]
    cfg["processors"] = {k: v for k, v in cfg["processors"].items() if k.split("/")[0] not in K8S_ATTRIBUTES}
    health = int(cfg["extensions"]["health_check"]["endpoint"].rsplit(":", 1)[1])
    return cfg, health, cfg["service"]["telemetry"]["metrics"]["readers"][0]["pull"]["exporter"]["prometheus"]["port"]


def allocator_config(rendered: dict, api_url: str) -> dict:
    cfg = json.loads(json.dumps(rendered))
    for job in cfg["config"]["scrape_configs"]:
        for sd in job.get("kubernetes_sd_configs", []):
            sd["api_server"] = api_url
    return cfg


def _kubeconfig(path: Path, api_url: str) -> None:
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "fake",
        "clusters": [{"name": "fake", "cluster": {"server": api_url}}],
        "users": [{"name": "fake", "user": {}}],
        "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "fake"}}],
    }))


def _complete_lines(path: Path) -> list[str]:
    """The lines the file exporter has finished writing (the last one may be partial)."""
    return [line for line in path.read_text().split("\n")[:-1] if line.strip()]


def _targets_by_collector(path: Path) -> dict[str, int]:
    """service.instance.id of the kubernetes-pods job → data points of METRIC seen for it."""
    seen: dict[str, int] = {}
    if not path.exists():
        return seen
    for line in _complete_lines(path):
        for rm in json.loads(line).get("resourceMetrics", []):
            attrs = {a["key"]: a["value"].get("stringValue") for a in rm.get("resource", {}).get("attributes", [])}
            if attrs.get("service.name") != JOB:
                continue
            for sm in rm.get("scopeMetrics", []):
                for metric in sm.get("metrics", []):
                    if metric["name"] == METRIC:
                        seen[attrs["service.instance.id"]] = seen.get(attrs["service.instance.id"], 0) + len(metric.get("gauge", {}).get("dataPoints", []))
    return seen


def _instance_id(log: Path) -> str:
    """The collector's own service.instance.id, from its log's resource."""
    match = re.search(r'"service\.instance\.id":"([0-9a-f-]{36})"', log.read_text())
    assert match, log.read_text()[-2000:]
    return match[1]


def _self_scraped(path: Path) -> set[str]:
    out = set()
    if path.exists():
        for line in _complete_lines(path):
            for rm in json.loads(line).get("resourceMetrics", []):
                attrs = {a["key"]: a["value"].get("stringValue") for a in rm.get("resource", {}).get("attributes", [])}
                # the self-scrape: the collector's target_info names it (service.name otelcol-k8s, its instance id)
                if attrs.get("service.name") == SELF_SERVICE_NAME:
                    out.add(attrs.get("service.instance.id", ""))
    return out


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def test_every_target_is_scraped_by_exactly_one_collector(tmp_path):
    objects = _render(tmp_path)
    rendered_collector = yaml.safe_load(by_kind(objects, "ConfigMap", "otel-gateway-config")["data"]["collector.yaml"])
    rendered_allocator = yaml.safe_load(by_kind(objects, "ConfigMap", "otel-gateway-targetallocator")["data"]["targetallocator.yaml"])
    collector_labels = by_kind(objects, "Deployment", "otel-gateway")["spec"]["template"]["metadata"]["labels"]
    assert rendered_allocator["collector_selector"] == {"matchLabels": collector_labels}
    # the collector has no discovery of its own: only its self-scrape job and the allocator
    receiver = rendered_collector["receivers"]["prometheus/scraping"]
    assert [job["job_name"] for job in receiver["config"]["scrape_configs"]] == ["otel-collector"]
    assert receiver["target_allocator"]["collector_id"] == "${env:MY_POD_NAME}"

    targets = [Target(i) for i in range(TARGETS)]
    address_of = {f"app-{i}": t.address for i, t in enumerate(targets)}
    app_pods = [pod(f"app-{i}", node="node-a", ip=t.ip, namespace="apps", annotations={"prometheus.io/scrape": "true", "prometheus.io/port": str(t.port)}) for i, t in enumerate(targets)]
    # an app pod without the annotation: never a target
    app_pods.append(pod("quiet", node="node-a", ip="127.0.0.1", namespace="apps", port=targets[0].port))
    collector_pods = [pod(name, node=f"node-{name}", ip="127.0.0.1", namespace=NAMESPACE, labels=collector_labels) for name in COLLECTORS]
    procs: list[subprocess.Popen] = []
    logs: dict[str, Path] = {}
    try:
        with FakeApiServer(app_pods + collector_pods) as api:
            kubeconfig = tmp_path / "kubeconfig"
            _kubeconfig(kubeconfig, api.url)
            ta_file = tmp_path / "targetallocator.yaml"
            ta_file.write_text(yaml.safe_dump(allocator_config(rendered_allocator, api.url)))
            ta_port = _free_port()
            ta_url = f"http://127.0.0.1:{ta_port}"
            logs["allocator"] = tmp_path / "allocator.log"
            procs.append(subprocess.Popen([str(tool("target_allocator")), f"--config-file={ta_file}", f"--kubeconfig-path={kubeconfig}", f"--listen-addr=127.0.0.1:{ta_port}"],
                                          stdout=logs["allocator"].open("w"), stderr=subprocess.STDOUT, env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}))
            # the allocator has seen both collectors and shared out every target
            assigned: dict[str, set[str]] = {}
            deadline = time.monotonic() + START_TIMEOUT
            while time.monotonic() < deadline:
                assert procs[0].poll() is None, f"allocator exited:\n{logs['allocator'].read_text()[-3000:]}"
                assigned = {}
                for name in COLLECTORS:
                    code, body = _get(f"{ta_url}/jobs/{JOB}/targets?collector_id={name}")
                    groups = json.loads(body) if code == 200 else []
                    # targets before relabeling (the collector relabels): the pod names say which
                    assigned[name] = {address_of[group["labels"]["__meta_kubernetes_pod_name"]] for group in groups if group.get("labels", {}).get("__meta_kubernetes_pod_name") in address_of}
                    assert len(assigned[name]) == len(groups), groups
                if sum(len(v) for v in assigned.values()) == TARGETS:
                    break
                time.sleep(0.5)
            else:
                pytest.fail(f"the allocator did not assign {TARGETS} targets in {START_TIMEOUT}s: {assigned}\n{logs['allocator'].read_text()[-3000:]}")
            assert set().union(*assigned.values()) == {t.address for t in targets}
            code, body = _get(f"{ta_url}/scrape_configs")
            assert code == 200 and set(json.loads(body)) == {JOB}

            outs = {name: tmp_path / f"out-{name}.jsonl" for name in COLLECTORS}
            telemetry: dict[str, int] = {}
            for name in COLLECTORS:
                cfg, health, telemetry[name] = collector_config(rendered_collector, ta_url, outs[name])
                path = tmp_path / f"collector-{name}.yaml"
                path.write_text(yaml.safe_dump(cfg))
                logs[name] = tmp_path / f"{name}.log"
                env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "MY_POD_IP": "127.0.0.1", "MY_POD_NAME": name}
                procs.append(subprocess.Popen([str(tool("collector")), f"--config={path}"], stdout=logs[name].open("w"), stderr=subprocess.STDOUT, env=env))
                deadline = time.monotonic() + START_TIMEOUT
                while _get(f"http://127.0.0.1:{health}/")[0] != 200:
                    assert procs[-1].poll() is None, f"collector {name} exited:\n{logs[name].read_text()[-3000:]}"
                    assert time.monotonic() < deadline, f"collector {name} not healthy:\n{logs[name].read_text()[-3000:]}"
                    time.sleep(0.3)

            # every target scraped at least twice somewhere, then compare
            deadline = time.monotonic() + SCRAPE_TIMEOUT
            while True:
                scraped = {name: _targets_by_collector(outs[name]) for name in COLLECTORS}
                union: dict[str, int] = {}
                for per in scraped.values():
                    for address, n in per.items():
                        union[address] = union.get(address, 0) + n
                own = {name: _self_scraped(outs[name]) for name in COLLECTORS}
                if len(union) == TARGETS and min(union.values()) >= 2 and all(own.values()):
                    break
                assert time.monotonic() < deadline, f"not every target scraped in {SCRAPE_TIMEOUT}s: {scraped}\n{logs['col-a'].read_text()[-2000:]}"
                time.sleep(1)
    finally:
        for proc in reversed(procs):
            _stop(proc)
        for t in targets:
            t.stop()

    by_collector = {name: set(scraped[name]) for name in COLLECTORS}
    # exactly one collector per target, and the one the allocator chose
    assert not (by_collector["col-a"] & by_collector["col-b"]), f"scraped twice: {by_collector['col-a'] & by_collector['col-b']}"
    assert by_collector["col-a"] | by_collector["col-b"] == {t.address for t in targets}
    assert by_collector == assigned
    # consistent hashing shares them out (10 distinct pod IPs): both collectors have some
    assert all(by_collector.values()), by_collector
    # each collector scraped its own metrics (its own telemetry port), no other collector's
    for name in COLLECTORS:
        assert own[name] == {_instance_id(logs[name])}, own
    print(f"\ntarget allocator e2e: {TARGETS} targets, col-a {len(by_collector['col-a'])}, col-b {len(by_collector['col-b'])}, none twice")


class CrApiServer(FakeApiServer):
    """The fake API server plus what the allocator's Prometheus CR watcher asks first: a
    SelfSubjectAccessReview (may I list/watch namespaces? yes: every authenticated user may
    ask, the answer follows the allocator's ClusterRole, which grants namespaces with monitors)
    and the namespaces themselves."""

    def _handler(self):
        base = super()._handler()

        class Handler(base):  # type: ignore[misc, valid-type]
            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length") or 0))  # JSON or protobuf: not needed
                if self.path.startswith("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"):
                    return self._json(201, {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview", "spec": {}, "status": {"allowed": True}})
                return self._json(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 404})

            def do_GET(self) -> None:  # noqa: N802
                if self.path.split("?")[0].rstrip("/") == "/api/v1/namespaces":
                    if "watch=true" in self.path:
                        return self._watch({})
                    items = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n, "uid": f"ns-{n}", "resourceVersion": "1", "labels": {"kubernetes.io/metadata.name": n}}} for n in ("apps", "observability")]
                    return self._json(200, {"apiVersion": "v1", "kind": "NamespaceList", "metadata": {"resourceVersion": "1"}, "items": items})
                return super().do_GET()

        return Handler


def test_the_real_allocator_loads_the_example_config(tmp_path):
    """examples/gateway-prometheus-target-allocator.yaml's allocator config (a user job with the
    service role, ServiceMonitor discovery on) is accepted by the real allocator: it starts and
    serves both jobs (the fake API server has no monitoring.coreos.com API, so the allocator
    skips the monitor informers, as in a cluster without the Prometheus Operator's CRDs)."""
    from conftest import ROOT

    result = run_cli("render", "-f", str(ROOT / "examples" / "gateway-prometheus-target-allocator.yaml"))
    assert result.code == 0, result.err
    rendered = yaml.safe_load(by_kind(result.objects(), "ConfigMap", "otel-scraper-targetallocator")["data"]["targetallocator.yaml"])
    assert rendered["prometheus_cr"]["service_monitor_selector"] == {}
    with CrApiServer([]) as api:
        kubeconfig = tmp_path / "kubeconfig"
        _kubeconfig(kubeconfig, api.url)
        ta_file = tmp_path / "targetallocator.yaml"
        ta_file.write_text(yaml.safe_dump(allocator_config(rendered, api.url)))
        port = _free_port()
        log = tmp_path / "allocator.log"
        proc = subprocess.Popen([str(tool("target_allocator")), f"--config-file={ta_file}", f"--kubeconfig-path={kubeconfig}", f"--listen-addr=127.0.0.1:{port}"],
                                stdout=log.open("w"), stderr=subprocess.STDOUT, env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)})
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while True:
                assert proc.poll() is None, f"allocator exited:\n{log.read_text()[-3000:]}"
                code, body = _get(f"http://127.0.0.1:{port}/scrape_configs")
                if code == 200 and set(json.loads(body)) == {"kubernetes-pods", "kube-state-metrics"}:
                    break
                assert time.monotonic() < deadline, f"no scrape configs ({code} {body[:500]!r}):\n{log.read_text()[-3000:]}"
                time.sleep(0.5)
            served = json.loads(body)["kube-state-metrics"]
            assert served["kubernetes_sd_configs"][0]["role"] == "service"
            assert served["relabel_configs"][0]["regex"] == "kube-state-metrics"
        finally:
            _stop(proc)
