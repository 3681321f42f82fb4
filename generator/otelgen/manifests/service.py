"""Services whose ports come from the receivers' declarations."""

from __future__ import annotations

from typing import Any

from otelgen.components.base import Port
from otelgen import modes
from otelgen.manifests import naming
from otelgen.plan import Plan


def service_port(port: Port) -> dict[str, Any]:
    out: dict[str, Any] = {"name": port.name, "port": port.port, "targetPort": port.name, "protocol": port.protocol}
    if port.app_protocol:
        out["appProtocol"] = port.app_protocol
    return out


def _service(plan: Plan, name: str, headless: bool) -> dict[str, Any]:
    settings = plan.spec.service
    spec: dict[str, Any] = {}
    if headless:
        spec["clusterIP"] = "None"
        spec["publishNotReadyAddresses"] = False
    else:
        spec["type"] = settings.type
        policy = settings.internal_traffic_policy or ("Local" if modes.traits(plan.mode).per_node else None)
        if policy:
            spec["internalTrafficPolicy"] = policy
    spec["selector"] = naming.selector_labels(plan)
    spec["ports"] = [service_port(p) for p in plan.service_ports()]
    annotations = None if headless else settings.annotations
    return {"apiVersion": "v1", "kind": "Service", "metadata": naming.metadata(plan, name, annotations=annotations), "spec": spec}


def services(plan: Plan) -> list[dict[str, Any]]:
    """The Service (modes with pods of their own) and, where the mode wants one, a
    headless twin: per-pod DNS names for the loadbalancing exporter's DNS resolver
    (gateway) and the StatefulSet's stable identities (its serviceName)."""
    traits = modes.traits(plan.mode)
    if not traits.own_pods:
        return []
    out = [_service(plan, naming.service(plan), headless=False)]
    if traits.headless_service:
        out.append(_service(plan, naming.headless_service(plan), headless=True))
    return out
