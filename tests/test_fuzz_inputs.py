"""No input crashes `otelgen lint` or `otelgen import` (issue 6): real files from
the lint and import corpora and rendered examples, mutated at the byte level
(insert, delete, replace, duplicate a span, truncate) or replaced by garbage;
plus the hostile shapes (deep nesting, alias bombs, huge files) for both
commands. Every outcome is either a result or the documented clear error:
exit code 2 with `error E...` lines, never a traceback, and `import -o` writes
nothing on failure. Seeded (derandomized), so failures reproduce."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES, ROOT, run_cli

CORPUS = sorted((ROOT / "tests" / "lint").glob("*.yaml")) + sorted((ROOT / "tests" / "import").glob("*.yaml")) + EXAMPLES
ERROR_LINE = re.compile(r"^error E\d{3} ")
LINT_SUMMARY = re.compile(r"^\d+ file\(s\), \d+ unusable \(not linted\): \d+ error\(s\), \d+ warning\(s\)$")
#: what import prints on stderr (cli.cmd_import): change/warning lines (its own and the
#: renderer's), one `secret NAME: kubectl create secret ...` per Secret, `wrote PATH`, errors
IMPORT_LINE = re.compile(r"^((change C3\d{2}|warning W[12]\d{2}|error E\d{3}) |secret [a-z0-9.-]+: kubectl create secret generic |wrote )")
SETTINGS = settings(max_examples=400, derandomize=True, database=None, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])


@st.composite
def mutated_files(draw) -> bytes:
    """A corpus file with one to four byte-level edits."""
    data = bytearray(draw(st.sampled_from(CORPUS)).read_bytes())
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["insert", "delete", "replace", "duplicate", "truncate"]))
        chunk = draw(st.one_of(st.binary(min_size=1, max_size=8), st.sampled_from([b":", b"- ", b"\n", b"  ", b"{", b"[", b"&a ", b"*a", b"!!python/object ", b"${", b"\t", b"'", b'"', b"\xff"])))
        if action == "insert":
            data[pos:pos] = chunk
        elif action == "delete":
            del data[pos:pos + draw(st.integers(1, 40))]
        elif action == "replace":
            data[pos:pos + len(chunk)] = chunk
        elif action == "duplicate":
            data[pos:pos] = data[pos:pos + draw(st.integers(1, 200))]
        else:
            del data[pos:]
    return bytes(data)


def check_lint(path: Path) -> None:
    result = run_cli("lint", str(path))
    event(f"lint exit {result.code}")
    assert "Traceback" not in result.err + result.out
    assert result.code in (0, 1, 2), result.err
    if result.code == 2:
        *errors, summary = [line for line in result.err.splitlines() if line]
        assert errors and all(ERROR_LINE.match(line.removeprefix(f"{path}: ")) for line in errors), result.err
        assert LINT_SUMMARY.match(summary) and ", 1 unusable" in summary, summary


def check_import(path: Path, out: Path) -> None:
    result = run_cli("import", str(path), "-o", str(out))
    event(f"import exit {result.code}")
    assert "Traceback" not in result.err + result.out
    lines = [line for line in result.err.splitlines() if line]
    assert all(IMPORT_LINE.match(line) for line in lines), result.err
    if result.code == 0:
        assert out.read_text().startswith(("apiVersion: otelgen.io/", "# ")), out.read_text()[:200]
    else:
        assert result.code == 2, result.err
        assert any(ERROR_LINE.match(line) for line in lines), result.err
        assert not out.exists(), "import wrote a spec although it failed"


@SETTINGS
@given(data=mutated_files())
def test_lint_survives_mutated_files(data, tmp_path_factory):
    path = tmp_path_factory.mktemp("lint") / "in.yaml"
    path.write_bytes(data)
    check_lint(path)


@SETTINGS
@given(data=mutated_files())
def test_import_survives_mutated_files(data, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("import")
    path = tmp / "in.yaml"
    path.write_bytes(data)
    check_import(path, tmp / "spec.yaml")


@settings(SETTINGS, max_examples=200)
@given(blob=st.binary(max_size=3000))
def test_garbage_bytes(blob, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("garbage")
    path = tmp / "in.yaml"
    path.write_bytes(blob)
    check_lint(path)
    check_import(path, tmp / "spec.yaml")


DEEP = "a:\n" + "".join("  " * i + "- \n" for i in range(1, 300))
BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(f"l{i}: &l{i} [{', '.join(['*' + ('a' if i == 0 else f'l{i - 1}')] * 10)}]\n" for i in range(9))
HUGE = "receivers:\n  otlp:\n    protocols: {grpc: {}}\n  filelog:\n    include: [" + ", ".join(["/var/log/pods/x.log"] * 250_000) + "]\n"


@pytest.mark.parametrize("command", ["lint", "import"])
@pytest.mark.parametrize("name,text,fragment", [
    ("deep-nesting", DEEP, "deeper than"),
    ("alias-bomb", BOMB, "aliases expand"),
    ("huge-file", HUGE, "larger than"),
    ("bomb-inside-a-configmap", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  c.yaml: |\n" + "".join("    " + line + "\n" for line in BOMB.splitlines()), "aliases expand"),
])
def test_hostile_shapes_are_refused_cleanly(tmp_path, command, name, text, fragment):
    assert len(HUGE) > 4 * 1024 * 1024
    path = tmp_path / "in.yaml"
    path.write_text(text)
    out = tmp_path / "spec.yaml"
    result = run_cli(command, str(path), *(["-o", str(out)] if command == "import" else []))
    assert result.code == 2 and "Traceback" not in result.err, result.err
    assert fragment in result.err and ERROR_LINE.match(result.err), result.err
    assert not out.exists()
