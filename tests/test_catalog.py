"""The component catalog (generator/otelgen/data/catalog.json, `make catalog`): consistent
with its inputs, with the toolchain's manifests, with the modelled components, with the
changelog fallback, and with the Go modules in the module cache (drift)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import ROOT
from otelgen import catalog, components, distributions, versions

PINNED = versions.PINNED_COLLECTOR_VERSION


def _manifest_modules(name: str) -> dict[str, str]:
    manifest = yaml.safe_load((ROOT / "tools" / "collector" / name).read_text())
    out = {}
    for kind in ("receivers", "processors", "exporters", "extensions", "connectors"):
        for entry in manifest[kind]:
            path, version = entry["gomod"].split()
            out[path] = version
    return out


def test_catalog_lists_are_the_releases_lists():
    import catalog as tool  # tools/catalog.py

    releases = tool.expand()
    data = catalog.data()
    assert sorted(releases, key=versions.parse) == data["about"]["versions"]
    for release, entry in releases.items():
        for dist in ("otelcol-k8s", "otelcol-contrib"):
            listed = sorted(imp for kind in tool.KINDS for _, _, imp in entry[dist][kind])
            catalogued = sorted(m for ms in data["distributions"][dist][release]["components"].values() for m in ms)
            assert listed == catalogued, (release, dist)


def test_pinned_version_is_the_newest_buildable_release():
    """The default collector version is the newest release whose otelcol-k8s modules the
    Go module proxy all serves; every newer one names the modules it refuses."""
    k8s = catalog.data()["distributions"]["otelcol-k8s"]
    assert k8s[PINNED]["buildable"] and not k8s[PINNED]["not_served"]
    newer = [v for v in k8s if versions.parse(v) > versions.parse(PINNED)]
    assert newer, "the catalog covers releases past the pinned one"
    for v in newer:
        assert not k8s[v]["buildable"] and k8s[v]["not_served"], v


def test_k8s_manifest_is_the_official_list_at_the_pinned_version():
    built = _manifest_modules("otelcol-k8s.yaml")
    official = catalog.data()["distributions"]["otelcol-k8s"][PINNED]["components"]
    assert sorted(built) == sorted(m for ms in official.values() for m in ms)
    assert set(built.values()) == {f"v{PINNED}"}


def test_contrib_test_manifest_is_k8s_plus_contrib_components():
    k8s = _manifest_modules("otelcol-k8s.yaml")
    test = _manifest_modules("otelcol-contrib-test.yaml")
    contrib = {m for ms in catalog.data()["distributions"]["otelcol-contrib"][PINNED]["components"].values() for m in ms}
    assert k8s.items() <= test.items()
    assert set(test) <= contrib | set(k8s), set(test) - contrib
    assert len(test) < 2 * len(k8s), "kept small: a test collector, not the contrib distribution"


def _served_facts():
    """(module, kind, release, facts) for every release where the proxy served the module
    (history entries hold from their release until the next entry)."""
    order = catalog.releases()
    for module, entry in catalog.data()["modules"].items():
        history = entry["history"]
        for i, (first, facts) in enumerate(history):
            if "type" not in facts:
                continue
            end = order.index(history[i + 1][0]) if i + 1 < len(history) else len(order)
            for release in order[order.index(first):end]:
                yield module, entry["kind"], release, facts


def test_modelled_component_names_follow_the_catalog():
    """Each modelled component's (version, name) tuples give the name its module's
    metadata.yaml has, at every release the module proxy serves."""
    checked = 0
    by_name = {}
    for comp in components.ALL:
        for name in comp.all_names():
            by_name[(comp.kind, name)] = comp
    for module, kind, release, facts in _served_facts():
        comp = by_name.get((kind, facts["type"])) or by_name.get((kind, facts.get("deprecated_type")))
        if comp is None:
            continue
        assert comp.type_name(release) == facts["type"], (comp.id, release, module)
        checked += 1
    assert checked > 50


def test_changelog_renames_lie_in_the_catalog_bracket():
    """data/distributions.yaml (renames inside releases the proxy refuses) agrees with
    the modules: the new name is not seen before its release, nor the old one after."""
    hand = distributions._hand_renames()
    assert hand, "the fallback table is read"
    for kind, table in hand.items():
        found = distributions.renames(kind)
        for new, since in table.items():
            if new not in found:
                continue  # the proxy serves no release with the new name: changelog only
            assert versions.parse(found[new]["after"]) < versions.parse(since) <= versions.parse(found[new]["since"]), (kind, new)


def test_known_facts_of_the_issue():
    """Facts the catalog must reproduce (collector changelogs and releases manifests)."""
    assert distributions.renamed_since("extension", "cgroup_runtime") == "0.148.0"
    assert not distributions.contains("processor", "metricsgeneration", "0.147.0")
    assert distributions.contains("processor", "metricsgeneration", "0.148.0")
    assert not distributions.contains("processor", "drain", "0.151.0")
    assert distributions.contains("processor", "drain", "0.152.0")
    assert distributions.contains("processor", "metricsgeneration", PINNED, "contrib")
    assert distributions.contains("exporter", "otlp", PINNED) and distributions.contains("exporter", "otlp_grpc", PINNED)
    assert not distributions.contains("exporter", "otlp_grpc", "0.143.0") and distributions.contains("exporter", "otlp", "0.143.0")
    assert distributions.contains("exporter", "prometheus", PINNED, "contrib")
    assert not distributions.contains("exporter", "prometheus", PINNED)
    for name in ("k8s_attributes", "file_log", "host_metrics", "span_metrics", "resource_detection"):
        kind = next(c.kind for c in components.ALL if name in c.all_names())
        assert distributions.contains(kind, name, "0.165.0"), name


def test_not_served_modules_are_named():
    k8s = catalog.not_served("otelcol-k8s", "0.146.0")
    assert k8s and all(status in ("403", "404") or status.startswith("needs") for status in k8s.values())
    assert any("cgroupruntimeextension@v0.146.0" in m for m in k8s)


# ---- the settings check ---------------------------------------------------------------

SCHEMAS = {
    "root": {"type": "object", "properties": {"keys": {"type": "array", "items": {"type": "string"}}, "port": {"type": "integer"},
                                              "name": {"type": "string"}, "on": {"type": "boolean"},
                                              "timeout": {"type": "string", "format": "duration", "x-customType": "time.Duration"},
                                              "nested": {"$ref": "n"}, "free": {"type": "object", "additionalProperties": {"type": "integer"}},
                                              "custom": {"type": "integer", "x-customType": "github.com/x/y.unit"},
                                              "opaque": {"x-unresolved": "go.opentelemetry.io/collector/config/confighttp.client_config"}},
             "allOf": [{"$ref": "squashed"}]},
}
DEFS = {"n": {"type": "object", "properties": {"inner": {"type": "number"}}},
        "squashed": {"type": "object", "properties": {"endpoint": {"type": "string"}}}}


def _check(value, loose=()):
    return [(".".join(map(str, p.path)), p.message, p.hint) for p in catalog.check(value, SCHEMAS["root"], DEFS, ["spec", "processors", "x"], loose)]


@pytest.mark.parametrize("value", [
    {"keys": ["a"], "port": 4317, "name": "n", "on": True, "timeout": "5s", "nested": {"inner": 1.5}, "endpoint": "h:1"},
    {"port": "${env:PORT}", "on": "${env:ON}", "nested": "${env:N}", "keys": None},  # expanded by the collector
    {"name": "12", "timeout": 5000000000, "free": {"any_key": 3}, "custom": "ms", "opaque": {"whatever": [1]}},
    {"port": 4317.0},
])
def test_check_accepts_what_the_collector_decodes(value):
    assert _check(value) == []


@pytest.mark.parametrize("value,where,words", [
    ({"key": ["a"]}, "spec.processors.x.key", "did you mean 'keys'"),
    ({"endpont": "h:1"}, "spec.processors.x.endpont", "did you mean 'endpoint'"),
    ({"nested": {"iner": 1}}, "spec.processors.x.nested.iner", "did you mean 'inner'"),
    ({"port": "4317x"}, "spec.processors.x.port", "expected integer"),
    ({"on": "yes please"}, "spec.processors.x.on", "expected boolean"),
    ({"keys": "a"}, "spec.processors.x.keys", "expected array"),
    ({"free": {"k": "v"}}, "spec.processors.x.free.k", "expected integer"),
    ({"nested": [1]}, "spec.processors.x.nested", "expected object"),
    ({"name": 12}, "spec.processors.x.name", "expected string"),
])
def test_check_refuses_what_the_collector_refuses(value, where, words):
    problems = _check(value)
    assert len(problems) == 1, problems
    path, message, hint = problems[0]
    assert path == where and words in f"{message} {hint}", problems[0]


def test_loose_paths_silence_only_their_subtree():
    assert _check({"scrapers": {"cpu": {}}, "nested": {"bad": 1}}, loose=("scrapers",)) == [
        ("spec.processors.x.nested.bad", "unknown key 'bad' (the collector refuses it)", "known keys: inner")]
    assert _check({"keys": [{"a": 1}]}, loose=("keys.*",)) == []


def test_catalog_schemas_are_self_contained():
    data = catalog.data()
    schemas = data["schemas"]
    missing = set()

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node and node["$ref"] not in schemas:
                missing.add(node["$ref"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(schemas)
    for module in data["modules"].values():
        for _, facts in module["history"]:
            if facts.get("schema"):
                assert facts["schema"] in schemas
    assert not missing


# ---- drift: the catalog against the modules the toolchain downloaded ------------------

@pytest.mark.tools
def test_catalog_matches_the_modules_in_the_module_cache(tmp_path):
    """metadata.yaml of every otelcol-k8s module at the pinned version, read from the Go
    module cache the collector build filled (offline: GOPROXY=off), says what the
    catalog says."""
    env = dict(os.environ, GOPROXY="off", GOFLAGS="-mod=mod", GOSUMDB="off")
    from conftest import tool  # noqa: F401  (the collector build is what fills the cache)

    tool("collector")
    for module, version in sorted(_manifest_modules("otelcol-k8s.yaml").items()):
        out = subprocess.run(["go", "mod", "download", "-json", f"{module}@{version}"], capture_output=True, text=True, env=env, cwd=tmp_path)
        info = json.loads(out.stdout)
        assert not info.get("Error"), info.get("Error")
        meta = yaml.safe_load((Path(info["Dir"]) / "metadata.yaml").read_text())
        facts = catalog.facts(module, PINNED)
        assert facts["type"] == meta["type"], module
        stability = {k: sorted(v) for k, v in meta["status"]["stability"].items()}
        assert facts["stability"] == stability, module
