"""No input crashes the tool: for thousands of generated specs (valid and
mutated) `render` either succeeds with structurally sound output, or fails
with the documented clear error (exit 2, `error E...` lines, no traceback,
nothing written).  Seeded (derandomized), so failures reproduce."""

from __future__ import annotations

import copy
import re

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES, run_cli

PROBLEM_LINE = re.compile(r"^(error|warning) [EW]\d{3} ")
def fuzz_settings(examples: int) -> settings:
    return settings(max_examples=examples, derandomize=True, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])

RECEIVERS = ["otlp", "jaeger", "zipkin", "prometheus", "k8s_cluster", "k8s_objects", "k8s_events", "otlp/extra", "file_log", "hostmetrics", "kubelet_stats"]
PROCESSORS = ["batch", "memory_limiter", "k8s_attributes", "resourcedetection", "tail_sampling", "filter", "transform", "resource", "attributes", "groupbytrace"]
EXPORTERS = ["otlp", "otlp_http", "debug", "file", "loadbalancing", "otlp/backup"]
CONNECTORS = ["spanmetrics", "forward", "routing"]
SIGNALS = ["traces", "metrics", "logs", "traces/sampled", "metrics/red"]

EXPORTER_CONFIG = {
    "otlp": {"endpoint": "gw.obs:4317"},
    "otlp/backup": {"endpoint": "backup.obs:4317", "tls": {"insecure": True}},
    "otlp_http": {"endpoint": "https://otlp.example.com"},
    "debug": {},
    "file": {"path": "/data/out.json"},
    "loadbalancing": {"resolver": {"dns": {"hostname": "gw-headless.obs"}}},
}
PROCESSOR_CONFIG = {
    "tail_sampling": {"policies": [{"name": "all", "type": "always_sample"}]},
    "filter": {"traces": {"span": ['attributes["x"] == "y"']}},
    "resource": {"attributes": [{"key": "env", "value": "fuzz", "action": "upsert"}]},
    "attributes": {"actions": [{"key": "a", "action": "delete"}]},
}

scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 70000), st.text(max_size=12), st.floats(allow_nan=False, width=16))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)), max_leaves=8)


@st.composite
def specs(draw) -> dict:
    mode = draw(st.sampled_from(["agent", "gateway", "sidecar"]))
    receivers = draw(st.lists(st.sampled_from(RECEIVERS), min_size=1, max_size=4, unique=True))
    processors = draw(st.lists(st.sampled_from(PROCESSORS), max_size=4, unique=True))
    exporters = draw(st.lists(st.sampled_from(EXPORTERS), min_size=1, max_size=3, unique=True))
    connectors = draw(st.lists(st.sampled_from(CONNECTORS), max_size=1, unique=True))
    pipelines = {}
    for signal in draw(st.lists(st.sampled_from(SIGNALS), min_size=1, max_size=3, unique=True)):
        pipelines[signal] = {
            "receivers": draw(st.lists(st.sampled_from(receivers + connectors), min_size=1, max_size=3, unique=True)),
            "processors": draw(st.permutations(processors)),
            "exporters": draw(st.lists(st.sampled_from(exporters + connectors), min_size=1, max_size=3, unique=True)),
        }
    spec = {
        "mode": mode,
        "receivers": {r: {} for r in receivers},
        "processors": {p: copy.deepcopy(PROCESSOR_CONFIG.get(p, {})) for p in processors},
        "exporters": {e: copy.deepcopy(EXPORTER_CONFIG[e]) for e in exporters},
        "connectors": {c: ({"table": [{"condition": "true", "pipelines": [next(iter(pipelines))]}]} if c == "routing" else {}) for c in connectors},
        "pipelines": pipelines,
        "presets": {name: {"enabled": draw(st.booleans())} for name in ("kubernetesAttributes", "logsCollection", "hostMetrics", "kubeletMetrics", "clusterMetrics", "kubernetesEvents")},
        "resources": {"size": draw(st.sampled_from(["small", "medium", "large", "none"]))},
        "scaling": {"replicas": draw(st.integers(0, 4)), "autoscaling": {"enabled": draw(st.booleans())}},
        "networkPolicy": {"enabled": draw(st.booleans())},
    }
    if draw(st.booleans()):
        spec["tls"] = draw(st.sampled_from([{"secretName": "gw-tls"}, {"certManager": {"issuerRef": {"name": "ca"}}, "clientCA": {"name": "ca"}}, {}]))
    return {"apiVersion": "otelgen.io/v1alpha1", "kind": "Collector", "metadata": {"name": draw(st.sampled_from(["otel", "a-b", "Bad_Name", "x" * 45])), "namespace": "obs"}, "spec": spec}


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, prefix + (i,))


@st.composite
def mutated(draw) -> dict:
    """An example or generated spec with one to three random edits."""
    base = draw(st.one_of(specs(), st.sampled_from([yaml.safe_load(p.read_text()) for p in EXAMPLES])))
    doc = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "replace":
            parent[path[-1]] = draw(values)
        elif isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=10))] = draw(values)
    return doc


def check_outcome(doc, tmp_path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    out = tmp_path / "out"
    result = run_cli("render", "-f", str(path), "-o", str(out))
    assert "Traceback" not in result.err
    lines = [line for line in result.err.splitlines() if line]
    if result.code == 0:
        files = sorted(p.name for p in out.iterdir())
        assert any(f.startswith("configmap-") for f in files)
        for name in files:
            if name.endswith(".yaml"):
                obj = yaml.safe_load((out / name).read_text())
                assert obj["apiVersion"] and obj["kind"] and obj["metadata"]["name"]
        assert all(PROBLEM_LINE.match(line) or line.startswith("wrote ") for line in lines), result.err
    else:
        assert result.code == 2, result.err
        assert lines and all(PROBLEM_LINE.match(line) for line in lines), result.err
        assert any(line.startswith("error ") for line in lines)
        assert not out.exists(), "nothing may be written on failure"


@fuzz_settings(1500)
@given(doc=specs())
def test_generated_specs_render_or_fail_cleanly(doc, tmp_path_factory):
    check_outcome(doc, tmp_path_factory.mktemp("gen"))


@fuzz_settings(1500)
@given(doc=mutated())
def test_mutated_specs_render_or_fail_cleanly(doc, tmp_path_factory):
    check_outcome(doc, tmp_path_factory.mktemp("mut"))


@fuzz_settings(300)
@given(blob=st.binary(max_size=2000))
def test_garbage_bytes_fail_cleanly(blob, tmp_path_factory):
    path = tmp_path_factory.mktemp("bytes") / "spec.yaml"
    path.write_bytes(blob)
    result = run_cli("render", "gateway", "-f", str(path))
    assert result.code in (0, 2) and "Traceback" not in result.err
    if result.code == 2:
        assert all(PROBLEM_LINE.match(line) for line in result.err.splitlines() if line)
