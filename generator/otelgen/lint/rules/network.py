"""Endpoints and ports: localhost defaults inside a pod, collisions, and the
config's ports against containerPorts and Services."""

from __future__ import annotations

from typing import Iterator

from otelgen.inputs import services_for
from otelgen.lint.listeners import Listener, listeners, telemetry_listener
from otelgen.lint.model import ConfigTarget, Hit, mode_of

POD_IP_FIX = "${env:MY_POD_IP}"  # with MY_POD_IP from the downward API (status.podIP)


def _where(listener: Listener) -> str:
    return "its endpoint is not set, so the collector binds localhost" if listener.defaulted else f"it binds {listener.host}"


def _bind_fix(listener: Listener) -> str:
    port = listener.port or "PORT"
    return f"set endpoint: {POD_IP_FIX}:{port} (env MY_POD_IP from fieldRef status.podIP) or 0.0.0.0:{port}"


def receiver_on_localhost(t: ConfigTarget) -> Iterator[Hit]:
    in_pod = bool(t.runners) and t.modes != {"sidecar"}
    for listener in listeners(t.data):
        if listener.section != "receivers" or not listener.on_localhost:
            continue
        # a raw config may be a sidecar's, where an explicit localhost is deliberate
        if in_pod or (not t.runners and listener.defaulted):
            yield Hit(listener.path, f"{listener.owner} is unreachable from other pods: {_where(listener)}", _bind_fix(listener))


def health_check_on_localhost(t: ConfigTarget) -> Iterator[Hit]:
    for listener in listeners(t.data):
        if listener.probe and listener.on_localhost:
            yield Hit(listener.path, f"{listener.owner} is unreachable for kubelet probes: {_where(listener)}", _bind_fix(listener))


def debug_endpoint_on_localhost(t: ConfigTarget) -> Iterator[Hit]:
    for listener in listeners(t.data):
        if listener.debug and listener.on_localhost:
            yield Hit(listener.path, f"{listener.owner} can only be reached from inside the container: {_where(listener)}", _bind_fix(listener) + " (or drop the extension)")
    telemetry = telemetry_listener(t.data)
    if telemetry is not None and telemetry.on_localhost:
        where = "no metrics reader is configured, so the collector serves them on localhost:8888" if telemetry.defaulted else f"the prometheus reader binds {telemetry.host}"
        yield Hit(telemetry.path, f"internal metrics cannot be scraped by Prometheus: {where}", "set service.telemetry.metrics.readers: [{pull: {exporter: {prometheus: {host: ${env:MY_POD_IP}, port: 8888}}}}]")


def port_collision(t: ConfigTarget) -> Iterator[Hit]:
    seen: dict[tuple[int, str], Listener] = {}
    found = listeners(t.data)
    telemetry = telemetry_listener(t.data)
    if telemetry is not None:
        found.append(telemetry)
    for listener in found:
        if listener.port is None:
            continue
        key = (listener.port, listener.protocol)
        first = seen.setdefault(key, listener)
        if first is not listener and first.owner != listener.owner:
            yield Hit(listener.path, f"{listener.owner} listens on {listener.port}/{listener.protocol}, which {first.owner} already uses: the collector fails to start (address already in use)", f"give {listener.owner} another port")


def _container_ports(container: dict) -> dict[str, tuple[int, str]]:
    out = {}
    for port in container.get("ports") or []:
        if isinstance(port, dict) and isinstance(port.get("containerPort"), int):
            out[str(port.get("name") or port["containerPort"])] = (port["containerPort"], str(port.get("protocol") or "TCP"))
    return out


def ports_mismatch(t: ConfigTarget) -> Iterator[Hit]:
    """Config ports vs containerPorts and Service targetPorts of every container running it."""
    found = [l for l in listeners(t.data) if l.port is not None]
    telemetry = telemetry_listener(t.data)
    if telemetry is not None and telemetry.port is not None:
        found.append(telemetry)
    served = {(l.port, l.protocol) for l in found}
    found = [l for l in found if not l.on_localhost]  # receiver_on_localhost reports those
    for runner in t.runners:
        if mode_of(runner.workload, runner.container_path) == "sidecar":
            continue  # the pod's ports and Services belong to the app
        declared = _container_ports(runner.container)
        numbers = set(declared.values())
        for listener in found:
            if listener.section == "receivers" and (listener.port, listener.protocol) not in numbers:
                yield Hit(runner.container_path + ("ports",), f"{listener.owner} listens on {listener.port}/{listener.protocol} but container {runner.container.get('name')!r} does not declare it", f"add a containerPort {listener.port} ({listener.protocol}) so Services and NetworkPolicies can name it", obj=runner.workload)
        for service in services_for(t.inputs, runner.workload):
            for index, port in enumerate(service.get(("spec", "ports")) or []):
                if not isinstance(port, dict):
                    continue
                target = port.get("targetPort", port.get("port"))
                protocol = str(port.get("protocol") or "TCP")
                if isinstance(target, str) and not target.isdigit():
                    resolved = declared.get(target)
                    if resolved is None:
                        yield Hit(("spec", "ports", index, "targetPort"), f"{service.ref} port {port.get('name', index)!r} targets {target!r}, which no containerPort of {runner.workload.ref} is named", "name the containerPort or fix targetPort", obj=service)
                        continue
                    number = resolved[0]
                else:
                    number = int(target) if target is not None else None
                if number is not None and (number, protocol) not in served:
                    yield Hit(("spec", "ports", index), f"{service.ref} sends port {port.get('port')} to {number}/{protocol}, where the collector config of {runner.workload.ref} does not listen", "point targetPort at a receiver's port or remove the Service port", obj=service)
