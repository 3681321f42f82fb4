"""`otelgen import`: raw configs and manifests from tests/import/ → spec →
render → the real collector's `validate`; the component/pipeline graph
before and after, modulo exactly the changes import lists; credentials;
workload settings; bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, run_cli
from test_collector import ENV_REF, rendered_config_and_env, validate

from otelgen import components, versions
from otelgen.importer import import_path
from otelgen.importer.changes import canonical, components_of, graph
from otelgen.importer.notes import IDS

CORPUS_DIR = ROOT / "tests" / "import"
CORPUS = sorted(CORPUS_DIR.glob("*.yaml"))
NOT_IN_IMAGE = {"custom-components"}  # needs the contrib image (a contrib exporter)


def corpus(stem: str) -> str:
    return str(CORPUS_DIR / f"{stem}.yaml")


def lines(result, severity: str, id_prefix: str = "") -> list[str]:
    return [line for line in result.err.splitlines() if line.startswith(f"{severity} {id_prefix}")]


def import_to(tmp_path: Path, path: str, *args: str) -> tuple[Path, dict]:
    # "sidecar" in the file name routes test_collector.rendered_config_and_env through inject
    spec = tmp_path / f"{Path(path).stem}-spec.yaml"
    result = run_cli("import", path, "-o", str(spec), *args)
    assert result.code == 0, result.err
    return spec, yaml.safe_load(spec.read_text())


# ------------------------------------------------------------------ real collector


@pytest.mark.tools
@pytest.mark.parametrize("stem", sorted(p.stem for p in CORPUS if p.stem not in NOT_IN_IMAGE))
def test_imported_spec_renders_a_config_the_collector_accepts(stem, tmp_path):
    spec, _ = import_to(tmp_path, corpus(stem))
    config, pod_env = rendered_config_and_env(("-f", str(spec)))
    defined = {e["name"] for e in pod_env}
    assert set(ENV_REF.findall(config)) <= defined, "the config reads env vars the pod does not define"
    proc = validate(config, tmp_path, pod_env)
    assert proc.returncode == 0, f"otelcol validate failed:\n{proc.stderr[-3000:]}"


@pytest.mark.tools
def test_component_missing_from_otelcol_k8s_imports_as_contrib_which_validates_it(tmp_path):
    spec, doc = import_to(tmp_path, corpus("custom-components"))
    assert doc["spec"]["distribution"] == "contrib"
    result = run_cli("import", corpus("custom-components"))
    c308 = [line for line in lines(result, "change", "C308") if "distribution contrib" in line]
    assert len(c308) == 1 and "exporter prometheusremotewrite" in c308[0], result.err
    config, pod_env = rendered_config_and_env(("-f", str(spec)))
    # the otelcol-k8s binary refuses only the contrib exporter; the contrib test binary accepts it all
    refused = validate(config, tmp_path, pod_env)
    assert refused.returncode != 0 and 'unknown type: "prometheusremotewrite"' in refused.stderr, refused.stderr[-2000:]
    accepted = validate(config, tmp_path, pod_env, binary="collector_contrib")
    assert accepted.returncode == 0, accepted.stderr[-2000:]


def test_component_in_neither_image_imports_as_custom(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text(
        "receivers: {otlp: {protocols: {grpc: {}}}}\n"
        "exporters: {prometheusremotewrite: {endpoint: 'http://mimir:9009/api/v1/push'}, mycorpexporter: {}}\n"
        "service: {pipelines: {metrics: {receivers: [otlp], exporters: [prometheusremotewrite, mycorpexporter]}}}\n"
    )
    result = run_cli("import", str(config))
    assert result.code == 0, result.err
    assert yaml.safe_load(result.out)["spec"]["distribution"] == "custom"
    w202 = lines(result, "warning", "W202")
    assert any("mycorpexporter" in w and "lacks it too" in w for w in w202), w202
    assert any("prometheusremotewrite" in w and "has it" in w for w in w202), w202
    assert not [line for line in lines(result, "change", "C308") if "distribution contrib" in line]


def test_manifests_running_their_own_image_stay_custom(tmp_path):
    manifest = tmp_path / "m.yaml"
    manifest.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: obs}\ndata:\n  relay: |\n"
        "    receivers: {otlp: {protocols: {grpc: {}}}}\n"
        "    exporters: {prometheusremotewrite: {endpoint: 'http://mimir:9009/api/v1/push'}}\n"
        "    service: {pipelines: {metrics: {receivers: [otlp], exporters: [prometheusremotewrite]}}}\n"
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: c, namespace: obs}\nspec:\n  selector: {matchLabels: {app: c}}\n"
        "  template:\n    metadata: {labels: {app: c}}\n    spec:\n      containers:\n      - name: otc\n        image: IMAGE:0.145.0\n"
        "        args: [--config=/conf/relay.yaml]\n        volumeMounts: [{name: conf, mountPath: /conf}]\n"
        "      volumes: [{name: conf, configMap: {name: c, items: [{key: relay, path: relay.yaml}]}}]\n"
    )
    text = manifest.read_text()
    expected = {"registry.example.com/mycorp/otelcol": ("custom", "registry.example.com/mycorp/otelcol"),
                "otel/opentelemetry-collector-contrib": ("contrib", "otel/opentelemetry-collector-contrib"),
                "otel/opentelemetry-collector-k8s": ("contrib", None)}
    for image, (dist, repository) in expected.items():
        manifest.write_text(text.replace("IMAGE", image))
        result = run_cli("import", str(manifest))
        assert result.code == 0, result.err
        spec = yaml.safe_load(result.out)["spec"]
        assert spec["distribution"] == dist, (image, result.err)
        assert (spec.get("image") or {}).get("repository") == repository, (image, spec.get("image"))


@pytest.mark.tools
@pytest.mark.parametrize("stem", sorted(p.stem for p in CORPUS if "sidecar" not in p.stem))
def test_imported_spec_renders_manifests_kubeconform_accepts(stem, tmp_path):
    from test_kubeconform import _versions, kubeconform

    spec, _ = import_to(tmp_path, corpus(stem))
    result = run_cli("render", "-f", str(spec))
    assert result.code == 0, result.err
    code, resources = kubeconform(result.out, _versions()[-1])
    summary = resources[-1]["summary"]
    assert code == 0 and summary.get("valid") == len(result.objects()), resources


# ------------------------------------------------------------------ graph before / after


def _expected_pipelines(before: dict) -> dict:
    """The input's pipelines after the listed fixes, computed independently:
    canonical names, memory_limiter first and batch last, both inserted when absent."""
    out = {}
    for pname, pipeline in graph(before).items():
        procs = pipeline["processors"]
        limiter = [p for p in procs if p.split("/")[0] == "memory_limiter"] or ["memory_limiter"]
        batch = [p for p in procs if p.split("/")[0] == "batch"] or ["batch"]
        middle = [p for p in procs if p not in limiter and p not in batch]
        out[pname] = {**pipeline, "processors": limiter + middle + batch}
    return out


def _note_paths(imported, id: str) -> list[tuple]:
    """Paths of the notes with ``id`` that point into the config, relative to it."""
    prefix = imported.notes.prefix
    return [p.path[len(prefix):] for p in imported.notes.items if p.id == id and p.path[: len(prefix)] == prefix]


@pytest.mark.parametrize("stem", [p.stem for p in CORPUS])
def test_graph_is_kept_except_for_the_listed_changes(stem):
    imported = import_path(corpus(stem))
    before, after = imported.input_config, imported.rendered_config
    assert graph(after) == _expected_pipelines(before)

    # every inserted or moved processor is listed, and nothing else is
    inserted, moved = set(), set()
    for pname, pipeline in _expected_pipelines(before).items():
        had = graph(before)[pname]["processors"]
        kept_order = [p for p in pipeline["processors"] if p in had]  # the input's processors, reordered
        for proc in pipeline["processors"]:
            if proc not in had:
                inserted.add((pname, proc))
            elif proc.split("/")[0] in ("memory_limiter", "batch") and had.index(proc) != kept_order.index(proc):
                moved.add((pname, proc))
    prefix = imported.notes.prefix
    listed = [(p.id, p.path[len(prefix):], p.message.split()[0]) for p in imported.notes.items if p.path[: len(prefix)] == prefix]
    listed_inserted = {(path[2], what) for id, path, what in listed if id == "C303" and path[:2] == ("service", "pipelines")}
    listed_moved = {(path[2], what) for id, path, what in listed if id == "C304"}
    assert listed_inserted == inserted
    assert listed_moved == moved

    # components: the input's, minus the listed drops, plus the listed insertions
    dropped = {(path[0], canonical(path[0], path[1])) for path in _note_paths(imported, "C305") if len(path) == 2}
    added = {(path[0], canonical(path[0], path[1])) for path in _note_paths(imported, "C303") if path[0] != "service"}
    added |= {("processors", proc) for _, proc in inserted}
    assert components_of(after) == (components_of(before) - dropped) | added

    # renames: every listed one happened, and every known type has the target version's name
    for section, name in _note_paths(imported, "C301"):
        assert name not in after[section]
    for section, kind in components.SECTIONS.items():
        for name in after.get(section) or {}:
            comp = components.lookup(kind, name.split("/")[0])
            if comp is not None:
                assert name.split("/")[0] == comp.type_name(versions.PINNED_COLLECTOR_VERSION), name


def test_old_agent_changes_are_exactly_these():
    result = run_cli("import", corpus("old-agent-0.98"))
    assert result.code == 0, result.err
    found = {line.split(": ", 2)[1] + " " + line.split()[1] for line in lines(result, "change")}
    assert found == {
        "--mode C308",  # agent: it reads node-local data
        "processors.memory_limiter.ballast_size_mib C305",
        "processors.k8sattributes.filter.node_from_env_var C306",  # KUBE_NODE_NAME → K8S_NODE_NAME
        "exporters.logging.loglevel C306",
        "extensions.memory_ballast C305",
        "service.pipelines.traces.processors C304",  # memory_limiter first, batch last
        "service.telemetry.metrics.address C306",
        "exporters.otlp C301",  # → otlp_grpc
        "exporters.logging C301",  # → debug
        "service.pipelines.logs.processors C303",  # memory_limiter and batch inserted
        "receivers.otlp.protocols.grpc.endpoint C302",  # localhost:4317
        "receivers.otlp.protocols.http.endpoint C302",  # default (localhost)
        "extensions.health_check.endpoint C302",
        "extensions.zpages.endpoint C302",
    }, result.err
    assert "loglevel: info became verbosity: normal" in result.err
    assert f"change C305 {corpus('old-agent-0.98')}:37: processors.memory_limiter.ballast_size_mib:" in result.err
    assert "renamed logging → debug" in result.err and "renamed otlp → otlp_grpc" in result.err
    assert lines(result, "warning") == []
    spec = yaml.safe_load(result.out)["spec"]
    assert spec["exporters"]["debug"] == {"verbosity": "normal"}
    assert spec["pipelines"]["traces"]["processors"] == ["memory_limiter", "k8sattributes", "batch"]
    assert "memory_ballast" not in spec["extensions"] and "zpages" in spec["extensions"]
    assert spec["telemetry"] == {"logLevel": "info", "metricsPort": 8888}


def test_new_names_follow_the_target_version_both_ways():
    older = import_path(corpus("new-names-0.153"))
    assert set(older.rendered_config["processors"]) == {"memory_limiter", "k8sattributes", "resourcedetection", "batch"}
    assert set(older.rendered_config["connectors"]) == {"spanmetrics"}
    newer = import_path(corpus("new-names-0.153"), target_version="0.153.0")
    assert newer.document["spec"]["collectorVersion"] == "0.153.0"
    assert set(newer.rendered_config["processors"]) == {"memory_limiter", "k8s_attributes", "resource_detection", "batch"}
    assert set(newer.rendered_config["exporters"]) == {"otlp_grpc/backend", "load_balancing"}
    assert not [p for p in newer.notes.items if p.id == "C301"]


def test_removed_types_follow_the_table_of_removals(tmp_path):
    config = tmp_path / "old.yaml"
    config.write_text(
        "receivers: {otlp: {protocols: {grpc: {}}}}\n"
        "processors: {k8s_tagger: {passthrough: true}}\n"
        "exporters: {jaeger: {endpoint: 'jaeger-collector:14250'}, logging: {loglevel: debug}}\n"
        "service:\n  pipelines:\n    traces: {receivers: [otlp], processors: [k8s_tagger], exporters: [jaeger, logging]}\n"
    )
    result = run_cli("import", str(config))
    assert result.code == 0, result.err
    spec = yaml.safe_load(result.out)["spec"]
    assert spec["processors"]["k8sattributes"] == {"passthrough": True}
    assert spec["exporters"]["debug"] == {"verbosity": "detailed"}
    assert spec["exporters"]["jaeger"] == {"endpoint": "jaeger-collector:14250"} and spec["distribution"] == "custom"
    assert any("renamed k8s_tagger → k8sattributes" in line for line in lines(result, "change", "C301"))
    assert any("loglevel: debug became verbosity: detailed" in line for line in lines(result, "change", "C306"))
    w205 = lines(result, "warning", "W205")
    assert len(w205) == 1 and "exporter 'jaeger' was removed in 0.85.0" in w205[0] and "otlp_grpc" in w205[0]


def test_bare_env_references_are_written_the_way_collectors_expand_them(tmp_path):
    config = tmp_path / "bare.yaml"
    config.write_text(
        "receivers: {otlp: {protocols: {grpc: {}}}}\n"
        "exporters: {otlphttp: {endpoint: 'https://x.example.com', headers: {api-key: $VENDOR_KEY, x-cost: $$5}}}\n"
        "service:\n  pipelines:\n    traces: {receivers: [otlp], exporters: [otlphttp]}\n"
    )
    result = run_cli("import", str(config))
    assert result.code == 0, result.err
    headers = yaml.safe_load(result.out)["spec"]["exporters"]["otlp_http"]["headers"]
    assert headers == {"api-key": "${env:VENDOR_KEY}", "x-cost": "$$5"}
    assert any("$VENDOR_KEY became ${env:VENDOR_KEY}" in line for line in lines(result, "change", "C306"))
    assert any("${env:VENDOR_KEY}, which the pod does not define" in line for line in lines(result, "warning", "W203"))


def test_refused_values_are_kept_verbatim_and_said(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text(
        "receivers:\n  k8sobjects:\n    objects:\n      - {name: pods, mode: pull, field_selector: status.phase=Running}\n"
        "      - {name: deployments, group: apps, mode: watch, exclude_watch_type: [DELETED], resync: 1h}\n"
        "exporters: {debug: {verbosity: loud}}\n"
        "service:\n  pipelines:\n    logs: {receivers: [k8sobjects], exporters: [debug]}\n"
    )
    # a value of one of the collector's own enums that it refuses: refused here too, not kept aside
    refused = run_cli("import", str(config))
    assert refused.code == 2 and "error E004" in refused.err and "exporters.debug.verbosity: got 'loud'" in refused.err, refused.err
    config.write_text(config.read_text().replace("verbosity: loud", "verbosity: detailed"))
    result = run_cli("import", str(config))
    assert result.code == 0, result.err
    w206 = lines(result, "warning", "W206")
    assert any("receivers.k8sobjects.objects: kept verbatim under extra" in w for w in w206), result.err  # resync is not modelled
    spec = yaml.safe_load(result.out)["spec"]
    assert spec["exporters"]["debug"] == {"verbosity": "detailed"}
    # field selectors are modelled: RBAC follows the objects
    config.write_text(config.read_text().replace(", resync: 1h", ""))
    result = run_cli("import", str(config))
    assert not any("k8sobjects" in w for w in lines(result, "warning", "W206")), result.err
    assert yaml.safe_load(result.out)["spec"]["receivers"]["k8sobjects"]["objects"][0]["field_selector"] == "status.phase=Running"
    imported = import_path(str(config))
    granted = {(r.api_groups, r.resources) for r in imported.plan.needs.rbac}
    assert {(("",), ("pods",)), (("apps",), ("deployments",))} <= granted


# ------------------------------------------------------------------ credentials

SECRET_VALUES = ("sk-live-0123456789abcdef", "9f8e7d6c5b4a39281706f5e4d3c2b1a0", "archive-token-0000aaaa1111bbbb")


def test_inline_credentials_become_secret_refs_and_are_never_echoed(tmp_path):
    result = run_cli("import", corpus("vendor-gateway"))
    assert result.code == 0, result.err
    for value in SECRET_VALUES:
        assert value not in result.out and value not in result.err
    spec = yaml.safe_load(result.out)["spec"]
    assert spec["exporters"]["otlp_grpc/backend"]["headers"] == {
        "Authorization": {"secretRef": {"name": "otel-gateway-otlp-backend", "key": "Authorization"}, "prefix": "Bearer "},
        "x-tenant": "shop",
    }
    assert spec["exporters"]["otlp_http/vendor"]["headers"]["api-key"] == {"secretRef": {"name": "otel-gateway-otlphttp-vendor", "key": "api-key"}}
    assert spec["extensions"]["bearertokenauth/archive"]["token"] == {"secretRef": {"name": "otel-gateway-bearertokenauth-archive", "key": "token"}}
    commands = [line for line in result.err.splitlines() if line.startswith("secret ")]
    assert len(commands) == 3
    assert any("kubectl create secret generic otel-gateway-otlp-backend --namespace observability --from-literal=Authorization=" in c for c in commands)
    # the rendered pod feeds them from the Secrets
    spec_path = tmp_path / "s.yaml"
    spec_path.write_text(result.out)
    config, pod_env = rendered_config_and_env(("-f", str(spec_path)))
    refs = {(e["valueFrom"]["secretKeyRef"]["name"], e["valueFrom"]["secretKeyRef"]["key"]) for e in pod_env if "secretKeyRef" in e.get("valueFrom", {})}
    assert refs == {("otel-gateway-otlp-backend", "Authorization"), ("otel-gateway-otlphttp-vendor", "api-key"), ("otel-gateway-bearertokenauth-archive", "token")}
    for value in SECRET_VALUES:
        assert value not in config


def test_credentials_in_passed_through_components_go_through_env():
    result = run_cli("import", corpus("custom-components"))
    assert result.code == 0, result.err
    assert "hunter2-mimir-password" not in result.out + result.err
    spec = yaml.safe_load(result.out)["spec"]
    var = "OTELGEN_IMPORT_BASICAUTH_MIMIR_CLIENT_AUTH_PASSWORD"
    assert spec["extensions"]["basicauth/mimir"]["client_auth"]["password"] == "${env:" + var + "}"
    assert {"name": var, "secretRef": {"name": "otel-gateway-basicauth-mimir", "key": "password"}} in spec["pod"]["env"]
    assert any(line.startswith("warning W202") and "prometheusremotewrite" in line for line in result.err.splitlines())


@pytest.mark.parametrize("example", [p.name for p in sorted((ROOT / "examples").glob("*.yaml"))])
def test_importing_a_rendered_config_renders_it_again_unchanged(example, tmp_path):
    """Renderer and importer agree: render → import → render is a fixed point."""
    path = ROOT / "examples" / example
    mode = yaml.safe_load(path.read_text())["spec"]["mode"]
    first = run_cli("render", "-f", str(path), "--config-only")
    assert first.code == 0, first.err
    config = tmp_path / "collector.yaml"
    config.write_text(first.out)
    imported = run_cli("import", str(config), "--mode", mode, "-o", str(tmp_path / "spec.yaml"))
    assert imported.code == 0, imported.err
    again = run_cli("render", "-f", str(tmp_path / "spec.yaml"), "--config-only")
    assert again.code == 0, again.err
    assert yaml.safe_load(again.out) == yaml.safe_load(first.out)
    # nothing to fix in otelgen's own output; env-fed tokens still name the Secret to create
    # (warnings may remain: a bare config does not say who mounts its TLS files or sets its env)
    assert {line.split()[1] for line in lines(imported, "change")} <= {"C307"}, imported.err


def test_credentials_in_free_form_settings(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text(
        "receivers:\n  prometheus:\n    config:\n      scrape_configs:\n"
        "        - {job_name: app, basic_auth: {username: scraper, password: s3cr3t-scrape}, static_configs: [{targets: ['app:9090']}]}\n"
        "exporters: {otlp: {endpoint: 'backend:4317', auth: {authenticator: headers_setter}}}\n"
        "extensions:\n  headers_setter:\n    headers:\n      - {action: upsert, key: Authorization, value: 'Bearer hs-token-123'}\n"
        "      - {action: upsert, key: X-Scope-OrgID, from_context: tenant}\n"
        "service:\n  extensions: [headers_setter]\n  pipelines:\n    metrics: {receivers: [prometheus], exporters: [otlp]}\n"
    )
    result = run_cli("import", str(config))
    assert result.code == 0, result.err
    assert "s3cr3t-scrape" not in result.out + result.err and "hs-token-123" not in result.out + result.err
    spec = yaml.safe_load(result.out)["spec"]
    header = spec["extensions"]["headers_setter"]["headers"][0]
    assert header["value"].startswith("Bearer ${env:OTELGEN_IMPORT_")
    password = spec["receivers"]["prometheus"]["config"]["scrape_configs"][0]["basic_auth"]["password"]
    env = {e["name"]: e["secretRef"] for e in spec["pod"]["env"]}
    assert env[password[len("${env:"):-1]] == {"name": "otel-gateway-prometheus", "key": "password"}
    assert env[header["value"][len("Bearer ${env:"):-1]] == {"name": "otel-gateway-headers-setter", "key": "Authorization"}


# ------------------------------------------------------------------ manifests


def test_helm_style_gateway_manifests(render):
    result = run_cli("import", corpus("helm-gateway"))
    assert result.code == 0, result.err
    doc = yaml.safe_load(result.out)
    spec = doc["spec"]
    assert doc["metadata"] == {"name": "otel-gw", "namespace": "telemetry"}
    assert spec["mode"] == "gateway"
    assert spec["image"] == {"repository": "ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-k8s", "tag": "0.145.0", "pullPolicy": "IfNotPresent"}
    assert spec["resources"] == {"size": "none", "requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "2", "memory": "1Gi"}}
    assert spec["scaling"] == {"replicas": 3}
    assert spec["pod"]["env"] == [
        {"name": "VENDOR_API_KEY", "secretRef": {"name": "vendor-credentials", "key": "api-key"}},
        {"name": "DEPLOYMENT_ENVIRONMENT", "value": "production"},
    ]
    assert spec["pod"]["nodeSelector"] == {"kubernetes.io/os": "linux"}
    warnings = lines(result, "warning", "W204")
    assert any("containerPort 6831/UDP is not carried" in w for w in warnings)
    assert any("RBAC not carried" in w and "secrets" in w for w in warnings)
    assert any("GOMEMLIMIT is derived" in line for line in lines(result, "change", "C308"))
    # notes point into the file: the line of the key inside the ConfigMap's block scalar
    assert any(line.startswith("change C301 " + corpus("helm-gateway") + ":18: ConfigMap/otel-gw.data.relay.exporters.otlphttp/vendor: renamed") for line in lines(result, "change")), result.err
    # rendered: the same ports the Deployment had for its receivers and metrics
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "spec.yaml"
        path.write_text(result.out)
        objects = render("-f", str(path))
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    assert deployment["spec"]["replicas"] == 3
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["image"].endswith(":0.145.0")
    assert {(p["containerPort"], p["protocol"]) for p in container["ports"]} >= {(4317, "TCP"), (4318, "TCP"), (8888, "TCP")}
    assert container["resources"]["limits"]["memory"] == "1Gi"
    rules = next(o for o in objects if o["kind"] == "ClusterRole")["rules"]
    assert all("secrets" not in r["resources"] for r in rules)


def test_daemonset_becomes_an_agent():
    result = run_cli("import", corpus("agent-daemonset"))
    assert result.code == 0, result.err
    doc = yaml.safe_load(result.out)
    spec = doc["spec"]
    assert doc["metadata"] == {"name": "node-collector", "namespace": "monitoring"}
    assert spec["mode"] == "agent" and "scaling" not in spec
    assert spec["image"] == {"repository": "otel/opentelemetry-collector-contrib"}  # 0.98.0 tag dropped: the spec targets the pinned version
    assert any("image tag 0.98.0 → 0.145.0" in line for line in lines(result, "change", "C308"))
    assert spec["resources"] == {"size": "none", "requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}}
    assert spec["pod"]["env"] == [{"name": "CLUSTER_NAME", "value": "prod-eu-1"}]
    assert spec["pod"]["tolerations"] == [{"operator": "Exists", "effect": "NoSchedule"}]
    assert spec["pod"]["priorityClassName"] == "system-node-critical"
    warnings = lines(result, "warning", "W204")
    assert any("env POD_UID" in w for w in warnings)
    assert any("hostPort 4317 is not carried" in w for w in warnings)
    assert any("RBAC the components need was added: namespaces, apps/replicasets" in line for line in lines(result, "change"))


def test_collector_next_to_an_app_becomes_a_sidecar():
    result = run_cli("import", corpus("sidecar-app"))
    assert result.code == 0, result.err
    spec = yaml.safe_load(result.out)["spec"]
    assert spec["mode"] == "sidecar" and "scaling" not in spec
    assert spec["receivers"]["otlp"] == {"protocols": {"grpc": {"port": 4317}, "http": {"enabled": False}}}
    assert spec["pod"]["env"] == [{"name": "GATEWAY_KEY", "secretRef": {"name": "gateway-auth", "key": "key"}}]
    assert spec["resources"]["limits"] == {"cpu": "200m", "memory": "128Mi"}


def test_operator_resource_becomes_a_spec():
    result = run_cli("import", corpus("operator-collector"))
    assert result.code == 0, result.err
    doc = yaml.safe_load(result.out)
    spec = doc["spec"]
    assert doc["metadata"] == {"name": "traces-gw", "namespace": "tracing"}
    assert spec["mode"] == "gateway" and spec["scaling"] == {"replicas": 2}
    assert spec["image"]["tag"] == "0.145.0"
    assert spec["resources"]["limits"] == {"memory": "400Mi"}
    assert spec["pod"]["env"] == [{"name": "HONEYCOMB_KEY", "secretRef": {"name": "honeycomb", "key": "api-key"}}]
    assert spec["pod"]["tolerations"][0]["key"] == "dedicated"
    assert any(":33: OpenTelemetryCollector/traces-gw.spec.config.exporters.otlp/honeycomb: renamed" in line for line in lines(result, "change", "C301")), result.err
    # v1alpha1: the config is a string
    resource = yaml.safe_load((CORPUS_DIR / "operator-collector.yaml").read_text())
    resource["apiVersion"] = "opentelemetry.io/v1alpha1"
    resource["spec"]["config"] = yaml.safe_dump(resource["spec"]["config"])
    old_api = run_cli("import", "-", stdin=yaml.safe_dump(resource))
    assert old_api.code == 0, old_api.err
    assert yaml.safe_load(old_api.out) == doc
    daemonset = (CORPUS_DIR / "operator-collector.yaml").read_text().replace("mode: deployment", "mode: daemonset")
    agent = run_cli("import", "-", stdin=daemonset)
    assert agent.code == 0, agent.err
    assert yaml.safe_load(agent.out)["spec"]["mode"] == "agent" and "scaling" not in yaml.safe_load(agent.out)["spec"]


def test_env_fed_token_keeps_the_pods_secret(tmp_path):
    manifests = (CORPUS_DIR / "helm-gateway.yaml").read_text()
    manifests = manifests.replace("          api-key: ${env:VENDOR_API_KEY}\n", "").replace(
        "        sending_queue:\n          queue_size: 5000\n", "        sending_queue:\n          queue_size: 5000\n        auth:\n          authenticator: bearertokenauth\n"
    ).replace("    extensions:\n      health_check:\n", "    extensions:\n      bearertokenauth:\n        token: ${env:VENDOR_API_KEY}\n      health_check:\n").replace("extensions: [health_check]", "extensions: [health_check, bearertokenauth]")
    path = tmp_path / "m.yaml"
    path.write_text(manifests)
    result = run_cli("import", str(path))
    assert result.code == 0, result.err
    spec = yaml.safe_load(result.out)["spec"]
    assert spec["extensions"]["bearertokenauth"]["token"] == {"secretRef": {"name": "vendor-credentials", "key": "api-key"}}
    assert spec["exporters"]["otlp_http/vendor"]["authenticator"] == "bearertokenauth"
    assert not [line for line in result.err.splitlines() if line.startswith("secret ")], "the Secret exists already"


def test_mode_flag_overrides_the_workload_kind():
    result = run_cli("import", corpus("agent-daemonset"), "--mode", "gateway")
    assert result.code == 0, result.err
    assert yaml.safe_load(result.out)["spec"]["mode"] == "gateway"
    assert any("run the collector as agent" in w for w in lines(result, "warning", "W204"))


# ------------------------------------------------------------------ output


def test_output_is_deterministic_and_written_atomically(tmp_path):
    out = tmp_path / "spec.yaml"
    first = run_cli("import", corpus("vendor-gateway"), "-o", str(out))
    assert first.code == 0 and first.out == ""
    text = out.read_bytes()
    again = run_cli("import", corpus("vendor-gateway"))
    assert again.out.encode() == text
    assert [p.name for p in tmp_path.iterdir()] == ["spec.yaml"], "no temp files left behind"
    # a failing import leaves the previous file untouched
    bad = tmp_path / "bad.yaml"
    bad.write_text("receivers: {otlp: {}}\nservice: {pipelines: {traces: {receivers: [otlp], exporters: [nope]}}}\n")
    assert run_cli("import", str(bad), "-o", str(out)).code == 2
    assert out.read_bytes() == text


@pytest.mark.parametrize("stem", [p.stem for p in CORPUS])
def test_same_input_same_bytes(stem):
    first, second = run_cli("import", corpus(stem)), run_cli("import", corpus(stem))
    assert first.code == 0
    assert (first.out, first.err) == (second.out, second.err)


def test_stdin_is_accepted():
    text = Path(corpus("old-agent-0.98")).read_text()
    result = run_cli("import", "-", stdin=text)
    assert result.code == 0, result.err
    assert yaml.safe_load(result.out)["spec"]["mode"] == "agent"


# ------------------------------------------------------------------ bad input

MINIMAL = "receivers: {otlp: {protocols: {grpc: {}}}}\nexporters: {debug: {}}\nservice:\n  pipelines:\n    traces: {receivers: [otlp], exporters: [debug]}\n"
DEEP = "a: " + "[" * 200 + "]" * 200 + "\n"
BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(8))

BAD = {
    "garbage-bytes": (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "E001", "not UTF-8"),
    "invalid-yaml": (b"receivers: [otlp\n", "E001", "invalid YAML at line"),
    "deep-nesting": (DEEP.encode(), "E002", "deeper than"),
    "alias-bomb": (BOMB.encode(), "E002", "aliases expand"),
    "empty": (b"", "E002", "is empty"),
    "a-list": (b"- receivers\n- exporters\n", "E002", "is not an otelgen spec, a collector config or Kubernetes manifests"),
    "already-a-spec": (b"apiVersion: otelgen.io/v1alpha1\nkind: Collector\nspec: {mode: gateway}\n", "E002", "already an otelgen spec"),
    "no-service": (b"receivers: {otlp: {}}\nexporters: {debug: {}}\n", "E004", "needs a service section"),
    "section-not-mapping": (b"receivers: [otlp]\nservice: {pipelines: {traces: {receivers: [otlp], exporters: [debug]}}}\n", "E004", "receivers: expected a mapping of components"),
    "undefined-reference": (MINIMAL.replace("exporters: [debug]", "exporters: [debug, otlp/nope]").encode(), "E010", "service.pipelines.traces.exporters[1]: 'otlp/nope' is not defined"),
    "undefined-extension": (MINIMAL.replace("service:\n", "service:\n  extensions: [health_check]\n").encode(), "E010", "extension 'health_check' is not defined"),
    "bad-pipeline-name": (MINIMAL.replace("traces:", "spans:").encode(), "E004", "pipeline 'spans'"),
    "bad-component-name": (MINIMAL.replace("debug: {}", "Debug: {}").encode(), "E017", "is not a component name"),
    "refused-setting": (MINIMAL.replace("exporters: {debug: {}}", "exporters: {debug: {}}\nprocessors: {memory_limiter: {check_interval: 1s, limit_mib: 100, spike_limit_mib: 200}}").replace("exporters: [debug]", "processors: [memory_limiter], exporters: [debug]").encode(), "E004", "spike_limit_mib must be below limit_mib"),
    "old-and-new-name": (MINIMAL.replace("debug: {}", "debug: {}, logging: {}").encode(), "E010", "same component under its old and new name"),
    "pipeline-not-list": (MINIMAL.replace("receivers: [otlp], exporters", "receivers: otlp, exporters").encode(), "E004", "expected a list of component names"),
    "manifests-without-collector": (b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: b}\n", "E002", "no collector found"),
    "config-arg-without-configmap": (b"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: c}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: 'otel/opentelemetry-collector:0.145.0', args: ['--config=/conf/c.yaml']}]\n", "E002", "does not lead to a ConfigMap key"),
    "configmap-config-garbage": (b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {c.yaml: '[receivers, service'}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: c}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: 'otel/opentelemetry-collector:0.145.0', args: ['--config=/conf/c.yaml'], volumeMounts: [{name: v, mountPath: /conf}]}]\n      volumes: [{name: v, configMap: {name: x}}]\n", "E001", "ConfigMap/x data.c.yaml: invalid YAML at line 1"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_exits_2_with_a_clear_line_and_writes_nothing(tmp_path, case):
    data, problem_id, fragment = BAD[case]
    path = tmp_path / "input.yaml"
    path.write_bytes(data)
    out = tmp_path / "spec.yaml"
    result = run_cli("import", str(path), "-o", str(out))
    assert result.code == 2, result.err
    assert result.out == ""
    assert not out.exists()
    errors = [line for line in result.err.splitlines() if line.startswith("error ")]
    assert any(problem_id in line and fragment in line for line in errors), result.err
    assert all("(hint: " in line for line in errors), result.err


def test_unreadable_paths_are_refused(tmp_path):
    for path, fragment in ((tmp_path / "missing.yaml", "file not found"), (tmp_path, "is a directory")):
        result = run_cli("import", str(path))
        assert result.code == 2 and result.out == ""
        assert result.err.startswith("error E007") and fragment in result.err


def test_too_old_target_version_is_refused():
    result = run_cli("import", corpus("old-agent-0.98"), "--target-version", "0.100.0")
    assert result.code == 2 and "older than otelgen supports" in result.err


def test_real_entry_point_has_no_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"\xff\xfe\x00garbage")
    proc = subprocess.run([sys.executable, "-m", "otelgen", "import", str(bad)], capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "generator")})
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("error E001")


_KEYS = st.sampled_from(["receivers", "processors", "exporters", "extensions", "connectors", "service", "pipelines", "traces", "metrics", "logs", "otlp", "batch", "memory_limiter", "debug", "endpoint", "protocols", "grpc", "headers", "Authorization", "extensions/x", "k8sattributes", "filter", "logging", "loglevel", "otlphttp", "telemetry", "spanmetrics"])
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 70000), st.text(max_size=12), st.sampled_from(["otlp", "batch", "debug", "0.0.0.0:4317", "localhost:x", "Bearer abc"]))
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_KEYS, inner, max_size=5)), max_leaves=25)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(config=st.dictionaries(_KEYS, _VALUES, max_size=6))
def test_any_structure_is_imported_or_refused_cleanly(config):
    text = yaml.safe_dump(config)
    result = run_cli("import", "-", stdin=text)  # an uncaught exception fails the test
    assert result.code in (0, 2), result.err
    if result.code == 2:
        assert result.out == "" and result.err.startswith("error ")
    else:
        assert yaml.safe_load(result.out)["kind"] == "Collector"


SEEDS = ("old-agent-0.98", "vendor-gateway", "new-names-0.153", "custom-components")


def _paths(node, path=()):
    yield path
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        yield from _paths(value, (*path, key))


def _mutate(config: dict, data) -> dict:
    """Replace or delete a few nodes anywhere in a real config."""
    for _ in range(data.draw(st.integers(1, 3))):
        paths = list(_paths(config))[1:]
        if not paths:
            break
        path = data.draw(st.sampled_from(paths))
        parent = config
        for part in path[:-1]:
            parent = parent[part]
        if data.draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = data.draw(_VALUES)
    return config


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_mutated_real_configs_import_or_are_refused_cleanly(data, tmp_path_factory):
    config = _mutate(yaml.safe_load(Path(corpus(data.draw(st.sampled_from(SEEDS)))).read_text()), data)
    result = run_cli("import", "-", stdin=yaml.safe_dump(config))  # an uncaught exception fails the test
    assert result.code in (0, 2), result.err
    if result.code == 2:
        assert result.out == "" and result.err.startswith("error ")
        return
    spec = tmp_path_factory.mktemp("spec") / "spec.yaml"
    spec.write_text(result.out)
    rendered = run_cli("render", "-f", str(spec), "--config-only")
    assert rendered.code == 0, rendered.err  # what import hands out, render accepts


# ------------------------------------------------------------------ docs


def test_every_note_id_is_documented():
    text = (ROOT / "docs" / "import.md").read_text()
    for id in IDS:
        assert f"| {id} |" in text, id
