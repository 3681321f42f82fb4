"""`-o` is atomic (otelgen.atomic, issue 11): a kill -9 at any moment leaves the
old or the new complete directory, debris of killed runs is cleaned by the
next run, a concurrent writer gets E049, a full disk E048, odd targets
(`.`, dangling symlinks, loops) their own IDs; file writes (import -o,
lint --fix) go through a symlink to its target."""

from __future__ import annotations

import errno
import fcntl
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from conftest import run_cli

OTELGEN = [sys.executable, "-m", "otelgen"]
RAW_CONFIG = "receivers:\n  otlp:\n    protocols:\n      grpc: {endpoint: localhost:4317}\nexporters:\n  debug: {}\nservice:\n  pipelines:\n    traces: {receivers: [otlp], exporters: [debug]}\n"


def snapshot(directory: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(directory.iterdir())}


def debris(parent: Path, name: str) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}."))


def reference(tmp_path: Path, replicas: int) -> dict[str, str]:
    out = tmp_path / f"ref-{replicas}"
    assert run_cli("render", "gateway", "--set", f"scaling.replicas={replicas}", "-o", str(out)).code == 0
    return snapshot(out)


def test_kill_9_leaves_the_old_or_the_new_directory(tmp_path):
    """30 runs SIGKILLed after a random 0–600 ms: after each, DIR is exactly one
    of the two complete outputs (never missing, never mixed); the next
    successful run leaves no staging directory or lock file behind."""
    outputs = {2: reference(tmp_path, 2), 3: reference(tmp_path, 3)}
    assert outputs[2] != outputs[3]
    out = tmp_path / "out"
    assert run_cli("render", "gateway", "--set", "scaling.replicas=2", "-o", str(out)).code == 0
    rng = random.Random(11)
    killed_mid_run = 0
    for i in range(30):
        replicas = 3 if i % 2 == 0 else 2
        proc = subprocess.Popen([*OTELGEN, "render", "gateway", "--set", f"scaling.replicas={replicas}", "-o", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.0, 0.6))
        proc.send_signal(signal.SIGKILL)
        code = proc.wait(timeout=30)
        killed_mid_run += code == -signal.SIGKILL
        assert out.is_dir() and not out.is_symlink()
        assert snapshot(out) in (outputs[2], outputs[3]), f"iteration {i}: a mixed or partial directory"
    assert killed_mid_run >= 10, "the kills must land while otelgen runs"
    assert run_cli("render", "gateway", "--set", "scaling.replicas=2", "-o", str(out)).code == 0
    assert snapshot(out) == outputs[2]
    assert debris(tmp_path, "out") == [], "staging debris of killed runs is removed by the next run"


def test_debris_of_a_killed_run_is_removed_but_not_a_live_one(tmp_path):
    out = tmp_path / "out"
    stale = tmp_path / ".out.otelgen-999999-0123abcd"  # what a run killed while staging leaves
    stale.mkdir()
    (stale / "half.yaml").write_text("kind: Conf")
    unrelated = tmp_path / ".out.backup"
    unrelated.mkdir()
    assert run_cli("render", "gateway", "-o", str(out)).code == 0
    assert not stale.exists() and unrelated.exists()
    assert debris(tmp_path, "out") == [".out.backup"]


def test_a_concurrent_writer_gets_E049_and_changes_nothing(tmp_path):
    out = tmp_path / "out"
    assert run_cli("render", "gateway", "-o", str(out)).code == 0
    before = snapshot(out)
    lock = os.open(tmp_path / ".out.otelgen.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another writer holds it
        result = run_cli("render", "gateway", "--set", "scaling.replicas=5", "-o", str(out))
        assert result.code == 2 and result.err.startswith("error E049 ") and result.err.count("\n") == 1, result.err
        result = run_cli("kustomize", "-f", "examples/gateway-default.yaml", "-o", str(out))
        assert result.code == 2 and "E049" in result.err
    finally:
        os.close(lock)
    assert snapshot(out) == before


def test_concurrent_runs_never_crash(tmp_path):
    """Four real processes racing for one DIR: each ends 0 or 2 (E049), never a
    traceback, and DIR ends complete."""
    out = tmp_path / "out"
    procs = [subprocess.Popen([*OTELGEN, "render", "gateway", "--set", f"scaling.replicas={n}", "-o", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for n in (2, 3, 4, 5)]
    results = [(p.wait(timeout=60), p.stderr.read()) for p in procs]
    for code, err in results:
        assert "Traceback" not in err
        assert code == 0 or (code == 2 and err.startswith("error E049 ")), err
    assert any(code == 0 for code, _ in results)
    replicas = yaml.safe_load((out / "deployment-otel-gateway.yaml").read_text())["spec"]["replicas"]
    assert replicas in (2, 3, 4, 5) and len(snapshot(out)) == len(reference(tmp_path, replicas))
    assert debris(tmp_path, "out") == []


def test_full_disk_is_E048_and_leaves_the_old_directory(tmp_path, monkeypatch):
    """ENOSPC while staging (simulated: the write of the third file raises it)."""
    from otelgen import atomic

    out = tmp_path / "out"
    assert run_cli("render", "gateway", "-o", str(out)).code == 0
    before = snapshot(out)
    real, calls = atomic._write_file, []

    def full(path, text, mode=0o644):
        calls.append(path)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        real(path, text, mode)

    monkeypatch.setattr(atomic, "_write_file", full)
    result = run_cli("render", "gateway", "--set", "scaling.replicas=4", "-o", str(out))
    assert result.code == 2 and result.err.startswith("error E048 ") and result.err.count("\n") == 1, result.err
    assert snapshot(out) == before and debris(tmp_path, "out") == []
    spec = tmp_path / "spec.yaml"
    result = run_cli("import", str(tmp_path / "x.yaml"))  # (a missing input is E007, not a write problem)
    assert "E007" in result.err
    (tmp_path / "x.yaml").write_text(RAW_CONFIG)
    calls.clear()
    calls.extend([None, None])  # the next write is the third
    result = run_cli("import", str(tmp_path / "x.yaml"), "-o", str(spec))
    assert result.code == 2 and "error E048 " in result.err and not spec.exists(), result.err


@pytest.mark.parametrize("command", [["render", "gateway"], ["kustomize", "-f", "examples/gateway-default.yaml"]])
def test_odd_output_targets(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dangling").symlink_to(tmp_path / "missing" / "dir")
    (tmp_path / "loop1").symlink_to(tmp_path / "loop2")
    (tmp_path / "loop2").symlink_to(tmp_path / "loop1")
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    (tmp_path / "file").write_text("x")
    if command[0] == "kustomize":
        command = ["kustomize", "-f", str(Path(__file__).resolve().parent.parent / "examples" / "gateway-default.yaml")]
    cases = {".": "E044", "..": "E044", "/": "E044", "dangling": "E045", "loop1": "E046", "loop1/sub": "E046", "link": "E047", "file": "E008"}
    for target, wanted in cases.items():
        result = run_cli(*command, "-o", target)
        assert result.code == 2 and result.err.startswith(f"error {wanted} ") and result.err.count("\n") == 1, (target, result.err)
    assert not (tmp_path / "missing").exists(), "a dangling symlink's parent is not created"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dangling", "file", "link", "loop1", "loop2", "real"]


def test_lint_fix_writes_through_a_symlink_and_refuses_what_it_cannot_write(tmp_path):
    target = tmp_path / "collector.yaml"
    target.write_text(RAW_CONFIG)
    link = tmp_path / "link.yaml"
    link.symlink_to(target.name)
    result = run_cli("lint", "--fix", str(link))
    assert result.code == 0, result.out + result.err
    assert link.is_symlink() and "memory_limiter" in target.read_text() and target.read_text() != RAW_CONFIG
    read_only = tmp_path / "ro.yaml"
    read_only.write_text(RAW_CONFIG)
    read_only.chmod(0o444)
    result = run_cli("lint", "--fix", str(read_only))
    assert result.code == 2 and result.err.startswith("error E053 ") and read_only.read_text() == RAW_CONFIG, result.err
    result = run_cli("lint", "--fix", "-", stdin=RAW_CONFIG)
    assert result.code == 2 and result.err.startswith("error E052 "), result.err
    dangling = tmp_path / "dangling.yaml"
    dangling.symlink_to(tmp_path / "nowhere.yaml")
    result = run_cli("import", str(target), "-o", str(dangling))
    assert result.code == 2 and "error E045 " in result.err and not (tmp_path / "nowhere.yaml").exists(), result.err
    assert [p.name for p in tmp_path.iterdir() if ".otelgen-" in p.name] == []
