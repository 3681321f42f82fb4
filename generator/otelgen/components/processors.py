"""Processors.  ``order`` places them: memory_limiter first, samplers and
context-dependent processors before batch, batch last."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from otelgen.components.base import Component, ComponentConfig, EnvVar, Needs, RbacRule


class MemoryLimiterConfig(ComponentConfig):
    check_interval: str = "100ms"  # as otelgen derives it (sizing.CHECK_INTERVAL); see docs/memory.md
    limit_percentage: int | None = Field(default=None, ge=1, le=100)
    spike_limit_percentage: int | None = Field(default=None, ge=1, le=100)
    limit_mib: int | None = Field(default=None, ge=1)
    spike_limit_mib: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _limits(self) -> "MemoryLimiterConfig":
        if self.limit_mib is not None and self.limit_percentage is not None:
            raise ValueError("set limit_mib or limit_percentage, not both (percentages follow the container's memory limit)")
        if self.limit_mib is not None and self.spike_limit_mib is not None and self.spike_limit_mib >= self.limit_mib:
            raise ValueError("spike_limit_mib must be below limit_mib")
        if self.limit_percentage is not None and self.spike_limit_percentage is not None and self.spike_limit_percentage >= self.limit_percentage:
            raise ValueError("spike_limit_percentage must be below limit_percentage")
        if self.check_interval in ("0", "0s"):
            raise ValueError("check_interval must be greater than zero (otelgen's default is 100ms, see docs/memory.md)")
        return self


class MemoryLimiter(Component):
    kind = "processor"
    id = "memory_limiter"
    names = (("0.0.0", "memory_limiter"),)
    order = "first"
    config_model = MemoryLimiterConfig
    description = "Refuses data before the process runs out of memory (first in every pipeline)."


class BatchConfig(ComponentConfig):
    timeout: str = "200ms"
    send_batch_size: int = Field(default=8192, ge=1)
    send_batch_max_size: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _sizes(self) -> "BatchConfig":
        if self.send_batch_max_size and self.send_batch_max_size < self.send_batch_size:
            raise ValueError("send_batch_max_size must be 0 or at least send_batch_size")
        return self


class Batch(Component):
    kind = "processor"
    id = "batch"
    names = (("0.0.0", "batch"),)
    order = "batch"
    config_model = BatchConfig
    description = "Batches data before export (after samplers and context-dependent processors)."


# ------------------------------------------------------------------- k8s_attributes

_DEFAULT_METADATA = [
    "k8s.namespace.name", "k8s.pod.name", "k8s.pod.uid", "k8s.pod.start_time", "k8s.node.name",
    "k8s.deployment.name", "k8s.statefulset.name", "k8s.daemonset.name", "k8s.cronjob.name", "k8s.job.name",
    "k8s.container.name", "container.image.name", "container.image.tag",
]


class K8sAttributesConfig(ComponentConfig):
    auth_type: Literal["serviceAccount", "kubeConfig"] = "serviceAccount"
    passthrough: bool = False
    filter_by_node: bool | None = Field(default=None, description="Watch only pods on this node (default: on in agent mode).")
    metadata: list[str] = Field(default_factory=lambda: list(_DEFAULT_METADATA))
    labels: list[dict[str, Any]] = Field(default_factory=list)
    annotations: list[dict[str, Any]] = Field(default_factory=list)
    pod_association: list[dict[str, Any]] | None = None


class K8sAttributes(Component):
    kind = "processor"
    id = "k8s_attributes"
    names = (("0.0.0", "k8sattributes"), ("0.146.0", "k8s_attributes"))
    order = "before_batch"
    config_model = K8sAttributesConfig
    description = "Adds pod, namespace and workload metadata (before batch: it needs the request's connection)."

    def _node_filtered(self) -> bool:
        if self.config.filter_by_node is not None:
            return self.config.filter_by_node
        return self.ctx.mode == "agent"

    def _association(self) -> list[dict[str, Any]]:
        if self.config.pod_association is not None:
            return self.config.pod_association
        ip_attr = [{"sources": [{"from": "resource_attribute", "name": "k8s.pod.ip"}]}]
        uid_attr = [{"sources": [{"from": "resource_attribute", "name": "k8s.pod.uid"}]}]
        connection = [{"sources": [{"from": "connection"}]}]
        if self.ctx.mode == "gateway":  # data arrives through agents: trust what they tagged
            return ip_attr + uid_attr + connection
        return connection + ip_attr + uid_attr

    def build(self) -> dict[str, Any]:
        cfg: dict[str, Any] = {"auth_type": self.config.auth_type, "passthrough": self.config.passthrough}
        if self.config.passthrough:
            return cfg
        if self._node_filtered():
            cfg["filter"] = {"node_from_env_var": "K8S_NODE_NAME"}
        extract: dict[str, Any] = {"metadata": list(self.config.metadata)}
        if self.config.labels:
            extract["labels"] = self.config.labels
        if self.config.annotations:
            extract["annotations"] = self.config.annotations
        cfg["extract"] = extract
        cfg["pod_association"] = self._association()
        return cfg

    def needs(self) -> Needs:
        if self.config.passthrough:
            return Needs()
        rules = [RbacRule(("",), ("pods", "namespaces"), ("get", "list", "watch"))]
        wanted = set(self.config.metadata)
        if wanted & {"k8s.deployment.name", "k8s.deployment.uid"}:
            rules.append(RbacRule(("apps",), ("replicasets",), ("get", "list", "watch")))
        if any(m.startswith("k8s.node.") and m != "k8s.node.name" for m in wanted):
            rules.append(RbacRule(("",), ("nodes",), ("get", "list", "watch")))
        env = [EnvVar("K8S_NODE_NAME", field_path="spec.nodeName")] if self._node_filtered() else []
        return Needs(rbac=rules, env=env)


# ------------------------------------------------------------------- resourcedetection


class ResourceDetectionConfig(ComponentConfig):
    detectors: list[str] = Field(default_factory=lambda: ["env", "system"], min_length=1)
    timeout: str = "2s"
    override: bool = False


class ResourceDetection(Component):
    kind = "processor"
    id = "resourcedetection"
    names = (("0.0.0", "resourcedetection"), ("0.153.0", "resource_detection"))
    config_model = ResourceDetectionConfig
    description = "Detects resource attributes of the host or cloud."

    def needs(self) -> Needs:
        if "k8snode" in self.config.detectors or "k8s_api" in self.config.detectors:
            return Needs(rbac=[RbacRule(("",), ("nodes",), ("get", "list"))], env=[EnvVar("K8S_NODE_NAME", field_path="spec.nodeName")])
        return Needs()


# ------------------------------------------------------------------- resource / attributes


class AttributeAction(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    key: str | None = None
    pattern: str | None = None
    action: Literal["insert", "update", "upsert", "delete", "hash", "extract", "convert"]
    value: Any = None
    from_attribute: str | None = None
    from_context: str | None = None
    converted_type: Literal["int", "double", "string"] | None = None

    @model_validator(mode="after")
    def _target(self) -> "AttributeAction":
        if self.key is None and self.pattern is None:
            raise ValueError("an action needs key or pattern")
        if self.action in ("insert", "update", "upsert") and self.value is None and self.from_attribute is None and self.from_context is None:
            raise ValueError(f"action {self.action!r} needs value, from_attribute or from_context")
        return self


class ResourceConfig(ComponentConfig):
    attributes: list[AttributeAction] = Field(min_length=1)


class Resource(Component):
    kind = "processor"
    id = "resource"
    names = (("0.0.0", "resource"),)
    config_model = ResourceConfig
    description = "Inserts, updates or deletes resource attributes."


class AttributesConfig(ComponentConfig):
    actions: list[AttributeAction] = Field(min_length=1)
    include: dict[str, Any] | None = None
    exclude: dict[str, Any] | None = None


class Attributes(Component):
    kind = "processor"
    id = "attributes"
    names = (("0.0.0", "attributes"),)
    config_model = AttributesConfig
    description = "Edits span, log and metric attributes."


# ------------------------------------------------------------------- filter / transform

ErrorMode = Literal["ignore", "silent", "propagate"]


class FilterConfig(ComponentConfig):
    error_mode: ErrorMode = "ignore"
    traces: dict[str, list[str]] | None = None
    metrics: dict[str, list[str]] | None = None
    logs: dict[str, list[str]] | None = None

    @model_validator(mode="after")
    def _something(self) -> "FilterConfig":
        if not (self.traces or self.metrics or self.logs or self.extra):
            raise ValueError("filter needs OTTL conditions under traces, metrics or logs")
        return self


class Filter(Component):
    kind = "processor"
    id = "filter"
    names = (("0.0.0", "filter"),)
    order = "before_batch"
    config_model = FilterConfig
    description = "Drops data matching OTTL conditions."


class TransformConfig(ComponentConfig):
    error_mode: ErrorMode = "ignore"
    trace_statements: list[Any] | None = None
    metric_statements: list[Any] | None = None
    log_statements: list[Any] | None = None


class Transform(Component):
    kind = "processor"
    id = "transform"
    names = (("0.0.0", "transform"),)
    config_model = TransformConfig
    description = "Modifies data with OTTL statements."


# ------------------------------------------------------------------- tail_sampling


class TailSamplingConfig(ComponentConfig):
    decision_wait: str = "10s"
    num_traces: int = Field(default=50000, ge=1)
    expected_new_traces_per_sec: int = Field(default=10, ge=0)
    policies: list[dict[str, Any]] = Field(min_length=1)


class TailSampling(Component):
    kind = "processor"
    id = "tail_sampling"
    names = (("0.0.0", "tail_sampling"),)
    signals = ("traces",)
    order = "before_batch"
    config_model = TailSamplingConfig
    description = "Samples whole traces; needs every span of a trace on one replica."


PROCESSORS: tuple[type[Component], ...] = (
    MemoryLimiter, Batch, K8sAttributes, ResourceDetection, Resource, Attributes, Filter, Transform, TailSampling,
)
