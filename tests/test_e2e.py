"""End to end: data really flows app → agent → gateway over mTLS.

otelgen renders the default agent and a gateway with receiver TLS and client
certificates (mTLS); both configs run as local processes of the real collector
from the toolchain (tools/install.sh), telemetrygen sends traces, metrics and
logs to the agent, and every item is counted in the gateway's output.

The rendered configs are changed only for what a pod would provide, each change
listed in POD_REWRITES; components that need a cluster are removed by the
explicit CLUSTER_ONLY overlay (the test fails if the overlay removes anything
it does not list for these specs).
"""

from __future__ import annotations

import copy
import datetime
import ipaddress
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from conftest import collector_config, container, run_cli, tool, write_spec
from otelgen import components

pytestmark = [pytest.mark.e2e, pytest.mark.tools]

#: what a pod provides that a local process does not, and how the test provides it
POD_REWRITES = {
    "MY_POD_IP": "downward-API env var: set to 127.0.0.1 in the process env (the config keeps ${env:MY_POD_IP})",
    "fixed ports": "every port a pod owns alone (receivers, health_check, telemetry metrics) becomes a free local port",
    "/etc/otelcol/tls/": "Secret volumes: written below a per-process tmp dir with the layout the manifest's volumes/volumeMounts give",
    "agent exporter endpoint": "the gateway Service's DNS name becomes 127.0.0.1:<the gateway's OTLP/gRPC port>",
    "gateway exporters": "the backend is replaced by a file exporter (OTLP JSON lines) that the test reads",
    "container env": "literal env values of the rendered container (GOMEMLIMIT) are passed as rendered",
}

#: components removed from the rendered configs (canonical otelgen ids), each with why
CLUSTER_ONLY = {
    "k8s_attributes": "watches pods/namespaces through the Kubernetes API with the service-account token; no API server here (it only adds k8s.* attributes, which the test does not assert)",
    "kubelet_stats": "scrapes the node's kubelet on :10250 with the pod's token",
    "k8s_cluster": "lists and watches cluster objects through the Kubernetes API",
    "file_log": "tails /var/log/pods on the node",
}

#: what CLUSTER_ONLY must remove from the two configs of this module, no more, no less
EXPECTED_REMOVALS = {"agent": {"k8s_attributes"}, "gateway": {"k8s_attributes"}}

TLS_PREFIX = "/etc/otelcol/tls/"
POD_IP = "127.0.0.1"
ENV_REF = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)")
FIXED_ENDPOINT = re.compile(r"^\$\{env:MY_POD_IP\}:(\d+)$")
RESOURCE_ATTR = ("deployment.environment.name", "e2e")
SIGNALS = ("traces", "metrics", "logs")

AGENT_SPEC = f"""\
spec:
  processors:
    resource/e2e:
      attributes:
        - {{key: {RESOURCE_ATTR[0]}, value: {RESOURCE_ATTR[1]}, action: upsert}}
  exporters:
    otlp:
      tls:
        insecure: null
        ca_secret: {{name: otel-gateway-ca, key: ca.crt}}
        cert_secret: otel-agent-client
  pipelines:
    traces: {{receivers: [otlp], processors: [resource/e2e], exporters: [otlp]}}
    metrics: {{receivers: [otlp], processors: [resource/e2e], exporters: [otlp]}}
    logs: {{receivers: [otlp], processors: [resource/e2e], exporters: [otlp]}}
"""

GATEWAY_SPEC = """\
spec:
  tls:
    secretName: otel-gateway-tls
    clientCA: {name: otel-client-ca, key: ca.crt}
"""

N_TRACES, CHILD_SPANS, N_METRICS, N_LOGS = 40, 2, 50, 60
#: what one telemetrygen run of each signal produces (a trace = 1 root + CHILD_SPANS children)
EXPECTED = {"spans": N_TRACES * (1 + CHILD_SPANS), "datapoints": N_METRICS, "logs": N_LOGS}

START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
SEND_TIMEOUT = 30.0

#: urllib without the caller's proxy settings: 127.0.0.1 is this machine
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))
#: env for telemetrygen: nothing from the caller's shell (OTEL_*, proxies) may steer it
CLEAN_ENV = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/")}


# ---------------------------------------------------------------- certificates


def _pki(root: Path) -> dict[str, Any]:
    """A throwaway CA with a server cert and a client cert, plus a second,
    untrusted CA with its own client cert. The server cert names 127.0.0.1 and
    localhost, where the pod's (cert-manager) certificate would name the Services."""
    now = datetime.datetime.now(datetime.timezone.utc)

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def pem_key(key) -> bytes:
        return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())

    def pem_cert(cert) -> bytes:
        return cert.public_bytes(serialization.Encoding.PEM)

    def make_ca(cn: str):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder().subject_name(name(cn)).issuer_name(name(cn)).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False, key_encipherment=False, data_encipherment=False, key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256())
        )
        return key, cert

    def make_leaf(ca, cn: str, usage, sans=()):
        ca_key, ca_cert = ca
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (
            x509.CertificateBuilder().subject_name(name(cn)).issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        )
        if sans:
            builder = builder.add_extension(x509.SubjectAlternativeName(list(sans)), critical=False)
        return pem_cert(builder.sign(ca_key, hashes.SHA256())), pem_key(key)

    ca = make_ca("otelgen-e2e-ca")
    rogue = make_ca("otelgen-e2e-untrusted-ca")
    server = make_leaf(ca, "otel-gateway", ExtendedKeyUsageOID.SERVER_AUTH, [x509.IPAddress(ipaddress.ip_address(POD_IP)), x509.DNSName("localhost")])
    client = make_leaf(ca, "otel-agent", ExtendedKeyUsageOID.CLIENT_AUTH)
    rogue_client = make_leaf(rogue, "intruder", ExtendedKeyUsageOID.CLIENT_AUTH)

    root.mkdir(parents=True, exist_ok=True)
    files = {"ca": root / "ca.crt", "client.crt": root / "client.crt", "client.key": root / "client.key", "rogue.crt": root / "rogue.crt", "rogue.key": root / "rogue.key"}
    files["ca"].write_bytes(pem_cert(ca[1]))
    files["client.crt"].write_bytes(client[0])
    files["client.key"].write_bytes(client[1])
    files["rogue.crt"].write_bytes(rogue_client[0])
    files["rogue.key"].write_bytes(rogue_client[1])
    # the Secrets the specs name, as `kubectl create secret` would hold them
    secrets = {
        "otel-gateway-tls": {"tls.crt": server[0], "tls.key": server[1]},
        "otel-client-ca": {"ca.crt": pem_cert(ca[1])},
        "otel-gateway-ca": {"ca.crt": pem_cert(ca[1])},
        "otel-agent-client": {"tls.crt": client[0], "tls.key": client[1]},
    }
    return {"files": files, "secrets": secrets}


# ---------------------------------------------------------------- rendering and rewriting


def _render(mode: str, spec_text: str, tmp: Path) -> tuple[dict, dict]:
    """otelgen itself (in-process): the collector config and the collector container."""
    result = run_cli("render", mode, "-f", write_spec(tmp, spec_text, f"{mode}-spec.yaml"))
    assert result.code == 0, result.err
    objects = result.objects()
    pod = next(o for o in objects if o["kind"] in ("Deployment", "DaemonSet", "StatefulSet"))
    return collector_config(objects), {"container": container(objects), "volumes": pod["spec"]["template"]["spec"].get("volumes", [])}


def _canonical(section: str, rendered_id: str) -> str | None:
    comp = components.lookup(components.SECTIONS[section], rendered_id.split("/")[0])
    return comp.id if comp else None


def remove_cluster_only(config: dict) -> set[str]:
    """Apply CLUSTER_ONLY in place; returns the canonical ids removed."""
    removed: set[str] = set()
    gone: dict[str, set[str]] = {}
    for section in ("receivers", "processors", "exporters", "extensions", "connectors"):
        for rid in list(config.get(section) or {}):
            cid = _canonical(section, rid)
            if cid in CLUSTER_ONLY:
                del config[section][rid]
                removed.add(cid)
                gone.setdefault(section, set()).add(rid)
    service = config["service"]
    service["extensions"] = [e for e in service.get("extensions", []) if e not in gone.get("extensions", set())]
    for pname in list(service["pipelines"]):
        pipeline = service["pipelines"][pname]
        for role in ("receivers", "processors", "exporters"):
            if role in pipeline:
                pipeline[role] = [c for c in pipeline[role] if c not in gone.get(role, set())]
        if not pipeline.get("receivers"):
            del service["pipelines"][pname]
    return removed


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((POD_IP, 0))
        return s.getsockname()[1]


def remap_ports(config: dict) -> dict[int, int]:
    """Every `${env:MY_POD_IP}:<port>` endpoint and the telemetry metrics port get a
    free port; returns rendered port → local port."""
    ports: dict[int, int] = {}

    def local(port: int) -> int:
        if port not in ports:
            ports[port] = free_port()
        return ports[port]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "endpoint" and isinstance(value, str) and (m := FIXED_ENDPOINT.match(value)):
                    node[key] = f"${{env:MY_POD_IP}}:{local(int(m[1]))}"
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(config)
    for reader in config["service"]["telemetry"]["metrics"]["readers"]:
        prom = reader["pull"]["exporter"]["prometheus"]
        assert prom["host"] == "${env:MY_POD_IP}", prom
        prom["port"] = local(int(prom["port"]))
    return ports


def mount_secrets(workload: dict, secrets: dict[str, dict[str, bytes]], pod_root: Path) -> None:
    """Write each Secret where the manifest mounts it (items key → path), below pod_root."""
    volumes = {v["name"]: v for v in workload["volumes"]}
    for mount in workload["container"].get("volumeMounts", []):
        if not mount["mountPath"].startswith(TLS_PREFIX):
            continue
        secret = volumes[mount["name"]]["secret"]
        target = pod_root / mount["mountPath"][len(TLS_PREFIX):]
        target.mkdir(parents=True, exist_ok=True)
        for item in secret.get("items") or [{"key": k, "path": k} for k in secrets[secret["secretName"]]]:
            (target / item["path"]).write_bytes(secrets[secret["secretName"]][item["key"]])


def relocate_tls(config: dict, pod_root: Path) -> list[Path]:
    """/etc/otelcol/tls/... → pod_root/...; returns the files the config now references."""
    found: list[Path] = []

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        if isinstance(node, str) and node.startswith(TLS_PREFIX):
            found.append(pod_root / node[len(TLS_PREFIX):])
            return str(found[-1])
        return node

    config.update(walk(config))
    return found


class Pod:
    """One rendered collector, prepared to run as a local process."""

    def __init__(self, role: str, mode: str, spec: str, tmp: Path, secrets: dict):
        self.role = role
        self.dir = tmp / role
        self.dir.mkdir(parents=True, exist_ok=True)
        self.rendered, self.workload = _render(mode, spec, self.dir)
        self.config = copy.deepcopy(self.rendered)
        self.removed = remove_cluster_only(self.config)
        self.ports = remap_ports(self.config)
        mount_secrets(self.workload, secrets, self.dir / "tls")
        referenced = relocate_tls(self.config, self.dir / "tls")
        missing = [str(p) for p in referenced if not p.is_file()]
        assert not missing, f"{role}: the config references files no volume mounts: {missing}"
        self.env = {**CLEAN_ENV, "HOME": str(self.dir), "MY_POD_IP": POD_IP}
        for entry in self.workload["container"].get("env", []):
            if "value" in entry:
                self.env[entry["name"]] = entry["value"]
        self.proc: subprocess.Popen | None = None
        self.log = self.dir / "collector.log"

    def port(self, rendered: int) -> int:
        return self.ports[rendered]

    def write(self) -> Path:
        text = yaml.safe_dump(self.config, sort_keys=False)
        unset = set(ENV_REF.findall(text)) - set(self.env)
        assert not unset, f"{self.role}: config uses env vars the test does not provide: {unset}"
        path = self.dir / "collector.yaml"
        path.write_text(text)
        return path

    def start(self, collector: Path) -> None:
        assert self.proc is None or self.proc.poll() is not None
        path = self.write()
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen([str(collector), f"--config={path}"], env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        url = f"http://{POD_IP}:{self.port(13133)}/"
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"{self.role} exited with {self.proc.returncode} while starting:\n{self.log_tail()}")
            try:
                with NO_PROXY.open(url, timeout=1) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        self.kill()
        pytest.fail(f"{self.role} not healthy at {url} within {START_TIMEOUT}s:\n{self.log_tail()}")

    def stop(self) -> int | None:
        """SIGTERM (what the kubelet sends), SIGKILL after STOP_TIMEOUT."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, n: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-n:] if self.log.exists() else "(no log)"


# ---------------------------------------------------------------- the deployment under test


class Stack:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.collector = tool("collector")
        self.telemetrygen = tool("telemetrygen")
        self.pki = _pki(tmp / "pki")
        self.outputs: list[Path] = []  # every file the gateway's file exporters have written
        self.gateway = Pod("gateway", "gateway", GATEWAY_SPEC, tmp, self.pki["secrets"])
        self.agent = Pod("agent", "agent", AGENT_SPEC, tmp, self.pki["secrets"])
        # the gateway's backend: file exporters writing OTLP JSON lines, one per signal
        # (one `file` shared by three pipelines is shut down by the first pipeline to
        # stop while another's batch processor still flushes into it: nil-pointer panic,
        # open-telemetry/opentelemetry-collector-contrib#46871)
        gw = self.gateway.config
        gw["exporters"] = {f"file/{sig}": {"path": "", "format": "json"} for sig in SIGNALS}
        for pname, pipeline in gw["service"]["pipelines"].items():
            pipeline["exporters"] = [f"file/{pname.split('/')[0]}"]
        # the agent sends to the gateway's (remapped) OTLP/gRPC port instead of its Service
        exporters = self.agent.config["exporters"]
        (name,) = [n for n in exporters if _canonical("exporters", n) == "otlp"]
        exporters[name]["endpoint"] = f"{POD_IP}:{self.gateway.port(4317)}"

    def start_gateway(self) -> None:
        """Start (or restart) the gateway on its ports; each run writes fresh output
        files (the file exporter truncates its file when it starts)."""
        run = len(self.outputs) // len(SIGNALS)
        for sig in SIGNALS:
            path = self.tmp / f"gateway-{run}-{sig}.jsonl"
            self.gateway.config["exporters"][f"file/{sig}"]["path"] = str(path)
            self.outputs.append(path)
        self.gateway.start(self.collector)

    def start(self) -> None:
        self.start_gateway()
        self.agent.start(self.collector)

    def stop(self) -> None:
        for pod in (self.agent, self.gateway):
            try:
                pod.stop()
            finally:
                pod.kill()

    def send(self, run: str, signals=("traces", "metrics", "logs")) -> None:
        """telemetrygen → the agent's OTLP/gRPC port, plaintext as apps on the node send."""
        counts = {"traces": ["--traces", str(N_TRACES), "--child-spans", str(CHILD_SPANS)], "metrics": ["--metrics", str(N_METRICS)], "logs": ["--logs", str(N_LOGS)]}
        procs = []
        for sig in signals:
            cmd = [str(self.telemetrygen), sig, "--otlp-insecure", "--otlp-endpoint", f"{POD_IP}:{self.agent.port(4317)}", "--rate", "0", "--workers", "1", "--otlp-attributes", f'e2e.run="{run}"', *counts[sig]]
            procs.append((sig, subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=CLEAN_ENV)))
        failures = []
        for sig, proc in procs:
            try:
                out, _ = proc.communicate(timeout=SEND_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, _ = proc.communicate()
            if proc.returncode != 0:
                failures.append(f"telemetrygen {sig} exited {proc.returncode}:\n{out[-2000:]}")
        assert not failures, "\n".join(failures)

    def received(self) -> "Received":
        return Received.read(*self.outputs)

    def wait_for(self, run: str, want: dict[str, int], timeout: float) -> float:
        """Poll the gateway's output until `run` has at least `want`; fails after
        `timeout` with both collectors' logs. Returns the seconds waited."""
        start = time.monotonic()
        while True:
            got = self.received()
            if all(got.count(run, kind) >= n for kind, n in want.items()):
                return time.monotonic() - start
            if time.monotonic() - start > timeout:
                pytest.fail(f"run {run!r}: {got.per_run(run)} of {want} after {timeout}s\n{self.logs()}")
            time.sleep(0.2)

    def logs(self) -> str:
        return "\n".join(f"--- {pod.role} (running: {pod.alive()}) log tail:\n{pod.log_tail()}" for pod in (self.agent, self.gateway))


class Received:
    """Items in the file exporter's OTLP JSON lines, counted per e2e.run and kind."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()
        self.resources: list[dict[str, Any]] = []
        self.span_ids: dict[str, Counter[str]] = {}  # run -> spanId -> times seen
        self.gauge_values: dict[str, Counter[int]] = {}  # run -> telemetrygen's sequence number -> times seen

    def count(self, run: str, kind: str) -> int:
        return self.counts[(run, kind)]

    def per_run(self, run: str) -> dict[str, int]:
        return {kind: self.count(run, kind) for kind in EXPECTED}

    @classmethod
    def read(cls, *paths: Path) -> "Received":
        got = cls()
        lines = [line for p in paths if p.exists() for line in p.read_text().splitlines(keepends=True)]
        for line in lines:
            if not line.endswith("\n") or not line.strip():
                continue  # a line still being written
            doc = json.loads(line)
            for rs in doc.get("resourceSpans", []):
                run = got._resource(rs)
                for ss in rs.get("scopeSpans", []):
                    got.counts[(run, "spans")] += len(ss.get("spans", []))
                    got.span_ids.setdefault(run, Counter()).update(s["spanId"] for s in ss.get("spans", []))
            for rm in doc.get("resourceMetrics", []):
                run = got._resource(rm)
                for sm in rm.get("scopeMetrics", []):
                    for metric in sm.get("metrics", []):
                        for kind in ("gauge", "sum", "histogram", "exponentialHistogram", "summary"):
                            got.counts[(run, "datapoints")] += len((metric.get(kind) or {}).get("dataPoints", []))
                        for dp in (metric.get("gauge") or {}).get("dataPoints", []):
                            got.gauge_values.setdefault(run, Counter())[int(dp["asInt"])] += 1
            for rl in doc.get("resourceLogs", []):
                run = got._resource(rl)
                got.counts[(run, "logs")] += sum(len(sl.get("logRecords", [])) for sl in rl.get("scopeLogs", []))
        return got

    def _resource(self, entry: dict) -> str:
        attrs = {a["key"]: a["value"] for a in entry.get("resource", {}).get("attributes", [])}
        self.resources.append(attrs)
        return (attrs.get("e2e.run") or {}).get("stringValue", "?")


@pytest.fixture
def stack(tmp_path):
    s = Stack(tmp_path)
    try:
        yield s
    finally:
        s.stop()


def _assert_exact(got: Received, run: str, want: dict[str, int] = EXPECTED) -> None:
    """Exactly what was sent: the counts, every span once, every gauge value
    (telemetrygen numbers its data points 0..N-1) once."""
    assert got.per_run(run) == want, f"run {run!r}: received {got.per_run(run)}, sent {want}"
    dup = [s for s, n in got.span_ids.get(run, Counter()).items() if n > 1]
    assert not dup, f"run {run!r}: {len(dup)} spans arrived more than once"
    assert got.gauge_values.get(run, Counter()) == Counter(range(want["datapoints"])), f"run {run!r}: data points missing or duplicated"


# ---------------------------------------------------------------- tests


def test_overlay_and_rewrites_are_the_listed_ones(stack):
    """The overlay removes exactly the expected components, and the pipelines
    and processors that run are the rendered ones minus those (the gateway's
    exporters aside)."""
    for pod in (stack.gateway, stack.agent):
        assert pod.removed == EXPECTED_REMOVALS[pod.role], f"{pod.role}: overlay removed {pod.removed}; update EXPECTED_REMOVALS (and CLUSTER_ONLY) deliberately"
        assert {13133, 8888, 4317, 4318} <= set(pod.ports), pod.ports
        gone = {rid for rid in pod.rendered["processors"] if _canonical("processors", rid) in pod.removed}
        assert pod.config["processors"] == {k: v for k, v in pod.rendered["processors"].items() if k not in gone}
        assert pod.config["service"]["pipelines"].keys() == pod.rendered["service"]["pipelines"].keys()
        for pname, rendered in pod.rendered["service"]["pipelines"].items():
            running = pod.config["service"]["pipelines"][pname]
            assert running["receivers"] == rendered["receivers"]
            assert running["processors"] == [c for c in rendered["processors"] if c not in gone]
            if pod is stack.agent:
                assert running["exporters"] == rendered["exporters"]
                assert running["processors"][0] == "memory_limiter" and running["processors"][-1] == "batch" and "resource/e2e" in running["processors"]
    receivers = stack.gateway.config["receivers"]["otlp"]["protocols"]
    for proto in ("grpc", "http"):
        assert set(receivers[proto]["tls"]) == {"cert_file", "key_file", "client_ca_file"}


def test_client_certificates_on_a_plaintext_default_are_refused(tmp_path):
    """The agent defaults say `tls: {insecure: true}`; merging only ca_secret and
    cert_secret over them used to render plaintext without the certificate (the
    gateway then refuses every export). It must be an error, not silent plaintext."""
    spec = AGENT_SPEC.replace("        insecure: null\n", "")
    assert spec != AGENT_SPEC
    result = run_cli("render", "agent", "-f", write_spec(tmp_path, spec), "--config-only")
    assert result.code == 2 and result.out == ""
    assert "error E004 spec.exporters.otlp.tls: tls.insecure: true turns TLS off, so ca_secret, cert_secret would be ignored" in result.err


def test_every_item_arrives_with_the_agents_resource_attributes(stack):
    """app --OTLP/gRPC--> agent --OTLP/gRPC over mTLS--> gateway: every span, data
    point and log record arrives exactly once, tagged by the agent's resource processor."""
    stack.start()
    stack.send("steady")
    stack.wait_for("steady", EXPECTED, timeout=20)
    # stop both (SIGTERM flushes the batch processors and the file) so the count is final
    assert stack.agent.stop() == 0, stack.logs()
    assert stack.gateway.stop() == 0, stack.logs()
    got = stack.received()
    _assert_exact(got, "steady")
    assert set(run for run, _ in got.counts) == {"steady"}
    assert got.resources, "no resources in the gateway output"
    for attrs in got.resources:
        assert attrs.get(RESOURCE_ATTR[0]) == {"stringValue": RESOURCE_ATTR[1]}, attrs
        assert attrs.get("service.name") == {"stringValue": "telemetrygen"}, attrs


# ---------------------------------------------------------------- the gateway refuses what is not mTLS

H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"  # + empty SETTINGS
HTTP_POST = b"POST /v1/traces HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"


def _tls_exchange(stack: Stack, port: int, client: str | None, alpn: str, payload: bytes) -> bytes:
    """TLS handshake (server verified against the CA) with an optional client
    certificate, then one write and one read. Raises what the server answers with."""
    files = stack.pki["files"]
    ctx = ssl.create_default_context(cafile=str(files["ca"]))
    ctx.set_alpn_protocols([alpn])
    if client:
        ctx.load_cert_chain(str(files[f"{client}.crt"]), str(files[f"{client}.key"]))
    with socket.create_connection((POD_IP, port), timeout=5) as raw, ctx.wrap_socket(raw, server_hostname=POD_IP) as conn:
        conn.sendall(payload)
        return conn.recv(64)


def _plain_exchange(port: int, payload: bytes) -> bytes:
    with socket.create_connection((POD_IP, port), timeout=5) as conn:
        conn.sendall(payload)
        chunks = []
        while chunk := conn.recv(4096):
            chunks.append(chunk)
        return b"".join(chunks)


def _telemetrygen_direct(stack: Stack, run: str, tls_args: list[str]) -> subprocess.Popen:
    cmd = [str(stack.telemetrygen), "traces", "--otlp-endpoint", f"{POD_IP}:{stack.gateway.port(4317)}", "--traces", "5", "--rate", "0", "--timeout", "2s", "--otlp-attributes", f'e2e.run="{run}"', *tls_args]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=CLEAN_ENV)


def test_gateway_accepts_only_clients_with_a_certificate_from_its_ca(stack):
    """Receiver TLS with clientCA means RequireAndVerifyClientCert on both OTLP
    ports: the agent's certificate gets through, no certificate or one from
    another CA is refused in the handshake, plaintext never reaches OTLP."""
    stack.start_gateway()
    grpc, http = stack.gateway.port(4317), stack.gateway.port(4318)
    files = {k: str(v) for k, v in stack.pki["files"].items()}
    # data-level: telemetrygen straight at the gateway (its exit code is 0 even when every export fails)
    senders = {
        "mtls": _telemetrygen_direct(stack, "mtls", ["--ca-cert", files["ca"], "--mtls", "--client-cert", files["client.crt"], "--client-key", files["client.key"]]),
        "no-client-cert": _telemetrygen_direct(stack, "no-client-cert", ["--ca-cert", files["ca"]]),
        "untrusted-client-cert": _telemetrygen_direct(stack, "untrusted-client-cert", ["--ca-cert", files["ca"], "--mtls", "--client-cert", files["rogue.crt"], "--client-key", files["rogue.key"]]),
        "plaintext": _telemetrygen_direct(stack, "plaintext", ["--otlp-insecure"]),
    }
    try:
        # handshake-level, on both ports, while telemetrygen runs
        assert _tls_exchange(stack, grpc, "client", "h2", H2_PREFACE)[3:4] == b"\x04", "no HTTP/2 SETTINGS from the gateway over mTLS"
        assert _tls_exchange(stack, http, "client", "http/1.1", HTTP_POST).startswith(b"HTTP/1.1 200"), "OTLP/HTTP over mTLS not accepted"
        for port, alpn, payload in ((grpc, "h2", H2_PREFACE), (http, "http/1.1", HTTP_POST)):
            with pytest.raises(ssl.SSLError, match="CERTIFICATE_REQUIRED"):
                _tls_exchange(stack, port, None, alpn, payload)
            with pytest.raises(ssl.SSLError, match="UNKNOWN_CA"):
                _tls_exchange(stack, port, "rogue", alpn, payload)
        # plaintext: gRPC gets the connection closed without a byte, HTTP gets Go's canned 400
        assert _plain_exchange(grpc, H2_PREFACE) == b""
        assert _plain_exchange(http, HTTP_POST).startswith(b"HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server")
    finally:
        for proc in senders.values():
            try:
                proc.communicate(timeout=SEND_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
    assert stack.gateway.stop() == 0, stack.gateway.log_tail()
    got = stack.received()
    assert got.per_run("mtls") == {"spans": 5 * 2, "datapoints": 0, "logs": 0}, "the positive control did not arrive: the refusals below would prove nothing"
    for run in ("no-client-cert", "untrusted-client-cert", "plaintext"):
        assert got.per_run(run) == {"spans": 0, "datapoints": 0, "logs": 0}, f"{run}: data got through"
    assert set(run for run, _ in got.counts) == {"mtls"}


# ---------------------------------------------------------------- gateway restart


def _log_records(pod: Pod) -> list[dict]:
    """The collector's own JSON log lines (gRPC's plain-text lines are skipped)."""
    records = []
    for line in pod.log.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                pass  # a line still being written
    return records


def _retrying_signals(pod: Pod, timeout: float) -> set[str]:
    """Wait until every signal's exporter has logged a failed export it will retry."""
    deadline = time.monotonic() + timeout
    while True:
        found = {r.get("otelcol.signal") for r in _log_records(pod) if r.get("msg", "").startswith("Exporting failed. Will retry")}
        if found >= set(SIGNALS) or time.monotonic() > deadline:
            return found


def test_agent_survives_a_gateway_restart_without_loss(stack):
    """What the rendered agent guarantees across a gateway outage.

    The agent's exporter (default agent spec) renders `sending_queue: {enabled: true}`
    without `storage` and `retry_on_failure: {enabled: true}` without limits, so the
    collector defaults apply: an in-memory queue of 1000 requests (when it is full,
    new batches are dropped: the batch processor in front has already acknowledged
    them to the sender), each request retried with exponential backoff (5s initial,
    x1.5, 30s max interval) for up to max_elapsed_time = 300s, then dropped.

    Measured here: telemetry the agent accepted while the gateway was down is held
    and retried, and once the gateway is back on the same address all of it
    arrives exactly once — lost: 0 spans, 0 data points, 0 log records, no
    duplicates; so is what was sent before the stop and after the restart.

    Not guaranteed (and so not claimed): data still queued or batched when the
    agent itself restarts or is OOM-killed is lost (the queue is in memory;
    persisting it needs `sending_queue.storage` with a file_storage extension on a
    hostPath), as is data whose outage outlasts max_elapsed_time or overflows the
    queue. The gateway's own backend hop has the same rendered queue/retry but is
    replaced by a file exporter here, so it is not measured.
    """
    exporter = next(v for k, v in stack.agent.rendered["exporters"].items() if _canonical("exporters", k) == "otlp")
    assert exporter["sending_queue"] == {"enabled": True}, "docstring describes an in-memory queue with defaults"
    assert exporter["retry_on_failure"] == {"enabled": True}, "docstring describes the default retry (300s max elapsed)"

    stack.start()
    stack.send("before")
    stack.wait_for("before", EXPECTED, timeout=20)

    assert stack.gateway.stop() == 0, stack.gateway.log_tail()
    stack.send("outage")  # the agent accepts: its receiver does not wait for the gateway
    # the data has really left the batch processor and failed against the stopped gateway
    retrying = _retrying_signals(stack.agent, timeout=10)
    assert retrying >= set(SIGNALS), f"expected a failed, retried export per signal, saw {retrying}:\n{stack.logs()}"
    assert stack.agent.alive(), stack.logs()

    stack.start_gateway()  # same config and ports; new output files
    recovered = stack.wait_for("outage", EXPECTED, timeout=45)
    stack.send("after")
    stack.wait_for("after", EXPECTED, timeout=20)

    assert stack.agent.alive(), stack.logs()
    assert stack.agent.stop() == 0, stack.logs()
    assert stack.gateway.stop() == 0, stack.logs()
    got = stack.received()
    lost = {kind: EXPECTED[kind] - got.count("outage", kind) for kind in EXPECTED}
    print(f"gateway restart: delivered {got.per_run('outage')} of {EXPECTED} {recovered:.1f}s after the restart; lost {lost}")
    for run in ("before", "outage", "after"):
        _assert_exact(got, run)
    assert lost == {"spans": 0, "datapoints": 0, "logs": 0}
    # and the agent says the same: nothing dropped, nothing it gave up on
    complaints = [r for r in _log_records(stack.agent) if r.get("level") == "error" or "dropping" in r.get("msg", "").lower() or "dropped_items" in r]
    assert not complaints, f"{complaints}\n{stack.logs()}"
