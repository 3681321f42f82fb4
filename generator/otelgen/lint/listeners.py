"""Where a collector config listens: every endpoint of the receivers and
extensions the registry knows as listeners, with the port the registry renders
by default when the config leaves ``endpoint`` out (the collector then binds
``localhost``), plus the internal telemetry port."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from otelgen.components.base import Component
from otelgen.endpoints import host_port
from otelgen.lint.model import ComponentRef, default_needs, defined, registry_context, service_extensions

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

    @property
    def on_localhost(self) -> bool:
        return self.host is None or self.host.strip("[]") in LOCALHOST

    @property
    def defaulted(self) -> bool:
        return self.host is None


@lru_cache(maxsize=None)
def _default_build(component: type[Component]) -> dict[str, Any]:
    """The registry's default rendered config of a listener (same shape as a collector config)."""
    try:
        built = component(component.config_model(), registry_context(component.id)).build()
        return built if isinstance(built, dict) else {}
    except Exception:
        return {}


@lru_cache(maxsize=None)
def _udp_ports(component: type[Component]) -> frozenset[int]:
    return frozenset(p.port for p in default_needs(component).ports if p.protocol == "UDP")


def is_listener(component: type[Component] | None) -> bool:
    return component is not None and bool(default_needs(component).ports)


def _slots(ref: ComponentRef) -> list[tuple[tuple, Any, dict]]:
    """(path, user settings, default settings) of each listening endpoint of ``ref``."""
    assert ref.registry is not None
    default = _default_build(ref.registry)
    config = ref.config if isinstance(ref.config, dict) else {}
    if isinstance(default.get("protocols"), dict):
        protocols = config.get("protocols") if isinstance(config.get("protocols"), dict) else {}
        return [(ref.path + ("protocols", name), value, default["protocols"].get(name, {})) for name, value in protocols.items()]
    return [(ref.path, config, default)]


def listeners(config: dict) -> list[Listener]:
    """Every endpoint the config listens on (receivers + enabled listener extensions)."""
    enabled = set(service_extensions(config))
    out = []
    for ref in defined(config):
        if ref.section not in ("receivers", "extensions") or not is_listener(ref.registry):
            continue
        if ref.section == "extensions" and ref.name not in enabled:
            continue
        for path, settings, default in _slots(ref):
            settings = settings if isinstance(settings, dict) else {}
            _, default_port = host_port(str(default.get("endpoint", "")))
            endpoint = settings.get("endpoint")
            if endpoint is None:
                host, port = None, default_port
            else:
                host, port = host_port(str(endpoint))
                if port is None and "${" not in str(endpoint):
                    port = default_port
            protocol = "UDP" if default_port in _udp_ports(ref.registry) else "TCP"
            out.append(Listener(path, f"{ref.section}.{ref.name}", ref.section, ref.registry.id, host, port, protocol))  # type: ignore[union-attr]
    return out


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
