"""The target-allocator strategy of the prometheusScraping preset: the
allocator's objects, its config, its RBAC, the collector's receiver pointed at
it, and the errors (tests/test_targetallocator_e2e.py runs the real thing)."""

from __future__ import annotations

import pytest
import yaml

from conftest import by_kind, run_cli, write_spec

BASE = """\
apiVersion: otelgen.io/v1alpha1
kind: Collector
metadata: {{name: gw, namespace: obs}}
spec:
  mode: {mode}
  presets:
    prometheusScraping:
      enabled: true
      strategy: target-allocator
{extra}"""

TA_KINDS = ["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ConfigMap", "Service", "Deployment", "NetworkPolicy"]


def _render(tmp_path, extra: str = "", mode: str = "gateway", *args: str):
    result = run_cli("render", "-f", write_spec(tmp_path, BASE.format(mode=mode, extra=extra)), *args)
    return result


def _ok(tmp_path, extra: str = "", *args: str) -> list[dict]:
    result = _render(tmp_path, extra, "gateway", *args)
    assert result.code == 0, result.err
    return result.objects()


def _allocator(objects: list[dict]) -> list[dict]:
    return [o for o in objects if o["metadata"]["name"].startswith("gw-targetallocator")]


def _ta_config(objects: list[dict]) -> dict:
    return yaml.safe_load(by_kind(objects, "ConfigMap", "gw-targetallocator")["data"]["targetallocator.yaml"])


def _collector_config(objects: list[dict]) -> dict:
    return yaml.safe_load(by_kind(objects, "ConfigMap", "gw-config")["data"]["collector.yaml"])


def test_objects_and_their_order(tmp_path):
    objects = _ok(tmp_path)
    assert [o["kind"] for o in _allocator(objects)] == TA_KINDS  # one replica: no PDB
    # after every collector object, so the collector's are unchanged in order
    first = next(i for i, o in enumerate(objects) if o["metadata"]["name"].startswith("gw-targetallocator"))
    assert all(o["metadata"]["name"].startswith("gw-targetallocator") for o in objects[first:])


def test_pdb_only_with_several_replicas(tmp_path):
    objects = _ok(tmp_path, "      targetAllocator: {replicas: 3}\n")
    assert by_kind(objects, "Deployment", "gw-targetallocator")["spec"]["replicas"] == 3
    pdb = by_kind(objects, "PodDisruptionBudget", "gw-targetallocator")
    assert pdb["spec"] == {"maxUnavailable": 1, "selector": by_kind(objects, "Deployment", "gw-targetallocator")["spec"]["selector"]}


def test_collector_receiver_asks_the_allocator_and_scrapes_only_itself(tmp_path):
    objects = _ok(tmp_path)
    receiver = _collector_config(objects)["receivers"]["prometheus/scraping"]
    assert receiver["target_allocator"] == {"endpoint": "http://gw-targetallocator.obs.svc:8080", "interval": "30s", "collector_id": "${env:MY_POD_NAME}"}
    # no discovery of its own: only each pod's self-scrape stays local
    assert [job["job_name"] for job in receiver["config"]["scrape_configs"]] == ["otel-collector"]
    assert "kubernetes_sd_configs" not in str(receiver)
    env = {e["name"]: e for e in by_kind(objects, "Deployment", "gw")["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["MY_POD_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    assert "metrics" in _collector_config(objects)["service"]["pipelines"]
    assert "prometheus/scraping" in _collector_config(objects)["service"]["pipelines"]["metrics"]["receivers"]


def test_allocator_config_selects_the_collector_pods(tmp_path):
    objects = _ok(tmp_path)
    config = _ta_config(objects)
    collector_pods = by_kind(objects, "Deployment", "gw")["spec"]["template"]["metadata"]["labels"]
    assert config["collector_selector"] == {"matchLabels": collector_pods}
    assert config["collector_namespace"] == "obs"
    assert config["allocation_strategy"] == "consistent-hashing"
    assert config["listen_addr"] == ":8080"
    jobs = config["config"]["scrape_configs"]
    assert [j["job_name"] for j in jobs] == ["kubernetes-pods"]
    # cluster-wide pod discovery (the node-local job's node selector is not here)
    assert jobs[0]["kubernetes_sd_configs"] == [{"role": "pod"}]
    # the allocator reads plain Prometheus YAML: '$$' of the collector syntax is one '$'
    replacements = [r["replacement"] for r in jobs[0]["relabel_configs"] if "replacement" in r]
    assert replacements == ["${1}:${2}", "[${1}]:${2}"]
    assert "prometheus_cr" not in config


def test_allocator_selector_does_not_select_collector_pods(tmp_path):
    objects = _ok(tmp_path)
    ta = by_kind(objects, "Deployment", "gw-targetallocator")["spec"]["selector"]["matchLabels"]
    col = by_kind(objects, "Deployment", "gw")["spec"]["selector"]["matchLabels"]
    ta_pod = by_kind(objects, "Deployment", "gw-targetallocator")["spec"]["template"]["metadata"]["labels"]
    col_pod = by_kind(objects, "Deployment", "gw")["spec"]["template"]["metadata"]["labels"]
    assert not set(col.items()) <= set(ta_pod.items())
    assert not set(ta.items()) <= set(col_pod.items())


def test_user_scrape_configs_keep_their_text_and_get_their_rbac(tmp_path):
    extra = """\
      scrapeConfigs:
        - job_name: ksm
          kubernetes_sd_configs: [{role: endpointslice}]
          relabel_configs: [{source_labels: [__address__], regex: "(.+):80", replacement: "$${1}:8080", target_label: __address__}]
"""
    objects = _ok(tmp_path, extra)
    jobs = _ta_config(objects)["config"]["scrape_configs"]
    assert [j["job_name"] for j in jobs] == ["kubernetes-pods", "ksm"]
    assert jobs[1]["relabel_configs"][0]["replacement"] == "${1}:8080"
    rules = by_kind(objects, "ClusterRole", "gw-targetallocator-obs")["rules"]
    assert rules == [
        {"apiGroups": [""], "resources": ["pods", "services"], "verbs": ["get", "list", "watch"]},
        {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["get", "list", "watch"]},
    ]


def test_rbac_is_least_privilege(tmp_path):
    rules = by_kind(_ok(tmp_path), "ClusterRole", "gw-targetallocator-obs")["rules"]
    assert rules == [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}]
    binding = by_kind(_ok(tmp_path), "ClusterRoleBinding", "gw-targetallocator-obs")
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "gw-targetallocator", "namespace": "obs"}]


@pytest.mark.parametrize(("flags", "monitors", "selectors"), [
    ("serviceMonitors: true", ["servicemonitors"], {"service_monitor_selector"}),
    ("podMonitors: true", ["podmonitors"], {"pod_monitor_selector"}),
    ("serviceMonitors: true, podMonitors: true", ["podmonitors", "servicemonitors"], {"pod_monitor_selector", "service_monitor_selector"}),
])
def test_prometheus_cr_discovery_only_when_asked(tmp_path, flags, monitors, selectors):
    objects = _ok(tmp_path, f"      targetAllocator: {{{flags}}}\n")
    rules = by_kind(objects, "ClusterRole", "gw-targetallocator-obs")["rules"]
    crs = [r for r in rules if r["apiGroups"] == ["monitoring.coreos.com"]]
    assert crs == [{"apiGroups": ["monitoring.coreos.com"], "resources": monitors, "verbs": ["get", "list", "watch"]}]
    core = next(r for r in rules if r["apiGroups"] == [""])
    assert "namespaces" in core["resources"]  # the monitors' namespace selectors
    cr = _ta_config(objects)["prometheus_cr"]
    assert cr["enabled"] is True
    assert {k for k in cr if k.endswith("_selector")} == selectors
    assert all(cr[k] == {} for k in selectors)


def test_deployment_is_secure_by_default(tmp_path):
    dep = by_kind(_ok(tmp_path), "Deployment", "gw-targetallocator")
    pod = dep["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    sc = container["securityContext"]
    assert sc["runAsNonRoot"] and sc["readOnlyRootFilesystem"] and not sc["allowPrivilegeEscalation"] and not sc["privileged"]
    assert sc["capabilities"] == {"drop": ["ALL"]} and sc["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["securityContext"]["runAsNonRoot"] and pod["automountServiceAccountToken"] is False
    assert container["image"] == "ghcr.io/open-telemetry/opentelemetry-operator/target-allocator:0.145.0"
    assert container["resources"]["limits"]["memory"] == "256Mi"
    assert {"name": "GOMEMLIMIT", "value": "204MiB"} in container["env"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    token = next(v for v in pod["volumes"] if v["name"] == "kube-api-access")
    assert token["projected"]["sources"][0]["serviceAccountToken"]["expirationSeconds"] == 3600


def test_image_tag_follows_the_collector_minor_and_can_be_pinned(tmp_path):
    dep = by_kind(_ok(tmp_path, "", "--set", "collectorVersion=0.146.1"), "Deployment", "gw-targetallocator")
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"].endswith("target-allocator:0.146.0")
    pinned = by_kind(_ok(tmp_path, "      targetAllocator: {image: {tag: 0.140.0}}\n"), "Deployment", "gw-targetallocator")
    assert pinned["spec"]["template"]["spec"]["containers"][0]["image"].endswith("target-allocator:0.140.0")
    result = _render(tmp_path, "      targetAllocator: {image: {tag: latest}}\n")
    assert result.code == 2 and "pinned" in result.err


def test_network_policies(tmp_path):
    objects = _ok(tmp_path)
    ta = by_kind(objects, "NetworkPolicy", "gw-targetallocator")["spec"]
    collector_pods = by_kind(objects, "Deployment", "gw")["spec"]["selector"]["matchLabels"]
    assert ta["policyTypes"] == ["Ingress", "Egress"]
    assert ta["ingress"][0] == {"from": [{"podSelector": {"matchLabels": collector_pods}}], "ports": [{"protocol": "TCP", "port": 8080}]}
    egress_ports = [p["port"] for rule in ta["egress"] for p in rule["ports"]]
    assert egress_ports == [53, 53, 443, 6443]  # DNS and the API server, nothing else
    collector = by_kind(objects, "NetworkPolicy", "gw")["spec"]["egress"]
    to_ta = [r for r in collector if r.get("to") == [{"podSelector": {"matchLabels": by_kind(objects, "Deployment", "gw-targetallocator")["spec"]["selector"]["matchLabels"]}}]]
    assert to_ta == [{"to": to_ta[0]["to"], "ports": [{"protocol": "TCP", "port": 8080}]}]
    # the collector scrapes the targets the allocator hands out: the scrapeTo rule (any TCP port)
    assert any(r.get("ports") == [{"protocol": "TCP", "port": 1, "endPort": 65535}] for r in collector)
    off = _ok(tmp_path, "", "--set", "networkPolicy.enabled=false")
    assert not [o for o in off if o["kind"] == "NetworkPolicy"]


@pytest.mark.parametrize("mode", ["agent", "sidecar"])
def test_not_for_agents_or_sidecars(tmp_path, mode):
    result = _render(tmp_path, "", mode)
    assert result.code == 2
    assert "error E078 spec.presets.prometheusScraping.strategy: strategy target-allocator shares targets among the replicas of a gateway" in result.err
    assert "Traceback" not in result.err


def test_nothing_to_distribute_is_refused(tmp_path):
    result = _render(tmp_path, "      annotationDiscovery: false\n")
    assert result.code == 2
    assert "error E078 spec.presets.prometheusScraping.annotationDiscovery: the target allocator has nothing to distribute" in result.err


def test_per_node_on_a_gateway_warns(tmp_path):
    result = _render(tmp_path, "      targetAllocator: {allocationStrategy: per-node}\n")
    assert result.code == 0
    assert "warning W128 spec.presets.prometheusScraping.targetAllocator.allocationStrategy" in result.err
    assert _ta_config(result.objects())["allocation_strategy"] == "per-node"


def test_unknown_strategy_is_refused(tmp_path):
    result = _render(tmp_path, "      targetAllocator: {allocationStrategy: round-robin}\n")
    assert result.code == 2 and "allocationStrategy" in result.err


def test_deterministic_whatever_the_key_order(tmp_path):
    a = """\
      targetAllocator: {replicas: 2, serviceMonitors: true, allocationStrategy: least-weighted}
      scrapeConfigs: [{job_name: x, static_configs: [{targets: ["a:1"]}], scrape_interval: 10s}]
"""
    b = """\
      scrapeConfigs: [{scrape_interval: 10s, static_configs: [{targets: ["a:1"]}], job_name: x}]
      targetAllocator: {allocationStrategy: least-weighted, serviceMonitors: true, replicas: 2}
"""
    first = run_cli("render", "-f", write_spec(tmp_path, BASE.format(mode="gateway", extra=a), "a.yaml"))
    second = run_cli("render", "-f", write_spec(tmp_path, BASE.format(mode="gateway", extra=b), "b.yaml"))
    assert first.code == second.code == 0
    assert first.out == second.out


def test_config_change_rolls_the_allocator(tmp_path):
    def checksum(objects):
        return by_kind(objects, "Deployment", "gw-targetallocator")["spec"]["template"]["metadata"]["annotations"]["otelgen.io/config-checksum"]

    assert checksum(_ok(tmp_path)) != checksum(_ok(tmp_path, "      scrapeInterval: 10s\n"))


def test_no_allocator_for_node_local_or_when_disabled(tmp_path):
    result = run_cli("render", "gateway")
    assert result.code == 0
    assert not _allocator(result.objects())
