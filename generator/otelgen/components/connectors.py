"""Connectors: an exporter of one pipeline and a receiver of another."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from otelgen.components.base import CollectorRule, Component, ComponentConfig, Duration
from otelgen.components.declare import Declaration, Step


class SpanMetricsConfig(ComponentConfig):
    dimensions: list[dict[str, Any]] = Field(default_factory=list)
    metrics_flush_interval: Duration | None = None
    histogram: dict[str, Any] | None = None
    namespace: str | None = None

    @model_validator(mode="after")
    def _one_histogram(self) -> "SpanMetricsConfig":
        # spanmetricsconnector Config.Validate
        if isinstance(self.histogram, dict) and self.histogram.get("explicit") is not None and self.histogram.get("exponential") is not None:
            raise CollectorRule("histogram: use either explicit or exponential buckets, not both")
        return self


class SpanMetrics(Component):
    kind = "connector"
    id = "spanmetrics"
    names = (("0.0.0", "spanmetrics"), ("0.151.0", "span_metrics"))
    connects = (("traces", "metrics"),)
    config_model = SpanMetricsConfig
    description = "RED metrics (requests, errors, duration) from spans."
    declaration = Declaration(steps=(Step("drop_empty", paths=("dimensions",)),))


class ForwardConfig(ComponentConfig):
    pass


class Forward(Component):
    kind = "connector"
    id = "forward"
    names = (("0.0.0", "forward"),)
    connects = (("traces", "traces"), ("metrics", "metrics"), ("logs", "logs"))
    config_model = ForwardConfig
    description = "Joins pipelines of the same signal."


class Route(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    condition: str | None = None
    statement: str | None = None
    context: str | None = None
    pipelines: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _condition(self) -> "Route":
        # routingconnector Config.Validate
        if bool(self.condition) == bool(self.statement):
            raise CollectorRule("a route needs exactly one of condition or statement")
        if self.context not in ROUTE_CONTEXTS:
            raise CollectorRule(f"context must be one of {', '.join(c for c in ROUTE_CONTEXTS if c)}")
        if self.context == "request" and not self.condition:
            raise CollectorRule("context request needs a condition")
        return self


#: the route contexts the routing connector knows ("" and None: its default)
ROUTE_CONTEXTS = (None, "", "resource", "span", "metric", "datapoint", "log", "request")


class RoutingConfig(ComponentConfig):
    table: list[Route] = Field(min_length=1)
    default_pipelines: list[str] = Field(default_factory=list)
    error_mode: str | None = None

    def pipeline_refs(self) -> list[tuple[tuple[str | int, ...], str]]:
        refs: list[tuple[tuple[str | int, ...], str]] = []
        for i, route in enumerate(self.table):
            refs.extend((("table", i, "pipelines", j), p) for j, p in enumerate(route.pipelines))
        refs.extend((("default_pipelines", j), p) for j, p in enumerate(self.default_pipelines))
        return refs


class Routing(Component):
    kind = "connector"
    id = "routing"
    names = (("0.0.0", "routing"),)
    connects = (("traces", "traces"), ("metrics", "metrics"), ("logs", "logs"))
    config_model = RoutingConfig
    description = "Routes data to pipelines by OTTL conditions."
    declaration = Declaration(steps=(Step("drop_empty", paths=("default_pipelines",)),))


CONNECTORS: tuple[type[Component], ...] = (SpanMetrics, Forward, Routing)
