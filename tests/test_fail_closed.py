"""Fail closed: unknown component names in keyed mappings are errors, extra may not
replace what otelgen derives, and risky-but-legal choices are warnings with IDs."""

from __future__ import annotations

import yaml

from conftest import run_cli


def _render(tmp_path, spec: dict):
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump({"metadata": {"name": "gw", "namespace": "obs"}, "spec": spec}))
    return run_cli("render", "-f", str(path))


def test_exporter_to_naming_no_exporter_is_an_error(tmp_path):
    result = _render(tmp_path, {"mode": "gateway", "networkPolicy": {"exporterTo": {"otlp/bakend": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}}})
    assert result.code == 2
    assert "error E010 spec.networkPolicy.exporterTo.otlp/bakend: 'otlp/bakend' is not defined under spec.exporters" in result.err


def test_exporter_to_restricts_the_named_exporter(tmp_path):
    result = _render(tmp_path, {"mode": "gateway", "networkPolicy": {"exporterTo": {"otlp": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}}})
    assert result.code == 0, result.err
    policy = next(o for o in result.objects() if o["kind"] == "NetworkPolicy")
    egress = [r for r in policy["spec"]["egress"] if {"protocol": "TCP", "port": 4317} in r["ports"]]
    assert egress and all(r.get("to")[0]["ipBlock"]["cidr"] == "10.0.0.0/8" for r in egress)


def test_extra_moving_a_receiver_port_is_refused(tmp_path):
    result = _render(tmp_path, {"mode": "gateway", "receivers": {"otlp": {"extra": {"protocols": {"grpc": {"endpoint": "${env:MY_POD_IP}:5317"}}}}}})
    assert result.code == 2
    assert "error E031 spec.receivers.otlp.extra.protocols.grpc.endpoint: extra replaces the listening endpoint" in result.err


def test_typed_port_moves_service_and_policy(tmp_path):
    result = _render(tmp_path, {"mode": "gateway", "receivers": {"otlp": {"protocols": {"grpc": {"port": 5317}}}}})
    assert result.code == 0, result.err
    service = next(o for o in result.objects() if o["kind"] == "Service")
    assert 5317 in [p["port"] for p in service["spec"]["ports"]] and 4317 not in [p["port"] for p in service["spec"]["ports"]]


def test_extra_replacing_a_secret_ref_is_refused(tmp_path):
    spec = {"mode": "gateway", "extensions": {"bearertokenauth": {"token": {"secretRef": {"name": "a", "key": "b"}}, "extra": {"token": "${env:OTHER}"}}},
            "exporters": {"otlp": {"endpoint": "b:4317", "authenticator": "bearertokenauth"}}}
    result = _render(tmp_path, spec)
    assert result.code == 2 and "error E031 spec.extensions.bearertokenauth.extra.token" in result.err


def test_extra_leaving_derived_settings_alone_renders(tmp_path):
    result = _render(tmp_path, {"mode": "gateway", "receivers": {"otlp": {"extra": {"protocols": {"grpc": {"max_recv_msg_size_mib": 8}}}}}})
    assert result.code == 0, result.err


def test_writable_host_path_outside_the_allow_list_warns(tmp_path):
    spec = {"mode": "agent", "extensions": {"file_storage": {"host_path": "/etc"}}}
    result = _render(tmp_path, spec)
    assert result.code == 0, result.err
    assert "warning W120 spec.extensions.file_storage: writable hostPath /etc is outside the allow-list" in result.err
    ok = _render(tmp_path, {"mode": "agent", "extensions": {"file_storage": {"host_path": "/var/lib/otelcol/state"}}})
    assert ok.code == 0 and "W120" not in ok.err
    sneaky = _render(tmp_path, {"mode": "agent", "extensions": {"file_storage": {"host_path": "/var/lib/otelcol/../../etc"}}})
    assert "W120" in sneaky.err


def test_k8s_objects_on_everything_warns(tmp_path):
    spec = {"mode": "gateway", "scaling": {"replicas": 1}, "receivers": {"k8s_objects": {"objects": [{"name": "*", "mode": "pull"}]}},
            "pipelines": {"logs": {"receivers": ["k8s_objects"], "exporters": ["otlp"]}}}
    result = _render(tmp_path, spec)
    assert result.code == 0, result.err
    assert "warning W121 spec.receivers.k8s_objects: RBAC on every resource" in result.err
    secrets = _render(tmp_path, {**spec, "receivers": {"k8s_objects": {"objects": [{"name": "secrets"}]}}})
    assert "warning W121 spec.receivers.k8s_objects: RBAC to read Secrets" in secrets.err
    events = _render(tmp_path, {**spec, "receivers": {"k8s_objects": {}}})
    assert "W121" not in events.err


def test_load_balancer_with_metrics_port_and_in_cluster_policy_warns(tmp_path):
    result = _render(tmp_path, {"mode": "gateway", "service": {"type": "LoadBalancer"}})
    assert result.code == 0, result.err
    assert "warning W122 spec.service.type: a LoadBalancer Service publishes the collector's own metrics port (8888)" in result.err
    assert "warning W122 spec.networkPolicy.ingressFrom:" in result.err
    cluster_ip = _render(tmp_path, {"mode": "gateway"})
    assert "W122" not in cluster_ip.err


def test_extension_named_in_verbatim_settings_must_exist(tmp_path):
    spec = {"mode": "gateway", "exporters": {"otlp": {"endpoint": "b:4317", "extra": {"auth": {"authenticator": "oauth2client/typo"}}}}}
    result = _render(tmp_path, spec)
    assert result.code == 2
    assert "error E010 spec.exporters.otlp.extra.auth.authenticator: extension 'oauth2client/typo' is not defined under spec.extensions" in result.err
    spec["extensions"] = {"oauth2client/typo": {"client_id": "a", "client_secret": "${env:CLIENT_SECRET}", "token_url": "https://auth.example.com/token"}}
    assert _render(tmp_path, spec).code == 0
