"""Findings as text, JSON, GitHub workflow annotations or SARIF 2.1.0."""

from __future__ import annotations

import json
from typing import Callable

from otelgen import __version__
from otelgen.errors import github_data, github_property, printable
from otelgen.lint.model import Finding
from otelgen.lint.rules import RULES, docs_anchor

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVEL = {"error": "error", "warning": "warning"}


def text(findings: list[Finding]) -> str:
    lines = []
    for f in findings:
        where = f"{f.file}:{f.line}" if f.line else f.file
        lines.append(printable(f"{where}: {f.severity} {f.rule} {f.path}: {f.message} (fix: {f.fix})"))
    return "".join(line + "\n" for line in lines)


def as_json(findings: list[Finding]) -> str:
    return json.dumps([f.as_json() for f in findings], indent=2, ensure_ascii=False) + "\n"


_escape_data = github_data
_escape_property = github_property


def github(findings: list[Finding]) -> str:
    """``::error file=...,line=...,title=...::message`` lines (workflow commands)."""
    lines = []
    for f in findings:
        props = [f"file={_escape_property(f.file)}"]
        if f.line:
            props.append(f"line={f.line}")
        props.append(f"title={_escape_property(f'{f.rule} {f.path}')}")
        lines.append(f"::{f.severity} {','.join(props)}::{_escape_data(f'{f.message} (fix: {f.fix})')}")
    return "".join(line + "\n" for line in lines)


def sarif(findings: list[Finding]) -> str:
    """One SARIF 2.1.0 log with one run; every rule of the table is described."""
    index = {rule.id: i for i, rule in enumerate(RULES)}
    rules = [
        {
            "id": rule.id,
            "name": rule.check.__name__,
            "shortDescription": {"text": rule.title},
            "help": {"text": f"See {docs_anchor(rule.id)}"},
            "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity]},
        }
        for rule in RULES
    ]
    results = []
    for f in findings:
        region = {"startLine": f.line} if f.line else None
        location = {"physicalLocation": {"artifactLocation": {"uri": f.file}}, "logicalLocations": [{"fullyQualifiedName": f.path}]}
        if region:
            location["physicalLocation"]["region"] = region
        results.append({
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": _SARIF_LEVEL[f.severity],
            "message": {"text": f"{f.path}: {f.message} (fix: {f.fix})"},
            "locations": [location],
        })
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "otelgen", "version": __version__, "rules": rules}},
            "results": results,
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


FORMATS: dict[str, Callable[[list[Finding]], str]] = {"text": text, "json": as_json, "github": github, "sarif": sarif}
