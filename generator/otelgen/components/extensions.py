"""Extensions: health, debugging pages, storage, auth, leader election."""

from __future__ import annotations

from typing import Any

from pydantic import Field, StrictBool, field_validator

from otelgen.components.base import Component, ComponentConfig, Duration, SecretValue
from otelgen.components.declare import Declaration, Env, Listener, Rule, Step, Volume, When, at_least_one, not_both

HEALTH_PORT = 13133
HEALTH_PORT_NAME = "health"  # the probes' target
LEASE_NAME = "{{@ctx.name}}-leader"  # k8s_leader_elector's default Lease


class HealthCheckConfig(ComponentConfig):
    port: int = Field(default=HEALTH_PORT, ge=1, le=65535)
    path: str = Field(default="/", pattern=r"^/")

    collector_rules = ("path",)  # healthcheck Config.Validate: "path must start with /"


class HealthCheck(Component):
    kind = "extension"
    id = "health_check"
    names = (("0.0.0", "health_check"),)
    role = "health"
    config_model = HealthCheckConfig
    description = "Health endpoint behind the liveness, readiness and startup probes."
    declaration = Declaration(listeners=(Listener(HEALTH_PORT_NAME, app_protocol="http", bind="pod_host", fixed_name=True, service=False, ingress=False),))


class PprofConfig(ComponentConfig):
    port: int = Field(default=1777, ge=1, le=65535)


class Pprof(Component):
    kind = "extension"
    id = "pprof"
    names = (("0.0.0", "pprof"),)
    config_model = PprofConfig
    description = "Go profiling endpoint (reach it with kubectl port-forward; not on the Service)."
    declaration = Declaration(listeners=(Listener("pprof", app_protocol="http", bind="pod_host", fixed_name=True, service=False, ingress=False),))


class ZPagesConfig(ComponentConfig):
    port: int = Field(default=55679, ge=1, le=65535)


class ZPages(Component):
    kind = "extension"
    id = "zpages"
    names = (("0.0.0", "zpages"),)
    config_model = ZPagesConfig
    description = "In-process debugging pages (kubectl port-forward; not on the Service)."
    declaration = Declaration(listeners=(Listener("zpages", app_protocol="http", bind="pod_host", fixed_name=True, service=False, ingress=False),))


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
    declaration = Declaration(
        steps=(Step("keep", paths=("directory", "create_directory")),),
        volumes=(
            Volume(volume="storage", mount_path="{{directory}}", read_only=False, host_path="{{host_path}}", host_path_type="DirectoryOrCreate", when=(When("host_path"),)),
            Volume(volume="storage", mount_path="{{directory}}", read_only=False, empty_dir_mib="{{size_limit_mib}}", when=(When("host_path", "falsy"),)),
        ),
    )


class BearerTokenAuthConfig(ComponentConfig):
    token: SecretValue | None = Field(default=None, description="{secretRef: {name, key}}; literal tokens are refused.")
    filename: str | None = Field(default=None, min_length=1, description="The collector's own setting: a file holding the token (the pod must have it).")
    scheme: str = "Bearer"

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
    #: bearertokenauthextension Config.Validate (tokens, under extra, count too)
    declaration = Declaration(
        checks=(
            at_least_one("token", "filename", "extra.tokens", message="set token ({secretRef: ...}) or filename"),
            not_both("token", "extra.tokens", message="set token or tokens, not both"),
        ),
        steps=(Step("secret_env", path="token", parts=("TOKEN",)), Step("order", paths=("scheme",))),
    )


class LeaderElectorConfig(ComponentConfig):
    lease_name: str | None = Field(default=None, description="Default: <collector name>-leader.")
    lease_duration: Duration = "15s"
    renew_deadline: Duration = "10s"
    retry_period: Duration = "2s"


class LeaderElector(Component):
    kind = "extension"
    id = "k8s_leader_elector"
    names = (("0.0.0", "k8s_leader_elector"),)
    role = "leader_elector"
    config_model = LeaderElectorConfig
    description = "Lease-based leader election so one replica runs single-writer receivers."
    declaration = Declaration(
        steps=(
            Step("set", path="auth_type", value="serviceAccount"),
            Step("default", path="lease_name", value=LEASE_NAME),
            Step("set", path="lease_namespace", value="${env:MY_POD_NAMESPACE}"),
            Step("order", paths=("auth_type", "lease_name", "lease_namespace")),
        ),
        rbac=(Rule(api_groups=("coordination.k8s.io",), resources=("leases",), verbs=("get", "list", "watch", "create", "update", "patch"), namespaced=True),),
        env=(Env("MY_POD_NAMESPACE", "metadata.namespace"),),
    )


EXTENSIONS: tuple[type[Component], ...] = (HealthCheck, Pprof, ZPages, FileStorage, BearerTokenAuth, LeaderElector)
