"""`otelgen validate`: load and plan specs exactly as render does, report problems."""

from __future__ import annotations

import json
import sys

from otelgen.errors import Problem, SpecError, format_path, github_data, github_property, printable
from otelgen.plan import build_plan
from otelgen.spec import load


def check(path: str) -> list[Problem]:
    try:
        plan = build_plan(load.load(None, [path], []))
    except SpecError as exc:
        return exc.problems
    return plan.warnings


def _line(problem: Problem, path: str, fmt: str) -> str:
    if fmt == "github":
        level = "error" if problem.severity == "error" else "warning"
        message = f"{format_path(problem.path)}: {problem.message}" + (f" (hint: {problem.hint})" if problem.hint else "")
        return f"::{level} file={github_property(path)},title={github_property(problem.id)}::{github_data(message)}"
    return printable(f"{path}: {problem.render()}")


def run(paths: list[str], fmt: str) -> int:
    results = {path: check(path) for path in paths}
    failed = any(p.severity == "error" for problems in results.values() for p in problems)
    if fmt == "json":
        out = [
            {"file": path, "id": p.id, "severity": p.severity, "path": format_path(p.path), "message": p.message, "hint": p.hint}
            for path, problems in results.items() for p in problems
        ]
        json.dump(out, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for path, problems in results.items():
            for p in problems:
                print(_line(p, path, fmt), file=sys.stdout if fmt == "github" else sys.stderr)
            if fmt == "text" and not any(p.severity == "error" for p in problems):
                print(printable(f"{path}: ok"))
    return 2 if failed else 0
