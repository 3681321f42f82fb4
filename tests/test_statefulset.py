"""mode statefulset, spec.persistentQueue and the one table of what each mode renders
(otelgen.modes; docs/configure.md, "StatefulSet and persistent queue")."""

from __future__ import annotations

import re
import typing

import pytest
import yaml

from conftest import ROOT, by_kind, collector_config, run_cli, write_spec
from otelgen import modes, persistentqueue
from otelgen.spec import model

EXAMPLE = ROOT / "examples" / "statefulset-persistent-queue.yaml"


def render(tmp_path, spec: dict, *args: str):
    doc = {"apiVersion": "otelgen.io/v1alpha1", "kind": "Collector", "metadata": {"name": "otel", "namespace": "obs"}, "spec": spec}
    return run_cli("render", "-f", write_spec(tmp_path, yaml.safe_dump(doc)), *args)


def ok(tmp_path, spec: dict, *args: str):
    result = render(tmp_path, spec, *args)
    assert result.code == 0, result.err
    return result


# ---------------------------------------------------------------- the table


def test_the_table_has_a_row_and_defaults_for_every_mode():
    assert set(typing.get_args(model.Mode)) == set(modes.MODES) == set(model.MODES)
    for mode in modes.MODES:
        assert (ROOT / "generator" / "otelgen" / "data" / f"{mode}.yaml").is_file(), mode


#: where a comparison of the mode with a name would decide object existence again
BUILDERS = ["generator/otelgen/manifests", "generator/otelgen/plan.py", "generator/otelgen/presets.py"]
MODE_BRANCH = re.compile(r"""mode\s*(==|!=|in|not in)\s*[("']""")


def test_builders_ask_the_table_not_the_mode_name():
    found = []
    for where in BUILDERS:
        path = ROOT / where
        for file in sorted(path.glob("*.py")) if path.is_dir() else [path]:
            for n, line in enumerate(file.read_text().splitlines(), 1):
                if MODE_BRANCH.search(line):
                    found.append(f"{file.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not found, "decide it in otelgen.modes instead:\n" + "\n".join(found)


#: the chart's templates read files/otelgen.json's modes; _components.tpl is the component
#: engine's (k8s_attributes' node filter), being turned into declarations separately
CHART_MODE_NAME = re.compile(r'(eq|ne) (\$mode|\.mode|\$plan\.mode|\.ctx\.mode) "')


def test_chart_templates_ask_the_table_not_the_mode_name():
    found = []
    for file in sorted((ROOT / "charts" / "otel-collector" / "templates").glob("*.tpl")):
        if file.name == "_components.tpl":
            continue
        for n, line in enumerate(file.read_text().splitlines(), 1):
            if CHART_MODE_NAME.search(line):
                found.append(f"{file.name}:{n}: {line.strip()}")
    assert not found, "read $data.modes.traits instead:\n" + "\n".join(found)


# ---------------------------------------------------------------- statefulset


def test_statefulset_objects():
    result = run_cli("render", "-f", str(EXAMPLE))
    assert result.code == 0, result.err
    objects = result.objects()
    kinds = sorted(o["kind"] for o in objects)
    assert "Deployment" not in kinds and "DaemonSet" not in kinds
    sts = by_kind(objects, "StatefulSet")
    spec = sts["spec"]
    services = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Service"}
    assert set(services) == {"otel-queue", "otel-queue-headless"}
    assert spec["serviceName"] == "otel-queue-headless" and services["otel-queue-headless"]["spec"]["clusterIP"] == "None"
    assert services["otel-queue"]["spec"]["type"] == "ClusterIP"
    assert "replicas" not in spec, "the HPA owns replicas"
    assert spec["podManagementPolicy"] == "Parallel"
    assert spec["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}
    (claim,) = spec["volumeClaimTemplates"]
    assert claim["metadata"]["name"] == persistentqueue.volume()
    assert claim["spec"] == {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "4Gi"}}, "storageClassName": "standard"}
    pod = spec["template"]["spec"]
    assert persistentqueue.volume() not in {v["name"] for v in pod["volumes"]}, "the claim is not a pod volume"
    mounts = {m["name"]: m for m in pod["containers"][0]["volumeMounts"]}
    assert mounts[persistentqueue.volume()] == {"name": persistentqueue.volume(), "mountPath": "/var/lib/otelcol/queue", "readOnly": False}
    assert pod["containers"][0]["resources"]["limits"]["ephemeral-storage"] == "1Gi", "a claim does not count against ephemeral storage"
    hpa = by_kind(objects, "HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "otel-queue"}
    assert by_kind(objects, "PodDisruptionBudget")["spec"]["maxUnavailable"] == 1
    assert by_kind(objects, "NetworkPolicy")["spec"]["podSelector"] == sts["spec"]["selector"]
    assert "affinity" in pod and "topologySpreadConstraints" in pod


def test_statefulset_without_persistent_queue_has_no_claims(tmp_path):
    objects = ok(tmp_path, {"mode": "statefulset", "persistentQueue": {"enabled": False}, "scaling": {"replicas": 1}}).objects()
    sts = by_kind(objects, "StatefulSet")
    assert "volumeClaimTemplates" not in sts["spec"] and sts["spec"]["replicas"] == 1
    assert not any(o["kind"] == "PodDisruptionBudget" for o in objects), "one replica: no PDB"
    assert "file_storage/persistent_queue" not in collector_config(objects).get("extensions", {})


def test_operator_statefulset():
    result = run_cli("render", "-f", str(EXAMPLE), "--format", "operator")
    assert result.code == 0, result.err
    cr = by_kind(result.objects(), "OpenTelemetryCollector")
    spec = cr["spec"]
    assert spec["mode"] == "statefulset"
    assert spec["autoscaler"]["minReplicas"] == 3 and "replicas" not in spec
    assert [c["metadata"]["name"] for c in spec["volumeClaimTemplates"]] == [persistentqueue.volume()]
    assert persistentqueue.volume() in {m["name"] for m in spec["volumeMounts"]}
    assert persistentqueue.volume() not in {v["name"] for v in spec.get("volumes", [])}
    assert spec["config"]["exporters"]["otlp_grpc"]["sending_queue"]["storage"] == persistentqueue.EXTENSION


# ---------------------------------------------------------------- persistent queue


def test_queue_budget_and_warnings(tmp_path):
    spec = {"mode": "statefulset", "persistentQueue": {"size": "300Mi"},
            "exporters": {"otlp_http/b": {"endpoint": "https://b.example.com", "sending_queue": {"queue_size": 100}}, "otlp/c": {"endpoint": "c:4317", "sending_queue": {"enabled": False}}, "otlp/d": {"endpoint": "d:4317"}},
            "pipelines": {"traces": {"receivers": ["otlp"], "exporters": ["otlp", "otlp_http/b", "otlp/c", "otlp/d"]}}}
    result = ok(tmp_path, spec)
    cfg = collector_config(result.objects())
    ext = persistentqueue.EXTENSION
    assert cfg["extensions"][ext] == {"directory": "/var/lib/otelcol/queue", "create_directory": True}
    budget = 300 * 2**20 // 2 // 3  # half the volume over otlp, otlp_http/b, otlp/d
    for name in ("otlp_grpc", "otlp_grpc/d"):
        assert cfg["exporters"][name]["sending_queue"] == {"enabled": True, "queue_size": budget, "storage": ext, "sizer": "bytes"}, name
    assert cfg["exporters"]["otlp_http/b"]["sending_queue"] == {"enabled": True, "queue_size": 100, "storage": ext}
    assert "storage" not in cfg["exporters"]["otlp_grpc/c"]["sending_queue"], "a disabled queue stays in memory (off)"
    assert "warning W123 spec.exporters.otlp_http/b.sending_queue: otlp_http/b's queue is bounded in requests, not bytes" in result.err


def test_no_queued_exporter_warns(tmp_path):
    spec = {"mode": "gateway", "persistentQueue": {"enabled": True}, "exporters": {"otlp": {"sending_queue": {"enabled": False}}}}
    result = ok(tmp_path, spec)
    assert "warning W123 spec.persistentQueue: no exporter in a pipeline has a sending queue" in result.err


def test_agent_keeps_the_queue_on_the_node(tmp_path):
    objects = ok(tmp_path, {"mode": "agent", "persistentQueue": {"enabled": True}}).objects()
    pod = by_kind(objects, "DaemonSet")["spec"]["template"]["spec"]
    volume = next(v for v in pod["volumes"] if v["name"] == persistentqueue.volume())
    assert volume == {"name": persistentqueue.volume(), "hostPath": {"path": "/var/lib/otelcol/otel/queue", "type": "DirectoryOrCreate"}}
    assert pod["containers"][0]["resources"]["limits"]["ephemeral-storage"] == "1Gi", "a hostPath does not count against ephemeral storage"
    queue = collector_config(objects)["exporters"]["otlp_grpc"]["sending_queue"]
    assert queue["sizer"] == "bytes" and queue["queue_size"] == 2**30 // 2


def test_gateway_emptydir_fits_the_ephemeral_limit(tmp_path):
    objects = ok(tmp_path, {"mode": "gateway", "persistentQueue": {"enabled": True, "size": "2Gi"}}).objects()
    pod = by_kind(objects, "Deployment")["spec"]["template"]["spec"]
    volume = next(v for v in pod["volumes"] if v["name"] == persistentqueue.volume())
    assert volume["emptyDir"] == {"sizeLimit": "2048Mi"}
    assert pod["containers"][0]["resources"]["limits"]["ephemeral-storage"] == "2176Mi", "derived: the emptyDir + 128Mi for logs"
    # an explicit limit that holds it is kept; one that does not is refused
    kept = ok(tmp_path, {"mode": "gateway", "persistentQueue": {"enabled": True, "size": "512Mi"}, "resources": {"limits": {"ephemeralStorage": "3Gi"}}}).objects()
    assert by_kind(kept, "Deployment")["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["ephemeral-storage"] == "3Gi"
    refused = render(tmp_path, {"mode": "gateway", "persistentQueue": {"enabled": True, "size": "1Gi"}, "resources": {"limits": {"ephemeralStorage": "1Gi"}}})
    assert refused.code == 2 and refused.out == ""
    assert refused.err.startswith("error E064 spec.resources.limits.ephemeralStorage: the pod's emptyDirs may hold 1024Mi"), refused.err
    assert "Traceback" not in refused.err and len(refused.err.strip().splitlines()) == 1


def test_file_storage_emptydir_raises_the_default_limit(tmp_path):
    """The old mismatch: file_storage's 1024Mi emptyDir in a pod limited to 1Gi."""
    spec = {"mode": "gateway", "extensions": {"file_storage/x": {}}, "exporters": {"otlp": {"sending_queue": {"storage": "file_storage/x"}}}}
    objects = ok(tmp_path, spec).objects()
    container = by_kind(objects, "Deployment")["spec"]["template"]["spec"]["containers"][0]
    assert container["resources"]["limits"]["ephemeral-storage"] == "1152Mi"


@pytest.mark.parametrize("spec, message", [
    ({"mode": "gateway", "persistentQueue": {"enabled": True, "storageClassName": "fast"}}, "error E063 spec.persistentQueue.storageClassName: mode gateway keeps the queue in an emptyDir"),
    ({"mode": "agent", "persistentQueue": {"enabled": True, "storageClassName": "fast"}}, "error E063 spec.persistentQueue.storageClassName: mode agent keeps the queue in a directory of its node"),
    ({"mode": "statefulset", "persistentQueue": {"hostPath": "/var/lib/otelcol/q"}}, "error E063 spec.persistentQueue.hostPath: mode statefulset keeps the queue in a PersistentVolumeClaim per pod"),
    ({"mode": "statefulset", "persistentQueue": {"size": "1Ki"}}, "error E063 spec.persistentQueue.size: 1Ki is less than 1Mi"),
    ({"mode": "statefulset", "extensions": {"file_storage/persistent_queue": {}}}, "error E063 spec.extensions.file_storage/persistent_queue"),
    ({"mode": "agent", "persistentQueue": {"enabled": True, "hostPath": "/etc/queue"}}, "error E004 spec.persistentQueue.hostPath"),
    ({"mode": "statefulset", "persistentQueue": {"size": "lots"}}, "error E004 spec.persistentQueue.size"),
    ({"mode": "statefulset", "persistentQueue": {"directory": "/conf"}}, "error E061 spec.extensions.file_storage/persistent_queue"),
])
def test_bad_persistent_queue_is_refused(tmp_path, spec, message):
    result = render(tmp_path, spec)
    assert result.code == 2 and result.out == "", result.err
    assert message in result.err, result.err
    assert "Traceback" not in result.err
