"""kustomize/: drift against the generator, `kustomize build` with the real
tool, kubeconform strict on the result, and parity with `otelgen render`."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, run_cli, tool
from test_kubeconform import kubeconform

import generate  # tools/generate.py

TREE = ROOT / "kustomize"
EX = ROOT / "examples"
HASHED = re.compile(r"^(?P<name>.+)-[a-z0-9]{10}$")


def kustomize_build(path: Path) -> str:
    proc = subprocess.run([str(tool("kustomize")), "build", str(path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def normalise(objects: list[dict]) -> dict[tuple[str, str], dict]:
    """Objects by (kind, name), with Kustomize's ConfigMap name hash and
    otelgen's config checksum (the two ways of rolling pods) taken out."""
    out = {}
    for obj in objects:
        obj = yaml.safe_load(yaml.safe_dump(obj))
        if obj["kind"] == "ConfigMap":
            obj["metadata"]["name"] = HASHED.sub(r"\g<name>", obj["metadata"]["name"])
        template = obj.get("spec", {}).get("template")
        if template:
            annotations = template.get("metadata", {}).get("annotations", {})
            annotations.pop("otelgen.io/config-checksum", None)
            if not annotations:
                template["metadata"].pop("annotations", None)
            pod = template["spec"]
            for volume in pod.get("volumes", []):
                if "configMap" in volume:
                    volume["configMap"]["name"] = HASHED.sub(r"\g<name>", volume["configMap"]["name"])
        out[(obj["kind"], obj["metadata"]["name"])] = obj
    return out


def rendered(*args: str) -> dict[tuple[str, str], dict]:
    result = run_cli("render", *args)
    assert result.code == 0, result.err
    return normalise(result.objects())


def built(path: Path) -> dict[tuple[str, str], dict]:
    return normalise([d for d in yaml.safe_load_all(kustomize_build(path)) if d])


def test_committed_tree_matches_the_generator():
    expected = generate.kustomize_tree()
    actual = {str(p.relative_to(TREE)): p.read_text() for p in TREE.rglob("*") if p.is_file() and p.name != ".otelgen-output"}
    assert sorted(actual) == sorted(expected), "kustomize/ files differ: run `make generate`"
    stale = [name for name in expected if actual[name] != expected[name]]
    assert not stale, f"kustomize/ is stale ({', '.join(stale)}): run `make generate`"


BUILDS = ["base/gateway", "base/agent", "base/statefulset", "overlays/dev", "overlays/production", "overlays/platform", "overlays/agent-host-network"]


@pytest.mark.tools
@pytest.mark.parametrize("path", BUILDS)
def test_build_passes_kubeconform_strict(path):
    import toolpaths

    manifest = kustomize_build(TREE / path)
    for version in toolpaths.k8s_schema_versions():
        code, resources = kubeconform(manifest, version)
        assert code == 0, [r for r in resources if r.get("status") not in ("statusValid", None)]
        assert not resources[-1]["summary"].get("skipped")


GATEWAY = ("gateway", "-f", str(EX / "gateway-default.yaml"))
PARITY = {
    "base/gateway": GATEWAY + ("--set", "networkPolicy.enabled=false"),
    "base/agent": ("agent", "-f", str(EX / "agent-default.yaml"), "--set", "networkPolicy.enabled=false"),
    "base/statefulset": ("statefulset", "-f", str(EX / "statefulset-persistent-queue.yaml"), "--set", "networkPolicy.enabled=false"),
    "overlays/dev": GATEWAY + ("-f", str(EX / "overlays/dev.yaml"), "--set", "networkPolicy.enabled=false"),
    "overlays/production": GATEWAY + ("-f", str(EX / "overlays/production.yaml"), "--set", "networkPolicy.enabled=true", "--set", "scaling.autoscaling.enabled=true"),
    "overlays/platform": GATEWAY + ("-f", str(EX / "overlays/platform.yaml"), "--set", "networkPolicy.enabled=false"),
    "overlays/agent-host-network": ("agent", "-f", str(EX / "agent-default.yaml"), "-f", str(EX / "overlays/agent-host-network.yaml"), "--set", "networkPolicy.enabled=false"),
}


@pytest.mark.tools
@pytest.mark.parametrize("path", sorted(PARITY))
def test_build_equals_otelgen_render(path):
    assert built(TREE / path) == rendered(*PARITY[path])


@pytest.mark.tools
@pytest.mark.parametrize("component,sets", [
    ("tls-cert-manager", ("--set", "tls.certManager.issuerRef.name=otel-ca")),
    ("hpa", ("--set", "scaling.autoscaling.enabled=true")),
    ("network-policy", ("--set", "networkPolicy.enabled=true")),
    ("exposure", tuple(a for s in generate.EXPOSURE for a in ("--set", s))),
])
def test_component_equals_the_spec_switch(tmp_path, component, sets):
    (tmp_path / "kustomization.yaml").write_text(yaml.safe_dump({
        "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
        "resources": [os.path.relpath(TREE / "base/gateway", tmp_path)], "components": [os.path.relpath(TREE / "components" / component, tmp_path)],
    }))
    off = ("--set", "networkPolicy.enabled=false") if component != "network-policy" else ()
    assert built(tmp_path) == rendered(*GATEWAY, *off, *sets)


@pytest.mark.tools
def test_prometheus_node_local_component_equals_the_preset(tmp_path):
    """base/agent + components/prometheus-node-local = the agent with the node-local preset, and passes kubeconform."""
    import toolpaths

    (tmp_path / "kustomization.yaml").write_text(yaml.safe_dump({
        "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
        "resources": [os.path.relpath(TREE / "base/agent", tmp_path)], "components": [os.path.relpath(TREE / "components/prometheus-node-local", tmp_path)],
    }))
    got = built(tmp_path)
    assert got == rendered("agent", "-f", str(EX / "agent-default.yaml"), "-f", str(EX / "agent-prometheus-node-local.yaml"), "--set", "networkPolicy.enabled=false")
    config = yaml.safe_load(got[("ConfigMap", "otel-agent-config")]["data"]["collector.yaml"])
    assert "prometheus/scraping" in config["service"]["pipelines"]["metrics"]["receivers"]
    for version in toolpaths.k8s_schema_versions():
        code, resources = kubeconform(kustomize_build(tmp_path), version)
        assert code == 0 and not resources[-1]["summary"].get("skipped"), resources


APP = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: shop}
spec:
  selector: {matchLabels: {app: shop}}
  template:
    metadata: {labels: {app: shop}}
    spec:
      containers: [{name: app, image: "example/shop:1.2.3"}]
"""


@pytest.mark.tools
def test_sidecar_component_equals_otelgen_inject(tmp_path):
    (tmp_path / "app.yaml").write_text(APP)
    (tmp_path / "kustomization.yaml").write_text(yaml.safe_dump({
        "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "namespace": "shop",
        "resources": ["app.yaml"], "components": [os.path.relpath(TREE / "components/sidecar", tmp_path)],
    }))
    manifest = kustomize_build(tmp_path)
    injected = run_cli("inject", "-f", "-", "--spec", str(EX / "sidecar.yaml"), stdin=APP.replace("{name: shop}", "{name: shop, namespace: shop}"))
    assert injected.code == 0, injected.err
    assert normalise([d for d in yaml.safe_load_all(manifest) if d]) == normalise(injected.objects())
    code, resources = kubeconform(manifest, "1.30.0")
    assert code == 0, resources


@pytest.mark.tools
def test_otelgen_kustomize_writes_a_base_that_builds(tmp_path):
    out = tmp_path / "base"
    result = run_cli("kustomize", "-f", str(EX / "gateway-tls-hpa.yaml"), "-o", str(out))
    assert result.code == 0, result.err
    generated = yaml.safe_load((out / "kustomization.yaml").read_text())
    assert generated["configMapGenerator"][0]["files"] == ["collector.yaml"]
    assert built(out) == rendered("-f", str(EX / "gateway-tls-hpa.yaml"))


@pytest.mark.tools
def test_otelgen_kustomize_generates_the_target_allocator_config_too(tmp_path):
    """Both configs come from configMapGenerators (the name hash rolls each Deployment);
    `kustomize build` gives what `otelgen render` gives, and passes kubeconform."""
    import toolpaths

    spec = EX / "gateway-prometheus-target-allocator.yaml"
    out = tmp_path / "base"
    result = run_cli("kustomize", "-f", str(spec), "-o", str(out))
    assert result.code == 0, result.err
    generated = yaml.safe_load((out / "kustomization.yaml").read_text())
    assert [g["files"] for g in generated["configMapGenerator"]] == [["collector.yaml"], ["targetallocator.yaml"]]
    manifest = kustomize_build(out)
    ta = next(d for d in yaml.safe_load_all(manifest) if d and d["kind"] == "Deployment" and d["metadata"]["name"].endswith("-targetallocator"))
    volume = ta["spec"]["template"]["spec"]["volumes"][0]["configMap"]["name"]
    assert HASHED.match(volume) and volume != "otel-scraper-targetallocator"
    assert built(out) == rendered("-f", str(spec))
    code, resources = kubeconform(manifest, toolpaths.k8s_schema_versions()[-1])
    assert code == 0, resources
