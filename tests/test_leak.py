"""Leak test: a marker credential entering through any door never comes out.

For every place a value can enter (a typed spec field, `extra`, a vendor header,
`--set`, `pod.env`, metadata annotations, an unmodelled component, Helm values,
an imported raw config and imported manifests), render / kustomize / inject /
validate / the chart refuse with exit 2 and the value not echoed, and import
moves it to a Secret reference: the marker appears in no rendered object,
ConfigMap, file, stdout, stderr or error message.  Every marker contains
``LEAK`` and nothing otelgen writes on its own does."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import run_cli, tool

MARK = "LEAK"
KEY = "sk-LEAK7f3a9c2e5b1d8f4a6c0e"
BEARER = "Bearer LEAKb7e2c9f1a4d6e8c3"
URL = "https://leakuser:LEAKpw9c2e5b1d8f@otlp.vendor.example.com:4318"

#: (name, spec fragment merged into a gateway spec, --set expressions)
DOORS: dict[str, tuple[dict, list[str]]] = {
    "typed header": ({"exporters": {"otlp": {"endpoint": "b:4317", "headers": {"Authorization": BEARER}}}}, []),
    "vendor header whose name says team": ({"exporters": {"otlp": {"endpoint": "b:4317", "headers": {"X-Honeycomb-Team": "LEAKhoneycomb0"}}}}, []),
    "header under extra": ({"exporters": {"otlp": {"endpoint": "b:4317", "extra": {"headers": {"x-custom": KEY}}}}}, []),
    "extra.token over a secretRef": ({"extensions": {"bearertokenauth": {"token": {"secretRef": {"name": "a", "key": "b"}}, "extra": {"token": "LEAKtoken0"}}}, "exporters": {"otlp": {"endpoint": "b:4317", "authenticator": "bearertokenauth"}}}, []),
    "basicauth password": ({"extensions": {"basicauth/client": {"client_auth": {"username": "u", "password": "LEAKpassword0"}}}}, []),
    "endpoint user info": ({"exporters": {"otlp_http/v": {"endpoint": URL}}, "pipelines": {"traces": {"receivers": ["otlp"], "exporters": ["otlp_http/v"]}}}, []),
    "pod env value": ({"pod": {"env": [{"name": "VENDOR_API_KEY", "value": "LEAKenv0"}]}}, []),
    "annotation": ({"service": {"annotations": {"vendor/api-key": "LEAKannotation0"}}}, []),
    "attribute value in a list": ({"processors": {"attributes/x": {"actions": [{"key": "k", "value": KEY, "action": "insert"}]}}, "pipelines": {"traces": {"receivers": ["otlp"], "processors": ["attributes/x"], "exporters": ["otlp"]}}}, []),
    "--set header": ({}, ["exporters.otlp.headers.api-key=LEAKset0"]),
    "--set value that looks like a key": ({}, [f"exporters.otlp.headers.x-other={KEY}"]),
    "--set bearer": ({}, [f"exporters.otlp.extra.headers.x-auth={BEARER}"]),
}


def _spec(fragment: dict) -> dict:
    spec = {"mode": "gateway", **fragment}
    return {"apiVersion": "otelgen.io/v1alpha1", "kind": "Collector", "metadata": {"name": "gw", "namespace": "obs"}, "spec": spec}


def _files_text(root: Path) -> str:
    return "".join(p.read_text(errors="replace") for p in root.rglob("*") if p.is_file()) if root.exists() else ""


@pytest.mark.parametrize("door", sorted(DOORS))
def test_every_command_refuses_without_echoing(door, tmp_path):
    fragment, sets = DOORS[door]
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(_spec(fragment)))
    set_args = [a for s in sets for a in ("--set", s)]
    app = tmp_path / "app.yaml"
    app.write_text(yaml.safe_dump({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "app"}, "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "app", "image": "app:1"}]}}}}))
    sidecar = tmp_path / "sidecar.yaml"
    doc = _spec(fragment)
    doc["spec"]["mode"] = "sidecar"
    sidecar.write_text(yaml.safe_dump(doc))
    commands = {
        "render": ["render", "-f", str(spec), *set_args],
        "render -o": ["render", "-f", str(spec), "-o", str(tmp_path / "out"), *set_args],
        "render --config-only": ["render", "-f", str(spec), "--config-only", *set_args],
        "validate": ["validate", str(spec)] if not sets else None,
        "kustomize": ["kustomize", "-f", str(spec), "-o", str(tmp_path / "kust"), *set_args],
        "inject": ["inject", "-f", str(app), "--spec", str(sidecar), *set_args],
    }
    for name, argv in commands.items():
        if argv is None:
            continue
        result = run_cli(*argv)
        assert result.code == 2, f"{name}: exit {result.code}\n{result.err}"
        assert "E015" in result.err, f"{name}: {result.err}"
        assert MARK not in result.out + result.err, f"{name} echoed the credential: {result.err}"
    assert MARK not in _files_text(tmp_path / "out") + _files_text(tmp_path / "kust")


@pytest.mark.tools
@pytest.mark.parametrize("door", sorted(d for d in DOORS if not DOORS[d][1]))
def test_the_chart_refuses_without_echoing(door, tmp_path):
    from helm_parity import CHART, helm_template

    values = tmp_path / "values.yaml"
    values.write_text(yaml.safe_dump(_spec(DOORS[door][0])["spec"]))
    proc = helm_template(str(tool("helm")), "gw", "obs", values)
    assert proc.returncode != 0 and "error E015" in proc.stderr, proc.stderr
    assert MARK not in proc.stdout + proc.stderr


@pytest.mark.tools
def test_the_chart_refuses_set_without_echoing():
    from helm_parity import CHART, KUBE_VERSION

    for expression in ("exporters.otlp.headers.api-key=LEAKset0", f"exporters.otlp.extra.headers.x-other={KEY}"):
        proc = subprocess.run([str(tool("helm")), "template", "gw", str(CHART), "-n", "obs", "--set", expression, "--kube-version", KUBE_VERSION], capture_output=True, text=True, timeout=60)
        assert proc.returncode != 0 and "error E015" in proc.stderr, proc.stderr
        assert MARK not in proc.stdout + proc.stderr


RAW_CONFIG = {
    "receivers": {"otlp": {"protocols": {"grpc": {"endpoint": "0.0.0.0:4317"}}}},
    "processors": {"batch": {}, "attributes/x": {"actions": [{"key": "k", "value": KEY, "action": "insert"}]}},
    "exporters": {
        "otlp/a": {"endpoint": "a:4317", "headers": {"Authorization": BEARER, "X-Honeycomb-Team": "LEAKhoneycomb0", "X-Scope-OrgID": "tenant-1"}},
        "otlphttp/b": {"endpoint": URL, "auth": {"authenticator": "basicauth/client"}},
        "otlphttp/c": {"endpoint": "https://listener.example.com:8071/?token=LEAKquery0"},
    },
    "extensions": {
        "basicauth/client": {"client_auth": {"username": "u", "password": "LEAKpassword0"}},
        "headers_setter": {"headers": [{"key": "x-api-key", "value": KEY, "action": "upsert"}]},
        "bearertokenauth": {"token": "LEAKtoken0"},
    },
    "service": {"extensions": ["basicauth/client", "headers_setter", "bearertokenauth"], "pipelines": {"traces": {"receivers": ["otlp"], "processors": ["attributes/x", "batch"], "exporters": ["otlp/a", "otlphttp/b", "otlphttp/c"]}}},
}


def _check_imported(result, tmp_path) -> dict:
    assert result.code == 0, result.err
    assert MARK not in result.out + result.err, "import copied a credential"
    spec = yaml.safe_load(result.out)
    assert "kubectl create secret" in result.err
    path = tmp_path / "imported.yaml"
    path.write_text(result.out)
    rendered = run_cli("render", "-f", str(path))
    assert rendered.code == 0, rendered.err
    assert MARK not in rendered.out + rendered.err
    return spec


def test_import_moves_every_credential_of_a_raw_config(tmp_path):
    source = tmp_path / "config.yaml"
    source.write_text(yaml.safe_dump(RAW_CONFIG))
    spec = _check_imported(run_cli("import", str(source)), tmp_path)["spec"]
    headers = spec["exporters"]["otlp_grpc/a"]["headers"]
    assert headers["X-Scope-OrgID"] == "tenant-1", "a tenant is not a credential"
    assert "secretRef" in headers["Authorization"] and "secretRef" in headers["X-Honeycomb-Team"]
    assert spec["exporters"]["otlp_http/b"]["endpoint"].startswith("https://${env:") and spec["exporters"]["otlp_http/b"]["endpoint"].endswith("@otlp.vendor.example.com:4318")
    assert "token=${env:" in spec["exporters"]["otlp_http/c"]["endpoint"]
    assert spec["extensions"]["basicauth/client"]["client_auth"]["password"].startswith("${env:")
    assert {"secretRef"} <= set(spec["extensions"]["bearertokenauth"]["token"])


@pytest.mark.tools
def test_imported_config_with_moved_credentials_passes_the_real_collector(tmp_path):
    """The ${env:VAR} the credentials became (URL user info and query included) are a config the collector accepts."""
    from test_collector import rendered_config_and_env, validate

    source = tmp_path / "config.yaml"
    source.write_text(yaml.safe_dump(RAW_CONFIG))
    imported = run_cli("import", str(source))
    assert imported.code == 0, imported.err
    spec = tmp_path / "imported.yaml"
    spec.write_text(imported.out)
    config, env = rendered_config_and_env(("-f", str(spec)))
    proc = validate(config, tmp_path, env)
    assert proc.returncode == 0, proc.stderr


def test_import_moves_literal_env_of_the_manifests(tmp_path):
    manifests = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "otel", "namespace": "obs"}, "data": {"config.yaml": yaml.safe_dump({**RAW_CONFIG, "exporters": {"otlp/a": {"endpoint": "a:4317", "headers": {"api-key": "${env:VENDOR_API_KEY}"}}}, "service": {"pipelines": {"traces": {"receivers": ["otlp"], "processors": ["batch"], "exporters": ["otlp/a"]}}}, "extensions": {}})}},
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "otel", "namespace": "obs"}, "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "otel"}}, "template": {"metadata": {"labels": {"app": "otel"}}, "spec": {"containers": [{"name": "otel", "image": "otel/opentelemetry-collector-k8s:0.145.0", "args": ["--config=/conf/config.yaml"], "env": [{"name": "VENDOR_API_KEY", "value": "LEAKenv0"}], "volumeMounts": [{"name": "conf", "mountPath": "/conf"}]}], "volumes": [{"name": "conf", "configMap": {"name": "otel"}}]}}}},
    ]
    source = tmp_path / "manifests.yaml"
    source.write_text(yaml.safe_dump_all(manifests))
    spec = _check_imported(run_cli("import", str(source)), tmp_path)["spec"]
    env = {e["name"]: e for e in spec["pod"]["env"]}
    assert env["VENDOR_API_KEY"] == {"name": "VENDOR_API_KEY", "secretRef": {"name": "otel-env", "key": "VENDOR_API_KEY"}}


def test_lint_reports_without_echoing(tmp_path):
    source = tmp_path / "config.yaml"
    source.write_text(yaml.safe_dump(RAW_CONFIG))
    result = run_cli("lint", str(source))
    assert result.code == 1
    assert result.out.count("OTG060") >= 6, result.out
    assert MARK not in result.out + result.err


@pytest.mark.parametrize("mode", ["agent", "gateway", "sidecar"])
def test_lint_does_not_flag_otelgen_output(mode, tmp_path):
    spec = {"exporters": {"otlp": {"headers": {"Authorization": {"secretRef": {"name": "v", "key": "t"}, "prefix": "Bearer "}, "X-Scope-OrgID": "tenant-1"}}},
            "pod": {"env": [{"name": "VENDOR_API_KEY", "secretRef": {"name": "v", "key": "k"}}]}}
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump({"metadata": {"name": "otel", "namespace": "obs"}, "spec": spec}))
    rendered = run_cli("render", mode, "-f", str(path))
    assert rendered.code == 0, rendered.err
    out = tmp_path / "out.yaml"
    out.write_text(rendered.out)
    result = run_cli("lint", "--format", "json", str(out))
    assert "OTG060" not in result.out and "OTG061" not in result.out, result.out


@pytest.mark.parametrize("expression", [KEY, f"exporters[x]={KEY}", f"{KEY}.a=1", "exporters.otlp.headers.api-key[z]=LEAKset0"])
def test_bad_set_expressions_do_not_quote_a_credential(expression):
    result = run_cli("render", "gateway", "--set", expression)
    assert result.code == 2 and ("E005" in result.err or "E015" in result.err), result.err
    assert MARK not in result.out + result.err
