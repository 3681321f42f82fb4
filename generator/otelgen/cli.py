"""Command line (click): a thin layer.

Each command is one small decorated function that imports the modules it uses
inside its body, so `otelgen --help`, `--version` and `completion` import
neither pydantic nor PyYAML nor the component registry.  To add a command:

    @cli.command(section=GENERATE, epilog=EXAMPLES_TEXT, short_help="one line for the command list")
    @click.option(...)
    def name(...) -> int:
        \"\"\"Description shown by `otelgen name --help`.\"\"\"
        from otelgen import something
        ...
        return EXIT_OK

Exit codes: 0 ok, 1 findings (lint), 2 bad input or bad usage (one line, never
a traceback).  ``main(argv) -> int`` runs click with ``standalone_mode=False`` and
maps every outcome to one of those codes itself, so tests can call it in process.
"""

from __future__ import annotations

import sys
from typing import Any, Callable, Sequence

import click

from otelgen import modes as _mode_table  # a table of plain data: keeps --help fast

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_BAD_INPUT = 2

PROG = "otelgen"
MODES = tuple(_mode_table.MODES)  # otelgen.modes: what each mode renders
TARGETS = ("agent", "gateway", "sidecar")  # where `instrument --to` points apps

# Sections of `otelgen --help`, in this order; a command names its own.
GENERATE = "Generate"
CHECK = "Check"
ADOPT = "Adopt what you run today"
REFERENCE = "Reference and shell"
SECTIONS = (GENERATE, CHECK, ADOPT, REFERENCE)

MAIN_EXAMPLES = """\
examples:
  otelgen render gateway                          # production-sane gateway, no file needed
  otelgen render agent -f my-agent.yaml -o out/   # one file per object, written atomically
  otelgen render sidecar --set exporters.otlp.endpoint=gw.obs:4317
  otelgen inject -f app-deployment.yaml           # add the collector sidecar to an app
  otelgen instrument -f app-deployment.yaml       # point the app's SDK at the node agent
  otelgen validate examples/*.yaml                # check specs in CI
  otelgen lint collector.yaml k8s/*.yaml          # find what breaks existing deployments
  otelgen import collector.yaml -o spec.yaml      # bring an existing config into a spec
  otelgen kustomize -f spec.yaml -o base/         # a Kustomize base for GitOps
  otelgen schema > otelgen-collector.json         # JSON Schema for editors and CI
  otelgen size --rate 50k/s --interval 5m         # what SDK batching really does at that rate
  eval "$(otelgen completion bash)"               # tab completion (also zsh, fish)

Exit codes: 0 ok, 1 findings (lint), 2 bad input or bad usage.
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
  otelgen render agent --format operator          # OpenTelemetryCollector + Instrumentation CRs

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

SIZE_EXAMPLES = """\
examples:
  otelgen size --rate 50k/s --interval 5m
  otelgen size --interval 5m --max-queue 2048 --max-batch 512 --rate 20/s
  otelgen size -f gateway.yaml --rate 200/s --collector-rate 40k/s

Warnings W110-W114 on stderr (docs/errors.md); exit code 2 on bad input.
"""

INSTRUMENT_EXAMPLES = """\
examples:
  otelgen instrument -f app.yaml | kubectl apply -f -                # to the node's agent
  otelgen instrument -f app.yaml --to gateway --spec gateway.yaml
  otelgen instrument -f app.yaml --via host-ip --set service.hostPorts=true  # node IP + the agent's hostPort
  otelgen inject -f app.yaml | otelgen instrument -f - --to sidecar  # sidecar on localhost
  otelgen instrument -f app.yaml --set apps.batch.interval=10s --set apps.protocol=http/protobuf

Adds OTEL_EXPORTER_OTLP_ENDPOINT/PROTOCOL, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES
(k8s.* from the downward API), OTEL_PROPAGATORS, OTEL_TRACES_SAMPLER and the batch
settings (OTEL_BSP_*, OTEL_BLRP_*) to every container of every Deployment, StatefulSet,
DaemonSet, ReplicaSet, Job, CronJob and Pod. The collector's name, namespace and ports
come from the spec (--spec/--set, as for render). Existing OTEL_* values are kept
(W116) unless --force. See docs/apps.md.
"""

SCHEMA_EXAMPLES = """\
examples:
  otelgen schema > otelgen-collector.json
  check-jsonschema --schemafile schemas/otelgen-collector.json examples/*.yaml
"""

KUSTOMIZE_EXAMPLES = """\
examples:
  otelgen kustomize -f examples/gateway-default.yaml -o deploy/base
  kustomize build deploy/base | kubectl apply -f -
"""

COMPLETION_EXAMPLES = """\
examples:
  eval "$(otelgen completion bash)"                             # this bash session
  otelgen completion bash > ~/.local/share/bash-completion/completions/otelgen
  otelgen completion zsh > "${fpath[1]}/_otelgen"               # zsh (compinit)
  otelgen completion fish > ~/.config/fish/completions/otelgen.fish

The script calls otelgen back with _OTELGEN_COMPLETE set to complete commands,
options and choices.
"""


# ---------------------------------------------------------------- click classes


class Command(click.Command):
    """A command whose epilog (the examples) is printed verbatim, not rewrapped,
    and which belongs to one section of the top-level help."""

    def __init__(self, *args: Any, section: str = REFERENCE, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.section = section

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if self.epilog:
            formatter.write("\n" + self.epilog)


class Group(click.Group):
    """The top level: commands listed by section, examples verbatim."""

    command_class = Command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        by_section: dict[str, list[tuple[str, str]]] = {}
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is None or cmd.hidden:
                continue
            section = getattr(cmd, "section", REFERENCE)
            by_section.setdefault(section, []).append((name, cmd.get_short_help_str(limit=formatter.width)))
        order = list(SECTIONS) + sorted(set(by_section) - set(SECTIONS))
        for section in order:
            if by_section.get(section):
                with formatter.section(section):
                    formatter.write_dl(by_section[section])

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)  # in the order they are defined below, not sorted

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if self.epilog:
            formatter.write("\n" + self.epilog)


CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _version() -> str:
    from otelgen import __version__

    return __version__


@click.group(PROG, cls=Group, context_settings=CONTEXT, epilog=MAIN_EXAMPLES, no_args_is_help=True)
@click.version_option(_version(), "--version", prog_name=PROG, message="%(prog)s %(version)s")
def cli() -> None:
    """Render OpenTelemetry Collector deployments for Kubernetes from a typed spec."""


def _files(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Shell completion of file names (the shell lists them) for path parameters kept
    as plain strings: otelgen reads the files itself and reports problems with its IDs."""
    from click.shell_completion import CompletionItem

    return [CompletionItem(incomplete, type="file")]


def _dirs(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    from click.shell_completion import CompletionItem

    return [CompletionItem(incomplete, type="dir")]


def spec_options(*file_flags: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The spec inputs shared by render, inject and kustomize: files and --set."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn = click.option("--set", "sets", multiple=True, metavar="PATH=VALUE", help="override one value, e.g. exporters.otlp.endpoint=gw:4317 (repeatable)")(fn)
        return click.option(*file_flags, "files", multiple=True, metavar="SPEC", shell_complete=_files, help="spec file (repeatable; later files merge over earlier ones; - for stdin)")(fn)

    return decorate


def _report(problems: Any, stream: Any = None) -> None:
    stream = stream or sys.stderr
    for problem in problems:
        print(problem.render(), file=stream)


# ---------------------------------------------------------------- commands: generate


@cli.command(section=GENERATE, epilog=RENDER_EXAMPLES, short_help="render manifests for a mode")
@click.argument("mode", required=False, type=click.Choice(MODES), metavar="[MODE]")
@spec_options("-f", "--file")
@click.option("-o", "--output", metavar="DIR", shell_complete=_dirs, help="write one file per object into DIR (replaced atomically); default: one YAML stream on stdout")
@click.option("--config-only", is_flag=True, help="print only the collector config")
@click.option("--format", "output_format", type=click.Choice(["manifests", "operator"]), default="manifests", show_default=True, help="manifests: plain Kubernetes objects; operator: an OpenTelemetryCollector (v1beta1) and an Instrumentation (v1alpha1) for the OpenTelemetry Operator (docs/operator.md)")
def render(mode: str | None, files: tuple[str, ...], sets: tuple[str, ...], output: str | None, config_only: bool, output_format: str) -> int:
    """Render the collector config and every Kubernetes object for agent, gateway, statefulset or sidecar.

    MODE: agent (DaemonSet), gateway (Deployment), statefulset (StatefulSet with a volume per pod) or sidecar; optional when the spec file sets spec.mode.
    """
    from otelgen import render as rendering
    from otelgen import yamlio

    if config_only:
        config, warnings = rendering.render_config(mode, list(files), list(sets))
        _report(warnings)
        sys.stdout.write(yamlio.dump(config))
        return EXIT_OK
    if output_format == "operator":
        objects, warnings = rendering.render_operator(mode, list(files), list(sets))
    else:
        objects, warnings = rendering.render(mode, list(files), list(sets))
    _report(warnings)
    if output:
        names = rendering.write_directory(objects, output)
        print(f"wrote {len(names)} objects to {output}", file=sys.stderr)
    else:
        sys.stdout.write(rendering.write_stream(objects))
    return EXIT_OK


@cli.command(section=GENERATE, epilog=INJECT_EXAMPLES, short_help="add the collector sidecar to app manifests")
@click.option("-f", "--file", "app", required=True, metavar="APP_YAML", shell_complete=_files, help="app manifest (multi-document YAML, - for stdin)")
@spec_options("--spec")
def inject(app: str, files: tuple[str, ...], sets: tuple[str, ...]) -> int:
    """Add the collector as a sidecar to the workloads in an app manifest."""
    from otelgen import inject as injecting
    from otelgen import yamlio

    documents, warnings = injecting.inject_file(app, list(files), list(sets))
    _report(warnings)
    sys.stdout.write(yamlio.dump_all(documents))
    return EXIT_OK


@cli.command(section=GENERATE, epilog=INSTRUMENT_EXAMPLES, short_help="point the apps' OpenTelemetry SDKs at the collector (OTEL_* env vars)")
@click.option("-f", "--file", "app", required=True, metavar="APP_YAML", shell_complete=_files, help="app manifest (multi-document YAML, - for stdin)")
@click.option("--to", "target", type=click.Choice(TARGETS), default="agent", show_default=True, help="where the apps send: the node's agent, the gateway, or a sidecar on localhost")
@spec_options("--spec")
@click.option("--via", type=click.Choice(["service", "host-ip"]), default="service", show_default=True, help="agent route: its Service with internalTrafficPolicy Local, or the node's IP (status.hostIP) and the agent's hostPort (needs service.hostPorts: true in the agent spec)")
@click.option("--force", is_flag=True, help="replace OTEL_* variables the containers already set (default: keep them, warning W116)")
def instrument(app: str, target: str, files: tuple[str, ...], sets: tuple[str, ...], via: str, force: bool) -> int:
    """Add the OpenTelemetry SDK environment variables (endpoint, protocol, service name,
    k8s.* resource attributes, sampler, batch settings) to every app container of the
    workloads in an app manifest."""
    from otelgen import instrument as instrumenting
    from otelgen import yamlio

    documents, warnings = instrumenting.instrument_file(app, target, list(files), list(sets), force, via)
    _report(warnings)
    sys.stdout.write(yamlio.dump_all(documents))
    return EXIT_OK


@cli.command(section=GENERATE, epilog=KUSTOMIZE_EXAMPLES, short_help="write a Kustomize base for a spec")
@spec_options("-f", "--file")
@click.option("-o", "--output", metavar="DIR", required=True, shell_complete=_dirs, help="directory to write (replaced atomically)")
def kustomize(files: tuple[str, ...], sets: tuple[str, ...], output: str) -> int:
    """Write a Kustomize base: kustomization.yaml, one file per object, the collector config in a configMapGenerator (its name hash rolls the pods)."""
    from otelgen import kustomize as kustomizing

    _report(kustomizing.write_base(list(files), list(sets), output))
    print(f"wrote a Kustomize base to {output}", file=sys.stderr)
    return EXIT_OK


# ---------------------------------------------------------------- commands: check


@cli.command(section=CHECK, epilog=VALIDATE_EXAMPLES, short_help="check specs without rendering")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...", shell_complete=_files)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text", show_default=True)
def validate(paths: tuple[str, ...], fmt: str) -> int:
    """Validate otelgen specs (schema and semantic checks)."""
    from otelgen import validate as validating

    return validating.run(list(paths), fmt)


@cli.command(section=CHECK, epilog=LINT_EXAMPLES, short_help="find what breaks collector deployments")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...", shell_complete=_files)
@click.option("--target-version", metavar="X.Y.Z", help="collector version to judge against (default: the image tag in manifests, else the pinned version)")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github", "sarif"]), default="text", show_default=True)
@click.option("--fail-on", type=click.Choice(["error", "warning"]), default="error", show_default=True, help="exit 1 when a finding is at least this severe")
@click.option("--distribution", type=click.Choice(["otelcol-k8s", "contrib", "otelcol-contrib", "any"]), default="otelcol-k8s", show_default=True, help="image raw configs are judged against (manifests: taken from the image); contrib (as in specs) = otelcol-contrib; any: skip the check")
@click.option("--fix", is_flag=True, help="rewrite each raw config file in place with the safe fixes, print each change")
def lint(paths: tuple[str, ...], target_version: str | None, fmt: str, fail_on: str, distribution: str, fix: bool) -> int:
    """Lint collector configs, Kubernetes manifests (also helm template output) and otelgen specs. Rules and fixes: docs/lint.md.

    PATH: collector config, manifests or spec (- for stdin).
    """
    from otelgen import versions
    from otelgen.errors import SpecError, error
    from otelgen.lint.model import Options

    if target_version is not None:
        try:
            versions.parse(target_version)
        except ValueError as exc:
            raise SpecError([error("E004", ["--target-version"], str(exc), f"e.g. --target-version {versions.PINNED_COLLECTOR_VERSION}")]) from None
    from otelgen.distributions import catalog_name

    options = Options(target_version=target_version, distribution=None if distribution == "any" else catalog_name(distribution))
    if fix:
        from otelgen.lint import fix as fixing

        return fixing.run(list(paths), options)
    from otelgen import lint as linting

    return linting.run(list(paths), options, fmt, fail_on)


# ---------------------------------------------------------------- commands: adopt


@cli.command(section=CHECK, epilog=SIZE_EXAMPLES, short_help="what batching really does at a rate: app SDK and collector")
@click.argument("mode", required=False, type=click.Choice(MODES), metavar="[MODE]")
@spec_options("-f", "--file")
@click.option("--rate", metavar="RATE", help="spans per second one app process finishes: 50k/s, 2/s, 3000/min")
@click.option("--interval", metavar="DURATION", help="SDK schedule delay: 5m, 300s, 500ms (default 5s)")
@click.option("--max-queue", type=int, metavar="N", help="SDK max queue size (default 2048)")
@click.option("--max-batch", type=int, metavar="N", help="SDK max export batch size (default 512)")
@click.option("--export-timeout", metavar="DURATION", help="SDK export timeout (default 30s)")
@click.option("--span-size", metavar="BYTES", help="assumed memory per queued item (default 1KiB)")
@click.option("--round-trip", metavar="DURATION", help="assumed duration of one export (default 10ms)")
@click.option("--collector-rate", metavar="RATE", help="items per second into one collector pod (default: --rate)")
def size(mode: str | None, files: tuple[str, ...], sets: tuple[str, ...], rate: str | None, interval: str | None, max_queue: int | None, max_batch: int | None, export_timeout: str | None, span_size: str | None, round_trip: str | None, collector_rate: str | None) -> int:
    """Print the effective export interval, when queues drop and the memory they need,
    for the apps' SDK batch processor and the collector (batch + sending_queue vs
    memory_limiter). Options override the spec's apps section. Model and assumptions:
    docs/apps.md.

    MODE: the collector for the collector-side numbers (default: the spec's mode, else gateway).
    """
    from otelgen import appsizing

    lines, warnings = appsizing.size_report(mode, list(files), list(sets), rate, interval, max_queue, max_batch, export_timeout, span_size, round_trip, collector_rate)
    _report(warnings)
    sys.stdout.write("\n".join(lines) + "\n")
    return EXIT_OK


@cli.command("import", section=ADOPT, epilog=IMPORT_EXAMPLES, short_help="turn a collector config or manifests into a spec")
@click.argument("path", metavar="PATH", shell_complete=_files)
@click.option("--mode", type=click.Choice(MODES), help="default: from the workload kind, else agent when the config reads node-local data, gateway otherwise")
@click.option("--target-version", metavar="X.Y.Z", help="collector version the spec targets (component names follow it); default: the image tag of the manifests when otelgen supports it, else the pinned version")
@click.option("-o", "--output", metavar="SPEC_YAML", shell_complete=_files, help="write the spec here (atomically); default: stdout")
def import_(path: str, mode: str | None, target_version: str | None, output: str | None) -> int:
    """Import a raw collector config, or the Kubernetes manifests that run one, as an otelgen spec.

    PATH: collector config, or multi-document manifests (also helm template output, Operator resources); - for stdin.
    """
    from otelgen import importer

    imported = importer.import_path(path, mode, target_version)
    _report(imported.notes.items + imported.warnings)
    for secret in imported.secrets:
        print(f"secret {secret.name}: {secret.command()}", file=sys.stderr)
    if output:
        from otelgen import atomic

        atomic.write_file(output, imported.text(), "-o")
        print(f"wrote {output}", file=sys.stderr)
    else:
        sys.stdout.write(imported.text())
    return EXIT_OK


# ---------------------------------------------------------------- commands: reference


@cli.command(section=REFERENCE, epilog=SCHEMA_EXAMPLES, short_help="print the JSON Schema of the spec")
def schema() -> int:
    """Print the JSON Schema of otelgen specs (the same as schemas/otelgen-collector.json)."""
    from otelgen import schema as schemas

    sys.stdout.write(schemas.spec_schema_text())
    return EXIT_OK


@cli.command(section=REFERENCE, epilog=COMPLETION_EXAMPLES, short_help="print the shell completion script")
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> int:
    """Print the tab-completion script for SHELL (bash, zsh or fish)."""
    from click.shell_completion import get_completion_class

    complete = get_completion_class(shell)(cli, {}, PROG, f"_{PROG.upper()}_COMPLETE")
    sys.stdout.write(complete.source().rstrip("\n") + "\n")
    return EXIT_OK


# ---------------------------------------------------------------- entry point


def _usage_line(exc: click.ClickException) -> str:
    """A click usage error as one problem line: error E000 <command>: <message> (hint: ...)."""
    from otelgen.errors import error

    ctx = getattr(exc, "ctx", None)
    where = ctx.command_path if ctx is not None else PROG
    message = " ".join(exc.format_message().split())
    hint = f"{where} --help lists the commands and options"
    return error("E000", [where], message, hint).render()


def _without_pydantic_plugins() -> None:
    """The CLI runs pydantic without third-party plugins. pydantic looks for them
    (entry points of every installed distribution, through importlib.metadata) when it
    builds its first validator: importing importlib.metadata and the scan were ~15% of
    a cold `otelgen render`, for a hook the CLI never uses. Only the CLI process is
    affected; otelgen imported as a library leaves pydantic as it is."""
    if "pydantic.plugin._loader" in sys.modules:
        return
    import types

    stub = types.ModuleType("pydantic.plugin._loader", "otelgen CLI: pydantic plugins are not loaded")
    stub.get_plugins = lambda: ()  # type: ignore[attr-defined]
    sys.modules["pydantic.plugin._loader"] = stub


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 1 findings, 2 bad input or usage)."""
    from otelgen.errors import SpecError

    _without_pydantic_plugins()

    args = list(sys.argv[1:] if argv is None else argv)
    try:
        code = cli.main(args=args, prog_name=PROG, standalone_mode=False)
    except SpecError as exc:
        _report(exc.problems)
        return EXIT_BAD_INPUT
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help())
        return EXIT_BAD_INPUT
    except click.ClickException as exc:  # UsageError and its kin: bad usage
        print(_usage_line(exc), file=sys.stderr)
        return EXIT_BAD_INPUT if isinstance(exc, click.UsageError) else exc.exit_code
    except click.Abort:
        print("aborted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # the last guard: every known class has its own ID before this
        from otelgen.errors import error

        _report([_unexpected(exc, error)])
        return EXIT_BAD_INPUT
    return EXIT_OK if code is None else int(code)


def _unexpected(exc: BaseException, error):
    """E099: an error no check foresaw, as one line (and never a traceback)."""
    if isinstance(exc, RecursionError):
        return error("E099", [], "the input nests too deeply for otelgen to follow", "flatten it; please report the input that got here, it should have had its own error")
    if isinstance(exc, MemoryError):
        return error("E099", [], "out of memory while reading or rendering the input", "check the input's size; please report it")
    if isinstance(exc, OSError):
        return error("E099", [], f"{exc.strerror or exc}{f' ({exc.filename})' if exc.filename else ''}", "check the paths and permissions; please report the command that got here, it should have had its own error")
    return error("E099", [], f"internal error: {type(exc).__name__}: {str(exc)[:200]}", "this is a bug in otelgen; please report the command and input")
