"""The README's first command, as a newcomer runs it: `make render` on a
machine without the venv prints a deployable gateway and nothing else on
stdout, so `make render | kubectl apply -f -` works on the first run too."""

from __future__ import annotations

import subprocess
import sys

import yaml

from conftest import ROOT


def test_first_make_render_prints_only_the_manifests(tmp_path):
    venv = tmp_path / "venv"
    proc = subprocess.run(["make", "--no-print-directory", "render", f"VENV={venv}", f"PYTHON={sys.executable}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (venv / "bin" / ".installed").exists(), "the venv was not set up by this run"
    assert proc.stdout.startswith("---\napiVersion: "), proc.stdout[:300]
    docs = [d for d in yaml.safe_load_all(proc.stdout) if d is not None]
    assert "setting up" in proc.stderr  # the setup happened, and said so on stderr
    kinds = sorted(d["kind"] for d in docs)
    assert {"Deployment", "ConfigMap", "ServiceAccount", "Service"} <= set(kinds), kinds
