"""charts/otel-collector against the real helm (tools/install.sh, v3.22.0).

Parity is the contract: `helm template` with a spec's `spec` section as values
renders the same objects as `otelgen render` of the spec (release name =
metadata.name, release namespace = metadata.namespace), compared parsed, the
collector config too, ignoring only what tests/helm_parity.py lists (Helm's
own labels and the text-based config checksum).  On every example, on the
mode defaults, and on 240 generated deployments (seeded).

helm here is built with `go install`, without the Makefile's ldflags, so it
assumes Kubernetes v1.20 when there is no cluster: every call passes
--kube-version (the chart needs >= 1.23).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from conftest import EXAMPLES, ROOT, run_cli, tool
from helm_parity import CHART, CONFIG_KEY, HELM_ANNOTATIONS, KUBE_VERSION, diff, helm_template
from otelgen import versions
from strategies import deployments, mutated, specs

pytestmark = pytest.mark.tools


def helm() -> str:
    return str(tool("helm"))


def spec_of(path: Path) -> tuple[dict, dict]:
    doc = yaml.safe_load(path.read_text())
    return doc["metadata"], doc["spec"]


def write_values(tmp_path: Path, spec: dict, name: str = "values.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def objects_of(text: str) -> list[dict]:
    return [o for o in yaml.safe_load_all(text) if o]


def helm_objects(tmp_path: Path, release: str, namespace: str, spec: dict, *extra: str, chart: Path | str = CHART) -> list[dict]:
    proc = helm_template(helm(), release, namespace, write_values(tmp_path, spec), *extra, chart=chart)
    assert proc.returncode == 0, proc.stderr
    return objects_of(proc.stdout)


def otelgen_objects(tmp_path: Path, metadata: dict, spec: dict) -> list[dict]:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump({"apiVersion": "otelgen.io/v1alpha1", "kind": "Collector", "metadata": metadata, "spec": spec}, sort_keys=False))
    result = run_cli("render", "-f", str(path))
    assert result.code == 0, result.err
    return result.objects()


#: The chart renders a ServiceMonitor only when the cluster serves this API (otelgen whenever
#: spec.serviceMonitor.enabled); parity runs as against a cluster with the Prometheus Operator.
MONITORING_API = ("--api-versions", "monitoring.coreos.com/v1")


def assert_parity(tmp_path: Path, metadata: dict, spec: dict) -> None:
    namespace = metadata.get("namespace", "observability")
    want = otelgen_objects(tmp_path, metadata, spec)
    got = helm_objects(tmp_path, metadata["name"], namespace, spec, *MONITORING_API)
    problems = diff(want, got)
    assert not problems, f"helm template differs from otelgen render:\n{problems}\n--- values:\n{yaml.safe_dump(spec)}"


# ---------------------------------------------------------------- generated files


def test_generated_chart_files_are_current():
    from otelgen import helmchart

    stale = [name for name, text in helmchart.chart_files().items() if (CHART / name).read_text() != text]
    assert not stale, f"charts/otel-collector/{', '.join(stale)} stale: run `make generate`"


def test_chart_metadata_follows_python():
    from otelgen import versions

    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert chart["appVersion"] == versions.PINNED_COLLECTOR_VERSION
    assert chart["kubeVersion"] == ">=1.23.0-0"
    data = json.loads((CHART / "files" / "otelgen.json").read_text())
    assert data["components"]["exporters"]["otlp"]["names"] == [["0.0.0", "otlp"], ["0.144.0", "otlp_grpc"]]
    schema = json.loads((CHART / "values.schema.json").read_text())
    assert "pipelines" in schema["properties"] and schema["additionalProperties"] is False


# ---------------------------------------------------------------- parity


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_parity_on_examples(example, tmp_path):
    metadata, spec = spec_of(example)
    assert_parity(tmp_path, metadata, spec)


def test_parity_on_a_contrib_spec(tmp_path):
    """distribution: contrib — the contrib image by default, contrib components accepted."""
    spec = {"mode": "gateway", "distribution": "contrib", "receivers": {"kafka": {"brokers": ["kafka:9092"]}},
            "pipelines": {"traces": {"receivers": ["otlp", "kafka"], "exporters": ["otlp"]}}}
    assert_parity(tmp_path, {"name": "gw", "namespace": "obs"}, spec)
    proc = helm_template(helm(), "gw", "obs", write_values(tmp_path, spec))
    assert f"image: otel/opentelemetry-collector-contrib:{versions.PINNED_COLLECTOR_VERSION}" in proc.stdout


@pytest.mark.parametrize("mode", ["agent", "gateway", "statefulset", "sidecar"])
def test_set_mode_gives_the_mode_defaults(mode, tmp_path):
    """`helm template --set mode=agent` (no values file) == `otelgen render agent`."""
    result = run_cli("render", mode)
    assert result.code == 0, result.err
    want = result.objects()
    from otelgen.spec.load import mode_defaults

    metadata = mode_defaults(mode)["metadata"]
    release, namespace = metadata["name"], metadata["namespace"]
    proc = subprocess.run([helm(), "template", release, str(CHART), "-n", namespace, "--set", f"mode={mode}", "--kube-version", KUBE_VERSION], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert not diff(want, objects_of(proc.stdout)), diff(want, objects_of(proc.stdout))


SET_CASES = {
    "agent logs": ("agent", ["presets.logsCollection.enabled=true", "presets.hostMetrics.enabled=true"]),
    "gateway backend": ("gateway", ["exporters.otlp.endpoint=tempo.tracing:4317", "scaling.replicas=3", "resources.size=large"]),
    "sidecar": ("sidecar", ["telemetry.logLevel=debug"]),
}


@pytest.mark.parametrize("case", sorted(SET_CASES))
def test_set_flags_match_otelgen_set(case):
    """The issue's commands: `helm template --set mode=agent --set presets...` == `otelgen render agent --set presets...`."""
    from otelgen.spec.load import mode_defaults

    mode, sets = SET_CASES[case]
    result = run_cli("render", mode, *[arg for s in sets for arg in ("--set", s)])
    assert result.code == 0, result.err
    metadata = mode_defaults(mode)["metadata"]
    cmd = [helm(), "template", metadata["name"], str(CHART), "-n", metadata["namespace"], "--set", f"mode={mode}", *[arg for s in sets for arg in ("--set", s)], "--kube-version", KUBE_VERSION]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert not diff(result.objects(), objects_of(proc.stdout)), diff(result.objects(), objects_of(proc.stdout))


def _hypothesis(examples: int) -> settings:
    return settings(max_examples=examples, derandomize=True, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])


def _generated_parity(doc: dict, tmp_path_factory) -> None:
    assert_parity(tmp_path_factory.mktemp("parity"), doc["metadata"], doc["spec"])


@_hypothesis(80)
@given(doc=deployments("agent"))
def test_parity_on_generated_agents(doc, tmp_path_factory):
    _generated_parity(doc, tmp_path_factory)


@_hypothesis(80)
@given(doc=deployments("gateway"))
def test_parity_on_generated_gateways(doc, tmp_path_factory):
    _generated_parity(doc, tmp_path_factory)


@_hypothesis(80)
@given(doc=deployments("sidecar"))
def test_parity_on_generated_sidecars(doc, tmp_path_factory):
    _generated_parity(doc, tmp_path_factory)


@_hypothesis(80)
@given(doc=deployments("statefulset"))
def test_parity_on_generated_statefulsets(doc, tmp_path_factory):
    _generated_parity(doc, tmp_path_factory)


def test_generated_deployments_cover_the_model():
    """The parity strategy reaches every modelled component, every spec field, every preset and
    every mode's objects, so a new component or field cannot escape parity unnoticed."""
    from otelgen import components
    from otelgen.spec.model import Presets, Spec

    seen: set[str] = set()

    for mode in ("agent", "gateway", "statefulset", "sidecar"):
        @_hypothesis(80)
        @given(doc=deployments(mode))
        def collect(doc):
            spec = doc["spec"]
            seen.update(f"field:{key}" for key in spec)
            for section, kind in components.SECTIONS.items():
                for name, cfg in (spec.get(section) or {}).items():
                    comp = components.lookup(kind, name.split("/")[0])
                    if cfg is not None and comp is not None:
                        seen.add(f"{section}:{comp.id}")
            seen.update(f"preset:{p}" for p, v in (spec.get("presets") or {}).items() if v.get("enabled"))
            seen.update(f"scaling:{k}" for k, v in (spec.get("scaling") or {}).get("autoscaling", {}).items() if k == "enabled" and v)

        collect()
    wanted = {f"field:{f.alias or n}" for n, f in Spec.model_fields.items()}
    wanted |= {f"{section}:{c.id}" for c in components.ALL for section, kind in components.SECTIONS.items() if c.kind == kind}
    wanted |= {f"preset:{f.alias or n}" for n, f in Presets.model_fields.items()} | {"scaling:enabled"}
    assert not wanted - seen, f"never generated: {sorted(wanted - seen)}"


def test_parity_diff_is_a_real_judge(tmp_path):
    """The comparison sees a changed value, a changed list order and a missing object."""
    metadata, spec = spec_of(ROOT / "examples" / "gateway-tls-hpa.yaml")
    want = otelgen_objects(tmp_path, metadata, spec)
    got = helm_objects(tmp_path, metadata["name"], metadata["namespace"], spec, *MONITORING_API)  # the example has a ServiceMonitor and alerts
    assert diff(want, got) == ""
    config_map = next(o for o in got if o["kind"] == "ConfigMap")
    config = yaml.safe_load(config_map["data"][CONFIG_KEY])
    config["service"]["pipelines"]["traces"]["processors"].reverse()
    config_map["data"][CONFIG_KEY] = yaml.safe_dump(config)
    text = diff(want, got)
    assert "ConfigMap/otel-gateway-config" in text and "memory_limiter" in text
    got = [o for o in got if o["kind"] != "HorizontalPodAutoscaler"]
    assert "HorizontalPodAutoscaler/otel-gateway" in diff(want, got)


# ---------------------------------------------------------------- Helm behaviour


@pytest.mark.parametrize("mode", ["agent", "gateway", "statefulset"])
def test_service_monitor_only_when_the_cluster_has_the_api(mode, tmp_path):
    spec = {"mode": mode, "serviceMonitor": {"enabled": True, "interval": "15s", "labels": {"release": "prometheus"}}}
    metadata = {"name": "otel", "namespace": "obs"}
    want = otelgen_objects(tmp_path, metadata, spec)
    monitor = next(o for o in want if o["kind"] == "ServiceMonitor")
    assert monitor["metadata"]["labels"]["release"] == "prometheus"
    assert monitor["spec"]["endpoints"][0]["port"] == "metrics" and monitor["spec"]["endpoints"][0]["interval"] == "15s"
    assert ("relabelings" in monitor["spec"]["endpoints"][0]) == (mode != "agent"), "the headless Service's duplicate targets are dropped"
    with_api = helm_objects(tmp_path, "otel", "obs", spec, *MONITORING_API)
    assert not diff(want, with_api), diff(want, with_api)
    without = helm_objects(tmp_path, "otel", "obs", spec)
    assert [o for o in with_api if o["kind"] != "ServiceMonitor"] == without
    from test_kubeconform import _versions, kubeconform

    code, resources = kubeconform(yaml.safe_dump_all(with_api), _versions()[-1])
    assert code == 0 and all(r.get("status") == "statusValid" for r in resources[:-1]), resources
    assert resources[-1]["summary"].get("valid") == len(with_api)



def test_release_name_and_namespace_name_every_object(tmp_path):
    objects = helm_objects(tmp_path, "edge", "telemetry", {"mode": "gateway"})
    assert {o["metadata"]["name"] for o in objects} == {"edge", "edge-config", "edge-headless", "edge-telemetry"}
    assert {o["metadata"].get("namespace") for o in objects if not o["kind"].startswith("ClusterRole")} == {"telemetry"}
    for obj in objects:
        labels = obj["metadata"]["labels"]
        assert labels["helm.sh/chart"] == "otel-collector-0.1.0"
        assert labels["app.kubernetes.io/managed-by"] == "Helm"
        assert labels["app.kubernetes.io/instance"] == "edge"


def test_config_checksum_rolls_pods_on_config_change(tmp_path):
    def rendered(endpoint: str) -> tuple[str, str]:
        objects = helm_objects(tmp_path, "gw", "obs", {"mode": "gateway", "exporters": {"otlp": {"endpoint": endpoint}}})
        text = next(o for o in objects if o["kind"] == "ConfigMap")["data"][CONFIG_KEY]
        annotations = next(o for o in objects if o["kind"] == "Deployment")["spec"]["template"]["metadata"]["annotations"]
        return text, annotations[HELM_ANNOTATIONS[0]]

    text_a, sum_a = rendered("a.example.com:4317")
    text_b, sum_b = rendered("b.example.com:4317")
    assert sum_a == hashlib.sha256(text_a.encode()).hexdigest()
    assert sum_b == hashlib.sha256(text_b.encode()).hexdigest()
    assert sum_a != sum_b


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_helm_lint_strict_on_examples(example, tmp_path):
    _, spec = spec_of(example)
    proc = subprocess.run([helm(), "lint", "--strict", str(CHART), "-f", str(write_values(tmp_path, spec)), "--kube-version", KUBE_VERSION], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 chart(s) linted, 0 chart(s) failed" in proc.stdout
    assert "[WARNING]" not in proc.stdout and "[ERROR]" not in proc.stdout, proc.stdout


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_helm_output_passes_kubeconform_strict(example, tmp_path):
    from test_kubeconform import _versions, kubeconform

    metadata, spec = spec_of(example)
    proc = helm_template(helm(), metadata["name"], metadata["namespace"], write_values(tmp_path, spec))
    assert proc.returncode == 0, proc.stderr
    count = len(objects_of(proc.stdout))
    for kube_version in _versions():
        code, resources = kubeconform(proc.stdout, kube_version)
        problems = [r for r in resources[:-1] if r.get("status") != "statusValid"]
        assert code == 0 and not problems, problems
        assert resources[-1]["summary"].get("valid") == count and not resources[-1]["summary"].get("skipped")


BAD_VALUES = {
    "unknown mode": ({"mode": "daemon"}, "/mode"),
    "wrong type": ({"scaling": {"replicas": "three"}}, "/scaling/replicas"),
    "unknown field": ({"replicaz": 3}, "replicaz"),
    "bad pull policy": ({"image": {"pullPolicy": "Sometimes"}}, "/image/pullPolicy"),
    "component setting": ({"exporters": {"otlp": {"endpoint": "x:4317", "compresion": "gzip"}}}, "compresion"),
}


@pytest.mark.parametrize("case", sorted(BAD_VALUES))
def test_bad_values_fail_with_the_schema_error(case, tmp_path):
    values, where = BAD_VALUES[case]
    proc = helm_template(helm(), "gw", "obs", write_values(tmp_path, values))
    assert proc.returncode != 0
    assert "values don't meet the specifications of the schema" in proc.stderr, proc.stderr
    assert where in proc.stderr, proc.stderr
    assert not proc.stdout.strip(), "nothing may be rendered"


SEMANTIC_ERRORS = {
    "E020 preset mode": ({"mode": "gateway", "presets": {"logsCollection": {"enabled": True}}}, "error E020 spec.presets.logsCollection.enabled: preset logsCollection reads node-local data and needs mode agent (got gateway)"),
    "E020 no pipeline": ({"mode": "gateway", "pipelines": {"logs": None, "metrics": None}, "presets": {"kubernetesEvents": {"enabled": True}}}, "error E020 spec.presets.kubernetesEvents: preset kubernetesEvents needs a 'logs' pipeline to feed"),
    "E018 no memory limit": ({"mode": "gateway", "resources": {"size": "none"}}, "error E018 spec.resources.limits.memory: no memory limit"),
    "E016 not in the image": ({"mode": "gateway", "receivers": {"kafka": {}}, "pipelines": {"traces": {"receivers": ["otlp", "kafka"], "exporters": ["otlp"]}}}, "error E016 spec.receivers.kafka: receiver type 'kafka' is not in the otelcol-k8s image"),
    "E016 not in the contrib image": ({"mode": "gateway", "distribution": "contrib", "receivers": {"nosuchthing": {}}, "pipelines": {"traces": {"receivers": ["otlp", "nosuchthing"], "exporters": ["otlp"]}}}, "error E016 spec.receivers.nosuchthing: receiver type 'nosuchthing' is not in the otelcol-contrib image"),
    "E019 sidecar single writer": ({"mode": "sidecar", "receivers": {"k8s_events": {}}, "pipelines": {"logs": {"receivers": ["k8s_events"], "exporters": ["otlp"]}}}, "error E019 spec.receivers.k8s_events: k8s_events must have one writer"),
    "E004 plaintext with a CA": ({"mode": "agent", "exporters": {"otlp": {"tls": {"ca_secret": {"name": "gw-ca", "key": "ca.crt"}}}}}, "error E004 spec.exporters.otlp.tls: tls.insecure: true turns TLS off, so ca_secret would be ignored"),
    "E004 http without insecure": ({"mode": "gateway", "exporters": {"otlp_http/x": {"endpoint": "http://x:4318"}}, "pipelines": {"traces": {"receivers": ["otlp"], "exporters": ["otlp_http/x"]}}}, "error E004 spec.exporters.otlp_http/x: http:// endpoint without tls.insecure: true"),
    "E004 memory_limiter spike not below limit": ({"mode": "gateway", "processors": {"memory_limiter": {"limit_mib": 400, "spike_limit_mib": 400, "limit_percentage": 50}}}, "error E004 spec.processors.memory_limiter: spike_limit_mib must be below limit_mib"),
    "E004 otlp_http without any endpoint": ({"mode": "gateway", "exporters": {"otlp_http/x": {"compression": "zstd"}}, "pipelines": {"traces": {"receivers": ["otlp"], "exporters": ["otlp_http/x"]}}}, "error E004 spec.exporters.otlp_http/x: otlp_http needs at least one of endpoint, traces_endpoint"),
    "E004 route without condition": ({"mode": "gateway", "connectors": {"routing": {"table": [{"pipelines": ["traces/a"]}]}}, "pipelines": {"traces": {"receivers": ["otlp"], "exporters": ["routing"]}, "traces/a": {"receivers": ["routing"], "exporters": ["otlp"]}}}, "error E004 spec.connectors.routing.table[0]: a route needs exactly one of condition or statement"),
    "E004 unknown k8s metadata": ({"mode": "gateway", "processors": {"k8s_attributes": {"metadata": ["k8s.pod.colour"]}}, "pipelines": {"traces": {"receivers": ["otlp"], "processors": ["k8s_attributes"], "exporters": ["otlp"]}}}, "error E004 spec.processors.k8s_attributes: 'k8s.pod.colour' is not a supported metadata field"),
    "E004 detector newer than the target": ({"mode": "gateway", "processors": {"resourcedetection": {"detectors": ["k8s_api"]}}, "pipelines": {"traces": {"receivers": ["otlp"], "processors": ["resourcedetection"], "exporters": ["otlp"]}}}, "error E004 spec.processors.resourcedetection: resource detector 'k8s_api' needs collector 0.154.0 or newer"),
    "E004 two value sources": ({"mode": "gateway", "processors": {"attributes": {"actions": [{"key": "a", "value": "b", "from_context": "c", "action": "UPSERT"}]}}, "pipelines": {"traces": {"receivers": ["otlp"], "processors": ["attributes"], "exporters": ["otlp"]}}}, "error E004 spec.processors.attributes.actions[0]: action 'upsert' takes one value source, got value, from_context"),
    "E004 jaeger without protocols": ({"mode": "gateway", "receivers": {"jaeger": {"protocols": {"grpc": None, "thrift_http": None, "thrift_compact": None, "thrift_binary": None}}}, "pipelines": {"traces": {"receivers": ["otlp", "jaeger"], "exporters": ["otlp"]}}}, "error E004 spec.receivers.jaeger: the jaeger receiver needs at least one protocol"),
    "E004 spanmetrics both histograms": ({"mode": "gateway", "connectors": {"spanmetrics": {"histogram": {"explicit": {}, "exponential": {}}}}, "pipelines": {"traces": {"receivers": ["otlp"], "exporters": ["spanmetrics"]}, "metrics": {"receivers": ["spanmetrics"], "exporters": ["otlp"]}}}, "error E004 spec.connectors.spanmetrics: histogram: use either explicit or exponential buckets, not both"),
    "E010 declarations for an undefined component": ({"mode": "gateway", "declarations": {"receivers": {"statsd": {"ports": [{"name": "statsd", "port": 8125, "protocol": "UDP"}]}}}}, "error E010 spec.declarations.receivers.statsd: declarations for 'statsd', which is not defined under spec.receivers"),
    "E015 literal credential": ({"mode": "gateway", "exporters": {"otlp": {"endpoint": "x:4317", "headers": {"Authorization": "Bearer abc"}}}}, "error E015 spec.exporters.otlp.headers.Authorization: literal credential ('Authorization' names a credential); the value is not shown"),
    "E015 userinfo under extra": ({"mode": "gateway", "exporters": {"otlp": {"endpoint": "x:4317", "extra": {"endpoint": "https://user:pw@x:4317"}}}}, "error E015 spec.exporters.otlp.extra.endpoint: literal credential (user info in a URL)"),
    "E015 pod env": ({"mode": "gateway", "pod": {"env": [{"name": "VENDOR_API_KEY", "value": "abc"}]}}, "error E015 spec.pod.env[0].value: env var holds a literal credential"),
    "E015 vendor header under extra": ({"mode": "gateway", "exporters": {"otlp": {"endpoint": "x:4317", "extra": {"headers": {"X-Honeycomb-Team": "abc"}}}}}, "error E015 spec.exporters.otlp.extra.headers.X-Honeycomb-Team: literal credential"),
    "E010 undefined exporter": ({"mode": "gateway", "pipelines": {"traces": {"receivers": ["otlp"], "exporters": ["otlp/bakend"]}}}, "error E010 spec.pipelines.traces.exporters[0]: 'otlp/bakend' is not defined under spec.exporters or spec.connectors (hint: defined: otlp)"),
    "E010 exporterTo names no exporter": ({"mode": "gateway", "networkPolicy": {"exporterTo": {"otlp/bakend": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}}}, "error E010 spec.networkPolicy.exporterTo.otlp/bakend: 'otlp/bakend' is not defined under spec.exporters"),
    "E031 extra moves a receiver's port": ({"mode": "gateway", "receivers": {"otlp": {"extra": {"protocols": {"grpc": {"endpoint": "${env:MY_POD_IP}:5317"}}}}}}, "error E031 spec.receivers.otlp.extra.protocols.grpc.endpoint: extra replaces the listening endpoint"),
    "E031 extra replaces a secretRef": ({"mode": "gateway", "extensions": {"bearertokenauth": {"token": {"secretRef": {"name": "a", "key": "b"}}, "extra": {"token": "${env:OTHER}"}}}, "exporters": {"otlp": {"endpoint": "b:4317", "authenticator": "bearertokenauth"}}}, "error E031 spec.extensions.bearertokenauth.extra.token: extra replaces a value otelgen takes from a Secret"),
    "E010 extension named under extra": ({"mode": "gateway", "exporters": {"otlp": {"endpoint": "b:4317", "extra": {"auth": {"authenticator": "oauth2client/typo"}}}}}, "error E010 spec.exporters.otlp.extra.auth.authenticator: extension 'oauth2client/typo' is not defined under spec.extensions"),
    "E013 batch before sampler": ({"mode": "gateway", "processors": {"batch": {}, "tail_sampling": {"policies": [{"name": "a", "type": "always_sample"}]}}, "pipelines": {"traces": {"receivers": ["otlp"], "processors": ["batch", "tail_sampling"], "exporters": ["otlp"]}}}, "error E013 spec.pipelines.traces.processors[2]: batch runs before tail_sampling"),
    "E055 secret name": ({"mode": "gateway", "tls": {"secretName": "Gw_TLS"}}, "error E055 spec.tls.secretName: 'Gw_TLS' is not a valid Secret name"),
    "E055 container name": ({"mode": "sidecar", "sidecar": {"containerName": "Otc"}}, "error E055 spec.sidecar.containerName: 'Otc' is not a DNS-1123 label"),
    "E056 label key": ({"mode": "gateway", "pod": {"labels": {"-team": "a"}}}, "error E056 spec.pod.labels: '-team' is not a valid label key"),
    "E056 label value": ({"mode": "agent", "networkPolicy": {"ingressFrom": [{"podSelector": {"matchLabels": {"app": "a b"}}}]}}, "error E056 spec.networkPolicy.ingressFrom[0].podSelector.matchLabels.app: 'a b' is not a valid label value"),
    "E058 host bits": ({"mode": "gateway", "networkPolicy": {"kubeletCidrs": ["10.0.0.1/8"]}}, "error E058 spec.networkPolicy.kubeletCidrs[0]: '10.0.0.1/8' is not a valid CIDR: 10.0.0.1/8 has host bits set"),
    "E058 except outside": ({"mode": "gateway", "networkPolicy": {"egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["11.0.0.0/16"]}}], "ports": [{"port": 9200}]}]}}, "error E058 spec.networkPolicy.egress[0].to[0].ipBlock.except[0]: '11.0.0.0/16' is not a strict subset of 10.0.0.0/8"),
    "E059 request above limit": ({"mode": "gateway", "resources": {"size": "medium", "limits": {"memory": "256Mi"}}}, "error E059 spec.resources.requests.memory: request 512Mi is above the limit 256Mi"),
    "E060 memory too small": ({"mode": "gateway", "resources": {"size": "none", "limits": {"memory": "64Mi"}}}, "error E060 spec.resources.limits.memory: memory limit 64Mi is below 128Mi"),
    "E060 memory absurd": ({"mode": "gateway", "resources": {"size": "none", "limits": {"memory": "100Ei"}}}, "error E060 spec.resources.limits.memory: memory limit 100Ei is above 1Ti"),
    "E062 selector label": ({"mode": "agent", "pod": {"labels": {"app.kubernetes.io/component": "x"}}}, "error E062 spec.pod.labels.app.kubernetes.io/component: pod label 'app.kubernetes.io/component' is part of the workload's selector"),
    "E004 file exporter under the config mount": ({"mode": "gateway", "exporters": {"file": {"path": "/conf/out.jsonl"}}, "pipelines": {"traces": {"receivers": ["otlp"], "exporters": ["file"]}}}, "error E004 spec.exporters.file: path '/conf/out.jsonl': the file needs a directory of its own"),
    "E011 unmodelled metrics-only receiver in traces (catalog signals)": ({"mode": "gateway", "distribution": "contrib", "receivers": {"statsd": {}}, "pipelines": {"traces": {"receivers": ["otlp", "statsd"], "exporters": ["otlp"]}}}, "error E011 spec.pipelines.traces.receivers[1]: statsd does not support traces (it handles metrics)"),
    "E011 unmodelled connector pair (catalog signals)": ({"mode": "gateway", "connectors": {"count": {}}, "pipelines": {"traces": {"receivers": ["otlp"], "exporters": ["count"]}, "logs": {"receivers": ["count"], "exporters": ["otlp"]}}}, "error E011 spec.connectors.count: connector count cannot take traces to logs"),
    "E014 port twice": ({"mode": "gateway", "receivers": {"zipkin": {"port": 4317}}, "pipelines": {"traces": {"receivers": ["otlp", "zipkin"], "exporters": ["otlp"]}}}, "error E014"),
    "E063 storageClassName off a statefulset": ({"mode": "gateway", "persistentQueue": {"enabled": True, "storageClassName": "fast"}}, "error E063 spec.persistentQueue.storageClassName: mode gateway keeps the queue in an emptyDir, not a PersistentVolumeClaim"),
    "E063 hostPath off an agent": ({"mode": "statefulset", "persistentQueue": {"hostPath": "/var/lib/otelcol/q"}}, "error E063 spec.persistentQueue.hostPath: mode statefulset keeps the queue in a PersistentVolumeClaim per pod, not on the node"),
    "E063 the extension name is taken": ({"mode": "statefulset", "extensions": {"file_storage/persistent_queue": {}}}, "error E063 spec.extensions.file_storage/persistent_queue: file_storage/persistent_queue is the extension persistentQueue adds"),
    "E063 too small": ({"mode": "statefulset", "persistentQueue": {"size": "100Ki"}}, "error E063 spec.persistentQueue.size: 100Ki is less than 1Mi"),
    "E064 emptyDirs above the ephemeral-storage limit": ({"mode": "gateway", "persistentQueue": {"enabled": True, "size": "2Gi"}, "resources": {"limits": {"ephemeralStorage": "2Gi"}}}, "error E064 spec.resources.limits.ephemeralStorage: the pod's emptyDirs may hold 2048Mi, and with 128Mi for logs that does not fit in the ephemeral-storage limit 2Gi"),
}


@pytest.mark.tools
@pytest.mark.parametrize("mode", ["agent", "gateway", "statefulset", "sidecar"])
def test_parity_on_persistent_queue(tmp_path, mode):
    """persistentQueue in every mode (PVC, hostPath, emptyDir), two queued exporters and one
    sized by the user, renders the same both ways."""
    spec = {"mode": mode, "persistentQueue": {"enabled": True, "size": "300Mi", **({"storageClassName": "ssd"} if mode == "statefulset" else {})},
            "exporters": {"otlp_http/b": {"endpoint": "https://b.example.com", "sending_queue": {"queue_size": 100}}, "otlp/c": {"endpoint": "c:4317", "sending_queue": {"enabled": False}}},
            "pipelines": {"traces": {"receivers": ["otlp"], "exporters": ["otlp", "otlp_http/b", "otlp/c"]}}}
    assert_parity(tmp_path, {"name": "otel", "namespace": "obs"}, spec)


@pytest.mark.tools
def test_parity_on_json_exporters(tmp_path):
    """otlp_http encoding: json and a rotating file exporter render the same both ways."""
    spec = {"mode": "gateway", "exporters": {"otlp_http/json": {"endpoint": "https://logs.example.com", "encoding": "json"}, "file/archive": {"path": "/var/otel/out/spans.jsonl", "rotation": {"max_megabytes": 10, "max_days": 1, "max_backups": 2}}},
            "pipelines": {"logs": {"receivers": ["otlp"], "exporters": ["otlp_http/json"]}, "traces": {"receivers": ["otlp"], "exporters": ["file/archive"]}}}
    assert_parity(tmp_path, {"name": "gw", "namespace": "obs"}, spec)


@pytest.mark.tools
@pytest.mark.parametrize("mode", ["agent", "gateway"])
def test_parity_on_host_ports(tmp_path, mode):
    """service.hostPorts: the agent's receiver ports become hostPorts both ways (ignored off agents)."""
    assert_parity(tmp_path, {"name": "otel", "namespace": "obs"}, {"mode": mode, "service": {"hostPorts": True}, "receivers": {"zipkin": {}}, "pipelines": {"traces": {"receivers": ["otlp", "zipkin"], "exporters": ["otlp"]}}})


@pytest.mark.parametrize("case", sorted(SEMANTIC_ERRORS))
def test_semantic_errors_fail_like_otelgen(case, tmp_path):
    """The checks the templates repeat fail with otelgen's ID and path (and otelgen agrees)."""
    values, message = SEMANTIC_ERRORS[case]
    proc = helm_template(helm(), "gw", "obs", write_values(tmp_path, values))
    assert proc.returncode != 0 and not proc.stdout.strip()
    assert message in proc.stderr, proc.stderr
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump({"metadata": {"name": "gw", "namespace": "obs"}, "spec": values}))
    result = run_cli("render", "-f", str(spec))
    assert result.code == 2 and message.split(":")[0] in result.err, result.err


def test_release_name_must_be_a_service_name(tmp_path):
    """IsDNS1035Label (a Service name): helm accepts release '1gw' (a DNS-1123 label), the API
    server would refuse the Service; chart and otelgen both say E055 metadata.name."""
    message = "error E055 metadata.name: '1gw' is not a DNS-1035 label"
    proc = helm_template(helm(), "1gw", "obs", write_values(tmp_path, {"mode": "gateway"}))
    assert proc.returncode != 0 and message in proc.stderr, proc.stderr
    result = run_cli("render", "gateway", "--set", "metadata.name=1gw")
    assert result.code == 2 and message in result.err, result.err


def test_packaged_chart_renders_the_same(tmp_path):
    proc = subprocess.run([helm(), "package", str(CHART), "-d", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    archive = tmp_path / "otel-collector-0.1.0.tgz"
    assert archive.is_file()
    listing = subprocess.run(["tar", "tzf", str(archive)], capture_output=True, text=True, check=True).stdout.split()
    for member in ("Chart.yaml", "values.yaml", "values.schema.json", "files/otelgen.json", "templates/NOTES.txt", "templates/collector.yaml"):
        assert f"otel-collector/{member}" in listing
    _, spec = spec_of(ROOT / "examples" / "gateway-two-backends.yaml")
    from_dir = helm_objects(tmp_path, "otel-gateway", "observability", spec)
    from_tgz = helm_objects(tmp_path, "otel-gateway", "observability", spec, chart=archive)
    assert from_dir == from_tgz and len(from_tgz) >= 8


def _notes(tmp_path: Path, spec: dict) -> str:
    """NOTES.txt text: helm template does not print it and `helm install --dry-run` cannot
    be given --kube-version, so a copy of the chart renders the same define into a ConfigMap."""
    chart = tmp_path / "chart"
    shutil.rmtree(chart, ignore_errors=True)
    shutil.copytree(CHART, chart)
    (chart / "templates" / "zz-notes.yaml").write_text('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: notes}\ndata:\n  notes: {{ include "otelgen.notes" . | toJson }}\n')
    assert (CHART / "templates" / "NOTES.txt").read_text().strip() == '{{ include "otelgen.notes" . }}'
    proc = helm_template(helm(), "otel-gateway", "observability", write_values(tmp_path, spec), "--show-only", "templates/zz-notes.yaml", chart=chart)
    assert proc.returncode == 0, proc.stderr
    return yaml.safe_load(proc.stdout)["data"]["notes"]


def test_notes_name_the_endpoints_and_the_health_checks(tmp_path):
    _, spec = spec_of(ROOT / "examples" / "gateway-tls-hpa.yaml")
    notes = _notes(tmp_path, spec)
    assert "otlp-grpc: otel-gateway.observability.svc.cluster.local:4317/TCP (TLS, client certificate required)" in notes
    assert "otlp-http: otel-gateway.observability.svc.cluster.local:4318/TCP" in notes
    assert "kubectl -n observability rollout status deployment/otel-gateway" in notes
    assert "http / on port 13133" in notes
    sidecar = _notes(tmp_path, {"mode": "sidecar"})
    assert "otlp-grpc: localhost:4317/TCP" in sidecar and "rollout status" not in sidecar
    statefulset = _notes(tmp_path, {"mode": "statefulset"})
    assert "rollout status statefulset/otel-gateway" in statefulset and "logs statefulset/otel-gateway" in statefulset
    agent = _notes(tmp_path, {"mode": "agent"})
    assert "rollout status daemonset/otel-gateway" in agent and "internalTrafficPolicy keeps it on the sender's node" in agent


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_helm_config_passes_the_real_collector(example, tmp_path):
    """The ConfigMap text Helm writes (not otelgen's) is accepted by `otelcol-k8s validate`,
    with the env the chart's workload gives the container."""
    from test_collector import validate

    metadata, spec = spec_of(example)
    objects = helm_objects(tmp_path, metadata["name"], metadata["namespace"], spec)
    text = next(o for o in objects if o["kind"] == "ConfigMap")["data"][CONFIG_KEY]
    workloads = [o for o in objects if o["kind"] in ("Deployment", "DaemonSet", "StatefulSet")]
    env = workloads[0]["spec"]["template"]["spec"]["containers"][0]["env"] if workloads else None
    proc = validate(text, tmp_path, env)
    assert proc.returncode == 0, proc.stderr[-3000:]


# ---------------------------------------------------------------- invalid input: the chart refuses what otelgen refuses

PROBLEM = re.compile(r"error (E\d{3}) (\S+?): ")


def _same_verdict(doc: dict, tmp_path: Path) -> None:
    """otelgen renders ⇒ helm renders the same objects; otelgen refuses the spec ⇒ helm refuses
    it too (schema, release name, or the same error ID at the same path as one of otelgen's)."""
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text(yaml.safe_dump(doc, allow_unicode=True))
    result = run_cli("render", "-f", str(spec_file))
    metadata, spec = doc.get("metadata"), doc.get("spec")
    if not isinstance(metadata, dict) or not isinstance(spec, dict):
        return  # not a spec section Helm could be given
    release, namespace = str(metadata.get("name")), str(metadata.get("namespace", "observability"))
    proc = helm_template(helm(), release, namespace, write_values(tmp_path, spec), *MONITORING_API)
    if result.code == 0:
        assert proc.returncode == 0, f"otelgen renders it, helm refuses:\n{proc.stderr}"
        problems = diff(result.objects(), objects_of(proc.stdout))
        assert not problems, problems
        return
    otelgen_problems = set(PROBLEM.findall(result.err))
    if otelgen_problems == {("E006", "spec.mode")}:
        return  # no mode: the chart's values.yaml says gateway, like `otelgen render gateway`
    assert proc.returncode != 0, f"otelgen refuses it, helm renders it:\n{result.err}"
    from otelgen.errors import printable

    helm_problem = PROBLEM.findall(printable(proc.stderr.replace("\n", " ")))
    if helm_problem:
        assert helm_problem[0] in otelgen_problems, f"helm: {proc.stderr}\notelgen: {result.err}"
    else:
        refusals = ("values don't meet the specifications of the schema", "invalid release name", "failed to parse")  # the last: YAML values JSON cannot hold (.inf)
        assert any(text in proc.stderr for text in refusals), proc.stderr


@_hypothesis(150)
@given(doc=specs())
def test_chart_and_otelgen_agree_on_fuzzed_specs(doc, tmp_path_factory):
    _same_verdict(doc, tmp_path_factory.mktemp("verdict"))


@_hypothesis(150)
@given(doc=mutated(within=("spec",)))
def test_chart_and_otelgen_agree_on_mutated_specs(doc, tmp_path_factory):
    _same_verdict(doc, tmp_path_factory.mktemp("verdict"))
