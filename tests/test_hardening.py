"""Issue 11, one test per known class: each ends in exit 2 with one line and its
own ID (never a traceback, never the E099 last guard), and the API-server rules
of otelgen.manifests.apivalidation against the rules they implement."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import run_cli, tool, write_spec

ANCHOR_IN_COMPONENT = """\
apiVersion: otelgen.io/v1alpha1
kind: Collector
metadata: {name: x}
spec:
  mode: gateway
  exporters:
    debug:
      extra: &a
        x: *a
  pipelines:
    traces: {receivers: [otlp], exporters: [debug]}
"""


def one_error(result, wanted: str) -> str:
    assert result.code == 2, result.out + result.err
    lines = [line for line in result.err.splitlines() if line and not line[0].isdigit()]
    assert "Traceback" not in result.err and "E099" not in result.err
    assert len(lines) == 1 and f"error {wanted} " in lines[0], result.err
    return lines[0]


# ---------------------------------------------------------------- --set


@pytest.mark.parametrize("expression,wanted", [
    ("a=#x", "E042"),
    ("exporters.otlp.endpoint=# a comment", "E042"),
    ("a=&x [*x]", "E040"),
    ("a={b: 1, b: 2}", "E041"),
    ("exporters.debug.extra." + ".".join(["a"] * 3000) + "=1", "E043"),
    ("mode=agent", "E006"),
])
def test_set_classes(expression, wanted):
    one_error(run_cli("render", "gateway", "--set", expression), wanted)


def test_set_empty_value_is_the_empty_string():
    """`--set a=` sets "" (like Helm); here that is a wrong type, said as E004."""
    line = one_error(run_cli("render", "gateway", "--set", "exporters.otlp.endpoint="), "E004")
    assert "spec.exporters.otlp.endpoint" in line


# ---------------------------------------------------------------- YAML


@pytest.mark.parametrize("command", ["render", "lint", "kustomize", "import", "inject", "validate"])
def test_self_referencing_anchor_in_component_settings(command, tmp_path):
    spec = write_spec(tmp_path, ANCHOR_IN_COMPONENT)
    app = write_spec(tmp_path, "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a, image: 'a:1'}]}\n", "app.yaml")
    argv = {"render": ["render", "-f", spec], "lint": ["lint", spec], "kustomize": ["kustomize", "-f", spec, "-o", str(tmp_path / "k")],
            "import": ["import", spec], "inject": ["inject", "-f", app, "--spec", spec], "validate": ["validate", spec]}[command]
    line = one_error(run_cli(*argv), "E040")
    assert "line 8" in line


def test_duplicate_keys_are_refused_with_both_lines(tmp_path):
    spec = write_spec(tmp_path, "spec:\n  mode: gateway\n  scaling: {replicas: 2}\n  scaling: {replicas: 3}\n")
    line = one_error(run_cli("render", "-f", spec), "E041")
    assert "'scaling' at line 4" in line and "first at line 3" in line
    merge = write_spec(tmp_path, "spec:\n  mode: gateway\n  pod: &p {labels: {a: b}}\n  service: {<<: {type: ClusterIP}, type: NodePort}\n", "merge.yaml")
    assert run_cli("render", "-f", merge).code == 0, "a key next to a merge key overrides it: not a duplicate"


# ---------------------------------------------------------------- bounded reading


def test_fifo_without_a_writer_is_refused_at_once(tmp_path):
    fifo = tmp_path / "spec.fifo"
    os.mkfifo(fifo)
    proc = subprocess.run([sys.executable, "-m", "otelgen", "render", "gateway", "-f", str(fifo)], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2 and proc.stderr.startswith("error E054 ") and "a FIFO" in proc.stderr, proc.stderr


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_devices_are_refused(device):
    one_error(run_cli("lint", device), "E054")
    one_error(run_cli("render", "gateway", "-f", device), "E054")


def test_stdin_is_read_with_a_bound():
    """`-f - < /dev/zero` never ends on its own: the bounded read stops at 4 MiB + 1
    byte, and memory stays near that (one preallocated buffer). The peak is the child's
    own VmHWM: getrusage's ru_maxrss survives execve on Linux, so it would report the
    pytest worker's peak from before the fork instead."""
    with open("/dev/zero", "rb") as zero:
        proc = subprocess.run([sys.executable, "-c", "import re, sys\nfrom otelgen.cli import main\ncode = main(['render', 'gateway', '-f', '-'])\nprint(re.search(r'VmHWM:\\s+(\\d+) kB', open('/proc/self/status').read()).group(1), file=sys.stderr)\nsys.exit(code)"],
                              stdin=zero, capture_output=True, text=True, timeout=60)
    first, rss_kib = proc.stderr.splitlines()[0], int(proc.stderr.splitlines()[-1])
    assert proc.returncode == 2 and first.startswith("error E002 ") and "larger than 4194304 bytes" in first, proc.stderr
    assert rss_kib < 200 * 1024, f"max RSS {rss_kib} KiB"


def test_read_bounded_never_asks_for_more_than_the_cap():
    from otelgen import yamlio

    class Endless:
        asked = 0

        def readinto(self, view):
            self.asked += len(view)
            view[:] = b"x" * len(view)
            return len(view)

    stream = Endless()
    data = yamlio.read_bounded(stream, 1000)
    assert len(data) == 1001 and stream.asked == 1001


# ---------------------------------------------------------------- output, inject, validate


def test_validate_github_escapes_file_names_and_messages(tmp_path):
    """Workflow commands: %, CR and LF escaped everywhere, ':' and ',' too in properties."""
    weird = tmp_path / "a,b:c%d.yaml"
    weird.write_text("spec:\n  mode: gateway\n  scaling: {replicas: 0}\n")
    result = run_cli("validate", str(weird), "--format", "github")
    assert result.code == 2
    line = result.out.strip()
    assert line.count("\n") == 0 and line.startswith("::error file=")
    props = line.split("::")[1]
    assert "a%2Cb%3Ac%25d.yaml" in props and "," not in props.split("file=")[1].split(",title=")[0]


def test_inject_classes(tmp_path):
    odd = write_spec(tmp_path, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec: {template: {spec: {containers: {name: a}}}}\n", "odd.yaml")
    assert "spec.template.spec.containers" in one_error(run_cli("inject", "-f", odd), "E050")
    clash = write_spec(tmp_path, "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: a, image: 'a:1', ports: [{containerPort: 13133}]}]}\n", "clash.yaml")
    assert "13133/TCP" in one_error(run_cli("inject", "-f", clash), "E051")


# ---------------------------------------------------------------- API-server rules


def test_dns1123_label():
    """k8s.io/apimachinery/pkg/util/validation IsDNS1123Label: ≤63, [a-z0-9]([-a-z0-9]*[a-z0-9])?,
    matched whole (a trailing newline fails: Python's `$` would have let it through)."""
    from otelgen.manifests.apivalidation import is_dns1123_label

    for good in ("a", "otel", "a-b", "0a", "a" * 63):
        assert is_dns1123_label(good), good
    for bad in ("", "A", "a_b", "-a", "a-", "a.b", "a" * 64, "otel\n", "otel\n\n", "é"):
        assert not is_dns1123_label(bad), bad


def test_dns1123_subdomain_and_dns1035_label():
    """IsDNS1123Subdomain (≤253, dot-separated labels) and IsDNS1035Label (Service names:
    a letter first)."""
    from otelgen.manifests.apivalidation import is_dns1035_label, is_dns1123_subdomain

    assert is_dns1123_subdomain("a.b-c.example.com") and not is_dns1123_subdomain("a..b") and not is_dns1123_subdomain("a." * 127 + "a")
    assert not is_dns1123_subdomain("ca\n")
    assert is_dns1035_label("otel") and not is_dns1035_label("1otel") and not is_dns1035_label("otel\n")


def test_port_names():
    """IsValidPortName (IANA_SVC_NAME): 1-15 of [-a-z0-9], a letter, no '--', no '-' at either end."""
    from otelgen.manifests.apivalidation import is_valid_port_name

    for good in ("otlp-grpc", "metrics", "a1", "otlp-grpc-inter"):
        assert is_valid_port_name(good), good
    for bad in ("otlp-grpc-a.b", "otlp_grpc", "1234", "a--b", "-a", "a-", "", "a" * 16, "Otlp", "otlp\n"):
        assert not is_valid_port_name(bad), bad


def test_label_keys_and_values():
    """IsQualifiedName (keys: optional DNS-subdomain prefix ≤253 and '/', name ≤63) and
    IsValidLabelValue (≤63, alphanumeric at both ends, '-', '_', '.' inside, or empty)."""
    from otelgen.manifests.apivalidation import is_qualified_name, is_valid_label_value

    for good in ("app", "app.kubernetes.io/name", "a_b.c-d", "x" * 63, "example.com/" + "x" * 63):
        assert is_qualified_name(good), good
    for bad in ("", "/a", "a/", "-a", "a/b/c", "Example.com/a", "x" * 64, "a b", "a\n", "example.com/"):
        assert not is_qualified_name(bad), bad
    for good in ("", "a", "a-b_c.d", "x" * 63):
        assert is_valid_label_value(good), good
    for bad in ("-a", "a-", "a b", "x" * 64, "a\n", "é"):
        assert not is_valid_label_value(bad), bad


def test_cidrs_are_strict():
    """IsValidCIDR, and NetworkPolicy ipBlock: a network in canonical form; except inside cidr."""
    from otelgen.manifests.apivalidation import cidr_problem

    assert cidr_problem("10.0.0.0/8") is None and cidr_problem("fd00::/8") is None and cidr_problem("10.0.0.1/32") is None
    for bad in ("10.0.0.1/8", "10.0.0.0/33", "10.0.0.0", "x", "300.0.0.0/8", "fd00::1/8"):
        assert cidr_problem(bad), bad


def test_int32_fields_match_the_kubernetes_schema(tmp_path):
    """The schema carries the rule here (format: int32): replicas beyond it is refused at the spec."""
    from pathlib import Path

    root = Path(str(tool("k8s_schema_location")).split("/{{")[0])
    schema = json.loads((root / "v1.30.0-standalone-strict" / "deployment-apps-v1.json").read_text())
    assert schema["$defs"]["io.k8s.api.apps.v1.DeploymentSpec"]["properties"]["replicas"]["format"] == "int32"
    assert schema["$defs"]["io.k8s.api.core.v1.ContainerPort"]["properties"]["containerPort"]["format"] == "int32"
    assert run_cli("render", "gateway", "--set", f"scaling.replicas={2**31 - 1}").code == 0
    assert "spec.scaling.replicas" in one_error(run_cli("render", "gateway", "--set", f"scaling.replicas={2**31}"), "E004")


@pytest.mark.parametrize("sets,wanted,path", [
    (["metadata.name=1otel"], "E055", "metadata.name"),
    (["tls={secretName: Bad}"], "E055", "spec.tls.secretName"),
    (["pod.labels={'-x': a}"], "E056", "spec.pod.labels"),
    (["pod.annotations={'a b': x}"], "E056", "spec.pod.annotations"),
    (["receivers.zipkin/a\\.b={}", "pipelines.traces.receivers=[zipkin/a.b]"], "E057", "spec.receivers.zipkin/a.b"),
    (["networkPolicy.apiServer.cidrs=[10.0.0.1/8]"], "E058", "spec.networkPolicy.apiServer.cidrs[0]"),
    (["resources.requests.cpu=4"], "E059", "spec.resources.requests.cpu"),
    (["resources={size: none, limits: {memory: 0}}"], "E060", "spec.resources.limits.memory"),
    (["resources={size: none, limits: {memory: 1Mi}}"], "E060", "spec.resources.limits.memory"),
    (["resources={size: none, limits: {memory: 100Ei}}"], "E060", "spec.resources.limits.memory"),
    # the file exporter refuses / and the config mount itself (E004, repeated by the chart); E061 is the rule for every other volume
    (["exporters.file.path=/conf/out.json", "pipelines.traces.exporters=[file]"], "E004", "spec.exporters.file"),
    (["exporters.file.path=/out.json", "pipelines.traces.exporters=[file]"], "E004", "spec.exporters.file"),
    (["extensions.file_storage={directory: /conf/queue}"], "E061", "spec.extensions.file_storage"),
    (["extensions.file_storage={directory: /}"], "E061", "spec.extensions.file_storage"),
    (["pod.labels={app.kubernetes.io/instance: other}"], "E062", "spec.pod.labels.app.kubernetes.io/instance"),
])
def test_api_rules_at_the_spec_level(sets, wanted, path):
    argv = ["render", "gateway"] + [a for s in sets for a in ("--set", s)]
    line = one_error(run_cli(*argv), wanted)
    assert f"error {wanted} {path}: " in line, line


def test_memory_limits_in_range_render_a_gomemlimit_the_runtime_parses():
    """GOMEMLIMIT is an int64 of bytes for the Go runtime: every limit otelgen accepts renders one that fits."""
    from otelgen import sizing
    from otelgen.manifests.apivalidation import MEMORY_CEILING, MEMORY_FLOOR, memory_problem
    from otelgen.spec.model import MemoryTuning

    for limit in (MEMORY_FLOOR, "512Mi", MEMORY_CEILING):
        assert memory_problem(limit) is None
        value = sizing.gomemlimit(limit, MemoryTuning(gomemlimitPercentage=95))
        assert value.endswith("MiB") and int(value[:-3]) * 2**20 < 2**63
    assert memory_problem("127Mi") and memory_problem("2Ti")


def test_the_final_pass_catches_what_a_spec_check_missed():
    """The safety net over the emitted objects (E090): selector ⊆ template labels,
    unique mountPaths, requests ≤ limits, port names."""
    from otelgen.errors import SpecError
    from otelgen.manifests.apivalidation import check_objects, object_problems

    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x", "namespace": "obs"}, "spec": {
        "replicas": 2**31, "selector": {"matchLabels": {"app": "x"}}, "template": {"metadata": {"labels": {"app": "y"}}, "spec": {
            "containers": [{"name": "c", "ports": [{"name": "otlp_grpc", "containerPort": 70000}],
                            "volumeMounts": [{"name": "a", "mountPath": "/conf"}, {"name": "b", "mountPath": "/conf/"}],
                            "resources": {"requests": {"cpu": "2"}, "limits": {"cpu": "1"}}}],
            "volumes": [{"name": "a"}, {"name": "b"}]}}}}
    problems = " | ".join(object_problems(deployment))
    for fragment in ("replicas", "selector app=x", "otlp_grpc", "70000", "mountPath '/conf'", "cpu request 2"):
        assert fragment in problems, (fragment, problems)
    with pytest.raises(SpecError) as caught:
        check_objects([deployment])
    assert {p.id for p in caught.value.problems} == {"E090"}
    assert run_cli("render", "agent").code == 0  # and otelgen's own output passes it
