"""`otelgen instrument`: the OTEL_* environment every app container gets, where it
points, what it keeps, and that the result is still a valid manifest."""

from __future__ import annotations

import re

import pytest
import yaml

from conftest import run_cli, write_spec
from test_kubeconform import _versions, kubeconform

POD = {"metadata": {"labels": {"app.kubernetes.io/name": "shop"}}, "spec": {"containers": [{"name": "app", "image": "example/shop:1.2.3"}, {"name": "proxy", "image": "example/proxy:2.0.0"}]}}


def _workload(kind: str, name: str = "shop") -> dict:
    import copy

    pod = copy.deepcopy(POD)
    meta = {"name": name, "namespace": "shop"}
    selector = {"matchLabels": {"app.kubernetes.io/name": "shop"}}
    if kind == "Pod":
        return {"apiVersion": "v1", "kind": "Pod", "metadata": {**meta, "labels": pod["metadata"]["labels"]}, "spec": pod["spec"]}
    if kind == "Job":
        pod["spec"]["restartPolicy"] = "Never"
        return {"apiVersion": "batch/v1", "kind": "Job", "metadata": meta, "spec": {"template": pod}}
    if kind == "CronJob":
        pod["spec"]["restartPolicy"] = "Never"
        return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": meta, "spec": {"schedule": "*/5 * * * *", "jobTemplate": {"spec": {"template": pod}}}}
    spec = {"selector": selector, "template": pod}
    if kind == "StatefulSet":
        spec["serviceName"] = name
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": meta, "spec": spec}


KINDS = ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod"]
ATTR = {"Deployment": "k8s.deployment.name", "StatefulSet": "k8s.statefulset.name", "DaemonSet": "k8s.daemonset.name", "Job": "k8s.job.name", "CronJob": "k8s.cronjob.name"}


def _containers(doc: dict) -> list[dict]:
    node = doc
    path = {"CronJob": ["spec", "jobTemplate", "spec", "template"], "Pod": []}.get(doc["kind"], ["spec", "template"])
    for key in path:
        node = node[key]
    return node["spec"]["containers"]


def _instrument(tmp_path, docs: list[dict], *args: str) -> tuple[list[dict], str]:
    app = write_spec(tmp_path, yaml.safe_dump_all(docs), "app.yaml")
    result = run_cli("instrument", "-f", app, *args)
    assert result.code == 0, result.err
    return result.objects(), result.err


def _env(container: dict) -> dict[str, dict]:
    return {e["name"]: e for e in container["env"]}


def expand(env: list[dict], downward: dict[str, str]) -> dict[str, str]:
    """What the kubelet does: fieldRef values, then $(VAR) expanded from variables defined earlier only."""
    out: dict[str, str] = {}
    for entry in env:
        if "valueFrom" in entry:
            out[entry["name"]] = downward[entry["valueFrom"]["fieldRef"]["fieldPath"]]
            continue
        out[entry["name"]] = re.sub(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", lambda m: out.get(m[1], m[0]), entry["value"])
    return out


DOWNWARD = {"metadata.name": "shop-7d9f-abcde", "metadata.namespace": "shop", "spec.nodeName": "node-1", "metadata.uid": "0b9c-uid"}


@pytest.mark.parametrize("kind", KINDS)
def test_every_container_of_every_workload_kind(tmp_path, kind):
    out, err = _instrument(tmp_path, [_workload(kind)])
    assert err == ""
    for c in _containers(out[0]):
        env = expand(c["env"], DOWNWARD)
        assert env["OTEL_SERVICE_NAME"] == "shop"
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-agent.observability.svc.cluster.local:4317"
        assert env["OTEL_EXPORTER_OTLP_PROTOCOL"] == "grpc"
        attrs = dict(kv.split("=", 1) for kv in env["OTEL_RESOURCE_ATTRIBUTES"].split(","))
        want = {"k8s.pod.name": "shop-7d9f-abcde", "k8s.namespace.name": "shop", "k8s.node.name": "node-1", "k8s.pod.uid": "0b9c-uid", "k8s.container.name": c["name"]}
        if kind in ATTR:
            want[ATTR[kind]] = "shop"
        assert attrs == want
        assert "$(" not in env["OTEL_RESOURCE_ATTRIBUTES"], "a $(VAR) referenced before it was defined stays literal in Kubernetes"
        # SDK spec units: delays and timeouts in milliseconds
        assert env["OTEL_BSP_SCHEDULE_DELAY"] == "5000" and env["OTEL_BSP_EXPORT_TIMEOUT"] == "30000"
        assert env["OTEL_BSP_MAX_QUEUE_SIZE"] == "2048" and env["OTEL_BSP_MAX_EXPORT_BATCH_SIZE"] == "512"
        assert env["OTEL_BLRP_SCHEDULE_DELAY"] == "5000" and env["OTEL_BLRP_MAX_QUEUE_SIZE"] == "2048"
        assert env["OTEL_PROPAGATORS"] == "tracecontext,baggage" and env["OTEL_TRACES_SAMPLER"] == "parentbased_always_on"


def test_service_name_precedence(tmp_path):
    a = _workload("Deployment", "a")
    b = _workload("Deployment", "b")
    b["spec"]["template"]["metadata"]["labels"] = {"app": "legacy"}
    c = _workload("Deployment", "c")
    c["spec"]["template"]["metadata"]["labels"] = {"tier": "web"}
    d = _workload("Deployment", "d")
    d["metadata"]["labels"] = {"app.kubernetes.io/name": "checkout"}
    d["spec"]["template"]["metadata"]["labels"] = {"app": "legacy"}
    out, _ = _instrument(tmp_path, [a, b, c, d])
    names = [_env(_containers(x)[0])["OTEL_SERVICE_NAME"]["value"] for x in out]
    assert names == ["shop", "legacy", "c", "checkout"]


def test_batch_settings_and_protocol_from_the_spec(tmp_path):
    spec = write_spec(tmp_path, "spec:\n  apps:\n    protocol: http/protobuf\n    batch: {interval: 5m, maxQueue: 2048, maxBatch: 512}\n    sampler: {type: parentbased_traceidratio, argument: '0.1'}\n")
    out, err = _instrument(tmp_path, [_workload("Deployment")], "--spec", spec)
    env = {k: v.get("value") for k, v in _env(_containers(out[0])[0]).items()}
    assert env["OTEL_BSP_SCHEDULE_DELAY"] == "300000"  # 5 minutes in ms
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-agent.observability.svc.cluster.local:4318"
    assert env["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf"
    assert env["OTEL_TRACES_SAMPLER_ARG"] == "0.1"
    assert "W110" in err and "1.71 spans/s" in err  # the guide's interval, told once


def test_targets(tmp_path):
    out, _ = _instrument(tmp_path, [_workload("Deployment")], "--to", "gateway", "--set", "metadata.name=gw", "--set", "metadata.namespace=obs")
    assert _env(_containers(out[0])[0])["OTEL_EXPORTER_OTLP_ENDPOINT"]["value"] == "http://gw.obs.svc.cluster.local:4317"
    out, _ = _instrument(tmp_path, [_workload("Deployment")], "--to", "gateway", "--set", "tls.secretName=gw-tls")
    assert _env(_containers(out[0])[0])["OTEL_EXPORTER_OTLP_ENDPOINT"]["value"] == "https://otel-gateway.observability.svc.cluster.local:4317"
    out, _ = _instrument(tmp_path, [_workload("Deployment")], "--to", "sidecar")
    assert _env(_containers(out[0])[0])["OTEL_EXPORTER_OTLP_ENDPOINT"]["value"] == "http://localhost:4317"
    _, err = _instrument(tmp_path, [_workload("Deployment")], "--set", "service.internalTrafficPolicy=Cluster")
    assert "warning W115" in err


def test_node_ip_and_host_port_route(tmp_path):
    out, _ = _instrument(tmp_path, [_workload("Deployment")], "--via", "host-ip", "--set", "service.hostPorts=true")
    env = _containers(out[0])[0]["env"]
    names = [e["name"] for e in env]
    assert names.index("OTELGEN_HOST_IP") < names.index("OTEL_EXPORTER_OTLP_ENDPOINT")
    assert _env(_containers(out[0])[0])["OTELGEN_HOST_IP"]["valueFrom"]["fieldRef"]["fieldPath"] == "status.hostIP"
    assert expand(env, {**DOWNWARD, "status.hostIP": "10.0.0.7"})["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://10.0.0.7:4317"
    # and the agent rendered from the same spec opens exactly that port on the node
    agent = run_cli("render", "agent", "--set", "service.hostPorts=true")
    ports = [o for o in agent.objects() if o["kind"] == "DaemonSet"][0]["spec"]["template"]["spec"]["containers"][0]["ports"]
    assert {p["name"]: p.get("hostPort") for p in ports} == {"otlp-grpc": 4317, "otlp-http": 4318, "health": None, "metrics": None}
    app = write_spec(tmp_path, yaml.safe_dump(_workload("Deployment")), "one.yaml")
    result = run_cli("instrument", "-f", app, "--via", "host-ip")
    assert result.code == 2 and result.err.startswith("error E024 spec.service.hostPorts: the agent opens no hostPort 4317")
    result = run_cli("instrument", "-f", app, "--via", "host-ip", "--to", "gateway")
    assert result.code == 2 and "error E024 --via" in result.err
    gw = run_cli("render", "gateway", "--set", "service.hostPorts=true")
    assert "hostPort" not in gw.out  # agents only


def test_after_inject_the_sidecar_itself_is_left_alone(tmp_path):
    app = write_spec(tmp_path, yaml.safe_dump(_workload("Deployment")), "app.yaml")
    injected = run_cli("inject", "-f", app)
    assert injected.code == 0, injected.err
    result = run_cli("instrument", "-f", "-", "--to", "sidecar", stdin=injected.out)
    assert result.code == 0, result.err
    dep = [o for o in result.objects() if o["kind"] == "Deployment"][0]
    pod = dep["spec"]["template"]["spec"]
    assert all("OTEL_SERVICE_NAME" in _env(c) for c in pod["containers"])
    assert all(not any(e["name"].startswith("OTEL_") for e in c.get("env", [])) for c in pod["initContainers"])


def test_existing_otel_values_are_kept_unless_force(tmp_path):
    doc = _workload("Deployment")
    doc["spec"]["template"]["spec"]["containers"][0]["env"] = [{"name": "OTEL_SERVICE_NAME", "value": "checkout"}, {"name": "DB", "value": "x"}]
    out, err = _instrument(tmp_path, [doc])
    env = _containers(out[0])[0]["env"]
    assert [e for e in env if e["name"] == "OTEL_SERVICE_NAME"] == [{"name": "OTEL_SERVICE_NAME", "value": "checkout"}]
    assert env[1] == {"name": "DB", "value": "x"}
    assert err.strip() == "warning W116 document[0].spec.template.spec.containers[0].env[0]: OTEL_SERVICE_NAME is already set: kept (value 'checkout') (hint: --force replaces it with the collector's setting)"
    out, err = _instrument(tmp_path, [doc], "--force")
    env = _containers(out[0])[0]["env"]
    assert [e for e in env if e["name"] == "OTEL_SERVICE_NAME"] == [{"name": "OTEL_SERVICE_NAME", "value": "shop"}]
    assert "W116" not in err


def test_running_twice_changes_nothing(tmp_path):
    once, _ = _instrument(tmp_path, [_workload("Deployment")])
    twice, err = _instrument(tmp_path, once)
    assert twice == once
    assert "W116" in err  # told, not silently overwritten


def test_queue_memory_against_the_container_limit(tmp_path):
    doc = _workload("Deployment")
    doc["spec"]["template"]["spec"]["containers"][0]["resources"] = {"limits": {"memory": "16Mi"}}
    _, err = _instrument(tmp_path, [doc])
    assert "warning W113 document[0].spec.template.spec.containers[0].resources.limits.memory" in err and "~5 MiB" in err
    doc["spec"]["template"]["spec"]["containers"][0]["resources"] = {"limits": {"memory": "256Mi"}}
    _, err = _instrument(tmp_path, [doc])
    assert "W113" not in err


def test_other_objects_pass_through_and_no_workload_is_an_error(tmp_path):
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "shop"}, "spec": {"ports": [{"port": 80}]}}
    out, _ = _instrument(tmp_path, [svc, _workload("Deployment")])
    assert out[0] == svc
    app = write_spec(tmp_path, yaml.safe_dump(svc), "svc.yaml")
    result = run_cli("instrument", "-f", app)
    assert result.code == 2 and result.out == ""
    assert result.err.startswith("error E009") and len(result.err.strip().splitlines()) == 1


def test_no_otlp_receiver_for_the_protocol_is_an_error(tmp_path):
    app = write_spec(tmp_path, yaml.safe_dump(_workload("Deployment")), "app.yaml")
    result = run_cli("instrument", "-f", app, "--set", "receivers.otlp.protocols.http.enabled=false", "--set", "apps.protocol=http/protobuf")
    assert result.code == 2 and "error E023" in result.err and result.out == ""


@pytest.mark.tools
def test_agent_with_host_ports_passes_kubeconform():
    result = run_cli("render", "agent", "--set", "service.hostPorts=true")
    assert result.code == 0, result.err
    code, resources = kubeconform(result.out, _versions()[0])
    assert code == 0, resources


@pytest.mark.tools
def test_instrumented_workloads_pass_kubeconform(tmp_path):
    app = write_spec(tmp_path, yaml.safe_dump_all([_workload(k, f"shop-{k.lower()}") for k in KINDS]), "app.yaml")
    result = run_cli("instrument", "-f", app)
    assert result.code == 0, result.err
    code, resources = kubeconform(result.out, _versions()[0])
    assert code == 0, resources
    assert resources[-1]["summary"].get("valid") == len(KINDS)


@pytest.mark.tools
def test_kustomize_component_gives_the_env_instrument_gives(tmp_path):
    """kustomize build with components/instrument-agent: the container named app gets the same
    SDK settings as `otelgen instrument -f app.yaml --spec examples/agent-default.yaml`, the
    service name from the pod's label (downward API), the container's own variables kept; kubeconform passes."""
    import os

    from test_kustomize import EX, TREE, kustomize_build

    kinds = ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"]
    docs = [_workload(k, f"shop-{k.lower()}") for k in kinds]
    for doc in docs:
        _containers(doc)[0]["env"] = [{"name": "DB", "value": "x"}]
    (tmp_path / "app.yaml").write_text(yaml.safe_dump_all(docs))
    (tmp_path / "kustomization.yaml").write_text(yaml.safe_dump({
        "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
        "resources": ["app.yaml"], "components": [os.path.relpath(TREE / "components/instrument-agent", tmp_path)],
    }))
    manifest = kustomize_build(tmp_path)
    built = [d for d in yaml.safe_load_all(manifest) if d]
    instrumented, _ = _instrument(tmp_path, docs, "--spec", str(EX / "agent-default.yaml"))
    labels = {"metadata.labels['app.kubernetes.io/name']": "shop"}
    for got, want in zip(sorted(built, key=lambda d: d["kind"]), sorted(instrumented, key=lambda d: d["kind"])):
        app, other = _containers(got)
        assert "env" not in other, "only the container named app is patched"
        assert {"name": "DB", "value": "x"} in app["env"]  # kept (the strategic merge puts the patch's entries first)
        got_env = expand(app["env"], {**DOWNWARD, **labels})
        assert got_env.pop("DB") == "x"
        want_env = expand(_containers(want)[0]["env"], DOWNWARD)
        assert want_env.pop("DB") == "x"
        attr = ATTR[got["kind"]]
        want_env["OTEL_RESOURCE_ATTRIBUTES"] = ",".join(kv for kv in want_env["OTEL_RESOURCE_ATTRIBUTES"].split(",") if not kv.startswith(attr + "="))
        assert got_env == want_env
    code, resources = kubeconform(manifest, _versions()[0])
    assert code == 0, resources


@pytest.mark.parametrize("command", ["instrument", "inject"])
def test_a_kind_that_is_not_a_string_is_e050_for_both_commands(tmp_path, command):
    """inject and instrument read app manifests through one loop (inputs.app_workloads)."""
    app = write_spec(tmp_path, "apiVersion: v1\nkind: [Deployment]\nmetadata: {name: a}\n", "app.yaml")
    result = run_cli(command, "-f", app)
    assert result.code == 2
    assert result.err.startswith("error E050 document[0].kind: expected a string, got list"), result.err
    assert "Traceback" not in result.err
