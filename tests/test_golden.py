"""Golden files: the full rendered output of every example and of the no-file
defaults.  Review the diff, then regenerate with `make golden`."""

from __future__ import annotations

import difflib
import os

import pytest

from conftest import EXAMPLES, ROOT, run_cli

GOLDEN = ROOT / "tests" / "golden"
UPDATE = os.environ.get("OTELGEN_UPDATE_GOLDEN") == "1"

CASES = {f"example-{p.stem}": ("-f", str(p)) for p in EXAMPLES}
CASES.update({f"default-{mode}": (mode,) for mode in ("agent", "gateway", "statefulset", "sidecar")})


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name):
    result = run_cli("render", *CASES[name])
    assert result.code == 0, result.err
    path = GOLDEN / f"{name}.yaml"
    if UPDATE:
        path.write_text(result.out)
    assert path.exists(), f"no golden file {path.name}: run `make golden` and review it"
    expected = path.read_text()
    if result.out != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), result.out.splitlines(True), f"golden/{path.name}", "rendered", n=2))
        pytest.fail(f"rendered output differs from the golden file (review, then `make golden`):\n{diff[:6000]}", pytrace=False)


def test_no_stale_golden_files():
    expected = {f"{name}.yaml" for name in CASES}
    assert {p.name for p in GOLDEN.glob("*.yaml")} <= expected
