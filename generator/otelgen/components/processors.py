"""Processors.  ``order`` places them: memory_limiter first, samplers and
context-dependent processors before batch, batch last."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from otelgen import modes

from otelgen.components.base import AuthType, Component, ComponentConfig, Duration, EnvRef
from otelgen.components.declare import Check, Declaration, Env, Rule, Step, When, accepts, at_least_one, none_of, not_both, required


class MemoryLimiterConfig(ComponentConfig):
    check_interval: Duration = "100ms"  # as otelgen derives it (sizing.CHECK_INTERVAL); see docs/memory.md
    # the collector's rules (memorylimiter Config.Validate): both styles may be set
    # (limit_mib wins), a spike must stay below its limit, percentages at most 100
    limit_percentage: Annotated[int, Field(ge=0, le=100)] | EnvRef | None = None
    spike_limit_percentage: Annotated[int, Field(ge=0, le=100)] | EnvRef | None = None
    limit_mib: Annotated[int, Field(ge=0)] | EnvRef | None = None
    spike_limit_mib: Annotated[int, Field(ge=0)] | EnvRef | None = None

    # unsigned integers and the percentage range: the collector refuses what these bounds refuse
    collector_rules = ("limit_percentage", "spike_limit_percentage", "limit_mib", "spike_limit_mib")


class MemoryLimiter(Component):
    kind = "processor"
    id = "memory_limiter"
    names = (("0.0.0", "memory_limiter"),)
    order = "first"
    role = "memory_guard"
    config_model = MemoryLimiterConfig
    description = "Refuses data before the process runs out of memory (first in every pipeline)."
    #: memorylimiter Config.Validate: a spike below its limit, a limit above 0, a check interval
    declaration = Declaration(checks=(
        Check("less", path="spike_limit_mib", than="limit_mib", message="spike_limit_mib must be below limit_mib"),
        Check("less", path="spike_limit_percentage", than="limit_percentage", message="spike_limit_percentage must be below limit_percentage"),
        # a limit that is given must leave one of the two above 0 (neither given: otelgen derives them)
        *(at_least_one("limit_mib", "limit_percentage", when=(When(given, "set"),), message="set limit_mib or limit_percentage above 0")
          for given in ("limit_mib", "limit_percentage")),
        none_of(When("check_interval", "not_positive"), message="check_interval must be greater than zero (otelgen's default is 100ms, see docs/memory.md)"),
    ))


class BatchConfig(ComponentConfig):
    timeout: Duration = "200ms"
    send_batch_size: Annotated[int, Field(ge=0)] | EnvRef = Field(default=8192, description="0: batches are sent by timeout alone.")
    send_batch_max_size: Annotated[int, Field(ge=0)] | EnvRef | None = None

    collector_rules = ("send_batch_size", "send_batch_max_size")  # unsigned in the collector


class Batch(Component):
    kind = "processor"
    id = "batch"
    names = (("0.0.0", "batch"),)
    order = "batch"
    role = "batcher"
    config_model = BatchConfig
    description = "Batches data before export (after samplers and context-dependent processors)."
    declaration = Declaration(checks=(
        Check("less", path="send_batch_size", than="send_batch_max_size", equal=True, message="send_batch_max_size must be 0 or at least send_batch_size"),
        none_of(When("timeout", "negative"), message="timeout must not be negative"),
    ))


# ------------------------------------------------------------------- k8s_attributes

_DEFAULT_METADATA = [
    "k8s.namespace.name", "k8s.pod.name", "k8s.pod.uid", "k8s.pod.start_time", "k8s.node.name",
    "k8s.deployment.name", "k8s.statefulset.name", "k8s.daemonset.name", "k8s.cronjob.name", "k8s.job.name",
    "k8s.container.name", "container.image.name", "container.image.tag",
]


#: extract.metadata names the collector knows (k8sattributesprocessor Config.Validate at the pinned version)
K8S_METADATA = (
    "k8s.namespace.name", "k8s.pod.name", "k8s.pod.uid", "k8s.pod.hostname", "k8s.pod.start_time", "k8s.pod.ip",
    "k8s.deployment.name", "k8s.deployment.uid", "k8s.replicaset.name", "k8s.replicaset.uid",
    "k8s.daemonset.name", "k8s.daemonset.uid", "k8s.statefulset.name", "k8s.statefulset.uid",
    "k8s.job.name", "k8s.job.uid", "k8s.cronjob.name", "k8s.cronjob.uid", "k8s.node.name", "k8s.node.uid",
    "k8s.container.name", "container.id", "container.image.name", "container.image.tag", "container.image.repo_digests",
    "k8s.cluster.uid", "service.namespace", "service.name", "service.version", "service.instance.id",
)


K8S_EXTRACT_FIELDS = ("metadata", "labels", "annotations")
K8S_NODE_ENV = "K8S_NODE_NAME"
_WATCH = ("get", "list", "watch")
_BY_IP = [{"sources": [{"from": "resource_attribute", "name": "k8s.pod.ip"}]}]
_BY_UID = [{"sources": [{"from": "resource_attribute", "name": "k8s.pod.uid"}]}]
_BY_CONNECTION = [{"sources": [{"from": "connection"}]}]
#: pod_association by mode: data reaches a gateway through agents, so trust what they tagged
#: per mode (otelgen.modes): behind agents, trust what they tagged; elsewhere the connection first
POD_ASSOCIATION = {mode: (_BY_IP + _BY_UID + _BY_CONNECTION) if t.behind_agents else (_BY_CONNECTION + _BY_IP + _BY_UID) for mode, t in modes.MODES.items()}
#: per mode: k8s_attributes watches only its node's pods where one pod runs per node
FILTER_BY_NODE = {mode: t.per_node for mode, t in modes.MODES.items()}


class K8sAttributesConfig(ComponentConfig):
    auth_type: AuthType = "serviceAccount"
    passthrough: StrictBool | EnvRef = False
    filter_by_node: StrictBool | None = Field(default=None, description="Watch only pods on this node (default: on in agent mode).")
    metadata: list[str] = Field(default_factory=lambda: list(_DEFAULT_METADATA))
    labels: list[dict[str, Any]] = Field(default_factory=list)
    annotations: list[dict[str, Any]] = Field(default_factory=list)
    pod_association: list[dict[str, Any]] | None = None
    extract: dict[str, Any] | None = Field(default=None, description="The collector's own setting: its metadata, labels and annotations fill the fields above, the rest is rendered as written.")
    filter: dict[str, Any] | None = Field(default=None, description="The collector's own setting: node_from_env_var K8S_NODE_NAME means filter_by_node, the rest is rendered as written.")

    @model_validator(mode="before")
    @classmethod
    def _collector_shape(cls, data: Any) -> Any:
        """``extract`` and ``filter`` as the collector writes them → otelgen's fields (+ extra)."""
        return accepts(K8sAttributes.declaration, data)


class K8sAttributes(Component):
    kind = "processor"
    id = "k8s_attributes"
    names = (("0.0.0", "k8sattributes"), ("0.146.0", "k8s_attributes"))
    order = "before_batch"
    role = "pod_metadata"
    config_model = K8sAttributesConfig
    description = "Adds pod, namespace and workload metadata (before batch: it needs the request's connection)."

    #: filter_by_node defaults to on in agent mode; pod_association's default trusts what
    #: agents tagged in a gateway, the connection elsewhere; passthrough renders nothing else
    declaration = Declaration(
        checks=(Check("member", path="metadata", table=K8S_METADATA, message="'{{@value}}' is not a supported metadata field (known: {{@known}})"),),
        #: the collector's extract and filter: their metadata, labels and annotations fill
        #: otelgen's fields and node_from_env_var K8S_NODE_NAME means filter_by_node; the
        #: rest is kept under extra
        accepts=(
            Step("lift", path="extract", paths=K8S_EXTRACT_FIELDS, when=(When("extract", "mapping"),)),
            Step("extend", path="extra.extract", source="extract", when=(When("extract", "mapping"),)),
            Step("set", path="filter_by_node", value=True, when=(When("filter", "mapping"), When("filter.node_from_env_var", "eq", K8S_NODE_ENV), When("filter_by_node", "absent"))),
            Step("drop", paths=("filter.node_from_env_var",), when=(When("filter", "mapping"), When("filter.node_from_env_var", "eq", K8S_NODE_ENV))),
            Step("extend", path="extra.filter", source="filter", when=(When("filter", "mapping"),)),
        ),
        prepare=(Step("default", path="filter_by_node", lookup="@ctx.mode", value=FILTER_BY_NODE),),
        steps=(
            Step("keep", paths=("auth_type", "passthrough"), when=(When("passthrough"),)),
            Step("set", path="filter", value={"node_from_env_var": K8S_NODE_ENV}, when=(When("passthrough", "falsy"), When("filter_by_node"))),
            Step("nest", path="extract", paths=K8S_EXTRACT_FIELDS, over=True, when=(When("passthrough", "falsy"),)),
            Step("drop_empty", paths=("extract.labels", "extract.annotations")),
            Step("default", path="pod_association", lookup="@ctx.mode", value=POD_ASSOCIATION, when=(When("passthrough", "falsy"),)),
            Step("drop", paths=("filter_by_node",)),
            Step("order", paths=("auth_type", "passthrough", "filter", "extract", "pod_association")),
        ),
        rbac=(
            Rule(api_groups=("",), resources=("pods", "namespaces"), verbs=_WATCH, when=(When("passthrough", "falsy"),)),
            Rule(api_groups=("apps",), resources=("replicasets",), verbs=_WATCH, when=(When("passthrough", "falsy"), When("metadata", "any_in", ("k8s.deployment.name", "k8s.deployment.uid")))),
            Rule(api_groups=("",), resources=("nodes",), verbs=_WATCH, when=(When("passthrough", "falsy"), When("metadata", "any_prefix", ("k8s.node.", ("k8s.node.name",))))),
        ),
        env=(Env(K8S_NODE_ENV, "spec.nodeName", when=(When("passthrough", "falsy"), When("filter_by_node"))),),
    )


# ------------------------------------------------------------------- resourcedetection


#: resource detectors → the collector version that has them (resourcedetectionprocessor's factory)
DETECTORS: dict[str, str] = {
    **dict.fromkeys((
        "env", "system", "docker", "gcp", "ec2", "ecs", "eks", "elastic_beanstalk", "lambda", "azure", "aks",
        "consul", "k8snode", "openshift", "heroku", "dynatrace", "kubeadm", "akamai", "scaleway", "hetzner",
        "upcloud", "vultr", "oraclecloud", "digitalocean", "alibaba_ecs", "nova",
    ), "0.0.0"),
    "k8s_api": "0.154.0",
}


class ResourceDetectionConfig(ComponentConfig):
    detectors: list[str] = Field(default_factory=lambda: ["env", "system"])
    timeout: Duration = "2s"
    override: StrictBool = False


class ResourceDetection(Component):
    kind = "processor"
    id = "resourcedetection"
    names = (("0.0.0", "resourcedetection"), ("0.153.0", "resource_detection"))
    config_model = ResourceDetectionConfig
    description = "Detects resource attributes of the host or cloud."
    declaration = Declaration(
        checks=(Check("member", path="detectors", table=DETECTORS, message="unknown resource detector '{{@value}}' (known: {{@known}})",
                      newer="resource detector '{{@value}}' needs collector {{@since}} or newer (the target is {{@version}})"),),
        rbac=(Rule(api_groups=("",), resources=("nodes",), verbs=("get", "list"), when=(When("detectors", "any_in", ("k8snode", "k8s_api")),)),),
        env=(Env(K8S_NODE_ENV, "spec.nodeName", when=(When("detectors", "any_in", ("k8snode", "k8s_api")),)),),
    )


# ------------------------------------------------------------------- resource / attributes


_VALUE_SOURCES = ("value", "from_attribute", "from_context")
_ACTIONS = ("insert", "update", "upsert", "delete", "hash", "extract", "convert")
#: the action names in any case (the collector lowers them)
_ACTION_PATTERN = "^(?:" + "|".join("".join(f"[{c}{c.upper()}]" for c in a) for a in _ACTIONS) + ")$"


class AttributeAction(BaseModel):
    """One action of the attributes/resource processors, with the collector's
    rules (attraction.NewAttrProc); the action name is case-insensitive."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    key: str | None = None
    pattern: str | None = None
    action: str = Field(pattern=_ACTION_PATTERN, description="insert, update, upsert, delete, hash, extract or convert (any case).")
    value: Any = None
    from_attribute: str | None = None
    from_context: str | None = None
    converted_type: Literal["int", "double", "string"] | None = None


_SOURCES = (When("value", "set"), When("from_attribute"), When("from_context"))
_DELETE_HASH = When("action", "in", ("delete", "hash"))
_SETTERS = When("action", "in", ("insert", "update", "upsert"))
#: the collector's rules for one action (attraction.NewAttrProc): per action, the fields it
#: needs and the ones it does not use; the action name is compared lower-cased
ACTION_CHECKS = (
    at_least_one("key", "pattern", when=(_DELETE_HASH,), message="an action needs key or pattern"),
    required("key", when=(When("action", "in", ("insert", "update", "upsert", "extract", "convert")),), message="action '{{action}}' needs key"),
    at_least_one(*_SOURCES, when=(_SETTERS,), message="action '{{action}}' needs value, from_attribute or from_context"),
    not_both(*_SOURCES, when=(_SETTERS,), message="action '{{action}}' takes one value source, got {{@given}}"),
    none_of("pattern", when=(_SETTERS,), message="action '{{action}}' does not use pattern"),
    none_of(When("value", "set"), "from_attribute", when=(_DELETE_HASH,), message="action '{{action}}' does not use value or from_attribute"),
    none_of(*_SOURCES, when=(When("action", "eq", "extract"),), message="action 'extract' takes no value source"),
    required("pattern", when=(When("action", "eq", "extract"),), message="action 'extract' needs pattern"),
    none_of(*_SOURCES, When("pattern"), when=(When("action", "eq", "convert"),), message="action 'convert' takes no value source or pattern"),
    required("converted_type", when=(When("action", "eq", "convert"),), message="action 'convert' needs converted_type"),
    none_of("converted_type", when=(When("action", "ne", "convert"),), message="action '{{action}}' does not use converted_type"),
)


def action_checks(field: str) -> Check:
    """The action rules for every item of the list ``field``."""
    return Check("each", path=field, checks=ACTION_CHECKS, lower=("action",))


class ResourceConfig(ComponentConfig):
    attributes: list[AttributeAction] = Field(min_length=1)


class Resource(Component):
    kind = "processor"
    id = "resource"
    names = (("0.0.0", "resource"),)
    config_model = ResourceConfig
    description = "Inserts, updates or deletes resource attributes."
    declaration = Declaration(checks=(action_checks("attributes"),))


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
    declaration = Declaration(checks=(action_checks("actions"),))


# ------------------------------------------------------------------- filter / transform

ErrorMode = Literal["ignore", "silent", "propagate"]


class FilterConfig(ComponentConfig):
    error_mode: ErrorMode = "ignore"
    traces: dict[str, list[str]] | None = None
    metrics: dict[str, list[str]] | None = None
    logs: dict[str, list[str]] | None = None


class Filter(Component):
    kind = "processor"
    id = "filter"
    names = (("0.0.0", "filter"),)
    order = "before_batch"
    config_model = FilterConfig
    description = "Drops data matching OTTL conditions."
    declaration = Declaration(checks=(at_least_one("traces", "metrics", "logs", "extra", collector=False, message="filter needs OTTL conditions under traces, metrics or logs"),))


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
    decision_wait: Duration = "10s"
    num_traces: int = Field(default=50000, ge=0, description="The collector takes 0 too.")
    expected_new_traces_per_sec: int = Field(default=10, ge=0)
    policies: list[dict[str, Any]] = Field(description="Sampling policies (the collector takes an empty list: nothing is sampled out).")

    collector_rules = ("num_traces", "expected_new_traces_per_sec")  # unsigned in the collector


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
