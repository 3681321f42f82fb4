"""Exporters: where data leaves.  Each declares its egress port for the NetworkPolicy."""

from __future__ import annotations

import posixpath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from otelgen.components.base import CONFIG_DIR, Component, ComponentConfig, Egress, Mount, Needs, RbacRule, host_port
from otelgen.components.common import ClientTLS, HeadersMixin, volume_name


class SendingQueue(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    enabled: bool = True
    num_consumers: int | None = Field(default=None, ge=1)
    queue_size: int | None = Field(default=None, ge=1)
    storage: str | None = Field(default=None, description="file_storage extension for a persistent queue.")
    block_on_overflow: bool | None = None


class RetryOnFailure(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    enabled: bool = True
    initial_interval: str | None = None
    max_interval: str | None = None
    max_elapsed_time: str | None = None


class _NetworkExporterConfig(ComponentConfig, HeadersMixin):
    endpoint: str = Field(min_length=1)
    tls: ClientTLS = Field(default_factory=ClientTLS)
    compression: Literal["gzip", "zstd", "snappy", "none"] | None = None
    timeout: str | None = None
    sending_queue: SendingQueue | None = None
    retry_on_failure: RetryOnFailure | None = None
    authenticator: str | None = Field(default=None, description="Client auth extension, e.g. bearertokenauth/backend.")
    egress_port: int | None = Field(default=None, ge=1, le=65535, description="Destination port for the NetworkPolicy when the endpoint does not show it.")

    extension_fields = (("sending_queue", "storage"), ("authenticator",))


class _NetworkExporter(Component):
    def build(self) -> dict[str, Any]:
        self._needs = Needs()
        c = self.config
        cfg: dict[str, Any] = {"endpoint": c.endpoint}
        tls = c.tls.render(self.ctx, self._needs)
        if tls:
            cfg["tls"] = tls
        headers = c.render_headers(self.ctx, self._needs)
        if headers:
            cfg["headers"] = headers
        for key in ("compression", "timeout"):
            if getattr(c, key) is not None:
                cfg[key] = getattr(c, key)
        if c.sending_queue is not None:
            cfg["sending_queue"] = c.sending_queue.model_dump(exclude_none=True)
        if c.retry_on_failure is not None:
            cfg["retry_on_failure"] = c.retry_on_failure.model_dump(exclude_none=True)
        if c.authenticator:
            cfg["auth"] = {"authenticator": c.authenticator}
        return cfg

    def needs(self) -> Needs:
        self.build()
        needs = self._needs
        _, port = host_port(self.config.endpoint)
        needs.egress.append(Egress(self.config.egress_port or port, "TCP", f"exporter {self.ctx.instance}"))
        return needs


class OtlpExporterConfig(_NetworkExporterConfig):
    balancer_name: Literal["round_robin", "pick_first"] | None = None


class OtlpExporter(_NetworkExporter):
    kind = "exporter"
    id = "otlp"
    names = (("0.0.0", "otlp"), ("0.144.0", "otlp_grpc"))
    config_model = OtlpExporterConfig
    description = "OTLP over gRPC (host:port, TLS on unless tls.insecure)."

    def build(self) -> dict[str, Any]:
        cfg = super().build()
        if self.config.balancer_name:
            cfg["balancer_name"] = self.config.balancer_name
        return cfg


class OtlpHttpExporterConfig(_NetworkExporterConfig):
    encoding: Literal["proto", "json"] | None = Field(default=None, description="proto (collector default) or json: OTLP/JSON bodies for backends without protobuf (larger and slower; docs/json.md).")

    @model_validator(mode="after")
    def _scheme(self) -> "OtlpHttpExporterConfig":
        if not self.endpoint.startswith(("http://", "https://", "${")):
            raise ValueError("otlp_http endpoint must be a URL (https://host[:port][/path])")
        if self.endpoint.startswith("http://") and not self.tls.insecure:
            raise ValueError("http:// endpoint without tls.insecure: true (use https:// or opt in to plaintext)")
        return self


class OtlpHttpExporter(_NetworkExporter):
    kind = "exporter"
    id = "otlp_http"
    names = (("0.0.0", "otlphttp"), ("0.144.0", "otlp_http"))
    config_model = OtlpHttpExporterConfig
    description = "OTLP over HTTP (URL; /v1/traces etc. are appended)."

    def build(self) -> dict[str, Any]:
        cfg = super().build()
        if self.config.tls.insecure:
            cfg.pop("tls", None)  # plaintext comes from the http:// scheme
        if self.config.encoding is not None:
            cfg["encoding"] = self.config.encoding
        return cfg


class DebugConfig(ComponentConfig):
    verbosity: Literal["basic", "normal", "detailed"] = "basic"
    sampling_initial: int | None = Field(default=None, ge=1)
    sampling_thereafter: int | None = Field(default=None, ge=1)


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

    @model_validator(mode="after")
    def _own_directory(self) -> "FileExporterConfig":
        # the file's directory becomes a writable emptyDir: never / and never the read-only config mount
        directory = posixpath.dirname(posixpath.normpath(self.path))
        if directory == "/" or directory == CONFIG_DIR or directory.startswith(CONFIG_DIR + "/"):
            raise ValueError(f"path {self.path!r}: the file needs a directory of its own (it becomes a writable emptyDir), not / nor the config mount {CONFIG_DIR}; e.g. /var/otel/out/data.jsonl")
        return self


class FileExporter(Component):
    kind = "exporter"
    id = "file"
    names = (("0.0.0", "file"),)
    config_model = FileExporterConfig
    description = "Writes OTLP JSON/proto to a file (on a writable emptyDir)."

    def build(self) -> dict[str, Any]:
        return self.config.model_dump(exclude={"extra", "size_limit_mib"}, exclude_none=True)

    def needs(self) -> Needs:
        directory = posixpath.dirname(self.config.path)
        return Needs(mounts=[Mount(name=volume_name("file", self.ctx.instance), mount_path=directory, read_only=False, empty_dir_mib=self.config.size_limit_mib)])


# ------------------------------------------------------------------- loadbalancing


class DnsResolver(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    hostname: str = Field(min_length=1, description="Headless Service of the next tier.")
    port: int = Field(default=4317, ge=1, le=65535)
    interval: str | None = None
    timeout: str | None = None


class K8sResolver(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    service: str = Field(min_length=1, description="name.namespace of the next tier's Service.")
    ports: list[int] = Field(default_factory=lambda: [4317])


class Resolver(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    dns: DnsResolver | None = None
    k8s: K8sResolver | None = None

    @model_validator(mode="after")
    def _one(self) -> "Resolver":
        if (self.dns is None) == (self.k8s is None):
            raise ValueError("set exactly one resolver: dns or k8s")
        return self


class LoadBalancingConfig(ComponentConfig):
    routing_key: Literal["traceID", "service", "resource", "metric", "streamID"] = "traceID"
    resolver: Resolver
    tls: ClientTLS = Field(default_factory=ClientTLS)
    timeout: str | None = None


class LoadBalancingExporter(Component):
    kind = "exporter"
    id = "loadbalancing"
    names = (("0.0.0", "loadbalancing"), ("0.153.0", "load_balancing"))
    config_model = LoadBalancingConfig
    description = "Routes by trace ID (or service) to the replicas of the next tier, e.g. for tail sampling."

    def build(self) -> dict[str, Any]:
        self._needs = Needs()
        otlp: dict[str, Any] = {}
        tls = self.config.tls.render(self.ctx, self._needs)
        if tls:
            otlp["tls"] = tls
        if self.config.timeout:
            otlp["timeout"] = self.config.timeout
        resolver = self.config.resolver.model_dump(exclude_none=True)
        if "dns" in resolver:
            resolver["dns"]["port"] = str(resolver["dns"]["port"])  # the collector decodes this port as a string
        return {"routing_key": self.config.routing_key, "protocol": {"otlp": otlp}, "resolver": resolver}

    def needs(self) -> Needs:
        self.build()
        needs = self._needs
        r = self.config.resolver
        ports = [r.dns.port] if r.dns else list(r.k8s.ports)
        needs.egress.extend(Egress(p, "TCP", f"exporter {self.ctx.instance}") for p in ports)
        if r.k8s:
            needs.rbac.append(RbacRule(("discovery.k8s.io",), ("endpointslices",), ("get", "list", "watch"), namespaced=True))
            needs.rbac.append(RbacRule(("",), ("endpoints",), ("get", "list", "watch"), namespaced=True))
        return needs


EXPORTERS: tuple[type[Component], ...] = (OtlpExporter, OtlpHttpExporter, DebugExporter, FileExporter, LoadBalancingExporter)
