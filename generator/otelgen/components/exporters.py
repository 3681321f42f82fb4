"""Exporters: where data leaves.  Each declares its egress port for the NetworkPolicy."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from otelgen.components.base import CONFIG_DIR, Component, ComponentConfig, Duration, EnvRef
from otelgen.components.common import CLIENT_TLS_CHECK, ClientTLS, HeadersMixin
from otelgen.components.declare import Check, Declaration, Egress, Rule, Step, Volume, When, at_least_one, exactly_one, none_of


class SendingQueue(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    enabled: StrictBool | EnvRef = True
    # positive while the queue is enabled (a declared check: the collector validates a disabled queue not at all)
    num_consumers: int | EnvRef | None = None
    queue_size: int | EnvRef | None = None
    storage: str | None = Field(default=None, description="file_storage extension for a persistent queue.")
    block_on_overflow: StrictBool | None = None
    sizer: Literal["requests", "items", "bytes"] | None = Field(default=None, description="What queue_size counts (the collector's default: requests).")


class RetryOnFailure(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    enabled: StrictBool = True
    initial_interval: Duration | None = None
    max_interval: Duration | None = None
    max_elapsed_time: Duration | None = None


#: configcompression.Type: what the collector's UnmarshalText accepts ("" and none: off)
Compression = Literal["gzip", "zlib", "deflate", "snappy", "x-snappy-framed", "zstd", "lz4", "none", ""]


class _NetworkExporterConfig(ComponentConfig, HeadersMixin):
    endpoint: str = Field(min_length=1)
    tls: ClientTLS = Field(default_factory=ClientTLS)
    compression: Compression | None = None
    timeout: Duration | None = None
    sending_queue: SendingQueue | None = None
    retry_on_failure: RetryOnFailure | None = None
    authenticator: str | None = Field(default=None, description="Client auth extension, e.g. bearertokenauth/backend (otelgen's short form of auth.authenticator).")
    auth: dict[str, Any] | None = Field(default=None, description="The collector's own setting: {authenticator: <extension>}.")
    egress_port: int | None = Field(default=None, ge=1, le=65535, description="Destination port for the NetworkPolicy when the endpoint does not show it.")

    extension_fields = (("sending_queue", "storage"), ("authenticator",), ("auth", "authenticator"))


#: exporterhelper's QueueBatchConfig.Validate (positive consumers and size) and
#: configretry.BackOffConfig.Validate (no negative backoff interval), each only while on
NETWORK_EXPORTER_CHECKS = (
    none_of(When("num_consumers", "not_positive"), When("queue_size", "not_positive"), at="sending_queue",
            when=(When("enabled"),), message="{{@given}} must be positive while sending_queue is enabled"),
    none_of(*(When(f, "negative") for f in ("initial_interval", "max_interval", "max_elapsed_time")), at="retry_on_failure",
            when=(When("enabled"),), message="{{@given}} must not be negative while retry_on_failure is enabled"),
)


def network_exporter(*endpoint_fields: str, steps: tuple[Step, ...] = (), checks: tuple[Check, ...] = (), signal_checks: tuple[Check, ...] = ()) -> Declaration:
    """An exporter that sends to ``endpoint_fields`` (the first is the one every exporter
    has): client TLS, headers from Secrets, ``authenticator`` as auth.authenticator, and
    the egress port of each endpoint (``egress_port`` when the endpoint does not show it)."""
    return Declaration(
        checks=(CLIENT_TLS_CHECK, *NETWORK_EXPORTER_CHECKS, *checks),
        signal_checks=signal_checks,
        steps=(
            Step("client_tls", path="tls"),
            Step("secret_env", path="headers", each=True, parts=("HEADER",)),
            Step("nest", path="auth", paths=("authenticator",), over=True),
            Step("drop", paths=("egress_port",)),
            Step("drop_empty", paths=("headers", "auth", *endpoint_fields)),
            *steps,
            Step("order", paths=(*endpoint_fields, "tls", "headers", "compression", "timeout", "sending_queue", "retry_on_failure", "auth")),
        ),
        egress=(Egress(paths=endpoint_fields, override="egress_port"),),
    )


class OtlpExporterConfig(_NetworkExporterConfig):
    balancer_name: Literal["round_robin", "pick_first"] | None = None


class OtlpExporter(Component):
    kind = "exporter"
    id = "otlp"
    names = (("0.0.0", "otlp"), ("0.144.0", "otlp_grpc"))
    config_model = OtlpExporterConfig
    description = "OTLP over gRPC (host:port, TLS on unless tls.insecure)."
    #: exporterhelper's TimeoutConfig.Validate (otlp_http's timeout is its HTTP client's: any value)
    declaration = network_exporter("endpoint", checks=(none_of(When("timeout", "negative"), message="timeout must not be negative"),))


OTLP_HTTP_ENDPOINTS = ("endpoint", "traces_endpoint", "metrics_endpoint", "logs_endpoint", "profiles_endpoint")


class OtlpHttpExporterConfig(_NetworkExporterConfig):
    # the collector needs any one of these (otlphttpexporter Config.Validate)
    endpoint: str | None = Field(default=None, min_length=1, description="Base URL; /v1/traces etc. are appended.")
    traces_endpoint: str | None = Field(default=None, min_length=1)
    metrics_endpoint: str | None = Field(default=None, min_length=1)
    logs_endpoint: str | None = Field(default=None, min_length=1)
    profiles_endpoint: str | None = Field(default=None, min_length=1)
    encoding: Literal["proto", "json"] | None = Field(default=None, description="proto (collector default) or json: OTLP/JSON bodies for backends without protobuf (larger and slower; docs/json.md).")


class OtlpHttpExporter(Component):
    kind = "exporter"
    id = "otlp_http"
    names = (("0.0.0", "otlphttp"), ("0.144.0", "otlp_http"))
    config_model = OtlpHttpExporterConfig
    description = "OTLP over HTTP (URL; /v1/traces etc. are appended)."
    #: with tls.insecure, plaintext comes from the http:// scheme: no tls settings.  The
    #: collector needs any one endpoint (otlphttpexporter Config.Validate); otelgen wants each a
    #: URL, and plaintext (http://) only with tls.insecure: true
    declaration = network_exporter(
        *OTLP_HTTP_ENDPOINTS,
        steps=(Step("drop", paths=("tls",), when=(When("tls.insecure"),)),),
        #: otlphttpexporter: the exporter for a signal is created from endpoint or <signal>_endpoint
        signal_checks=tuple(
            at_least_one("endpoint", f"{signal}_endpoint", when=(When("@ctx.signal", "eq", signal),), message=f"either endpoint or {signal}_endpoint must be set for a {signal} pipeline")
            for signal in ("traces", "metrics", "logs")
        ),
        checks=(
            at_least_one(*OTLP_HTTP_ENDPOINTS, message=f"otlp_http needs at least one of {', '.join(OTLP_HTTP_ENDPOINTS)}"),
            *(check for key in OTLP_HTTP_ENDPOINTS for check in (
                Check("prefix", path=key, value=("http://", "https://", "${"), collector=False, message=f"otlp_http {key} must be a URL (https://host[:port][/path])"),
                Check("prefix", path=key, value=("https://", "${"), when=(When("tls.insecure", "falsy"),), collector=False, message=f"http:// {key} without tls.insecure: true (use https:// or opt in to plaintext)"),
            )),
        ),
    )


class DebugConfig(ComponentConfig):
    verbosity: Literal["basic", "normal", "detailed"] = "basic"
    # the collector validates neither (0 and negative numbers pass its validate)
    sampling_initial: int | None = None
    sampling_thereafter: int | None = None


class DebugExporter(Component):
    kind = "exporter"
    id = "debug"
    names = (("0.0.0", "debug"),)
    config_model = DebugConfig
    description = "Writes data to the collector's log (troubleshooting only)."


class FileRotation(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    max_megabytes: int = Field(default=100, ge=1)
    max_days: int | None = Field(default=None, ge=1)
    max_backups: int = Field(default=3, ge=0)


class FileExporterConfig(ComponentConfig):
    path: str = Field(pattern=r"^/")
    format: Literal["json", "proto"] = "json"
    rotation: FileRotation | None = Field(default_factory=FileRotation)
    size_limit_mib: int = Field(default=512, ge=1, description="emptyDir size for the output directory.")


class FileExporter(Component):
    kind = "exporter"
    id = "file"
    names = (("0.0.0", "file"),)
    config_model = FileExporterConfig
    description = "Writes OTLP JSON/proto to a file (on a writable emptyDir)."
    #: the file's directory becomes a writable emptyDir: never / and never the read-only config mount
    declaration = Declaration(
        steps=(Step("drop", paths=("size_limit_mib",)),),
        volumes=(Volume(volume="file", mount_path="{{path|dir}}", read_only=False, empty_dir_mib="{{size_limit_mib}}"),),
        checks=(Check("dir", path="path", value=("/", CONFIG_DIR), collector=False, message=f"path '{{{{path}}}}': the file needs a directory of its own (it becomes a writable emptyDir), not / nor the config mount {CONFIG_DIR}; e.g. /var/otel/out/data.jsonl"),),
    )


# ------------------------------------------------------------------- loadbalancing


class DnsResolver(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    hostname: str = Field(min_length=1, description="Headless Service of the next tier.")
    port: int = Field(default=4317, ge=1, le=65535)
    interval: Duration | None = None
    timeout: Duration | None = None


class K8sResolver(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    service: str = Field(min_length=1, description="name.namespace of the next tier's Service.")
    ports: list[int] = Field(default_factory=lambda: [4317])
    timeout: Duration | None = None
    return_hostnames: bool | None = None


class StaticResolver(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    hostnames: list[str] = Field(default_factory=list, description="host[:port] of each backend (port default 4317).")


class AwsCloudMapResolver(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    namespace: str = Field(min_length=1)
    service_name: str = Field(min_length=1)
    port: int | None = Field(default=None, ge=1, le=65535)
    health_status: str | None = None
    interval: Duration | None = None
    timeout: Duration | None = None


#: the resolvers of the collector's loadbalancing exporter; it needs exactly one
RESOLVERS = ("dns", "k8s", "static", "aws_cloud_map")
LB_DEFAULT_PORT = 4317


class Resolver(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    dns: DnsResolver | None = None
    k8s: K8sResolver | None = None
    static: StaticResolver | None = None
    aws_cloud_map: AwsCloudMapResolver | None = None


class LoadBalancingConfig(ComponentConfig):
    routing_key: Literal["traceID", "service", "resource", "metric", "streamID", "attributes"] = "traceID"
    routing_attributes: list[str] | None = Field(default=None, description="Attributes to route on (routing_key: attributes).")
    resolver: Resolver
    tls: ClientTLS = Field(default_factory=ClientTLS)
    timeout: Duration | None = None
    protocol: dict[str, Any] | None = Field(default=None, description="The collector's own setting ({otlp: {...}}), merged over what tls and timeout render.")


class LoadBalancingExporter(Component):
    kind = "exporter"
    id = "loadbalancing"
    names = (("0.0.0", "loadbalancing"), ("0.153.0", "load_balancing"))
    config_model = LoadBalancingConfig
    description = "Routes by trace ID (or service) to the replicas of the next tier, e.g. for tail sampling."
    #: tls and timeout render under protocol.otlp (the user's protocol merged over them);
    #: the collector decodes the dns resolver's port as a string; egress to each resolver's
    #: backends; the k8s resolver watches the next tier's endpoints in its namespace
    declaration = Declaration(
        checks=(exactly_one(*(When(r, "set") for r in RESOLVERS), at="resolver", message=f"set exactly one resolver: {', '.join(RESOLVERS)}"), CLIENT_TLS_CHECK,
                none_of(When("timeout", "negative"), message="timeout must not be negative")),
        steps=(
            Step("client_tls", path="tls"),
            Step("nest", path="protocol.otlp", paths=("tls", "timeout")),
            Step("to_string", path="resolver.dns.port"),
            Step("order", paths=("routing_key", "protocol", "resolver")),
        ),
        egress=(
            Egress(paths=("resolver.dns.port",), parse="port", when=(When("resolver.dns"),)),
            Egress(paths=("resolver.k8s.ports",), parse="port", when=(When("resolver.k8s"),)),
            Egress(paths=("resolver.static.hostnames",), default_port=LB_DEFAULT_PORT, if_empty=(LB_DEFAULT_PORT,), when=(When("resolver.static"),)),
            Egress(paths=("resolver.aws_cloud_map.port",), parse="port", if_empty=(None,), when=(When("resolver.aws_cloud_map"),)),
        ),
        rbac=(
            Rule(api_groups=("discovery.k8s.io",), resources=("endpointslices",), verbs=("get", "list", "watch"), namespaced=True, when=(When("resolver.k8s"),)),
            Rule(api_groups=("",), resources=("endpoints",), verbs=("get", "list", "watch"), namespaced=True, when=(When("resolver.k8s"),)),
        ),
    )


EXPORTERS: tuple[type[Component], ...] = (OtlpExporter, OtlpHttpExporter, DebugExporter, FileExporter, LoadBalancingExporter)
