"""The ``targetAllocator`` settings of the prometheusScraping preset
(``spec.presets.prometheusScraping.targetAllocator``): the target allocator
that shares Prometheus targets among the replicas of a gateway.

Only the spec's shape lives here; the objects are built by
``otelgen.manifests.targetallocator`` and the collector's receiver by
``otelgen.targetallocator``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator
from pydantic.alias_generators import to_camel

from otelgen.spec import kube, quantity

#: the allocator's strategies (internal/allocation of cmd/otel-allocator)
ALLOCATION_STRATEGIES = ("consistent-hashing", "least-weighted", "per-node")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True, defer_build=True)


class AllocatorImage(_Model):
    repository: str | None = Field(default=None, pattern=r"^\S+$", description="Default: ghcr.io/open-telemetry/opentelemetry-operator/target-allocator.")
    tag: str | None = Field(default=None, description="Default: the OpenTelemetry Operator release of the target collector version (collector X.Y.Z → X.Y.0).")
    digest: str | None = Field(default=None, pattern=r"^sha256:[0-9a-f]{64}$")
    pull_policy: Literal["Always", "IfNotPresent", "Never"] = "Always"

    @field_validator("tag")
    @classmethod
    def _pinned(cls, tag: str | None) -> str | None:
        return kube.pinned_tag(tag)


class AllocatorQuantities(_Model):
    cpu: str | None = None
    memory: str | None = None

    @field_validator("cpu", "memory", mode="before")
    @classmethod
    def _number(cls, value: object) -> object:
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value

    @field_validator("cpu", "memory")
    @classmethod
    def _quantity(cls, value: str | None) -> str | None:
        if value is not None:
            quantity.parse(value)
        return value


def _requests() -> AllocatorQuantities:
    return AllocatorQuantities(cpu="50m", memory="128Mi")


def _limits() -> AllocatorQuantities:
    return AllocatorQuantities(cpu="500m", memory="256Mi")


class AllocatorResources(_Model):
    requests: AllocatorQuantities = Field(default_factory=_requests)
    limits: AllocatorQuantities = Field(default_factory=_limits, description="The memory limit is required (GOMEMLIMIT is 80% of it).")


class TargetAllocatorSettings(_Model):
    """The target allocator (strategy: target-allocator)."""

    image: AllocatorImage = Field(default_factory=AllocatorImage)
    replicas: int = Field(default=1, ge=1, le=2**31 - 1, description="Allocator replicas; more than one adds a PodDisruptionBudget (each replica computes the same assignment).")
    allocation_strategy: Literal["consistent-hashing", "least-weighted", "per-node"] = Field(default="consistent-hashing", description="consistent-hashing (default): a target stays with its collector while the replica count is unchanged; least-weighted: the collector with the fewest targets; per-node: the collector on the target's node (DaemonSets only, not for a gateway).")
    service_monitors: StrictBool = Field(default=False, description="Also discover ServiceMonitor resources (monitoring.coreos.com; RBAC to list and watch them).")
    pod_monitors: StrictBool = Field(default=False, description="Also discover PodMonitor resources (monitoring.coreos.com; RBAC to list and watch them).")
    resources: AllocatorResources = Field(default_factory=AllocatorResources)


__all__ = ["ALLOCATION_STRATEGIES", "TargetAllocatorSettings"]
