"""spec.pod escape hatches (issue 12): Kubernetes' own pod-spec fields under
spec.pod, serviceAccount.annotations, rbac.rules, PDB minAvailable and HPA
metrics/behavior. What each renders, the secure defaults kept, every check
(errors and warnings by ID), the chart's agreement (same objects, same error
IDs), the Operator's CR, and the real collector accepting the rendered args."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from conftest import EXAMPLES, ROOT, by_kind, container, run_cli, tool, write_spec

EX = ROOT / "examples"
PIPE = {"traces": {"receivers": ["otlp"], "exporters": ["otlp"]}}


def render(tmp_path, spec: dict, *extra: str, name: str = "otel"):
    doc = {"apiVersion": "otelgen.io/v1alpha1", "kind": "Collector", "metadata": {"name": name, "namespace": "obs"}, "spec": spec}
    return run_cli("render", "-f", write_spec(tmp_path, yaml.safe_dump(doc)), *extra)


def objects(tmp_path, spec: dict) -> list[dict]:
    result = render(tmp_path, spec)
    assert result.code == 0, result.err
    return result.objects()


def pod_spec(objs: list[dict]) -> dict:
    return next(o for o in objs if o["kind"] in ("Deployment", "DaemonSet", "StatefulSet"))["spec"]["template"]["spec"]


RESTRICTED = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "privileged": False, "readOnlyRootFilesystem": True, "runAsGroup": 10001, "runAsNonRoot": True, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}}


# ---------------------------------------------------------------- what renders


def test_env_value_from_and_env_from(tmp_path):
    env = [
        {"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
        {"name": "MEM", "valueFrom": {"resourceFieldRef": {"resource": "limits.memory", "divisor": "1Mi"}}},
        {"name": "CLUSTER", "valueFrom": {"configMapKeyRef": {"name": "info", "key": "cluster"}}},
        {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "s", "key": "t"}}},
    ]
    env_from = [{"configMapRef": {"name": "settings"}}, {"secretRef": {"name": "creds", "optional": True}, "prefix": "X_"}]
    c = container(objects(tmp_path, {"mode": "gateway", "pod": {"env": env, "envFrom": env_from}}))
    by_name = {e["name"]: e for e in c["env"]}
    for entry in env:
        assert by_name[entry["name"]] == entry
    assert c["envFrom"] == env_from


def test_volumes_and_mounts_host_path_read_only_by_default(tmp_path):
    pod = {"volumes": [{"name": "host-etc", "hostPath": {"path": "/etc"}}, {"name": "ca", "configMap": {"name": "ca"}}, {"name": "scratch", "emptyDir": {}}],
           "volumeMounts": [{"name": "host-etc", "mountPath": "/host/etc"}, {"name": "ca", "mountPath": "/ca"}, {"name": "scratch", "mountPath": "/scratch"}]}
    result = render(tmp_path, {"mode": "agent", "pod": pod})
    assert result.code == 0 and "W120" not in result.err, result.err
    spec = pod_spec(result.objects())
    mounts = {m["name"]: m for m in spec["containers"][0]["volumeMounts"]}
    assert mounts["host-etc"]["readOnly"] is True  # hostPath: read-only unless said otherwise
    assert "readOnly" not in mounts["ca"] and "readOnly" not in mounts["scratch"]  # others: as written
    assert spec["volumes"][-3:] == pod["volumes"]


def test_writable_host_path_warns_w120(tmp_path):
    pod = {"volumes": [{"name": "host-etc", "hostPath": {"path": "/etc"}}, {"name": "state", "hostPath": {"path": "/var/lib/otelcol/x"}}],
           "volumeMounts": [{"name": "host-etc", "mountPath": "/host/etc", "readOnly": False}, {"name": "state", "mountPath": "/state", "readOnly": False}]}
    result = render(tmp_path, {"mode": "agent", "pod": pod})
    assert result.code == 0
    assert "warning W120 spec.pod.volumeMounts[0]: writable hostPath /etc is outside the allow-list" in result.err
    assert "spec.pod.volumeMounts[1]" not in result.err  # under /var/lib/otelcol: allowed


def test_extra_and_init_containers_get_the_restricted_defaults(tmp_path):
    pod = {"initContainers": [{"name": "init", "image": "busybox:1.36.1", "command": ["true"]}],
           "containers": [{"name": "helper", "image": "busybox:1.36.1", "securityContext": {"runAsUser": 2000, "seLinuxOptions": {"level": "s0:c1"}}}]}
    result = render(tmp_path, {"mode": "gateway", "pod": pod})
    assert result.code == 0 and "W131" not in result.err, result.err
    spec = pod_spec(result.objects())
    assert spec["initContainers"][0]["securityContext"] == RESTRICTED
    helper = spec["containers"][1]
    assert helper["name"] == "helper" and helper["securityContext"] == {**RESTRICTED, "runAsUser": 2000, "seLinuxOptions": {"level": "s0:c1"}}


RELAXING = {
    "privileged": ({"privileged": True, "allowPrivilegeEscalation": True}, "privileged: true"),
    "escalation": ({"allowPrivilegeEscalation": True}, "allowPrivilegeEscalation is not false"),
    "root": ({"runAsUser": 0}, "runAsUser: 0 (root)"),
    "non-root off": ({"runAsNonRoot": False}, "runAsNonRoot: false"),
    "capability": ({"capabilities": {"add": ["SYS_ADMIN"]}}, "adds capabilities SYS_ADMIN"),
    "drop list": ({"capabilities": {"drop": ["NET_RAW"]}}, "does not drop ALL capabilities"),
    "seccomp": ({"seccompProfile": {"type": "Unconfined"}}, "seccompProfile Unconfined"),
    "writable root": ({"readOnlyRootFilesystem": False}, "readOnlyRootFilesystem: false (writable root filesystem)"),
    "proc mount": ({"procMount": "Unmasked"}, "procMount: Unmasked"),
}


@pytest.mark.parametrize("case", sorted(RELAXING))
def test_relaxing_a_container_security_context_warns_w131(tmp_path, case):
    context, why = RELAXING[case]
    for where, pod, path in (
        ("collector", {"containerSecurityContext": context}, "spec.pod.containerSecurityContext"),
        ("extra", {"containers": [{"name": "helper", "image": "busybox:1.36.1", "securityContext": context}]}, "spec.pod.containers[0].securityContext"),
        ("init", {"initContainers": [{"name": "init", "image": "busybox:1.36.1", "securityContext": context}]}, "spec.pod.initContainers[0].securityContext"),
    ):
        result = render(tmp_path, {"mode": "gateway", "pod": pod})
        assert result.code == 0, result.err
        assert f"warning W131 {path}:" in result.err and why in result.err, (where, result.err)
    c = container(render(tmp_path, {"mode": "gateway", "pod": {"containerSecurityContext": context}}).objects())
    for key, value in context.items():
        assert c["securityContext"][key] == value if key != "capabilities" else {**RESTRICTED["capabilities"], **value} == c["securityContext"][key]


def test_within_the_restricted_profile_nothing_warns(tmp_path):
    pod = {"containerSecurityContext": {"capabilities": {"add": ["NET_BIND_SERVICE"]}, "seccompProfile": {"type": "RuntimeDefault"}},
           "securityContext": {"supplementalGroups": [2000], "fsGroupChangePolicy": "OnRootMismatch"}}
    result = render(tmp_path, {"mode": "gateway", "pod": pod})
    assert result.code == 0 and "W131" not in result.err, result.err
    spec = pod_spec(result.objects())
    assert spec["securityContext"]["runAsNonRoot"] is True and spec["securityContext"]["supplementalGroups"] == [2000]
    assert spec["containers"][0]["securityContext"]["capabilities"] == {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]}


def test_pod_security_context_relaxed_warns_w131(tmp_path):
    result = render(tmp_path, {"mode": "gateway", "pod": {"securityContext": {"runAsUser": 0, "runAsNonRoot": False}}})
    assert result.code == 0
    assert "warning W131 spec.pod.securityContext: the pod leaves the restricted Pod Security profile: runAsNonRoot: false" in result.err
    assert "runAsUser: 0 (root)" in result.err


def test_args_feature_gates_probes_lifecycle(tmp_path):
    pod = {"args": ["--set=service.telemetry.logs.encoding=json"], "featureGates": ["+k8sattr.labelsAnnotationsSingular.allow", "+telemetry.newPipelineTelemetry"],
           "startupProbe": {"failureThreshold": 90}, "livenessProbe": {"periodSeconds": 30, "initialDelaySeconds": 5}, "lifecycle": {"preStop": {"sleep": {"seconds": 10}}}}
    c = container(objects(tmp_path, {"mode": "gateway", "pod": pod}))
    assert c["args"] == ["--config=/conf/collector.yaml", "--feature-gates=+k8sattr.labelsAnnotationsSingular.allow,+telemetry.newPipelineTelemetry", "--set=service.telemetry.logs.encoding=json"]
    assert c["startupProbe"]["failureThreshold"] == 90 and c["startupProbe"]["httpGet"]["port"] == "health"  # what it asks stays otelgen's
    assert c["livenessProbe"] == {"tcpSocket": {"port": "health"}, "periodSeconds": 30, "timeoutSeconds": 2, "failureThreshold": 3, "initialDelaySeconds": 5}
    assert c["lifecycle"] == pod["lifecycle"]


def test_config_from_outside_the_spec_warns_w133(tmp_path):
    for arg in ("--set=processors.batch.timeout=2s", "--config=/extra/more.yaml"):
        result = render(tmp_path, {"mode": "gateway", "pod": {"args": [arg]}})
        assert result.code == 0 and f"warning W133 spec.pod.args[0]: {arg.split('=')[0]} changes the collector config outside otelgen" in result.err, result.err
    assert "W133" not in render(tmp_path, {"mode": "gateway", "pod": {"featureGates": ["+telemetry.newPipelineTelemetry"]}}).err


def test_affinity_replaces_per_key_and_topology_spread_can_be_removed(tmp_path):
    node = {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": [{"key": "pool", "operator": "In", "values": ["obs"]}]}]}}
    spec = pod_spec(objects(tmp_path, {"mode": "gateway", "scaling": {"replicas": 3}, "pod": {"affinity": {"nodeAffinity": node}}}))
    assert spec["affinity"]["nodeAffinity"] == node
    assert "preferredDuringSchedulingIgnoredDuringExecution" in spec["affinity"]["podAntiAffinity"]  # derived, kept
    anti = {"requiredDuringSchedulingIgnoredDuringExecution": [{"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": {"a": "b"}}}]}
    spec = pod_spec(objects(tmp_path, {"mode": "gateway", "scaling": {"replicas": 3}, "pod": {"affinity": {"podAntiAffinity": anti}, "topologySpreadConstraints": []}}))
    assert spec["affinity"] == {"podAntiAffinity": anti} and "topologySpreadConstraints" not in spec
    spread = [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "DoNotSchedule", "matchLabelKeys": ["pod-template-hash"]}]
    assert pod_spec(objects(tmp_path, {"mode": "gateway", "scaling": {"replicas": 3}, "pod": {"topologySpreadConstraints": spread}}))["topologySpreadConstraints"] == spread


def test_host_network_agent_warns_w132_and_sets_dns_policy(tmp_path):
    result = render(tmp_path, {"mode": "agent", "pod": {"hostNetwork": True}})
    assert result.code == 0 and "warning W132 spec.pod.hostNetwork:" in result.err
    spec = pod_spec(result.objects())
    assert spec["hostNetwork"] is True and spec["dnsPolicy"] == "ClusterFirstWithHostNet"
    spec = pod_spec(objects(tmp_path, {"mode": "agent", "pod": {"hostNetwork": True, "dnsPolicy": "ClusterFirst"}}))
    assert spec["dnsPolicy"] == "ClusterFirst"  # set: kept
    assert "dnsPolicy" not in pod_spec(objects(tmp_path, {"mode": "agent"}))


def test_service_account_annotations_and_an_existing_one(tmp_path):
    irsa = {"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/otel"}
    objs = objects(tmp_path, {"mode": "gateway", "serviceAccount": {"annotations": irsa}, "pod": {"imagePullSecrets": [{"name": "registry"}]}})
    assert by_kind(objs, "ServiceAccount")["metadata"]["annotations"] == irsa
    assert pod_spec(objs)["imagePullSecrets"] == [{"name": "registry"}]
    objs = objects(tmp_path, {"mode": "gateway", "pod": {"serviceAccountName": "platform-sa"}})
    assert not [o for o in objs if o["kind"] == "ServiceAccount"]  # existing: not rendered
    assert pod_spec(objs)["serviceAccountName"] == "platform-sa"
    assert by_kind(objs, "ClusterRoleBinding")["subjects"] == [{"kind": "ServiceAccount", "name": "platform-sa", "namespace": "obs"}]


def test_extra_cluster_role_rules_and_w121(tmp_path):
    rule = {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["get", "list", "watch"]}
    objs = objects(tmp_path, {"mode": "gateway", "presets": {"kubernetesAttributes": {"enabled": False}}, "rbac": {"rules": [rule]}})
    assert by_kind(objs, "ClusterRole")["rules"] == [rule]
    assert any(v["name"] == "kube-api-access" for v in pod_spec(objs)["volumes"])  # rules: the token is mounted
    for rules, why in (([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["get"]}], "RBAC on every resource"), ([{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}], "RBAC to read Secrets")):
        result = render(tmp_path, {"mode": "gateway", "rbac": {"rules": rules}})
        assert result.code == 0 and f"warning W121 spec.rbac.rules[0]: {why}" in result.err, result.err


def test_pdb_min_available_and_hpa_metrics_behavior(tmp_path):
    metric = {"type": "External", "external": {"metric": {"name": "queue_depth"}, "target": {"type": "Value", "value": "1k"}}}
    behavior = {"scaleDown": {"stabilizationWindowSeconds": 600, "policies": [{"type": "Pods", "value": 1, "periodSeconds": 60}]}}
    objs = objects(tmp_path, {"mode": "gateway", "scaling": {"podDisruptionBudget": {"minAvailable": "50%"}, "autoscaling": {"enabled": True, "metrics": [metric], "behavior": behavior}}})
    pdb = by_kind(objs, "PodDisruptionBudget")["spec"]
    assert pdb["minAvailable"] == "50%" and "maxUnavailable" not in pdb
    hpa = by_kind(objs, "HorizontalPodAutoscaler")["spec"]
    assert hpa["metrics"][-1] == metric and hpa["metrics"][0]["resource"]["name"] == "cpu" and hpa["behavior"] == behavior
    assert by_kind(objects(tmp_path, {"mode": "gateway"}), "PodDisruptionBudget")["spec"]["maxUnavailable"] == 1  # default unchanged
    only_metrics = {"enabled": True, "targetCPUUtilizationPercentage": None, "metrics": [metric]}
    assert by_kind(objects(tmp_path, {"mode": "gateway", "scaling": {"autoscaling": only_metrics}}), "HorizontalPodAutoscaler")["spec"]["metrics"] == [metric]


def test_sidecar_gets_the_container_fields(tmp_path):
    app = "apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  containers: [{name: app, image: 'app:1.0.0'}]\n"
    spec = {"apiVersion": "otelgen.io/v1alpha1", "kind": "Collector", "metadata": {"name": "sc"}, "spec": {"mode": "sidecar", "pod": {"envFrom": [{"configMapRef": {"name": "x"}}], "featureGates": ["-a.b"]}}}
    result = run_cli("inject", "-f", "-", "--spec", write_spec(tmp_path, yaml.safe_dump(spec)), stdin=app)
    assert result.code == 0, result.err
    pod = by_kind(result.objects(), "Pod")["spec"]
    sidecar = next(c for c in pod.get("initContainers", []) + pod["containers"] if c["name"] == "otc-container")
    assert sidecar["envFrom"] == [{"configMapRef": {"name": "x"}}] and "--feature-gates=-a.b" in sidecar["args"]


# ---------------------------------------------------------------- refused


ERRORS = {
    "sidecar pod-level": ({"mode": "sidecar", "pod": {"volumes": [{"name": "a", "emptyDir": {}}]}}, "error E070 spec.pod.volumes: volumes is a pod-level field"),
    "sidecar affinity": ({"mode": "sidecar", "pod": {"affinity": {"nodeAffinity": {}}}}, "error E070 spec.pod.affinity:"),
    "sidecar rbac": ({"mode": "sidecar", "rbac": {"rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}}, "error E070 spec.rbac.rules:"),
    "sidecar service account": ({"mode": "sidecar", "serviceAccount": {"annotations": {"a": "b"}}}, "error E070 spec.serviceAccount.annotations: a sidecar renders no ServiceAccount"),
    "gateway hostNetwork": ({"mode": "gateway", "pod": {"hostNetwork": True}}, "error E070 spec.pod.hostNetwork: hostNetwork is for agents"),
    "annotations on an existing SA": ({"mode": "gateway", "serviceAccount": {"annotations": {"a": "b"}}, "pod": {"serviceAccountName": "x"}}, "error E070 spec.serviceAccount.annotations: otelgen renders no ServiceAccount"),
    "service account name": ({"mode": "gateway", "pod": {"serviceAccountName": "Platform_SA"}}, "error E055 spec.pod.serviceAccountName: 'Platform_SA' is not a DNS-1123 subdomain"),
    "volume named like otelgen's": ({"mode": "gateway", "pod": {"volumes": [{"name": "otelcol-config", "emptyDir": {}}]}}, "error E010 spec.pod.volumes[0].name: volume 'otelcol-config' is listed twice (otelgen's own volume)"),
    "volume twice": ({"mode": "gateway", "pod": {"volumes": [{"name": "a", "emptyDir": {}}, {"name": "a", "emptyDir": {}}]}}, "error E010 spec.pod.volumes[1].name: volume 'a' is listed twice"),
    "mount of no volume": ({"mode": "gateway", "pod": {"volumeMounts": [{"name": "nope", "mountPath": "/x"}]}}, "error E010 spec.pod.volumeMounts[0].name: volumeMount 'nope' names no volume"),
    "mount over the config": ({"mode": "gateway", "pod": {"volumes": [{"name": "a", "emptyDir": {}}], "volumeMounts": [{"name": "a", "mountPath": "/conf/"}]}}, "error E010 spec.pod.volumeMounts[0].mountPath: mountPath /conf is mounted twice"),
    "extra container mount of no volume": ({"mode": "gateway", "pod": {"containers": [{"name": "h", "image": "busybox:1.36.1", "volumeMounts": [{"name": "nope", "mountPath": "/x"}]}]}}, "error E010 spec.pod.containers[0].volumeMounts[0].name: volumeMount 'nope' names no volume"),
    "container named like the collector": ({"mode": "gateway", "pod": {"containers": [{"name": "otc-container", "image": "busybox:1.36.1"}]}}, "error E010 spec.pod.containers[0].name: container 'otc-container' is listed twice"),
    "restartPolicy on a container": ({"mode": "gateway", "pod": {"containers": [{"name": "h", "image": "busybox:1.36.1", "restartPolicy": "Always"}]}}, "error E004 spec.pod.containers[0].restartPolicy: restartPolicy is for initContainers"),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_refused_with_the_id_and_path(tmp_path, case):
    spec, message = ERRORS[case]
    result = render(tmp_path, {**spec, "pipelines": PIPE} if spec["mode"] == "sidecar" else spec)
    assert result.code == 2 and message in result.err, result.err
    assert not result.out.strip()


MODEL_ERRORS = {
    "latest image": ({"containers": [{"name": "h", "image": "busybox:latest"}]}, "spec.pod.containers[0].image", "must be pinned"),
    "untagged image": ({"initContainers": [{"name": "h", "image": "registry:5000/busybox"}]}, "spec.pod.initContainers[0].image", "must be pinned"),
    "env two sources": ({"env": [{"name": "A", "value": "b", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}]}, "spec.pod.env[0]", "set exactly one of value, secretRef or valueFrom"),
    "valueFrom two refs": ({"env": [{"name": "A", "valueFrom": {"fieldRef": {"fieldPath": "x"}, "secretKeyRef": {"name": "s", "key": "k"}}}]}, "spec.pod.env[0].valueFrom", "set exactly one of fieldRef"),
    "envFrom both": ({"envFrom": [{"configMapRef": {"name": "a"}, "secretRef": {"name": "b"}}]}, "spec.pod.envFrom[0]", "set exactly one of configMapRef or secretRef"),
    "volume two sources": ({"volumes": [{"name": "a", "emptyDir": {}, "hostPath": {"path": "/x"}}]}, "spec.pod.volumes[0]", "set exactly one volume source"),
    "volume no source": ({"volumes": [{"name": "a"}]}, "spec.pod.volumes[0]", "set exactly one volume source"),
    "unknown volume source": ({"volumes": [{"name": "a", "nfs": {"server": "x", "path": "/"}}]}, "spec.pod.volumes[0].nfs", "unknown field"),
    "bidirectional propagation": ({"volumeMounts": [{"name": "a", "mountPath": "/a", "mountPropagation": "Bidirectional"}]}, "spec.pod.volumeMounts[0].mountPropagation", ""),
    "probe handler on the collector": ({"livenessProbe": {"httpGet": {"port": 1}}}, "spec.pod.livenessProbe.httpGet", "unknown field"),
    "extra probe two handlers": ({"containers": [{"name": "h", "image": "b:1", "livenessProbe": {"exec": {"command": ["x"]}, "tcpSocket": {"port": 1}}}]}, "spec.pod.containers[0].livenessProbe", "set exactly one of exec, httpGet, tcpSocket or grpc"),
    "lifecycle no handler": ({"lifecycle": {"preStop": {}}}, "spec.pod.lifecycle.preStop", "set exactly one of exec, httpGet or sleep"),
}


@pytest.mark.parametrize("case", sorted(MODEL_ERRORS))
def test_pod_fragments_are_checked_like_the_api(tmp_path, case):
    pod, path, words = MODEL_ERRORS[case]
    result = render(tmp_path, {"mode": "gateway", "pod": pod})
    assert result.code == 2 and ("E004" in result.err or "E003" in result.err), result.err
    assert path in result.err and words in result.err, result.err
    assert "Traceback" not in result.err


def test_scaling_model_errors(tmp_path):
    result = render(tmp_path, {"mode": "gateway", "scaling": {"podDisruptionBudget": {"minAvailable": 1, "maxUnavailable": 1}}})
    assert result.code == 2 and "spec.scaling.podDisruptionBudget: set at most one of maxUnavailable or minAvailable" in result.err, result.err
    result = render(tmp_path, {"mode": "gateway", "scaling": {"podDisruptionBudget": {"minAvailable": "half"}}})
    assert result.code == 2 and "spec.scaling.podDisruptionBudget.minAvailable" in result.err
    bad = {"type": "Pods", "external": {"metric": {"name": "x"}, "target": {"type": "Value", "value": 1}}}
    result = render(tmp_path, {"mode": "gateway", "scaling": {"autoscaling": {"enabled": True, "metrics": [bad]}}})
    assert result.code == 2 and "type Pods needs exactly the pods member" in result.err, result.err


def test_credentials_only_through_secret_references(tmp_path):
    """E015 stays in force in every new place a value can be written."""
    for pod, path in (
        ({"containers": [{"name": "h", "image": "b:1", "env": [{"name": "API_KEY", "value": "abc123"}]}]}, "spec.pod.containers[0].env[0].value"),
        ({"initContainers": [{"name": "h", "image": "b:1", "args": ["--password=hunter2"]}]}, "spec.pod.initContainers[0].args[0]"),
        ({"args": ["--set=exporters.otlp.headers.authorization=Bearer abc"]}, "spec.pod.args[0]"),
    ):
        result = render(tmp_path, {"mode": "gateway", "pod": pod})
        assert result.code == 2 and f"error E015 {path}" in result.err, (pod, result.err)
        assert "abc123" not in result.err and "hunter2" not in result.err
    ok = {"containers": [{"name": "h", "image": "b:1", "env": [{"name": "API_KEY", "valueFrom": {"secretKeyRef": {"name": "vendor", "key": "api-key"}}}]}], "envFrom": [{"secretRef": {"name": "vendor"}}]}
    assert render(tmp_path, {"mode": "gateway", "pod": ok}).code == 0


# ---------------------------------------------------------------- the Operator's CR


def test_operator_cr_carries_the_fields(tmp_path):
    result = run_cli("render", "-f", str(EX / "gateway-platform.yaml"), "--format", "operator")
    assert result.code == 0, result.err
    cr = by_kind(result.objects(), "OpenTelemetryCollector")["spec"]
    doc = yaml.safe_load((EX / "gateway-platform.yaml").read_text())["spec"]
    assert cr["args"] == {"feature-gates": "+k8sattr.labelsAnnotationsSingular.allow", "set": "service.telemetry.logs.encoding=json"}
    assert cr["serviceAccount"] == doc["pod"]["serviceAccountName"] and cr["envFrom"] == doc["pod"]["envFrom"]
    assert cr["podDisruptionBudget"] == {"minAvailable": 2} and cr["autoscaler"]["behavior"] == doc["scaling"]["autoscaling"]["behavior"]
    assert [c["name"] for c in cr["initContainers"]] == ["wait-for-backend"] and [c["name"] for c in cr["additionalContainers"]] == ["ca-watcher"]
    assert cr["topologySpreadConstraints"] == doc["pod"]["topologySpreadConstraints"] and cr["lifecycle"] == doc["pod"]["lifecycle"]
    assert {"name": "corporate-ca", "mountPath": "/etc/ssl/corporate"} in cr["volumeMounts"]


@pytest.mark.parametrize("spec, message", [
    ({"serviceAccount": {"annotations": {"a": "b"}}}, "error E071 spec.serviceAccount.annotations"),
    ({"pod": {"imagePullSecrets": [{"name": "r"}]}}, "error E071 spec.pod.imagePullSecrets"),
    ({"rbac": {"rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]}}, "error E071 spec.rbac.rules"),
    ({"pod": {"args": ["--dry-run"]}}, "error E071 spec.pod.args[0]"),
    ({"scaling": {"autoscaling": {"enabled": True, "metrics": [{"type": "External", "external": {"metric": {"name": "q"}, "target": {"type": "Value", "value": 1}}}]}}}, "error E071 spec.scaling.autoscaling.metrics[0].type"),
])
def test_operator_refuses_what_its_cr_cannot_carry(tmp_path, spec, message):
    result = render(tmp_path, {"mode": "gateway", **spec}, "--format", "operator")
    assert result.code == 2 and message in result.err, result.err
    assert render(tmp_path, {"mode": "gateway", **spec}).code == 0  # plain manifests carry it


# ---------------------------------------------------------------- the real collector


def test_the_real_collector_accepts_the_rendered_args(tmp_path):
    """The example's --feature-gates and --set arguments, as rendered, run `otelcol validate`."""
    result = run_cli("render", "-f", str(EX / "gateway-platform.yaml"))
    assert result.code == 0, result.err
    objs = result.objects()
    c = container(objs)
    config = tmp_path / "collector.yaml"
    cm = by_kind(objs, "ConfigMap")
    config.write_text(cm["data"]["collector.yaml"])
    args = [a.replace("/conf/collector.yaml", str(config)) for a in c["args"]]
    env = {"MY_POD_IP": "127.0.0.1", "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([str(tool("collector")), "validate", *args], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    bad = [a if not a.startswith("--feature-gates=") else "--feature-gates=-no.such.gate" for a in args]
    proc = subprocess.run([str(tool("collector")), "validate", *bad], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode != 0 and "no.such.gate" in proc.stderr  # the judge is real


def test_every_new_field_is_in_an_example():
    """Each spec.pod escape hatch (and the other issue-12 workload fields) appears in examples/."""
    from otelgen.spec.model import PodSettings

    text = "\n".join(p.read_text() for p in list(EXAMPLES) + sorted((EX / "overlays").glob("*.yaml")))
    new = ["envFrom", "volumeMounts", "args", "featureGates", "containerSecurityContext", "livenessProbe", "readinessProbe", "startupProbe", "lifecycle",
           "volumes", "initContainers", "containers", "affinity", "topologySpreadConstraints", "securityContext", "imagePullSecrets", "hostNetwork", "dnsPolicy", "serviceAccountName",
           "valueFrom", "fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef", "configMapRef", "secretRef", "hostPath",
           "serviceAccount:", "rbac:", "minAvailable", "metrics:", "behavior:"]
    assert {f.alias for f in PodSettings.model_fields.values()} >= set(new[:19])
    missing = [f for f in new if f not in text]
    assert not missing, missing


# ---------------------------------------------------------------- the Helm chart agrees


def _helm(tmp_path, spec: dict, release: str = "otel"):
    from helm_parity import helm_template

    values = tmp_path / "values.yaml"
    values.write_text(yaml.safe_dump(spec))
    return helm_template(str(tool("helm")), release, "obs", values, "--api-versions", "monitoring.coreos.com/v1")


@pytest.mark.tools
@pytest.mark.parametrize("case", sorted(ERRORS))
def test_chart_refuses_with_the_same_id_and_path(tmp_path, case):
    spec, message = ERRORS[case]
    proc = _helm(tmp_path, {**spec, "pipelines": PIPE} if spec["mode"] == "sidecar" else spec)
    assert proc.returncode != 0 and not proc.stdout.strip()
    assert message in proc.stderr.replace("\n", " "), proc.stderr


@pytest.mark.tools
@pytest.mark.parametrize("case", sorted(MODEL_ERRORS))
def test_chart_schema_refuses_bad_pod_fragments(tmp_path, case):
    """The values schema (generated from the same models, "exactly one of" rules included)
    refuses them before anything renders; env's rule is the chart's own E004, as otelgen's."""
    pod, path, words = MODEL_ERRORS[case]
    proc = _helm(tmp_path, {"mode": "gateway", "pod": pod})
    assert proc.returncode != 0 and not proc.stdout.strip()
    if case == "env two sources":
        assert f"error E004 {path}: {words}" in proc.stderr, proc.stderr
    else:
        assert "values don't meet the specifications of the schema" in proc.stderr, proc.stderr
        pointer = "/" + path.removeprefix("spec.").replace(".", "/").replace("[", "/").replace("]", "")
        assert f"at '{pointer if words != 'unknown field' else pointer.rsplit('/', 1)[0]}'" in proc.stderr, proc.stderr


@pytest.mark.tools
@pytest.mark.parametrize("pod, path", [
    ({"containers": [{"name": "h", "image": "b:1", "env": [{"name": "API_KEY", "value": "abc123"}]}]}, "spec.pod.containers[0].env[0].value"),
    ({"initContainers": [{"name": "h", "image": "b:1", "args": ["--password=hunter2"]}]}, "spec.pod.initContainers[0].args[0]"),
    ({"args": ["--set=exporters.otlp.headers.authorization=Bearer abc"]}, "spec.pod.args[0]"),
])
def test_chart_refuses_literal_credentials_alike(tmp_path, pod, path):
    proc = _helm(tmp_path, {"mode": "gateway", "pod": pod})
    assert proc.returncode != 0 and f"error E015 {path}" in proc.stderr, proc.stderr
    assert "hunter2" not in proc.stderr and "abc123" not in proc.stderr


@pytest.mark.tools
@pytest.mark.parametrize("base, overlay", [("gateway-default.yaml", "platform.yaml"), ("agent-default.yaml", "agent-host-network.yaml")])
def test_chart_parity_on_the_overlay_examples(tmp_path, base, overlay):
    from test_helm import assert_parity

    doc = yaml.safe_load((EX / base).read_text())
    spec = {**doc["spec"], **yaml.safe_load((EX / "overlays" / overlay).read_text())["spec"]}
    assert_parity(tmp_path, doc["metadata"], spec)


@pytest.mark.tools
@pytest.mark.parametrize("mode", ["agent", "gateway", "sidecar"])
def test_chart_parity_on_every_pod_field(tmp_path, mode):
    """One spec per mode with every field the mode takes (the generated parity tests sample them)."""
    from strategies import AGENT_POD_FIELDS, CONTAINER_FIELDS, HPA_EXTRAS, POD_FIELDS
    from test_helm import assert_parity

    pod: dict = {}
    for sample in CONTAINER_FIELDS[:3]:
        pod.update(sample)
    spec: dict = {"mode": mode, "pod": pod}
    if mode != "sidecar":
        for sample in POD_FIELDS[:3] + (AGENT_POD_FIELDS[:1] if mode == "agent" else []):
            pod.update(sample)
        pod["volumes"] = POD_FIELDS[0]["volumes"] + POD_FIELDS[1]["volumes"]
        pod["volumeMounts"] = POD_FIELDS[0]["volumeMounts"] + POD_FIELDS[1]["volumeMounts"]
        spec["serviceAccount"] = {"annotations": {"iam.gke.io/gcp-service-account": "otel@p.iam.gserviceaccount.com"}}
        spec["rbac"] = {"rules": [{"apiGroups": [""], "resources": ["namespaces"], "verbs": ["get"]}]}
    if mode == "gateway":
        spec["scaling"] = {"replicas": 3, "podDisruptionBudget": {"minAvailable": "50%"}, "autoscaling": {"enabled": True, **HPA_EXTRAS[0]}}
    assert_parity(tmp_path, {"name": "otel", "namespace": "obs"}, spec)
