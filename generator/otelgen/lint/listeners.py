"""Where a collector config listens: every endpoint of the receivers and
extensions that declare listeners, and of the passed-through receivers whose
listener otelgen knows (both from ``otelgen.components.facts``), with the
default port when the config leaves ``endpoint`` out (the collector then binds
``localhost``), plus the internal telemetry port."""

from __future__ import annotations

from dataclasses import dataclass

from otelgen.components import facts
from otelgen.endpoints import host_port
from otelgen.lint.model import defined, service_extensions

LOCALHOST = ("localhost", "127.0.0.1", "::1")  # compared after stripping [ ] from IPv6
TELEMETRY_PORT = 8888  # the collector's internal metrics default


@dataclass(frozen=True)
class Listener:
    path: tuple  # path in the config of the mapping holding ``endpoint``
    owner: str  # "receivers.otlp" (for messages)
    section: str
    type_id: str  # registry id
    host: str | None  # None: endpoint not set (the collector's localhost default)
    port: int | None
    protocol: str  # TCP | UDP
    probe: bool = False  # the kubelet probes it (facts.is_probe)
    debug: bool = False  # a debugging endpoint kept off the Service (facts.is_debug_endpoint)

    @property
    def on_localhost(self) -> bool:
        return self.host is None or self.host.strip("[]") in LOCALHOST

    @property
    def defaulted(self) -> bool:
        return self.host is None


def listeners(config: dict) -> list[Listener]:
    """Every endpoint the config listens on (receivers + enabled listener extensions)."""
    enabled = set(service_extensions(config))
    out = []
    for ref in defined(config):
        if ref.section not in ("receivers", "extensions") or (ref.section == "extensions" and ref.name not in enabled):
            continue
        component = ref.registry
        owner = f"{ref.section}.{ref.name}"
        if component is None:
            passthrough = facts.passthrough_listener(ref.kind, ref.type_name, ref.config)
            if passthrough is not None:
                key, default, protocol = passthrough
                host, port = _address(ref.config.get(key) if isinstance(ref.config, dict) else None, default)
                out.append(Listener(ref.path, owner, ref.section, ref.type_name, host, port, protocol))
            continue
        for slot in facts.listener_slots(component, ref.config):
            settings = slot.settings if isinstance(slot.settings, dict) else {}
            host, port = _address(settings.get("endpoint"), slot.default_port)
            out.append(Listener(ref.path + slot.path, owner, ref.section, component.id, host, port, slot.listener.protocol,
                                facts.is_probe(slot.listener), facts.is_debug_endpoint(component, slot.listener)))
    return out


def _address(endpoint: object, default_port: int | None) -> tuple[str | None, int | None]:
    """(host, port) of an endpoint as written; no endpoint: (None, the default port)."""
    if endpoint is None:
        return None, default_port
    host, port = host_port(str(endpoint))
    if port is None and "${" not in str(endpoint):
        port = default_port
    return host, port


def telemetry_listener(config: dict) -> Listener | None:
    """The internal metrics endpoint (None when metrics are off)."""
    service = config.get("service") if isinstance(config.get("service"), dict) else {}
    telemetry = service.get("telemetry") if isinstance(service.get("telemetry"), dict) else {}
    metrics = telemetry.get("metrics") if isinstance(telemetry.get("metrics"), dict) else {}
    if metrics.get("level") == "none":
        return None
    path = ("service", "telemetry", "metrics")
    readers = metrics.get("readers")
    if isinstance(readers, list):
        for index, reader in enumerate(readers):
            exporter = ((reader or {}).get("pull") or {}).get("exporter") if isinstance(reader, dict) else None
            prom = exporter.get("prometheus") if isinstance(exporter, dict) else None
            if isinstance(prom, dict):
                port = prom.get("port")
                return Listener(path + ("readers", index, "pull", "exporter", "prometheus"), "service.telemetry.metrics", "service", "telemetry", prom.get("host"), port if isinstance(port, int) else TELEMETRY_PORT, "TCP")
        return None  # push readers only
    address = metrics.get("address")
    if isinstance(address, str):
        host, port = host_port(address)
        return Listener(path + ("address",), "service.telemetry.metrics", "service", "telemetry", host, port, "TCP")
    return Listener(path, "service.telemetry.metrics", "service", "telemetry", None, TELEMETRY_PORT, "TCP")
