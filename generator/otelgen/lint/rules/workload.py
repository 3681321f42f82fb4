"""The collector container itself: flags, image, resources, probes, and
whether its ``--config`` reaches a ConfigMap key."""

from __future__ import annotations

from typing import Iterator

from otelgen import removed, versions
from otelgen.inputs import config_arg, same_namespace
from otelgen.lint.listeners import listeners
from otelgen.lint.model import ContainerTarget, Hit


def removed_cli_flag(t: ContainerTarget) -> Iterator[Hit]:
    for key in ("command", "args"):
        for index, arg in enumerate(t.container.get(key) or []):
            entry = removed.flag(str(arg))
            if entry is not None and versions.at_least(t.version, entry.removed_in):
                yield Hit(t.path(key, index), f"{entry.flag} was removed in collector {entry.removed_in}: the collector exits with 'unknown flag'", entry.advice, obj=t.workload)


def image_tag(t: ContainerTarget) -> Iterator[Hit]:
    image = str(t.container.get("image", ""))
    if "@" in image:
        return
    last = image.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else None
    if tag is None or tag == "latest":
        what = "has no tag (it means latest)" if tag is None else "uses the tag latest"
        yield Hit(t.path("image"), f"image {image!r} {what}: every node may pull a different collector version, and config names follow the version", f"pin a version tag (e.g. :{versions.PINNED_COLLECTOR_VERSION}) or a digest", obj=t.workload)


def no_resources(t: ContainerTarget) -> Iterator[Hit]:
    resources = t.container.get("resources")
    if not isinstance(resources, dict) or not (resources.get("requests") or resources.get("limits")):
        yield Hit(t.path("resources") if resources is not None else t.container_path, f"collector container {t.container.get('name')!r} of {t.workload.ref} has no resources: the pod is BestEffort, evicted first and scheduled anywhere", "set resources.requests (cpu, memory) and resources.limits.memory", obj=t.workload)


_PROBES = ("livenessProbe", "readinessProbe", "startupProbe")


def no_probes(t: ContainerTarget) -> Iterator[Hit]:
    if not any(isinstance(t.container.get(p), dict) for p in ("livenessProbe", "readinessProbe")):
        yield Hit(t.container_path, f"collector container {t.container.get('name')!r} of {t.workload.ref} has no liveness or readiness probe: a hung collector keeps receiving traffic", "enable the health_check extension on ${env:MY_POD_IP}:13133 and probe it (httpGet path / on that port)", obj=t.workload)


def _probe_port(probe: dict) -> object:
    for action in ("httpGet", "tcpSocket", "grpc"):
        if isinstance(probe.get(action), dict):
            return probe[action].get("port")
    return None


def probe_without_health_check(t: ContainerTarget) -> Iterator[Hit]:
    if t.config is None:
        return
    health = [l for l in listeners(t.config.data) if l.probe]
    ports = {l.port for l in health if l.port is not None}
    named = {str(p.get("name")): p.get("containerPort") for p in t.container.get("ports") or [] if isinstance(p, dict)}
    for key in _PROBES:
        probe = t.container.get(key)
        if not isinstance(probe, dict):
            continue
        port = _probe_port(probe)
        if port is None:
            continue  # exec probes
        number = named.get(str(port)) if isinstance(port, str) and not str(port).isdigit() else int(port)  # type: ignore[arg-type]
        if not health:
            yield Hit(t.path(key), f"{key} of {t.workload.ref} probes port {port}, but the config runs no health_check extension", "define health_check (endpoint ${env:MY_POD_IP}:13133), list it in service.extensions and probe that port", obj=t.workload)
        elif number not in ports:
            yield Hit(t.path(key), f"{key} of {t.workload.ref} probes port {port}, but health_check listens on {', '.join(str(p) for p in sorted(ports))}", f"probe port {sorted(ports)[0] if ports else 13133}", obj=t.workload)


def config_not_mounted(t: ContainerTarget) -> Iterator[Hit]:
    """--config points at a path no ConfigMap mount provides, or at a missing key."""
    if t.config is not None:
        return
    arg = config_arg(t.container)
    if arg is None:
        return
    position, path = arg
    if not path.startswith("/"):
        return  # env:, yaml:, http: providers
    where = t.path("args", position) if position >= 0 else t.path("command", -1 - position)
    runner = next((r for r in t.inputs.unresolved_runners if r.workload is t.workload and r.container_path == t.container_path), None)
    if runner is None:
        return
    if runner.resolved is None:
        yield Hit(where, f"--config={path} is not under any ConfigMap volume mounted into container {t.container.get('name')!r}", "mount the ConfigMap holding the config at that path's directory (volume + volumeMount)", obj=t.workload)
        return
    name, key = runner.resolved
    cms = [o for o in t.inputs.of_kind("ConfigMap") if o.name == name and same_namespace(o.namespace, t.workload.namespace)]
    if not cms:
        return  # the ConfigMap is managed outside this file
    data = cms[0].get(("data",)) or {}
    if key not in data:
        yield Hit(where, f"--config={path} reads key {key!r} of ConfigMap {name}, which has only {', '.join(sorted(map(str, data))) or 'no keys'}", "point --config at an existing key, or fix the volume's items", obj=t.workload)
    else:
        yield Hit(where, f"--config={path} reads key {key!r} of ConfigMap {name}, which does not hold a collector config", "put the collector config (receivers/exporters/service) under that key", obj=t.workload)
