"""Properties every rendered object set must have."""

from __future__ import annotations

import pytest
import yaml

from conftest import EXAMPLES, ROOT, by_kind, collector_config, container, run_cli, write_spec


def _render_example(path):
    result = run_cli("render", "-f", str(path))
    assert result.code == 0, result.err
    return result.objects()


@pytest.fixture(params=[p for p in EXAMPLES if "sidecar" not in p.name], ids=lambda p: p.stem)
def example_objects(request):
    return _render_example(request.param)


def test_pod_security_defaults(example_objects):
    workload = next(o for o in example_objects if o["kind"] in ("Deployment", "DaemonSet", "StatefulSet"))
    pod = workload["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    c = pod["containers"][0]
    sc = c["securityContext"]
    assert sc["runAsNonRoot"] is True and sc["runAsUser"] != 0
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["allowPrivilegeEscalation"] is False and sc["privileged"] is False
    assert sc["capabilities"] == {"drop": ["ALL"]}
    assert ":" in c["image"] and not c["image"].endswith(":latest")
    assert {"cpu", "memory"} <= set(c["resources"]["limits"]) and {"cpu", "memory"} <= set(c["resources"]["requests"])
    for probe in ("readinessProbe", "startupProbe"):
        assert c[probe]["httpGet"]["port"] == "health"
    assert c["livenessProbe"] == {**c["livenessProbe"], "tcpSocket": {"port": "health"}}, "liveness must not be readiness"
    # host paths read-only, except state otelgen keeps under the writable allow-list (W120)
    from otelgen.plan import WRITABLE_HOST_PATHS

    mounts = {m["name"]: m for m in c["volumeMounts"]}
    for volume in pod["volumes"]:
        if "hostPath" in volume:
            writable = any(volume["hostPath"]["path"].startswith(allowed + "/") for allowed in WRITABLE_HOST_PATHS)
            assert mounts[volume["name"]]["readOnly"] is True or writable, volume


def test_no_credentials_in_configmaps(example_objects):
    for obj in example_objects:
        if obj["kind"] == "ConfigMap":
            text = "\n".join(obj["data"].values()).lower()  # the collector's config, a target allocator's
            for word in ("password:", "api-key: ", "token: ", "authorization: "):
                for line in text.splitlines():
                    if word in line:
                        assert "${env:" in line, line


def test_labels_and_selectors(example_objects):
    workload = next(o for o in example_objects if o["kind"] in ("Deployment", "DaemonSet", "StatefulSet"))
    selector = workload["spec"]["selector"]["matchLabels"]
    assert workload["spec"]["template"]["metadata"]["labels"].items() >= selector.items()
    for obj in example_objects:
        labels = obj["metadata"]["labels"]
        assert labels["app.kubernetes.io/managed-by"] == "otelgen"
        if labels["app.kubernetes.io/component"] == "target-allocator":  # the allocator's own objects
            assert labels["app.kubernetes.io/name"] == "opentelemetry-target-allocator"
            continue
        assert labels["app.kubernetes.io/name"] == "opentelemetry-collector"
        if obj["kind"] == "Service":
            assert obj["spec"]["selector"] == selector


def workload_spec_scrape_to(objects: list[dict]) -> list[dict]:
    """networkPolicy.scrapeTo's default (any pod in the cluster), the peers of the one rule without ports."""
    from otelgen.spec.model import NetworkPolicy

    return [p.model_dump(by_alias=True, exclude_none=True) for p in NetworkPolicy().scrape_to]


def test_network_policy_default_deny_with_explicit_allows(example_objects):
    workload = next(o for o in example_objects if o["kind"] in ("Deployment", "DaemonSet", "StatefulSet"))
    np = by_kind(example_objects, "NetworkPolicy", workload["metadata"]["name"])  # a target allocator has its own
    assert np["spec"]["policyTypes"] == ["Ingress", "Egress"]
    svc = next(o for o in example_objects if o["kind"] == "Service" and "clusterIP" not in o["spec"])
    allowed_in = {(p["port"], p["protocol"]) for r in np["spec"]["ingress"] for p in r["ports"]}
    assert {(p["port"], p["protocol"]) for p in svc["spec"]["ports"]} <= allowed_in
    # every rule names its ports, but the one to scraped pods (networkPolicy.scrapeTo: any port)
    scrape_to = [{k: v for k, v in peer.items()} for peer in workload_spec_scrape_to(example_objects)]
    assert all(r.get("ports") or r.get("to", []) == scrape_to for r in np["spec"]["ingress"] + np["spec"]["egress"]), "every rule names its ports"
    dns = np["spec"]["egress"][0]
    assert {(p["port"], p["protocol"]) for p in dns["ports"]} == {(53, "UDP"), (53, "TCP")}


def test_output_is_deterministic():
    for path in EXAMPLES:
        first = run_cli("render", "-f", str(path)).out
        assert first == run_cli("render", "-f", str(path)).out


def test_config_change_rolls_pods(tmp_path):
    a = run_cli("render", "gateway").objects()
    b = run_cli("render", "gateway", "--set", "exporters.otlp.endpoint=other:4317").objects()
    key = "otelgen.io/config-checksum"
    ca = by_kind(a, "Deployment")["spec"]["template"]["metadata"]["annotations"][key]
    cb = by_kind(b, "Deployment")["spec"]["template"]["metadata"]["annotations"][key]
    assert ca != cb and len(ca) == 64


def test_network_policy_follows_receivers_udp_and_exporters(tmp_path):
    spec = write_spec(tmp_path, """
spec:
  mode: gateway
  receivers:
    jaeger: {}
  exporters:
    otlp_http/vendor: {endpoint: "https://otlp.vendor.example.com:8443"}
  networkPolicy:
    exporterTo:
      otlp_http/vendor: [{ipBlock: {cidr: 203.0.113.0/24}}]
  pipelines:
    traces: {receivers: [otlp, jaeger], exporters: [otlp, otlp_http/vendor]}
""")
    np = by_kind(run_cli("render", "-f", spec).objects(), "NetworkPolicy")
    ingress = {(p["port"], p["protocol"]) for r in np["spec"]["ingress"] for p in r["ports"]}
    assert {(6831, "UDP"), (6832, "UDP"), (14250, "TCP"), (4317, "TCP")} <= ingress
    egress = np["spec"]["egress"]
    vendor = [r for r in egress if r["ports"] == [{"protocol": "TCP", "port": 8443}]]
    assert vendor and vendor[0]["to"] == [{"ipBlock": {"cidr": "203.0.113.0/24", "except": []}}]
    assert any(r["ports"] == [{"protocol": "TCP", "port": 4317}] for r in egress)
    # the API server only because k8s_attributes watches pods
    assert any({p["port"] for p in r["ports"]} == {443, 6443} for r in egress)


def test_kubelet_egress_only_with_kubelet_stats():
    with_kubelet = by_kind(run_cli("render", "-f", str(ROOT / "examples/agent-presets.yaml")).objects(), "NetworkPolicy")
    without = by_kind(run_cli("render", "agent").objects(), "NetworkPolicy")
    ports = lambda np: {p["port"] for r in np["spec"]["egress"] for p in r["ports"]}
    assert 10250 in ports(with_kubelet) and 10250 not in ports(without)


def test_gateway_scaling_objects():
    objects = run_cli("render", "-f", str(ROOT / "examples/gateway-tls-hpa.yaml")).objects()
    hpa = by_kind(objects, "HorizontalPodAutoscaler")
    assert hpa["spec"]["minReplicas"] == 3 and hpa["spec"]["maxReplicas"] == 12
    assert hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] == 65
    deploy = by_kind(objects, "Deployment")
    assert "replicas" not in deploy["spec"], "the HPA owns replicas"
    assert by_kind(objects, "PodDisruptionBudget")["spec"]["maxUnavailable"] == 1
    keys = {c["topologyKey"] for c in deploy["spec"]["template"]["spec"]["topologySpreadConstraints"]}
    assert keys == {"topology.kubernetes.io/zone", "kubernetes.io/hostname"}


def test_single_replica_gateway_has_no_pdb(tmp_path):
    objects = run_cli("render", "gateway", "--set", "scaling.replicas=1").objects()
    assert not [o for o in objects if o["kind"] == "PodDisruptionBudget"]
    assert "topologySpreadConstraints" not in by_kind(objects, "Deployment")["spec"]["template"]["spec"]


def test_receiver_tls_with_cert_manager_and_client_ca():
    objects = run_cli("render", "-f", str(ROOT / "examples/gateway-tls-hpa.yaml")).objects()
    cert = by_kind(objects, "Certificate")
    assert cert["spec"]["secretName"] == "otel-gateway-tls"
    assert "otel-gateway.observability.svc" in cert["spec"]["dnsNames"]
    assert cert["spec"]["issuerRef"] == {"name": "internal-ca", "kind": "ClusterIssuer", "group": "cert-manager.io"}
    grpc = collector_config(objects)["receivers"]["otlp"]["protocols"]["grpc"]
    assert grpc["tls"] == {"cert_file": "/etc/otelcol/tls/server/tls.crt", "key_file": "/etc/otelcol/tls/server/tls.key", "client_ca_file": "/etc/otelcol/tls/client-ca/ca.crt"}
    pod = by_kind(objects, "Deployment")["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["tls-server"]["secret"]["secretName"] == "otel-gateway-tls"
    assert volumes["tls-client-ca"]["secret"]["items"] == [{"key": "ca.crt", "path": "ca.crt"}]
    exporter_tls = collector_config(objects)["exporters"]["otlp_grpc"]["tls"]
    assert exporter_tls == {"ca_file": "/etc/otelcol/tls/otlp/ca/ca.crt"}


def test_agent_daemonset_and_local_service():
    objects = run_cli("render", "agent").objects()
    assert by_kind(objects, "DaemonSet")
    svc = by_kind(objects, "Service")
    assert svc["spec"]["internalTrafficPolicy"] == "Local"
    assert not [o for o in objects if o["kind"] in ("HorizontalPodAutoscaler", "PodDisruptionBudget")]
    k8sattr = collector_config(objects)["processors"]["k8sattributes"]
    assert k8sattr["filter"] == {"node_from_env_var": "K8S_NODE_NAME"}
    env = {e["name"]: e for e in container(objects)["env"]}
    assert env["K8S_NODE_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "spec.nodeName"


def test_logs_collection_excludes_own_logs():
    objects = run_cli("render", "-f", str(ROOT / "examples/agent-presets.yaml")).objects()
    filelog = collector_config(objects)["receivers"]["filelog"]
    assert filelog["exclude"] == ["/var/log/pods/observability_otel-agent-*_*/*/*.log"]
    assert filelog["storage"] == "file_storage/checkpoints"
    assert filelog["operators"][0]["type"] == "container"


def test_sidecar_render_is_config_only():
    objects = run_cli("render", "sidecar").objects()
    assert [o["kind"] for o in objects] == ["ConfigMap"]


def test_inject_adds_native_sidecar(tmp_path):
    app = write_spec(tmp_path, """
apiVersion: apps/v1
kind: Deployment
metadata: {name: shop, namespace: shop}
spec:
  selector: {matchLabels: {app: shop}}
  template:
    metadata: {labels: {app: shop}}
    spec:
      containers: [{name: app, image: "example/shop:1.2.3"}]
---
apiVersion: v1
kind: Service
metadata: {name: shop, namespace: shop}
spec: {ports: [{port: 80}], selector: {app: shop}}
""", "app.yaml")
    result = run_cli("inject", "-f", app)
    assert result.code == 0, result.err
    objects = result.objects()
    assert [o["kind"] for o in objects] == ["ConfigMap", "Deployment", "Service"]
    assert objects[0]["metadata"]["namespace"] == "shop"
    pod = objects[1]["spec"]["template"]["spec"]
    sidecar = pod["initContainers"][0]
    assert sidecar["name"] == "otc-container" and sidecar["restartPolicy"] == "Always"
    assert pod["containers"][0]["name"] == "app"
    assert any(v.get("configMap", {}).get("name") == "otel-sidecar-config" for v in pod["volumes"])
    again = run_cli("inject", "-f", app, "--spec", str(ROOT / "examples/sidecar.yaml"), "--set", "sidecar.native=false")
    assert [o["kind"] for o in again.objects()] == ["ConfigMap", "PodMonitor", "PrometheusRule", "Deployment", "Service"]  # the example asks for them
    pod = by_kind(again.objects(), "Deployment")["spec"]["template"]["spec"]
    assert [c["name"] for c in pod["containers"]] == ["app", "otc-container"]


def test_inject_twice_is_refused(tmp_path):
    app = write_spec(tmp_path, "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: app, image: 'x:1'}]\n", "pod.yaml")
    once = run_cli("inject", "-f", app)
    twice_input = write_spec(tmp_path, once.out, "pod2.yaml")
    result = run_cli("inject", "-f", twice_input)
    assert result.code == 2 and "already has a container named 'otc-container'" in result.err


def test_output_directory_one_file_per_object(tmp_path):
    out = tmp_path / "out"
    result = run_cli("render", "gateway", "-o", str(out))
    assert result.code == 0
    files = sorted(p.name for p in out.iterdir())
    assert "deployment-otel-gateway.yaml" in files and "configmap-otel-gateway-config.yaml" in files
    stream = run_cli("render", "gateway").objects()
    assert len([f for f in files if f.endswith(".yaml")]) == len(stream)
    assert yaml.safe_load((out / "deployment-otel-gateway.yaml").read_text()) == by_kind(stream, "Deployment")
    # re-render replaces the directory; a foreign directory is refused
    assert run_cli("render", "gateway", "--set", "scaling.replicas=3", "-o", str(out)).code == 0
    assert yaml.safe_load((out / "deployment-otel-gateway.yaml").read_text())["spec"]["replicas"] == 3
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine")
    result = run_cli("render", "gateway", "-o", str(foreign))
    assert result.code == 2 and (foreign / "keep.txt").read_text() == "mine"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no staging leftovers"


def test_merge_set_and_null_delete(tmp_path):
    base = write_spec(tmp_path, "spec:\n  mode: gateway\n  exporters:\n    debug: {}\n  pipelines:\n    traces: {receivers: [otlp], exporters: [otlp, debug]}\n", "base.yaml")
    prod = write_spec(tmp_path, "metadata: {name: gw-prod}\nspec:\n  exporters:\n    debug: null\n  pipelines:\n    traces: {receivers: [otlp], exporters: [otlp]}\n", "prod.yaml")
    objects = run_cli("render", "-f", base, "-f", prod, "--set", "exporters.otlp.endpoint=gw.obs:4317", "--set", "metadata.namespace=prod").objects()
    config = collector_config(objects)
    assert "debug" not in config["exporters"]
    assert config["exporters"]["otlp_grpc"]["endpoint"] == "gw.obs:4317"
    assert by_kind(objects, "Deployment")["metadata"] == by_kind(objects, "Deployment")["metadata"] | {"name": "gw-prod", "namespace": "prod"}


def test_unused_and_unknown_components_warn(tmp_path):
    spec = write_spec(tmp_path, """
spec:
  mode: gateway
  exporters:
    debug: {}
  processors:
    groupbytrace: {wait_duration: 5s}
  pipelines:
    traces: {receivers: [otlp], processors: [groupbytrace], exporters: [otlp]}
""")
    result = run_cli("render", "-f", spec)
    assert result.code == 0
    assert "warning W101 spec.exporters.debug" in result.err
    assert "warning W102 spec.processors.groupbytrace" in result.err
    config = collector_config(result.objects())
    assert "debug" not in config["exporters"]
    assert config["processors"]["groupbytrace"] == {"wait_duration": "5s"}, "unknown components pass through verbatim"


def test_help_shows_working_examples():
    import contextlib
    import io

    top = run_cli("--help")
    assert top.code == 0 and "otelgen render gateway" in top.out
    from otelgen.cli import cli

    for name in cli.commands:
        result = run_cli(name, "--help")
        assert result.code == 0 and "examples:" in result.out, name
    # the first example of `render --help` really works
    assert run_cli("render", "gateway", "--config-only").code == 0
    with contextlib.redirect_stdout(io.StringIO()):
        assert run_cli("render", "gateway", "-f", str(ROOT / "examples/gateway-default.yaml"), "--set", "scaling.replicas=3").code == 0
