"""End to end: spec.persistentQueue keeps queued data across a collector restart.

otelgen renders a statefulset with the persistent queue (file_storage +
sending_queue.storage, sized in bytes); the rendered config runs as the real
collector (tools/install.sh) with its exporter pointed at an OTLP endpoint that
is down. telemetrygen sends N spans; the queue holds them (the collector's own
otelcol_exporter_queue_size says so); the collector is stopped with SIGTERM
(what the kubelet sends) and started again on the same directory (what the
PersistentVolumeClaim gives the restarted pod); then the endpoint comes up (a
second collector with an OTLP receiver and a file exporter) and exactly N spans
arrive, each once. The same run without persistentQueue loses them: the test
can tell the difference.

Rewrites of the rendered config are what a pod provides (see test_e2e.POD_REWRITES):
MY_POD_IP, free local ports, the queue directory below the test's tmp dir (the
claim's mount), and the exporter's endpoint (the backend Service) on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from conftest import collector_config, run_cli, tool, write_spec
from test_e2e import CLEAN_ENV, NO_PROXY, POD_IP, START_TIMEOUT, free_port, remap_ports, remove_cluster_only

pytestmark = [pytest.mark.e2e, pytest.mark.tools]

N_TRACES, CHILD_SPANS = 60, 1
N_SPANS = N_TRACES * (1 + CHILD_SPANS)
QUEUE_DIR = "/var/lib/otelcol/queue"

SPEC = """\
spec:
  exporters:
    otlp:
      endpoint: backend.observability.svc.cluster.local:4317
      tls: {insecure: true}
      sending_queue: {enabled: true}
      retry_on_failure: {enabled: true, initial_interval: 500ms, max_interval: 1s, max_elapsed_time: 0s}
  persistentQueue:
    enabled: %s
    size: 256Mi
"""

BACKEND = """\
receivers:
  otlp:
    protocols:
      grpc: {endpoint: "127.0.0.1:%(port)d"}
exporters:
  file: {path: "%(path)s", format: json}
extensions:
  health_check: {endpoint: "127.0.0.1:%(health)d"}
service:
  extensions: [health_check]
  telemetry: {metrics: {level: none}}
  pipelines:
    traces: {receivers: [otlp], exporters: [file]}
"""


def _start(binary: Path, config: Path, health: int, log: Path, env: dict) -> subprocess.Popen:
    with log.open("ab") as out:
        proc = subprocess.Popen([str(binary), f"--config={config}"], env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{config.name} exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with NO_PROXY.open(f"http://{POD_IP}:{health}/", timeout=1) as resp:
                if resp.status == 200:
                    return proc
        except OSError:
            pass
        time.sleep(0.1)
    proc.kill()
    pytest.fail(f"{config.name} not healthy within {START_TIMEOUT}s:\n{log.read_text()[-3000:]}")


def _stop(proc: subprocess.Popen) -> int:
    """SIGTERM, as the kubelet sends; the collector drains and closes the queue."""
    proc.terminate()
    try:
        return proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait(5)


def _metric(port: int, name: str) -> float:
    with NO_PROXY.open(f"http://{POD_IP}:{port}/metrics", timeout=2) as resp:
        text = resp.read().decode()
    values = [float(m[1]) for m in re.finditer(rf"^{name}(?:{{[^}}]*}})? ([0-9.e+-]+)$", text, re.M)]
    return sum(values)


def _spans(path: Path) -> list[str]:
    ids: list[str] = []
    if not path.exists():
        return ids
    for line in path.read_text().splitlines(keepends=True):
        if not line.endswith("\n") or not line.strip():
            continue
        doc = json.loads(line)
        for rs in doc.get("resourceSpans", []):
            for ss in rs.get("scopeSpans", []):
                ids.extend(s["spanId"] for s in ss.get("spans", []))
    return ids


class Run:
    """The rendered statefulset as a local process, its backend down until asked for."""

    def __init__(self, tmp: Path, persistent: bool):
        self.tmp = tmp
        self.collector = tool("collector")
        self.telemetrygen = tool("telemetrygen")
        result = run_cli("render", "statefulset", "-f", write_spec(tmp, SPEC % ("true" if persistent else "false")))
        assert result.code == 0, result.err
        objects = result.objects()
        self.rendered = collector_config(objects)
        sts = next(o for o in objects if o["kind"] == "StatefulSet")
        self.claims = [c["metadata"]["name"] for c in sts["spec"].get("volumeClaimTemplates", [])]
        config = yaml.safe_load(yaml.safe_dump(self.rendered))
        remove_cluster_only(config)
        self.ports = remap_ports(config)
        self.backend_port = free_port()
        (self.exporter,) = [k for k in config["exporters"] if k.split("/")[0] in ("otlp", "otlp_grpc")]  # the name at the target version
        config["exporters"][self.exporter]["endpoint"] = f"{POD_IP}:{self.backend_port}"
        self.queue_dir = tmp / "pvc"  # what the claim mounted at QUEUE_DIR holds, across restarts
        for name, ext in config.get("extensions", {}).items():
            if name.startswith("file_storage"):
                assert ext["directory"] == QUEUE_DIR, ext
                ext["directory"] = str(self.queue_dir)
        self.config_path = tmp / "collector.yaml"
        self.config_path.write_text(yaml.safe_dump(config, sort_keys=False))
        self.env = {**CLEAN_ENV, "HOME": str(tmp), "MY_POD_IP": POD_IP}
        container = sts["spec"]["template"]["spec"]["containers"][0]
        self.env.update({e["name"]: e["value"] for e in container.get("env", []) if "value" in e})
        self.output = tmp / "backend.jsonl"
        self.procs: list[subprocess.Popen] = []

    def start_collector(self) -> subprocess.Popen:
        proc = _start(self.collector, self.config_path, self.ports[13133], self.tmp / "collector.log", self.env)
        self.procs.append(proc)
        return proc

    def start_backend(self) -> None:
        health = free_port()
        path = self.tmp / "backend.yaml"
        path.write_text(BACKEND % {"port": self.backend_port, "path": self.output, "health": health})
        self.procs.append(_start(self.collector, path, health, self.tmp / "backend.log", {**CLEAN_ENV, "HOME": str(self.tmp)}))

    def send(self) -> None:
        cmd = [str(self.telemetrygen), "traces", "--otlp-insecure", "--otlp-endpoint", f"{POD_IP}:{self.ports[4317]}", "--rate", "0", "--workers", "1", "--traces", str(N_TRACES), "--child-spans", str(CHILD_SPANS)]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=CLEAN_ENV, timeout=60)
        assert proc.returncode == 0, proc.stdout + proc.stderr

    def queued(self, timeout: float = 20.0) -> float:
        """Wait until the batch processor has handed everything to the exporter's queue."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if _metric(self.ports[8888], "otelcol_processor_batch_batch_send_size_count") > 0 or _metric(self.ports[8888], "otelcol_exporter_queue_size") > 0:
                time.sleep(1.0)  # the batch timeout (200ms) twice over, and a retry round
                return _metric(self.ports[8888], "otelcol_exporter_queue_size")
            time.sleep(0.2)
        return _metric(self.ports[8888], "otelcol_exporter_queue_size")

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}:\n{p.read_text(errors='replace')[-3000:]}" for p in sorted(self.tmp.glob("*.log")))

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(5)


def _outage_and_restart(tmp: Path, persistent: bool) -> tuple[Run, list[str], float]:
    run = Run(tmp, persistent)
    try:
        first = run.start_collector()
        run.send()
        in_queue = run.queued()
        assert _spans(run.output) == []
        code = _stop(first)
        assert code == 0, f"collector exited {code} on SIGTERM:\n{run.logs()}"
        run.start_collector()  # the restarted pod, on the same claim
        run.start_backend()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(_spans(run.output)) < N_SPANS:
            time.sleep(0.25)
        time.sleep(1.5)  # anything beyond N (a duplicate) would arrive by now
        return run, _spans(run.output), in_queue
    except BaseException:
        run.close()
        raise


def test_persistent_queue_survives_a_restart_with_the_backend_down(tmp_path):
    run, spans, in_queue = _outage_and_restart(tmp_path, persistent=True)
    try:
        cfg = run.rendered
        queue = cfg["exporters"][run.exporter]["sending_queue"]
        assert queue["storage"] in cfg["extensions"] and queue["storage"] in cfg["service"]["extensions"], queue
        assert queue["sizer"] == "bytes" and queue["queue_size"] == 256 * 2**20 // 2, queue
        assert run.claims == ["storage-file-storage-persistent-queue"], run.claims
        assert in_queue > 0, f"the queue was empty before the restart:\n{run.logs()}"
        assert any(run.queue_dir.iterdir()), "file_storage wrote nothing to the claim's directory"
        assert len(spans) == N_SPANS and len(set(spans)) == N_SPANS, f"sent {N_SPANS} spans, the backend got {len(spans)} ({len(set(spans))} distinct)\n{run.logs()}"
    finally:
        run.close()


def test_without_persistent_queue_the_restart_loses_the_queue(tmp_path):
    """The control: the in-memory queue does not survive, so the test above can fail."""
    run, spans, in_queue = _outage_and_restart(tmp_path, persistent=False)
    try:
        assert "storage" not in run.rendered["exporters"][run.exporter]["sending_queue"]
        assert run.claims == []
        assert in_queue > 0, f"the queue was empty before the restart:\n{run.logs()}"
        assert len(spans) < N_SPANS, f"the in-memory queue delivered all {N_SPANS} spans after a restart?\n{run.logs()}"
    finally:
        run.close()
