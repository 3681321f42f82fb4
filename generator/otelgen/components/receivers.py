"""Receivers: where data enters.  Network receivers declare their ports."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from otelgen.components.processors import K8S_NODE_ENV
from otelgen.components.base import AuthType, Component, ComponentConfig, Duration
from otelgen.components.declare import Check, Declaration, Env, Listener, Rule, Step, Volume, When, at_least_one, none_of

Port_ = int


class _Listener(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    enabled: StrictBool = True
    port: int = Field(ge=1, le=65535)
    endpoint: str | None = Field(default=None, min_length=1, description="The collector's own setting, rendered as written (its port wins over port); default: otelgen binds the pod IP on port.")

def server_tls_checks(*listeners: str) -> tuple[Check, ...]:
    """configtls ServerConfig: TLS settings (written under ``extra`` at ``listeners``' paths)
    need a certificate and its key."""
    why = "TLS configuration must include both certificate and key for server connections (otelgen's spec.tls mounts them from a Secret)"
    return tuple(
        at_least_one(f"extra.{at}.tls.{a}", f"extra.{at}.tls.{b}", when=(When(f"extra.{at}.tls", "mapping"),), message=f"{at}.tls: {why}")
        for at in listeners for a, b in (("cert_file", "cert_pem"), ("key_file", "key_pem"))
    )


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

class OtlpReceiver(Component):
    kind = "receiver"
    id = "otlp"
    names = (("0.0.0", "otlp"),)
    role = "otlp_server"
    config_model = OtlpReceiverConfig
    description = "OTLP over gRPC (4317) and HTTP (4318)."
    declaration = Declaration(checks=(
        at_least_one("protocols.grpc.enabled", "protocols.http.enabled", message="enable at least one of protocols.grpc / protocols.http"),
        *server_tls_checks("protocols.grpc", "protocols.http"),
    ), listeners=(
        Listener("otlp-grpc", path="protocols.grpc", app_protocol="grpc", server_tls=True, toggle="enabled"),
        Listener("otlp-http", path="protocols.http", app_protocol="http", server_tls=True, toggle="enabled"),
    ))


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


JAEGER_PROTOCOLS = ("grpc", "thrift_http", "thrift_compact", "thrift_binary")


class JaegerReceiverConfig(ComponentConfig):
    protocols: JaegerProtocols = Field(default_factory=JaegerProtocols)

class JaegerReceiver(Component):
    kind = "receiver"
    id = "jaeger"
    names = (("0.0.0", "jaeger"),)
    signals = ("traces",)
    config_model = JaegerReceiverConfig
    description = "Jaeger gRPC, Thrift HTTP and UDP agents (legacy clients)."
    #: jaegerreceiver Config.Validate
    declaration = Declaration(checks=(
        at_least_one(*(f"protocols.{p}.enabled" for p in JAEGER_PROTOCOLS), message=f"the jaeger receiver needs at least one protocol ({', '.join(JAEGER_PROTOCOLS)})"),
    ), listeners=(
        Listener("jaeger-grpc", path="protocols.grpc", app_protocol="grpc", server_tls=True, toggle="enabled"),
        Listener("jaeger-thrift", path="protocols.thrift_http", app_protocol="http", server_tls=True, toggle="enabled"),
        Listener("jaeger-compact", path="protocols.thrift_compact", protocol="UDP", toggle="enabled"),
        Listener("jaeger-binary", path="protocols.thrift_binary", protocol="UDP", toggle="enabled"),
    ))


# ------------------------------------------------------------------- zipkin


class ZipkinReceiverConfig(ComponentConfig):
    port: int = Field(default=9411, ge=1, le=65535)
    endpoint: str | None = Field(default=None, min_length=1, description="The collector's own setting, rendered as written (its port wins over port).")


class ZipkinReceiver(Component):
    kind = "receiver"
    id = "zipkin"
    names = (("0.0.0", "zipkin"),)
    signals = ("traces",)
    config_model = ZipkinReceiverConfig
    description = "Zipkin v1/v2 JSON and protobuf over HTTP."
    declaration = Declaration(listeners=(Listener("zipkin", app_protocol="http", server_tls=True),))


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
    role = "self_scraper"
    signals = ("metrics",)
    config_model = PrometheusReceiverConfig
    description = "Prometheus scraping; by default the collector's own metrics."
    #: the self-scrape job; scrape_configs at the top (W104) join config.scrape_configs.
    #: Kubernetes service discovery reads the API: RBAC for its roles (the token and the
    #: egress to the API server follow from RBAC); an sd config with api_server or
    #: kubeconfig_file reads another cluster with its own credentials
    declaration = Declaration(
        checks=(at_least_one("self_scrape", "config.scrape_configs", "scrape_configs", "target_allocator", When("extra.config", "present"),
                             message="no Prometheus scrape_configs or target_allocator set (the collector refuses it): add config.scrape_configs"),),
        steps=(
            Step("extend", path="config.scrape_configs", source="scrape_configs"),
            Step("prepend", path="config.scrape_configs", when=(When("self_scrape"), When("@ctx.self_scrape")), value={
                "job_name": SELF_SCRAPE_JOB,
                "scrape_interval": "{{scrape_interval}}",
                "static_configs": [{"targets": ["{{@ctx.pod_host}}:{{@ctx.telemetry_port}}"]}],
            }),
            Step("drop", paths=("self_scrape", "scrape_interval")),
            Step("order", path="config", paths=("...", "scrape_configs")),
            Step("order", paths=("config", "...")),
        ),
        rbac=tuple(
            Rule(each=f"{jobs}[].kubernetes_sd_configs[]", skip=(When("api_server"), When("kubeconfig_file")),
                 lookup_from="role", lookup=K8S_SD_ROLES, verbs=("get", "list", "watch"),
                 namespaced_when=(When("namespaces.own_namespace"), When("namespaces.names", "falsy")))
            for jobs in ("config.scrape_configs", "scrape_configs")
        ),
        #: env vars from the downward API that the settings name (a node-local field selector,
        #: a target allocator's collector_id)
        env=tuple(Env(var, path, when=(When("", "mentions", f"${{env:{var}}}"),)) for var, path in sorted(DOWNWARD_ENV.items())),
        #: what its kubernetes_sd RBAC discovers, or a target allocator hands out, is pods (any port)
        scrape_pods=True,
        scrape_pods_when=(When("target_allocator"),),
    )


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

    extension_fields = (("storage",),)


class FileLogReceiver(Component):
    kind = "receiver"
    id = "file_log"
    names = (("0.0.0", "filelog"), ("0.149.0", "file_log"))
    signals = ("logs",)
    config_model = FileLogReceiverConfig
    description = "Tails container log files on the node."
    declaration = Declaration(
        checks=(Check("member", path="operators", item="type", table=STANZA_OPERATORS, message="operators[{{@index}}]: unsupported operator type '{{@value}}' (known: {{@known}})"),),
        steps=(
            Step("prepend", path="operators", value={"type": "container", "id": "container-parser"}, when=(When("parse_container_logs"),)),
            Step("drop", paths=("parse_container_logs",)),
            Step("drop_empty", paths=("exclude", "operators")),
            Step("order", paths=("...", "operators")),
        ),
        volumes=(Volume(name="varlogpods", mount_path="/var/log/pods", host_path="/var/log/pods", host_path_type="Directory"),),
    )


# ------------------------------------------------------------------- hostmetrics

_DEFAULT_SCRAPERS = ("cpu", "load", "memory", "disk", "filesystem", "network", "paging", "processes")
#: filesystem scraper settings when none are given: pseudo and container
#: filesystems only produce noise and permission errors
FILESYSTEM_DEFAULTS: dict[str, Any] = {
    "exclude_fs_types": {"fs_types": ["autofs", "binfmt_misc", "bpf", "cgroup2", "configfs", "debugfs", "devpts", "devtmpfs", "fusectl", "hugetlbfs", "mqueue", "nsfs", "overlay", "proc", "procfs", "pstore", "rpc_pipefs", "securityfs", "selinuxfs", "squashfs", "sysfs", "tracefs"], "match_type": "strict"},
    "exclude_mount_points": {"mount_points": ["/dev/*", "/proc/*", "/sys/*", "/run/k3s/containerd/*", "/var/lib/docker/*", "/var/lib/kubelet/*", "/snap/*"], "match_type": "regexp"},
}


#: scraperhelper's ControllerConfig.Validate (hostmetrics, kubeletstats): the interval must be positive
POSITIVE_COLLECTION_INTERVAL = none_of(When("collection_interval", "not_positive"), message="collection_interval must be positive")


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
    declaration = Declaration(
        checks=(POSITIVE_COLLECTION_INTERVAL,),
        steps=(Step("fill", path="scrapers.filesystem", value=FILESYSTEM_DEFAULTS), Step("order", paths=("collection_interval", "root_path", "scrapers"))),
        volumes=(Volume(name="hostfs", mount_path="{{root_path}}", host_path="/", host_path_type="Directory"),),
    )


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
    declaration = Declaration(
        checks=(POSITIVE_COLLECTION_INTERVAL,),
        rbac=(Rule(api_groups=("",), resources=("nodes/stats",), verbs=("get",), when=(When("auth_type", "eq", "serviceAccount"),)),),
        env=(Env("K8S_NODE_IP", "status.hostIP"),),
        kubelet=True,
    )


# ------------------------------------------------------------------- k8s_cluster

_WATCH = ("get", "list", "watch")
_CLUSTER_RULES = (
    Rule(api_groups=("",), resources=("events", "namespaces", "namespaces/status", "nodes", "nodes/spec", "pods", "pods/status", "replicationcontrollers", "replicationcontrollers/status", "resourcequotas", "services"), verbs=_WATCH),
    Rule(api_groups=("apps",), resources=("daemonsets", "deployments", "replicasets", "statefulsets"), verbs=_WATCH),
    Rule(api_groups=("batch",), resources=("jobs", "cronjobs"), verbs=_WATCH),
    Rule(api_groups=("autoscaling",), resources=("horizontalpodautoscalers",), verbs=_WATCH),
)
#: cluster-wide watchers: one writer, via the k8s_leader_elector extension when it is on
_LEADER_ELECTED = Step("set", path="k8s_leader_elector", value="{{@ctx.leader_election}}", when=(When("@ctx.leader_election"),))


class K8sClusterReceiverConfig(ComponentConfig):
    collection_interval: Duration = "30s"
    auth_type: AuthType = "serviceAccount"
    node_conditions_to_report: list[str] = Field(default_factory=lambda: ["Ready", "MemoryPressure"])
    allocatable_types_to_report: list[str] = Field(default_factory=lambda: ["cpu", "memory"])


class K8sClusterReceiver(Component):
    kind = "receiver"
    id = "k8s_cluster"
    names = (("0.0.0", "k8s_cluster"),)
    signals = ("metrics", "logs")
    config_model = K8sClusterReceiverConfig
    description = "Cluster-level metrics from the API server (one writer)."
    declaration = Declaration(steps=(_LEADER_ELECTED,), rbac=_CLUSTER_RULES, single_writer=True)


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


class K8sObjectsReceiver(Component):
    kind = "receiver"
    id = "k8s_objects"
    names = (("0.0.0", "k8sobjects"), ("0.151.0", "k8s_objects"))
    signals = ("logs",)
    config_model = K8sObjectsReceiverConfig
    description = "Kubernetes objects (events by default) as logs (one writer)."
    declaration = Declaration(
        steps=(_LEADER_ELECTED,),
        rbac=(Rule(each="objects[]", group_from="group", resource_from="name", verbs_from="mode", verbs_table={"watch": _WATCH, "pull": ("get", "list")}),),
        single_writer=True,
    )


class K8sEventsReceiverConfig(ComponentConfig):
    auth_type: AuthType = "serviceAccount"
    namespaces: list[str] = Field(default_factory=list)


class K8sEventsReceiver(Component):
    kind = "receiver"
    id = "k8s_events"
    names = (("0.0.0", "k8s_events"),)
    signals = ("logs",)
    config_model = K8sEventsReceiverConfig
    description = "Kubernetes events as logs (one writer)."
    declaration = Declaration(
        steps=(Step("drop_empty", paths=("namespaces",)), _LEADER_ELECTED),
        rbac=(Rule(api_groups=("",), resources=("events", "namespaces"), verbs=_WATCH),),
        single_writer=True,
    )


RECEIVERS: tuple[type[Component], ...] = (
    OtlpReceiver, JaegerReceiver, ZipkinReceiver, PrometheusReceiver, FileLogReceiver, HostMetricsReceiver,
    KubeletStatsReceiver, K8sClusterReceiver, K8sObjectsReceiver, K8sEventsReceiver,
)
