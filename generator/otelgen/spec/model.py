"""The otelgen spec: a Kubernetes-style document describing one collector deployment.

Field names are camelCase like Kubernetes; component configs inside
``receivers``/``processors``/... keep the collector's own snake_case names and
are validated by the component registry (``otelgen.plan``).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StrictBool, StringConstraints, field_validator, model_validator
from pydantic.alias_generators import to_camel

from otelgen import alert_rules, modes, versions
from otelgen.spec import kube, quantity
from otelgen.spec.targetallocator import TargetAllocatorSettings

API_VERSION = "otelgen.io/v1alpha1"
KIND = "Collector"
Mode = Literal["agent", "gateway", "statefulset", "sidecar"]
MODES: tuple[str, ...] = tuple(modes.MODES)  # the one table of what each mode renders (otelgen.modes)

_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")  # fullmatch: "$" would match before a trailing newline
INT32_MAX = 2**31 - 1  # replicas and other int32 fields of the Kubernetes API
INT64_MAX = 2**63 - 1
_PIPELINE_ID = re.compile(r"(traces|metrics|logs)(/[A-Za-z0-9_.-]+)?")


class Model(kube.Checked):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True, defer_build=True)


# ------------------------------------------------------------------ metadata


class Metadata(Model):
    name: str = Field(max_length=40, description="Base name of every rendered object (DNS label, ≤40 chars to leave room for suffixes).")
    namespace: str = Field(default="observability", max_length=63)
    labels: dict[str, str] = Field(default_factory=dict, description="Extra labels on every object.")
    annotations: dict[str, str] = Field(default_factory=dict, description="Extra annotations on every object.")

    @field_validator("name", "namespace")
    @classmethod
    def _dns_label(cls, value: str) -> str:
        if not _DNS_LABEL.fullmatch(value):
            raise ValueError(f"[E055] {value!r} is not a DNS label (lowercase letters, digits and '-', starting and ending with a letter or digit)")
        return value


# ------------------------------------------------------------------ image / resources


class Image(Model):
    repository: str | None = Field(default=None, pattern=r"^\S+$", description="An empty one renders a pod that cannot start. Default: the distribution's image (otelcol-k8s: the official Kubernetes image; contrib: otel/opentelemetry-collector-contrib).")
    tag: str | None = Field(default=None, description="Default: the target collector version.")
    digest: str | None = Field(default=None, pattern=r"^sha256:[0-9a-f]{64}$")
    pull_policy: Literal["Always", "IfNotPresent", "Never"] = Field(
        default="Always",
        description="Always (default): the kubelet checks the registry, with this pod's pull credentials, on every start, so a node's cached copy is never used by a pod that could not pull it and a re-pushed tag is noticed; layers already on the node are not downloaded again. IfNotPresent avoids the registry round trip (e.g. with a digest-pinned image from a mirror).",
    )

    @field_validator("tag")
    @classmethod
    def _pinned(cls, tag: str | None) -> str | None:
        return kube.pinned_tag(tag)


class Quantities(Model):
    cpu: str | None = None
    memory: str | None = None
    ephemeral_storage: str | None = None

    @field_validator("cpu", "memory", "ephemeral_storage", mode="before")
    @classmethod
    def _number(cls, value: Any) -> Any:
        """A bare number is a quantity too (``--set resources.limits.memory=0``)."""
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value

    @field_validator("cpu", "memory", "ephemeral_storage")
    @classmethod
    def _quantity(cls, value: str | None) -> str | None:
        if value is not None:
            quantity.parse(value)
        return value


Size = Literal["small", "medium", "large", "none"]


class Resources(Model):
    size: Size | None = Field(default=None, description="small | medium | large (default by mode: agent/sidecar small, gateway medium); none: only what requests/limits say.")
    requests: Quantities = Field(default_factory=Quantities)
    limits: Quantities = Field(default_factory=Quantities)
    allow_no_memory_limit: StrictBool = Field(default=False, description="Allow rendering without a memory limit (memory_limiter percentages then follow the node's memory, GOMEMLIMIT is not set).")


class MemoryTuning(Model):
    """memory_limiter and GOMEMLIMIT as fractions of the container memory limit."""

    limit_percentage: int = Field(default=80, ge=10, le=95)
    spike_limit_percentage: int = Field(default=20, ge=5, le=50)
    gomemlimit_percentage: int = Field(default=80, ge=10, le=95)

    @model_validator(mode="after")
    def _spike_below_limit(self) -> "MemoryTuning":
        if self.spike_limit_percentage >= self.limit_percentage:
            raise ValueError("spikeLimitPercentage must be below limitPercentage")
        return self


# ------------------------------------------------------------------ pipelines


class Pipeline(Model):
    receivers: list[str] = Field(min_length=1)
    processors: list[str] = Field(default_factory=list)
    exporters: list[str] = Field(min_length=1)


class PipelineDefaults(Model):
    memory_limiter: StrictBool = Field(default=True, description="Insert memory_limiter first in every pipeline when absent.")
    batch: StrictBool = Field(default=True, description="Insert batch last in every pipeline when absent.")


# ------------------------------------------------------------------ presets


class Preset(Model):
    enabled: StrictBool = False


class KubernetesAttributesPreset(Preset):
    extract_labels: list[str] = Field(default_factory=list, description="Pod label keys copied to k8s.pod.labels.<key>.")


class LogsCollectionPreset(Preset):
    include_collector_logs: StrictBool = Field(default=False, description="Also tail this collector's own logs (feedback loops!).")
    start_at: Literal["beginning", "end"] = "end"
    checkpoint_host_path: str | None = Field(default=None, description="Keep read offsets on the node (directory must be writable by UID 10001); default: emptyDir.")


class IntervalPreset(Preset):
    collection_interval: str = "30s"


class PrometheusScrapingPreset(Preset):
    """Prometheus endpoints scraped by the collector (docs: README "Prometheus scraping")."""

    strategy: Literal["node-local", "target-allocator"] | None = Field(default=None, description="node-local: each agent scrapes the pods on its own node (mode agent); target-allocator: the target allocator shares the targets out among the collectors. Required when enabled: an explicit choice.")
    annotation_discovery: StrictBool = Field(default=True, description="Scrape pods annotated prometheus.io/scrape: 'true' (prometheus.io/port, /path, /scheme honoured).")
    scrape_interval: str = Field(default="30s", pattern=r"^[0-9]+(ms|s|m|h)$", description="Interval of the annotation-discovery job (a Prometheus duration).")
    scrape_configs: list[dict[str, Any]] = Field(default_factory=list, description="Your own Prometheus scrape_configs, added as given (a literal '$' written '$$').")
    target_allocator: TargetAllocatorSettings = Field(default_factory=TargetAllocatorSettings, description="strategy target-allocator: the allocator's image, replicas, allocation strategy and ServiceMonitor/PodMonitor discovery.")


Presets_fields = ("kubernetesAttributes", "logsCollection", "hostMetrics", "kubeletMetrics", "clusterMetrics", "kubernetesEvents", "prometheusScraping")


class Presets(Model):
    kubernetes_attributes: KubernetesAttributesPreset = Field(default_factory=KubernetesAttributesPreset)
    logs_collection: LogsCollectionPreset = Field(default_factory=LogsCollectionPreset)
    host_metrics: IntervalPreset = Field(default_factory=IntervalPreset)
    kubelet_metrics: IntervalPreset = Field(default_factory=IntervalPreset)
    cluster_metrics: IntervalPreset = Field(default_factory=IntervalPreset)
    kubernetes_events: Preset = Field(default_factory=Preset)
    prometheus_scraping: PrometheusScrapingPreset = Field(default_factory=PrometheusScrapingPreset)


# ------------------------------------------------------------------ TLS


class IssuerRef(Model):
    name: str
    kind: Literal["Issuer", "ClusterIssuer"] = "ClusterIssuer"
    group: str = "cert-manager.io"


class CertManager(Model):
    issuer_ref: IssuerRef
    dns_names: list[str] = Field(default_factory=list, description="Extra DNS names; the Service names are always included.")
    duration: str = "2160h"
    renew_before: str = "360h"


class SecretKey(Model):
    name: str
    key: str = "ca.crt"


class ServerTLS(Model):
    """TLS for the network receivers: a certificate from an existing Secret or from cert-manager."""

    secret_name: str | None = Field(default=None, description="Existing kubernetes.io/tls Secret.")
    cert_manager: CertManager | None = None
    client_ca: SecretKey | None = Field(default=None, alias="clientCA", description="CA that client certificates must chain to (mTLS).")

    @model_validator(mode="after")
    def _one_source(self) -> "ServerTLS":
        kube.set_one(self, "secret_name", "cert_manager")
        return self


# ------------------------------------------------------------------ network policy


class LabelSelector(Model):
    match_labels: dict[str, str] = Field(default_factory=dict)


class IPBlock(Model):
    cidr: str
    except_: list[str] = Field(default_factory=list, alias="except")


class Peer(Model):
    namespace_selector: LabelSelector | None = None
    pod_selector: LabelSelector | None = None
    ip_block: IPBlock | None = None

    @model_validator(mode="after")
    def _something(self) -> "Peer":
        if self.ip_block is not None and (self.namespace_selector or self.pod_selector):
            raise ValueError("ipBlock cannot be combined with selectors in one peer")
        if not (self.ip_block or self.namespace_selector or self.pod_selector):
            raise ValueError("a peer needs namespaceSelector, podSelector or ipBlock")
        return self


class PortRule(Model):
    port: int = Field(ge=1, le=65535)
    protocol: Literal["TCP", "UDP"] = "TCP"


class EgressRule(Model):
    to: list[Peer] = Field(default_factory=list)
    ports: list[PortRule] = Field(min_length=1)


class ApiServerAccess(Model):
    cidrs: list[str] = Field(default_factory=list, description="API server addresses; empty: any destination on these ports.")
    ports: list[int] = Field(default_factory=lambda: [443, 6443])


class DnsAccess(Model):
    namespace: str = "kube-system"
    pod_labels: dict[str, str] = Field(default_factory=lambda: {"k8s-app": "kube-dns"})


def _in_cluster() -> list[Peer]:
    return [Peer(namespace_selector=LabelSelector())]


class NetworkPolicy(Model):
    enabled: StrictBool = True
    ingress_from: list[Peer] = Field(default_factory=_in_cluster, description="Who may send to the receivers (default: any pod in the cluster).")
    metrics_from: list[Peer] = Field(default_factory=_in_cluster, description="Who may scrape the telemetry port.")
    exporter_to: dict[str, list[Peer]] = Field(default_factory=dict, description="Per exporter (by name): where it may send; default any address on its port.")
    egress: list[EgressRule] = Field(default_factory=list, description="Additional egress rules.")
    api_server: ApiServerAccess = Field(default_factory=ApiServerAccess)
    dns: DnsAccess = Field(default_factory=DnsAccess)
    kubelet_cidrs: list[str] = Field(default_factory=list, description="Node addresses for kubelet_stats; empty: any destination on 10250.")
    exposure_from: list[Peer] = Field(default_factory=list, description="The Ingress controller's / Gateway implementation's pods (namespaceSelector + podSelector; ipBlock for host-network controllers or load balancers that send straight to pods): admitted to the receiver ports the Ingress and routes send to.")
    scrape_to: list[Peer] = Field(default_factory=_in_cluster, description="Where a prometheus receiver with Kubernetes service discovery may scrape (any TCP port: the ports come from annotations; default: any pod in the cluster).")


# ------------------------------------------------------------------ scaling / service / pod


class Autoscaling(Model):
    enabled: StrictBool = False
    min_replicas: int = Field(default=2, ge=1, le=INT32_MAX)
    max_replicas: int = Field(default=10, ge=1, le=INT32_MAX)
    target_cpu_utilization_percentage: int | None = Field(default=70, ge=1, le=100, alias="targetCPUUtilizationPercentage")
    target_memory_utilization_percentage: int | None = Field(default=None, ge=1, le=100, alias="targetMemoryUtilizationPercentage")
    metrics: list[kube.MetricSpec] = Field(default_factory=list, description="More autoscaling/v2 metrics (Pods, Object, External: custom and external metrics), after the CPU/memory targets.")
    behavior: kube.HPABehavior | None = Field(default=None, description="The HPA's scaleUp/scaleDown behavior, as in autoscaling/v2.")

    @model_validator(mode="after")
    def _bounds(self) -> "Autoscaling":
        if self.max_replicas < self.min_replicas:
            raise ValueError("maxReplicas must be at least minReplicas")
        if self.enabled and self.target_cpu_utilization_percentage is None and self.target_memory_utilization_percentage is None and not self.metrics:
            raise ValueError("autoscaling needs a CPU or memory utilization target or metrics")
        return self


IntOrPercent = Annotated[int, Field(ge=0, le=INT32_MAX)] | Annotated[str, Field(pattern=r"^[0-9]{1,3}%$")]


class DisruptionBudget(Model):
    model_config = Model.model_config | kube.at_most_one("maxUnavailable", "minAvailable")

    enabled: StrictBool = True
    max_unavailable: IntOrPercent | None = Field(default=None, description="Pods that may be down at once (a number or a percentage, e.g. 25%). Default 1 when minAvailable is unset.")
    min_available: IntOrPercent | None = Field(default=None, description="Pods that must stay up (a number or a percentage), instead of maxUnavailable.")

    @field_validator("max_unavailable", "min_available", mode="before")
    @classmethod
    def _int_or_percent(cls, value: int | str | None) -> int | str | None:
        if isinstance(value, bool):
            raise ValueError(f"expected a non-negative number or a percentage like 25%, got {value!r}")
        return value


class Scaling(Model):
    replicas: int = Field(default=2, ge=1, le=INT32_MAX)
    autoscaling: Autoscaling = Field(default_factory=Autoscaling)
    pod_disruption_budget: DisruptionBudget = Field(default_factory=DisruptionBudget)
    topology_spread: StrictBool = Field(default=True, description="Spread replicas across zones and nodes.")


class ServiceSettings(Model):
    type: Literal["ClusterIP", "NodePort", "LoadBalancer"] = "ClusterIP"
    annotations: dict[str, str] = Field(default_factory=dict)
    internal_traffic_policy: Literal["Cluster", "Local"] | None = Field(default=None, description="Default: Local for agents (send to the agent on your node).")
    host_ports: StrictBool = Field(default=False, description="Agents only: also open each receiver port as a hostPort on its node, so apps can send to their node's IP (status.hostIP; otelgen instrument --via host-ip). Off by default: the Service with internalTrafficPolicy Local reaches the same agent without binding node ports.")


class ServiceAccountSettings(Model):
    annotations: dict[str, str] = Field(default_factory=dict, description="On the rendered ServiceAccount, e.g. eks.amazonaws.com/role-arn (IRSA) or iam.gke.io/gcp-service-account (Workload Identity).")


class RbacSettings(Model):
    rules: list[kube.PolicyRule] = Field(default_factory=list, description="Extra ClusterRole rules (W121 for * or Secrets).")


class Sidecar(Model):
    native: StrictBool = Field(default=True, description="Run as a native sidecar (init container with restartPolicy: Always, Kubernetes ≥1.29).")
    container_name: str = "otc-container"


class Telemetry(Model):
    metrics_port: int = Field(default=8888, ge=1, le=65535)
    log_level: Literal["debug", "info", "warn", "error"] = "info"


class ServiceMonitor(Model):
    """A Prometheus Operator ServiceMonitor for the collector's own metrics (agent and gateway)."""

    enabled: StrictBool = Field(default=False, description="Render a monitoring.coreos.com/v1 ServiceMonitor (the Helm chart only when the cluster serves that API).")
    interval: str = Field(default="30s", pattern=r"^[0-9]+(ms|s|m|h)$")
    labels: dict[str, str] = Field(default_factory=dict, description="Extra labels, e.g. the one your Prometheus selects ServiceMonitors by (release: prometheus).")


class PodMonitor(Model):
    """A Prometheus Operator PodMonitor for sidecars: the app pods `otelgen inject` labelled, on the collector's metrics port."""

    enabled: StrictBool = Field(default=False, description="Sidecar mode: render a monitoring.coreos.com/v1 PodMonitor selecting the pods `otelgen inject` labelled (the Helm chart only when the cluster serves that API). Agents and gateways are scraped by serviceMonitor.")
    interval: str = Field(default="30s", pattern=r"^[0-9]+(ms|s|m|h)$")
    labels: dict[str, str] = Field(default_factory=dict, description="Extra labels, e.g. the one your Prometheus selects PodMonitors by (release: prometheus).")


AlertName = Literal[alert_rules.NAMES]  # type: ignore[valid-type]
PromLabelName = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z_][a-zA-Z0-9_]*$")]
#: a value written into a PromQL string: no quote, backslash or newline to escape
PromLabelValue = Annotated[str, StringConstraints(pattern=r'^[^"\\\n]*$')]


class AlertRule(Model):
    """Overrides for one alert (docs/alerts.md lists them, with their defaults)."""

    enabled: StrictBool = True
    severity: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]+$", description="The severity label (default per alert: critical or warning).")
    for_: str | None = Field(default=None, alias="for", pattern=r"^[0-9]+(ms|s|m|h)$", description="How long the condition holds before the alert fires.")
    threshold: float | None = Field(default=None, ge=0, le=1e15, description="The alert's threshold, in the unit docs/alerts.md gives for it (a rate, a ratio, a percentage of the memory limit, a count).")


class Alerts(Model):
    """A Prometheus Operator PrometheusRule with the alerts to page on for this collector (docs/alerts.md)."""

    enabled: StrictBool = Field(default=False, description="Render a monitoring.coreos.com/v1 PrometheusRule (the Helm chart only when the cluster serves that API).")
    labels: dict[str, str] = Field(default_factory=dict, description="Extra labels on the PrometheusRule, e.g. the one your Prometheus selects rules by (release: prometheus).")
    alert_labels: dict[PromLabelName, str] = Field(default_factory=dict, description="Extra labels on every alert (e.g. team: platform), for Alertmanager routing.")
    runbook_base_url: str = Field(default="docs/alerts.md", pattern=r"^\S+$", description="Where docs/alerts.md is published: each alert's runbook_url annotation is this plus #<alert name in lower case>.")
    selector: dict[PromLabelName, PromLabelValue] = Field(default_factory=dict, description="Label matchers (exact) for the collector's own metrics, when they are not scraped by the serviceMonitor/podMonitor otelgen renders (default: job and namespace as those produce them).")
    rules: dict[AlertName, AlertRule] = Field(default_factory=dict, description="Per alert: enabled, severity, for, threshold.")


class EnvEntry(Model):
    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    value: str | None = None
    secret_ref: SecretKey | None = None
    value_from: kube.EnvVarSource | None = Field(default=None, description="As in a pod spec: fieldRef, resourceFieldRef, configMapKeyRef or secretKeyRef.")

    @model_validator(mode="after")
    def _one(self) -> "EnvEntry":
        kube.set_one(self, "value", "secret_ref", "value_from")
        return self


class Toleration(Model):
    key: str | None = None
    operator: Literal["Exists", "Equal"] | None = None
    value: str | None = None
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] | None = None
    toleration_seconds: int | None = Field(default=None, ge=-INT64_MAX - 1, le=INT64_MAX)


class PodSettings(Model):
    annotations: dict[str, str] = Field(default_factory=dict)
    labels: dict[str, str] = Field(default_factory=dict)
    node_selector: dict[str, str] = Field(default_factory=dict)
    tolerations: list[Toleration] = Field(default_factory=list)
    priority_class_name: str | None = None
    env: list[EnvEntry] = Field(default_factory=list)
    run_as_user: int = Field(default=10001, ge=1, le=INT64_MAX, description="Non-root UID (the official image's user).")
    termination_grace_period_seconds: int = Field(default=30, ge=0, le=INT64_MAX)
    # ---- the collector container (also the sidecar's)
    env_from: list[kube.EnvFromSource] = Field(default_factory=list, description="configMapRef / secretRef: every key of a ConfigMap or Secret as env vars.")
    volume_mounts: list[kube.VolumeMount] = Field(default_factory=list, description="Extra mounts into the collector container, of pod.volumes. A hostPath is read-only unless readOnly: false (W120 outside /var/lib/otelcol).")
    args: list[str] = Field(default_factory=list, description="Extra collector command-line arguments, after --config.")
    feature_gates: list[str] = Field(default_factory=list, description="Collector feature gates (e.g. +k8sattr.labelsAnnotationsSingular.allow), rendered as one --feature-gates= argument.")
    container_security_context: kube.SecurityContext | None = Field(default=None, description="Merged over the collector container's restricted securityContext; a relaxing field warns (W131).")
    liveness_probe: kube.ProbeTiming | None = Field(default=None, description="Timing fields over the derived liveness probe.")
    readiness_probe: kube.ProbeTiming | None = Field(default=None, description="Timing fields over the derived readiness probe.")
    startup_probe: kube.ProbeTiming | None = Field(default=None, description="Timing fields over the derived startup probe.")
    lifecycle: kube.Lifecycle | None = Field(default=None, description="preStop/postStart hooks of the collector container.")
    # ---- the pod (agent and gateway)
    volumes: list[kube.Volume] = Field(default_factory=list, description="Extra pod volumes (names must not clash with otelgen's own).")
    init_containers: list[kube.Container] = Field(default_factory=list, description="Run before the collector; restricted securityContext defaults apply unless set (W131 when relaxed).")
    containers: list[kube.Container] = Field(default_factory=list, description="Extra containers beside the collector; restricted securityContext defaults apply unless set (W131 when relaxed).")
    affinity: kube.Affinity | None = Field(default=None, description="nodeAffinity / podAffinity / podAntiAffinity; each one set replaces what otelgen derives for it.")
    topology_spread_constraints: list[kube.TopologySpreadConstraint] | None = Field(default=None, description="Replaces the derived spread (gateways with several replicas); [] removes it.")
    security_context: kube.PodSecurityContext | None = Field(default=None, description="Merged over the pod's restricted securityContext; a relaxing field warns (W131).")
    image_pull_secrets: list[kube.LocalObjectReference] = Field(default_factory=list, description="Secrets with registry credentials for the pod's images.")
    host_network: StrictBool = Field(default=False, description="Agents only: the pod uses the node's network namespace (W132).")
    dns_policy: Literal["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"] | None = Field(default=None, description="Default: ClusterFirstWithHostNet with hostNetwork, else the Kubernetes default.")
    service_account_name: str | None = Field(default=None, description="Run as this existing ServiceAccount: otelgen renders none, and binds its RBAC to this one.")


class PersistentQueue(Model):
    """Exporters' sending queues on disk (the file_storage extension), so a restarted
    collector sends what it had queued. Where the data lives follows the mode: a
    PersistentVolumeClaim per pod (statefulset), a directory of the node (agent), an
    emptyDir inside the pod's ephemeral-storage limit (gateway). What survives what:
    docs/configure.md."""

    enabled: StrictBool = False
    size: str = Field(default="1Gi", description="Disk for the queues: the PVC's request (statefulset), the emptyDir's sizeLimit (gateway), the bound on what the queues may write to the node (agent). The queues are sized in bytes to fit in half of it (the rest is the storage file's own overhead).")
    storage_class_name: str | None = Field(default=None, description="statefulset: the PVC's StorageClass (default: the cluster's default class).")
    host_path: str | None = Field(default=None, pattern=r"^/var/lib/otelcol(/[^/]+)+$", description="agent: the node directory (one per collector; default /var/lib/otelcol/<name>/queue).")
    directory: str = Field(default="/var/lib/otelcol/queue", pattern=r"^/.*[^/]$", description="Where the collector writes the queue inside the container.")

    @field_validator("size")
    @classmethod
    def _size(cls, value: str) -> str:
        if isinstance(value, str):
            quantity.parse(value)
        return value


# ------------------------------------------------------------------ exposure: Ingress, Gateway API routes


class IngressTLS(Model):
    """TLS at the Ingress controller: an existing Secret, or a cert-manager Certificate for the hosts."""

    secret_name: str | None = Field(default=None, description="Existing kubernetes.io/tls Secret with a certificate for the hosts.")
    cert_manager: CertManager | None = Field(default=None, description="A Certificate for the hosts (plus dnsNames), in the Secret <name>-ingress-tls.")

    @model_validator(mode="after")
    def _one_source(self) -> "IngressTLS":
        kube.set_one(self, "secret_name", "cert_manager")
        return self


OtlpPath = Annotated[str, Field(pattern=r"^/", max_length=1024)]


class IngressSettings(Model):
    """A networking.k8s.io/v1 Ingress in front of one otlp receiver's HTTP or gRPC port."""

    enabled: StrictBool = False
    protocol: Literal["http", "grpc"] = Field(default="http", description="http: OTLP/HTTP to the receiver's http port; grpc: OTLP/gRPC to its grpc port (set the controller's backend-protocol annotation, e.g. nginx.ingress.kubernetes.io/backend-protocol: GRPC).")
    receiver: str | None = Field(default=None, description="The otlp receiver (its name under spec.receivers) to expose; default: the only one serving this protocol.")
    ingress_class_name: str | None = Field(default=None, description="The IngressClass (controller); default: the cluster's default class.")
    annotations: dict[str, str] = Field(default_factory=dict, description="Controller settings (backend protocol, body size, auth: Secret names only).")
    hosts: list[str] = Field(default_factory=list, description="Host names (a leading '*.' is a wildcard); empty: every host (no TLS then).")
    paths: list[OtlpPath] = Field(default_factory=list, description="Default: the receiver's OTLP paths for the signals its pipelines carry (http: /v1/traces, /v1/metrics, /v1/logs; grpc: /opentelemetry.proto.collector.<signal>.v1.<Signal>Service).")
    path_type: Literal["Prefix", "Exact", "ImplementationSpecific"] = "Prefix"
    tls: IngressTLS | None = None


class ParentRef(Model):
    """A Gateway the route attaches to (Gateway API ParentReference)."""

    name: str = Field(min_length=1, max_length=253)
    namespace: str | None = Field(default=None, max_length=63, description="Default: the route's namespace (the Gateway must allow routes from it).")
    section_name: str | None = Field(default=None, max_length=253, description="A listener of the Gateway.")
    port: int | None = Field(default=None, ge=1, le=65535)


class RouteSettings(Model):
    """A Gateway API route (HTTPRoute or GRPCRoute) to one otlp receiver; TLS terminates at the Gateway."""

    enabled: StrictBool = False
    receiver: str | None = Field(default=None, description="The otlp receiver (its name under spec.receivers) to route to; default: the only one serving the route's protocol.")
    parent_refs: list[ParentRef] = Field(default_factory=list, description="The Gateway(s) the route attaches to; at least one when enabled.")
    hostnames: list[str] = Field(default_factory=list, description="Host names the route matches; empty: the Gateway listener's.")
    annotations: dict[str, str] = Field(default_factory=dict)


# ------------------------------------------------------------------ apps (SDK side)


def _check(parser, value):
    if value is not None:
        try:
            parser(value)
        except ValueError as exc:
            raise ValueError(str(exc)) from None
    return value


class AppBatch(Model):
    """The SDK's batch processors (spans: OTEL_BSP_*, logs: OTEL_BLRP_*)."""

    interval: str = Field(default="5s", description="Schedule delay: the longest a finished span waits (OTEL_BSP_SCHEDULE_DELAY / OTEL_BLRP_SCHEDULE_DELAY, written in ms). Exports leave sooner once maxBatch items are queued.")
    max_queue: int = Field(default=2048, ge=1, description="Items buffered per process; more are dropped (OTEL_BSP_MAX_QUEUE_SIZE / OTEL_BLRP_MAX_QUEUE_SIZE).")
    max_batch: int = Field(default=512, ge=1, description="Items per export, at most maxQueue (OTEL_BSP_MAX_EXPORT_BATCH_SIZE / OTEL_BLRP_MAX_EXPORT_BATCH_SIZE).")
    export_timeout: str = Field(default="30s", description="Longest one export may take (OTEL_BSP_EXPORT_TIMEOUT / OTEL_BLRP_EXPORT_TIMEOUT, written in ms).")

    @field_validator("interval", "export_timeout")
    @classmethod
    def _duration(cls, value: str) -> str:
        from otelgen import appsizing

        return _check(appsizing.parse_duration, value)

    @model_validator(mode="after")
    def _batch_in_queue(self) -> "AppBatch":
        if self.max_batch > self.max_queue:
            raise ValueError(f"maxBatch {self.max_batch} must not exceed maxQueue {self.max_queue} (SDK specification)")
        return self


class AppSampler(Model):
    type: Literal["always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off", "parentbased_traceidratio"] = "parentbased_always_on"
    argument: str | None = Field(default=None, description="For the *traceidratio samplers: the ratio, e.g. '0.25'.")


class Apps(Model):
    """How applications send to this collector: what `otelgen instrument` and the
    Operator's Instrumentation CR give every app container, and the sizing check."""

    protocol: Literal["grpc", "http/protobuf"] = Field(default="grpc", description="OTEL_EXPORTER_OTLP_PROTOCOL; the endpoint port follows (the otlp receiver's grpc or http port).")
    batch: AppBatch = Field(default_factory=AppBatch)
    expected_rate: str | None = Field(default=None, description="Spans per second one app process finishes, e.g. 200/s or 3000/min: turns on the sizing numbers (W110-W113).")
    collector_rate: str | None = Field(default=None, description="Items per second into one collector pod, for the collector-side check (W114); default: expectedRate.")
    span_size: str = Field(default="1KiB", description="Assumed memory of one queued span or log record (for the queue memory numbers).")
    propagators: list[Literal["tracecontext", "baggage", "b3", "b3multi", "jaeger", "xray", "ottrace", "none"]] = Field(default_factory=lambda: ["tracecontext", "baggage"], min_length=1)
    sampler: AppSampler = Field(default_factory=AppSampler)

    @field_validator("expected_rate", "collector_rate")
    @classmethod
    def _rate(cls, value: str | None) -> str | None:
        from otelgen import appsizing

        return _check(appsizing.parse_rate, value)

    @field_validator("span_size")
    @classmethod
    def _size(cls, value: str) -> str:
        from otelgen import appsizing

        return _check(appsizing.parse_size, value)


# ------------------------------------------------------------------ the spec


# ------------------------------------------------------------------ declarations


class DeclaredPort(Model):
    name: str = Field(pattern=r"^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$", description="Container/Service port name (IANA_SVC_NAME, at most 15 characters).")
    port: int = Field(ge=1, le=65535)
    protocol: Literal["TCP", "UDP"] = "TCP"
    service: StrictBool = Field(default=True, description="Expose it on the Service and allow it through the NetworkPolicy.")


class DeclaredRule(Model):
    api_groups: list[str] = Field(min_length=1)
    resources: list[str] = Field(min_length=1)
    verbs: list[Literal["get", "list", "watch", "create", "update", "patch", "delete"]] = Field(min_length=1)
    namespaced: StrictBool = Field(default=False, description="A Role in the collector's namespace instead of a ClusterRole.")


class DeclaredEgress(Model):
    port: int = Field(ge=1, le=65535)
    protocol: Literal["TCP", "UDP"] = "TCP"


class DeclaredVolume(Model):
    name: str = Field(pattern=r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
    mount_path: str = Field(pattern=r"^/")
    read_only: StrictBool = True
    host_path: str | None = Field(default=None, pattern=r"^/", description="A directory of the node.")
    empty_dir_mib: int | None = Field(default=None, ge=1, description="A writable emptyDir of this size.")

    @model_validator(mode="after")
    def _one_source(self) -> "DeclaredVolume":
        kube.set_one(self, "host_path", "empty_dir_mib")
        return self


class Declaration(Model):
    """What a component needs from Kubernetes that otelgen cannot know (a custom or unmodelled component)."""

    ports: list[DeclaredPort] = Field(default_factory=list)
    rbac: list[DeclaredRule] = Field(default_factory=list)
    egress: list[DeclaredEgress] = Field(default_factory=list)
    volumes: list[DeclaredVolume] = Field(default_factory=list)


SectionName = Literal["receivers", "processors", "exporters", "extensions", "connectors"]


class Spec(Model):
    mode: Mode
    collector_version: str = Field(default=versions.PINNED_COLLECTOR_VERSION, description="Target collector version: component type names follow it.")
    distribution: Literal["otelcol-k8s", "contrib", "custom"] = Field(default="otelcol-k8s", description="otelcol-k8s: refuse components the official k8s image lacks; contrib: the otelcol-contrib image (otel/opentelemetry-collector-contrib); custom: your own build (nothing checked).")
    image: Image = Field(default_factory=Image)
    receivers: dict[str, dict[str, Any] | None] = Field(default_factory=dict)
    processors: dict[str, dict[str, Any] | None] = Field(default_factory=dict)
    exporters: dict[str, dict[str, Any] | None] = Field(default_factory=dict)
    extensions: dict[str, dict[str, Any] | None] = Field(default_factory=dict)
    connectors: dict[str, dict[str, Any] | None] = Field(default_factory=dict)
    pipelines: dict[str, Pipeline] = Field(min_length=1)
    pipeline_defaults: PipelineDefaults = Field(default_factory=PipelineDefaults)
    presets: Presets = Field(default_factory=Presets)
    resources: Resources = Field(default_factory=Resources)
    memory: MemoryTuning = Field(default_factory=MemoryTuning)
    tls: ServerTLS | None = None
    network_policy: NetworkPolicy = Field(default_factory=NetworkPolicy)
    scaling: Scaling = Field(default_factory=Scaling)
    service: ServiceSettings = Field(default_factory=ServiceSettings)
    sidecar: Sidecar = Field(default_factory=Sidecar)
    telemetry: Telemetry = Field(default_factory=Telemetry)
    service_monitor: ServiceMonitor = Field(default_factory=ServiceMonitor)
    pod_monitor: PodMonitor = Field(default_factory=PodMonitor)
    alerts: Alerts = Field(default_factory=Alerts)
    persistent_queue: PersistentQueue = Field(default_factory=PersistentQueue, description="Exporters' sending queues on disk (file_storage): survive a collector restart; see docs/configure.md for what survives what.")
    ingress: IngressSettings = Field(default_factory=IngressSettings, description="An Ingress for OTLP from outside the cluster (docs/configure.md).")
    http_route: RouteSettings = Field(default_factory=RouteSettings, description="A Gateway API HTTPRoute for OTLP/HTTP.")
    grpc_route: RouteSettings = Field(default_factory=RouteSettings, description="A Gateway API GRPCRoute for OTLP/gRPC.")
    pod: PodSettings = Field(default_factory=PodSettings)
    service_account: ServiceAccountSettings = Field(default_factory=ServiceAccountSettings)
    rbac: RbacSettings = Field(default_factory=RbacSettings)
    apps: Apps = Field(default_factory=Apps, description="How apps send to this collector (otelgen instrument, Instrumentation CR) and the batching sizing check (otelgen size).")
    declarations: dict[SectionName, dict[str, Declaration]] = Field(default_factory=dict, description="Per component (by section and name as in the spec): ports, RBAC rules, egress and volumes it needs beyond what otelgen derives.")

    @field_validator("collector_version")
    @classmethod
    def _version(cls, value: str) -> str:
        versions.parse(value)
        if not versions.at_least(value, versions.MIN_COLLECTOR_VERSION):
            raise ValueError(f"collector {value} is older than otelgen supports (component names are known from {versions.MIN_COLLECTOR_VERSION} on)")
        return value.lstrip("v")

    @field_validator("pipelines")
    @classmethod
    def _pipeline_ids(cls, pipelines: dict[str, Pipeline]) -> dict[str, Pipeline]:
        for name in pipelines:
            if not _PIPELINE_ID.fullmatch(name):
                raise ValueError(f"pipeline {name!r}: name must be traces, metrics or logs, optionally followed by /name (e.g. traces/sampled)")
        return pipelines


class CollectorDocument(Model):
    api_version: Literal["otelgen.io/v1alpha1"] = API_VERSION
    kind: Literal["Collector"] = KIND
    metadata: Metadata
    spec: Spec
