"""The prometheusScraping preset (node-local) and the collector's own metrics scraped
once per pod: what is rendered, what is refused, the chart's parity, kubeconform and
the real collector's validate. The end-to-end scrape is in test_scraping_e2e.py."""

from __future__ import annotations

import copy

import pytest
import yaml

from conftest import by_kind, collector_config, container, run_cli, write_spec
from helm_parity import helm_template
from test_collector import validate
from test_helm import assert_parity, helm, write_values
from test_kubeconform import _versions, kubeconform

NODE_LOCAL = {"enabled": True, "strategy": "node-local"}


def doc(spec: dict, name: str = "otel-agent", namespace: str = "observability") -> str:
    return yaml.safe_dump({"apiVersion": "otelgen.io/v1alpha1", "kind": "Collector", "metadata": {"name": name, "namespace": namespace}, "spec": spec})


def render(tmp_path, spec: dict) -> list[dict]:
    result = run_cli("render", "-f", write_spec(tmp_path, doc(spec)))
    assert result.code == 0, result.err
    return result.objects()


def refused(tmp_path, spec: dict) -> str:
    result = run_cli("render", "-f", write_spec(tmp_path, doc(spec)))
    assert result.code == 2 and not result.out, result.out
    return result.err


def agent(**preset) -> dict:
    return {"mode": "agent", "presets": {"prometheusScraping": {**NODE_LOCAL, **preset}}}


def jobs(config: dict, receiver: str = "prometheus/scraping") -> dict[str, dict]:
    return {j["job_name"]: j for j in config["receivers"][receiver]["config"]["scrape_configs"]}


# ---------------------------------------------------------------- node-local


def test_node_local_discovers_only_this_nodes_pods_with_annotations(tmp_path):
    objects = render(tmp_path, agent())
    config = collector_config(objects)
    assert "prometheus/scraping" in config["service"]["pipelines"]["metrics"]["receivers"]
    job = jobs(config)["kubernetes-pods"]
    assert job["kubernetes_sd_configs"] == [{"role": "pod", "selectors": [{"role": "pod", "field": "spec.nodeName=${env:K8S_NODE_NAME}"}]}]
    assert job["scrape_interval"] == "30s"
    relabel = job["relabel_configs"]
    assert relabel[0] == {"source_labels": ["__meta_kubernetes_pod_annotation_prometheus_io_scrape"], "action": "keep", "regex": "true"}
    targets = {r.get("target_label") for r in relabel}
    assert {"__scheme__", "__metrics_path__", "__address__"} <= targets
    # '$' in a replacement is '$$' in a collector config (the collector expands ${...} itself)
    replacements = [r["replacement"] for r in relabel if "replacement" in r]
    assert replacements and all("$$" in r and "$" not in r.replace("$$", "") for r in replacements)
    # the collector's own pods are dropped from discovery (they are scraped once, by themselves)
    assert {"source_labels": ["__meta_kubernetes_namespace", "__meta_kubernetes_pod_label_app_kubernetes_io_name", "__meta_kubernetes_pod_label_app_kubernetes_io_instance"], "separator": ";", "action": "drop", "regex": "observability;opentelemetry-collector;otel-agent"} in relabel
    env = {e["name"]: e for e in container(objects)["env"]}
    assert env["K8S_NODE_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "spec.nodeName"


def test_node_local_rbac_token_and_egress_are_derived(tmp_path):
    """Without kubernetesAttributes the pods rule, the token and the egress come from the receiver alone."""
    spec = agent()
    spec["presets"]["kubernetesAttributes"] = {"enabled": False}
    objects = render(tmp_path, spec)
    role = by_kind(objects, "ClusterRole")
    assert role["rules"] == [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}]
    pod = by_kind(objects, "DaemonSet")["spec"]["template"]["spec"]
    assert any(v["name"] == "kube-api-access" for v in pod["volumes"])
    assert any(m["mountPath"] == "/var/run/secrets/kubernetes.io/serviceaccount" for m in container(objects)["volumeMounts"])
    egress = by_kind(objects, "NetworkPolicy")["spec"]["egress"]
    assert {"ports": [{"protocol": "TCP", "port": 443}, {"protocol": "TCP", "port": 6443}]} in egress
    assert {"to": [{"namespaceSelector": {"matchLabels": {}}}], "ports": [{"protocol": "TCP", "port": 1, "endPort": 65535}]} in egress  # scraped pods: any TCP port
    env = {e["name"] for e in container(objects)["env"]}
    assert "K8S_NODE_NAME" in env  # from the receiver, not k8s_attributes


def test_scrape_to_narrows_the_scrape_egress(tmp_path):
    spec = agent()
    spec["networkPolicy"] = {"scrapeTo": [{"namespaceSelector": {"matchLabels": {"scrape": "yes"}}}]}
    egress = by_kind(render(tmp_path, spec), "NetworkPolicy")["spec"]["egress"]
    assert {"to": [{"namespaceSelector": {"matchLabels": {"scrape": "yes"}}}], "ports": [{"protocol": "TCP", "port": 1, "endPort": 65535}]} in egress


def test_user_scrape_configs_are_added_as_given_and_annotation_discovery_can_be_off(tmp_path):
    own = {"job_name": "mine", "static_configs": [{"targets": ["10.1.2.3:9100"]}], "metric_relabel_configs": [{"source_labels": ["a"], "regex": "(.*)", "replacement": "$$1", "target_label": "b"}]}
    config = collector_config(render(tmp_path, agent(annotationDiscovery=False, scrapeInterval="1m", scrapeConfigs=[own])))
    assert list(jobs(config)) == ["otel-collector", "mine"]
    assert jobs(config)["mine"] == own


def test_a_user_kubernetes_sd_job_gets_its_rbac(tmp_path):
    own = {"job_name": "svc", "kubernetes_sd_configs": [{"role": "endpointslice"}]}
    role = by_kind(render(tmp_path, agent(annotationDiscovery=False, scrapeConfigs=[own])), "ClusterRole")
    granted = {(g, r) for rule in role["rules"] for g in rule["apiGroups"] for r in rule["resources"]}
    assert {("discovery.k8s.io", "endpointslices"), ("", "services"), ("", "pods")} <= granted


@pytest.mark.parametrize("preset,path,words", [
    ({"enabled": True}, "spec.presets.prometheusScraping.strategy", "needs a strategy"),
    ({"enabled": True, "strategy": "node-local", "annotationDiscovery": False}, "spec.presets.prometheusScraping.annotationDiscovery", "nothing to scrape"),
])
def test_refused_presets(tmp_path, preset, path, words):
    err = refused(tmp_path, {"mode": "agent", "presets": {"prometheusScraping": preset}})
    assert err.startswith(f"error E020 {path}: ") and words in err and "hint:" in err and err.count("\n") == 1, err


@pytest.mark.parametrize("mode", ["gateway", "sidecar"])
def test_node_local_is_for_agents_only(tmp_path, mode):
    err = refused(tmp_path, {"mode": mode, "presets": {"prometheusScraping": NODE_LOCAL}})
    assert err.startswith("error E020 spec.presets.prometheusScraping.strategy: strategy node-local scrapes the pods of the agent's own node and needs mode agent"), err


def test_strategy_is_a_closed_choice(tmp_path):
    err = refused(tmp_path, {"mode": "agent", "presets": {"prometheusScraping": {"enabled": True, "strategy": "everywhere"}}})
    assert "spec.presets.prometheusScraping.strategy" in err and "node-local" in err, err


def test_disabled_preset_renders_nothing(tmp_path):
    config = collector_config(render(tmp_path, {"mode": "agent", "presets": {"prometheusScraping": {"enabled": False}}}))
    assert "prometheus/scraping" not in config["receivers"]


# ---------------------------------------------------------------- the collector's own metrics, once


def own_jobs(config: dict) -> list[tuple[str, dict]]:
    return [(rid, job) for rid, cfg in config["receivers"].items() if rid.startswith("prometheus") for job in (cfg.get("config") or {}).get("scrape_configs", []) if job["job_name"] == "otel-collector"]


@pytest.mark.parametrize("mode", ["agent", "gateway", "sidecar"])
def test_self_scrape_follows_the_metrics_port(tmp_path, mode):
    spec = {"mode": mode, "telemetry": {"metricsPort": 9999}, "receivers": {"prometheus": {}}, "pipelines": {"metrics": {"receivers": ["otlp", "prometheus"], "exporters": ["otlp"]}}}
    config = collector_config(render(tmp_path, spec)) if mode != "sidecar" else yaml.safe_load(run_cli("render", "-f", write_spec(tmp_path, doc(spec)), "--config-only").out)
    [(rid, job)] = own_jobs(config)
    assert job["static_configs"] == [{"targets": ["${env:MY_POD_IP}:9999"]}]
    reader = config["service"]["telemetry"]["metrics"]["readers"][0]["pull"]["exporter"]["prometheus"]
    assert reader["port"] == 9999


def test_two_prometheus_receivers_scrape_the_collector_once(tmp_path):
    spec = agent()
    spec["receivers"] = {"prometheus": {"config": {"scrape_configs": [{"job_name": "x", "static_configs": [{"targets": ["10.0.0.9:9100"]}]}]}}}
    spec["pipelines"] = {"metrics": {"receivers": ["otlp", "prometheus"], "exporters": ["otlp"]}}
    config = collector_config(render(tmp_path, spec))
    assert [rid for rid, _ in own_jobs(config)] == ["prometheus"]


def test_self_scrape_false_moves_it_to_the_next_receiver(tmp_path):
    spec = agent()
    spec["receivers"] = {"prometheus": {"self_scrape": False, "config": {"scrape_configs": [{"job_name": "x", "static_configs": [{"targets": ["10.0.0.9:9100"]}]}]}}}
    spec["pipelines"] = {"metrics": {"receivers": ["otlp", "prometheus"], "exporters": ["otlp"]}}
    assert [rid for rid, _ in own_jobs(collector_config(render(tmp_path, spec)))] == ["prometheus/scraping"]


def test_with_the_service_monitor_prometheus_is_the_one_scraper(tmp_path):
    spec = agent()
    spec["serviceMonitor"] = {"enabled": True}
    objects = render(tmp_path, spec)
    assert own_jobs(collector_config(objects)) == []
    assert by_kind(objects, "ServiceMonitor")["spec"]["endpoints"][0]["port"] == "metrics"


@pytest.mark.parametrize("receiver,why", [
    ({}, "scrapes nothing else"),
    ({"self_scrape": True, "config": {"scrape_configs": [{"job_name": "x", "static_configs": [{"targets": ["a:1"]}]}]}}, "asks for it (self_scrape: true)"),
])
def test_service_monitor_and_a_self_scraping_receiver_are_refused(tmp_path, receiver, why):
    spec = {"mode": "gateway", "serviceMonitor": {"enabled": True}, "receivers": {"prometheus": receiver}, "pipelines": {"metrics": {"receivers": ["otlp", "prometheus"], "exporters": ["otlp"]}}}
    err = refused(tmp_path, spec)
    assert err.startswith("error E072 spec.receivers.prometheus.self_scrape: the collector's own metrics would be scraped twice") and why in err, err


# ---------------------------------------------------------------- chart parity, kubeconform, validate


PARITY = {
    "node-local": agent(),
    "node-local, no kubernetesAttributes, scrapeTo": {**agent(), "presets": {"kubernetesAttributes": {"enabled": False}, "prometheusScraping": NODE_LOCAL}, "networkPolicy": {"scrapeTo": [{"podSelector": {"matchLabels": {"metrics": "on"}}}]}},
    "node-local, own jobs only": agent(annotationDiscovery=False, scrapeInterval="15s", scrapeConfigs=[{"job_name": "svc", "kubernetes_sd_configs": [{"role": "endpointslice", "namespaces": {"own_namespace": True}}]}]),
    "node-local + service monitor": {**agent(), "serviceMonitor": {"enabled": True}},
    "two receivers, metrics port": {**agent(), "telemetry": {"metricsPort": 9464}, "receivers": {"prometheus": {"scrape_interval": "10s", "config": {"scrape_configs": [{"job_name": "x", "static_configs": [{"targets": ["10.0.0.9:9100"]}]}]}}}, "pipelines": {"metrics": {"receivers": ["otlp", "prometheus"], "exporters": ["otlp"]}}},
    "gateway self-scrape, metrics port": {"mode": "gateway", "telemetry": {"metricsPort": 9464}, "receivers": {"prometheus": {}, "prometheus/b": {"config": {"scrape_configs": [{"job_name": "x", "static_configs": [{"targets": ["10.0.0.9:9100"]}]}]}}}, "pipelines": {"metrics": {"receivers": ["otlp", "prometheus/b", "prometheus"], "exporters": ["otlp"]}}},
}


@pytest.mark.tools
@pytest.mark.parametrize("case", sorted(PARITY))
def test_chart_parity(case, tmp_path):
    assert_parity(tmp_path, {"name": "otel-agent", "namespace": "observability"}, copy.deepcopy(PARITY[case]))


CHART_ERRORS = {
    "no strategy": ({"mode": "agent", "presets": {"prometheusScraping": {"enabled": True}}}, "error E020 spec.presets.prometheusScraping.strategy: prometheusScraping needs a strategy"),
    "node-local in a gateway": ({"mode": "gateway", "presets": {"prometheusScraping": NODE_LOCAL}}, "error E020 spec.presets.prometheusScraping.strategy: strategy node-local scrapes the pods of the agent's own node and needs mode agent (got gateway)"),
    "nothing to scrape": (agent(annotationDiscovery=False), "error E020 spec.presets.prometheusScraping.annotationDiscovery: prometheusScraping has nothing to scrape"),
    "second self-scrape only receiver": ({"mode": "gateway", "receivers": {"prometheus": {}, "prometheus/b": {}}, "pipelines": {"metrics": {"receivers": ["otlp", "prometheus/b", "prometheus"], "exporters": ["otlp"]}}}, "error E072 spec.receivers.prometheus/b.self_scrape: the collector's own metrics would be scraped twice: prometheus scrapes them, and prometheus/b scrapes nothing else"),
    "service monitor + self-scrape only": ({"mode": "gateway", "serviceMonitor": {"enabled": True}, "receivers": {"prometheus": {}}, "pipelines": {"metrics": {"receivers": ["otlp", "prometheus"], "exporters": ["otlp"]}}}, "error E072 spec.receivers.prometheus.self_scrape: the collector's own metrics would be scraped twice: serviceMonitor has Prometheus scrape them, and prometheus scrapes nothing else"),
}


@pytest.mark.tools
@pytest.mark.parametrize("case", sorted(CHART_ERRORS))
def test_chart_fails_like_otelgen(case, tmp_path):
    values, message = CHART_ERRORS[case]
    proc = helm_template(helm(), "otel-agent", "observability", write_values(tmp_path, values))
    assert proc.returncode != 0 and not proc.stdout.strip()
    assert message in proc.stderr, proc.stderr
    err = refused(tmp_path, values)
    assert err.startswith(message), err


@pytest.mark.tools
@pytest.mark.parametrize("case", sorted(PARITY))
def test_kubeconform_strict_and_collector_validate(case, tmp_path):
    spec = PARITY[case]
    result = run_cli("render", "-f", write_spec(tmp_path, doc(spec)))
    assert result.code == 0, result.err
    for version in _versions():
        code, resources = kubeconform(result.out, version)
        summary = resources[-1]["summary"]
        assert code == 0 and summary.get("valid") == len(result.objects()) and not summary.get("skipped"), resources
    objects = result.objects()
    proc = validate(by_kind(objects, "ConfigMap")["data"]["collector.yaml"], tmp_path, container(objects)["env"])
    assert proc.returncode == 0, proc.stderr[-3000:]


# ---------------------------------------------------------------- import and lint


RAW_SD = """\
receivers:
  prometheus:
    config:
      scrape_configs:
        - job_name: svc
          kubernetes_sd_configs: [{role: endpointslice}]
exporters:
  otlp_grpc: {endpoint: gw:4317}
service:
  pipelines:
    metrics: {receivers: [prometheus], exporters: [otlp_grpc]}
"""


def test_an_imported_kubernetes_sd_config_gets_rbac_token_and_egress(tmp_path):
    imported = run_cli("import", write_spec(tmp_path, RAW_SD, "raw.yaml"))
    assert imported.code == 0, imported.err
    result = run_cli("render", "-f", write_spec(tmp_path, imported.out, "imported.yaml"))
    assert result.code == 0, result.err
    objects = result.objects()
    granted = {(g, r) for rule in by_kind(objects, "ClusterRole")["rules"] for g in rule["apiGroups"] for r in rule["resources"]}
    assert granted == {("discovery.k8s.io", "endpointslices"), ("", "services"), ("", "pods")}
    egress = by_kind(objects, "NetworkPolicy")["spec"]["egress"]
    assert {"to": [{"namespaceSelector": {"matchLabels": {}}}], "ports": [{"protocol": "TCP", "port": 1, "endPort": 65535}]} in egress


def test_lint_of_a_spec_finds_a_job_scraping_the_collector_while_self_scrape_is_on(tmp_path):
    spec = {"mode": "gateway", "receivers": {"prometheus": {"config": {"scrape_configs": [{"job_name": "me", "static_configs": [{"targets": ["${env:MY_POD_IP}:8888"]}]}]}}}, "pipelines": {"metrics": {"receivers": ["otlp", "prometheus"], "exporters": ["otlp"]}}, "scaling": {"replicas": 1}}
    result = run_cli("lint", write_spec(tmp_path, doc(spec)))
    assert result.code == 1 and "OTG043" in result.out and "'me'" in result.out, result.out + result.err
    spec["receivers"]["prometheus"]["self_scrape"] = False
    result = run_cli("lint", write_spec(tmp_path, doc(spec)))
    assert "OTG043" not in result.out, result.out


@pytest.mark.parametrize("mode,scaling,warned", [
    ("gateway", {"replicas": 3}, True),
    ("gateway", {"replicas": 1, "autoscaling": {"enabled": True}}, True),
    ("gateway", {"replicas": 1}, False),
    ("agent", {}, True),
])
def test_render_warns_about_targets_every_copy_scrapes(tmp_path, mode, scaling, warned):
    spec = {"mode": mode, "scaling": scaling, "receivers": {"prometheus": {"config": {"scrape_configs": [{"job_name": "app", "static_configs": [{"targets": ["app.shop:9090"]}]}]}}}, "pipelines": {"metrics": {"receivers": ["otlp", "prometheus"], "exporters": ["otlp"]}}}
    result = run_cli("render", "-f", write_spec(tmp_path, doc(spec)))
    assert result.code == 0, result.err
    assert ("warning W130 spec.receivers.prometheus.config.scrape_configs[0]: prometheus job 'app' is scraped by" in result.err) == warned, result.err


def test_node_local_and_self_scrape_jobs_are_not_shared(tmp_path):
    result = run_cli("render", "-f", write_spec(tmp_path, doc(agent())))
    assert result.code == 0 and "W130" not in result.err, result.err
    spec = agent(scrapeConfigs=[{"job_name": "everywhere", "kubernetes_sd_configs": [{"role": "pod"}]}])
    result = run_cli("render", "-f", write_spec(tmp_path, doc(spec)))
    assert "warning W130 spec.presets.prometheusScraping.scrapeConfigs: prometheus/scraping job 'everywhere' is scraped by every agent" in result.err, result.err
