"""Rendered configs against the real collector: `otelcol-k8s validate` on the
binary tools/install.sh builds from tools/collector/otelcol-k8s.yaml (the
official Kubernetes distribution's component list at the pinned version)."""

from __future__ import annotations

import os
import re
import subprocess

import pytest
import yaml

from conftest import EXAMPLES, ROOT, run_cli, tool
from otelgen import distributions, versions

ENV_REF = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)")

#: plausible values for what the pod provides through the downward API
POD_ENV = {"MY_POD_IP": "10.1.2.3", "K8S_NODE_IP": "10.0.0.7", "K8S_NODE_NAME": "node-a", "MY_POD_NAMESPACE": "observability"}

#: the only rewrites applied before validate, each for something only a pod has
REWRITES = {
    "hostmetrics root_path": "the node's / is mounted at /hostfs in the pod; validate stats it, so it points at / here",
    "kubeletstats auth_type": "serviceAccount reads the pod's mounted token and CA while building the pipeline; none here",
}


def _pod_like(config: dict) -> dict:
    for name, receiver in (config.get("receivers") or {}).items():
        if name.split("/")[0] in ("hostmetrics", "host_metrics"):
            receiver["root_path"] = "/"
        if name.split("/")[0] in ("kubeletstats", "kubelet_stats") and receiver.get("auth_type") == "serviceAccount":
            receiver["auth_type"] = "none"
    return config


def validate(config_text: str, tmp_path, pod_env: list[dict] | None = None) -> subprocess.CompletedProcess:
    """Run `otelcol validate` with the env the pod would have: every variable the
    container defines gets a plausible value (downward API values from POD_ENV,
    Secrets a placeholder, literal values as given)."""
    config = _pod_like(yaml.safe_load(config_text))
    path = tmp_path / "collector.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTELGEN_", "K8S_", "MY_"))}
    names = [e["name"] for e in pod_env] if pod_env is not None else sorted(set(ENV_REF.findall(config_text)))
    for var in names:
        env[var] = POD_ENV.get(var, f"plausible-{var.lower()}")
    for entry in pod_env or []:
        if "value" in entry:
            env[entry["name"]] = entry["value"]
    return subprocess.run([str(tool("collector")), "validate", f"--config={path}"], capture_output=True, text=True, env=env, timeout=120)


def rendered_config_and_env(args: tuple[str, ...]) -> tuple[str, list[dict]]:
    """The collector config and the collector container's env, as deployed
    (sidecars: injected into a minimal Pod)."""
    sidecar = args == ("sidecar",) or (args[0] == "-f" and "sidecar" in args[1])
    if sidecar:
        app = "apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  containers: [{name: app, image: 'app:1'}]\n"
        spec = ["--spec", args[1]] if args[0] == "-f" else []
        result = run_cli("inject", "-f", "-", *spec, stdin=app)
    else:
        result = run_cli("render", *args)
    assert result.code == 0, result.err
    objects = result.objects()
    cm = next(o for o in objects if o["kind"] == "ConfigMap")
    pod = next(o for o in objects if o["kind"] in ("Deployment", "DaemonSet", "Pod"))
    pod_spec = pod["spec"] if pod["kind"] == "Pod" else pod["spec"]["template"]["spec"]
    collector = next(c for c in pod_spec.get("initContainers", []) + pod_spec["containers"] if c["name"] == "otc-container")
    return cm["data"]["collector.yaml"], collector["env"]


CASES = {f"example-{p.stem}": ("-f", str(p)) for p in EXAMPLES}
CASES.update({f"default-{m}": (m,) for m in ("agent", "gateway", "sidecar")})


@pytest.mark.tools
@pytest.mark.parametrize("name", sorted(CASES))
def test_rendered_config_passes_collector_validate(name, tmp_path):
    config, pod_env = rendered_config_and_env(CASES[name])
    defined = {e["name"] for e in pod_env}
    referenced = set(ENV_REF.findall(config))
    assert referenced <= defined, f"config uses env vars the pod does not define: {referenced - defined}"
    proc = validate(config, tmp_path, pod_env)
    assert proc.returncode == 0, f"otelcol validate failed:\n{proc.stderr[-3000:]}"


@pytest.mark.tools
def test_validate_is_a_real_judge(tmp_path):
    """The same check must fail on a broken config, or the test above proves nothing."""
    config = run_cli("render", "gateway", "--config-only").out
    broken = config.replace("check_interval: 100ms", "check_interval: 100ms\n    limit_percentag: 80")
    assert broken != config
    proc = validate(broken, tmp_path)
    assert proc.returncode != 0 and "limit_percentag" in proc.stderr


@pytest.mark.tools
def test_binary_is_the_pinned_version():
    out = subprocess.run([str(tool("collector")), "--version"], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith(versions.PINNED_COLLECTOR_VERSION)


@pytest.mark.tools
def test_distribution_list_matches_the_build():
    out = subprocess.run([str(tool("collector")), "components"], capture_output=True, text=True, check=True).stdout
    built = yaml.safe_load(out)
    for kind in ("receiver", "processor", "exporter", "extension", "connector"):
        names = {c["name"] for c in built[kind + "s"]}
        aliases = {"otlp", "otlphttp"} if kind == "exporter" else set()
        assert distributions.names(kind) == names | aliases, kind


@pytest.mark.tools
def test_every_modelled_component_is_in_the_image():
    from otelgen.components import ALL

    for component in ALL:
        name = component.type_name(versions.PINNED_COLLECTOR_VERSION)
        assert distributions.contains(component.kind, name, versions.PINNED_COLLECTOR_VERSION), (component.kind, name)


def test_toolchain_pins_the_same_collector_version():
    import toolpaths

    assert toolpaths.versions()["COLLECTOR_VERSION"] == versions.PINNED_COLLECTOR_VERSION
    manifest = yaml.safe_load((ROOT / "tools/collector/otelcol-k8s.yaml").read_text())
    assert manifest["dist"]["version"] == versions.PINNED_COLLECTOR_VERSION
    for section in ("extensions", "exporters", "processors", "receivers", "connectors"):
        for entry in manifest[section]:
            assert entry["gomod"].endswith(f" v{versions.PINNED_COLLECTOR_VERSION}"), entry
