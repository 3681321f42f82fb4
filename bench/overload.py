#!/usr/bin/env python3
"""Memory under overload (a benchmark, not part of `make test`).

Runs the gateway otelgen renders for `resources.limits.memory: 256Mi` as a real
collector (the toolchain's otelcol-k8s) inside a memory budget of 256 MiB, sends
it far more OTLP/HTTP traces than it can export (its exporter points at a local
endpoint that accepts TCP connections and never answers), and records RSS over
time plus accepted/refused counts, from the collector's own metrics and from the
load generator. Then the same with a naive config: no memory_limiter, batch
first, no GOMEMLIMIT.

The budget is a real cgroup when possible (root; cgroup v2 `memory.max` or v1
`memory.limit_in_bytes` in a child of this process's own memory cgroup): the
collector's memory_limiter reads its percentages from that limit exactly as in a
pod, and the kernel OOM-kills at 256 MiB as the kubelet's cgroup would. Without
one, memory_limiter is switched to the equivalent limit_mib/spike_limit_mib and
the run stops a process at 3x the budget instead of the OOM killer (reported).

Changes to the rendered config, each for something only a pod has (printed):
  MY_POD_IP         -> 127.0.0.1 through the env (the config keeps ${env:MY_POD_IP})
  fixed ports       -> free local ports (receivers, health_check, telemetry)
  k8sattributes     -> removed: needs the Kubernetes API (same in both scenarios)
  exporter endpoint -> 127.0.0.1:<blackhole> (TLS settings kept; the handshake never completes)

Usage (root for the cgroup; from the repo root):
  .venv/bin/pip install -e '.[bench]'       # matplotlib
  .venv/bin/python bench/overload.py        # both scenarios, ~3 min; table + bench/overload.png
  .venv/bin/python bench/overload.py --seconds 30 --scenario rendered
"""

from __future__ import annotations

import argparse
import copy
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

MEMORY_LIMIT = "256Mi"
LIMIT_BYTES = 256 * 1024 * 1024
MAX_SCENARIO_SECONDS = 90
HOST = "127.0.0.1"
SPANS_PER_REQUEST = 500
LOAD_THREADS = 4
NO_CGROUP_KILL_FACTOR = 3  # without a cgroup: stop the process at 3x the budget
RESTART_BACKOFF_SECONDS = 10  # a dead collector is restarted like the kubelet does: 10 s, then doubling


# ---- the configs -----------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def rendered_gateway(extra_sets: list[str] = ()) -> tuple[dict, dict[str, str]]:
    """Collector config and literal container env of `otelgen render gateway` at 256Mi."""
    from otelgen import render

    sets = [f"resources.limits.memory={MEMORY_LIMIT}", f"resources.requests.memory={MEMORY_LIMIT}", *extra_sets]
    objects, _ = render.render("gateway", [], sets)
    cm = next(o for o in objects if o["kind"] == "ConfigMap")
    deploy = next(o for o in objects if o["kind"] == "Deployment")
    env = {e["name"]: e["value"] for e in deploy["spec"]["template"]["spec"]["containers"][0]["env"] if "value" in e}
    return yaml.safe_load(cm["data"]["collector.yaml"]), env


def localize(config: dict, blackhole: int) -> tuple[dict, dict[str, int]]:
    """The pod-only rewrites listed in the module docstring; returns the config and the
    local ports by role (otlp_http, health, metrics)."""
    config = copy.deepcopy(config)
    ports: dict[str, int] = {}

    def endpoint(role: str, value: str) -> str:
        m = re.fullmatch(r"\$\{env:MY_POD_IP\}:(\d+)", value)
        assert m, f"unexpected endpoint {value!r}"
        ports[role] = free_port()
        return f"${{env:MY_POD_IP}}:{ports[role]}"

    for name, receiver in config["receivers"].items():
        for proto, settings in (receiver.get("protocols") or {}).items():
            settings["endpoint"] = endpoint(f"{name}_{proto}", settings["endpoint"])
    config["extensions"]["health_check"]["endpoint"] = endpoint("health", config["extensions"]["health_check"]["endpoint"])
    prom = config["service"]["telemetry"]["metrics"]["readers"][0]["pull"]["exporter"]["prometheus"]
    ports["metrics"] = prom["port"] = free_port()
    for processor in [p for p in config.get("processors", {}) if p.split("/")[0] in ("k8sattributes", "k8s_attributes")]:
        del config["processors"][processor]
        for pipeline in config["service"]["pipelines"].values():
            pipeline["processors"] = [p for p in pipeline.get("processors", []) if p != processor]
    for exporter in config["exporters"].values():
        exporter["endpoint"] = f"{HOST}:{blackhole}"
    return config, ports


def naive(config: dict, env: dict[str, str]) -> tuple[dict, dict[str, str]]:
    """No memory_limiter, batch first, no GOMEMLIMIT; everything else as rendered."""
    config = copy.deepcopy(config)
    config["processors"].pop("memory_limiter", None)
    for pipeline in config["service"]["pipelines"].values():
        rest = [p for p in pipeline.get("processors", []) if p not in ("memory_limiter", "batch")]
        pipeline["processors"] = ["batch", *rest]
    return config, {k: v for k, v in env.items() if k != "GOMEMLIMIT"}


def fixed_limiter(config: dict) -> dict:
    """Without a cgroup: the rendered percentages of 256 MiB as limit_mib/spike_limit_mib."""
    config = copy.deepcopy(config)
    ml = config["processors"].get("memory_limiter")
    if ml:
        mib = LIMIT_BYTES // (1024 * 1024)
        ml["limit_mib"] = mib * ml.pop("limit_percentage") // 100
        ml["spike_limit_mib"] = mib * ml.pop("spike_limit_percentage") // 100
    return config


# ---- the memory budget -----------------------------------------------------------

class Budget:
    """A child of this process's memory cgroup with a 256 MiB limit, or None."""

    def __init__(self, name: str):
        self.path: Path | None = None
        self.version = 0
        self.why_not = ""
        lines = Path("/proc/self/cgroup").read_text().splitlines()
        if Path("/sys/fs/cgroup/cgroup.controllers").exists():
            own = next((l.split(":", 2)[2] for l in lines if l.startswith("0::")), None)
            base, limit_file, self.version = Path("/sys/fs/cgroup" + (own or "/")), "memory.max", 2
        else:
            own = next((l.split(":", 2)[2] for l in lines if l.split(":")[1] == "memory"), None)
            base, limit_file, self.version = Path("/sys/fs/cgroup/memory" + (own or "/")), "memory.limit_in_bytes", 1
        try:
            path = base / name
            path.mkdir()
            self.path = path
            (path / limit_file).write_text(str(LIMIT_BYTES))
            if self.version == 1 and (path / "memory.memsw.limit_in_bytes").exists():
                try:  # no swap either (there is none here; where there is, a pod has none)
                    (path / "memory.memsw.limit_in_bytes").write_text(str(LIMIT_BYTES))
                except OSError:
                    pass
        except OSError as exc:
            self.why_not = f"cannot create a memory cgroup under {base}: {exc.strerror}"
            self.remove()
            self.path = None

    def wrap(self, cmd: list[str]) -> list[str]:
        """cmd started inside the cgroup from its first instruction."""
        if self.path is None:
            return cmd
        return ["/bin/sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', str(self.path), *cmd]

    def usage(self) -> int | None:
        if self.path is None:
            return None
        name = "memory.current" if self.version == 2 else "memory.usage_in_bytes"
        try:
            return int((self.path / name).read_text())
        except (OSError, ValueError):
            return None

    def working_set(self) -> int | None:
        """usage minus inactive file cache: what the kubelet calls the working set
        (`kubectl top`, eviction). The rest is clean page cache the kernel reclaims
        at the limit instead of OOM-killing (mostly the collector binary's pages)."""
        usage = self.usage()
        if usage is None:
            return None
        try:
            stat = dict(line.split() for line in (self.path / "memory.stat").read_text().splitlines())
        except (OSError, ValueError):
            return None
        inactive = stat.get("total_inactive_file", stat.get("inactive_file", "0"))
        return max(usage - int(inactive), 0)

    def oom_kills(self) -> int | None:
        if self.path is None:
            return None
        name = "memory.events" if self.version == 2 else "memory.oom_control"
        try:
            m = re.search(r"oom_kill (\d+)", (self.path / name).read_text())
            return int(m.group(1)) if m else 0
        except OSError:
            return None

    def remove(self) -> None:
        if self.path is None:
            return
        for _ in range(50):
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.1)


# ---- the blocked backend -----------------------------------------------------------

class Blackhole:
    """Accepts TCP connections on 127.0.0.1, reads and discards, never answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((HOST, 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.conns: list[socket.socket] = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        import select

        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
                conn.setblocking(False)
                self.conns.append(conn)
            except (socket.timeout, OSError):
                pass
            readable = select.select(self.conns, [], [], 0)[0] if self.conns else []
            for conn in readable:
                try:
                    if not conn.recv(65536):
                        self.conns.remove(conn)
                        conn.close()
                except OSError:
                    self.conns.remove(conn)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=2)
        for conn in self.conns:
            conn.close()
        self.sock.close()


# ---- load ------------------------------------------------------------------------

def payload() -> bytes:
    now = time.time_ns()
    spans = []
    for i in range(SPANS_PER_REQUEST):
        spans.append({
            "traceId": f"{i + 1:032x}", "spanId": f"{i + 1:016x}", "name": f"GET /api/v1/items/{i % 50}", "kind": 2,
            "startTimeUnixNano": str(now), "endTimeUnixNano": str(now + 1_000_000),
            "attributes": [
                {"key": "http.request.method", "value": {"stringValue": "GET"}},
                {"key": "url.full", "value": {"stringValue": f"https://shop.example.com/api/v1/items/{i % 50}?page={i}&sort=price&filter=available"}},
                {"key": "http.response.status_code", "value": {"intValue": "200"}},
                {"key": "user_agent.original", "value": {"stringValue": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) bench/1.0"}},
                {"key": "app.note", "value": {"stringValue": "x" * 200}},
            ],
        })
    body = {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "overload-bench"}}]},
                               "scopeSpans": [{"scope": {"name": "bench"}, "spans": spans}]}]}
    return json.dumps(body, separators=(",", ":")).encode()


@dataclass
class LoadCounters:
    lock: threading.Lock = field(default_factory=threading.Lock)
    accepted: int = 0  # spans in 2xx responses
    refused: int = 0  # spans in 429/503 (back-pressure: retryable)
    failed: int = 0  # spans in other statuses or requests that got no response
    statuses: dict[str, int] = field(default_factory=dict)

    def add(self, status: str, spans: int) -> None:
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status.startswith("2"):
                self.accepted += spans
            elif status in ("429", "503"):
                self.refused += spans
            else:
                self.failed += spans

    def snapshot(self) -> tuple[int, int, int]:
        with self.lock:
            return self.accepted, self.refused, self.failed


def load(port: int, body: bytes, until: float, counters: LoadCounters) -> None:
    conn = None
    while time.monotonic() < until:
        try:
            if conn is None:
                conn = http.client.HTTPConnection(HOST, port, timeout=10)
            conn.request("POST", "/v1/traces", body=body, headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            counters.add(str(resp.status), SPANS_PER_REQUEST)
            if resp.status != 200:
                time.sleep(0.01)  # a refused client backs off a little, then pushes again
        except (OSError, http.client.HTTPException) as exc:
            counters.add(type(exc).__name__, SPANS_PER_REQUEST)
            if conn is not None:
                conn.close()
            conn = None
            time.sleep(0.1)
    if conn is not None:
        conn.close()


# ---- the collector's own metrics ----------------------------------------------------

METRIC_LINE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)")


def scrape(port: int) -> dict[str, float] | None:
    """Sum of every series per metric name from the telemetry endpoint."""
    try:
        conn = http.client.HTTPConnection(HOST, port, timeout=3)
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode()
        conn.close()
    except (OSError, http.client.HTTPException):
        return None
    out: dict[str, float] = {}
    for line in text.splitlines():
        m = METRIC_LINE.match(line)
        if m and not line.startswith("#"):
            try:
                out[m.group(1)] = out.get(m.group(1), 0.0) + float(m.group(3))
            except ValueError:
                pass
    return out


def metric(metrics: dict[str, float] | None, prefix: str) -> float | None:
    if not metrics:
        return None
    found = [v for k, v in metrics.items() if k.startswith(prefix)]
    return sum(found) if found else None


def rss(pid: int) -> dict[str, int] | None:
    """VmRSS and its anonymous / file-backed parts (bytes). RssFile is mostly the
    180 MB binary's mapped text: clean page cache, shared, reclaimable, charged to
    whichever cgroup first read it; RssAnon is the collector's own memory."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    out = {}
    for key in ("VmRSS", "RssAnon", "RssFile"):
        m = re.search(rf"{key}:\s+(\d+) kB", text)
        if m:
            out[key] = int(m.group(1)) * 1024
    return out or None


# ---- one scenario ----------------------------------------------------------------

@dataclass
class Result:
    name: str
    budget: str
    limiter: str
    samples: list[dict] = field(default_factory=list)
    died_at: float | None = None
    exit: str = "alive at the end"
    deaths: list[dict] = field(default_factory=list)
    restarts: int = 0
    oom_kills: int | None = None
    metrics: dict[str, float | None] = field(default_factory=dict)
    client: dict = field(default_factory=dict)
    log: dict = field(default_factory=dict)


def run_scenario(name: str, config: dict, env: dict[str, str], seconds: float, budget_ok: bool, tmp: Path,
                 restart: bool = True) -> Result:
    from toolpaths import collector

    blackhole = Blackhole()
    config, ports = localize(config, blackhole.port)
    budget = Budget(f"otelgen-overload-{os.getpid()}-{name}") if budget_ok else None
    if budget is not None and budget.path is None:
        print(f"  {budget.why_not}", file=sys.stderr)
        budget = None
    if budget is None:
        config = fixed_limiter(config)
    result = Result(name, f"cgroup v{budget.version} limit {MEMORY_LIMIT}" if budget else f"none (stopped at {NO_CGROUP_KILL_FACTOR}x{MEMORY_LIMIT})",
                    json.dumps(config["processors"].get("memory_limiter")) if "memory_limiter" in config["processors"] else "none")
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    log_path = tmp / f"{name}.log"
    proc_env = {k: v for k, v in os.environ.items() if k not in ("GOMEMLIMIT", "GOGC")}
    proc_env.update(env)
    proc_env["MY_POD_IP"] = HOST
    cmd = [str(collector()), f"--config={path}"]
    if budget:
        cmd = budget.wrap(cmd)
    counters = LoadCounters()
    threads: list[threading.Thread] = []
    start = time.monotonic()
    hard_deadline = start + MAX_SCENARIO_SECONDS
    log = open(log_path, "wb")

    def launch() -> subprocess.Popen:
        return subprocess.Popen(cmd, env=proc_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(proc: subprocess.Popen, limit: float) -> bool:
        while time.monotonic() < limit:
            try:
                c = http.client.HTTPConnection(HOST, ports["health"], timeout=1)
                c.request("GET", "/")
                if c.getresponse().status == 200:
                    return True
            except (OSError, http.client.HTTPException):
                pass
            if proc.poll() is not None:
                return False
            time.sleep(0.2)
        return False

    proc = launch()
    incarnations: list[dict | None] = [None]  # last metrics scraped from each process
    try:
        if not wait_ready(proc, start + 20):
            raise RuntimeError(f"collector not ready ({proc.poll()}): {log_path.read_text()[-2000:]}")
        body = payload()
        t0 = time.monotonic()
        load_until = min(t0 + seconds, hard_deadline - 10)
        for _ in range(LOAD_THREADS):
            t = threading.Thread(target=load, args=(ports["otlp_http"], body, load_until, counters), daemon=True)
            t.start()
            threads.append(t)
        next_scrape, restart_at, backoff = 0.0, None, RESTART_BACKOFF_SECONDS
        acked_at_start, bench_killed = 0, False
        observe_until = min(load_until + 5, hard_deadline - 3)
        while time.monotonic() < observe_until:
            now = time.monotonic() - t0
            alive = proc is not None and proc.poll() is None
            mem = rss(proc.pid) if alive else None
            if alive and now >= next_scrape:
                incarnations[-1] = scrape(ports["metrics"]) or incarnations[-1]
                next_scrape = now + 1
            accepted, refused, failed = counters.snapshot()
            result.samples.append({"t": round(now, 2), "rss": mem and mem.get("VmRSS"), "anon": mem and mem.get("RssAnon"),
                                   "file": mem and mem.get("RssFile"), "cgroup": budget.usage() if budget else None,
                                   "working_set": budget.working_set() if budget else None,
                                   "heap": metric(incarnations[-1], "otelcol_process_runtime_heap_alloc_bytes") if alive else None,
                                   "client_accepted": accepted, "client_refused": refused, "client_failed": failed})
            if proc is not None and not alive:  # it died: what it had acknowledged is gone
                how = ("stopped by the bench (no cgroup)" if bench_killed else "OOM-killed") if proc.returncode == -9 else f"exit {proc.returncode}"
                bench_killed = False
                result.deaths.append({"t": round(now, 1), "how": how, "acked_then_lost": accepted - acked_at_start})
                proc = None
                if restart and now < load_until - t0:
                    restart_at, backoff = now + backoff, backoff * 2  # the kubelet's CrashLoopBackOff: 10 s, 20 s, 40 s, ...
            if proc is None and restart_at is not None and now >= restart_at:
                restart_at = None
                acked_at_start = counters.snapshot()[0]  # nothing can be acknowledged while it is down
                proc = launch()  # sampling goes on while it starts; the load threads just retry
                incarnations.append(None)
                result.restarts += 1
            if budget is None and mem and mem.get("RssAnon", 0) > NO_CGROUP_KILL_FACTOR * LIMIT_BYTES:
                os.killpg(proc.pid, signal.SIGKILL)  # stands in for the OOM killer, at 3x the budget
                bench_killed = True
            time.sleep(0.25)
        if proc is not None and proc.poll() is None:
            incarnations[-1] = scrape(ports["metrics"]) or incarnations[-1]
            result.exit = "alive at the end" if not result.deaths else f"alive at the end (after {len(result.deaths)} deaths)"
        elif result.deaths:
            result.exit = f"dead at the end ({len(result.deaths)} deaths)"
        if result.deaths:
            result.died_at = result.deaths[0]["t"]
        last = incarnations[-1] if proc is not None else None
        result.metrics = {
            "accepted_spans": sum(metric(m, "otelcol_receiver_accepted_spans") or 0 for m in incarnations),
            "refused_spans": sum(metric(m, "otelcol_receiver_refused_spans") or 0 for m in incarnations),
            "queue_size": metric(last, "otelcol_exporter_queue_size"),
            "queue_capacity": metric(last, "otelcol_exporter_queue_capacity"),
        }
    finally:
        for t in threads:
            t.join(timeout=12)
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        log.close()
        blackhole.close()
        if budget:
            result.oom_kills = budget.oom_kills()
            budget.remove()
    a, r, f = counters.snapshot()
    result.client = {"accepted": a, "refused": r, "failed": f, "statuses": dict(counters.statuses)}
    text = log_path.read_text(errors="replace")
    m = re.search(r'"total_memory_mib":\s*(\d+)', text)
    result.log = {"limiter_total_memory_mib": int(m.group(1)) if m else None,
                  "refusing_data": text.count("Refusing data"), "forced_gc": text.count("Forcing a GC")}
    return result


# ---- report ----------------------------------------------------------------------

def mib(b: float | None) -> str:
    return "-" if b is None else f"{b / 1024 / 1024:.0f}"


def num(v: float | None) -> str:
    return "-" if v is None else f"{int(v):,}"


def table(results: list[Result]) -> str:
    rows = [
        ("memory budget", lambda r: r.budget),
        ("memory_limiter", lambda r: r.limiter),
        ("memory_limiter saw total memory (MiB, from its log)", lambda r: num(r.log.get("limiter_total_memory_mib"))),
        ("GOMEMLIMIT", lambda r: r.log.get("gomemlimit") or "-"),
        ("peak RSS: total / anonymous / file-backed (MiB)", lambda r: " / ".join(mib(max((s[k] or 0) for s in r.samples) if r.samples else None) for k in ("rss", "anon", "file"))),
        ("peak cgroup working set / usage incl. page cache (MiB)", lambda r: " / ".join(mib(max((s[k] or 0) for s in r.samples) if r.samples and r.samples[0][k] is not None else None) for k in ("working_set", "cgroup"))),
        ("anonymous RSS at the end (MiB)", lambda r: mib(r.samples[-1]["anon"] if r.samples else None)),
        ("outcome", lambda r: r.exit),
        ("deaths at (s), restarted like the kubelet (10 s, 20 s, ... backoff)", lambda r: ", ".join(f"{d['t']} ({d['how']})" for d in r.deaths) or "none"),
        ("OOM kills in the cgroup", lambda r: num(r.oom_kills)),
        ("spans acknowledged (2xx) and then lost with the process", lambda r: num(sum(d["acked_then_lost"] for d in r.deaths))),
        ("collector: accepted spans (own metrics, last scrape of each process)", lambda r: num(r.metrics.get("accepted_spans"))),
        ("collector: refused spans (own metrics)", lambda r: num(r.metrics.get("refused_spans"))),
        ("collector: exporter queue size / capacity (batches)", lambda r: f"{num(r.metrics.get('queue_size'))} / {num(r.metrics.get('queue_capacity'))}"),
        ("client: spans answered 2xx", lambda r: num(r.client["accepted"])),
        ("client: spans refused (429/503)", lambda r: num(r.client["refused"])),
        ("client: spans not answered (process dead: connection refused/reset)", lambda r: num(r.client["failed"])),
        ("client: responses by status", lambda r: ", ".join(f"{k}: {v}" for k, v in sorted(r.client["statuses"].items()))),
        ("log: 'Refusing data' / forced GCs", lambda r: f"{r.log['refusing_data']} / {r.log['forced_gc']}"),
    ]
    out = ["| | " + " | ".join(r.name for r in results) + " |", "|---|" + "---|" * len(results)]
    for label, fn in rows:
        out.append(f"| {label} | " + " | ".join(str(fn(r)) for r in results) + " |")
    return "\n".join(out)


def plot(results: list[Result], path: Path, gomemlimit_mib: float, soft_mib: float, hard_mib: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(10, 7.5), sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    colors = {"rendered": "tab:blue", "naive": "tab:red"}
    for r in results:
        t = [s["t"] for s in r.samples]
        nan = float("nan")  # while the process is down: a gap, not a line

        def series(key: str) -> list[float]:
            return [s[key] / 2**20 if s[key] is not None and s["anon"] is not None else nan for s in r.samples]

        ax.plot(t, series("anon"), label=f"{r.name}: RSS (anonymous)", color=colors.get(r.name), lw=2)
        if any(s["working_set"] is not None for s in r.samples):
            ax.plot(t, series("working_set"), ls="-.", lw=1, color=colors.get(r.name), label=f"{r.name}: cgroup working set (as kubelet)")
        ax.plot(t, series("heap"), ls=":", color=colors.get(r.name), label=f"{r.name}: Go heap (collector metric, every 1 s)")
        for i, death in enumerate(r.deaths):
            ax.axvline(death["t"], color=colors.get(r.name), ls="--", lw=1)
            ax.annotate(f"{r.name}: {death['how']}", (death["t"], LIMIT_BYTES / 2**20), xytext=(3, -14 - 10 * (i % 2)),
                        textcoords="offset points", color=colors.get(r.name), fontsize=8)
        ax2.plot(t, [s["client_accepted"] / 1e6 for s in r.samples], color=colors.get(r.name), label=f"{r.name}: accepted (2xx)")
        ax2.plot(t, [s["client_refused"] / 1e6 for s in r.samples], color=colors.get(r.name), ls="--", label=f"{r.name}: refused (429/503)")
        if any(s["client_failed"] for s in r.samples):
            ax2.plot(t, [s["client_failed"] / 1e6 for s in r.samples], color=colors.get(r.name), ls=":", label=f"{r.name}: no answer (process gone)")
    ax.axhline(LIMIT_BYTES / 2**20, color="black", lw=1)
    ax.set_ylim(0, LIMIT_BYTES / 2**20 * 1.12)
    box = {"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1}
    ax.text(0.99, LIMIT_BYTES / 2**20 + 4, f"memory limit {MEMORY_LIMIT} (cgroup: OOM kill above)", fontsize=8, ha="right", transform=ax.get_yaxis_transform(), bbox=box)
    for y, label in ((gomemlimit_mib, "GOMEMLIMIT = memory_limiter hard limit (80%)"), (soft_mib, "memory_limiter soft limit (60%): refuse from here")):
        ax.axhline(y, color="gray", lw=0.8, ls="--")
        ax.text(0.99, y - 9, label, fontsize=8, color="dimgray", ha="right", transform=ax.get_yaxis_transform(), bbox=box)
    ax.set_ylabel("MiB")
    ax.set_title("otelgen gateway under overload (exporter blocked), 256Mi budget: rendered vs naive config")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.3)
    ax2.set_ylabel("spans sent (millions, cumulative)")
    ax2.set_xlabel("seconds since load start")
    ax2.legend(loc="upper left", fontsize=8)
    ax2.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=60, help="load duration per scenario (max 75; default 60)")
    ap.add_argument("--scenario", choices=["rendered", "naive", "both"], default="both")
    ap.add_argument("--no-cgroup", action="store_true", help="do not use a cgroup (fixed limit_mib instead)")
    ap.add_argument("--no-restart", action="store_true", help="do not restart a collector that died")
    ap.add_argument("--set", dest="sets", action="append", default=[], metavar="PATH=VALUE",
                    help="passed to `otelgen render gateway` (e.g. processors.memory_limiter.check_interval=200ms)")
    ap.add_argument("--plot", default=str(ROOT / "bench" / "overload.png"))
    ap.add_argument("--json", help="also write the samples and results here")
    args = ap.parse_args()
    seconds = min(args.seconds, MAX_SCENARIO_SECONDS - 15)

    config, env = rendered_gateway(args.sets)
    gomemlimit = env.get("GOMEMLIMIT", "")
    ml = config["processors"]["memory_limiter"]
    print(f"rendered for resources.limits.memory={MEMORY_LIMIT}: GOMEMLIMIT={gomemlimit}, memory_limiter={ml}", file=sys.stderr)
    scenarios = []
    if args.scenario in ("rendered", "both"):
        scenarios.append(("rendered", config, env))
    if args.scenario in ("naive", "both"):
        scenarios.append(("naive", *naive(config, env)))
    results = []
    with tempfile.TemporaryDirectory(prefix="otelgen-overload-") as tmp:
        for name, cfg, scenario_env in scenarios:
            print(f"scenario {name}: {seconds:.0f}s of load ...", file=sys.stderr)
            r = run_scenario(name, cfg, scenario_env, seconds, not args.no_cgroup, Path(tmp), restart=not args.no_restart)
            r.log["gomemlimit"] = scenario_env.get("GOMEMLIMIT")
            results.append(r)
            print(f"  {r.exit}", file=sys.stderr)
    print(table(results))
    hard = LIMIT_BYTES / 2**20 * ml["limit_percentage"] / 100
    soft = LIMIT_BYTES / 2**20 * (ml["limit_percentage"] - ml["spike_limit_percentage"]) / 100
    plot(results, Path(args.plot), float(re.sub(r"\D", "", gomemlimit) or 0), soft, hard)
    print(f"\nplot: {args.plot}", file=sys.stderr)
    if args.json:
        Path(args.json).write_text(json.dumps([r.__dict__ for r in results], indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
