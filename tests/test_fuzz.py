"""No input crashes the tool: for thousands of generated specs (valid and
mutated) `render` either succeeds with structurally sound output, or fails
with the documented clear error (exit 2, `error E...` lines, no traceback,
nothing written).  Seeded (derandomized), so failures reproduce."""

from __future__ import annotations

import re

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run_cli
from strategies import mutated, specs

PROBLEM_LINE = re.compile(r"^(error|warning) [EW]\d{3} ")
def fuzz_settings(examples: int) -> settings:
    return settings(max_examples=examples, derandomize=True, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])

def check_outcome(doc, tmp_path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    out = tmp_path / "out"
    result = run_cli("render", "-f", str(path), "-o", str(out))
    assert "Traceback" not in result.err
    lines = [line for line in result.err.splitlines() if line]
    if result.code == 0:
        files = sorted(p.name for p in out.iterdir())
        assert any(f.startswith("configmap-") for f in files)
        for name in files:
            if name.endswith(".yaml"):
                obj = yaml.safe_load((out / name).read_text())
                assert obj["apiVersion"] and obj["kind"] and obj["metadata"]["name"]
        assert all(PROBLEM_LINE.match(line) or line.startswith("wrote ") for line in lines), result.err
    else:
        assert result.code == 2, result.err
        assert lines and all(PROBLEM_LINE.match(line) for line in lines), result.err
        assert any(line.startswith("error ") for line in lines)
        assert not out.exists(), "nothing may be written on failure"


@fuzz_settings(1500)
@given(doc=specs())
def test_generated_specs_render_or_fail_cleanly(doc, tmp_path_factory):
    check_outcome(doc, tmp_path_factory.mktemp("gen"))


@fuzz_settings(1500)
@given(doc=mutated())
def test_mutated_specs_render_or_fail_cleanly(doc, tmp_path_factory):
    check_outcome(doc, tmp_path_factory.mktemp("mut"))


@fuzz_settings(300)
@given(blob=st.binary(max_size=2000))
def test_garbage_bytes_fail_cleanly(blob, tmp_path_factory):
    path = tmp_path_factory.mktemp("bytes") / "spec.yaml"
    path.write_bytes(blob)
    result = run_cli("render", "gateway", "-f", str(path))
    assert result.code in (0, 2) and "Traceback" not in result.err
    if result.code == 2:
        assert all(PROBLEM_LINE.match(line) for line in result.err.splitlines() if line)
