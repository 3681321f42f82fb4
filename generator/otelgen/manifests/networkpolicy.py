"""Default-deny NetworkPolicy with explicit allows derived from the plan."""

from __future__ import annotations

from typing import Any

from otelgen import modes
from otelgen.manifests import ingress, naming
from otelgen.components.extensions import HEALTH_PORT_NAME
from otelgen.plan import TELEMETRY_PORT, Plan
from otelgen.spec.model import Peer

KUBELET_PORT = 10250
DNS_PORTS = ((53, "UDP"), (53, "TCP"))
#: the pods a prometheus receiver discovers: their ports come from annotations or the pods, so any TCP port
SCRAPE_PORTS = ({"protocol": "TCP", "port": 1, "endPort": 65535},)


def _peer(peer: Peer) -> dict[str, Any]:
    return peer.model_dump(by_alias=True, exclude_none=True, exclude_defaults=False)


def _ports(ports: list[tuple[int | str, str]]) -> list[dict[str, Any]]:
    return [{"protocol": proto, "port": port} for port, proto in ports]


def _rule(direction: str, peers: list[Peer] | list[dict], ports: list[tuple[int | str, str]]) -> dict[str, Any]:
    rule: dict[str, Any] = {}
    if peers:
        rule["from" if direction == "ingress" else "to"] = [p if isinstance(p, dict) else _peer(p) for p in peers]
    rule["ports"] = _ports(ports)
    return rule


def ingress_rules(plan: Plan) -> list[dict[str, Any]]:
    np = plan.spec.network_policy
    receiver_ports = [(p.port, p.protocol) for p in plan.needs.ports if p.service and p.name != TELEMETRY_PORT]
    observe_ports = [(p.port, p.protocol) for p in plan.needs.ports if p.name in (TELEMETRY_PORT, HEALTH_PORT_NAME)]
    rules = []
    if receiver_ports:
        rules.append(_rule("ingress", np.ingress_from, receiver_ports))
    if observe_ports:
        rules.append(_rule("ingress", np.metrics_from, observe_ports))
    exposed = ingress.admitted_ports(plan)
    if np.exposure_from and exposed:  # the Ingress controller / Gateway, to the ports it sends to
        rules.append(_rule("ingress", np.exposure_from, exposed))
    return rules


def egress_rules(plan: Plan) -> list[dict[str, Any]]:
    np = plan.spec.network_policy
    dns_peer = {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": np.dns.namespace}},
        "podSelector": {"matchLabels": dict(np.dns.pod_labels)},
    }
    rules = [_rule("egress", [dns_peer], list(DNS_PORTS))]
    by_exporter: dict[str, list[tuple[int | str, str]]] = {}
    for egress in plan.needs.egress:
        if egress.port is None:
            continue
        exporter = egress.reason.removeprefix("exporter ")
        ports = by_exporter.setdefault(exporter, [])
        if (egress.port, egress.protocol) not in ports:
            ports.append((egress.port, egress.protocol))
    for exporter, ports in by_exporter.items():
        rules.append(_rule("egress", np.exporter_to.get(exporter, []), ports))
    if plan.needs_api:
        peers = [{"ipBlock": {"cidr": cidr}} for cidr in np.api_server.cidrs]
        rules.append(_rule("egress", peers, [(p, "TCP") for p in np.api_server.ports]))
    if plan.needs.kubelet:
        peers = [{"ipBlock": {"cidr": cidr}} for cidr in np.kubelet_cidrs]
        rules.append(_rule("egress", peers, [(KUBELET_PORT, "TCP")]))
    if plan.needs.scrape_pods:
        # discovered targets: pods on whatever port their annotations or ports name
        scrape: dict[str, Any] = {"to": [_peer(p) for p in np.scrape_to]} if np.scrape_to else {}
        rules.append({**scrape, "ports": [dict(p) for p in SCRAPE_PORTS]})
    from otelgen.manifests import targetallocator

    rules.extend(targetallocator.collector_egress(plan))
    for extra in np.egress:
        rules.append(_rule("egress", extra.to, [(p.port, p.protocol) for p in extra.ports]))
    return rules


def network_policy(plan: Plan) -> dict[str, Any] | None:
    if not modes.traits(plan.mode).own_pods or not plan.spec.network_policy.enabled:
        return None
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": naming.metadata(plan, plan.name),
        "spec": {
            "podSelector": {"matchLabels": naming.selector_labels(plan)},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": ingress_rules(plan),
            "egress": egress_rules(plan),
        },
    }
