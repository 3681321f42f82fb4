"""Unmodelled means declared, not unwired: what components otelgen passes
through, or that reach further than their typed settings, get from Kubernetes;
and real-world inputs (a lone ConfigMap, Operator resources) never import
silently into a broken setup."""

from __future__ import annotations

import yaml

from conftest import by_kind, container, run_cli, write_spec

HEAD = "apiVersion: otelgen.io/v1alpha1\nkind: Collector\nmetadata: {name: gw, namespace: obs}\nspec:\n"


def render(tmp_path, body: str):
    result = run_cli("render", "-f", write_spec(tmp_path, HEAD + body))
    return result


def objects_of(result) -> list[dict]:
    assert result.code == 0, result.err
    return result.objects()


def ports_of(objects: list[dict]) -> dict[str, tuple[int, str]]:
    return {p["name"]: (p["containerPort"], p["protocol"]) for p in container(objects)["ports"]}


def ingress_ports(objects: list[dict]) -> set[tuple[int, str]]:
    policy = by_kind(objects, "NetworkPolicy")
    return {(p["port"], p["protocol"]) for rule in policy["spec"]["ingress"] for p in rule.get("ports", [])}


def rules_of(objects: list[dict]) -> list[dict]:
    return [r for o in objects if o["kind"] in ("ClusterRole", "Role") for r in o["rules"]]


def test_statsd_gets_its_udp_port_service_port_and_network_policy_rule(tmp_path):
    objects = objects_of(render(tmp_path, """  mode: gateway
  distribution: custom
  receivers: {statsd: {}}
  exporters: {debug: {}}
  pipelines: {metrics: {receivers: [statsd], exporters: [debug]}}
"""))
    assert ports_of(objects)["statsd"] == (8125, "UDP")
    service = by_kind(objects, "Service", "gw")
    assert {"name": "statsd", "port": 8125, "targetPort": "statsd", "protocol": "UDP"} in service["spec"]["ports"]
    assert (8125, "UDP") in ingress_ports(objects)
    config = yaml.safe_load(by_kind(objects, "ConfigMap")["data"]["collector.yaml"])
    assert config["receivers"]["statsd"]["endpoint"] == "0.0.0.0:8125", "the collector's default binds localhost, unreachable from other pods"


def test_statsd_over_tcp_on_its_own_endpoint(tmp_path):
    objects = objects_of(render(tmp_path, """  mode: gateway
  distribution: custom
  receivers: {statsd/tcp: {endpoint: "0.0.0.0:9125", transport: tcp}}
  exporters: {debug: {}}
  pipelines: {metrics: {receivers: [statsd/tcp], exporters: [debug]}}
"""))
    assert ports_of(objects)["statsd-tcp"] == (9125, "TCP")
    config = yaml.safe_load(by_kind(objects, "ConfigMap")["data"]["collector.yaml"])
    assert config["receivers"]["statsd/tcp"]["endpoint"] == "0.0.0.0:9125"


def test_prometheus_kubernetes_sd_gets_rbac_token_and_api_egress(tmp_path):
    objects = objects_of(render(tmp_path, """  mode: gateway
  presets: {kubernetesAttributes: {enabled: false}}
  receivers:
    prometheus:
      self_scrape: false
      config:
        scrape_configs:
          - job_name: pods
            kubernetes_sd_configs: [{role: pod}, {role: endpointslice}, {role: node}, {role: ingress}]
  exporters: {debug: {}}
  pipelines: {metrics: {receivers: [prometheus], exporters: [debug]}, traces: null, logs: null}
"""))
    granted = {(g, r): tuple(rule["verbs"]) for rule in rules_of(objects) for g in rule["apiGroups"] for r in rule["resources"]}
    for pair in (("", "pods"), ("", "services"), ("", "nodes"), ("discovery.k8s.io", "endpointslices"), ("networking.k8s.io", "ingresses")):
        assert granted.get(pair) == ("get", "list", "watch"), pair
    pod = next(o for o in objects if o["kind"] == "Deployment")["spec"]["template"]["spec"]
    assert any(v.get("projected") for v in pod["volumes"]), "the API token is mounted"
    egress = by_kind(objects, "NetworkPolicy")["spec"]["egress"]
    assert any(p["port"] == 6443 for rule in egress for p in rule.get("ports", [])), "egress to the API server"


def test_prometheus_without_kubernetes_sd_needs_no_api(tmp_path):
    objects = objects_of(render(tmp_path, """  mode: gateway
  presets: {kubernetesAttributes: {enabled: false}}
  receivers:
    prometheus: {self_scrape: false, config: {scrape_configs: [{job_name: app, static_configs: [{targets: ["app:9090"]}]}]}}
  exporters: {debug: {}}
  pipelines: {metrics: {receivers: [prometheus], exporters: [debug]}, traces: null, logs: null}
"""))
    assert not rules_of(objects)


def test_prometheus_old_shape_still_renders_with_a_deprecation_warning(tmp_path):
    result = render(tmp_path, """  mode: gateway
  receivers:
    prometheus: {self_scrape: false, scrape_configs: [{job_name: app, static_configs: [{targets: ["app:9090"]}]}]}
  pipelines: {metrics: {receivers: [prometheus], exporters: [otlp]}}
""")
    assert result.code == 0, result.err
    assert "warning W104 spec.receivers.prometheus.scrape_configs" in result.err
    config = yaml.safe_load(by_kind(result.objects(), "ConfigMap")["data"]["collector.yaml"])
    assert config["receivers"]["prometheus"] == {"config": {"scrape_configs": [{"job_name": "app", "static_configs": [{"targets": ["app:9090"]}]}]}}


def test_declarations_wire_a_custom_component(tmp_path):
    result = render(tmp_path, """  mode: gateway
  distribution: custom
  receivers: {mycomp: {listen: "0.0.0.0:9999"}}
  exporters: {mysink: {url: "https://sink.example.com"}}
  declarations:
    receivers:
      mycomp:
        ports: [{name: mycomp, port: 9999, protocol: UDP}]
        rbac: [{apiGroups: [""], resources: [configmaps], verbs: [get, list], namespaced: true}]
        volumes: [{name: mycomp-state, mountPath: /var/lib/mycomp, readOnly: false, emptyDirMib: 64}]
    exporters:
      mysink:
        egress: [{port: 443}]
  pipelines: {metrics: {receivers: [mycomp], exporters: [mysink]}}
""")
    objects = objects_of(result)
    assert "W102" not in result.err, "declared components are not unwired"
    assert ports_of(objects)["mycomp"] == (9999, "UDP") and (9999, "UDP") in ingress_ports(objects)
    role = by_kind(objects, "Role")
    assert {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]} in role["rules"]
    mounts = {m["mountPath"]: m for m in container(objects)["volumeMounts"]}
    assert "/var/lib/mycomp" in mounts and not mounts["/var/lib/mycomp"].get("readOnly")
    egress = by_kind(objects, "NetworkPolicy")["spec"]["egress"]
    assert any(p["port"] == 443 for rule in egress for p in rule.get("ports", []))


def test_declarations_for_an_undefined_component_are_an_error(tmp_path):
    result = render(tmp_path, """  mode: gateway
  declarations: {receivers: {statsd: {ports: [{name: statsd, port: 8125, protocol: UDP}]}}}
""")
    assert result.code == 2 and "error E010 spec.declarations.receivers.statsd" in result.err, result.err


def test_empty_image_repository_is_an_error(tmp_path):
    result = render(tmp_path, "  mode: gateway\n  image: {repository: ''}\n")
    assert result.code == 2 and "spec.image.repository" in result.err and "E004" in result.err, result.err


def test_a_lone_configmap_imports_as_the_given_mode_with_a_warning(tmp_path):
    cm = tmp_path / "cm.yaml"
    cm.write_text("""apiVersion: v1
kind: ConfigMap
metadata: {name: relay, namespace: obs}
data:
  relay: |
    receivers: {otlp: {protocols: {grpc: {endpoint: "0.0.0.0:4317"}}}}
    exporters: {debug: {}}
    service: {pipelines: {traces: {receivers: [otlp], exporters: [debug]}}}
""")
    default = run_cli("import", str(cm))
    assert default.code == 0, default.err
    assert "warning W207" in default.err and yaml.safe_load(default.out)["spec"]["mode"] == "gateway"
    agent = run_cli("import", str(cm), "--mode", "agent")
    assert agent.code == 0 and yaml.safe_load(agent.out)["spec"]["mode"] == "agent"


def test_operator_statefulset_and_target_allocator_are_named_warnings(tmp_path):
    cr = tmp_path / "cr.yaml"
    cr.write_text("""apiVersion: opentelemetry.io/v1beta1
kind: OpenTelemetryCollector
metadata: {name: sts, namespace: obs}
spec:
  mode: statefulset
  targetAllocator: {enabled: true}
  config:
    receivers: {prometheus: {config: {scrape_configs: [{job_name: x, static_configs: [{targets: ["a:1"]}]}]}}}
    exporters: {debug: {}}
    service: {pipelines: {metrics: {receivers: [prometheus], exporters: [debug]}}}
""")
    result = run_cli("import", str(cr))
    assert result.code == 0, result.err
    warned = [line for line in result.err.splitlines() if line.startswith("warning W208")]
    assert any("spec.mode" in w and "statefulset" in w for w in warned), result.err
    assert any("spec.targetAllocator" in w for w in warned), result.err
