"""One place that decides, per mode, which Kubernetes objects exist and how.

Every builder asks this table instead of comparing ``plan.mode`` with a name
(the Operator's ``Build`` does the same with one switch). The Helm chart reads
the very same table from ``files/otelgen.json`` (``helmchart.modes_data``), so
adding a mode is one row here plus its embedded defaults
(``data/<mode>.yaml``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

QueueVolume = Literal["persistentVolumeClaim", "hostPath", "emptyDir"]


@dataclass(frozen=True)
class ModeTraits:
    #: the workload kind otelgen renders (None: the app's pod carries the collector)
    workload: Literal["DaemonSet", "Deployment", "StatefulSet"] | None
    #: spec.mode of the Operator's OpenTelemetryCollector
    operator_mode: str
    #: what the mode's pods are (the help text of spec.mode)
    description: str
    #: own ServiceAccount, RBAC, Service, NetworkPolicy, ServiceMonitor (everything but the sidecar)
    own_pods: bool
    #: one pod per node: DaemonSet rollout, internalTrafficPolicy Local, hostPorts allowed,
    #: k8s_attributes filtered to the node, leader election whenever a single writer runs
    per_node: bool
    #: spec.scaling.replicas applies (and with more than one: PDB, spread, anti-affinity)
    replicas: bool
    #: a HorizontalPodAutoscaler may scale it
    autoscaling: bool
    #: a headless twin of the Service (per-pod DNS names: loadbalancing exporter, StatefulSet identities)
    headless_service: bool
    #: receivers bind localhost (the app's pod) instead of the pod IP
    bind_localhost: bool
    #: data arrives through agents that already tagged it (k8s_attributes trusts resource attributes first)
    behind_agents: bool
    #: where spec.persistentQueue keeps the queue
    queue_volume: QueueVolume | None
    #: resources.size when none is given
    default_size: str


MODES: dict[str, ModeTraits] = {
    "agent": ModeTraits(
        workload="DaemonSet", operator_mode="daemonset", description="DaemonSet, one per node",
        own_pods=True, per_node=True, replicas=False, autoscaling=False, headless_service=False,
        bind_localhost=False, behind_agents=False, queue_volume="hostPath", default_size="small",
    ),
    "gateway": ModeTraits(
        workload="Deployment", operator_mode="deployment", description="Deployment behind a Service",
        own_pods=True, per_node=False, replicas=True, autoscaling=True, headless_service=True,
        bind_localhost=False, behind_agents=True, queue_volume="emptyDir", default_size="medium",
    ),
    "statefulset": ModeTraits(
        workload="StatefulSet", operator_mode="statefulset", description="StatefulSet: stable pod names and a volume per pod",
        own_pods=True, per_node=False, replicas=True, autoscaling=True, headless_service=True,
        bind_localhost=False, behind_agents=True, queue_volume="persistentVolumeClaim", default_size="medium",
    ),
    "sidecar": ModeTraits(
        workload=None, operator_mode="sidecar", description="a container in the app's pod",
        own_pods=False, per_node=False, replicas=False, autoscaling=False, headless_service=False,
        bind_localhost=True, behind_agents=False, queue_volume="emptyDir", default_size="small",
    ),
}


def traits(mode: str) -> ModeTraits:
    return MODES[mode]


def several(mode: str, replicas: int, autoscaling: bool) -> bool:
    """More than one pod runs the same config (single writers need a leader; PDB and spread apply)."""
    t = MODES[mode]
    return t.per_node or (t.replicas and (replicas > 1 or (t.autoscaling and autoscaling)))


def table() -> dict[str, dict[str, Any]]:
    """The table as JSON-able data (camelCase keys), for the Helm chart."""
    def camel(key: str) -> str:
        head, *rest = key.split("_")
        return head + "".join(part.title() for part in rest)

    return {mode: {camel(k): v for k, v in asdict(t).items()} for mode, t in MODES.items()}
