"""Kubernetes pod-spec fragments the spec accepts verbatim (``spec.pod.*``).

Field names and shapes follow the Kubernetes API (core/v1), so a fragment
copied from a pod spec fits; only the members otelgen renders are modelled
(an unknown one is E003, never silently dropped). Everything is dumped with
``by_alias=True, exclude_none=True``: what the user left out stays out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator
from pydantic.alias_generators import to_camel, to_snake

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
_ENV_NAME = r"^[-._a-zA-Z][-._a-zA-Z0-9]*$"  # IsEnvVarName (relaxed form, Kubernetes >= 1.30)
_DNS_LABEL = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"
_LATEST = re.compile(r":latest$")
#: a reference with a tag or a digest (a registry port alone is no tag)
IMAGE_PINNED = r"^\S+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[0-9a-f]{64})$"


@dataclass(frozen=True)
class Choice:
    """A model's "exactly one of" rule over some of its fields (``at_most``: "at most one
    of"), named as the spec writes them.  It is the model's ``json_schema_extra``, so the rule
    is in its JSON schema (Helm checks values against it), and :class:`Checked` models enforce
    it: "set exactly one of a, b or c", or with ``noun`` "set exactly one <noun> (a, b, c)"."""

    fields: tuple[str, ...]
    at_most: bool = False
    noun: str | None = None

    def __call__(self, schema: dict[str, Any], cls: type) -> None:
        if self.at_most:
            schema.update({"not": {"required": list(self.fields)}})
        else:
            schema.update({"oneOf": [{"required": [f]} for f in self.fields]})


def one_of(*fields: str, noun: str | None = None) -> ConfigDict:
    """The model's "exactly one of" rule: in its JSON schema and checked on validation."""
    return ConfigDict(json_schema_extra=Choice(fields, noun=noun))


def at_most_one(*fields: str) -> ConfigDict:
    """The model's "at most one of" rule: in its JSON schema and checked on validation."""
    return ConfigDict(json_schema_extra=Choice(fields, at_most=True))


def set_one(model: BaseModel, *fields: str, at_most: bool = False, noun: str | None = None) -> None:
    """Refuse a model with more than one of ``fields`` (attribute names) set, or none unless
    ``at_most``: "set exactly one of a, b or c" ("set at most one of ..."; with ``noun``:
    "set exactly one <noun> (a, b, c)"), the fields named as the spec writes them."""
    found = sum(getattr(model, name) is not None for name in fields)
    if found > 1 or (found == 0 and not at_most):
        names = [type(model).model_fields[name].alias or name for name in fields]
        if noun:
            raise ValueError(f"set exactly one {noun} ({', '.join(names)})")
        raise ValueError(f"set {'at most' if at_most else 'exactly'} one of {', '.join(names[:-1])} or {names[-1]}")


class Checked(BaseModel):
    """A model that enforces the :class:`Choice` of its config (``one_of``/``at_most_one``)."""

    @model_validator(mode="after")
    def _choice(self) -> Any:
        choice = type(self).model_config.get("json_schema_extra")
        if isinstance(choice, Choice):
            attributes = {info.alias or name: name for name, info in type(self).model_fields.items()}
            set_one(self, *(attributes[f] for f in choice.fields), at_most=choice.at_most, noun=choice.noun)
        return self


class KubeModel(Checked):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True, defer_build=True)

    def dump(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True)


def _sorted(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """Mappings in key order: the same spec in any key order renders the same bytes."""
    return None if value is None else dict(sorted(value.items()))


IntOrString = int | str
Quantity = int | str


# ------------------------------------------------------------------ env


class ObjectFieldSelector(KubeModel):
    field_path: str
    api_version: str | None = None


class ResourceFieldSelector(KubeModel):
    resource: str
    container_name: str | None = None
    divisor: Quantity | None = None


class KeySelector(KubeModel):
    name: str
    key: str
    optional: StrictBool | None = None


class EnvVarSource(KubeModel):
    model_config = KubeModel.model_config | one_of("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef")
    field_ref: ObjectFieldSelector | None = None
    resource_field_ref: ResourceFieldSelector | None = None
    config_map_key_ref: KeySelector | None = None
    secret_key_ref: KeySelector | None = None


class EnvVar(KubeModel):
    model_config = KubeModel.model_config | at_most_one("value", "valueFrom")
    """A container env var: a literal value (no credentials: E015) or valueFrom."""

    name: str = Field(pattern=_ENV_NAME)
    value: str | None = None
    value_from: EnvVarSource | None = None


class LocalRef(KubeModel):
    name: str
    optional: StrictBool | None = None


class EnvFromSource(KubeModel):
    model_config = KubeModel.model_config | one_of("configMapRef", "secretRef")
    prefix: str | None = None
    config_map_ref: LocalRef | None = None
    secret_ref: LocalRef | None = None


# ------------------------------------------------------------------ volumes


class KeyToPath(KubeModel):
    key: str
    path: str
    mode: int | None = Field(default=None, ge=0, le=0o777)


class HostPathSource(KubeModel):
    path: str = Field(pattern=r"^/")
    type: Literal["", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"] | None = None


class EmptyDirSource(KubeModel):
    medium: Literal["", "Memory"] | None = None
    size_limit: Quantity | None = None


class ConfigMapSource(KubeModel):
    name: str
    items: list[KeyToPath] | None = None
    default_mode: int | None = Field(default=None, ge=0, le=0o777)
    optional: StrictBool | None = None


class SecretSource(KubeModel):
    secret_name: str
    items: list[KeyToPath] | None = None
    default_mode: int | None = Field(default=None, ge=0, le=0o777)
    optional: StrictBool | None = None


class PVCSource(KubeModel):
    claim_name: str
    read_only: StrictBool | None = None


class CSISource(KubeModel):
    driver: str
    read_only: StrictBool | None = None
    fs_type: str | None = None
    volume_attributes: dict[str, str] | None = None

    _order = field_validator("volume_attributes")(classmethod(lambda cls, v: _sorted(v)))
    node_publish_secret_ref: LocalRef | None = None


class DownwardAPIFile(KubeModel):
    path: str
    field_ref: ObjectFieldSelector | None = None
    resource_field_ref: ResourceFieldSelector | None = None
    mode: int | None = Field(default=None, ge=0, le=0o777)


class DownwardAPISource(KubeModel):
    items: list[DownwardAPIFile] | None = None
    default_mode: int | None = Field(default=None, ge=0, le=0o777)


class ServiceAccountTokenProjection(KubeModel):
    path: str
    audience: str | None = None
    expiration_seconds: int | None = Field(default=None, ge=600, le=INT64_MAX)


class ProjectedConfigMap(KubeModel):
    name: str
    items: list[KeyToPath] | None = None
    optional: StrictBool | None = None


class ProjectedSecret(ProjectedConfigMap):
    pass


class VolumeProjection(KubeModel):
    config_map: ProjectedConfigMap | None = None
    secret: ProjectedSecret | None = None
    downward_api: DownwardAPISource | None = Field(default=None, alias="downwardAPI")
    service_account_token: ServiceAccountTokenProjection | None = None


class ProjectedSource(KubeModel):
    sources: list[VolumeProjection]
    default_mode: int | None = Field(default=None, ge=0, le=0o777)


VOLUME_SOURCES = ("hostPath", "emptyDir", "configMap", "secret", "persistentVolumeClaim", "csi", "downwardAPI", "projected")


class Volume(KubeModel):
    model_config = KubeModel.model_config | one_of(*VOLUME_SOURCES, noun="volume source")
    """A pod volume; exactly one source (the common ones)."""

    name: str = Field(pattern=_DNS_LABEL)
    host_path: HostPathSource | None = None
    empty_dir: EmptyDirSource | None = None
    config_map: ConfigMapSource | None = None
    secret: SecretSource | None = None
    persistent_volume_claim: PVCSource | None = None
    csi: CSISource | None = None
    downward_api: DownwardAPISource | None = Field(default=None, alias="downwardAPI")
    projected: ProjectedSource | None = None


class VolumeMount(KubeModel):
    name: str
    mount_path: str = Field(pattern=r"^/")
    read_only: StrictBool | None = Field(default=None, description="Default: true for a hostPath volume (a writable one warns, W120), the Kubernetes default (false) otherwise.")
    sub_path: str | None = None
    sub_path_expr: str | None = None
    mount_propagation: Literal["None", "HostToContainer"] | None = Field(default=None, description="Bidirectional needs a privileged container and is not offered.")


# ------------------------------------------------------------------ scheduling


class LabelSelectorRequirement(KubeModel):
    key: str
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist"]
    values: list[str] | None = None


class LabelSelector(KubeModel):
    match_labels: dict[str, str] | None = None

    _order = field_validator("match_labels")(classmethod(lambda cls, v: _sorted(v)))
    match_expressions: list[LabelSelectorRequirement] | None = None


class NodeSelectorRequirement(KubeModel):
    key: str
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"]
    values: list[str] | None = None


class NodeSelectorTerm(KubeModel):
    match_expressions: list[NodeSelectorRequirement] | None = None
    match_fields: list[NodeSelectorRequirement] | None = None


class NodeSelector(KubeModel):
    node_selector_terms: list[NodeSelectorTerm] = Field(min_length=1)


class PreferredSchedulingTerm(KubeModel):
    weight: int = Field(ge=1, le=100)
    preference: NodeSelectorTerm


class NodeAffinity(KubeModel):
    required_during_scheduling_ignored_during_execution: NodeSelector | None = None
    preferred_during_scheduling_ignored_during_execution: list[PreferredSchedulingTerm] | None = None


class PodAffinityTerm(KubeModel):
    topology_key: str = Field(min_length=1)
    label_selector: LabelSelector | None = None
    namespace_selector: LabelSelector | None = None
    namespaces: list[str] | None = None
    match_label_keys: list[str] | None = None
    mismatch_label_keys: list[str] | None = None


class WeightedPodAffinityTerm(KubeModel):
    weight: int = Field(ge=1, le=100)
    pod_affinity_term: PodAffinityTerm


class PodAffinity(KubeModel):
    required_during_scheduling_ignored_during_execution: list[PodAffinityTerm] | None = None
    preferred_during_scheduling_ignored_during_execution: list[WeightedPodAffinityTerm] | None = None


class Affinity(KubeModel):
    """Replaces, per key, what otelgen derives (a gateway's podAntiAffinity)."""

    node_affinity: NodeAffinity | None = None
    pod_affinity: PodAffinity | None = None
    pod_anti_affinity: PodAffinity | None = None


class TopologySpreadConstraint(KubeModel):
    max_skew: int = Field(ge=1, le=INT32_MAX)
    topology_key: str = Field(min_length=1)
    when_unsatisfiable: Literal["DoNotSchedule", "ScheduleAnyway"]
    label_selector: LabelSelector | None = None
    min_domains: int | None = Field(default=None, ge=1, le=INT32_MAX)
    node_affinity_policy: Literal["Honor", "Ignore"] | None = None
    node_taints_policy: Literal["Honor", "Ignore"] | None = None
    match_label_keys: list[str] | None = None


class LocalObjectReference(KubeModel):
    name: str = Field(min_length=1)


# ------------------------------------------------------------------ security


class Capabilities(KubeModel):
    add: list[str] | None = None
    drop: list[str] | None = None


class SeccompProfile(KubeModel):
    type: Literal["RuntimeDefault", "Localhost", "Unconfined"]
    localhost_profile: str | None = None


class AppArmorProfile(SeccompProfile):
    pass


class SELinuxOptions(KubeModel):
    user: str | None = None
    role: str | None = None
    type: str | None = None
    level: str | None = None


class SecurityContext(KubeModel):
    """A container's securityContext, merged over otelgen's restricted defaults."""

    allow_privilege_escalation: StrictBool | None = None
    capabilities: Capabilities | None = None
    privileged: StrictBool | None = None
    proc_mount: Literal["Default", "Unmasked"] | None = None
    read_only_root_filesystem: StrictBool | None = None
    run_as_group: int | None = Field(default=None, ge=0, le=INT64_MAX)
    run_as_non_root: StrictBool | None = None
    run_as_user: int | None = Field(default=None, ge=0, le=INT64_MAX)
    se_linux_options: SELinuxOptions | None = None
    seccomp_profile: SeccompProfile | None = None
    app_armor_profile: AppArmorProfile | None = None


class Sysctl(KubeModel):
    name: str
    value: str


class PodSecurityContext(KubeModel):
    """The pod's securityContext, merged over otelgen's restricted defaults."""

    fs_group: int | None = Field(default=None, ge=0, le=INT64_MAX)
    fs_group_change_policy: Literal["OnRootMismatch", "Always"] | None = None
    run_as_group: int | None = Field(default=None, ge=0, le=INT64_MAX)
    run_as_non_root: StrictBool | None = None
    run_as_user: int | None = Field(default=None, ge=0, le=INT64_MAX)
    se_linux_options: SELinuxOptions | None = None
    seccomp_profile: SeccompProfile | None = None
    app_armor_profile: AppArmorProfile | None = None
    supplemental_groups: list[int] | None = None
    sysctls: list[Sysctl] | None = None


# ------------------------------------------------------------------ probes, lifecycle


class ProbeTiming(KubeModel):
    """Timing of one of the collector's probes (what it asks stays otelgen's)."""

    initial_delay_seconds: int | None = Field(default=None, ge=0, le=INT32_MAX)
    period_seconds: int | None = Field(default=None, ge=1, le=INT32_MAX)
    timeout_seconds: int | None = Field(default=None, ge=1, le=INT32_MAX)
    success_threshold: int | None = Field(default=None, ge=1, le=INT32_MAX)
    failure_threshold: int | None = Field(default=None, ge=1, le=INT32_MAX)
    termination_grace_period_seconds: int | None = Field(default=None, ge=1, le=INT64_MAX)


class ExecAction(KubeModel):
    command: list[str] = Field(min_length=1)


class HTTPHeader(KubeModel):
    name: str
    value: str


class HTTPGetAction(KubeModel):
    port: IntOrString
    path: str | None = None
    host: str | None = None
    scheme: Literal["HTTP", "HTTPS"] | None = None
    http_headers: list[HTTPHeader] | None = None


class TCPSocketAction(KubeModel):
    port: IntOrString
    host: str | None = None


class GRPCAction(KubeModel):
    port: int = Field(ge=1, le=65535)
    service: str | None = None


class SleepAction(KubeModel):
    seconds: int = Field(ge=0, le=INT64_MAX)


class Probe(ProbeTiming):
    model_config = KubeModel.model_config | one_of("exec", "httpGet", "tcpSocket", "grpc")
    """A full probe (extra containers): one handler and its timing."""

    exec: ExecAction | None = None
    http_get: HTTPGetAction | None = None
    tcp_socket: TCPSocketAction | None = None
    grpc: GRPCAction | None = None


class LifecycleHandler(KubeModel):
    model_config = KubeModel.model_config | one_of("exec", "httpGet", "sleep")
    exec: ExecAction | None = None
    http_get: HTTPGetAction | None = None
    sleep: SleepAction | None = None


class Lifecycle(KubeModel):
    pre_stop: LifecycleHandler | None = None
    post_start: LifecycleHandler | None = None


# ------------------------------------------------------------------ containers


class ContainerPort(KubeModel):
    container_port: int = Field(ge=1, le=65535)
    name: str | None = Field(default=None, pattern=r"^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$")
    protocol: Literal["TCP", "UDP", "SCTP"] | None = None


class ResourceRequirements(KubeModel):
    requests: dict[str, Quantity] | None = None
    limits: dict[str, Quantity] | None = None

    _order = field_validator("requests", "limits")(classmethod(lambda cls, v: _sorted(v)))


class Container(KubeModel):
    """An init or extra container. Its securityContext is merged over otelgen's
    restricted defaults (non-root as the collector's user, read-only root
    filesystem, no capabilities, no privilege escalation, RuntimeDefault
    seccomp); a field that relaxes them warns (W131)."""

    name: str = Field(pattern=_DNS_LABEL)
    image: str = Field(description="Pinned: a tag other than latest, or a digest.", json_schema_extra={"pattern": IMAGE_PINNED, "not": {"pattern": ":latest(@|$)"}})
    image_pull_policy: Literal["Always", "IfNotPresent", "Never"] | None = None
    command: list[str] | None = None
    args: list[str] | None = None
    working_dir: str | None = None
    env: list[EnvVar] | None = None
    env_from: list[EnvFromSource] | None = None
    ports: list[ContainerPort] | None = None
    resources: ResourceRequirements | None = None
    restart_policy: Literal["Always"] | None = Field(default=None, description="initContainers only: Always makes it a native sidecar (Kubernetes >= 1.29).")
    security_context: SecurityContext | None = None
    volume_mounts: list[VolumeMount] | None = None
    liveness_probe: Probe | None = None
    readiness_probe: Probe | None = None
    startup_probe: Probe | None = None
    lifecycle: Lifecycle | None = None

    @field_validator("image")
    @classmethod
    def _pinned(cls, image: str) -> str:
        if _LATEST.search(image.split("@", 1)[0]) or not re.fullmatch(IMAGE_PINNED, image):
            raise ValueError(f"image {image!r} must be pinned: a tag other than latest, or a digest")
        return image


# ------------------------------------------------------------------ HPA (autoscaling/v2)


class MetricTarget(KubeModel):
    type: Literal["Utilization", "Value", "AverageValue"]
    value: Quantity | None = None
    average_value: Quantity | None = None
    average_utilization: int | None = Field(default=None, ge=1, le=INT32_MAX)


class MetricIdentifier(KubeModel):
    name: str = Field(min_length=1)
    selector: LabelSelector | None = None


class CrossVersionObjectReference(KubeModel):
    kind: str
    name: str
    api_version: str | None = None


class PodsMetricSource(KubeModel):
    metric: MetricIdentifier
    target: MetricTarget


class ObjectMetricSource(KubeModel):
    described_object: CrossVersionObjectReference
    metric: MetricIdentifier
    target: MetricTarget


class ExternalMetricSource(KubeModel):
    metric: MetricIdentifier
    target: MetricTarget


class ResourceMetricSource(KubeModel):
    name: str
    target: MetricTarget


class ContainerResourceMetricSource(KubeModel):
    name: str
    container: str
    target: MetricTarget


_METRIC_MEMBERS = {"Pods": "pods", "Object": "object", "External": "external", "Resource": "resource", "ContainerResource": "containerResource"}


class MetricSpec(KubeModel):
    """One autoscaling/v2 metric (added after the CPU/memory targets)."""

    model_config = KubeModel.model_config | ConfigDict(json_schema_extra={"allOf": [
        {"if": {"properties": {"type": {"const": t}}}, "then": {"required": [m], "properties": {o: False for o in _METRIC_MEMBERS.values() if o != m}}} for t, m in _METRIC_MEMBERS.items()
    ]})

    type: Literal["Pods", "Object", "External", "Resource", "ContainerResource"]
    pods: PodsMetricSource | None = None
    object: ObjectMetricSource | None = None
    external: ExternalMetricSource | None = None
    resource: ResourceMetricSource | None = None
    container_resource: ContainerResourceMetricSource | None = None

    @model_validator(mode="after")
    def _matches(self) -> "MetricSpec":
        field = {"Pods": "pods", "Object": "object", "External": "external", "Resource": "resource", "ContainerResource": "container_resource"}[self.type]
        others = [f for f in ("pods", "object", "external", "resource", "container_resource") if f != field and getattr(self, f) is not None]
        if getattr(self, field) is None or others:
            raise ValueError(f"type {self.type} needs exactly the {to_camel(field)} member")
        return self


class HPAScalingPolicy(KubeModel):
    type: Literal["Pods", "Percent"]
    value: int = Field(ge=1, le=INT32_MAX)
    period_seconds: int = Field(ge=1, le=1800)


class HPAScalingRules(KubeModel):
    stabilization_window_seconds: int | None = Field(default=None, ge=0, le=3600)
    select_policy: Literal["Max", "Min", "Disabled"] | None = None
    policies: list[HPAScalingPolicy] | None = None


class HPABehavior(KubeModel):
    scale_up: HPAScalingRules | None = None
    scale_down: HPAScalingRules | None = None


# ------------------------------------------------------------------ RBAC


class PolicyRule(KubeModel):
    api_groups: list[str] = Field(min_length=1)
    resources: list[str] = Field(min_length=1)
    verbs: list[str] = Field(min_length=1)


def pinned_tag(tag: str | None) -> str | None:
    """An image tag pinned to a version (not 'latest', not blank); None: unset."""
    if tag is not None and (tag == "latest" or not tag.strip()):
        raise ValueError("image tag must be pinned to a version, not 'latest'")
    return tag
