"""Receivers: where data enters.  Network receivers declare their ports."""

from __future__ import annotations

import copy
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from otelgen.components.processors import K8S_NODE_ENV
from otelgen.components.base import host_port, AuthType, CollectorRule, Component, ComponentConfig, Context, Duration, EnvVar, Mount, Needs, Port, RbacRule

Port_ = int


class _Listener(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    enabled: StrictBool = True
    port: int = Field(ge=1, le=65535)
    endpoint: str | None = Field(default=None, min_length=1, description="The collector's own setting, rendered as written (its port wins over port); default: otelgen binds the pod IP on port.")

    def listen_port(self) -> int:
        """The port it listens on: the endpoint's, else ``port``."""
        return _endpoint_port(self.endpoint) or self.port

    def address(self, host: str) -> str:
        return self.endpoint or f"{host}:{self.port}"


def _endpoint_port(endpoint: str | None) -> int | None:
    if not endpoint:
        return None
    _, port = host_port(endpoint if ":" in endpoint else f"x:{endpoint}")
    return port


def _port_name(ctx: Context, short: str) -> str:
    """Container/Service port name: the protocol's short name, plus the instance suffix."""
    _, _, suffix = ctx.instance.partition("/")
    if not suffix:
        return short
    return f"{short}-{suffix}"[:15].rstrip("-").lower()


def server_tls_problem(tls: Any) -> str | None:
    """configtls ServerConfig: a server's TLS settings need a certificate and its key."""
    if not isinstance(tls, dict):
        return None
    if (tls.get("cert_file") or tls.get("cert_pem")) and (tls.get("key_file") or tls.get("key_pem")):
        return None
    return "TLS configuration must include both certificate and key for server connections (otelgen's spec.tls mounts them from a Secret)"


def _server_tls(ctx: Context) -> dict[str, Any]:
    return {"tls": dict(ctx.server_tls)} if ctx.server_tls else {}


# ------------------------------------------------------------------- otlp


class OtlpGrpc(_Listener):
    port: int = Field(default=4317, ge=1, le=65535)
    max_recv_msg_size_mib: int | None = Field(default=None, ge=1)


class OtlpHttp(_Listener):
    port: int = Field(default=4318, ge=1, le=65535)


class OtlpProtocols(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    grpc: OtlpGrpc = Field(default_factory=OtlpGrpc)
    http: OtlpHttp = Field(default_factory=OtlpHttp)


class OtlpReceiverConfig(ComponentConfig):
    protocols: OtlpProtocols = Field(default_factory=OtlpProtocols)

    @model_validator(mode="after")
    def _one_protocol(self) -> "OtlpReceiverConfig":
        if not (self.protocols.grpc.enabled or self.protocols.http.enabled):
            raise CollectorRule("enable at least one of protocols.grpc / protocols.http")
        protocols = self.extra.get("protocols") if isinstance(self.extra.get("protocols"), dict) else {}
        for proto in ("grpc", "http"):
            settings = protocols.get(proto)
            if isinstance(settings, dict) and (why := server_tls_problem(settings.get("tls"))):
                raise CollectorRule(f"protocols.{proto}.tls: {why}")
        return self


class OtlpReceiver(Component):
    kind = "receiver"
    id = "otlp"
    names = (("0.0.0", "otlp"),)
    config_model = OtlpReceiverConfig
    description = "OTLP over gRPC (4317) and HTTP (4318)."

    def build(self) -> dict[str, Any]:
        protocols: dict[str, Any] = {}
        grpc, http = self.config.protocols.grpc, self.config.protocols.http
        if grpc.enabled:
            protocols["grpc"] = {"endpoint": grpc.address(self.ctx.bind_host), **_server_tls(self.ctx)}
            if grpc.max_recv_msg_size_mib:
                protocols["grpc"]["max_recv_msg_size_mib"] = grpc.max_recv_msg_size_mib
        if http.enabled:
            protocols["http"] = {"endpoint": http.address(self.ctx.bind_host), **_server_tls(self.ctx)}
        return {"protocols": protocols}

    def needs(self) -> Needs:
        grpc, http = self.config.protocols.grpc, self.config.protocols.http
        ports = []
        if grpc.enabled:
            ports.append(Port(_port_name(self.ctx, "otlp-grpc"), grpc.listen_port(), "TCP", "grpc"))
        if http.enabled:
            ports.append(Port(_port_name(self.ctx, "otlp-http"), http.listen_port(), "TCP", "http"))
        return Needs(ports=ports)


# ------------------------------------------------------------------- jaeger


class JaegerGrpc(_Listener):
    port: int = Field(default=14250, ge=1, le=65535)


class JaegerThriftHttp(_Listener):
    port: int = Field(default=14268, ge=1, le=65535)


class JaegerThriftCompact(_Listener):
    port: int = Field(default=6831, ge=1, le=65535)


class JaegerThriftBinary(_Listener):
    port: int = Field(default=6832, ge=1, le=65535)


class JaegerProtocols(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    grpc: JaegerGrpc | None = Field(default_factory=JaegerGrpc)
    thrift_http: JaegerThriftHttp | None = Field(default_factory=JaegerThriftHttp)
    thrift_compact: JaegerThriftCompact | None = Field(default_factory=JaegerThriftCompact)
    thrift_binary: JaegerThriftBinary | None = Field(default_factory=JaegerThriftBinary)


class JaegerReceiverConfig(ComponentConfig):
    protocols: JaegerProtocols = Field(default_factory=JaegerProtocols)

    @model_validator(mode="after")
    def _one_protocol(self) -> "JaegerReceiverConfig":
        # jaegerreceiver Config.Validate
        if not any(getattr(self.protocols, p) is not None and getattr(self.protocols, p).enabled for p in ("grpc", "thrift_http", "thrift_compact", "thrift_binary")):
            raise CollectorRule("the jaeger receiver needs at least one protocol (grpc, thrift_http, thrift_compact, thrift_binary)")
        return self


#: where UDP listeners (the Jaeger agent protocols) bind, except in sidecars (localhost)
UDP_BIND_HOST = "0.0.0.0"
_JAEGER = {
    "grpc": ("jaeger-grpc", "TCP", "grpc"),
    "thrift_http": ("jaeger-thrift", "TCP", "http"),
    "thrift_compact": ("jaeger-compact", "UDP", None),
    "thrift_binary": ("jaeger-binary", "UDP", None),
}


class JaegerReceiver(Component):
    kind = "receiver"
    id = "jaeger"
    names = (("0.0.0", "jaeger"),)
    signals = ("traces",)
    config_model = JaegerReceiverConfig
    description = "Jaeger gRPC, Thrift HTTP and UDP agents (legacy clients)."

    def _enabled(self) -> list[tuple[str, _Listener]]:
        out = []
        for proto in _JAEGER:
            listener = getattr(self.config.protocols, proto)
            if listener is not None and listener.enabled:
                out.append((proto, listener))
        return out

    def build(self) -> dict[str, Any]:
        protocols = {}
        for proto, listener in self._enabled():
            host = UDP_BIND_HOST if _JAEGER[proto][1] == "UDP" and self.ctx.bind_host != "localhost" else self.ctx.bind_host
            entry: dict[str, Any] = {"endpoint": listener.address(host)}
            if proto in ("grpc", "thrift_http"):
                entry.update(_server_tls(self.ctx))
            protocols[proto] = entry
        return {"protocols": protocols}

    def needs(self) -> Needs:
        return Needs(ports=[Port(_port_name(self.ctx, _JAEGER[p][0]), l.listen_port(), _JAEGER[p][1], _JAEGER[p][2]) for p, l in self._enabled()])


# ------------------------------------------------------------------- zipkin


class ZipkinReceiverConfig(ComponentConfig):
    port: int = Field(default=9411, ge=1, le=65535)
    endpoint: str | None = Field(default=None, min_length=1, description="The collector's own setting, rendered as written (its port wins over port).")

    def listen_port(self) -> int:
        return _endpoint_port(self.endpoint) or self.port


class ZipkinReceiver(Component):
    kind = "receiver"
    id = "zipkin"
    names = (("0.0.0", "zipkin"),)
    signals = ("traces",)
    config_model = ZipkinReceiverConfig
    description = "Zipkin v1/v2 JSON and protobuf over HTTP."

    def build(self) -> dict[str, Any]:
        return {"endpoint": self.config.endpoint or f"{self.ctx.bind_host}:{self.config.port}", **_server_tls(self.ctx)}

    def needs(self) -> Needs:
        return Needs(ports=[Port(_port_name(self.ctx, "zipkin"), self.config.listen_port(), "TCP", "http")])


# ------------------------------------------------------------------- prometheus


class PrometheusConfig(BaseModel):
    """The receiver's ``config``: a Prometheus configuration (scrape_configs, global, ...)."""

    model_config = ConfigDict(extra="allow", defer_build=True)
    scrape_configs: list[dict[str, Any]] = Field(default_factory=list, description="Prometheus scrape_configs; a literal '$' must be written '$$'.")


#: Kubernetes service discovery role → the API resources Prometheus lists and watches for it
K8S_SD_ROLES: dict[str, tuple[tuple[str, str], ...]] = {
    "pod": (("", "pods"),),
    "service": (("", "services"),),
    "endpoints": (("", "endpoints"), ("", "services"), ("", "pods")),
    "endpointslice": (("discovery.k8s.io", "endpointslices"), ("", "services"), ("", "pods")),
    "node": (("", "nodes"),),
    "ingress": (("networking.k8s.io", "ingresses"),),
}


#: the job that scrapes the collector's own metrics (one receiver per pod has it: plan.self_scraper)
SELF_SCRAPE_JOB = "otel-collector"
#: env vars a scrape config may name that the pod sets from the downward API (the node-local field selector)
DOWNWARD_ENV = {K8S_NODE_ENV: "spec.nodeName", "MY_POD_NAME": "metadata.name"}  # MY_POD_NAME: a target allocator's collector_id


class PrometheusReceiverConfig(ComponentConfig):
    self_scrape: StrictBool = Field(default=True, description="otelgen: add a job scraping the collector's own telemetry port.")
    scrape_interval: str = Field(default="30s", description="otelgen: interval of the self-scrape job.")
    config: PrometheusConfig | None = Field(default=None, description="The collector's own setting: a Prometheus config (scrape_configs, ...).")
    scrape_configs: list[dict[str, Any]] | None = Field(default=None, description="Deprecated (W104): write config.scrape_configs, as the collector does.")
    target_allocator: dict[str, Any] | None = None
    trim_metric_suffixes: StrictBool | str | None = None
    use_start_time_metric: StrictBool | str | None = None
    start_time_metric_regex: str | None = None
    report_extra_scrape_metrics: StrictBool | str | None = None
    api_server: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _something_to_scrape(self) -> "PrometheusReceiverConfig":
        if not (self.self_scrape or self.jobs() or self.target_allocator or "config" in self.extra):
            raise CollectorRule("no Prometheus scrape_configs or target_allocator set (the collector refuses it): add config.scrape_configs")
        return self

    def deprecations(self) -> list[tuple[tuple[str, ...], str, str]]:
        if self.scrape_configs is None:
            return []
        return [(("scrape_configs",), "scrape_configs at the top of the prometheus receiver is otelgen's old shape", "write it as the collector does: config: {scrape_configs: [...]}")]

    def jobs(self) -> list[dict[str, Any]]:
        return [*(self.config.scrape_configs if self.config else []), *(self.scrape_configs or [])]


class PrometheusReceiver(Component):
    kind = "receiver"
    id = "prometheus"
    names = (("0.0.0", "prometheus"),)
    signals = ("metrics",)
    config_model = PrometheusReceiverConfig
    description = "Prometheus scraping; by default the collector's own metrics."

    def build(self) -> dict[str, Any]:
        c = self.config
        jobs = []
        if c.self_scrape and self.ctx.self_scrape:
            jobs.append({
                "job_name": SELF_SCRAPE_JOB,
                "scrape_interval": c.scrape_interval,
                "static_configs": [{"targets": [f"{self.ctx.pod_host}:{self.ctx.metrics_port}"]}],
            })
        jobs.extend(c.jobs())
        prom = c.config.model_dump(exclude={"scrape_configs"}) if c.config else {}
        out: dict[str, Any] = {}
        if jobs or c.config is not None:
            out["config"] = {**prom, "scrape_configs": jobs}
        for key in ("target_allocator", "trim_metric_suffixes", "use_start_time_metric", "start_time_metric_regex", "report_extra_scrape_metrics", "api_server"):
            if getattr(c, key) is not None:
                out[key] = getattr(c, key)
        return out

    def needs(self) -> Needs:
        """Kubernetes service discovery reads the API: RBAC for its roles (the token and the
        egress to the API server follow from RBAC)."""
        cluster: set[tuple[str, str]] = set()
        own: set[tuple[str, str]] = set()
        for job in self.config.jobs():
            for sd in job.get("kubernetes_sd_configs") or []:
                if not isinstance(sd, dict) or sd.get("api_server") or sd.get("kubeconfig_file"):
                    continue  # another cluster: its own credentials
                namespaces = sd.get("namespaces") if isinstance(sd.get("namespaces"), dict) else {}
                target = own if namespaces.get("own_namespace") and not namespaces.get("names") else cluster
                for pair in K8S_SD_ROLES.get(str(sd.get("role", "")).lower(), ()):
                    target.add(pair)
        rules = []
        for pairs, namespaced in ((cluster, False), (own - cluster, True)):
            for group in sorted({g for g, _ in pairs}):
                rules.append(RbacRule((group,), tuple(sorted(r for g, r in pairs if g == group)), ("get", "list", "watch"), namespaced=namespaced))
        # discovered targets are pods (any port); env vars from the downward API that the jobs name
        text = repr(self.config.jobs()) + repr(self.config.target_allocator)
        env = [EnvVar(var, field_path=path) for var, path in sorted(DOWNWARD_ENV.items()) if f"${{env:{var}}}" in text]
        # a target allocator hands out discovered targets too
        return Needs(rbac=rules, env=env, scrape_pods=bool(cluster or own or self.config.target_allocator))


# ------------------------------------------------------------------- file_log


#: stanza operator types the collector registers at the pinned version (pkg/stanza)
STANZA_OPERATORS = (
    "add", "assign_keys", "container", "copy", "csv_parser", "drop_output", "file_input", "file_output", "filter",
    "flatten", "generate_input", "journald_input", "json_array_parser", "json_parser", "key_value_parser", "move",
    "namedpipe", "noop", "recombine", "regex_parser", "regex_replace", "remove", "retain", "router",
    "scope_name_parser", "severity_parser", "stdin", "stdout", "syslog_input", "syslog_parser", "tcp_input",
    "time_parser", "trace_parser", "udp_input", "unquote", "uri_parser", "windows_eventlog_input",
)


class FileLogReceiverConfig(ComponentConfig):
    include: list[str] = Field(default_factory=lambda: ["/var/log/pods/*/*/*.log"], min_length=1, description="Globs of the files to read (the collector needs at least one).")
    exclude: list[str] = Field(default_factory=list)
    start_at: Literal["beginning", "end"] = "end"
    include_file_path: StrictBool = True
    include_file_name: StrictBool = False
    parse_container_logs: StrictBool = Field(default=True, description="Add the container log parser operator (CRI-O, containerd, docker formats).")
    operators: list[dict[str, Any]] = Field(default_factory=list)
    storage: str | None = Field(default=None, description="file_storage extension that keeps read offsets.")

    collector_rules = ("include",)

    @model_validator(mode="after")
    def _known_operators(self) -> "FileLogReceiverConfig":
        for i, op in enumerate(self.operators):
            kind = op.get("type") if isinstance(op, dict) else None
            if kind not in STANZA_OPERATORS:
                raise CollectorRule(f"operators[{i}]: unsupported operator type {kind!r} (known: {', '.join(STANZA_OPERATORS)})")
        return self

    extension_fields = (("storage",),)


class FileLogReceiver(Component):
    kind = "receiver"
    id = "file_log"
    names = (("0.0.0", "filelog"), ("0.149.0", "file_log"))
    signals = ("logs",)
    config_model = FileLogReceiverConfig
    description = "Tails container log files on the node."

    def build(self) -> dict[str, Any]:
        cfg = self.config.model_dump(exclude={"extra", "parse_container_logs", "operators"}, exclude_none=True)
        if not cfg["exclude"]:
            del cfg["exclude"]
        operators = ([{"type": "container", "id": "container-parser"}] if self.config.parse_container_logs else []) + self.config.operators
        if operators:
            cfg["operators"] = operators
        return cfg

    def needs(self) -> Needs:
        return Needs(mounts=[Mount(name="varlogpods", mount_path="/var/log/pods", read_only=True, host_path="/var/log/pods", host_path_type="Directory")])


# ------------------------------------------------------------------- hostmetrics

_DEFAULT_SCRAPERS = ("cpu", "load", "memory", "disk", "filesystem", "network", "paging", "processes")
#: filesystem scraper settings when none are given: pseudo and container
#: filesystems only produce noise and permission errors
FILESYSTEM_DEFAULTS: dict[str, Any] = {
    "exclude_fs_types": {"fs_types": ["autofs", "binfmt_misc", "bpf", "cgroup2", "configfs", "debugfs", "devpts", "devtmpfs", "fusectl", "hugetlbfs", "mqueue", "nsfs", "overlay", "proc", "procfs", "pstore", "rpc_pipefs", "securityfs", "selinuxfs", "squashfs", "sysfs", "tracefs"], "match_type": "strict"},
    "exclude_mount_points": {"mount_points": ["/dev/*", "/proc/*", "/sys/*", "/run/k3s/containerd/*", "/var/lib/docker/*", "/var/lib/kubelet/*", "/snap/*"], "match_type": "regexp"},
}


class HostMetricsReceiverConfig(ComponentConfig):
    collection_interval: Duration = "30s"
    # the collector refuses an empty scrapers map; a scraper's settings may be null (its defaults)
    scrapers: dict[str, dict[str, Any] | None] = Field(default_factory=lambda: {s: {} for s in _DEFAULT_SCRAPERS}, min_length=1)
    root_path: str = Field(default="/hostfs", description="Where the node's / is mounted (read-only).")

    collector_rules = ("scrapers",)


class HostMetricsReceiver(Component):
    kind = "receiver"
    id = "hostmetrics"
    names = (("0.0.0", "hostmetrics"), ("0.151.0", "host_metrics"))
    signals = ("metrics",)
    config_model = HostMetricsReceiverConfig
    description = "Node CPU, memory, disk, filesystem and network metrics (agent)."

    def build(self) -> dict[str, Any]:
        scrapers = dict(self.config.scrapers)
        if "filesystem" in scrapers and not scrapers["filesystem"]:
            scrapers["filesystem"] = copy.deepcopy(FILESYSTEM_DEFAULTS)
        return {"collection_interval": self.config.collection_interval, "root_path": self.config.root_path, "scrapers": scrapers}

    def needs(self) -> Needs:
        return Needs(mounts=[Mount(name="hostfs", mount_path=self.config.root_path, read_only=True, host_path="/", host_path_type="Directory")])


# ------------------------------------------------------------------- kubelet_stats


class KubeletStatsReceiverConfig(ComponentConfig):
    collection_interval: Duration = "30s"
    auth_type: AuthType = "serviceAccount"
    endpoint: str = "https://${env:K8S_NODE_IP}:10250"
    insecure_skip_verify: StrictBool = Field(default=True, description="Kubelet serving certificates are usually self-signed.")
    metric_groups: list[Literal["node", "pod", "container", "volume"]] = Field(default_factory=lambda: ["node", "pod", "container"])


class KubeletStatsReceiver(Component):
    kind = "receiver"
    id = "kubelet_stats"
    names = (("0.0.0", "kubeletstats"), ("0.152.0", "kubelet_stats"))
    signals = ("metrics",)
    config_model = KubeletStatsReceiverConfig
    description = "Pod, container and node metrics from the kubelet on the same node."

    def needs(self) -> Needs:
        rbac = [RbacRule(("",), ("nodes/stats",), ("get",))] if self.config.auth_type == "serviceAccount" else []
        return Needs(rbac=rbac, env=[EnvVar("K8S_NODE_IP", field_path="status.hostIP")], kubelet=True)


# ------------------------------------------------------------------- k8s_cluster

_CLUSTER_RULES = (
    RbacRule(("",), ("events", "namespaces", "namespaces/status", "nodes", "nodes/spec", "pods", "pods/status", "replicationcontrollers", "replicationcontrollers/status", "resourcequotas", "services"), ("get", "list", "watch")),
    RbacRule(("apps",), ("daemonsets", "deployments", "replicasets", "statefulsets"), ("get", "list", "watch")),
    RbacRule(("batch",), ("jobs", "cronjobs"), ("get", "list", "watch")),
    RbacRule(("autoscaling",), ("horizontalpodautoscalers",), ("get", "list", "watch")),
)


class K8sClusterReceiverConfig(ComponentConfig):
    collection_interval: Duration = "30s"
    auth_type: AuthType = "serviceAccount"
    node_conditions_to_report: list[str] = Field(default_factory=lambda: ["Ready", "MemoryPressure"])
    allocatable_types_to_report: list[str] = Field(default_factory=lambda: ["cpu", "memory"])


class _LeaderElected(Component):
    """Cluster-wide watchers: one writer, via the k8s_leader_elector extension when it is on."""

    def build(self) -> dict[str, Any]:
        cfg = super().build()
        if self.ctx.leader_election:
            cfg["k8s_leader_elector"] = self.ctx.leader_election
        return cfg


class K8sClusterReceiver(_LeaderElected):
    kind = "receiver"
    id = "k8s_cluster"
    names = (("0.0.0", "k8s_cluster"),)
    signals = ("metrics", "logs")
    config_model = K8sClusterReceiverConfig
    description = "Cluster-level metrics from the API server (one writer)."

    def needs(self) -> Needs:
        return Needs(rbac=list(_CLUSTER_RULES), single_writer=True)


# ------------------------------------------------------------------- k8s_objects


class WatchedObject(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    name: str
    mode: Literal["watch", "pull"] = "watch"
    group: str | None = None
    namespaces: list[str] | None = None
    interval: Duration | None = None
    label_selector: str | None = None
    field_selector: str | None = None
    exclude_watch_type: list[Literal["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"]] | None = None
    resource_version: str | None = None


class K8sObjectsReceiverConfig(ComponentConfig):
    auth_type: AuthType = "serviceAccount"
    objects: list[WatchedObject] = Field(default_factory=lambda: [WatchedObject(name="events", mode="watch", group="events.k8s.io")])


class K8sObjectsReceiver(_LeaderElected):
    kind = "receiver"
    id = "k8s_objects"
    names = (("0.0.0", "k8sobjects"), ("0.151.0", "k8s_objects"))
    signals = ("logs",)
    config_model = K8sObjectsReceiverConfig
    description = "Kubernetes objects (events by default) as logs (one writer)."

    def needs(self) -> Needs:
        rules = []
        for obj in self.config.objects:
            verbs = ("get", "list", "watch") if obj.mode == "watch" else ("get", "list")
            rules.append(RbacRule((obj.group or "",), (obj.name,), verbs))
        return Needs(rbac=rules, single_writer=True)


class K8sEventsReceiverConfig(ComponentConfig):
    auth_type: AuthType = "serviceAccount"
    namespaces: list[str] = Field(default_factory=list)


class K8sEventsReceiver(_LeaderElected):
    kind = "receiver"
    id = "k8s_events"
    names = (("0.0.0", "k8s_events"),)
    signals = ("logs",)
    config_model = K8sEventsReceiverConfig
    description = "Kubernetes events as logs (one writer)."

    def build(self) -> dict[str, Any]:
        cfg = super().build()
        if not cfg.get("namespaces"):
            cfg.pop("namespaces", None)
        return cfg

    def needs(self) -> Needs:
        return Needs(rbac=[RbacRule(("",), ("events", "namespaces"), ("get", "list", "watch"))], single_writer=True)


RECEIVERS: tuple[type[Component], ...] = (
    OtlpReceiver, JaegerReceiver, ZipkinReceiver, PrometheusReceiver, FileLogReceiver, HostMetricsReceiver,
    KubeletStatsReceiver, K8sClusterReceiver, K8sObjectsReceiver, K8sEventsReceiver,
)
