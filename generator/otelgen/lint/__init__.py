"""``otelgen lint``: find what breaks real collector deployments.

:func:`lint_path` reads one file (otelgen spec, raw collector config, or
Kubernetes manifests; see :mod:`otelgen.inputs`), runs every rule of
:data:`otelgen.lint.rules.RULES` over it and returns findings sorted by file,
line and rule.  Specs are rendered first and their output is linted.
"""

from __future__ import annotations

from typing import Iterable

from otelgen.errors import format_path
from otelgen.inputs import CollectorConfig, Inputs, Runner, config_arg, containers, read, read_text
from otelgen.lint.model import ConfigTarget, ContainerTarget, Finding, Hit, Options, Rule
from otelgen.lint.rules import RULES

COLLECTOR_IMAGE_MARKERS = ("opentelemetry-collector", "otelcol")


def collector_containers(inputs: Inputs) -> list[tuple[Runner | None, CollectorConfig | None, object, tuple]]:
    """(runner, config, workload, container path) of every collector container:
    containers with a ``--config`` argument, or running a collector image."""
    by_container = {}
    for config in inputs.configs:
        for runner in config.runners:
            by_container[(id(runner.workload), runner.container_path)] = (runner, config)
    for runner in inputs.unresolved_runners:
        by_container[(id(runner.workload), runner.container_path)] = (runner, None)
    out = []
    for workload in inputs.workloads:
        for path, container in containers(workload):
            found = by_container.get((id(workload), path))
            image = str(container.get("image", ""))
            if found is None and not any(m in image for m in COLLECTOR_IMAGE_MARKERS):
                continue
            if found is None and path[-2] == "initContainers" and config_arg(container) is None:
                continue
            runner, config = found if found else (None, None)
            out.append((runner, config, workload, path))
    return out


def _finding(rule: Rule, hit: Hit, inputs: Inputs, config: CollectorConfig | None) -> Finding:
    if hit.obj is not None:
        path = (hit.obj.ref,) + tuple(hit.path)
        line = hit.obj.line(hit.path)
    elif config is not None:
        path = config.prefix + tuple(hit.path)
        line = config.line(hit.path)
    else:
        path, line = tuple(hit.path), None
    return Finding(rule.id, rule.severity, inputs.file, format_path(path), line, hit.message, hit.fix)


def lint_inputs(inputs: Inputs, options: Options) -> list[Finding]:
    findings: list[Finding] = []
    containers_found = collector_containers(inputs) if inputs.kind == "manifests" else []
    for rule in RULES:
        if rule.scope == "config":
            for config in inputs.configs:
                target = ConfigTarget(inputs, config, options)
                findings.extend(_finding(rule, hit, inputs, config) for hit in rule.check(target))
        elif rule.scope == "container":
            for runner, config, workload, path in containers_found:
                target = ContainerTarget(inputs, workload, path, config, options)  # type: ignore[arg-type]
                findings.extend(_finding(rule, hit, inputs, None) for hit in rule.check(target))
        elif inputs.kind == "manifests":
            findings.extend(_finding(rule, hit, inputs, None) for hit in rule.check(inputs, options))
    return sort_findings(dedupe(findings))


def dedupe(findings: Iterable[Finding]) -> list[Finding]:
    seen, out = set(), []
    for finding in findings:
        if finding not in seen:
            seen.add(finding)
            out.append(finding)
    return out


def sort_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.file, f.line or 0, f.rule, f.path, f.message))


def _lint_spec(inputs: Inputs, options: Options) -> list[Finding]:
    """Render the spec (problems in it are unusable input: SpecError) and lint the output."""
    from otelgen import render

    objects, _ = render.render(None, [inputs.file], [])
    rendered = read_text(render.write_stream(objects), inputs.file)
    found = lint_inputs(rendered, options)
    return [Finding(f.rule, f.severity, f.file, f"(rendered) {f.path}", None, f.message, f.fix) for f in found]


def lint_path(path: str, options: Options) -> list[Finding]:
    """Findings for one file; raises SpecError when the file is unusable."""
    inputs = read(path)
    if inputs.kind == "spec":
        return _lint_spec(inputs, options)
    return lint_inputs(inputs, options)


def run(paths: list[str], options: Options, fmt: str, fail_on: str) -> int:
    """The ``otelgen lint`` command: findings on stdout in ``fmt``, unusable
    inputs on stderr.  Exit 2 if any input is unusable, else 1 if a finding is
    at or above ``fail_on``, else 0."""
    import sys

    from otelgen.errors import SpecError
    from otelgen.lint.model import SEVERITY_RANK
    from otelgen.lint.output import FORMATS

    findings: list[Finding] = []
    unusable = 0
    for path in paths:
        try:
            findings.extend(lint_path(path, options))
        except SpecError as exc:
            unusable += 1
            for problem in exc.problems:
                print(problem.render() if problem.source or path in problem.message else f"{path}: {problem.render()}", file=sys.stderr)
    sys.stdout.write(FORMATS[fmt](findings))
    if fmt == "text":
        counts = {s: sum(1 for f in findings if f.severity == s) for s in ("error", "warning")}
        not_read = f", {unusable} unusable (not linted)" if unusable else ""
        print(f"{len(paths)} file(s){not_read}: {counts['error']} error(s), {counts['warning']} warning(s)", file=sys.stderr)
    if unusable:
        return 2
    threshold = SEVERITY_RANK[fail_on]
    return 1 if any(SEVERITY_RANK[f.severity] >= threshold for f in findings) else 0
