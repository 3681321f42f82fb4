"""What the collector removed: component types, config keys and CLI flags.

The one table of facts the component registry (which only knows components
that still exist) lacks.  ``otelgen lint`` judges configs against it and
``lint --fix`` applies the replacements; the renderer may consult it too.
Sources: the collector changelogs (see /docs/lint.md for the versions).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class RemovedComponent:
    kind: str  # "exporter"
    type_name: str  # "logging"
    removed_in: str  # first collector version without it
    #: (kind, registry id) of the replacement, None when there is none
    replacement: tuple[str, str] | None
    #: what to do; ``{replacement}`` stands for the replacement's type name in the target version
    advice: str
    #: config keys renamed on the way to the replacement: old key → (new key, value map)
    key_renames: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)
    #: what ``lint --fix`` may do: rename to the replacement, drop the component, or
    #: nothing (None: the replacement needs a human, e.g. another port or kind)
    fix: Literal["rename", "drop"] | None = None


@dataclass(frozen=True)
class RemovedKey:
    kind: str  # "exporter", "processor", ... or "service"
    type_names: tuple[str, ...]  # component types the key belonged to (empty for service)
    path: tuple[str, ...]  # key path inside the component config (or under service)
    removed_in: str
    advice: str
    #: new key name (same parent) and value map, when it was a rename
    rename_to: str | None = None
    value_map: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RemovedFlag:
    flag: str
    removed_in: str
    advice: str


_LOGLEVEL_TO_VERBOSITY = {"debug": "detailed", "info": "normal", "warn": "basic", "error": "basic"}

COMPONENTS: tuple[RemovedComponent, ...] = (
    RemovedComponent("exporter", "logging", "0.111.0", ("exporter", "debug"), "use the {replacement} exporter (loglevel became verbosity: basic, normal or detailed)",
                     key_renames={"loglevel": ("verbosity", _LOGLEVEL_TO_VERBOSITY)}, fix="rename"),
    RemovedComponent("exporter", "jaeger", "0.85.0", ("exporter", "otlp"), "Jaeger ingests OTLP natively: export with {replacement} to the Jaeger collector's port 4317"),
    RemovedComponent("exporter", "jaegerthrifthttp", "0.85.0", ("exporter", "otlp_http"), "Jaeger ingests OTLP natively: export with {replacement} to the Jaeger collector's port 4318"),
    RemovedComponent("extension", "memory_ballast", "0.109.0", None, "remove it and set the GOMEMLIMIT env var (80% of the container memory limit) instead", fix="drop"),
    RemovedComponent("processor", "spanmetrics", "0.96.0", ("connector", "spanmetrics"), "use the {replacement} connector: exporter of the traces pipeline, receiver of a metrics pipeline"),
    RemovedComponent("processor", "k8s_tagger", "0.37.0", ("processor", "k8s_attributes"), "renamed: use {replacement}", fix="rename"),
)

KEYS: tuple[RemovedKey, ...] = (
    RemovedKey("exporter", ("debug",), ("loglevel",), "0.111.0", "loglevel became verbosity (basic, normal or detailed)", rename_to="verbosity", value_map=_LOGLEVEL_TO_VERBOSITY),
    RemovedKey("processor", ("memory_limiter",), ("ballast_size_mib",), "0.39.0", "the ballast is gone: drop the key and set GOMEMLIMIT"),
    RemovedKey("service", (), ("telemetry", "metrics", "address"), "0.128.0", "use service.telemetry.metrics.readers: [{pull: {exporter: {prometheus: {host: ${env:MY_POD_IP}, port: 8888}}}}]"),
)

FLAGS: tuple[RemovedFlag, ...] = (
    RemovedFlag("--mem-ballast-size-mib", "0.36.0", "drop it and set the GOMEMLIMIT env var"),
    RemovedFlag("--log-level", "0.38.0", "set service.telemetry.logs.level in the config"),
    RemovedFlag("--log-profile", "0.38.0", "set service.telemetry.logs in the config"),
    RemovedFlag("--log-format", "0.38.0", "set service.telemetry.logs.encoding in the config"),
    RemovedFlag("--metrics-level", "0.43.0", "set service.telemetry.metrics.level in the config"),
    RemovedFlag("--metrics-addr", "0.43.0", "set service.telemetry.metrics.readers in the config"),
)


def component(kind: str, type_name: str) -> RemovedComponent | None:
    """The removed component of this kind and type, None when it was not removed."""
    for entry in COMPONENTS:
        if entry.kind == kind and entry.type_name == type_name:
            return entry
    return None


def flag(arg: str) -> RemovedFlag | None:
    """The removed flag ``arg`` uses (``--log-level=debug`` or ``--log-level``)."""
    name = arg.split("=", 1)[0]
    for entry in FLAGS:
        if name == entry.flag:
            return entry
    return None
