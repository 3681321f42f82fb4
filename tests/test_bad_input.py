"""Every class of bad input: exit code 2, one line per problem with the spec
path, what was expected and a hint; no traceback; nothing written."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import ROOT, run_cli, write_spec

CASES = {
    "invalid-yaml": ("spec:\n  mode: gateway\n  receivers: [otlp\n", "E001", "invalid YAML at line"),
    "not-a-mapping": ("- a\n- b\n", "E002", "expected a mapping"),
    "unknown-top-field": ("spek: {}\n", "E003", "unknown top-level field 'spek'"),
    "unknown-spec-field": ("spec:\n  mode: gateway\n  replicas: 3\n", "E003", "spec.replicas: unknown field 'replicas'"),
    "unknown-component-field": ("spec:\n  mode: gateway\n  exporters:\n    otlp:\n      endpoint: a:4317\n      endpont: b\n", "E003", "spec.exporters.otlp.endpont: unknown field 'endpont'"),
    "wrong-type": ("spec:\n  mode: gateway\n  scaling: {replicas: many}\n", "E004", "spec.scaling.replicas"),
    "bad-enum": ("spec:\n  mode: gateway\n  exporters:\n    debug: {verbosity: loud}\n  pipelines:\n    traces: {receivers: [otlp], exporters: [debug]}\n", "E004", "spec.exporters.debug.verbosity"),
    "dangling-exporter": ("spec:\n  mode: gateway\n  pipelines:\n    traces: {receivers: [otlp], exporters: [otlp, otlp/missing]}\n", "E010", "spec.pipelines.traces.exporters[1]: 'otlp/missing' is not defined"),
    "dangling-processor": ("spec:\n  mode: gateway\n  pipelines:\n    traces: {receivers: [otlp], processors: [batchh], exporters: [otlp]}\n", "E010", "did you mean 'batch'"),
    "signal-mismatch": ("spec:\n  mode: gateway\n  receivers:\n    zipkin: {}\n  pipelines:\n    metrics: {receivers: [zipkin], exporters: [otlp]}\n", "E011", "spec.pipelines.metrics.receivers[0]: zipkin does not support metrics"),
    "connector-one-side": ("spec:\n  mode: gateway\n  connectors:\n    spanmetrics: {}\n  pipelines:\n    traces: {receivers: [otlp], exporters: [otlp, spanmetrics]}\n", "E012", "connector spanmetrics is used only as an exporter"),
    "connector-wrong-signals": ("spec:\n  mode: gateway\n  connectors:\n    spanmetrics: {}\n  pipelines:\n    traces: {receivers: [otlp], exporters: [spanmetrics]}\n    logs: {receivers: [spanmetrics], exporters: [otlp]}\n", "E011", "connector spanmetrics cannot take traces to logs"),
    "limiter-not-first": ("spec:\n  mode: gateway\n  pipelines:\n    traces: {receivers: [otlp], processors: [batch, memory_limiter], exporters: [otlp]}\n", "E013", "memory_limiter must be the first processor"),
    "batch-before-sampler": ("spec:\n  mode: gateway\n  processors:\n    tail_sampling: {policies: [{name: all, type: always_sample}]}\n  pipelines:\n    traces: {receivers: [otlp], processors: [batch, tail_sampling], exporters: [otlp]}\n", "E013", "batch runs before"),
    "port-collision": ("spec:\n  mode: gateway\n  receivers:\n    zipkin: {port: 4317}\n  pipelines:\n    traces: {receivers: [otlp, zipkin], exporters: [otlp]}\n", "E014", "port 4317/TCP is already used by receivers.otlp"),
    "literal-header-secret": ("spec:\n  mode: gateway\n  exporters:\n    otlp:\n      endpoint: a:4317\n      headers: {Authorization: Bearer abc123}\n", "E015", "spec.exporters.otlp.headers.Authorization: literal credential ('Authorization' names a credential); the value is not shown"),
    "literal-token": ("spec:\n  mode: gateway\n  extensions:\n    bearertokenauth: {token: abc123}\n", "E015", "spec.extensions.bearertokenauth.token"),
    "not-in-image": ("spec:\n  mode: gateway\n  exporters:\n    prometheusremotewrite: {endpoint: x}\n  pipelines:\n    metrics: {receivers: [otlp], exporters: [prometheusremotewrite]}\n", "E016", "not in the otelcol-k8s image"),
    "no-memory-limit": ("spec:\n  mode: gateway\n  resources: {size: none, requests: {cpu: 100m}}\n", "E018", "no memory limit"),
    "latest-tag": ("spec:\n  mode: gateway\n  image: {tag: latest}\n", "E004", "spec.image.tag"),
    "bad-pipeline-name": ("spec:\n  mode: gateway\n  pipelines:\n    spans: {receivers: [otlp], exporters: [otlp]}\n", "E004", "pipeline 'spans'"),
    "preset-needs-agent": ("spec:\n  mode: gateway\n  presets: {logsCollection: {enabled: true}}\n", "E020", "needs mode agent"),
    "single-writer-sidecar": ("spec:\n  mode: sidecar\n  receivers: {k8s_cluster: {}}\n  pipelines:\n    metrics: {receivers: [otlp, k8s_cluster], exporters: [otlp]}\n", "E019", "must have one writer"),
    "mode-mismatch": ("spec:\n  mode: agent\n", "E006", "says mode 'agent'"),
    "bad-component-name": ("spec:\n  mode: gateway\n  receivers:\n    OTLP/x: {}\n", "E017", "is not a component name"),
    "tls-both-sources": ("spec:\n  mode: gateway\n  tls: {secretName: a, certManager: {issuerRef: {name: b}}}\n", "E004", "exactly one of secretName or certManager"),
    "too-old-version": ("spec:\n  mode: gateway\n  collectorVersion: 0.100.0\n", "E004", "older than otelgen supports"),
    "bad-version": ("spec:\n  mode: gateway\n  collectorVersion: latest\n", "E004", "not a collector version"),
    "http-without-tls": ("spec:\n  mode: gateway\n  exporters:\n    otlp_http: {endpoint: 'http://x:4318'}\n", "E004", "tls.insecure"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_reported_with_path_and_hint(tmp_path, case):
    text, problem_id, fragment = CASES[case]
    spec = write_spec(tmp_path, text)
    out_dir = tmp_path / "out"
    mode = ["gateway"] if case == "mode-mismatch" else []
    result = run_cli("render", *mode, "-f", spec, "-o", str(out_dir))
    assert result.code == 2
    assert result.out == ""
    assert not out_dir.exists(), "nothing may be written on bad input"
    lines = [line for line in result.err.splitlines() if line.startswith("error ")]
    assert lines, result.err
    assert any(problem_id in line and fragment in line for line in lines), result.err
    assert all("(hint: " in line for line in lines), result.err
    assert "Traceback" not in result.err


def test_all_problems_are_reported_at_once(tmp_path):
    spec = write_spec(tmp_path, "spec:\n  mode: gateway\n  pipelines:\n    traces: {receivers: [nope], exporters: [otlp, also-nope]}\n")
    result = run_cli("render", "gateway", "-f", spec)
    assert result.code == 2
    assert "traces.receivers[0]" in result.err and "traces.exporters[1]" in result.err


def test_missing_file(tmp_path):
    result = run_cli("render", "gateway", "-f", str(tmp_path / "nope.yaml"))
    assert result.code == 2 and "E007" in result.err and "file not found" in result.err


@pytest.mark.parametrize("blob", [
    b"\xff\xfe\x00garbage",
    b"a: &a [1,2]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n",
    b"[" * 5000 + b"]" * 5000,
    b"spec: !!python/object/apply:os.system ['true']\n",
])
def test_hostile_yaml_is_refused_cleanly(tmp_path, blob):
    path = tmp_path / "evil.yaml"
    path.write_bytes(blob)
    result = run_cli("render", "gateway", "-f", str(path))
    assert result.code == 2
    assert "Traceback" not in result.err and result.err.startswith("error E00")


@pytest.mark.parametrize("expr,fragment", [("novalue", "is not key=value"), ("a..b=1", "empty path segment"), ("x[a]=1", "bad list index")])
def test_bad_set_expressions(expr, fragment):
    result = run_cli("render", "gateway", "--set", expr)
    assert result.code == 2 and "E005" in result.err and fragment in result.err


def test_real_entry_point_exits_2_without_traceback(tmp_path):
    spec = write_spec(tmp_path, "spec:\n  mode: gateway\n  pipelines:\n    traces: {receivers: [otlp], exporters: [missing]}\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "generator")}
    proc = subprocess.run([sys.executable, "-m", "otelgen", "render", "gateway", "-f", spec], capture_output=True, text=True, env=env)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [
        "error E010 spec.pipelines.traces.exporters[0]: 'missing' is not defined under spec.exporters or spec.connectors (hint: defined: otlp)"
    ]


def test_validate_command_reports_all_files(tmp_path):
    good = str(ROOT / "examples/gateway-default.yaml")
    bad = write_spec(tmp_path, "spec:\n  mode: gateway\n  pipelines:\n    traces: {receivers: [otlp], exporters: [nope]}\n")
    ok = run_cli("validate", good)
    assert ok.code == 0 and "ok" in ok.out
    result = run_cli("validate", good, bad, "--format", "json")
    assert result.code == 2
    import json

    findings = json.loads(result.out)
    assert [(f["file"], f["id"], f["path"]) for f in findings] == [(bad, "E010", "spec.pipelines.traces.exporters[0]")]
    github = run_cli("validate", bad, "--format", "github")
    assert github.out.startswith(f"::error file={bad},title=E010::spec.pipelines.traces.exporters[0]")


@pytest.mark.parametrize("key", ["a\x1eb", "line\nbreak", "para\u2029sep", "tab\there"])
def test_problems_stay_one_line_whatever_the_keys_hold(tmp_path, key):
    """str.splitlines() splits on \\x1e, \\u2029, ...: a key holding one must not
    break the one-problem-per-line output (found by tests/test_fuzz.py)."""
    import yaml

    doc = {"apiVersion": "otelgen.io/v1alpha1", "kind": "Collector", "metadata": {"name": "x"}, key: 1}
    spec = write_spec(tmp_path, yaml.safe_dump(doc, allow_unicode=True))
    result = run_cli("render", "gateway", "-f", spec)
    assert result.code == 2
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error E003 "), result.err
    assert key.encode("unicode_escape").decode() in lines[0]


def test_text_utf8_cannot_carry_is_refused(tmp_path):
    """Lone surrogates (a "\\ud800" escape in YAML, undecodable argv bytes under
    surrogateescape) cannot be written as UTF-8: refused at the input, with the
    line, instead of crashing the YAML emitter."""
    spec = write_spec(tmp_path, 'spec:\n  exporters:\n    otlp:\n      endpoint: gw:4317\n      extra: {x: "\\ud800"}\n')
    result = run_cli("render", "gateway", "-f", spec)
    assert result.code == 2 and "line 5" in result.err and "surrogate" in result.err, result.err
    result = run_cli("render", "gateway", "--set", "exporters.otlp.extra.foo=a\udcff")
    assert result.code == 2 and result.err.startswith("error E005 ") and "not UTF-8" in result.err, result.err


def test_values_yaml_cannot_construct_are_clean_errors(tmp_path):
    """PyYAML turns 2001-13-45 into a timestamp and fails with ValueError: that
    is bad input (E001 with a hint to quote it), not a traceback."""
    spec = write_spec(tmp_path, "spec:\n  mode: gateway\n  pod:\n    annotations:\n      built: 2001-13-45\n")
    result = run_cli("render", "-f", spec)
    assert result.code == 2 and result.err.startswith("error E001 ") and "quote the value" in result.err, result.err


@pytest.mark.parametrize("value,want", [
    ("-1", "error E004 spec.processors.memory_limiter.limit_mib: Input should be greater than or equal to 0 (got -1)"),
    ("abc", "error E004 spec.processors.memory_limiter.limit_mib: Input should be an integer or a ${env:VAR} reference (got 'abc')"),
])
def test_a_union_refusal_is_one_problem_at_the_field(tmp_path, value, want):
    """A value refused by each branch of ``int | ${env:VAR}`` is one problem at the field's
    path (not one per branch, with pydantic's branch tags in the path)."""
    spec = write_spec(tmp_path, f"spec:\n  mode: gateway\n  processors:\n    memory_limiter: {{limit_mib: {value}}}\n")
    result = run_cli("render", "-f", spec)
    lines = [line for line in result.err.splitlines() if line.startswith("error ")]
    assert result.code == 2 and len(lines) == 1 and lines[0].startswith(want), result.err
    assert "constrained-" not in result.err
