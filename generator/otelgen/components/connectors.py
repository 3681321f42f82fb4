"""Connectors: an exporter of one pipeline and a receiver of another."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from otelgen.components.base import Component, ComponentConfig, Duration
from otelgen.components.declare import Check, Declaration, Step, When, exactly_one, none_of, not_both, required


class SpanMetricsConfig(ComponentConfig):
    dimensions: list[dict[str, Any]] = Field(default_factory=list)
    metrics_flush_interval: Duration | None = None
    histogram: dict[str, Any] | None = None
    namespace: str | None = None

class SpanMetrics(Component):
    kind = "connector"
    id = "spanmetrics"
    names = (("0.0.0", "spanmetrics"), ("0.151.0", "span_metrics"))
    connects = (("traces", "metrics"),)
    config_model = SpanMetricsConfig
    description = "RED metrics (requests, errors, duration) from spans."
    #: spanmetricsconnector Config.Validate
    declaration = Declaration(
        checks=(not_both(When("histogram.explicit", "set"), When("histogram.exponential", "set"), message="histogram: use either explicit or exponential buckets, not both"),
                none_of(When("metrics_flush_interval", "not_positive"), message="metrics_flush_interval must be positive"),
                # its own dimensions come first in every metric: service.name, span.name, span.kind, status.code
                Check("unique", path="dimensions", item="name", table=("service.name", "span.name", "span.kind", "status.code"),
                      message="dimensions[{{@index}}]: duplicate dimension name {{@value}}")),
        steps=(Step("drop_empty", paths=("dimensions",)),),
    )


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

#: the route contexts the routing connector knows ("" and None: its default)
ROUTE_CONTEXTS = (None, "", "resource", "span", "metric", "datapoint", "log", "request")


class RoutingConfig(ComponentConfig):
    table: list[Route] = Field(min_length=1)
    default_pipelines: list[str] = Field(default_factory=list)
    error_mode: str | None = None


class Routing(Component):
    kind = "connector"
    id = "routing"
    names = (("0.0.0", "routing"),)
    connects = (("traces", "traces"), ("metrics", "metrics"), ("logs", "logs"))
    config_model = RoutingConfig
    description = "Routes data to pipelines by OTTL conditions."
    #: routingconnector Config.Validate, for every route
    declaration = Declaration(
        checks=(Check("each", path="table", checks=(
            exactly_one("condition", "statement", message="a route needs exactly one of condition or statement"),
            required(When("context", "in", ROUTE_CONTEXTS), message=f"context must be one of {', '.join(c for c in ROUTE_CONTEXTS if c)}"),
            required("condition", when=(When("context", "eq", "request"),), message="context request needs a condition"),
        )),),
        steps=(Step("drop_empty", paths=("default_pipelines",)),),
        pipeline_refs=("table[].pipelines[]", "default_pipelines[]"),
    )


CONNECTORS: tuple[type[Component], ...] = (SpanMetrics, Forward, Routing)
