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

from otelgen.components.base import Context, Needs, Port, host_port


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

UDP_BIND_HOST = "0.0.0.0"


def wire(kind: str, type_name: str, raw: dict[str, Any], ctx: Context) -> tuple[dict[str, Any], Needs]:
    """The config to render (address filled in when unset) and the port it listens on."""
    listener = LISTENERS.get((kind, type_name))
    if listener is None:
        return raw, Needs()
    protocol = listener.protocol
    if listener.transport_key and isinstance(raw.get(listener.transport_key), str):
        protocol = "UDP" if raw[listener.transport_key].lower() in listener.udp_values else "TCP"
    config = dict(raw)
    address = config.get(listener.key)
    port = listener.port
    if isinstance(address, str) and address:
        _, given = host_port(address if ":" in address else f"x:{address}")
        port = given or port
    else:
        host = UDP_BIND_HOST if protocol == "UDP" and ctx.bind_host != "localhost" else ctx.bind_host
        config[listener.key] = f"{host}:{port}"
    _, _, suffix = ctx.instance.partition("/")
    name = (f"{listener.short}-{suffix}" if suffix else listener.short)[:15].rstrip("-").lower()
    return config, Needs(ports=[Port(name, port, protocol, None)])
