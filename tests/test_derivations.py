"""Unit tests for what the renderer derives from the spec."""

from __future__ import annotations

import pytest

from conftest import by_kind, collector_config, container, write_spec
from otelgen import sizing
from otelgen.components import lookup
from otelgen.spec.model import MemoryTuning


# ---------------------------------------------------------------- ports


def test_service_ports_follow_receivers(render, tmp_path):
    spec = write_spec(tmp_path, """
spec:
  mode: gateway
  receivers:
    otlp:
      protocols:
        http: {enabled: false}
    jaeger: {}
    zipkin: {port: 9412}
  pipelines:
    traces:
      receivers: [otlp, jaeger, zipkin]
      exporters: [otlp]
    metrics: null
    logs: null
""")
    objects = render("gateway", "-f", spec)
    svc = by_kind(objects, "Service", "otel-gateway")
    ports = {(p["name"], p["port"], p["protocol"], p.get("appProtocol")) for p in svc["spec"]["ports"]}
    assert ports == {
        ("otlp-grpc", 4317, "TCP", "grpc"),
        ("jaeger-grpc", 14250, "TCP", "grpc"),
        ("jaeger-thrift", 14268, "TCP", "http"),
        ("jaeger-compact", 6831, "UDP", None),
        ("jaeger-binary", 6832, "UDP", None),
        ("zipkin", 9412, "TCP", "http"),
        ("metrics", 8888, "TCP", "http"),
    }
    # every Service port targets a named container port that exists
    names = {p["name"] for p in container(objects)["ports"]}
    assert {p["targetPort"] for p in svc["spec"]["ports"]} <= names
    # health, pprof and zpages are container-only
    assert "health" in names and "health" not in {p["name"] for p in svc["spec"]["ports"]}


def test_receivers_bind_pod_ip_not_localhost(render):
    config = collector_config(render("gateway"))
    endpoints = [p["endpoint"] for p in config["receivers"]["otlp"]["protocols"].values()]
    assert endpoints == ["${env:MY_POD_IP}:4317", "${env:MY_POD_IP}:4318"]
    assert config["extensions"]["health_check"]["endpoint"] == "${env:MY_POD_IP}:13133"
    reader = config["service"]["telemetry"]["metrics"]["readers"][0]["pull"]["exporter"]["prometheus"]
    assert reader == {"host": "${env:MY_POD_IP}", "port": 8888}


def test_sidecar_receivers_bind_localhost_only(render):
    config = collector_config(render("sidecar"))
    assert config["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"] == "localhost:4317"
    # the probe target still listens on the pod IP
    assert config["extensions"]["health_check"]["endpoint"].startswith("${env:MY_POD_IP}")


def test_named_instances_get_distinct_port_names(render, tmp_path):
    spec = write_spec(tmp_path, """
spec:
  mode: gateway
  receivers:
    otlp/internal:
      protocols:
        grpc: {port: 14317}
        http: {port: 14318}
  pipelines:
    traces:
      receivers: [otlp, otlp/internal]
      exporters: [otlp]
""")
    svc = by_kind(render("gateway", "-f", spec), "Service", "otel-gateway")
    names = [p["name"] for p in svc["spec"]["ports"]]
    assert "otlp-grpc-inter" in names and "otlp-grpc" in names
    assert len(names) == len(set(names)) and all(len(n) <= 15 for n in names)


# ---------------------------------------------------------------- RBAC


def _rules(objects, kind="ClusterRole"):
    return {(r["apiGroups"][0], res): tuple(r["verbs"]) for r in by_kind(objects, kind)["rules"] for res in r["resources"]}


def test_no_api_access_without_components_that_need_it(render, tmp_path):
    spec = write_spec(tmp_path, "spec:\n  mode: gateway\n  presets:\n    kubernetesAttributes: {enabled: false}\n")
    objects = render("gateway", "-f", spec)
    kinds = {o["kind"] for o in objects}
    assert not kinds & {"ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"}
    assert by_kind(objects, "ServiceAccount")["automountServiceAccountToken"] is False
    pod = by_kind(objects, "Deployment")["spec"]["template"]["spec"]
    assert pod["automountServiceAccountToken"] is False
    assert not [v for v in pod["volumes"] if "projected" in v], "no token without a component that needs the API"
    assert not [m for m in pod["containers"][0]["volumeMounts"] if "serviceaccount" in m["mountPath"]]
    # and no egress to the API server
    egress_ports = {p["port"] for r in by_kind(objects, "NetworkPolicy")["spec"]["egress"] for p in r["ports"]}
    assert 443 not in egress_ports and 6443 not in egress_ports


@pytest.mark.parametrize("mode", ["gateway", "agent"])
def test_api_token_is_mounted_explicitly_only_where_the_api_is_used(render, mode):
    """Never automounted; with k8s_attributes on (the defaults) the pod gets the
    token, the cluster CA and its namespace as one read-only projected volume at
    the path client-go's in-cluster config reads, with a bounded lifetime."""
    objects = render(mode)
    assert by_kind(objects, "ServiceAccount")["automountServiceAccountToken"] is False
    pod = by_kind(objects, {"gateway": "Deployment", "agent": "DaemonSet"}[mode])["spec"]["template"]["spec"]
    assert pod["automountServiceAccountToken"] is False
    (volume,) = [v for v in pod["volumes"] if "projected" in v]
    sources = volume["projected"]["sources"]
    assert sources[0] == {"serviceAccountToken": {"path": "token", "expirationSeconds": 3600}}
    assert sources[1]["configMap"] == {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}
    assert sources[2]["downwardAPI"]["items"] == [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]
    (mount,) = [m for m in pod["containers"][0]["volumeMounts"] if m["name"] == volume["name"]]
    assert mount == {"name": volume["name"], "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": True}


def test_k8s_attributes_rbac_is_read_only_on_pods_namespaces_replicasets(render):
    rules = _rules(render("gateway"))
    assert rules == {
        ("", "namespaces"): ("get", "list", "watch"),
        ("", "pods"): ("get", "list", "watch"),
        ("apps", "replicasets"): ("get", "list", "watch"),
    }


def test_agent_presets_add_exactly_their_rules(render):
    from conftest import ROOT

    objects = render("agent", "-f", str(ROOT / "examples/agent-presets.yaml"))
    rules = _rules(objects)
    assert rules[("", "nodes/stats")] == ("get",)
    assert not any(verb in v for v in rules.values() for verb in ("create", "update", "delete", "patch", "*"))
    assert ("", "secrets") not in rules


def test_leader_election_gets_a_namespaced_role(render):
    from conftest import ROOT

    objects = render("gateway", "-f", str(ROOT / "examples/gateway-cluster.yaml"))
    role = _rules(objects, "Role")
    assert role == {("coordination.k8s.io", "leases"): ("create", "get", "list", "patch", "update", "watch")}
    assert by_kind(objects, "RoleBinding")["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "otel-cluster"}
    config = collector_config(objects)
    assert config["receivers"]["k8s_cluster"]["k8s_leader_elector"] == "k8s_leader_elector"
    assert config["receivers"]["k8sobjects/events"]["k8s_leader_elector"] == "k8s_leader_elector"
    assert "k8s_leader_elector" in config["service"]["extensions"]


def test_single_replica_gateway_needs_no_leader_election(render, tmp_path):
    spec = write_spec(tmp_path, "spec:\n  mode: gateway\n  scaling: {replicas: 1}\n  presets:\n    clusterMetrics: {enabled: true}\n")
    objects = render("gateway", "-f", spec)
    assert "k8s_leader_elector" not in collector_config(objects).get("extensions", {})
    assert not [o for o in objects if o["kind"] == "Role"]


# ---------------------------------------------------------------- memory


@pytest.mark.parametrize("limit,expected", [("256Mi", "204MiB"), ("512Mi", "409MiB"), ("2Gi", "1638MiB"), ("1G", "762MiB")])
def test_gomemlimit_is_80_percent_of_the_limit(limit, expected):
    assert sizing.gomemlimit(limit, MemoryTuning()) == expected


def test_memory_settings_derive_from_the_limit(render, tmp_path):
    spec = write_spec(tmp_path, "spec:\n  mode: gateway\n  resources:\n    size: small\n    limits: {memory: 1Gi}\n  memory: {gomemlimitPercentage: 75}\n")
    objects = render("gateway", "-f", spec)
    c = container(objects)
    assert c["resources"]["limits"]["memory"] == "1Gi"
    assert c["resources"]["requests"]["memory"] == "256Mi"
    env = {e["name"]: e.get("value") for e in c["env"]}
    assert env["GOMEMLIMIT"] == "768MiB"
    limiter = collector_config(objects)["processors"]["memory_limiter"]
    assert limiter == {"check_interval": "100ms", "limit_percentage": 80, "spike_limit_percentage": 20}


@pytest.mark.parametrize("size,memory,cpu", [("small", "256Mi", "500m"), ("medium", "512Mi", "1"), ("large", "2Gi", "2")])
def test_size_presets(render, tmp_path, size, memory, cpu):
    spec = write_spec(tmp_path, f"spec:\n  mode: gateway\n  resources: {{size: {size}}}\n")
    limits = container(render("gateway", "-f", spec))["resources"]["limits"]
    assert (limits["memory"], limits["cpu"]) == (memory, cpu)


def test_no_memory_limit_only_when_allowed(render, tmp_path):
    spec = write_spec(tmp_path, "spec:\n  mode: gateway\n  resources: {size: none, allowNoMemoryLimit: true, requests: {cpu: 100m, memory: 128Mi}}\n")
    c = container(render("gateway", "-f", spec))
    assert "memory" not in c["resources"]["limits"]
    assert "GOMEMLIMIT" not in {e["name"] for e in c["env"]}


# ---------------------------------------------------------------- processor order


def _procs(objects, pipeline="traces"):
    return collector_config(objects)["service"]["pipelines"][pipeline]["processors"]


def test_memory_limiter_first_batch_last_inserted(render, tmp_path):
    spec = write_spec(tmp_path, """
spec:
  mode: gateway
  processors:
    tail_sampling:
      policies: [{name: errors, type: status_code, status_code: {status_codes: [ERROR]}}]
    transform:
      trace_statements: ['set(span.attributes["x"], "y")']
  pipelines:
    traces:
      receivers: [otlp]
      processors: [tail_sampling, transform]
      exporters: [otlp]
""")
    assert _procs(render("gateway", "-f", spec)) == ["memory_limiter", "k8sattributes", "tail_sampling", "transform", "batch"]


def test_auto_insert_opt_out(render, tmp_path):
    spec = write_spec(tmp_path, "spec:\n  mode: gateway\n  pipelineDefaults: {memoryLimiter: false, batch: false}\n  presets: {kubernetesAttributes: {enabled: false}}\n")
    objects = render("gateway", "-f", spec)
    assert "processors" not in collector_config(objects)["service"]["pipelines"]["traces"]
    assert "processors" not in collector_config(objects)


def test_user_memory_limiter_gets_derived_percentages(render, tmp_path):
    spec = write_spec(tmp_path, "spec:\n  mode: gateway\n  processors:\n    memory_limiter: {check_interval: 2s}\n")
    limiter = collector_config(render("gateway", "-f", spec))["processors"]["memory_limiter"]
    assert limiter == {"check_interval": "2s", "limit_percentage": 80, "spike_limit_percentage": 20}


# ---------------------------------------------------------------- version names


@pytest.mark.parametrize("version,otlp,otlphttp,k8sattr,filelog", [
    ("0.139.0", "otlp", "otlphttp", "k8sattributes", "filelog"),
    ("0.143.0", "otlp", "otlphttp", "k8sattributes", "filelog"),
    ("0.144.0", "otlp_grpc", "otlp_http", "k8sattributes", "filelog"),
    ("0.146.0", "otlp_grpc", "otlp_http", "k8s_attributes", "filelog"),
    ("0.149.0", "otlp_grpc", "otlp_http", "k8s_attributes", "file_log"),
])
def test_type_names_follow_the_target_version(version, otlp, otlphttp, k8sattr, filelog):
    assert lookup("exporter", "otlp").type_name(version) == otlp
    assert lookup("exporter", "otlp_http").type_name(version) == otlphttp
    assert lookup("processor", "k8s_attributes").type_name(version) == k8sattr
    assert lookup("receiver", "file_log").type_name(version) == filelog


def test_any_name_is_accepted_and_rendered_for_the_version(render, tmp_path):
    spec = write_spec(tmp_path, """
spec:
  mode: gateway
  collectorVersion: 0.146.0
  exporters:
    otlp: null
    otlphttp/backend: {endpoint: "https://backend.example.com"}
  pipelines:
    traces: {receivers: [otlp], exporters: [otlphttp/backend]}
    metrics: {receivers: [otlp], exporters: [otlphttp/backend]}
    logs: {receivers: [otlp], exporters: [otlphttp/backend]}
""")
    config = collector_config(render("gateway", "-f", spec))
    assert list(config["exporters"]) == ["otlp_http/backend"]
    assert "k8s_attributes" in config["processors"]
    assert config["service"]["pipelines"]["logs"]["exporters"] == ["otlp_http/backend"]


# ---------------------------------------------------------------- credentials


def test_secret_refs_become_env_and_never_reach_the_configmap(render):
    from conftest import ROOT

    objects = render("gateway", "-f", str(ROOT / "examples/gateway-two-backends.yaml"))
    config = collector_config(objects)
    header = config["exporters"]["otlp_http/vendor-a"]["headers"]["api-key"]
    assert header == "${env:OTELGEN_OTLP_HTTP_VENDOR_A_HEADER_API_KEY}"
    token = config["extensions"]["bearertokenauth/vendor-b"]["token"]
    env = {e["name"]: e for e in container(objects)["env"]}
    assert env["OTELGEN_OTLP_HTTP_VENDOR_A_HEADER_API_KEY"]["valueFrom"] == {"secretKeyRef": {"name": "vendor-a", "key": "api-key"}}
    assert token == "${env:OTELGEN_BEARERTOKENAUTH_VENDOR_B_TOKEN}"
    assert env["OTELGEN_BEARERTOKENAUTH_VENDOR_B_TOKEN"]["valueFrom"]["secretKeyRef"] == {"name": "vendor-b", "key": "token"}
