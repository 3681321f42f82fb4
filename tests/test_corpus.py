"""Real collector configs that otelgen does not write (tests/corpus/, provenance
in tests/corpus/SOURCES.yaml) against the real collector (`otelcol-k8s validate`).

For every config the collector judges (the binary has all its components):
- accepted → `otelgen import` → `otelgen render` → the collector's `validate`
  passes on the rendered config, and every pipeline keeps its receivers and
  exporters (a difference is allowed only where import lists a change for it);
- refused → otelgen refuses too (import or render exits 2 with an error ID).

Configs with components otelcol-k8s lacks are judged by the contrib test collector
(`otelcol-contrib-test`, tools/install.sh) when it has them all: the imported spec
then says `distribution: contrib` and its rendered config is validated by that binary
too.  The rest are "not judged"; the missing names come from the binaries' own
`validate` errors, never from a hand-kept list.  Each test
records its outcome (`corpus` user property); conftest prints the counts."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, run_cli, tool
from test_collector import validate

pytestmark = pytest.mark.tools

CORPUS = ROOT / "tests" / "corpus"
SOURCES = yaml.safe_load((CORPUS / "SOURCES.yaml").read_text())["configs"]
SECTIONS = ("receivers", "processors", "exporters", "extensions", "connectors")
#: `${env:X}`, `${X}` and `${env:X:-default}`: any variable the config reads
ENV_USE = re.compile(r"\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)")
ERROR_ID = re.compile(r"^error (E\d{3}) ", re.M)
CHANGE = re.compile(r"^change (C\d{3}) (.*)$", re.M)


def config_text(entry: dict) -> str:
    """The collector config of a corpus entry (a ConfigMap's key, or the file)."""
    text = (CORPUS / entry["file"]).read_text()
    if entry["kind"] != "configmap":
        return text
    for doc in yaml.safe_load_all(text):
        if doc and doc.get("kind") == "ConfigMap" and entry["configmap_key"] in (doc.get("data") or {}):
            return doc["data"][entry["configmap_key"]]
    raise AssertionError(f"{entry['file']}: no ConfigMap key {entry['configmap_key']}")


#: how the collector names a component type it does not have (its config decoding error)
UNKNOWN_TYPE = re.compile(r"'(receivers|processors|exporters|extensions|connectors)' unknown type: \"([^\"]+)\"")
#: refusals that depend on the pod the collector runs in, not on the config: files the pod
#: mounts (service-account token, certificates) and the in-cluster API
ENVIRONMENT = re.compile(r"serviceaccount/token|KUBERNETES_SERVICE_HOST|in-cluster|node name can't be found|no such file or directory")


def missing_components(verdict: subprocess.CompletedProcess) -> list[str]:
    """Component types the binary lacks, as its own `validate` reports them (deprecated
    aliases it still resolves are not missing)."""
    if verdict.returncode == 0:
        return []
    return sorted({f"{section}.{name}" for section, name in UNKNOWN_TYPE.findall(verdict.stderr)})


def judge(config_text: str, tmp_path: Path, binary: str = "collector") -> subprocess.CompletedProcess:
    """`otelcol-k8s validate` (or the contrib test collector's) with every variable the
    config reads set to a plausible value."""
    env = [{"name": var, "value": _plausible(var)} for var in sorted(set(ENV_USE.findall(config_text)))]
    return validate(config_text, tmp_path, env, binary=binary)


def _plausible(var: str) -> str:
    if var in ("MY_POD_IP", "K8S_POD_IP", "POD_IP", "K8S_NODE_IP", "HOST_IP", "NODE_IP"):
        return "10.1.2.3"
    if "PORT" in var:
        return "4317"
    if "ENDPOINT" in var:
        return "https://backend.example.com:4317"
    return f"plausible-{var.lower()}"


def pipeline_graph(config: dict) -> dict[str, dict[str, set[str]]]:
    from otelgen.importer import changes

    return {name: {role: set(refs) for role, refs in entry.items() if role != "processors"} for name, entry in changes.graph(config).items()}


def outcome(entry: dict, tmp_path: Path, record) -> None:
    """Record accepted|refused|not judged (before asserting agreement, so a
    disagreement still counts in the summary), then assert otelgen agrees."""
    text = config_text(entry)
    config = yaml.safe_load(text)
    (tmp_path / "judge").mkdir()
    verdict = judge(text, tmp_path / "judge")
    missing = missing_components(verdict)
    binary = "collector"
    if missing:
        # components otelcol-k8s lacks: judged by the contrib test collector when it has them all
        (tmp_path / "judge-contrib").mkdir()
        contrib_verdict = judge(text, tmp_path / "judge-contrib", "collector_contrib")
        missing = missing_components(contrib_verdict)  # what neither binary has
        if not missing:
            binary, verdict = "collector_contrib", contrib_verdict
            record("corpus_binary", "contrib-test")
    if missing:
        record("corpus", "not judged")
        record("corpus_missing", ", ".join(missing))
        return
    if verdict.returncode != 0 and ENVIRONMENT.search(verdict.stderr):
        record("corpus", "not judged")
        record("corpus_missing", "the pod's environment")
        return
    source = tmp_path / "input.yaml"
    source.write_text((CORPUS / entry["file"]).read_text())
    record("corpus", "accepted" if verdict.returncode == 0 else "refused")
    imported = run_cli("import", str(source))
    if verdict.returncode != 0:
        if imported.code == 2:
            assert ERROR_ID.search(imported.err), f"import exit 2 without an error ID:\n{imported.err}"
            return
        assert imported.code == 0, imported.err
        spec = tmp_path / "spec.yaml"
        spec.write_text(imported.out)
        rendered = run_cli("render", "-f", str(spec))
        if rendered.code == 2:
            assert ERROR_ID.search(rendered.err), rendered.err
            return
        # import's safe fixes may repair what the collector refuses: allowed only when a
        # change line names the component the collector complains about, and the repaired
        # config passes the collector
        culprits = set(re.findall(r"(?:receivers|processors|exporters|extensions|connectors)::([^:\s]+)", verdict.stderr))
        culprits |= set(re.findall(r"the (\w+) (?:exporter|receiver|processor|extension|connector) has been", verdict.stderr))
        culprits |= {k.strip() for keys in re.findall(r"has invalid keys: ([\w, ]+)", verdict.stderr) for k in keys.split(",")}
        changed = " ".join(m[2] for m in CHANGE.finditer(imported.err))
        assert culprits and all(c in changed for c in culprits), (
            f"the collector refuses this config, otelgen imports and renders it without a fix for it:\n{_last_lines(verdict.stderr)}")
        objects = rendered.objects()
        cm = next(o for o in objects if o["kind"] == "ConfigMap" and "collector.yaml" in o.get("data", {}))
        (tmp_path / "repaired").mkdir()
        repaired = validate(cm["data"]["collector.yaml"], tmp_path / "repaired", _container_env(objects), binary=binary)
        assert repaired.returncode == 0, f"import's fix does not satisfy the collector:\n{_last_lines(repaired.stderr)}"
        record("corpus_repaired", "yes")
        return
    assert imported.code == 0, f"the collector accepts this config, otelgen import refuses it:\n{imported.err}"
    if binary == "collector_contrib":
        assert yaml.safe_load(imported.out)["spec"].get("distribution") == "contrib", "components only the contrib image has, and the spec does not say distribution: contrib"
    spec = tmp_path / "spec.yaml"
    spec.write_text(imported.out)
    rendered = run_cli("render", "-f", str(spec))
    assert rendered.code == 0, f"import → render refused:\n{rendered.err}"
    objects = rendered.objects()
    cm = next(o for o in objects if o["kind"] == "ConfigMap" and "collector.yaml" in o.get("data", {}))
    pod_env = _container_env(objects)
    (tmp_path / "rendered").mkdir()
    after = validate(cm["data"]["collector.yaml"], tmp_path / "rendered", pod_env, binary=binary)
    assert after.returncode == 0, f"the rendered config is refused by the collector:\n{_last_lines(after.stderr)}"
    _same_graph(config, yaml.safe_load(cm["data"]["collector.yaml"]), imported.err)


def _container_env(objects: list[dict]) -> list[dict]:
    for obj in objects:
        if obj["kind"] in ("Deployment", "DaemonSet", "StatefulSet"):
            return obj["spec"]["template"]["spec"]["containers"][0].get("env", [])
    return []


def _same_graph(before: dict, after: dict, notes: str) -> None:
    """Every pipeline keeps its receivers and exporters, except what a change note names."""
    changed = " ".join(m[2] for m in CHANGE.finditer(notes))
    old, new = pipeline_graph(before), pipeline_graph(after)
    for pname, entry in old.items():
        for role, refs in entry.items():
            kept = new.get(pname, {}).get(role, set())
            for ref in sorted(refs - kept):
                assert ref in changed or ref.split("/")[0] in changed, f"pipeline {pname} lost {role[:-1]} {ref} without a change note:\n{notes}"
            for ref in sorted(kept - refs):
                assert ref in changed, f"pipeline {pname} gained {role[:-1]} {ref} without a change note:\n{notes}"


def _last_lines(text: str, n: int = 6) -> str:
    return "\n".join(text.strip().splitlines()[-n:])


def test_corpus_is_large_and_every_file_has_provenance():
    files = {p.relative_to(CORPUS).as_posix() for p in (CORPUS / "configs").iterdir()}
    indexed = [e["file"] for e in SOURCES]
    assert len(SOURCES) >= 100
    assert sorted(indexed) == sorted(files), "every corpus file is in SOURCES.yaml exactly once"
    for entry in SOURCES:
        assert entry["repo"] and re.fullmatch(r"[0-9a-f]{40}", entry["commit"]) and entry["path"] and entry["license"], entry
    assert len({e["repo"] for e in SOURCES}) >= 3


@pytest.mark.parametrize("entry", SOURCES, ids=[Path(e["file"]).stem for e in SOURCES])
def test_corpus_config(entry, tmp_path, record_property):
    outcome(entry, tmp_path, record_property)
