"""otelgen.inputs: what a path holds, configs paired with the containers that
run them, Services and RBAC around them, YAML lines, and refused input."""

from __future__ import annotations

import pytest

from conftest import ROOT, run_cli
from otelgen import inputs
from otelgen.errors import SpecError

CONFIG = "receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 0.0.0.0:4317\nexporters:\n  debug: {}\nservice:\n  pipelines:\n    traces: {receivers: [otlp], exporters: [debug]}\n"


def pod(volume: str, mount: str, args: str, namespace: str = "obs", kind: str = "Deployment") -> str:
    return f"""\
apiVersion: apps/v1
kind: {kind}
metadata: {{name: col, namespace: {namespace}}}
spec:
  template:
    metadata: {{labels: {{app: col}}}}
    spec:
      serviceAccountName: col
      containers:
        - name: otel
          image: otel/opentelemetry-collector-k8s:0.145.0
          args: [{args}]
          volumeMounts: [{mount}]
      volumes: [{volume}]
"""


def configmap(key: str = "relay", name: str = "cfg", style: str = "|") -> str:
    body = "".join("    " + line + "\n" for line in CONFIG.splitlines())
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: obs}}\ndata:\n  {key}: {style}\n{body}"


def test_classifies_the_three_kinds(tmp_path):
    assert inputs.read_text(CONFIG, "c.yaml").kind == "config"
    assert inputs.read(str(ROOT / "examples" / "gateway-default.yaml")).kind == "spec"
    found = inputs.read_text(configmap(), "m.yaml")
    assert found.kind == "manifests" and [o.ref for o in found.objects] == ["ConfigMap/cfg"]
    assert found.configs[0].key == "relay" and found.configs[0].data["exporters"] == {"debug": {}}


def test_configmap_config_lines_count_in_the_manifest_file():
    text = "# Source: chart/templates/cm.yaml\n" + configmap()
    found = inputs.read_text(text, "m.yaml")
    config = found.configs[0]
    lines = text.splitlines()
    assert lines[config.line(("exporters", "debug")) - 1].strip() == "debug: {}"
    assert lines[config.line(("service", "pipelines", "traces")) - 1].strip().startswith("traces:")
    assert config.prefix == ("ConfigMap/cfg", "data", "relay")


def test_quoted_configmap_values_report_the_key_line():
    import json

    text = f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cfg}}\ndata:\n  relay: {json.dumps(CONFIG)}\n"
    config = inputs.read_text(text, "m.yaml").configs[0]
    assert config.line(("exporters", "debug")) == 5


@pytest.mark.parametrize("volume,mount,args,expected", [
    ("{name: c, configMap: {name: cfg, items: [{key: relay, path: relay.yaml}]}}", "{name: c, mountPath: /conf}", "--config=/conf/relay.yaml", ("cfg", "relay")),
    ("{name: c, configMap: {name: cfg}}", "{name: c, mountPath: /etc/otelcol/config.yaml, subPath: relay}", "--config, /etc/otelcol/config.yaml", ("cfg", "relay")),
    ("{name: c, projected: {sources: [{configMap: {name: cfg}}]}}", "{name: c, mountPath: /conf/}", "--config=/conf/./relay", ("cfg", "relay")),
])
def test_pairs_configs_with_the_containers_that_run_them(volume, mount, args, expected):
    found = inputs.read_text(configmap() + "---\n" + pod(volume, mount, args), "m.yaml")
    [runner] = found.configs[0].runners
    assert runner.resolved == expected
    assert runner.workload.ref == "Deployment/col" and runner.container["name"] == "otel"
    assert runner.container_path == ("spec", "template", "spec", "containers", 0)
    assert found.unresolved_runners == []


def test_unresolved_runners_are_kept():
    found = inputs.read_text(configmap() + "---\n" + pod("{name: c, configMap: {name: cfg}}", "{name: c, mountPath: /conf}", "--config=/conf/missing.yaml"), "m.yaml")
    assert found.configs[0].runners == []
    [runner] = found.unresolved_runners
    assert runner.resolved == ("cfg", "missing.yaml")


def test_namespaces_must_match_unless_one_is_left_out():
    other = pod("{name: c, configMap: {name: cfg}}", "{name: c, mountPath: /conf}", "--config=/conf/relay", namespace="elsewhere")
    assert inputs.read_text(configmap() + "---\n" + other, "m.yaml").configs[0].runners == []


def test_services_and_rbac_around_a_workload():
    text = pod("{name: c, configMap: {name: cfg}}", "{name: c, mountPath: /conf}", "--config=/conf/relay") + """\
---
apiVersion: v1
kind: Service
metadata: {name: col, namespace: obs}
spec: {selector: {app: col}, ports: [{port: 4317}]}
---
apiVersion: v1
kind: Service
metadata: {name: other, namespace: obs}
spec: {selector: {app: other}, ports: [{port: 80}]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: read-pods}
rules: [{apiGroups: [""], resources: [pods], verbs: [get, list, watch]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: read-pods}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: read-pods}
subjects: [{kind: ServiceAccount, name: col, namespace: obs}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: someone-else}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: read-pods}
subjects: [{kind: ServiceAccount, name: col, namespace: not-obs}]
"""
    found = inputs.read_text(text, "m.yaml")
    [workload] = found.workloads
    assert [s.ref for s in inputs.services_for(found, workload)] == ["Service/col"]
    assert inputs.rbac_rules_for(found, workload) == [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}]


def test_list_objects_and_helm_style_empty_documents():
    text = "---\n# Source: chart/templates/empty.yaml\n---\napiVersion: v1\nkind: List\nitems:\n" + "".join(("    " if i else "  - ") + l + "\n" for i, l in enumerate(configmap().splitlines()))
    found = inputs.read_text(text, "m.yaml")
    assert [o.ref for o in found.objects] == ["ConfigMap/cfg"] and found.configs[0].key == "relay"


def test_rendered_manifests_pair_every_config():
    result = run_cli("render", "agent")
    found = inputs.read_text(result.out, "agent.yaml")
    [config] = found.configs
    assert [r.workload.kind for r in config.runners] == ["DaemonSet"]


@pytest.mark.parametrize("text,code", [
    (b"\x80\x81", "E001"),
    (b"a: b: c", "E001"),
    (b"[" * 100, "E002"),
    (b"", "E002"),
    (b"- 1\n- 2\n", "E002"),
    (b"apiVersion: otelgen.io/v1alpha1\nkind: Collector\n---\napiVersion: otelgen.io/v1alpha1\nkind: Collector\n", "E002"),
])
def test_refused_input(text, code):
    with pytest.raises(SpecError) as exc:
        inputs.read_text(text, "x.yaml")
    assert exc.value.problems[0].id == code and "x.yaml" in exc.value.problems[0].message


def test_alias_bomb_inside_a_configmap_value_is_refused():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(f"l{i}: &l{i} [{', '.join(['*' + ('a' if i == 0 else f'l{i - 1}')] * 10)}]\n" for i in range(7))
    body = "".join("    " + line + "\n" for line in bomb.splitlines())
    text = f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cfg}}\ndata:\n  relay: |\n{body}"
    with pytest.raises(SpecError) as exc:
        inputs.read_text(text, "m.yaml")
    assert exc.value.problems[0].id == "E002" and "aliases" in exc.value.problems[0].message


def test_missing_file_and_directory(tmp_path):
    for path, word in ((tmp_path / "nope.yaml", "not found"), (tmp_path, "directory")):
        with pytest.raises(SpecError) as exc:
            inputs.read(str(path))
        assert exc.value.problems[0].id == "E007" and word in exc.value.problems[0].message


def test_operator_resources_hold_configs_as_mapping_or_string():
    body = "".join("    " + line + "\n" for line in CONFIG.splitlines())
    as_string = f"apiVersion: opentelemetry.io/v1alpha1\nkind: OpenTelemetryCollector\nmetadata: {{name: old}}\nspec:\n  config: |\n{body}"
    [config] = inputs.read_text(as_string, "m.yaml").configs
    assert config.owner.ref == "OpenTelemetryCollector/old" and config.prefix == ("OpenTelemetryCollector/old", "spec", "config")
    assert as_string.splitlines()[config.line(("exporters", "debug")) - 1].strip() == "debug: {}"
    text = (ROOT / "tests" / "lint" / "operator-bad.yaml").read_text()
    [config] = inputs.read_text(text, "m.yaml").configs
    assert text.splitlines()[config.line(("receivers", "otlp", "protocols", "grpc")) - 1].strip() == "grpc: {}"
    assert config.runners == [] and config.configmap is None
