"""Hypothesis strategies for otelgen specs, shared by the fuzz and Helm parity tests.

``specs()`` and ``values`` are the fuzz strategies (anything goes, many specs
are invalid on purpose).  ``deployments(mode)`` builds specs that are meant to
be valid, covering the model's features: every modelled component, instance
suffixes, collector versions across the type-name renames, presets, receiver
TLS (Secret or cert-manager, mTLS), NetworkPolicy peers, scaling/HPA/PDB,
resource sizes and explicit quantities, memory tuning, credentials from
Secrets, components otelgen does not model, pod/service/telemetry/image
settings, and null deleting a mode default."""

from __future__ import annotations

import copy
import typing

from hypothesis import strategies as st
from pydantic import BaseModel

from otelgen.spec import model

RECEIVERS = ["otlp", "jaeger", "zipkin", "prometheus", "k8s_cluster", "k8s_objects", "k8s_events", "otlp/extra", "file_log", "hostmetrics", "kubelet_stats"]
PROCESSORS = ["batch", "memory_limiter", "k8s_attributes", "resourcedetection", "tail_sampling", "filter", "transform", "resource", "attributes", "groupbytrace"]
EXPORTERS = ["otlp", "otlp_http", "debug", "file", "loadbalancing", "otlp/backup"]
CONNECTORS = ["spanmetrics", "forward", "routing"]
SIGNALS = ["traces", "metrics", "logs", "traces/sampled", "metrics/red"]

EXPORTER_CONFIG = {
    "otlp": {"endpoint": "gw.obs:4317"},
    "otlp/backup": {"endpoint": "backup.obs:4317", "tls": {"insecure": True}},
    "otlp_http": {"endpoint": "https://otlp.example.com", "encoding": "json"},
    "debug": {},
    "file": {"path": "/data/out.json"},
    "loadbalancing": {"resolver": {"dns": {"hostname": "gw-headless.obs"}}},
}
PROCESSOR_CONFIG = {
    "tail_sampling": {"policies": [{"name": "all", "type": "always_sample"}]},
    "filter": {"traces": {"span": ['attributes["x"] == "y"']}},
    "resource": {"attributes": [{"key": "env", "value": "fuzz", "action": "upsert"}]},
    "attributes": {"actions": [{"key": "a", "action": "delete"}]},
}

scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 70000), st.text(max_size=12), st.floats(allow_nan=False, width=16))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)), max_leaves=8)


@st.composite
def specs(draw) -> dict:
    mode = draw(st.sampled_from(list(model.MODES)))
    receivers = draw(st.lists(st.sampled_from(RECEIVERS), min_size=1, max_size=4, unique=True))
    processors = draw(st.lists(st.sampled_from(PROCESSORS), max_size=4, unique=True))
    exporters = draw(st.lists(st.sampled_from(EXPORTERS), min_size=1, max_size=3, unique=True))
    connectors = draw(st.lists(st.sampled_from(CONNECTORS), max_size=1, unique=True))
    pipelines = {}
    for signal in draw(st.lists(st.sampled_from(SIGNALS), min_size=1, max_size=3, unique=True)):
        pipelines[signal] = {
            "receivers": draw(st.lists(st.sampled_from(receivers + connectors), min_size=1, max_size=3, unique=True)),
            "processors": draw(st.permutations(processors)),
            "exporters": draw(st.lists(st.sampled_from(exporters + connectors), min_size=1, max_size=3, unique=True)),
        }
    spec = {
        "mode": mode,
        "receivers": {r: {} for r in receivers},
        "processors": {p: copy.deepcopy(PROCESSOR_CONFIG.get(p, {})) for p in processors},
        "exporters": {e: copy.deepcopy(EXPORTER_CONFIG[e]) for e in exporters},
        "connectors": {c: ({"table": [{"condition": "true", "pipelines": [next(iter(pipelines))]}]} if c == "routing" else {}) for c in connectors},
        "pipelines": pipelines,
        "presets": {name: {"enabled": draw(st.booleans())} for name in ("kubernetesAttributes", "logsCollection", "hostMetrics", "kubeletMetrics", "clusterMetrics", "kubernetesEvents")},
        "resources": {"size": draw(st.sampled_from(["small", "medium", "large", "none"]))},
        "scaling": {"replicas": draw(st.integers(0, 4)), "autoscaling": {"enabled": draw(st.booleans())}},
        "networkPolicy": {"enabled": draw(st.booleans())},
    }
    if draw(st.booleans()):
        spec["tls"] = draw(st.sampled_from([{"secretName": "gw-tls"}, {"certManager": {"issuerRef": {"name": "ca"}}, "clientCA": {"name": "ca"}}, {}]))
    return {"apiVersion": "otelgen.io/v1alpha1", "kind": "Collector", "metadata": {"name": draw(st.sampled_from(["otel", "a-b", "Bad_Name", "x" * 45])), "namespace": "obs"}, "spec": spec}


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, prefix + (i,))


@st.composite
def mutated(draw, within: tuple = ()) -> dict:
    """An example or generated spec with one to three random edits (below ``within``, e.g. ("spec",))."""
    from conftest import EXAMPLES
    import yaml

    base = draw(st.one_of(specs(), st.sampled_from([yaml.safe_load(p.read_text()) for p in EXAMPLES])))
    doc = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(doc) if len(p) > len(within) and p[: len(within)] == within]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "replace":
            parent[path[-1]] = draw(values)
        elif isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=10))] = draw(values)
    return doc


# ---------------------------------------------------------------- valid deployments

ALL = ("traces", "metrics", "logs")
VERSIONS = ["0.139.0", "0.144.0", "0.145.0", "v0.146.0", "0.149.0", "0.151.0", "0.152.0", "0.153.0", "0.160.0"]
SECRET = {"secretRef": {"name": "creds", "key": "token"}}
interval = st.sampled_from(["10s", "30s", "1m"])

#: name → (config strategy, signals, single writer)
RECEIVER_CHOICES = {
    "otlp": (st.sampled_from([{}, {"protocols": {"http": {"enabled": False}}}, {"protocols": {"grpc": {"max_recv_msg_size_mib": 16}}}, {"extra": {"protocols": {"grpc": {"keepalive": {"server_parameters": {"time": "30s"}}}}}}]), ALL, False),
    "otlp/internal-long-name": (st.just({"protocols": {"grpc": {"port": 4417}, "http": {"port": 4418}}}), ALL, False),
    "jaeger": (st.sampled_from([{}, {"protocols": {"thrift_binary": None, "thrift_http": {"enabled": False, "port": 14268}}}]), ("traces",), False),
    "zipkin": (st.sampled_from([{}, {"port": 9412}]), ("traces",), False),
    "prometheus": (st.sampled_from([{}, {"self_scrape": False, "config": {"scrape_configs": [{"job_name": "app", "static_configs": [{"targets": ["app:9090"]}]}]}}, {"self_scrape": False, "config": {"scrape_configs": [{"job_name": "pods", "kubernetes_sd_configs": [{"role": "pod"}, {"role": "endpointslice", "namespaces": {"own_namespace": True}}]}]}}, {"scrape_interval": "15s"}]), ("metrics",), False),
    "file_log": (st.sampled_from([{}, {"exclude": ["/var/log/pods/kube-system_*/*/*.log"], "parse_container_logs": False, "start_at": "beginning"}, {"operators": [{"type": "json_parser"}]}]), ("logs",), False),
    "hostmetrics": (st.sampled_from([{}, {"scrapers": {"cpu": {}, "filesystem": {}}}, {"scrapers": {"memory": {}}, "root_path": "/host"}]), ("metrics",), False),
    "kubelet_stats": (st.sampled_from([{}, {"auth_type": "tls"}, {"metric_groups": ["node", "volume"]}]), ("metrics",), False),
    "k8s_cluster": (st.sampled_from([{}, {"collection_interval": "1m"}]), ("metrics", "logs"), True),
    "k8s_events": (st.sampled_from([{}, {"namespaces": ["default"]}]), ("logs",), True),
    "k8s_objects/pods": (st.sampled_from([{"objects": [{"name": "pods", "mode": "pull", "interval": "1m"}]}, {"objects": [{"name": "events", "group": "events.k8s.io"}, {"name": "deployments", "group": "apps", "mode": "watch"}]}]), ("logs",), True),
    "myreceiver": (st.just({"endpoint": "0.0.0.0:1234", "nested": {"a": [1, 2]}}), ALL, False),  # not modelled (distribution: custom)
    "statsd": (st.sampled_from([{}, {"endpoint": "0.0.0.0:9125", "transport": "tcp"}]), ("metrics",), False),  # not modelled, its listener known
}
#: spec.declarations for the unmodelled receivers
DECLARATIONS = {
    "myreceiver": st.sampled_from([
        {"ports": [{"name": "myreceiver", "port": 1234}]},
        {"ports": [{"name": "myrecv-udp", "port": 1235, "protocol": "UDP", "service": False}], "rbac": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"], "namespaced": True}], "egress": [{"port": 443}], "volumes": [{"name": "myreceiver-state", "mountPath": "/var/lib/myreceiver", "readOnly": False, "emptyDirMib": 32}]},
        {"rbac": [{"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list", "watch"]}], "volumes": [{"name": "myreceiver-node", "mountPath": "/var/lib/node", "hostPath": "/var/lib/node"}]},
    ]),
}
#: name → (config, order class: first / middle / before_batch / batch, signals)
PROCESSOR_CHOICES = {
    "memory_limiter": (st.sampled_from([{}, {"limit_mib": 400, "spike_limit_mib": 100}, {"check_interval": "1s"}]), "first", ALL),
    "batch": (st.sampled_from([{}, {"timeout": "1s", "send_batch_size": 1024}, {"extra": {"metadata_cardinality_limit": 10}}]), "batch", ALL),
    "batch/large": (st.just({"send_batch_size": 16384, "send_batch_max_size": 32768}), "batch", ALL),
    "k8s_attributes": (st.sampled_from([{}, {"passthrough": True}, {"filter_by_node": True, "metadata": ["k8s.pod.name", "k8s.deployment.name", "k8s.node.uid"]}, {"labels": [{"tag_name": "team", "key": "team", "from": "pod"}], "pod_association": [{"sources": [{"from": "connection"}]}]}]), "before_batch", ALL),
    "resourcedetection": (st.sampled_from([{}, {"detectors": ["k8snode"], "override": True}]), "middle", ALL),
    "resource": (st.just({"attributes": [{"key": "env", "value": "prod", "action": "upsert"}, {"key": "tmp", "action": "delete"}]}), "middle", ALL),
    "attributes/strip": (st.just({"actions": [{"key": "password", "action": "delete"}, {"pattern": "^secret", "action": "hash"}]}), "middle", ALL),
    "filter": (st.just({"error_mode": "silent", "traces": {"span": ['attributes["health"] == true']}}), "before_batch", ALL),
    "transform": (st.just({"log_statements": ['set(body, "x")']}), "middle", ALL),
    "tail_sampling": (st.just({"decision_wait": "5s", "policies": [{"name": "errors", "type": "status_code", "status_code": {"status_codes": ["ERROR"]}}]}), "before_batch", ("traces",)),
    "groupbytrace": (st.just({"wait_duration": "2s"}), "middle", ("traces",)),  # in the image, not modelled
}
EXPORTER_CHOICES = {
    "otlp": st.sampled_from([{"endpoint": "gw.obs.svc:4317", "tls": {"insecure": True}}, {"endpoint": "backend.example.com:443", "compression": "zstd", "balancer_name": "round_robin", "timeout": "5s"}]),
    "otlp/backup": st.just({"endpoint": "backup.example.com:4317", "tls": {"ca_secret": {"name": "backup-ca", "key": "ca.pem"}, "cert_secret": "backup-client", "server_name_override": "backup"}, "retry_on_failure": {"max_elapsed_time": "5m"}, "sending_queue": {"queue_size": 5000}}),
    "otlp/env": st.just({"endpoint": "${env:BACKEND}", "egress_port": 4317, "tls": {"insecure_skip_verify": True}}),
    "otlp_http/vendor": st.sampled_from([
        {"endpoint": "https://otlp.vendor.example.com/v1", "headers": {"x-api-key": SECRET, "authorization": {"secretRef": {"name": "vendor", "key": "auth"}, "prefix": "Bearer "}, "x-team": "obs"}},
        {"endpoint": "http://collector.local:4318", "tls": {"insecure": True}},
        {"endpoint": "https://json-only.example.com", "encoding": "json"},
    ]),
    "otlp_http/auth": st.just({"endpoint": "https://ingest.example.com:8443", "authenticator": "bearertokenauth/backend", "sending_queue": {"storage": "file_storage/queue"}}),
    "debug": st.sampled_from([{}, {"verbosity": "detailed", "sampling_initial": 5}]),
    "file": st.sampled_from([{"path": "/data/out.json"}, {"path": "/var/otel/out.pb", "format": "proto", "rotation": {"max_days": 2}, "size_limit_mib": 128}, {"path": "/data/x.json", "rotation": None}]),
    "loadbalancing": st.sampled_from([{"resolver": {"dns": {"hostname": "gw-headless.obs"}}, "tls": {"insecure": True}}, {"routing_key": "service", "resolver": {"k8s": {"service": "gw.obs", "ports": [4317, 4417]}}, "timeout": "3s"}]),
}
EXTENSION_CHOICES = {
    "pprof": st.sampled_from([{}, {"port": 1888}]),
    "zpages": st.just({}),
    "file_storage/queue": st.sampled_from([{}, {"directory": "/var/lib/otelcol/queue", "host_path": "/var/lib/otel-queue"}, {"size_limit_mib": 256, "create_directory": False}]),
    "bearertokenauth/backend": st.sampled_from([{"token": SECRET}, {"token": {"secretRef": {"name": "t", "key": "k"}, "prefix": "x-"}, "scheme": "Token"}]),
    "k8s_leader_elector/custom": st.just({"lease_name": "my-lease", "lease_duration": "20s"}),
    "health_check": st.sampled_from([{}, {"path": "/healthz"}, {"port": 13134}]),
}
PEERS = st.sampled_from([
    [{"namespaceSelector": {}}],
    [{"namespaceSelector": {"matchLabels": {"team": "a"}}, "podSelector": {"matchLabels": {"app": "x"}}}],
    [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}, {"podSelector": {}}],
    [],
])
QUANTITIES = {"cpu": st.sampled_from(["100m", "250m", "1", "1.5", "2"]), "memory": st.sampled_from(["128Mi", "300Mi", "1Gi", "1.5Gi", "500M", "2G", "1073741824"])}


def _pipelines(draw, mode: str, names: dict) -> dict:
    """Pipelines that only use components supporting their signal, in a valid processor order."""
    out = {}
    signals = draw(st.lists(st.sampled_from(["traces", "metrics", "logs", "traces/sampled", "metrics/extra"]), min_size=1, max_size=4, unique=True))
    for pname in signals:
        signal = pname.split("/")[0]
        recv = [r for r in names["receivers"] if signal in RECEIVER_CHOICES[r][1]]
        if not recv:
            recv = ["otlp"]
            names["receivers"].append("otlp") if "otlp" not in names["receivers"] else None
        procs = [p for p in names["processors"] if signal in PROCESSOR_CHOICES[p][2]]
        chosen = draw(st.lists(st.sampled_from(procs), unique=True, max_size=4)) if procs else []
        order = {"first": 0, "middle": 1, "before_batch": 1, "batch": 2}
        chosen.sort(key=lambda p: order[PROCESSOR_CHOICES[p][1]])
        if sum(1 for p in chosen if PROCESSOR_CHOICES[p][1] == "first") > 1:
            chosen = [p for p in chosen if PROCESSOR_CHOICES[p][1] != "first"]
        out[pname] = {
            "receivers": draw(st.lists(st.sampled_from(recv), min_size=1, max_size=3, unique=True)),
            "processors": chosen,
            "exporters": draw(st.lists(st.sampled_from(names["exporters"]), min_size=1, max_size=3, unique=True)),
        }
    return out


@st.composite
def deployments(draw, mode: str) -> dict:
    """A complete spec meant to be valid (otelgen may still refuse a few; callers filter)."""
    receivers = draw(st.lists(st.sampled_from(sorted(RECEIVER_CHOICES)), min_size=1, max_size=4, unique=True))
    if mode == "sidecar":
        receivers = [r for r in receivers if not RECEIVER_CHOICES[r][2]] or ["otlp"]
    processors = draw(st.lists(st.sampled_from(sorted(PROCESSOR_CHOICES)), max_size=5, unique=True))
    exporters = draw(st.lists(st.sampled_from(sorted(EXPORTER_CHOICES)), min_size=1, max_size=3, unique=True))
    names = {"receivers": receivers, "processors": processors, "exporters": exporters}
    pipelines = _pipelines(draw, mode, names)
    spec: dict = {
        "mode": mode,
        "receivers": {r: draw(RECEIVER_CHOICES[r][0]) for r in names["receivers"]},
        "processors": {p: draw(PROCESSOR_CHOICES[p][0]) for p in processors},
        "exporters": {e: draw(EXPORTER_CHOICES[e]) for e in exporters},
        "extensions": {},
        "connectors": {},
        "pipelines": pipelines,
    }
    custom = {"myreceiver", "statsd"} & set(names["receivers"])
    if custom or draw(st.booleans()):
        spec["distribution"] = "custom" if custom else "otelcol-k8s"
    declared = {r: draw(DECLARATIONS[r]) for r in names["receivers"] if r in DECLARATIONS and draw(st.booleans())}
    if declared:
        spec["declarations"] = {"receivers": declared}
    # extensions the exporters name, plus some of the others
    needed = {"otlp_http/auth": ["bearertokenauth/backend", "file_storage/queue"]}
    wanted = set(draw(st.lists(st.sampled_from(sorted(EXTENSION_CHOICES)), max_size=3, unique=True)))
    for exporter in exporters:
        wanted.update(needed.get(exporter, []))
    spec["extensions"] = {e: draw(EXTENSION_CHOICES[e]) for e in sorted(wanted)}
    # connectors
    connector = draw(st.sampled_from([None, "spanmetrics", "forward", "routing"]))
    if connector == "spanmetrics":
        spec["connectors"]["spanmetrics"] = draw(st.sampled_from([{}, {"dimensions": [{"name": "http.method"}], "namespace": "red"}]))
        spec["pipelines"].setdefault("traces", {"receivers": ["otlp"], "processors": [], "exporters": [exporters[0]]})["exporters"].append("spanmetrics")
        spec["pipelines"]["metrics/red"] = {"receivers": ["spanmetrics"], "exporters": [exporters[0]]}
    elif connector == "forward":
        spec["connectors"]["forward"] = {}
        spec["pipelines"]["logs/in"] = {"receivers": ["otlp"], "exporters": ["forward"]}
        spec["pipelines"]["logs/out"] = {"receivers": ["forward"], "processors": [], "exporters": [exporters[0]]}
    elif connector == "routing":
        spec["connectors"]["routing"] = draw(st.sampled_from([{"table": [{"condition": 'attributes["x"] == "y"', "pipelines": ["metrics/routed"]}]}, {"table": [{"statement": "route()", "pipelines": ["metrics/routed"]}], "default_pipelines": ["metrics/routed"]}]))
        spec["pipelines"]["metrics/in"] = {"receivers": ["otlp"], "exporters": ["routing"]}
        spec["pipelines"]["metrics/routed"] = {"receivers": ["routing"], "exporters": [exporters[0]]}
    used_receivers = {r for p in spec["pipelines"].values() for r in p["receivers"]}
    for r in used_receivers & {"otlp"}:
        spec["receivers"].setdefault(r, {})
    # the mode defaults: receivers.otlp, exporters.otlp, pipelines traces/metrics/logs.  Either keep
    # them (partially overridden, merged) or delete what is not used with null.
    for pname in ("traces", "metrics", "logs"):
        if pname not in spec["pipelines"]:
            if "otlp" in spec["receivers"] and "otlp" in spec["exporters"] and draw(st.booleans()):
                continue  # the default pipeline stays and uses them
            spec["pipelines"][pname] = None
    if "otlp" not in spec["exporters"]:
        spec["exporters"]["otlp"] = None
    elif draw(st.booleans()) and "endpoint" in spec["exporters"]["otlp"]:
        spec["exporters"]["otlp"] = {"sending_queue": {"queue_size": 2000}}  # endpoint from the mode default
    if "otlp" not in spec["receivers"]:
        spec["receivers"]["otlp"] = None
    spec.update(_settings(draw, mode, spec))
    name = draw(st.sampled_from(["otel", "gw-a", "collector-" + "x" * 30]))
    return {"apiVersion": "otelgen.io/v1alpha1", "kind": "Collector", "metadata": {"name": name, "namespace": draw(st.sampled_from(["obs", "observability-long-namespace"]))}, "spec": spec}


def literals(owner: type[BaseModel], field: str) -> st.SearchStrategy:
    """Every value a Literal field of the model allows (so new values are covered automatically)."""
    annotation = owner.model_fields[field].annotation
    options = [a for a in typing.get_args(annotation) if a is not type(None)]
    while len(options) == 1 and typing.get_args(options[0]):
        options = [a for a in typing.get_args(options[0]) if a is not type(None)]
    assert options, f"{owner.__name__}.{field} is not a Literal"
    return st.sampled_from(options)


def _requests_within_limits(resources: dict, mode: str) -> None:
    """Keep generated requests at or below the limits (otherwise E059, which has its own tests)."""
    from otelgen import sizing
    from otelgen.spec.quantity import parse

    resolved = sizing.resolve(model.Resources.model_validate(resources), mode)
    for key, value in resolved.requests.items():
        limit = resolved.limits.get(key)
        if limit is not None and parse(value) > parse(limit):
            field = {"ephemeral-storage": "ephemeralStorage"}.get(key, key)
            resources.setdefault("requests", {})[field] = limit


_SECURE_EXTRA = {"resources": {"requests": {"cpu": "5m", "memory": "16Mi"}, "limits": {"cpu": "20m", "memory": "32Mi"}}}
#: spec.pod fields of the collector container (any mode)
CONTAINER_FIELDS = [
    {"env": [{"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}, {"name": "MEM", "valueFrom": {"resourceFieldRef": {"resource": "limits.memory", "divisor": "1Mi"}}}, {"name": "CLUSTER", "valueFrom": {"configMapKeyRef": {"name": "info", "key": "cluster", "optional": True}}}, {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "s", "key": "t"}}}],
     "envFrom": [{"configMapRef": {"name": "settings"}}, {"secretRef": {"name": "creds"}, "prefix": "X_"}]},
    {"args": ["--set=service.telemetry.logs.encoding=json"], "featureGates": ["+k8sattr.labelsAnnotationsSingular.allow"], "lifecycle": {"preStop": {"sleep": {"seconds": 5}}}},
    {"startupProbe": {"failureThreshold": 60}, "livenessProbe": {"periodSeconds": 20, "timeoutSeconds": 5, "initialDelaySeconds": 3}, "readinessProbe": {"successThreshold": 1}, "lifecycle": {"preStop": {"exec": {"command": ["sleep", "5"]}}}},
    {"containerSecurityContext": {"readOnlyRootFilesystem": False, "capabilities": {"add": ["NET_BIND_SERVICE"]}}},
    {"containerSecurityContext": {"runAsUser": 0, "runAsNonRoot": False, "seccompProfile": {"type": "Unconfined"}}},
]
#: spec.pod fields of the pod (agent, gateway)
POD_FIELDS = [
    {"volumes": [{"name": "ca", "configMap": {"name": "ca-bundle", "items": [{"key": "ca.crt", "path": "ca.crt"}]}}, {"name": "host-etc", "hostPath": {"path": "/etc", "type": "Directory"}}, {"name": "scratch", "emptyDir": {"sizeLimit": "64Mi"}}, {"name": "creds", "secret": {"secretName": "creds", "defaultMode": 256}}],
     "volumeMounts": [{"name": "ca", "mountPath": "/etc/ssl/extra"}, {"name": "host-etc", "mountPath": "/host/etc"}, {"name": "scratch", "mountPath": "/scratch"}],
     "initContainers": [{"name": "init", "image": "busybox:1.36.1", "command": ["true"], "volumeMounts": [{"name": "host-etc", "mountPath": "/host/etc"}], **_SECURE_EXTRA}],
     "containers": [{"name": "helper", "image": "busybox@sha256:" + "b" * 64, "args": ["sleep", "infinity"], "securityContext": {"readOnlyRootFilesystem": False}, "env": [{"name": "A", "value": "b"}], **_SECURE_EXTRA}]},
    {"volumes": [{"name": "pvc", "persistentVolumeClaim": {"claimName": "data"}}, {"name": "token", "projected": {"sources": [{"serviceAccountToken": {"path": "token", "audience": "vendor", "expirationSeconds": 3600}}]}}],
     "volumeMounts": [{"name": "pvc", "mountPath": "/srv/data", "subPath": "otel"}, {"name": "token", "mountPath": "/var/run/vendor", "readOnly": True}],
     "imagePullSecrets": [{"name": "registry"}], "dnsPolicy": "Default", "securityContext": {"fsGroupChangePolicy": "OnRootMismatch", "supplementalGroups": [3000]}},
    {"affinity": {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 10, "preference": {"matchExpressions": [{"key": "pool", "operator": "In", "values": ["obs"]}]}}]}, "podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [{"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchExpressions": [{"key": "app", "operator": "Exists"}]}}]}},
     "topologySpreadConstraints": [{"maxSkew": 2, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "DoNotSchedule", "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "opentelemetry-collector"}}, "minDomains": 2}]},
    {"topologySpreadConstraints": [], "affinity": {"podAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 50, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname", "namespaces": ["apps"]}}]}}},
    {"serviceAccountName": "existing-sa", "securityContext": {"runAsUser": 0, "runAsNonRoot": False}},
]
AGENT_POD_FIELDS = [{"hostNetwork": True}, {"hostNetwork": True, "dnsPolicy": "ClusterFirst"}]
HPA_EXTRAS = [
    {"metrics": [{"type": "Pods", "pods": {"metric": {"name": "otelcol_exporter_queue_size"}, "target": {"type": "AverageValue", "averageValue": "100"}}}], "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300, "policies": [{"type": "Percent", "value": 10, "periodSeconds": 60}]}}},
    {"metrics": [{"type": "External", "external": {"metric": {"name": "queue_depth", "selector": {"matchLabels": {"queue": "otel"}}}, "target": {"type": "Value", "value": "1k"}}}], "targetCPUUtilizationPercentage": None, "behavior": {"scaleUp": {"selectPolicy": "Max", "policies": [{"type": "Pods", "value": 2, "periodSeconds": 30}]}}},
]
def _serving(spec: dict, protocol: str) -> list[str]:
    """otlp receivers a pipeline uses with ``protocol`` enabled (what an Ingress/route may expose)."""
    used = {r for p in spec["pipelines"].values() if p for r in p["receivers"]}
    out = []
    for name, cfg in sorted(spec["receivers"].items()):
        if name.split("/")[0] != "otlp" or cfg is None or name not in used:
            continue
        if ((cfg.get("protocols") or {}).get(protocol) or {}).get("enabled", True):
            out.append(name)
    return out


def _exposure(draw, spec: dict) -> dict:
    """ingress / httpRoute / grpcRoute that can work for this spec (the errors have their own tests)."""
    out: dict = {}
    for field, protocol in (("ingress", None), ("httpRoute", "http"), ("grpcRoute", "grpc")):
        if not draw(st.booleans()):
            continue
        proto = protocol or draw(literals(model.IngressSettings, "protocol"))
        serving = _serving(spec, proto)
        if not serving:
            out[field] = {"enabled": False}
            continue
        settings: dict = {"enabled": True}
        if len(serving) > 1 or draw(st.booleans()):
            settings["receiver"] = draw(st.sampled_from(serving))
        if draw(st.booleans()):
            settings["annotations"] = {"example.com/team": "obs"}
        if field == "ingress":
            settings["protocol"] = proto
            settings.update(draw(st.sampled_from([{}, {"ingressClassName": "nginx", "hosts": ["otlp.example.com", "*.otlp.example.com"]}, {"paths": ["/otlp"], "pathType": "ImplementationSpecific"}])))
            if settings.get("hosts") and draw(st.booleans()):
                settings["tls"] = draw(st.sampled_from([{"secretName": "otlp-tls"}, {"certManager": {"issuerRef": {"name": "le"}, "dnsNames": ["otlp.example.org"]}}]))
        else:
            settings["parentRefs"] = draw(st.sampled_from([[{"name": "public"}], [{"name": "public", "namespace": "gateway-system", "sectionName": "https", "port": 443}, {"name": "internal"}]]))
            settings.update(draw(st.sampled_from([{}, {"hostnames": ["otlp.example.com"]}])))
        out[field] = settings
    return out


def _settings(draw, mode: str, spec: dict) -> dict:
    """Everything outside the components."""
    out: dict = {}
    # presets feed the pipeline named exactly like their signal (set here, or kept from the defaults)
    signals = {p for p in ("traces", "metrics", "logs") if spec["pipelines"].get(p, {}) is not None}
    presets: dict = {}
    if mode != "sidecar" and draw(st.booleans()):
        presets["kubernetesAttributes"] = {"enabled": True, "extractLabels": draw(st.sampled_from([[], ["app"], ["app.kubernetes.io/name", "team"]]))}
    elif mode != "sidecar":
        presets["kubernetesAttributes"] = {"enabled": False}
    if mode == "agent":
        if "logs" in signals and draw(st.booleans()):
            presets["logsCollection"] = {"enabled": True, "includeCollectorLogs": draw(st.booleans()), "startAt": draw(literals(model.LogsCollectionPreset, "start_at")), **draw(st.sampled_from([{}, {"checkpointHostPath": "/var/lib/otelcol-ckpt"}]))}
        for preset in ("hostMetrics", "kubeletMetrics"):
            if "metrics" in signals and draw(st.booleans()):
                presets[preset] = {"enabled": True, "collectionInterval": draw(interval)}
        if "metrics" in signals and draw(st.booleans()):
            own = draw(st.sampled_from([[], [{"job_name": "own", "static_configs": [{"targets": ["10.0.0.9:9100"]}]}], [{"job_name": "svc", "kubernetes_sd_configs": [{"role": "service", "namespaces": {"own_namespace": True}}]}]]))
            presets["prometheusScraping"] = {"enabled": True, "strategy": "node-local", "annotationDiscovery": not own or draw(st.booleans()), "scrapeInterval": draw(st.sampled_from(["30s", "15s", "1m"])), "scrapeConfigs": own}
    if mode != "sidecar":
        if "metrics" in signals and draw(st.booleans()):
            presets["clusterMetrics"] = {"enabled": True, "collectionInterval": draw(interval)}
        if "logs" in signals and draw(st.booleans()):
            presets["kubernetesEvents"] = {"enabled": True}
    # the target-allocator strategy (gateways; the node-local one is for agents)
    if mode == "gateway" and "metrics" in signals and draw(st.booleans()):
        presets["prometheusScraping"] = {
            "enabled": True, "strategy": "target-allocator", "scrapeInterval": draw(st.sampled_from(["30s", "10s"])),
            **draw(st.sampled_from([{}, {"annotationDiscovery": False, "scrapeConfigs": [{"job_name": "svc", "kubernetes_sd_configs": [{"role": "service"}], "relabel_configs": [{"source_labels": ["__address__"], "regex": "(.+)", "replacement": "$${1}", "target_label": "addr"}]}]}])),
            "targetAllocator": draw(st.sampled_from([{}, {"replicas": 2, "serviceMonitors": True}, {"podMonitors": True, "allocationStrategy": "least-weighted", "image": {"tag": "0.140.0"}, "resources": {"limits": {"memory": "512Mi"}}}])),
        }
    if presets:
        out["presets"] = presets
    if draw(st.booleans()):
        out["collectorVersion"] = draw(st.sampled_from(VERSIONS))
    if draw(st.booleans()):
        out["image"] = draw(st.sampled_from([{"tag": "0.145.1"}, {"repository": "registry.example.com/otelcol", "digest": "sha256:" + "a" * 64}]))
        out["image"]["pullPolicy"] = draw(literals(model.Image, "pull_policy"))
    size = draw(literals(model.Resources, "size"))
    resources = draw(st.sampled_from([{}, {"size": size}, {"size": "none", "limits": {"memory": "1Gi"}}, {"size": "none", "allowNoMemoryLimit": True}]))
    for part in ("requests", "limits"):
        for key, strategy in QUANTITIES.items():
            if draw(st.integers(0, 4)) == 0:
                resources.setdefault(part, {})[key] = draw(strategy)
    if draw(st.booleans()):
        resources.setdefault("limits", {})["ephemeralStorage"] = "2Gi"
    if resources.get("size") == "none" and not resources.get("allowNoMemoryLimit") and "memory" not in resources.get("limits", {}):
        resources.setdefault("limits", {})["memory"] = "512Mi"  # otelgen refuses a pod without a memory limit
    _requests_within_limits(resources, mode)
    if resources:
        out["resources"] = resources
    if draw(st.booleans()):
        out["memory"] = draw(st.sampled_from([{"limitPercentage": 70, "spikeLimitPercentage": 15}, {"gomemlimitPercentage": 90}]))
    if draw(st.booleans()):
        out["pipelineDefaults"] = draw(st.sampled_from([{"memoryLimiter": False}, {"batch": False}, {"memoryLimiter": False, "batch": False}]))
    if mode != "sidecar" and draw(st.booleans()):
        out["tls"] = draw(st.sampled_from([
            {"secretName": "gw-tls"},
            {"secretName": "gw-tls", "clientCA": {"name": "client-ca"}},
            {"certManager": {"issuerRef": {"name": "ca", "kind": draw(literals(model.IssuerRef, "kind"))}}},
            {"certManager": {"issuerRef": {"name": "ca", "kind": "Issuer"}, "dnsNames": ["otel.example.com"], "duration": "720h"}, "clientCA": {"name": "ca", "key": "bundle.pem"}},
        ]))
    if mode != "sidecar":
        np: dict = {"enabled": draw(st.booleans())}
        if np["enabled"] and draw(st.booleans()):
            np["ingressFrom"] = draw(PEERS)
            np["metricsFrom"] = draw(PEERS)
            defined = sorted(name for name, cfg in spec["exporters"].items() if cfg is not None)  # a null deletes it: exporterTo may not name it (E010)
            np["exporterTo"] = {e: draw(PEERS) for e in draw(st.lists(st.sampled_from(defined), max_size=2, unique=True))} if defined else {}
            np["apiServer"] = draw(st.sampled_from([{}, {"cidrs": ["10.0.0.1/32"], "ports": [443]}]))
            np["kubeletCidrs"] = draw(st.sampled_from([[], ["192.168.0.0/16"]]))
            np["egress"] = draw(st.sampled_from([[], [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"port": 9200}, {"port": 514, "protocol": "UDP"}]}]]))
            np["dns"] = draw(st.sampled_from([{}, {"namespace": "dns", "podLabels": {"app": "coredns"}}]))
        out["networkPolicy"] = np
    if mode in ("gateway", "statefulset"):
        auto = draw(st.sampled_from([{"enabled": False}, {"enabled": True}, {"enabled": True, "minReplicas": 3, "maxReplicas": 9, "targetCPUUtilizationPercentage": None, "targetMemoryUtilizationPercentage": 80}, {"enabled": True, "targetMemoryUtilizationPercentage": 75}]))
        if auto["enabled"] and draw(st.booleans()):
            auto = {**auto, **draw(st.sampled_from(HPA_EXTRAS))}
        out["scaling"] = {"replicas": draw(st.integers(1, 4)), "autoscaling": auto, "podDisruptionBudget": draw(st.sampled_from([{}, {"enabled": False}, {"maxUnavailable": 2}, {"maxUnavailable": "25%"}, {"minAvailable": 1}, {"minAvailable": "50%"}, {"maxUnavailable": 0}])), "topologySpread": draw(st.booleans())}
    if mode == "statefulset" or draw(st.booleans()):  # the statefulset's defaults turn it on
        pq: dict = {"enabled": draw(st.booleans()), "size": draw(st.sampled_from(["256Mi", "512Mi"] + (["2Gi", "1.5Gi"] if mode == "statefulset" else [])))}
        pq["directory"] = "/var/lib/otelcol/pq"  # file_storage/queue may take the default /var/lib/otelcol/queue (E061)
        if mode == "statefulset" and draw(st.booleans()):
            pq["storageClassName"] = "fast-ssd"
        if mode == "agent" and draw(st.booleans()):
            pq["hostPath"] = "/var/lib/otelcol/node-queue"
        out["persistentQueue"] = pq
    if mode != "sidecar":
        out.update(_exposure(draw, spec))
        if out.get("networkPolicy", {}).get("enabled") and draw(st.booleans()):
            out["networkPolicy"]["exposureFrom"] = draw(PEERS)
    if mode != "sidecar" and draw(st.booleans()):
        out["serviceMonitor"] = draw(st.sampled_from([{"enabled": True}, {"enabled": True, "interval": "10s", "labels": {"release": "prometheus"}}, {"enabled": False}]))
        prometheus = spec["receivers"].get("prometheus")
        if out["serviceMonitor"]["enabled"] and isinstance(prometheus, dict) and prometheus.get("self_scrape") is not False:
            # one scraper of the collector's own metrics (E072): the ServiceMonitor, so the receiver scrapes something else
            prometheus.update({"self_scrape": False, "config": {"scrape_configs": [{"job_name": "app", "static_configs": [{"targets": ["app:9090"]}]}]}})
    if mode == "sidecar" and draw(st.booleans()):
        out["podMonitor"] = draw(st.sampled_from([{"enabled": True}, {"enabled": True, "interval": "15s", "labels": {"release": "prometheus"}}, {"enabled": False}]))
    if draw(st.booleans()):
        out["alerts"] = draw(st.sampled_from([
            {"enabled": True},
            {"enabled": False, "labels": {"release": "prometheus"}},
            {"enabled": True, "labels": {"release": "prometheus"}, "alertLabels": {"team": "obs", "severity": "page"}, "runbookBaseUrl": "https://runbooks.example/otel.md",
             "rules": {"OtelcolExporterQueueNearFull": {"threshold": 0.65, "for": "20m", "severity": "critical"}, "OtelcolMemoryNearLimit": {"threshold": 87.5},
                       "OtelcolDown": {"enabled": False}, "OtelcolPodRestarting": {"threshold": 5}, "OtelcolReceiverRefusing": {"threshold": 1234567.5}}},
            {"enabled": True, "selector": {"job": "otel-self", "cluster": "eu-1"}, "rules": {"OtelcolMemoryNearLimit": {"threshold": 33.3}, "OtelcolExporterSendFailing": {"threshold": 0.00005}}},
        ]))
    if draw(st.booleans()):
        out["service"] = {"type": draw(literals(model.ServiceSettings, "type")), "internalTrafficPolicy": draw(literals(model.ServiceSettings, "internal_traffic_policy")), "hostPorts": draw(st.booleans()), **draw(st.sampled_from([{}, {"annotations": {"service.beta.kubernetes.io/aws-load-balancer-internal": "true"}}]))}
    if draw(st.booleans()):
        out["telemetry"] = {"logLevel": draw(literals(model.Telemetry, "log_level")), **draw(st.sampled_from([{}, {"metricsPort": 8889}]))}
    if draw(st.booleans()):
        out["sidecar"] = {"native": draw(st.booleans()), "containerName": draw(st.sampled_from(["otc-container", "collector"]))}
    if draw(st.booleans()):
        out["pod"] = draw(st.sampled_from([
            {"annotations": {"team": "obs"}, "labels": {"tier": "telemetry"}, "nodeSelector": {"kubernetes.io/os": "linux", "a": "b"}},
            {"tolerations": [{"operator": "Exists"}, {"key": "dedicated", "operator": "Equal", "value": "obs", "effect": draw(literals(model.Toleration, "effect")), "tolerationSeconds": 60}], "priorityClassName": "system-node-critical"},
            {"env": [{"name": "BACKEND", "value": "b:4317"}, {"name": "TOKEN", "secretRef": {"name": "s", "key": "t"}}, {"name": "GOMEMLIMIT", "value": "100MiB"}], "runAsUser": 2000, "terminationGracePeriodSeconds": 60},
        ]))
    if draw(st.booleans()):  # spec.pod escape hatches: the collector container's (every mode), the pod's (agent, gateway)
        pod = out.setdefault("pod", {})
        pod.update(draw(st.sampled_from(CONTAINER_FIELDS)))
        if mode != "sidecar":
            pod.update(draw(st.sampled_from(POD_FIELDS + (AGENT_POD_FIELDS if mode == "agent" else []))))
            if "serviceAccountName" not in pod and draw(st.booleans()):
                out["serviceAccount"] = {"annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/otel"}}
            if draw(st.booleans()):
                out["rbac"] = {"rules": draw(st.sampled_from([[{"apiGroups": [""], "resources": ["namespaces"], "verbs": ["get", "list", "watch"]}], [{"apiGroups": ["apps"], "resources": ["replicasets", "deployments"], "verbs": ["get"]}, {"apiGroups": [""], "resources": ["nodes"], "verbs": ["list"]}]]))}
    if draw(st.booleans()):  # SDK-side settings: they change no collector object (instrument, size, Instrumentation use them)
        out["apps"] = draw(st.sampled_from([
            {"protocol": "http/protobuf", "batch": {"interval": "5m", "maxQueue": 2048, "maxBatch": 512}, "expectedRate": "50k/s"},
            {"batch": {"interval": "500ms", "exportTimeout": "10s"}, "spanSize": "2KiB", "collectorRate": "3000/min", "propagators": ["tracecontext"], "sampler": {"type": "parentbased_traceidratio", "argument": "0.5"}},
        ]))
    return out
