"""Compare `helm template` of charts/otel-collector with `otelgen render` for one spec."""

from __future__ import annotations

import difflib
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CHART = ROOT / "charts" / "otel-collector"
KUBE_VERSION = "1.30.0"

#: Labels and annotations only Helm sets or whose text only Helm decides; everything else must be equal.
HELM_LABELS = ("helm.sh/chart", "app.kubernetes.io/managed-by")
#: The checksum is sha256 of the config *text*; Helm's toYaml and otelgen's dumper format
#: the same config differently (the parsed configs are compared instead).
HELM_ANNOTATIONS = ("otelgen.io/config-checksum",)
CONFIG_KEY = "collector.yaml"
TA_CONFIG_KEY = "targetallocator.yaml"  # the target allocator's config, compared parsed too


def normalise(obj: dict) -> dict:
    """The object with Helm's own labels/annotations removed and the collector config parsed."""
    obj = yaml.safe_load(yaml.safe_dump(obj))
    meta = obj.get("metadata", {})
    for key in HELM_LABELS:
        meta.get("labels", {}).pop(key, None)
    template = obj.get("spec", {}).get("template", {}).get("metadata", {})
    for key in HELM_ANNOTATIONS:
        template.get("annotations", {}).pop(key, None)
    for key in (CONFIG_KEY, TA_CONFIG_KEY):
        if obj.get("kind") == "ConfigMap" and key in obj.get("data", {}):
            obj["data"][key] = yaml.safe_load(obj["data"][key])
    return obj


def keyed(objects: list[dict]) -> dict[tuple[str, str], dict]:
    return {(o["kind"], o["metadata"]["name"]): normalise(o) for o in objects if o}


def diff(otelgen_objects: list[dict], helm_objects: list[dict]) -> str:
    """Empty when equal; otherwise a readable unified diff per differing object."""
    want, got = keyed(otelgen_objects), keyed(helm_objects)
    out = []
    for key in sorted(set(want) | set(got)):
        a = yaml.safe_dump(want[key], sort_keys=True).splitlines() if key in want else []
        b = yaml.safe_dump(got[key], sort_keys=True).splitlines() if key in got else []
        if a != b:
            out.append("\n".join(difflib.unified_diff(a, b, f"otelgen {key[0]}/{key[1]}", f"helm {key[0]}/{key[1]}", lineterm="", n=2)))
    return "\n".join(out)


def helm_template(helm: str, release: str, namespace: str, values: Path, *extra: str, chart: Path | str = CHART) -> subprocess.CompletedProcess:
    cmd = [helm, "template", release, str(chart), "-n", namespace, "-f", str(values), "--kube-version", KUBE_VERSION, *extra]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)
