"""The command line itself (click): grouped help with examples, --version, shell
completion, and exit codes 0 ok / 1 findings / 2 bad input or bad usage with one
line and no traceback. In process with click's CliRunner and through main(argv),
and as a real process (the console script's entry point)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from conftest import ROOT, run_cli, write_spec

import otelgen
from otelgen.cli import SECTIONS, cli, main

ENV = {**os.environ, "PYTHONPATH": str(ROOT / "generator")}
COMMANDS = ("render", "inject", "kustomize", "validate", "lint", "import", "schema", "completion")


def otelgen_proc(*argv: str, env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "otelgen", *argv], capture_output=True, text=True,
                          env=env or ENV, input=stdin, timeout=120)


# ---- help ----------------------------------------------------------------------


def test_top_level_help_lists_every_command_by_section_with_examples():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    text = result.output
    positions = [text.index(f"\n{section}:\n") for section in SECTIONS]
    assert positions == sorted(positions), "sections in their fixed order"
    for name in COMMANDS:
        assert f"\n  {name} " in text, name
    # each command sits under its own section
    generate = text[text.index("\nGenerate:\n"):text.index("\nCheck:\n")]
    assert "render" in generate and "inject" in generate and "kustomize" in generate and "lint" not in generate
    assert "examples:\n  otelgen render gateway" in text, "examples kept verbatim, not rewrapped"


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_examples(name):
    result = CliRunner().invoke(cli, [name, "-h"])
    assert result.exit_code == 0, result.output
    assert f"Usage: otelgen {name}" in result.output
    assert "\nexamples:\n  " in result.output


def test_every_flag_of_the_argparse_cli_is_kept():
    """The options the argparse CLI had, by command (the contract scripts rely on)."""
    expected = {
        "render": {"-f", "--file", "--set", "-o", "--output", "--config-only"},
        "inject": {"-f", "--file", "--spec", "--set"},
        "validate": {"--format"},
        "lint": {"--target-version", "--format", "--fail-on", "--distribution", "--fix"},
        "import": {"--mode", "--target-version", "-o", "--output"},
        "kustomize": {"-f", "--file", "--set", "-o", "--output"},
        "schema": set(),
    }
    for name, flags in expected.items():
        have = {opt for p in cli.commands[name].params for opt in getattr(p, "opts", []) if opt.startswith("-")}
        assert flags <= have, (name, flags - have)


def test_no_command_prints_help_and_exits_2():
    result = run_cli()
    assert result.code == 2
    assert "Usage: otelgen" in result.out and "Generate:" in result.out


# ---- version ---------------------------------------------------------------------


def test_version_in_process_and_as_a_process():
    assert run_cli("--version").out == f"otelgen {otelgen.__version__}\n"
    proc = otelgen_proc("--version")
    assert proc.returncode == 0 and proc.stdout == f"otelgen {otelgen.__version__}\n" and proc.stderr == ""


# ---- bad usage -------------------------------------------------------------------


@pytest.mark.parametrize("argv,fragment", [
    (["render", "--bogus"], "No such option '--bogus'"),
    (["render", "gatewy"], "'gatewy' is not one of 'agent', 'gateway', 'statefulset', 'sidecar'"),
    (["rendr", "gateway"], "Did you mean 'render'?"),
    (["lint"], "Missing argument 'PATH...'"),
    (["inject"], "Missing option '-f' / '--file'"),
    (["kustomize", "-f", "x.yaml"], "Missing option '-o' / '--output'"),
    (["lint", "x.yaml", "--format", "xml"], "'xml' is not one of"),
    (["render", "gateway", "-f"], "Option '-f' requires an argument"),
    (["completion", "tcsh"], "'tcsh' is not one of 'bash', 'zsh', 'fish'"),
])
def test_bad_usage_is_one_line_exit_2(argv, fragment):
    result = run_cli(*argv)
    assert result.code == 2
    assert result.out == ""
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("error E000 otelgen") and fragment in lines[0] and "(hint: " in lines[0], lines[0]


def test_bad_usage_as_a_process_has_no_traceback():
    proc = otelgen_proc("render", "--bogus")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines() == [
        "error E000 otelgen render: No such option '--bogus'. (hint: otelgen render --help lists the commands and options)"
    ]


def test_bad_input_is_still_exit_2_through_click(tmp_path):
    spec = write_spec(tmp_path, "spec:\n  mode: gateway\n  replicas: 3\n")
    result = CliRunner().invoke(cli, ["render", "-f", spec], standalone_mode=False, catch_exceptions=True)
    # under click directly, SpecError propagates; main() maps it to exit 2 with its lines
    assert type(result.exception).__name__ == "SpecError"
    mapped = run_cli("render", "-f", spec)
    assert mapped.code == 2 and mapped.err.startswith("error E003 spec.replicas")


def test_exit_codes_0_1_2_from_lint(tmp_path):
    clean = tmp_path / "clean.yaml"
    assert run_cli("render", "gateway", "--config-only").code == 0
    clean.write_text(run_cli("render", "gateway", "--config-only").out)
    assert run_cli("lint", str(clean)).code == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: localhost:4317\n"
                   "exporters:\n  debug: {}\nservice:\n  pipelines:\n    traces: {receivers: [otlp], exporters: [debug]}\n")
    assert run_cli("lint", str(bad)).code == 1
    assert run_cli("lint", str(tmp_path / "missing.yaml")).code == 2


def test_runner_and_main_agree_on_render():
    via_runner = CliRunner().invoke(cli, ["render", "gateway"])
    assert via_runner.exit_code == 0
    assert via_runner.output == run_cli("render", "gateway").out
    assert via_runner.output.startswith("---\napiVersion: v1\nkind: ServiceAccount\n")


def test_main_reads_sys_argv_when_called_without_arguments(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["otelgen", "--version"])
    assert main() == 0
    assert capsys.readouterr().out == f"otelgen {otelgen.__version__}\n"


# ---- completion ------------------------------------------------------------------


@pytest.mark.parametrize("shell,marker", [
    ("bash", "complete -o nosort -F _otelgen_completion otelgen"),
    ("zsh", "#compdef otelgen"),
    ("fish", "complete --no-files --command otelgen"),
])
def test_completion_prints_click_script(shell, marker):
    proc = otelgen_proc("completion", shell)
    assert proc.returncode == 0, proc.stderr
    assert marker in proc.stdout
    assert "_OTELGEN_COMPLETE" in proc.stdout


def complete(words: str, cword: int) -> list[str]:
    env = {**ENV, "_OTELGEN_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
    proc = subprocess.run([sys.executable, "-c", "import sys; from otelgen.cli import main; sys.exit(main())"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


def test_completion_completes_commands_choices_and_files():
    assert complete("otelgen re", 1) == ["plain,render"]
    assert complete("otelgen render ", 2) == ["plain,agent", "plain,gateway", "plain,statefulset", "plain,sidecar"]
    assert complete("otelgen lint x.yaml --format ", 4) == ["plain,text", "plain,json", "plain,github", "plain,sarif"]
    assert complete("otelgen render -f ex", 3) == ["file,ex"]


def test_bash_really_completes_with_the_script(tmp_path):
    """The printed script, sourced by a real bash, completes `otelgen ren` to render."""
    bash = shutil.which("bash")
    assert bash, "bash is needed for this test"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "otelgen"
    shim.write_text(f"#!/bin/sh\nexec {sys.executable} -m otelgen \"$@\"\n")
    shim.chmod(0o755)
    script = otelgen_proc("completion", "bash").stdout
    (tmp_path / "c.bash").write_text(script)
    probe = ('source c.bash; COMP_WORDS=(otelgen ren); COMP_CWORD=1; _otelgen_completion otelgen; '
             'printf "%s\\n" "${COMPREPLY[@]}"')
    env = {**ENV, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    proc = subprocess.run([bash, "--norc", "-c", probe], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["render"]


# ---- start-up --------------------------------------------------------------------


def test_help_version_and_completion_import_no_heavy_module():
    """`--help`, `--version` and `completion` never import pydantic, PyYAML or the models."""
    code = ("import sys\nfrom otelgen.cli import main\n"
            "for argv in (['--help'], ['--version'], ['render', '--help'], ['completion', 'bash']):\n"
            "    assert main(argv) == 0\n"
            "heavy = sorted(m for m, mod in sys.modules.items() if getattr(mod, '__file__', None) and ("
            "m.split('.')[0] in ('pydantic', 'pydantic_core', 'yaml', 'importlib_metadata')"
            " or m == 'importlib.metadata' or m.startswith(('otelgen.spec', 'otelgen.components', 'otelgen.plan'))))\n"
            "print('HEAVY', heavy, file=sys.stderr)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stderr, proc.stderr


def test_a_cli_render_loads_no_plugin_discovery():
    """The CLI runs pydantic without plugin discovery (importlib.metadata and an entry-point
    scan of every installed distribution); the render is the same."""
    code = ("import io, sys, contextlib\nfrom otelgen.cli import main\nout = io.StringIO()\n"
            "with contextlib.redirect_stdout(out):\n    assert main(['render', 'gateway']) == 0\n"
            "print('METADATA', 'importlib.metadata' in sys.modules, file=sys.stderr)\nsys.stdout.write(out.getvalue())\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "METADATA False" in proc.stderr
    assert proc.stdout == run_cli("render", "gateway").out
