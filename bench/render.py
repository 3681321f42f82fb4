#!/usr/bin/env python3
"""Render speed of otelgen (a benchmark, not part of `make test`).

Measures, on this machine:
  1. side by side, alternating in one run (>= 11 rounds): a cold `otelgen render gateway`
     against `helm template` of the OFFICIAL opentelemetry-collector chart in deployment
     mode (open-telemetry/opentelemetry-helm-charts, charts/opentelemetry-collector, read
     from a checkout given with --official-chart; nothing of it is copied here), and of
     this project's chart (charts/otel-collector, same input, same objects). Per command:
     wall time, CPU time (user+sys) and peak memory (max RSS, from wait4); per round the
     ratio otelgen/helm, and the median of those ratios.
  2. the floor under a cold render: interpreter start, importing pydantic, `otelgen --help`.
  3. what `otelgen --help` and `render` import (python -X importtime).
  4. in process: gateway renders/second and specs/second for every example
     (load + plan + objects + YAML text).
  5. growth: a gateway with N exporters and N pipelines (one per exporter),
     N = 1, 10, 100, 1000, in process and as a cold process.

Usage (from the repo root, after `make venv` and `make tools` for helm):
  # a checkout of the official charts, outside this repository, e.g.
  #   git clone https://github.com/open-telemetry/opentelemetry-helm-charts /tmp/otel-helm-charts
  .venv/bin/python bench/render.py --official-chart /tmp/otel-helm-charts
  .venv/bin/python bench/render.py --official-chart /tmp/otel-helm-charts --quick   # fewer repetitions
  .venv/bin/python bench/render.py --helm none           # without any helm comparison
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
CHART = ROOT / "charts" / "otel-collector"
sys.path.insert(0, str(ROOT / "tools"))
import toolpaths  # noqa: E402
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
VENV_BIN = Path(sys.executable).parent
OTELGEN = str(VENV_BIN / "otelgen")
SIZES = (1, 10, 100, 1000)
DEFAULT_IMAGE = "otel/opentelemetry-collector-k8s"


# ---- helpers -------------------------------------------------------------------

#: the environment as given, and one where Python may cache bytecode: this sandbox sets
#: PYTHONDONTWRITEBYTECODE=1 and otelgen is an editable install, so without the second
#: every cold start compiles otelgen's modules from source (a wheel install ships .pyc).
#: PYTHONPYCACHEPREFIX keeps that cache out of the repository.
ENV_AS_IS = dict(os.environ)
PYC_CACHE = tempfile.mkdtemp(prefix="otelgen-bench-pyc-")
ENV_PYC = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}, "PYTHONPYCACHEPREFIX": PYC_CACHE}


def cold(cmd: list[str], runs: int, warmup: int = 2, env: dict[str, str] | None = None) -> dict[str, float]:
    """Wall time of `cmd` as a fresh process, `runs` times after `warmup` discarded runs (ms),
    with the median CPU time (user+sys, ms) and the largest max RSS (KiB)."""
    times, cpus, rss = [], [], []
    for i in range(warmup + runs):
        wall, cpu, peak = run_measured(cmd, env or ENV_PYC)
        if i >= warmup:
            times.append(wall)
            cpus.append(cpu)
            rss.append(peak)
    return {**summary(times), "cpu": statistics.median(cpus), "rss": max(rss)}


#: A small process, started before this one grows, that runs every measured command: Linux
#: keeps getrusage's max RSS across execve, so a command forked from this (larger) process
#: would report this process's peak when its own is lower.  Forked from the launcher, a
#: command reports max(its own peak, the launcher's), and the launcher's is printed as the
#: floor of the memory column.
LAUNCHER = r"""
import json, os, sys, time
for line in sys.stdin:
    req = json.loads(line)
    r, w = os.pipe()
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(w, 2)
        try:
            os.execve(req["cmd"][0], req["cmd"], req["env"])
        except OSError as e:
            os.write(2, str(e).encode())
        os._exit(127)
    os.close(w)
    err = b""
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        err += chunk
    os.close(r)
    _, status, usage = os.wait4(pid, 0)
    wall = (time.perf_counter() - start) * 1000
    sys.stdout.write(json.dumps({"wall": wall, "cpu": (usage.ru_utime + usage.ru_stime) * 1000, "rss": usage.ru_maxrss,
                                 "code": os.waitstatus_to_exitcode(status), "err": err[-2000:].decode(errors="replace")}) + "\n")
    sys.stdout.flush()
"""
_launcher: subprocess.Popen | None = None


def launcher() -> subprocess.Popen:
    global _launcher
    if _launcher is None:
        _launcher = subprocess.Popen([sys.executable, "-S", "-c", LAUNCHER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    return _launcher


def run_measured(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """One fresh process, forked by the launcher: (wall ms, CPU ms user+sys, max RSS KiB) from wait4."""
    import json

    proc = launcher()
    assert proc.stdin and proc.stdout
    proc.stdin.write(json.dumps({"cmd": [shutil.which(cmd[0]) or cmd[0], *cmd[1:]], "env": env}) + "\n")
    proc.stdin.flush()
    got = json.loads(proc.stdout.readline())
    if got["code"] != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({got['code']}): {got['err']}")
    return got["wall"], got["cpu"], got["rss"]


def launcher_floor() -> float:
    """MiB: the launcher's own peak, below which no command's max RSS can be reported."""
    return run_measured(["true"], ENV_AS_IS)[2] / 1024


def side_by_side(cmds: dict[str, list[str]], rounds: int, warmup: int = 2) -> dict[str, dict[str, list[float]]]:
    """Every command once per round, in turn (the order rotates each round so neither
    always runs first), `rounds` rounds after `warmup` discarded ones."""
    names = list(cmds)
    data = {n: {"wall": [], "cpu": [], "rss": []} for n in names}
    for r in range(warmup + rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            wall, cpu, rss = run_measured(cmds[name], ENV_PYC)
            if r >= warmup:
                data[name]["wall"].append(wall)
                data[name]["cpu"].append(cpu)
                data[name]["rss"].append(rss)
    return data


def official_chart(path: str) -> Path:
    """The chart directory in a checkout of open-telemetry/opentelemetry-helm-charts
    (the repository root or the chart itself)."""
    p = Path(path).resolve()
    for cand in (p / "charts" / "opentelemetry-collector", p):
        if (cand / "Chart.yaml").exists() and "name: opentelemetry-collector" in (cand / "Chart.yaml").read_text():
            if ROOT in cand.parents or cand == ROOT:
                raise SystemExit("--official-chart must be a checkout outside this repository")
            return cand
    raise SystemExit(f"--official-chart {path}: no charts/opentelemetry-collector/Chart.yaml there")


def official_template(helm: str, chart: Path) -> list[str]:
    """`helm template` of the official chart in deployment mode (the gateway's shape);
    image.repository must be set with that chart: the k8s distribution, as otelgen uses."""
    return [helm, "template", "otel-gateway", str(chart), "--namespace", "observability",
            "--set", "mode=deployment", "--set", f"image.repository={DEFAULT_IMAGE}",
            "--kube-version", toolpaths.k8s_schema_versions()[-1]]


def chart_version(chart: Path) -> str:
    meta = yaml.safe_load((chart / "Chart.yaml").read_text())
    return f"{meta.get('version')} (appVersion {meta.get('appVersion')})"


def summary(times: list[float]) -> dict[str, float]:
    return {"n": len(times), "mean": statistics.fmean(times), "median": statistics.median(times),
            "min": min(times), "max": max(times), "stdev": statistics.stdev(times) if len(times) > 1 else 0.0}


def fmt(s: dict[str, float]) -> str:
    return f"{s['median']:.1f} | {s['mean']:.1f} ± {s['stdev']:.1f} | {s['min']:.1f} | {s['cpu']:.0f} | {s['rss'] / 1024:.1f} | {s['n']}"


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, AttributeError):
        pass
    import pydantic
    import yaml

    return (f"{os.cpu_count()} CPUs ({cpu}), {mem} RAM, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, pydantic {pydantic.VERSION}, PyYAML {yaml.__version__} "
            f"(libyaml {'yes' if getattr(yaml, '__with_libyaml__', False) else 'no'})")


# ---- 2. imports ----------------------------------------------------------------

def import_profile(argv: list[str]) -> tuple[float, list[tuple[str, float]], set[str]]:
    """Total import time (ms, sum of self times) of running the CLI with argv, the
    top-level packages with the most import time (self times of all their modules),
    and the set of top-level packages imported."""
    code = ("import sys; sys.argv = ['otelgen'] + sys.argv[1:]; from otelgen.cli import main\n"
            "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n")
    subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, timeout=120, env=ENV_PYC)  # fill the .pyc cache
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", code, *argv], capture_output=True, text=True,
                          timeout=120, env=ENV_PYC)
    per_top: dict[str, float] = {}
    total = 0.0
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if not m:
            continue
        self_us, name = int(m.group(1)), m.group(4)
        total += self_us
        top = name.split(".")[0]  # self times summed per top-level package
        per_top[top] = per_top.get(top, 0.0) + self_us / 1000
    heaviest = sorted(per_top.items(), key=lambda kv: -kv[1])[:8]
    return total / 1000, heaviest, set(per_top)


# ---- 3./4. in process ------------------------------------------------------------

def render_once(mode: str | None, files: list[str]) -> str:
    from otelgen import render

    objects, _ = render.render(mode, files, [])
    return render.write_stream(objects)


def in_process(mode: str | None, files: list[str], min_seconds: float, min_runs: int = 3) -> tuple[dict[str, float], float, float]:
    """Whole render (median ms), and the medians of its two halves: spec → objects
    (load, validate, plan, build) and objects → YAML text."""
    from otelgen import render

    render_once(mode, files)  # warm: imports, component registry, pydantic's lazy schemas
    times, build, text = [], [], []
    deadline = time.perf_counter() + min_seconds
    while len(times) < min_runs or time.perf_counter() < deadline:
        start = time.perf_counter()
        objects, _ = render.render(mode, files, [])
        middle = time.perf_counter()
        render.write_stream(objects)
        end = time.perf_counter()
        times.append((end - start) * 1000)
        build.append((middle - start) * 1000)
        text.append((end - middle) * 1000)
    return summary(times), statistics.median(build), statistics.median(text)


def cpu_per_render(mode: str | None, files: list[str], min_seconds: float) -> float:
    """Mean CPU time (ms, this process) of one render + YAML text: less sensitive to
    other load on a shared machine than wall time."""
    render_once(mode, files)
    start, runs = time.process_time(), 0
    while runs < 3 or time.process_time() - start < min_seconds:
        render_once(mode, files)
        runs += 1
    return (time.process_time() - start) * 1000 / runs


def scaled_spec(n: int) -> str:
    """A gateway with n OTLP exporters and n traces pipelines, pipeline i -> exporter i."""
    lines = ["apiVersion: otelgen.io/v1alpha1", "kind: Collector",
             "metadata: {name: otel-gateway, namespace: observability}", "spec:", "  mode: gateway",
             "  exporters:", "    otlp: null"]  # drop the default exporter ...
    for i in range(n):
        lines.append(f"    otlp/e{i}: {{endpoint: 'backend-{i}.observability.svc:4317'}}")
    lines.append("  pipelines:")
    lines += ["    traces: null", "    metrics: null", "    logs: null"]  # ... and the default pipelines
    for i in range(n):
        lines.append(f"    traces/p{i}: {{receivers: [otlp], exporters: [otlp/e{i}]}}")
    return "\n".join(lines) + "\n"


# ---- helm ----------------------------------------------------------------------

def helm_binary(arg: str | None) -> str | None:
    """--helm PATH, --helm none, or the toolchain's helm (tools/install.sh) when installed."""
    if arg == "none":
        return None
    if arg:
        return arg
    try:
        return str(toolpaths.helm())
    except FileNotFoundError:
        return None


def helm_template(helm: str, spec_text: str | None, tmp: Path) -> list[str]:
    """`helm template` of charts/otel-collector for the input `otelgen render` gets:
    release = metadata.name, namespace = metadata.namespace, values = the spec section."""
    doc = yaml.safe_load(spec_text) if spec_text else {"metadata": {"name": "otel-gateway", "namespace": "observability"}, "spec": {"mode": "gateway"}}
    values = tmp / f"values-{abs(hash(spec_text))}.yaml"
    values.write_text(yaml.safe_dump(doc["spec"]))
    return [helm, "template", doc["metadata"]["name"], str(CHART), "--namespace", doc["metadata"].get("namespace", "default"),
            "--kube-version", toolpaths.k8s_schema_versions()[-1], "-f", str(values)]


PYDANTIC_FLOOR = "from pydantic import BaseModel\nclass M(BaseModel):\n    x: int\nM(x=1)\n"


def helm_version(helm: str) -> str:
    return subprocess.run([helm, "version", "--short"], capture_output=True, text=True, timeout=60).stdout.strip()


def objects_in(cmd: list[str], env: dict[str, str] | None = None) -> int:
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=120, env=env).stdout
    return sum(1 for doc in out.split("\n---") if "\nkind:" in "\n" + doc)


# ---- main ----------------------------------------------------------------------

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--official-chart", metavar="CHECKOUT", help="checkout of open-telemetry/opentelemetry-helm-charts (or its charts/opentelemetry-collector)")
    ap.add_argument("--helm", help="helm binary for the comparison (default: the toolchain's; `none` to skip)")
    ap.add_argument("--rounds", type=int, default=21, help="alternating rounds of the side-by-side comparison (>= 11; default 21)")
    ap.add_argument("--quick", action="store_true", help="fewer repetitions (11 rounds)")
    args = ap.parse_args()
    helm = helm_binary(args.helm)
    if helm and not args.official_chart:
        ap.error("--official-chart CHECKOUT is needed for the helm comparison (or --helm none)")
    rounds = 11 if args.quick else max(11, args.rounds)
    work = Path(tempfile.mkdtemp(prefix="otelgen-bench-"))
    runs = 10 if args.quick else 30
    seconds = 0.5 if args.quick else 2.0

    launcher()  # before this process grows: see LAUNCHER
    print(f"## Machine\n\n{machine()}\n\nLoad average at start: {Path('/proc/loadavg').read_text().split()[:3]}\n")
    print(f"Max RSS is measured from wait4 of commands forked by a small launcher process; its own peak, "
          f"{launcher_floor():.1f} MiB, is the floor of every memory figure (Linux keeps the peak across execve).\n")

    # 1. side by side
    if helm:
        chart = official_chart(args.official_chart)
        cmds = {
            "otelgen render gateway": [OTELGEN, "render", "gateway"],
            "helm template official chart": official_template(helm, chart),
            "helm template charts/otel-collector": helm_template(helm, None, work),
        }
        ours = objects_in(cmds["otelgen render gateway"], ENV_PYC)
        assert ours == objects_in(cmds["helm template charts/otel-collector"]), "helm and otelgen must render the same objects"
        official_objects = objects_in(cmds["helm template official chart"])
        print(f"## 1. Cold process, side by side ({rounds} rounds, commands in turn)\n")
        print(f"helm {helm_version(helm)}; official chart opentelemetry-collector {chart_version(chart)} "
              f"from {chart} (deployment mode, {official_objects} objects); otelgen renders {ours} objects.\n")
        data = side_by_side(cmds, rounds)
        print("| command | wall ms median (min–max) | CPU ms median | max RSS MiB median (max) |\n|---|---|---|---|")
        for name, d in data.items():
            print(f"| `{name}` | {statistics.median(d['wall']):.1f} ({min(d['wall']):.1f}–{max(d['wall']):.1f}) | "
                  f"{statistics.median(d['cpu']):.0f} | {statistics.median(d['rss']) / 1024:.1f} ({max(d['rss']) / 1024:.1f}) |")
        ours_d = data["otelgen render gateway"]
        for other in ("helm template official chart", "helm template charts/otel-collector"):
            h = data[other]
            wall_ratio = statistics.median(a / b for a, b in zip(ours_d["wall"], h["wall"]))
            cpu_ratio = statistics.median(a / b for a, b in zip(ours_d["cpu"], h["cpu"]) if b > 0)
            rss_ratio = max(ours_d["rss"]) / max(h["rss"])
            print(f"\notelgen / {other}: median ratio wall **{wall_ratio:.2f}**, CPU {cpu_ratio:.2f}; "
                  f"peak memory ratio {rss_ratio:.2f} (goal: wall ratio <= 1.0, memory <= helm's)")

    # 2. the floor
    print("\n## 2. The floor under a cold render (wall ms: median | mean ± stdev | min; CPU ms median; max RSS MiB)\n")
    print("| command | median | mean ± stdev | min | CPU ms | max RSS MiB | runs |\n|---|---|---|---|---|---|---|")
    rows = [
        ("python -c pass (interpreter floor)", [sys.executable, "-c", "pass"], ENV_PYC),
        ("python: import pydantic, validate one model", [sys.executable, "-c", PYDANTIC_FLOOR], ENV_PYC),
        ("python: import click, PyYAML, pydantic (one model)", [sys.executable, "-c", "import click, yaml\n" + PYDANTIC_FLOOR], ENV_PYC),
        ("python: import otelgen.render (every module and model class, no render)", [sys.executable, "-c", "import otelgen.render"], ENV_PYC),
        ("otelgen --help", [OTELGEN, "--help"], ENV_PYC),
        ("otelgen render gateway", [OTELGEN, "render", "gateway"], ENV_PYC),
        ("otelgen render -f examples/agent-presets.yaml", [OTELGEN, "render", "-f", str(ROOT / "examples/agent-presets.yaml")], ENV_PYC),
    ]
    if ENV_AS_IS.get("PYTHONDONTWRITEBYTECODE"):
        rows += [("otelgen render gateway, no .pyc (PYTHONDONTWRITEBYTECODE=1 as set here)", [OTELGEN, "render", "gateway"], ENV_AS_IS)]
    for label, cmd, env in rows:
        print(f"| `{label}` | {fmt(cold(cmd, runs, env=env))} |")

    # 3. imports
    print("\n## 3. Imports (python -X importtime, .pyc cached, sum of self times)\n")
    print("| command | import ms | by package (ms, self times of its modules) |\n|---|---|---|")
    help_mods: set[str] = set()
    for label, argv in (("otelgen --help", ["--help"]), ("otelgen render gateway", ["render", "gateway"])):
        total, heaviest, mods = import_profile(argv)
        if label == "otelgen --help":
            help_mods = mods
        print(f"| `{label}` | {total:.1f} | " + ", ".join(f"{m} {ms:.1f}" for m, ms in heaviest) + " |")
    heavy = sorted(help_mods & {"pydantic", "pydantic_core", "yaml", "otelgen.plan", "json", "hashlib"})
    print(f"\nHeavy modules imported by `otelgen --help`: {', '.join(heavy) or 'none'}")

    # 4. in process
    s_gw, _, _ = in_process("gateway", [], max(seconds, 1.0))
    cpu_ms = cpu_per_render("gateway", [], max(seconds, 1.0))
    print(f"\n## 4. In process\n\nDefault gateway, render + YAML text: median wall {s_gw['median']:.3f} ms, "
          f"**{1000 / s_gw['median']:.0f} renders/s** by wall time; {cpu_ms:.3f} ms CPU per render, "
          f"**{1000 / cpu_ms:.0f} renders/s** by CPU time (what one core does when nothing else runs; goal: >= 1,000).\n")
    print("Specs/second per example (render + YAML text):\n")
    print("| spec | ms/spec (median) | of which spec → objects | of which objects → YAML | specs/s |\n|---|---|---|---|---|")
    total_ms = []
    cases = [(p.stem, None, [str(p)]) for p in EXAMPLES] + [(f"default {m}", m, []) for m in ("agent", "gateway", "sidecar")]
    for label, mode, files in cases:
        s, build, text = in_process(mode, files, seconds)
        total_ms.append(s["median"])
        print(f"| {label} | {s['median']:.2f} | {build:.2f} | {text:.2f} | {1000 / s['median']:.0f} |")
    print(f"| **all {len(cases)}, one after another** | {sum(total_ms):.2f} | | | {1000 * len(cases) / sum(total_ms):.0f} |")

    # 5. growth
    print("\n## 5. Growth: gateway with N exporters and N pipelines\n")
    print("| N | in-process ms (median) | ms per pipeline | cold process ms (median) | helm template charts/otel-collector ms (median) | output lines |\n|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in SIZES:
            path = Path(tmp) / f"n{n}.yaml"
            path.write_text(scaled_spec(n))
            out = render_once(None, [str(path)])
            s, _, _ = in_process(None, [str(path)], seconds if n < 1000 else 0.0, min_runs=3)
            c = cold([OTELGEN, "render", "-f", str(path)], runs=max(3, runs // (3 if n < 1000 else 10)), warmup=1)
            h = f"{cold(helm_template(helm, path.read_text(), work), runs=max(3, runs // (3 if n < 1000 else 10)), warmup=1)['median']:.0f}" if helm else "—"
            print(f"| {n} | {s['median']:.1f} | {s['median'] / n:.2f} | {c['median']:.0f} | {h} | {out.count(chr(10))} |")
    print(f"\nLoad average at the end: {Path('/proc/loadavg').read_text().split()[:3]}")
    shutil.rmtree(PYC_CACHE, ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
