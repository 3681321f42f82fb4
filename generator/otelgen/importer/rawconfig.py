"""A raw collector config → the ``spec`` part of an otelgen spec.

Every component is found in the registry under any of its names and written
under the target version's name; its settings are fitted onto the typed
config (the rest under ``extra``).  Types otelgen does not model pass through
verbatim.  Pipelines keep their components, with memory_limiter moved first
and batch last."""

from __future__ import annotations

import re
from typing import Any

from otelgen import components, distributions, pipelinegraph
from otelgen.components.base import Component
from otelgen.errors import Collector, PathPart, Problem
from otelgen.importer import adapters, credentials, registry
from otelgen.importer.fit import fit
from otelgen.importer.notes import Notes
from otelgen.removed import RemovedComponent
from otelgen.spec.load import pydantic_problems
from otelgen.suggest import did_you_mean

SECTIONS = tuple(components.SECTIONS)  # receivers, processors, exporters, extensions, connectors
ROLES = ("receivers", "processors", "exporters")
_NAME = re.compile(r"^([a-z][a-z0-9_]*)(?:/([A-Za-z0-9_.-]+))?$")
_PIPELINE = re.compile(r"^(traces|metrics|logs)(/[A-Za-z0-9_.-]+)?$")

class Context:
    """Everything the conversion of one config needs, and what it found."""

    def __init__(self, config: dict[str, Any], mode: str, version: str, name: str, namespace: str, notes: Notes) -> None:
        self.config = config
        self.mode = mode
        self.version = version
        self.name = name
        self.namespace = namespace
        self.notes = notes
        self.problems = Collector()
        self.pod_env: list[dict[str, Any]] = []
        #: env var → Secret key, from the workload's env (manifest input)
        self.env_secrets: dict[str, dict[str, str]] = {}
        #: components the otelcol-k8s image lacks: (section, name, kind, type)
        self.not_in_k8s: list[tuple[str, str, str, str]] = []
        #: the image the input runs, when it names one (manifest input)
        self.image_repository: str | None = None
        #: (section, name in the input) → name in the spec
        self.renamed: dict[tuple[str, str], str] = {}

    def fail(self, id: str, path: list[PathPart], message: str, hint: str) -> None:
        self.problems.add(Problem(id, tuple(path), message, hint, "error", self.notes.source))


def convert(ctx: Context) -> dict[str, Any]:
    """The spec sections, pipelines and telemetry for ``ctx.config``."""
    _check_shape(ctx)
    ctx.problems.raise_if_errors()
    spec: dict[str, Any] = {}
    active_extensions = _active_extensions(ctx)
    for section in SECTIONS:
        spec[section] = _section(ctx, section, active_extensions)
    ctx.problems.raise_if_errors()
    spec["pipelines"] = _pipelines(ctx)
    ctx.problems.raise_if_errors()
    telemetry = _telemetry(ctx)
    ctx.problems.raise_if_errors()
    if telemetry:
        spec["telemetry"] = telemetry
    return spec


CONTRIB_IMAGE = distributions.DISTRIBUTIONS["contrib"].image


def distribution(ctx: Context) -> str | None:
    """The spec's ``distribution`` for what the config uses (None: the default, otelcol-k8s).

    contrib when the otelcol-contrib image at the target version has every component the
    otelcol-k8s image lacks (and the input names no other image); custom otherwise."""
    if not ctx.not_in_k8s:
        return None
    in_contrib = all(distributions.contains(kind, t, ctx.version, "contrib") for _, _, kind, t in ctx.not_in_k8s)
    other_image = ctx.image_repository is not None and not ctx.image_repository.endswith(CONTRIB_IMAGE.split("/", 1)[1])
    chosen = "contrib" if in_contrib and not other_image else "custom"
    for section, name, kind, type_name in ctx.not_in_k8s:
        if chosen == "contrib":
            why, hint = f"the otelcol-contrib image {ctx.version} has it: the spec says distribution: contrib", f"the pod runs {CONTRIB_IMAGE}; set distribution: custom and spec.image for your own build"
        elif other_image and in_contrib:
            why, hint = f"the input runs its own image {ctx.image_repository}: the spec says distribution: custom", "set distribution: contrib to run the otelcol-contrib image, which has it"
        else:
            has = "has it" if distributions.contains(kind, type_name, ctx.version, "contrib") else "lacks it too"
            why, hint = f"the otelcol-contrib image {ctx.version} {has}: the spec says distribution: custom", "set spec.image to a collector build that has it"
        ctx.notes.warn("W202", [section, name], f"{kind} type {type_name!r} is not in the otelcol-k8s image; {why}", hint)
    if chosen == "contrib":
        named = ", ".join(sorted({f"{kind} {t}" for _, _, kind, t in ctx.not_in_k8s}))
        ctx.notes.change("C308", ["distribution"], f"distribution contrib: the otelcol-k8s image lacks {named}, the otelcol-contrib image {ctx.version} has them", "set distribution: custom and spec.image to run your own build instead", in_config=False)
    return chosen


# ------------------------------------------------------------------ shape


def _mapping(ctx: Context, value: Any, path: list[PathPart], what: str) -> bool:
    if value is None or isinstance(value, dict):
        return True
    ctx.fail("E004", path, f"expected a mapping of {what}, got {type(value).__name__}", "see the collector's configuration docs: sections are mappings of name → settings")
    return False


def _check_shape(ctx: Context) -> None:
    for section in SECTIONS:
        _mapping(ctx, ctx.config.get(section), [section], "components")
    service = ctx.config.get("service")
    if not isinstance(service, dict):
        ctx.fail("E004", ["service"], "a collector config needs a service section with pipelines", "add service: {pipelines: {traces: {receivers: [...], exporters: [...]}}}")
        return
    if not isinstance(service.get("pipelines"), dict) or not service["pipelines"]:
        ctx.fail("E004", ["service", "pipelines"], "expected a mapping of pipelines", "e.g. pipelines: {traces: {receivers: [otlp], exporters: [otlp]}}")
    else:
        for pname, pipeline in service["pipelines"].items():
            if not isinstance(pipeline, dict):
                ctx.fail("E004", ["service", "pipelines", str(pname)], f"expected a mapping with receivers/processors/exporters, got {type(pipeline).__name__}", "e.g. {receivers: [otlp], exporters: [otlp]}")
                continue
            for role in ROLES:
                refs = pipeline.get(role)
                if refs is not None and not (isinstance(refs, list) and all(isinstance(r, str) for r in refs)):
                    ctx.fail("E004", ["service", "pipelines", str(pname), role], "expected a list of component names", f"e.g. {role}: [otlp]")
    extensions = service.get("extensions")
    if extensions is not None and not (isinstance(extensions, list) and all(isinstance(e, str) for e in extensions)):
        ctx.fail("E004", ["service", "extensions"], "expected a list of extension names", "e.g. extensions: [health_check]")


# ------------------------------------------------------------------ components


def _active_extensions(ctx: Context) -> list[str]:
    listed = ctx.config["service"].get("extensions") or []
    defined = ctx.config.get("extensions") or {}
    for i, name in enumerate(listed):
        if name not in defined:
            ctx.fail("E010", ["service", "extensions", i], *pipelinegraph.undefined_extension(str(name), sorted(map(str, defined))))
    return list(listed)


def _section(ctx: Context, section: str, active_extensions: list[str]) -> dict[str, Any]:
    kind = components.SECTIONS[section]
    out: dict[str, Any] = {}
    for name, raw in (ctx.config.get(section) or {}).items():
        path: list[PathPart] = [section, str(name)]
        match = _NAME.match(name) if isinstance(name, str) else None
        if not match:
            ctx.fail("E017", path, f"{name!r} is not a component name", "type[/name], e.g. otlp or otlp/backend")
            continue
        if section == "extensions" and name not in active_extensions:
            ctx.notes.change("C305", path, f"extension {name} dropped: service.extensions does not enable it")
            continue
        comp, gone = registry.find(kind, match[1])
        if gone is not None and gone.fix == "drop":
            ctx.notes.change("C305", path, f"{name} dropped: removed in {gone.removed_in}; {registry.advice(gone, ctx.version)}")
            continue
        if raw is not None and not isinstance(raw, dict):
            ctx.fail("E004", path, f"expected a mapping of settings, got {type(raw).__name__}", "use {} for the defaults")
            continue
        if gone is not None and comp is None:
            ctx.notes.warn("W205", path, f"{kind} {match[1]!r} was removed in {gone.removed_in}: passed through as written", registry.advice(gone, ctx.version))
        raw = _bare_env(ctx, raw or {}, [section, name]) if match[1] != "prometheus" else raw or {}
        raw = _removed_keys(ctx, kind, comp, gone, section, name, raw) if comp else raw
        spec_name, config = (_known(ctx, comp, section, name, match[2], raw) if comp else _unknown(ctx, kind, section, name, match[1], raw))
        if spec_name in out:
            first = next(k for (s, k), v in ctx.renamed.items() if s == section and v == spec_name)
            ctx.fail("E010", path, f"{name} and {first} are the same component under its old and new name", "keep one of them")
            continue
        ctx.renamed[(section, name)] = spec_name
        out[spec_name] = config
    return out


_BARE_ENV = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)$")


def _bare_env(ctx: Context, value: Any, path: list[PathPart]) -> Any:
    """``$VAR`` (a whole value) → ``${env:VAR}``: bare references are no longer expanded."""
    if isinstance(value, dict):
        return {k: _bare_env(ctx, v, [*path, str(k)]) for k, v in value.items()}
    if isinstance(value, list):
        return [_bare_env(ctx, v, [*path, i]) for i, v in enumerate(value)]
    match = _BARE_ENV.match(value) if isinstance(value, str) else None
    if match is None:
        return value
    ctx.notes.change("C306", path, f"${match[1]} became ${{env:{match[1]}}}", "collectors since 0.104 no longer expand bare $VAR; they would use the text as it is")
    return f"${{env:{match[1]}}}"


def _removed_keys(ctx: Context, kind: str, comp: type[Component], gone: RemovedComponent | None, section: str, name: str, raw: dict[str, Any]) -> dict[str, Any]:
    """Settings the collector removed, renamed or dropped as otelgen.removed says."""
    out = dict(raw)
    for old, (new, values) in (gone.key_renames.items() if gone else ()):
        if old in out:
            _rename_key(ctx, out, [section, name], old, new, values)
    for key in registry.removed_keys(kind, comp):
        if len(key.path) != 1 or key.path[0] not in out:
            continue
        if key.rename_to:
            _rename_key(ctx, out, [section, name], key.path[0], key.rename_to, key.value_map)
        else:
            out.pop(key.path[0])
            ctx.notes.change("C305", [section, name, key.path[0]], f"{key.path[0]} dropped (removed in {key.removed_in})", key.advice)
    return out


def _rename_key(ctx: Context, config: dict[str, Any], path: list[PathPart], old: str, new: str, values: dict[str, str]) -> None:
    value = config.pop(old)
    value = values.get(str(value).lower(), value) if values else value
    if new not in config:
        config[new] = value
    ctx.notes.change("C306", [*path, old], f"{old}: {_show(value, values)} became {new}: {config[new]}")


def _show(value: Any, values: dict[str, str]) -> str:
    originals = [k for k, v in values.items() if v == value]
    return "/".join(originals) if originals else str(value)


def _place(ctx: Context, section: str, name: str) -> credentials.Place:
    return credentials.Place(ctx.name, ctx.namespace, section, name)


def _known(ctx: Context, comp: type[Component], section: str, name: str, suffix: str | None, raw: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    spec_name = comp.type_name(ctx.version) + (f"/{suffix}" if suffix else "")
    place = _place(ctx, section, name)
    shaped = adapters.adapt(comp, raw, adapters.Adapting(section, name, ctx.mode, ctx.notes, place, ctx.env_secrets))
    fitted = fit(comp.config_model, shaped)
    config = fitted.config
    if fitted.error is not None:
        for p in pydantic_problems(fitted.error, (section, name), comp.config_model):
            ctx.fail(p.id, list(p.path), p.message, p.hint)
    for path, why in fitted.moved:
        ctx.notes.warn("W206", [section, name, *path], f"kept verbatim under extra: otelgen's model refuses it ({why})", "the collector judges it; otelgen derives nothing (ports, RBAC, checks) from it")
    # credentials the typed places did not take (free-form settings, extra) go through env
    config = credentials.verbatim_to_env(config, place, ctx.notes, ctx.pod_env)
    if "extra" in config:
        _warn_files(ctx, config["extra"], [section, name])
    return spec_name, config


def _unknown(ctx: Context, kind: str, section: str, name: str, type_name: str, raw: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    if not distributions.contains(kind, type_name, ctx.version):
        ctx.not_in_k8s.append((section, name, kind, type_name))
    config = credentials.verbatim_to_env(raw, _place(ctx, section, name), ctx.notes, ctx.pod_env)
    _warn_files(ctx, config, [section, name])
    return name, config


def _warn_files(ctx: Context, value: Any, path: list[PathPart]) -> None:
    """Settings naming files: otelgen passes them through but mounts nothing for them."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and key.endswith("_file") and isinstance(item, str) and item:
                ctx.notes.warn("W201", [*path, key], f"file {item} is passed through, but otelgen mounts nothing there", "TLS: use spec.tls or the exporter's tls.ca_secret/cert_secret; otherwise mount it yourself")
            else:
                _warn_files(ctx, item, [*path, str(key)])
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _warn_files(ctx, item, [*path, i])


# ------------------------------------------------------------------ pipelines


def _pipelines(ctx: Context) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pname, pipeline in ctx.config["service"]["pipelines"].items():
        path: list[PathPart] = ["service", "pipelines", str(pname)]
        if not isinstance(pname, str) or not _PIPELINE.match(pname):
            ctx.fail("E004", path, f"pipeline {pname!r}: name must be traces, metrics or logs, optionally followed by /name", "rename the pipeline")
            continue
        entry: dict[str, list[str]] = {}
        for role in ROLES:
            entry[role] = [_ref(ctx, role, ref, [*path, role, i]) for i, ref in enumerate(pipeline.get(role) or [])]
        entry["processors"] = _ordered(ctx, entry["processors"], [*path, "processors"])
        out[pname] = entry
    return out


def _ref(ctx: Context, role: str, ref: str, path: list[PathPart]) -> str:
    sections = (role, "connectors") if role != "processors" else (role,)
    for section in sections:
        if (section, ref) in ctx.renamed:
            return ctx.renamed[(section, ref)]
    defined = sorted(n for (s, n) in ctx.renamed if s == role) + sorted(n for (s, n) in ctx.renamed if s == "connectors" and role != "processors")
    ctx.fail("E010", path, *pipelinegraph.undefined(ref, role, defined))  # the planner's and lint's wording
    return ref


def _order(ctx: Context, ref: str) -> str | None:
    comp = components.lookup("processor", ref.split("/")[0])
    return comp.order if comp else None


def _ordered(ctx: Context, processors: list[str], path: list[PathPart]) -> list[str]:
    """memory_limiter first and batch last, everything else in its order."""
    first = [p for p in processors if _order(ctx, p) == "first"]
    last = [p for p in processors if _order(ctx, p) == "batch"]
    ordered = first + [p for p in processors if p not in first and p not in last] + last
    for name in first + last:
        if processors.index(name) != ordered.index(name):
            where = "first" if name in first else "last"
            ctx.notes.change("C304", path, f"{name} moved {where} (was at position {processors.index(name)})", "memory_limiter must refuse data before other processors spend memory; batching drops the request context later processors need")
    return ordered


# ------------------------------------------------------------------ telemetry

_LEVELS = {"debug": "debug", "info": "info", "warn": "warn", "warning": "warn", "error": "error"}


#: the keys the collector's service.telemetry decodes (otelconftelemetry); any other is refused
TELEMETRY_KEYS = ("logs", "metrics", "traces", "resource")


def _telemetry(ctx: Context) -> dict[str, Any]:
    telemetry = ctx.config["service"].get("telemetry")
    path: list[PathPart] = ["service", "telemetry"]
    if telemetry is None:
        return {}
    if not isinstance(telemetry, dict):
        ctx.notes.warn("W201", path, "service.telemetry is not a mapping: dropped", "see spec.telemetry")
        return {}
    out: dict[str, Any] = {}
    unknown = sorted(str(k) for k in telemetry if k not in TELEMETRY_KEYS)
    for key in unknown:
        ctx.fail("E003", [*path, key], f"unknown field {key!r}: the collector refuses it ('service.telemetry' has invalid keys)", f"{did_you_mean(key, TELEMETRY_KEYS, after=' ')}service.telemetry has {', '.join(TELEMETRY_KEYS)}")
    if unknown:
        return {}
    for key, value in telemetry.items():
        if key == "logs" and isinstance(value, dict):
            _telemetry_logs(ctx, value, out, [*path, "logs"])
        elif key == "metrics" and isinstance(value, dict):
            _telemetry_metrics(ctx, value, out, [*path, "metrics"])
        else:
            ctx.notes.warn("W201", [*path, str(key)], f"service.telemetry.{key} cannot be carried: dropped", "spec.telemetry has logLevel and metricsPort; otelgen renders the rest")
    return out


def _telemetry_logs(ctx: Context, logs: dict[str, Any], out: dict[str, Any], path: list[PathPart]) -> None:
    for key, value in logs.items():
        if key == "level" and str(value).lower() in _LEVELS:
            out["logLevel"] = _LEVELS[str(value).lower()]
        elif key == "encoding" and value == "json":
            continue  # what otelgen renders
        else:
            ctx.notes.warn("W201", [*path, str(key)], f"logs.{key} cannot be carried: dropped", "otelgen logs JSON at spec.telemetry.logLevel")


def _telemetry_metrics(ctx: Context, metrics: dict[str, Any], out: dict[str, Any], path: list[PathPart]) -> None:
    for key, value in metrics.items():
        port = None
        if key == "address":
            port = adapters.listen_port(value, adapters.Adapting("service", "telemetry", ctx.mode, ctx.notes, _place(ctx, "service", "telemetry")), "metrics", "address")
            ctx.notes.change("C306", [*path, "address"], "metrics.address (removed in 0.128) became a Prometheus pull reader")
        elif key == "readers" and isinstance(value, list):
            port = _reader_port(value)
            if port is None or len(value) > 1:
                ctx.notes.warn("W201", [*path, "readers"], "only one Prometheus pull reader is carried (its port)", "otelgen renders one pull reader on spec.telemetry.metricsPort")
        elif key == "level":
            if value != "normal":
                ctx.notes.warn("W201", [*path, "level"], f"metrics level {value!r} cannot be carried: otelgen renders level normal", "")
            continue
        else:
            ctx.notes.warn("W201", [*path, str(key)], f"metrics.{key} cannot be carried: dropped", "spec.telemetry has metricsPort")
        if port is not None:
            out["metricsPort"] = port


def _reader_port(readers: list[Any]) -> int | None:
    for reader in readers:
        try:
            port = reader["pull"]["exporter"]["prometheus"]["port"]
        except (KeyError, TypeError):
            continue
        if isinstance(port, int):
            return port
    return None
