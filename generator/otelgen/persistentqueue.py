"""spec.persistentQueue: the exporters' sending queues on disk.

One file_storage extension (``EXTENSION``) holds every queue; each exporter with a
sending queue gets ``sending_queue.storage`` naming it and a queue bounded in bytes,
so together the queues fit in the volume. Where the volume lives follows the mode
(``otelgen.modes``: ``queue_volume``):

- ``persistentVolumeClaim`` (statefulset): a ``volumeClaimTemplates`` entry per pod,
  ``size`` as its request, ``storageClassName`` when given;
- ``hostPath`` (agent): a directory of the node under /var/lib/otelcol;
- ``emptyDir`` (gateway, sidecar): ``size`` as its sizeLimit, inside the pod's
  ephemeral-storage limit (``sizing.fit_ephemeral_storage``).

What survives what is in docs/configure.md.
"""

from __future__ import annotations

from typing import Any

from otelgen import components, modes
from otelgen.components.common import volume_name
from otelgen.errors import Collector, error, warning
from otelgen.spec import quantity
from otelgen.spec.model import Spec

EXTENSION = "file_storage/persistent_queue"
#: the share of the volume the queues may fill: bbolt (file_storage's database) keeps
#: freed pages in its file until it is compacted, so the file outgrows the live data
QUEUE_SHARE_PERCENT = 50
#: agent: the node directory when persistentQueue.hostPath is not given ({name}: metadata.name)
HOST_PATH = "/var/lib/otelcol/{name}/queue"
PATH = ("spec", "persistentQueue")
#: the modes' queue volumes, in words (messages)
WHERE = {"persistentVolumeClaim": "a PersistentVolumeClaim per pod", "hostPath": "a directory of its node", "emptyDir": "an emptyDir"}


def volume() -> str:
    """The pod volume (or StatefulSet claim) name of the queue."""
    return volume_name("storage", EXTENSION)


def claim_volume(spec: Spec) -> str | None:
    """The volume that is a PersistentVolumeClaim per pod instead of a pod volume."""
    pq = spec.persistent_queue
    if pq.enabled and modes.traits(spec.mode).queue_volume == "persistentVolumeClaim":
        return volume()
    return None


def claim_templates(spec: Spec, labels: dict[str, str]) -> list[dict[str, Any]]:
    """The StatefulSet's volumeClaimTemplates."""
    name = claim_volume(spec)
    if name is None:
        return []
    pq = spec.persistent_queue
    claim: dict[str, Any] = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": pq.size}}}
    if pq.storage_class_name:
        claim["storageClassName"] = pq.storage_class_name
    return [{"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name, "labels": dict(labels)}, "spec": claim}]


def queued_exporters(sections: dict[str, dict], pipelines: dict[str, dict[str, list[str]]]) -> list[str]:
    """The exporters, used in a pipeline, whose sending queue is on (the collector's default)."""
    used = {ref for p in pipelines.values() for ref in p["exporters"]}
    out = []
    for name in sorted(sections["exporters"]):
        if name not in used:
            continue
        comp = components.lookup("exporter", name.split("/")[0])
        if comp is None or "sending_queue" not in comp.config_model.model_fields:
            continue
        queue = (sections["exporters"][name] or {}).get("sending_queue")
        if isinstance(queue, dict) and queue.get("enabled") is False:
            continue
        out.append(name)
    return out


def wire(spec: Spec, name: str, sections: dict[str, dict], pipelines: dict[str, dict[str, list[str]]], problems: Collector) -> None:
    """Add the file_storage extension and point every queued exporter at it (in place)."""
    pq = spec.persistent_queue
    if not pq.enabled:
        return
    kind = modes.traits(spec.mode).queue_volume
    if pq.storage_class_name and kind != "persistentVolumeClaim":
        problems.add(error("E063", [*PATH, "storageClassName"], f"mode {spec.mode} keeps the queue in {WHERE[kind]}, not a PersistentVolumeClaim", "drop storageClassName, or use mode statefulset for a volume per pod"))
    if pq.host_path and kind != "hostPath":
        problems.add(error("E063", [*PATH, "hostPath"], f"mode {spec.mode} keeps the queue in {WHERE[kind]}, not on the node", "drop hostPath (only agents keep the queue on their node)"))
    size_bytes = int(quantity.parse(pq.size))
    if size_bytes < 2**20:
        problems.add(error("E063", [*PATH, "size"], f"{pq.size} is less than 1Mi: no room for a queue", "give the queue at least a few hundred Mi, e.g. 1Gi"))
        return
    if EXTENSION in sections["extensions"]:
        problems.add(error("E063", ["spec", "extensions", EXTENSION], f"{EXTENSION} is the extension persistentQueue adds", "rename your file_storage instance"))
        return
    storage: dict[str, Any] = {"directory": pq.directory}
    if kind == "hostPath":
        storage["host_path"] = pq.host_path or HOST_PATH.format(name=name)
    else:
        storage["size_limit_mib"] = max(size_bytes // 2**20, 1)
    sections["extensions"][EXTENSION] = storage
    exporters = queued_exporters(sections, pipelines)
    if not exporters:
        problems.add(warning("W123", list(PATH), "no exporter in a pipeline has a sending queue, so nothing is kept on disk", "enable sending_queue on the exporters (otlp, otlp_http) or drop persistentQueue"))
        return
    budget = size_bytes * QUEUE_SHARE_PERCENT // 100 // len(exporters)
    for exporter in exporters:
        cfg = dict(sections["exporters"][exporter] or {})
        queue = dict(cfg.get("sending_queue") or {})
        if queue.get("storage"):
            problems.add(warning("W123", ["spec", "exporters", exporter, "sending_queue", "storage"], f"{exporter} keeps its queue in {queue['storage']}, not in the persistentQueue volume", "drop sending_queue.storage to use persistentQueue's volume"))
        else:
            queue["storage"] = EXTENSION
            if "queue_size" in queue or "sizer" in queue:
                if queue.get("sizer") != "bytes":
                    problems.add(warning("W123", ["spec", "exporters", exporter, "sending_queue"], f"{exporter}'s queue is bounded in {queue.get('sizer', 'requests')}, not bytes: it can outgrow the {pq.size} persistentQueue volume", "drop queue_size and sizer to get a queue sized in bytes to fit the volume"))
            else:
                queue["sizer"] = "bytes"
                queue["queue_size"] = budget
        cfg["sending_queue"] = queue
        sections["exporters"][exporter] = cfg
