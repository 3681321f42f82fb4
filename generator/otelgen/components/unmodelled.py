"""What components otelgen does not type ask of the pod: their listeners.

A receiver otelgen passes through verbatim still needs its containerPort,
Service port and NetworkPolicy rule.  Each entry is the collector's own
default (the component's README / factory): the setting holding the address,
its default port and protocol, and the setting that switches the protocol.
An unset address binds localhost in the collector, unreachable from other
pods, so otelgen sets it the way it binds its own receivers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from otelgen.components.base import Context, Needs, Port
from otelgen.components.declare import UDP_BIND_HOST, endpoint_port, port_name


@dataclass(frozen=True)
class Listener:
    short: str  # port name stem
    port: int
    protocol: str = "TCP"
    key: str = "endpoint"
    #: setting that chooses the transport, and its values that mean UDP
    transport_key: str | None = None
    udp_values: tuple[str, ...] = ()


#: (kind, type) → its listener, for receivers otelgen passes through
LISTENERS: dict[tuple[str, str], Listener] = {
    ("receiver", "statsd"): Listener("statsd", 8125, "UDP", transport_key="transport", udp_values=("udp", "udp4", "udp6")),
    ("receiver", "fluentforward"): Listener("fluentforward", 8006),
    ("receiver", "carbon"): Listener("carbon", 2003, transport_key="transport", udp_values=("udp",)),
    ("receiver", "splunk_hec"): Listener("splunk-hec", 8088),
    ("receiver", "influxdb"): Listener("influxdb", 8086),
    ("receiver", "signalfx"): Listener("signalfx", 9943),
    ("receiver", "datadog"): Listener("datadog", 8126),
}

def listener(kind: str, type_name: str) -> Listener | None:
    """The listener of a receiver otelgen passes through (None: not in the table)."""
    return LISTENERS.get((kind, type_name))


def protocol(listener: Listener, raw: dict[str, Any]) -> str:
    """TCP or UDP, as the config's transport setting chooses."""
    if listener.transport_key and isinstance(raw.get(listener.transport_key), str):
        return "UDP" if raw[listener.transport_key].lower() in listener.udp_values else "TCP"
    return listener.protocol


def wire(kind: str, type_name: str, raw: dict[str, Any], ctx: Context) -> tuple[dict[str, Any], Needs]:
    """The config to render (address filled in when unset) and the port it listens on."""
    found = listener(kind, type_name)
    if found is None:
        return raw, Needs()
    proto = protocol(found, raw)
    config = dict(raw)
    address = config.get(found.key)
    port = found.port
    if isinstance(address, str) and address:
        port = endpoint_port(address) or port
    else:
        host = UDP_BIND_HOST if proto == "UDP" and ctx.bind_host != "localhost" else ctx.bind_host
        config[found.key] = f"{host}:{port}"
    return config, Needs(ports=[Port(port_name(ctx, found.short), port, proto, None)])
