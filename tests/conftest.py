from __future__ import annotations

import io
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
sys.path.insert(0, str(ROOT / "tools"))


@dataclass
class Result:
    code: int
    out: str
    err: str

    def objects(self) -> list[dict]:
        return [d for d in yaml.safe_load_all(self.out) if d is not None]


def run_cli(*argv: str, stdin: str | None = None) -> Result:
    """Run the CLI in-process (fast); subprocess tests cover the real entry point."""
    from otelgen.cli import main

    out, err = io.StringIO(), io.StringIO()
    old_stdin = sys.stdin
    if stdin is not None:
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode()))
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = main(list(argv))
    finally:
        sys.stdin = old_stdin
    return Result(code, out.getvalue(), err.getvalue())


def write_spec(tmp_path: Path, text: str, name: str = "spec.yaml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def by_kind(objects: list[dict], kind: str, name: str | None = None) -> dict:
    found = [o for o in objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


def collector_config(objects: list[dict]) -> dict:
    """The collector's config (a target allocator's ConfigMap has its own key)."""
    (cm,) = [o for o in objects if o["kind"] == "ConfigMap" and "collector.yaml" in o.get("data", {})]
    return yaml.safe_load(cm["data"]["collector.yaml"])


def container(objects: list[dict]) -> dict:
    for kind in ("Deployment", "DaemonSet", "StatefulSet"):
        found = [o for o in objects if o["kind"] == kind]
        if found:
            return found[0]["spec"]["template"]["spec"]["containers"][0]
    raise AssertionError("no workload")


@pytest.fixture
def render():
    def _render(*args: str) -> list[dict]:
        result = run_cli("render", *args)
        assert result.code == 0, result.err
        return result.objects()

    return _render


def tool(name: str):
    """A pinned tool from tools/install.sh; a missing tool fails the test (never skips)."""
    import toolpaths

    try:
        return getattr(toolpaths, name)()
    except FileNotFoundError as exc:
        pytest.fail(f"{exc} — run `make tools` (tools/install.sh)", pytrace=False)


def pytest_terminal_summary(terminalreporter):
    """The corpus counts (tests/test_corpus.py records each config's verdict)."""
    verdicts: dict[str, list[bool]] = {}
    missing: dict[str, int] = {}
    by_contrib: list[bool] = []
    for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", []):
        if getattr(report, "when", "call") != "call":
            continue
        props = dict(getattr(report, "user_properties", []))
        if "corpus" in props:
            verdicts.setdefault(props["corpus"], []).append(report.passed)
            if props.get("corpus_binary") == "contrib-test":
                by_contrib.append(report.passed)
            if props.get("corpus_repaired") and report.passed:
                repaired = verdicts.setdefault("refused, repaired by import's listed fixes", [])
                repaired.append(True)
            for name in filter(None, props.get("corpus_missing", "").split(", ")):
                missing[name] = missing.get(name, 0) + 1
    if not verdicts:
        return
    judged = verdicts.get("accepted", []) + verdicts.get("refused", [])
    parts = [f"{kind} {len(v)} (otelgen agrees on {sum(v)})" for kind, v in sorted(verdicts.items()) if kind in ("accepted", "refused")]
    if verdicts.get("refused, repaired by import's listed fixes"):
        parts.append(f"of the refused, repaired by import's listed fixes {len(verdicts['refused, repaired by import' + chr(39) + 's listed fixes'])}")
    if by_contrib:
        parts.append(f"judged by the contrib test collector {len(by_contrib)} (otelgen agrees on {sum(by_contrib)})")
    parts.append(f"not judged {len(verdicts.get('not judged', []))}")
    terminalreporter.write_sep("-", "corpus")
    terminalreporter.write_line(f"corpus: {'; '.join(parts)}; agreement {sum(judged)}/{len(judged)}")
    if missing:
        terminalreporter.write_line("not judged for want of: " + ", ".join(f"{k} ({v})" for k, v in sorted(missing.items(), key=lambda kv: (-kv[1], kv[0]))))
