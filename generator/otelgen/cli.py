"""Command line: a thin layer; heavy modules are imported inside the commands
so `otelgen --help` starts instantly."""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_BAD_INPUT = 2

MAIN_EXAMPLES = """\
examples:
  otelgen render gateway                          # production-sane gateway, no file needed
  otelgen render agent -f my-agent.yaml -o out/   # one file per object, written atomically
  otelgen render sidecar --set exporters.otlp.endpoint=gw.obs:4317
  otelgen inject -f app-deployment.yaml           # add the collector sidecar to an app
  otelgen validate examples/*.yaml                # check specs in CI
  otelgen lint collector.yaml k8s/*.yaml          # find what breaks existing deployments
  otelgen import collector.yaml -o spec.yaml      # bring an existing config into a spec
  otelgen kustomize -f spec.yaml -o base/         # a Kustomize base for GitOps
  otelgen schema > otelgen-collector.json         # JSON Schema for editors and CI
"""

IMPORT_EXAMPLES = """\
examples:
  otelgen import otel-config.yaml -o spec.yaml           # a raw collector config
  otelgen import deploy/collector.yaml --mode gateway    # manifests: ConfigMap + Deployment/DaemonSet
  otelgen import otelcol-operator-cr.yaml                # an Operator OpenTelemetryCollector
  otelgen import old.yaml --target-version 0.145.0 | otelgen render -f -

Prints the spec (or writes it atomically with -o) and, on stderr, one line
per change made (C3xx), per thing not carried (W2xx), and the kubectl command
for every Secret the spec now references. Exit code 2 on unusable input.
"""

RENDER_EXAMPLES = """\
examples:
  otelgen render gateway | kubectl apply -f -
  otelgen render gateway -f base.yaml -f prod.yaml --set scaling.replicas=3
  otelgen render agent -f examples/agent-presets.yaml -o out/agent
  otelgen render gateway --config-only            # just the collector config

-f may be repeated: later files deep-merge over earlier ones (lists replace,
null deletes). --set paths are relative to spec unless they start with
metadata./apiVersion/kind. Exit code 2 on bad input, nothing written.
"""

INJECT_EXAMPLES = """\
examples:
  otelgen inject -f app-deployment.yaml | kubectl apply -f -
  otelgen inject -f app.yaml --spec sidecar.yaml --set exporters.otlp.endpoint=gw.obs:4317

Adds the collector (native sidecar by default) and its config volume to every
Deployment, StatefulSet, DaemonSet, Job, CronJob and Pod in the file, and
emits the sidecar's ConfigMap in each namespace used.
"""

VALIDATE_EXAMPLES = """\
examples:
  otelgen validate examples/*.yaml
  otelgen validate spec.yaml --format json

Loads each spec exactly as render would (schema + semantic checks) and prints
every problem; exit 0 when all are valid, 2 otherwise.
"""

LINT_EXAMPLES = """\
examples:
  otelgen lint collector.yaml                     # a raw collector config
  helm template otel open-telemetry/opentelemetry-collector | otelgen lint -
  otelgen lint k8s/*.yaml --format sarif > otelgen.sarif
  otelgen lint collector.yaml --target-version 0.139.0 --fail-on warning
  otelgen lint --fix collector.yaml               # safe fixes in place, each printed

Exit code: 0 clean, 1 findings at or above --fail-on, 2 unusable input.
"""


def _parser() -> argparse.ArgumentParser:
    from otelgen import __version__

    parser = argparse.ArgumentParser(prog="otelgen", description="Render OpenTelemetry Collector deployments for Kubernetes from a typed spec.", epilog=MAIN_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"otelgen {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    render = sub.add_parser("render", help="render manifests for a mode", description="Render the collector config and every Kubernetes object for agent, gateway or sidecar.", epilog=RENDER_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    render.add_argument("mode", nargs="?", choices=["agent", "gateway", "sidecar"], help="agent (DaemonSet), gateway (Deployment) or sidecar; optional when the spec file sets spec.mode")
    _spec_args(render, "-f", "--file")
    render.add_argument("-o", "--output", metavar="DIR", help="write one file per object into DIR (replaced atomically); default: one YAML stream on stdout")
    render.add_argument("--config-only", action="store_true", help="print only the collector config")

    inject = sub.add_parser("inject", help="add the collector sidecar to app manifests", description="Add the collector as a sidecar to the workloads in an app manifest.", epilog=INJECT_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    inject.add_argument("-f", "--file", dest="app", required=True, metavar="APP_YAML", help="app manifest (multi-document YAML, - for stdin)")
    _spec_args(inject, "--spec")

    validate = sub.add_parser("validate", help="check specs without rendering", description="Validate otelgen specs (schema and semantic checks).", epilog=VALIDATE_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    validate.add_argument("paths", nargs="+", metavar="PATH")
    validate.add_argument("--format", choices=["text", "json", "github"], default="text")

    lint = sub.add_parser("lint", help="find what breaks collector deployments", description="Lint collector configs, Kubernetes manifests (also helm template output) and otelgen specs. Rules and fixes: docs/lint.md.", epilog=LINT_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    lint.add_argument("paths", nargs="+", metavar="PATH", help="collector config, manifests or spec (- for stdin)")
    lint.add_argument("--target-version", metavar="X.Y.Z", help="collector version to judge against (default: the image tag in manifests, else the pinned version)")
    lint.add_argument("--format", choices=["text", "json", "github", "sarif"], default="text")
    lint.add_argument("--fail-on", choices=["error", "warning"], default="error", help="exit 1 when a finding is at least this severe (default: error)")
    lint.add_argument("--distribution", choices=["otelcol-k8s", "otelcol-contrib", "any"], default="otelcol-k8s", help="image raw configs are judged against (manifests: taken from the image); any: skip the check")
    lint.add_argument("--fix", action="store_true", help="rewrite each raw config file in place with the safe fixes, print each change")

    sub.add_parser("schema", help="print the JSON Schema of the spec", description="Print the JSON Schema of otelgen specs (the same as schemas/otelgen-collector.json).", epilog="examples:\n  otelgen schema > otelgen-collector.json\n  check-jsonschema --schemafile schemas/otelgen-collector.json examples/*.yaml\n", formatter_class=argparse.RawDescriptionHelpFormatter)

    kustomize = sub.add_parser("kustomize", help="write a Kustomize base for a spec", description="Write a Kustomize base: kustomization.yaml, one file per object, the collector config in a configMapGenerator (its name hash rolls the pods).", epilog="examples:\n  otelgen kustomize -f examples/gateway-default.yaml -o deploy/base\n  kustomize build deploy/base | kubectl apply -f -\n", formatter_class=argparse.RawDescriptionHelpFormatter)
    _spec_args(kustomize, "-f", "--file")
    kustomize.add_argument("-o", "--output", metavar="DIR", required=True, help="directory to write (replaced atomically)")
    imp = sub.add_parser("import", help="turn a collector config or manifests into a spec", description="Import a raw collector config, or the Kubernetes manifests that run one, as an otelgen spec.", epilog=IMPORT_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    imp.add_argument("path", metavar="PATH", help="collector config, or multi-document manifests (also helm template output, Operator resources); - for stdin")
    imp.add_argument("--mode", choices=["agent", "gateway", "sidecar"], help="default: from the workload kind, else agent when the config reads node-local data, gateway otherwise")
    imp.add_argument("--target-version", metavar="X.Y.Z", help="collector version the spec targets (component names follow it); default: the image tag of the manifests when otelgen supports it, else the pinned version")
    imp.add_argument("-o", "--output", metavar="SPEC_YAML", help="write the spec here (atomically); default: stdout")
    return parser


def _spec_args(parser: argparse.ArgumentParser, *flags: str) -> None:
    parser.add_argument(*flags, dest="files", action="append", default=[], metavar="SPEC", help="spec file (repeatable; later files merge over earlier ones; - for stdin)")
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="PATH=VALUE", help="override one value, e.g. exporters.otlp.endpoint=gw:4317 (repeatable)")


def _report(problems, stream=None) -> None:
    stream = stream or sys.stderr
    for problem in problems:
        print(problem.render(), file=stream)


def cmd_render(args: argparse.Namespace) -> int:
    from otelgen import render, yamlio

    if args.config_only:
        config, warnings = render.render_config(args.mode, args.files, args.sets)
        _report(warnings)
        sys.stdout.write(yamlio.dump(config))
        return EXIT_OK
    objects, warnings = render.render(args.mode, args.files, args.sets)
    _report(warnings)
    if args.output:
        names = render.write_directory(objects, args.output)
        print(f"wrote {len(names)} objects to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(render.write_stream(objects))
    return EXIT_OK


def cmd_inject(args: argparse.Namespace) -> int:
    from otelgen import inject, yamlio

    documents, warnings = inject.inject_file(args.app, args.files, args.sets)
    _report(warnings)
    sys.stdout.write(yamlio.dump_all(documents))
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from otelgen import validate

    return validate.run(args.paths, args.format)


def cmd_lint(args: argparse.Namespace) -> int:
    from otelgen import versions
    from otelgen.errors import SpecError, error
    from otelgen.lint.model import Options

    if args.target_version is not None:
        try:
            versions.parse(args.target_version)
        except ValueError as exc:
            raise SpecError([error("E004", ["--target-version"], str(exc), f"e.g. --target-version {versions.PINNED_COLLECTOR_VERSION}")]) from None
    options = Options(target_version=args.target_version, distribution=None if args.distribution == "any" else args.distribution)
    if args.fix:
        from otelgen.lint import fix

        return fix.run(args.paths, options)
    from otelgen import lint

    return lint.run(args.paths, options, args.format, args.fail_on)


def cmd_schema(args: argparse.Namespace) -> int:
    from otelgen import schema

    sys.stdout.write(schema.spec_schema_text())
    return EXIT_OK


def cmd_kustomize(args: argparse.Namespace) -> int:
    from otelgen import kustomize

    _report(kustomize.write_base(args.files, args.sets, args.output))
    print(f"wrote a Kustomize base to {args.output}", file=sys.stderr)
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from otelgen import importer

    imported = importer.import_path(args.path, args.mode, args.target_version)
    _report(imported.notes.items + imported.warnings)
    for secret in imported.secrets:
        print(f"secret {secret.name}: {secret.command()}", file=sys.stderr)
    if args.output:
        importer.write_atomically(imported.text(), args.output)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(imported.text())
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_BAD_INPUT
    handler = {"render": cmd_render, "inject": cmd_inject, "validate": cmd_validate, "lint": cmd_lint, "import": cmd_import, "schema": cmd_schema, "kustomize": cmd_kustomize}[args.command]
    from otelgen.errors import SpecError

    try:
        return handler(args)
    except SpecError as exc:
        _report(exc.problems)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        return EXIT_OK
