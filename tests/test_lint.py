"""otelgen lint: every rule on its corpus files (tests/lint/), the output
formats, exit codes, agreement with the renderer, and hostile input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES, ROOT, run_cli, tool
from otelgen import inputs
from otelgen.errors import SpecError
from otelgen.lint import lint_path
from otelgen.lint.model import Options
from otelgen.lint.rules import RULES

CORPUS = ROOT / "tests" / "lint"
CASES = sorted(CORPUS.glob("*.yaml"))
_EXPECT = re.compile(r"^# expect: (.*)$", re.M)


def expected(path: Path) -> set[str]:
    match = _EXPECT.search(path.read_text())
    assert match, f"{path.name} has no '# expect:' line"
    return set(match.group(1).split()) - {"none"}


def rules_found(path: Path, **options) -> set[str]:
    return {f.rule for f in lint_path(str(path), Options(**options))}


# ---------------------------------------------------------------- corpus


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_corpus_file_gives_exactly_the_expected_rules(path):
    assert rules_found(path) == expected(path)


@pytest.mark.parametrize("rule", [r.id for r in RULES])
def test_every_rule_fires_on_a_bad_case_and_not_on_its_good_case(rule):
    bad = [p for p in CASES if p.stem.startswith(f"{rule}-bad")]
    good = [p for p in CASES if p.stem.startswith(f"{rule}-good")]
    assert bad and good, f"{rule} needs tests/lint/{rule}-bad*.yaml and {rule}-good*.yaml"
    for path in bad:
        assert rule in rules_found(path), path.name
    for path in good:
        assert rule not in rules_found(path), path.name


def test_rule_ids_are_unique_and_documented():
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"OTG\d{3}", i) for i in ids)
    docs = (ROOT / "docs" / "lint.md").read_text()
    for rule in RULES:
        assert re.search(rf"^### {rule.id}\b", docs, re.M), f"{rule.id} is not documented in docs/lint.md"
        assert rule.severity in ("error", "warning")


def test_version_decides_names():
    # otlp_grpc is the current name on 0.145 but too new for 0.139 ...
    assert "OTG002" in rules_found(CORPUS / "OTG005-good.yaml", target_version="0.139.0")
    # ... and k8s_attributes is fine from 0.146 on
    assert rules_found(CORPUS / "OTG002-bad.yaml", target_version="0.146.0") == set()
    # k8sattributes is then the deprecated alias
    assert rules_found(CORPUS / "OTG002-good.yaml", target_version="0.146.0") == {"OTG003"}


def test_manifests_take_the_version_from_the_image_tag(tmp_path):
    text = (CORPUS / "OTG002-good.yaml").read_text()  # k8sattributes
    manifest = (CORPUS / "OTG014-good.yaml").read_text()
    body = "".join("    " + line + "\n" for line in text.splitlines())
    start = manifest.index("  relay: |\n") + len("  relay: |\n")
    end = manifest.index("---", start)
    changed = (manifest[:start] + body + manifest[end:]).replace(":0.145.0", ":0.146.0")
    path = tmp_path / "m.yaml"
    path.write_text(changed)
    assert rules_found(path) == {"OTG003"}


# ---------------------------------------------------------------- positions


def test_findings_in_a_configmap_point_at_the_manifest_line():
    path = CORPUS / "OTG010-bad-manifest.yaml"
    [finding] = lint_path(str(path), Options())
    line = path.read_text().splitlines()[finding.line - 1]
    assert line.strip() == "grpc:"
    assert finding.path == "ConfigMap/otel-gateway.data.relay.receivers.otlp.protocols.grpc"


def test_findings_on_workloads_point_at_the_object_line():
    path = CORPUS / "OTG090-bad.yaml"
    [finding] = lint_path(str(path), Options())
    assert path.read_text().splitlines()[finding.line - 1].strip().startswith("image:")
    assert finding.path == "Deployment/otel-gateway.spec.template.spec.containers[0].image"


# ---------------------------------------------------------------- formats and exit codes


def test_json_has_exactly_the_agreed_keys():
    result = run_cli("lint", "--format", "json", str(CORPUS / "OTG060-bad.yaml"))
    assert result.code == 1
    data = json.loads(result.out)
    assert len(data) == 2
    for item in data:
        assert set(item) == {"rule", "severity", "file", "path", "line", "message", "fix"}
        assert item["rule"] == "OTG060" and item["severity"] == "error" and isinstance(item["line"], int)


def test_github_annotations():
    result = run_cli("lint", "--format", "github", str(CORPUS / "OTG012-bad.yaml"))
    lines = result.out.splitlines()
    assert lines and all(re.fullmatch(r"::warning file=[^,]+,line=\d+,title=OTG012 [^:]+::.+", l) for l in lines), lines
    assert result.code == 0  # warnings only, --fail-on error


def test_fail_on_warning():
    assert run_cli("lint", "--fail-on", "warning", str(CORPUS / "OTG012-bad.yaml")).code == 1
    assert run_cli("lint", str(CORPUS / "OTG012-good.yaml")).code == 0


def test_sarif_structure():
    result = run_cli("lint", "--format", "sarif", str(CORPUS / "OTG001-bad.yaml"), str(CORPUS / "OTG012-bad.yaml"))
    log = json.loads(result.out)
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    [run] = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "otelgen"
    assert [r["id"] for r in driver["rules"]] == [r.id for r in RULES]
    assert run["results"]
    for res in run["results"]:
        assert driver["rules"][res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["level"] in ("error", "warning") and res["message"]["text"]
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"].endswith(".yaml") and loc["region"]["startLine"] >= 1


@pytest.mark.tools
def test_sarif_validates_against_the_sarif_2_1_0_schema():
    import jsonschema

    schema = json.loads(Path(tool("sarif_schema")).read_text())
    result = run_cli("lint", "--format", "sarif", *(str(p) for p in CASES if "-bad" in p.stem))
    log = json.loads(result.out)
    assert len(log["runs"][0]["results"]) > len(RULES)
    jsonschema.Draft4Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(log), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    # the validator is not vacuous: a log without the required 'version' fails it
    broken = dict(log)
    del broken["version"]
    assert list(jsonschema.Draft4Validator(schema).iter_errors(broken))


def test_unusable_input_exits_2_and_still_lints_the_rest(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("receivers: [\n")
    result = run_cli("lint", "--format", "json", str(bad), str(CORPUS / "OTG060-bad.yaml"))
    assert result.code == 2
    assert "E001" in result.err and "bad.yaml" in result.err and "Traceback" not in result.err
    assert {f["rule"] for f in json.loads(result.out)} == {"OTG060"}


def test_bad_target_version_is_a_clear_error():
    result = run_cli("lint", "--target-version", "latest", str(CORPUS / "OTG060-good.yaml"))
    assert result.code == 2 and "E004" in result.err and "--target-version" in result.err


def test_stdin(monkeypatch):
    result = run_cli("lint", "-", stdin=(CORPUS / "OTG011-bad.yaml").read_text())
    assert result.code == 1 and "OTG011" in result.out and "<stdin>" in result.out


# ---------------------------------------------------------------- agreement with the renderer


RENDERED = [(p.stem, ("-f", str(p))) for p in EXAMPLES] + [(f"default-{m}", (m,)) for m in ("agent", "gateway", "statefulset", "sidecar")]


@pytest.mark.parametrize("name,args", RENDERED, ids=[n for n, _ in RENDERED])
@pytest.mark.parametrize("config_only", [False, True], ids=["manifests", "config-only"])
def test_rendered_output_has_no_findings(name, args, config_only, tmp_path):
    result = run_cli("render", *args, *(["--config-only"] if config_only else []))
    assert result.code == 0, result.err
    path = tmp_path / f"{name}.yaml"
    path.write_text(result.out)
    assert inputs.read(str(path)).kind == ("config" if config_only else "manifests")
    findings = lint_path(str(path), Options())
    assert findings == [], "\n".join(f"{f.rule} {f.path}: {f.message}" for f in findings)


def test_injected_sidecar_has_no_findings(tmp_path):
    app = "apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  containers: [{name: app, image: 'app:1.0.0', resources: {limits: {memory: 128Mi}}}]\n"
    result = run_cli("inject", "-f", "-", stdin=app)
    assert result.code == 0, result.err
    path = tmp_path / "injected.yaml"
    path.write_text(result.out)
    found = inputs.read(str(path))
    assert found.configs and found.configs[0].runners, "the injected sidecar's config was not paired with its container"
    assert lint_path(str(path), Options()) == []


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_specs_are_linted_through_the_renderer(example):
    assert inputs.read(str(example)).kind == "spec"
    assert lint_path(str(example), Options()) == []


# ---------------------------------------------------------------- hostile input


@pytest.mark.parametrize("text,code", [
    (b"\xff\xfe\x00garbage", "E001"),
    (b"a: [1, 2\n", "E001"),
    (b"- " * 200 + b"x\n", "E002"),
    (b"a: &a [x, x, x, x, x, x, x, x, x, x]\n" + b"".join(b"%s: &%s [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]\n" % ((f"l{i}".encode(), f"l{i}".encode()) + ((b"a" if i == 0 else f"l{i - 1}".encode()),) * 10) for i in range(8)), "E002"),
    (b"receivers:\n" + b"  x: " + b"y" * (5 * 1024 * 1024) + b"\n", "E002"),
    (b"just a string\n", "E002"),
    (b"", "E002"),
])
def test_hostile_input_exits_2_without_traceback(tmp_path, text, code):
    path = tmp_path / "in.yaml"
    path.write_bytes(text)
    result = run_cli("lint", str(path))
    assert result.code == 2
    assert code in result.err and "Traceback" not in result.err


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=12), st.sampled_from(["otlp", "batch", "memory_limiter", "${env:X}", "$Y", "localhost:4317", "receivers", "service", "pipelines"])),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(st.sampled_from(["receivers", "processors", "exporters", "extensions", "connectors", "service", "pipelines", "traces", "otlp", "endpoint", "protocols", "grpc", "batch", "memory_limiter", "check_interval", "limit_mib", "spike_limit_mib", "headers", "api-key", "kind", "apiVersion", "data", "spec"]), children, max_size=5)),
    max_leaves=30,
))
def test_arbitrary_documents_never_crash(document):
    import yaml

    text = yaml.safe_dump(document)
    try:
        found = inputs.read_text(text, "fuzz.yaml")
    except SpecError as exc:
        assert all(p.id in ("E001", "E002") for p in exc.problems)
        return
    from otelgen.lint import lint_inputs

    for finding in lint_inputs(found, Options()):
        assert re.fullmatch(r"OTG\d{3}", finding.rule)


def test_a_spec_that_does_not_load_is_unusable_input(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text("apiVersion: otelgen.io/v1alpha1\nkind: Collector\nmetadata: {name: x}\nspec:\n  mode: gateway\n  pipelines:\n    traces: {receivers: [otlp], exporters: [otlp/bakend]}\n")
    result = run_cli("lint", str(path))
    assert result.code == 2 and "E010" in result.err and "Traceback" not in result.err


# ---------------------------------------------------------------- catalog: image and schema


def _in_manifest(tmp_path: Path, config_text: str, image: str) -> Path:
    manifest = (CORPUS / "OTG014-good.yaml").read_text()
    body = "".join("    " + line + "\n" for line in config_text.splitlines())
    start = manifest.index("  relay: |\n") + len("  relay: |\n")
    end = manifest.index("---", start)
    path = tmp_path / "m.yaml"
    path.write_text((manifest[:start] + body + manifest[end:]).replace("ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-k8s", image))
    return path


#: OTG006-bad.yaml with one of its two problems left, and what the collector says about it
OTG006_ONE_PROBLEM = {
    "key": (("num_traces: lots", "num_traces: 1000"), "has invalid keys: key"),
    "num_traces": (("key: [host.name]", "keys: [host.name]"), "'num_traces' expected type 'int'"),
}


@pytest.mark.tools
@pytest.mark.parametrize("problem", sorted(OTG006_ONE_PROBLEM) + ["none"])
def test_setting_refused_agrees_with_the_collector(problem, tmp_path):
    """The collector reports one component's decoding error at a time: each of the bad
    file's problems alone is refused by both, the good file accepted by both."""
    from test_collector import validate

    if problem == "none":
        path = CORPUS / "OTG006-good.yaml"
    else:
        (old, new), said = OTG006_ONE_PROBLEM[problem]
        path = tmp_path / "one.yaml"
        path.write_text((CORPUS / "OTG006-bad.yaml").read_text().replace(old, new))
    findings = [f for f in lint_path(str(path), Options()) if f.rule == "OTG006"]
    proc = validate(path.read_text(), tmp_path)
    if problem == "none":
        assert not findings and proc.returncode == 0, proc.stderr[-1500:]
    else:
        assert len(findings) == 1 and findings[0].path.endswith(problem), findings
        assert proc.returncode != 0 and said in proc.stderr, proc.stderr[-1500:]


#: a contrib exporter with a setting of the wrong type (the prometheus exporter's namespace is a
#: string; its unknown keys cannot be told: it squashes a server config the catalog cannot resolve)
CONTRIB_CONFIG = (CORPUS / "OTG006-good.yaml").read_text().replace(
    "exporters:\n", "exporters:\n  prometheus:\n    endpoint: ${env:MY_POD_IP}:8889\n    namespace: 42\n", 1
).replace("      exporters: [otlp_grpc]\n  telemetry", "      exporters: [otlp_grpc, prometheus]\n  telemetry")


@pytest.mark.tools
def test_contrib_image_is_judged_by_the_contrib_catalog(tmp_path):
    from test_collector import validate

    assert "prometheus]" in CONTRIB_CONFIG
    contrib = _in_manifest(tmp_path, CONTRIB_CONFIG, "otel/opentelemetry-collector-contrib")
    assert rules_found(contrib) == {"OTG006"}
    k8s = _in_manifest(tmp_path, CONTRIB_CONFIG, "ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-k8s")
    assert rules_found(k8s) == {"OTG004"}  # not in the image: its settings are not judged
    own = _in_manifest(tmp_path, CONTRIB_CONFIG, "registry.example.com/mycorp/otelcol")
    assert rules_found(own) == set()  # an image otelgen does not know: neither check
    fixed = CONTRIB_CONFIG.replace("namespace: 42", "namespace: app")
    assert rules_found(_in_manifest(tmp_path, fixed, "otel/opentelemetry-collector-contrib")) == set()
    # the contrib test collector agrees: the int refused, the string accepted
    assert validate(fixed, tmp_path, binary="collector_contrib").returncode == 0
    refused = validate(CONTRIB_CONFIG, tmp_path, binary="collector_contrib")
    assert refused.returncode != 0 and "'namespace' expected type 'string'" in refused.stderr, refused.stderr[-1500:]
    # a raw config: --distribution chooses the catalog
    raw = tmp_path / "raw.yaml"
    raw.write_text(CONTRIB_CONFIG)
    assert rules_found(raw, distribution="otelcol-contrib") == {"OTG006"}
    assert rules_found(raw) == {"OTG004"}
    # the CLI takes the spec's spelling, contrib, for the same catalog
    for spelling in ("contrib", "otelcol-contrib"):
        result = run_cli("lint", str(raw), "--distribution", spelling, "--format", "json")
        assert result.code == 1 and {f["rule"] for f in json.loads(result.out)} == {"OTG006"}, (spelling, result.out, result.err)


def test_image_membership_follows_the_target_version():
    # metricsgeneration joined otelcol-k8s at 0.148 (the catalog's component lists per release)
    from otelgen import distributions

    assert not distributions.contains("processor", "metricsgeneration", "0.145.0")
    assert distributions.contains("processor", "metricsgeneration", "0.148.0")
    text = (CORPUS / "OTG006-good.yaml").read_text().replace("  groupbyattrs:\n", "  metricsgeneration: {}\n  groupbyattrs:\n").replace("[memory_limiter, groupbyattrs, batch]", "[memory_limiter, metricsgeneration, groupbyattrs, batch]")
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "c.yaml"
        path.write_text(text)
        assert "OTG004" in rules_found(path, target_version="0.145.0")
        assert "OTG004" not in rules_found(path, target_version="0.148.0")


#: OTG102-bad-catalog.yaml with one of its problems left (or none), and what the collector says
OTG102_CATALOG_VARIANTS = {
    "connector": (("receivers: [otlp, httpcheck]", "receivers: [otlp]"), 'connector "count" used as exporter in [traces] pipeline but not used in any supported receiver pipeline'),
    "receiver": (("    logs:\n      receivers: [count]", "    metrics:\n      receivers: [count]"), 'failed to create "httpcheck" receiver for data type "traces"'),
}


@pytest.mark.tools
@pytest.mark.parametrize("variant", sorted(OTG102_CATALOG_VARIANTS) + ["good"])
def test_catalog_signals_agree_with_the_collector(variant, tmp_path):
    """Unmodelled components' signals come from the catalog; otelcol-k8s agrees on each
    problem alone (it reports one at a time) and on the good file."""
    from test_collector import validate

    if variant == "good":
        path, said = CORPUS / "OTG102-good-catalog.yaml", None
    else:
        (old, new), said = OTG102_CATALOG_VARIANTS[variant]
        text = (CORPUS / "OTG102-bad-catalog.yaml").read_text()
        assert old in text
        path = tmp_path / "one.yaml"
        path.write_text(text.replace(old, new))
    findings = [f for f in lint_path(str(path), Options()) if f.rule == "OTG102"]
    proc = validate(path.read_text(), tmp_path)
    if said is None:
        assert not findings and proc.returncode == 0, proc.stderr[-1500:]
    else:
        assert findings and all(variant in f"{f.path} {f.message}" for f in findings), findings  # receivers[1], connectors.count
        assert proc.returncode != 0 and said in proc.stderr, proc.stderr[-1500:]
