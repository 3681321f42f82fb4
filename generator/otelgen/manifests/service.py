"""Services whose ports come from the receivers' declarations."""

from __future__ import annotations

from typing import Any

from otelgen.components.base import Port
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
        policy = settings.internal_traffic_policy or ("Local" if plan.mode == "agent" else None)
        if policy:
            spec["internalTrafficPolicy"] = policy
    spec["selector"] = naming.selector_labels(plan)
    spec["ports"] = [service_port(p) for p in plan.service_ports()]
    annotations = None if headless else settings.annotations
    return {"apiVersion": "v1", "kind": "Service", "metadata": naming.metadata(plan, name, annotations=annotations), "spec": spec}


def services(plan: Plan) -> list[dict[str, Any]]:
    """The Service (all modes but sidecar) and, for gateways, a headless twin
    that the loadbalancing exporter's DNS resolver can use."""
    if plan.mode == "sidecar":
        return []
    out = [_service(plan, naming.service(plan), headless=False)]
    if plan.mode == "gateway":
        out.append(_service(plan, naming.headless_service(plan), headless=True))
    return out
