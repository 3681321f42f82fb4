"""schemas/: drift, editor headers, check-jsonschema on good and bad specs,
and the pre-commit hook from a fresh temporary repository (offline)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT, run_cli, tool, write_spec
from otelgen.schema import SCHEMA_FILE, spec_schema_text

SCHEMA = ROOT / "schemas" / SCHEMA_FILE
ALL_EXAMPLES = EXAMPLES + sorted((ROOT / "examples/overlays").glob("*.yaml"))
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"


def test_committed_schema_matches_the_model():
    assert SCHEMA.read_text() == spec_schema_text(), "schemas/ is stale: run `make generate`"


def test_otelgen_schema_prints_it():
    result = run_cli("schema")
    assert result.code == 0 and result.out == SCHEMA.read_text()


@pytest.mark.parametrize("path", ALL_EXAMPLES, ids=lambda p: p.stem)
def test_examples_name_the_schema_for_editors(path):
    first = path.read_text().splitlines()[0]
    target = first.removeprefix("# yaml-language-server: $schema=")
    assert target != first, "first line must be the yaml-language-server header"
    assert (path.parent / target).resolve() == SCHEMA


def check_jsonschema(*files: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(CHECK_JSONSCHEMA), "--schemafile", str(SCHEMA), *files], capture_output=True, text=True, timeout=120)


def test_check_jsonschema_accepts_the_examples():
    proc = check_jsonschema(*map(str, ALL_EXAMPLES))
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("text,fragment", [
    ("spec:\n  mode: gateway\n  replicas: 3\n", "replicas"),
    ("spec:\n  mode: daemon\n", "daemon"),
    ("spec:\n  mode: gateway\n  scaling: {replicas: many}\n", "many"),
    ("spec:\n  mode: gateway\n  exporters:\n    otlp: {endpont: 'x:4317'}\n", "endpont"),
    ("spec:\n  mode: gateway\n  processors:\n    batch: {send_batch_size: lots}\n", "lots"),
    ("spec:\n  mode: gateway\n  pipelines:\n    traces: {receivers: [otlp]}\n", "exporters"),
])
def test_check_jsonschema_rejects_bad_specs(tmp_path, text, fragment):
    proc = check_jsonschema(write_spec(tmp_path, text))
    assert proc.returncode == 1, proc.stdout
    assert fragment in proc.stdout + proc.stderr


def test_pre_commit_hook_from_a_fresh_repository(tmp_path):
    """`pre-commit try-repo` installs the hook from this repository (offline:
    pip only sees the toolchain's wheelhouse) and runs it on a temp repo."""
    work = tmp_path / "app"
    work.mkdir()
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q", str(work)], check=True)
    shutil.copy(ROOT / "examples/gateway-default.yaml", work / "gateway.otelgen.yaml")
    (work / "broken.otelgen.yaml").write_text("spec:\n  mode: gateway\n  pipelines:\n    traces: {receivers: [otlp], exporters: [nope]}\n")
    (work / "unrelated.yaml").write_text("not: a spec\n")
    subprocess.run([*git, "-C", str(work), "add", "."], check=True)
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(tool("wheelhouse")),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    pre_commit = Path(sys.executable).parent / "pre-commit"
    proc = subprocess.run([str(pre_commit), "try-repo", str(ROOT), "otelgen-validate", "--all-files"], cwd=work, capture_output=True, text=True, env=env, timeout=600)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "broken.otelgen.yaml: error E010 spec.pipelines.traces.exporters[0]" in output
    assert "gateway.otelgen.yaml: ok" in output
    assert "unrelated.yaml" not in output
    (work / "broken.otelgen.yaml").unlink()
    subprocess.run([*git, "-C", str(work), "add", "-A"], check=True)
    proc = subprocess.run([str(pre_commit), "try-repo", str(ROOT), "otelgen-validate", "--all-files"], cwd=work, capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
