"""Extensions: health, debugging pages, storage, auth, leader election."""

from __future__ import annotations

from typing import Any

from pydantic import Field, StrictBool, field_validator, model_validator

from otelgen.components.base import CollectorRule, Component, ComponentConfig, Duration, EnvVar, Mount, Needs, Port, RbacRule, SecretValue
from otelgen.components.common import secret_or_env, volume_name

HEALTH_PORT = 13133
HEALTH_PORT_NAME = "health"  # the probes' target
LEASE_NAME = "{name}-leader"  # k8s_leader_elector's default Lease


class HealthCheckConfig(ComponentConfig):
    port: int = Field(default=HEALTH_PORT, ge=1, le=65535)
    path: str = Field(default="/", pattern=r"^/")


class HealthCheck(Component):
    kind = "extension"
    id = "health_check"
    names = (("0.0.0", "health_check"),)
    config_model = HealthCheckConfig
    description = "Health endpoint behind the liveness, readiness and startup probes."

    def build(self) -> dict[str, Any]:
        return {"endpoint": f"{self.ctx.pod_host}:{self.config.port}", "path": self.config.path}

    def needs(self) -> Needs:
        return Needs(ports=[Port(HEALTH_PORT_NAME, self.config.port, "TCP", "http", service=False, ingress=False)])

    def probe_target(self) -> tuple[str, str]:
        return HEALTH_PORT_NAME, self.config.path


class PprofConfig(ComponentConfig):
    port: int = Field(default=1777, ge=1, le=65535)


class Pprof(Component):
    kind = "extension"
    id = "pprof"
    names = (("0.0.0", "pprof"),)
    config_model = PprofConfig
    description = "Go profiling endpoint (reach it with kubectl port-forward; not on the Service)."

    def build(self) -> dict[str, Any]:
        return {"endpoint": f"{self.ctx.pod_host}:{self.config.port}"}

    def needs(self) -> Needs:
        return Needs(ports=[Port("pprof", self.config.port, "TCP", "http", service=False, ingress=False)])


class ZPagesConfig(ComponentConfig):
    port: int = Field(default=55679, ge=1, le=65535)


class ZPages(Component):
    kind = "extension"
    id = "zpages"
    names = (("0.0.0", "zpages"),)
    config_model = ZPagesConfig
    description = "In-process debugging pages (kubectl port-forward; not on the Service)."

    def build(self) -> dict[str, Any]:
        return {"endpoint": f"{self.ctx.pod_host}:{self.config.port}"}

    def needs(self) -> Needs:
        return Needs(ports=[Port("zpages", self.config.port, "TCP", "http", service=False, ingress=False)])


class FileStorageConfig(ComponentConfig):
    directory: str = Field(default="/var/lib/otelcol/storage", pattern=r"^/")
    host_path: str | None = Field(default=None, description="Keep state on the node (survives pod replacement); default: an emptyDir.")
    size_limit_mib: int = Field(default=1024, ge=1)
    create_directory: StrictBool = True


class FileStorage(Component):
    kind = "extension"
    id = "file_storage"
    names = (("0.0.0", "file_storage"),)
    config_model = FileStorageConfig
    description = "Persistent state for receivers' offsets and exporters' queues."

    def build(self) -> dict[str, Any]:
        return {"directory": self.config.directory, "create_directory": self.config.create_directory}

    def needs(self) -> Needs:
        name = volume_name("storage", self.ctx.instance)
        if self.config.host_path:
            mount = Mount(name=name, mount_path=self.config.directory, read_only=False, host_path=self.config.host_path, host_path_type="DirectoryOrCreate")
        else:
            mount = Mount(name=name, mount_path=self.config.directory, read_only=False, empty_dir_mib=self.config.size_limit_mib)
        return Needs(mounts=[mount])


class BearerTokenAuthConfig(ComponentConfig):
    token: SecretValue | None = Field(default=None, description="{secretRef: {name, key}}; literal tokens are refused.")
    filename: str | None = Field(default=None, min_length=1, description="The collector's own setting: a file holding the token (the pod must have it).")
    scheme: str = "Bearer"

    @model_validator(mode="after")
    def _a_token(self) -> "BearerTokenAuthConfig":
        # bearertokenauthextension Config.Validate (tokens, under extra, count too)
        if self.token is None and not self.filename and not self.extra.get("tokens"):
            raise CollectorRule("set token ({secretRef: ...}) or filename")
        if self.token is not None and self.extra.get("tokens"):
            raise CollectorRule("set token or tokens, not both")
        return self

    @field_validator("token", mode="before")
    @classmethod
    def _no_literal(cls, value: Any) -> Any:
        if isinstance(value, str):
            raise ValueError("literal credential in token: reference a Secret instead: {secretRef: {name: ..., key: ...}}")
        return value


class BearerTokenAuth(Component):
    kind = "extension"
    id = "bearertokenauth"
    names = (("0.0.0", "bearertokenauth"),)
    config_model = BearerTokenAuthConfig
    description = "Bearer token for exporters (client side) or receivers (server side)."

    def build(self) -> dict[str, Any]:
        self._needs = Needs()
        out: dict[str, Any] = {"scheme": self.config.scheme}
        if self.config.token is not None:
            out["token"] = secret_or_env(self.ctx, self.config.token, self._needs, "TOKEN")
        if self.config.filename:
            out["filename"] = self.config.filename
        return out

    def needs(self) -> Needs:
        self.build()
        return self._needs


class LeaderElectorConfig(ComponentConfig):
    lease_name: str | None = Field(default=None, description="Default: <collector name>-leader.")
    lease_duration: Duration = "15s"
    renew_deadline: Duration = "10s"
    retry_period: Duration = "2s"


class LeaderElector(Component):
    kind = "extension"
    id = "k8s_leader_elector"
    names = (("0.0.0", "k8s_leader_elector"),)
    config_model = LeaderElectorConfig
    description = "Lease-based leader election so one replica runs single-writer receivers."

    def build(self) -> dict[str, Any]:
        return {
            "auth_type": "serviceAccount",
            "lease_name": self.config.lease_name or LEASE_NAME.format(name=self.ctx.name),
            "lease_namespace": "${env:MY_POD_NAMESPACE}",
            "lease_duration": self.config.lease_duration,
            "renew_deadline": self.config.renew_deadline,
            "retry_period": self.config.retry_period,
        }

    def needs(self) -> Needs:
        return Needs(
            rbac=[RbacRule(("coordination.k8s.io",), ("leases",), ("get", "list", "watch", "create", "update", "patch"), namespaced=True)],
            env=[EnvVar("MY_POD_NAMESPACE", field_path="metadata.namespace")],
        )


EXTENSIONS: tuple[type[Component], ...] = (HealthCheck, Pprof, ZPages, FileStorage, BearerTokenAuth, LeaderElector)
