"""otelgen lint --fix: the fixed corpus configs lint clean of the fixed rules
and pass the real collector's `validate`; comments and key order survive;
unfixable findings are reported, files written atomically."""

from __future__ import annotations

import re
import shutil

import pytest

from conftest import ROOT, run_cli
from otelgen.lint import lint_path
from otelgen.lint.fix import FIXERS
from otelgen.lint.model import Options
from test_collector import ENV_REF, validate

CORPUS = ROOT / "tests" / "lint"
FIXABLE = {rule for rule, _ in FIXERS}
_EXPECT = re.compile(r"^# expect: (.*)$", re.M)


def expected(path) -> set[str]:
    return set(_EXPECT.search(path.read_text()).group(1).split()) - {"none"}


#: raw configs whose every finding has a fixer (OTG001-bad also has jaeger and the
#: spanmetrics processor, which need a human)
CASES = sorted(p for p in CORPUS.glob("*.yaml")
               if not p.read_text().count("\nkind: ") and expected(p) and expected(p) <= FIXABLE and p.stem != "OTG001-bad")


def test_the_fix_cases_cover_every_fixer():
    covered = set().union(*(expected(p) for p in CASES))
    assert covered == FIXABLE


@pytest.mark.parametrize("case", CASES, ids=[p.stem for p in CASES])
def test_fixed_config_lints_clean_and_keeps_its_comments(case, tmp_path):
    path = tmp_path / case.name
    shutil.copy(case, path)
    result = run_cli("lint", "--fix", str(path))
    assert result.code == 0, result.out + result.err
    fixed_rules = set(re.findall(r": fixed (OTG\d{3}) ", result.out))
    assert fixed_rules == expected(case), result.out
    assert lint_path(str(path), Options()) == []
    original, fixed = case.read_text(), path.read_text()
    for comment in re.findall(r"#.*", original):
        assert comment in fixed, f"comment lost: {comment}"
    top_keys = lambda text: [l.split(":")[0] for l in text.splitlines() if re.match(r"^[a-z]", l)]
    assert [k for k in top_keys(fixed) if k in top_keys(original)] == top_keys(original)


@pytest.mark.tools
@pytest.mark.parametrize("case", CASES, ids=[p.stem for p in CASES])
def test_fixed_config_passes_the_real_collector(case, tmp_path):
    path = tmp_path / case.name
    shutil.copy(case, path)
    assert run_cli("lint", "--fix", str(path)).code == 0
    text = path.read_text()
    result = validate(text, tmp_path, pod_env=pod_env(text))
    assert result.returncode == 0, result.stderr[-3000:]


def pod_env(config_text: str) -> list[dict]:
    """The env a pod running the config would set: downward-API values (POD_ENV in
    test_collector) and, for endpoints taken from env vars, a host:port."""
    out = []
    for name in sorted(set(ENV_REF.findall(config_text))):
        entry = {"name": name}
        if "ENDPOINT" in name or "BACKEND" in name:
            entry["value"] = "backend.observability.svc.cluster.local:4317"
        out.append(entry)
    return out


@pytest.mark.tools
def test_the_broken_originals_do_not_all_pass_the_collector(tmp_path):
    """The fixes matter: the legacy config is refused by the real collector as written."""
    result = validate((CORPUS / "fix-legacy.yaml").read_text(), tmp_path)
    assert result.returncode != 0
    assert "logging" in result.stderr or "memory_ballast" in result.stderr


def test_unfixable_findings_are_reported_not_guessed(tmp_path):
    path = tmp_path / "creds.yaml"
    shutil.copy(CORPUS / "OTG060-bad.yaml", path)
    before = path.read_bytes()
    result = run_cli("lint", "--fix", str(path))
    assert result.code == 1
    assert path.read_bytes() == before  # nothing changed, nothing written
    assert result.out.count("left error OTG060") == 2
    path = tmp_path / "removed.yaml"
    shutil.copy(CORPUS / "OTG001-bad.yaml", path)
    result = run_cli("lint", "--fix", str(path))
    assert result.code == 1
    assert "left error OTG001 exporters.jaeger" in result.out and "left error OTG001 processors.spanmetrics" in result.out
    assert "fixed OTG001 exporters.logging: renamed logging to debug (loglevel: debug → verbosity: detailed)" in result.out


def test_fix_refuses_manifests_and_specs(tmp_path):
    for source in (CORPUS / "OTG014-good.yaml", ROOT / "examples" / "gateway-default.yaml"):
        path = tmp_path / source.name
        shutil.copy(source, path)
        before = path.read_bytes()
        result = run_cli("lint", "--fix", str(path))
        assert result.code == 2 and "--fix rewrites raw collector config files" in result.err
        assert path.read_bytes() == before


def test_fix_keeps_file_mode_and_leaves_no_temp_files(tmp_path):
    path = tmp_path / "c.yaml"
    shutil.copy(CORPUS / "OTG031-bad.yaml", path)
    path.chmod(0o640)
    assert run_cli("lint", "--fix", str(path)).code == 0
    assert (path.stat().st_mode & 0o777) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["c.yaml"]


def test_fix_targets_the_requested_version(tmp_path):
    path = tmp_path / "c.yaml"
    shutil.copy(CORPUS / "OTG005-good.yaml", path)  # otlp_grpc: too new for 0.139
    result = run_cli("lint", "--fix", "--target-version", "0.139.0", str(path))
    assert result.code == 0, result.out
    assert "renamed otlp_grpc to otlp" in result.out
    assert lint_path(str(path), Options(target_version="0.139.0")) == []


GOOD_RAW = sorted(p for p in CORPUS.glob("*good*.yaml") if "\nkind: " not in p.read_text())


@pytest.mark.tools
@pytest.mark.parametrize("case", GOOD_RAW, ids=[p.stem for p in GOOD_RAW])
def test_good_corpus_configs_pass_the_real_collector(case, tmp_path):
    """The good cases are real configs, not just lint-clean text."""
    text = case.read_text()
    result = validate(text, tmp_path, pod_env=pod_env(text))
    assert result.returncode == 0, result.stderr[-3000:]
