"""Property suite for issue 11: inputs that are not specs alone. `--set`
strings, YAML anchors and aliases at every depth (shared and self-referencing),
filesystem targets for `-o` (dirs, files, dangling/looping symlinks, read-only
dirs) and app manifests with odd field types for `inject`. Every outcome is
exit 0 or exit 2 with one `error E...`/`warning W...` line per problem, never a
traceback and never the last-resort E099 (each known class has its own ID),
and nothing written on failure. Seeded (derandomized) and bounded, so it stays
a few seconds per property."""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES, run_cli
from strategies import values

LINE = re.compile(r"^(\S.*?: )?(error|warning) [EW]\d{3} ")  # lint and validate put "FILE: " first
SUMMARY = re.compile(r"^(\d+ file\(s\)|change C3\d{2} |secret |wrote )")  # lint's last line; import's change lines
SETTINGS = settings(max_examples=60, derandomize=True, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])
EXAMPLE_DOCS = [yaml.safe_load(p.read_text()) for p in EXAMPLES]


def check(result, allow_findings: bool = False) -> None:
    text = result.err + result.out
    assert "Traceback" not in text
    assert "E099" not in result.err, f"a known class fell through to the last guard: {result.err}"
    assert result.code in ((0, 1, 2) if allow_findings else (0, 2)), result.err
    if result.code == 2:
        lines = [line for line in result.err.splitlines() if line]
        lines = [line for line in lines if not SUMMARY.match(line)]
        assert lines and all(LINE.match(line) for line in lines), result.err
        assert any(" error E" in f" {line}" for line in lines), result.err


def problem_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line and not line.startswith("wrote ")]


# ---------------------------------------------------------------- --set strings

segment = st.one_of(
    st.sampled_from(["exporters", "otlp", "endpoint", "pipelines", "traces", "receivers", "pod", "labels", "scaling", "replicas", "mode", "metadata", "name", "resources", "limits", "memory", "extra", "a\\.b", "networkPolicy", "kubeletCidrs"]),
    st.integers(0, 3).map(lambda i: f"[{i}]"),
    st.text(alphabet="abcxyz.[]\\=#&*!", min_size=0, max_size=4),
)
set_value = st.one_of(
    st.sampled_from(["", " ", "#x", "# only a comment", "...", "---", "--- a\n--- b", "&a [*a]", "&a {x: *a}", "{b: 1, b: 2}", "[[[[[[]]]]]]", "null", "~", "0", "1Mi", "100Ei", "agent", "10.0.0.1/8", "otel\n", "{", "'", "!!python/object:os.system x", "*undefined"]),
    st.text(max_size=12),
    values.map(lambda v: yaml.safe_dump(v, default_flow_style=True).strip()),
)


@st.composite
def set_strings(draw) -> str:
    parts = draw(st.lists(segment, min_size=0, max_size=6))
    if draw(st.integers(0, 9)) == 0:
        parts = ["exporters", "debug", "extra"] + ["a"] * draw(st.integers(55, 300))
    key = ".".join(parts).replace(".[", "[")
    sep = draw(st.sampled_from(["=", "=", "=", "", "=="]))
    return f"{key}{sep}{draw(set_value)}"


@SETTINGS
@given(sets=st.lists(set_strings(), min_size=1, max_size=3), mode=st.sampled_from(["agent", "gateway", "sidecar"]))
def test_set_strings(sets, mode, tmp_path_factory):
    out = tmp_path_factory.mktemp("set") / "out"
    args = ["render", mode, *[a for s in sets for a in ("--set", s)], "-o", str(out)]
    result = run_cli(*args)
    event(f"exit {result.code}")
    check(result)
    if result.code == 2:
        assert not out.exists(), "nothing written on failure"


# ---------------------------------------------------------------- anchors and aliases at every depth


def _mapping_nodes(node, seen=None):
    seen = set() if seen is None else seen
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        yield node
        for k, v in node.value:
            yield from _mapping_nodes(v, seen)
    elif isinstance(node, yaml.SequenceNode):
        yield node
        for v in node.value:
            yield from _mapping_nodes(v, seen)


def _ancestors(root, target):
    """Collection nodes on the way from root to target (both included)."""
    path = []

    def walk(node):
        path.append(node)
        if node is target:
            return True
        children = [v for _, v in node.value] if isinstance(node, yaml.MappingNode) else node.value if isinstance(node, yaml.SequenceNode) else []
        for child in children:
            if isinstance(child, (yaml.MappingNode, yaml.SequenceNode)) and walk(child):
                return True
        path.pop()
        return False

    walk(root)
    return list(path)


@st.composite
def anchored_specs(draw) -> tuple[str, bool]:
    """(YAML text, has a cycle): an example spec with an alias added at a random
    depth, to an ancestor (a self-reference) or to another node (shared)."""
    doc = copy.deepcopy(draw(st.sampled_from(EXAMPLE_DOCS)))
    root = yaml.compose(yaml.safe_dump(doc, sort_keys=False))
    nodes = list(_mapping_nodes(root))
    host = draw(st.sampled_from(nodes))
    cycle = draw(st.booleans())
    if cycle:
        target = draw(st.sampled_from(_ancestors(root, host)))
    else:
        candidates = [n for n in nodes if n not in _ancestors(root, host) and not any(n in _ancestors(n2, host) for n2 in [n])]
        target = draw(st.sampled_from(candidates)) if candidates else yaml.ScalarNode("tag:yaml.org,2002:str", "x")
    alias_key = yaml.ScalarNode("tag:yaml.org,2002:str", draw(st.sampled_from(["x", "extra", "labels", "headers"])))
    if isinstance(host, yaml.MappingNode):
        host.value = [(k, v) for k, v in host.value if k.value != alias_key.value] + [(alias_key, target)]
    else:
        host.value.append(target)
    text = yaml.serialize(root, Dumper=yaml.SafeDumper)
    return text, cycle and isinstance(target, (yaml.MappingNode, yaml.SequenceNode))


@settings(SETTINGS, max_examples=50)
@given(case=anchored_specs(), command=st.sampled_from(["render", "lint", "kustomize", "import", "validate", "inject"]))
def test_anchors_at_every_depth(case, command, tmp_path_factory):
    text, cyclic = case
    tmp = tmp_path_factory.mktemp("anchor")
    spec = tmp / "spec.yaml"
    spec.write_text(text)
    out = tmp / "out"
    if command == "render":
        result = run_cli("render", "-f", str(spec), "-o", str(out))
    elif command == "kustomize":
        result = run_cli("kustomize", "-f", str(spec), "-o", str(out))
    elif command == "import":
        result = run_cli("import", str(spec), "-o", str(out))
    elif command == "inject":
        app = tmp / "app.yaml"
        app.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: app, image: 'x:1'}]\n")
        result = run_cli("inject", "-f", str(app), "--spec", str(spec))
    else:
        result = run_cli(command, str(spec))
    event(f"{command} cyclic={cyclic} exit {result.code}")
    check(result, allow_findings=command == "lint")
    if cyclic:
        assert result.code == 2 and "E040" in result.err, result.err
    if result.code == 2:
        assert not out.exists()


# ---------------------------------------------------------------- filesystem targets

TARGETS = ["new", "new/deeper", "empty-dir", "foreign-dir", "otelgen-dir", "file", "file/sub", "dangling", "loop", "link-to-dir", "read-only-dir/out", ".", "..", ""]


def _setup(tmp: Path) -> None:
    (tmp / "empty-dir").mkdir()
    (tmp / "foreign-dir").mkdir()
    (tmp / "foreign-dir" / "keep.txt").write_text("mine")
    assert run_cli("render", "gateway", "-o", str(tmp / "otelgen-dir")).code == 0
    (tmp / "file").write_text("x")
    (tmp / "dangling").symlink_to(tmp / "missing" / "x")
    (tmp / "loop").symlink_to(tmp / "loop")
    (tmp / "link-to-dir").symlink_to(tmp / "empty-dir")
    (tmp / "read-only-dir").mkdir()
    os.chmod(tmp / "read-only-dir", 0o555)


def _state(tmp: Path) -> dict[str, str]:
    out = {}
    for root, dirs, files in os.walk(tmp):
        for name in sorted(dirs + files):
            p = Path(root) / name
            rel = str(p.relative_to(tmp))
            out[rel] = f"-> {os.readlink(p)}" if p.is_symlink() else ("dir" if p.is_dir() else p.read_text())
    return out


@settings(SETTINGS, max_examples=20)
@given(target=st.sampled_from(TARGETS), command=st.sampled_from(["render", "kustomize", "import"]), fail=st.booleans())
def test_filesystem_targets(target, command, fail, tmp_path_factory, monkeypatch):
    tmp = tmp_path_factory.mktemp("fs")
    _setup(tmp)
    monkeypatch.chdir(tmp)
    spec = tmp.parent / f"{tmp.name}-spec.yaml"
    spec.write_text(EXAMPLES[0].read_text() if not fail else "spec: {mode: gateway, pipelines: {traces: {receivers: [nope], exporters: [otlp]}}}\n")
    before = _state(tmp)
    if command == "render":
        result = run_cli("render", "-f", str(spec), "-o", target)
    elif command == "kustomize":
        result = run_cli("kustomize", "-f", str(spec), "-o", target)
    else:
        raw = tmp.parent / f"{tmp.name}-raw.yaml"
        raw.write_text("receivers: {otlp: {protocols: {grpc: {}}}}\nexporters: {debug: {}}\nservice: {pipelines: {traces: {receivers: [otlp], exporters: [debug]}}}\n" if not fail else "receivers: [\n")
        result = run_cli("import", str(raw), "-o", target)
    event(f"{command} {target or '<empty>'} exit {result.code}")
    check(result)
    if result.code == 2:
        assert len(problem_lines(result.err)) >= 1
        assert _state(tmp) == before, "nothing may change on failure"
    assert not (tmp / "missing").exists()
    assert not [p for p in os.listdir(tmp) if ".otelgen-" in p or p.endswith(".otelgen.lock")], "no debris"


# ---------------------------------------------------------------- inject: odd field types

APP = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "app", "namespace": "shop", "labels": {"app": "shop"}},
    "spec": {"selector": {"matchLabels": {"app": "shop"}}, "template": {"metadata": {"labels": {"app": "shop"}, "annotations": {"a": "b"}}, "spec": {
        "containers": [{"name": "app", "image": "shop:1.2.3", "ports": [{"containerPort": 8080, "protocol": "TCP"}], "env": [{"name": "X", "value": "1"}]}],
        "initContainers": [{"name": "init", "image": "busybox:1.36"}],
        "volumes": [{"name": "data", "emptyDir": {}}],
    }}},
}


def _app_paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _app_paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _app_paths(v, prefix + (i,))


@st.composite
def odd_apps(draw) -> list:
    doc = copy.deepcopy(APP)
    doc["kind"] = draw(st.sampled_from(["Deployment", "Deployment", "Pod", "CronJob", "StatefulSet"]))
    if doc["kind"] == "Pod":
        doc = {"apiVersion": "v1", "kind": "Pod", "metadata": doc["metadata"], "spec": doc["spec"]["template"]["spec"]}
    elif doc["kind"] == "CronJob":
        doc["spec"] = {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": doc["spec"]["template"]}}}
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _app_paths(doc) if p]
        path = draw(st.sampled_from(paths))
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        parent[path[-1]] = draw(st.one_of(values, st.sampled_from([4317, 8888, 13133, "4317", None, [], {}, [1], {"a": [1]}, True, 1.5])))
    extra = draw(st.sampled_from([[], [None], ["just text"], [[1, 2]], [{"kind": 5}], [{"kind": ["Pod"]}], [{"kind": "Service", "metadata": {"name": "s"}}]]))
    return [doc, *extra]


@settings(SETTINGS, max_examples=80)
@given(docs=odd_apps())
def test_inject_odd_app_manifests(docs, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("inject")
    app = tmp / "app.yaml"
    app.write_text(yaml.safe_dump_all(docs, sort_keys=False))
    result = run_cli("inject", "-f", str(app))
    event(f"inject exit {result.code}")
    check(result)
    if result.code == 0:
        assert list(yaml.safe_load_all(result.out))


def test_an_app_already_listening_on_a_collector_port_is_E051(tmp_path):
    app = tmp_path / "app.yaml"
    doc = copy.deepcopy(APP)
    doc["spec"]["template"]["spec"]["containers"][0]["ports"] = [{"containerPort": 4318}]
    app.write_text(yaml.safe_dump(doc))
    result = run_cli("inject", "-f", str(app))
    assert result.code == 2 and result.err.startswith("error E051 document[0].spec.containers[0].ports[0]") or "E051" in result.err, result.err
    assert "4318/TCP" in result.err and result.err.count("\n") == 1
