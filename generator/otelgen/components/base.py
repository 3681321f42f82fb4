"""What a component declares about itself.

A component is one class: its typed config (a pydantic model), the type names it
has had across collector versions, the signals it handles, and a ``declare``
method returning what it needs from Kubernetes (ports, RBAC rules, env,
volumes, egress).  Renderers only ever collect these declarations.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from otelgen import versions
from otelgen.components.declare import Check, CheckFailed, Declaration, check

Kind = Literal["receiver", "processor", "exporter", "extension", "connector"]
Signal = Literal["traces", "metrics", "logs"]
#: k8sconfig.APIConfig auth_type: what the Kubernetes components accept
AuthType = Literal["none", "serviceAccount", "kubeConfig", "tls"]
ALL_SIGNALS: tuple[Signal, ...] = ("traces", "metrics", "logs")
CONFIG_DIR = "/conf"  # where the pod mounts the collector config, read-only (components must not write there)
ENV_PREFIX = "OTELGEN"  # env vars otelgen adds for secret references: OTELGEN_<INSTANCE>_<PARTS>


#: a Go time.Duration as the collector parses it ("100ms", "1m30s", "0"), or an env reference
DURATION_PATTERN = r"^(?:[-+]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:ns|us|µs|μs|ms|s|m|h))+|[-+]?0|\$\{[^}]+\})$"
Duration = Annotated[str, Field(pattern=DURATION_PATTERN, description="A Go duration: 200ms, 5s, 1m30s.")]


#: a whole-value env reference, which the collector expands before it decodes the
#: field: it may stand where an integer or a boolean is expected
ENV_REF_PATTERN = r"^\$\{(?:env:)?[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$"
EnvRef = Annotated[str, Field(pattern=ENV_REF_PATTERN)]



class CollectorRule(ValueError):
    """A config the collector itself refuses (a component's ``Validate()`` rule).

    Import keeps a setting otelgen's model refuses verbatim under ``extra`` (W206)
    when the refusal is otelgen's own; a collector rule stops it instead: the
    collector would refuse the rendered config."""


class ComponentConfig(BaseModel):
    """Base of every typed component config.

    Field names are the collector's own (snake_case) so the collector docs
    apply.  ``extra`` is the escape hatch: settings otelgen does not model,
    merged verbatim over the rendered config and judged by the collector.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)

    extra: dict[str, Any] = Field(default_factory=dict, description="Settings otelgen does not model, merged verbatim into this component's config.")

    #: fields whose constraints (e.g. min_length) are the collector's own rules: import
    #: refuses a value they refuse instead of keeping it under extra
    collector_rules: ClassVar[tuple[str, ...]] = ()

    #: field paths whose value names an extension (e.g. ("sending_queue", "storage"))
    extension_fields: ClassVar[tuple[tuple[str, ...], ...]] = ()

    #: the component's declared checks (``Declaration.checks``; set by its Component class)
    checks: ClassVar[tuple[Check, ...]] = ()

    @model_validator(mode="after")
    def _declared_checks(self, info: ValidationInfo) -> "ComponentConfig":
        """The one place a component's validation rules run: its declared checks
        (otelgen.components.declare.check; the chart's otelgen.checkComponent runs the same)."""
        if self.checks:
            version = (info.context or {}).get("collector_version") or versions.PINNED_COLLECTOR_VERSION
            failed = check(self.checks, self.model_dump(by_alias=True), version)
            if failed is not None:
                raise failed
        return self

    def deprecations(self) -> list[tuple[tuple[str, ...], str, str]]:
        """Settings written in a shape otelgen still takes but no longer prefers:
        (path, message, hint); the planner warns W104 for each."""
        return []

    def extension_refs(self) -> list[tuple[tuple[str, ...], str]]:
        """Extensions this config names: (field path, extension name)."""
        refs = []
        for path in self.extension_fields:
            value: Any = self
            for part in path:
                value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
            if value:
                refs.append((path, value))
        return refs


class SecretRef(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    name: str = Field(min_length=1, description="Secret name (same namespace).")
    key: str = Field(min_length=1, description="Key inside the Secret.")


class SecretValue(BaseModel):
    """A credential taken from a Kubernetes Secret at runtime."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)
    secret_ref: SecretRef = Field(alias="secretRef")
    prefix: str = Field(default="", description="Literal text before the secret, e.g. 'Bearer '.")


# ---------------------------------------------------------------- declarations


@dataclass(frozen=True)
class Port:
    name: str  # IANA_SVC_NAME: ≤15 chars, lowercase, dashes
    port: int
    protocol: Literal["TCP", "UDP"] = "TCP"
    app_protocol: str | None = None
    service: bool = True  # exposed on the Service (receivers); False: container only
    ingress: bool = True  # reachable through the NetworkPolicy


@dataclass(frozen=True)
class RbacRule:
    api_groups: tuple[str, ...]
    resources: tuple[str, ...]
    verbs: tuple[str, ...]
    namespaced: bool = False  # True: a Role in the collector's namespace


@dataclass(frozen=True)
class EnvVar:
    name: str
    field_path: str | None = None
    secret: SecretRef | None = None
    value: str | None = None


@dataclass(frozen=True)
class Mount:
    name: str
    mount_path: str
    read_only: bool
    host_path: str | None = None
    host_path_type: str | None = None
    empty_dir_mib: int | None = None
    secret_name: str | None = None
    secret_items: tuple[tuple[str, str], ...] = ()  # (key, path)
    api_token_seconds: int | None = None  # a projected service-account token (+ CA, namespace) of this lifetime


@dataclass(frozen=True)
class Egress:
    """Where an exporter sends: the port, and the peers when the spec says."""

    port: int | None
    protocol: Literal["TCP", "UDP"] = "TCP"
    reason: str = ""


@dataclass
class Needs:
    """Everything one component asks of the pod around it."""

    ports: list[Port] = field(default_factory=list)
    rbac: list[RbacRule] = field(default_factory=list)
    env: list[EnvVar] = field(default_factory=list)
    mounts: list[Mount] = field(default_factory=list)
    egress: list[Egress] = field(default_factory=list)
    kubelet: bool = False  # talks to the node's kubelet (10250)
    scrape_pods: bool = False  # scrapes pods it discovers through the API (any port: networkPolicy.scrapeTo)
    single_writer: bool = False  # duplicates data when more than one replica runs it


@dataclass(frozen=True)
class Context:
    """What a component may know about where it is rendered."""

    mode: str  # a key of otelgen.modes.MODES
    collector_version: str
    instance: str  # "otlp/backend"
    bind_host: str  # "${env:MY_POD_IP}" or "localhost" (sidecar receivers)
    pod_host: str  # "${env:MY_POD_IP}" (health, telemetry)
    server_tls: dict[str, str] | None  # cert_file/key_file/client_ca_file for receivers
    leader_election: str | None  # name of the k8s_leader_elector extension, when on
    namespace: str
    name: str
    telemetry_port: int = 8888  # where the collector serves its own metrics (spec.telemetry.metricsPort)
    self_scrape: bool = True  # this instance is the one that scrapes the collector's own metrics (planning: self_scraper)

    def env_name(self, *parts: str) -> str:
        """An env var name unique to this component instance."""
        raw = "_".join((ENV_PREFIX, self.instance, *parts))
        return "".join(ch if ch.isalnum() else "_" for ch in raw).upper()


# ---------------------------------------------------------------- component


#: roles besides the planner's inserts (otelgen.planning.inserts.ROLES): what other parts of
#: otelgen find a component by, instead of naming it
LOOKUP_ROLES = {
    "otlp_server": "the receiver an Ingress or a Gateway API route fronts (otelgen.manifests.ingress)",
    "self_scraper": "the receiver that can scrape the collector's own metrics (otelgen.planning.prepare)",
}


class Component:
    """Subclasses set the class attributes and override what applies."""

    kind: ClassVar[Kind]
    id: ClassVar[str]  # canonical spec name
    #: (first collector version, type name), oldest first
    names: ClassVar[tuple[tuple[str, str], ...]]
    signals: ClassVar[tuple[Signal, ...]] = ALL_SIGNALS
    #: connectors: supported (from pipeline signal, to pipeline signal)
    connects: ClassVar[tuple[tuple[Signal, Signal], ...]] = ()
    #: processor ordering class: "first", "before_batch", "batch" or None
    order: ClassVar[str | None] = None
    #: the part it plays, by which the rest of otelgen (and the chart: files/otelgen.json
    #: components.*.role) finds it instead of naming it: the planner's own inserts (rows of
    #: otelgen.planning.inserts.INSERTS: "memory_guard", "batcher", "pod_metadata", "health",
    #: "leader_elector") and LOOKUP_ROLES; at most one component per role
    role: ClassVar[str | None] = None
    config_model: ClassVar[type[ComponentConfig]] = ComponentConfig
    description: ClassVar[str] = ""
    #: what it does, as data (otelgen.components.declare): build() and needs() interpret it
    declaration: ClassVar[Declaration] = Declaration()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        checks = cls.__dict__.get("declaration", Declaration()).checks
        if checks:
            if cls.config_model is ComponentConfig or cls.config_model.__dict__.get("checks", checks) != checks:
                raise TypeError(f"{cls.__name__}: declared checks need a config model of the component's own")
            cls.config_model.checks = checks

    @classmethod
    def type_name(cls, collector_version: str) -> str:
        """The type name this component has in the given collector version."""
        chosen = cls.names[0][1]
        for since, name in cls.names:
            if versions.at_least(collector_version, since):
                chosen = name
        return chosen

    @classmethod
    def all_names(cls) -> tuple[str, ...]:
        return tuple(name for _, name in cls.names)

    def __init__(self, config: ComponentConfig, ctx: Context) -> None:
        self.config = config
        self.ctx = ctx

    def settings(self) -> dict[str, Any]:
        """The typed settings as data: what the declaration is interpreted on."""
        return self.config.model_dump(exclude={"extra"}, exclude_none=True, by_alias=True)

    def _interpreted(self) -> tuple[dict[str, Any], Needs]:
        """The declaration interpreted once per instance (config and context do not change
        after construction); build() and needs() hand out copies."""
        cached = self.__dict__.get("_interpretation")
        if cached is None:
            from otelgen.components.declare import interpret

            cached = self._interpretation = interpret(self.declaration, self.settings(), self.ctx, owned=True)
        return cached

    def build(self) -> dict[str, Any]:
        """The component's collector config (without ``extra``)."""
        return copy_plain(self._interpreted()[0])

    def needs(self) -> Needs:
        n = self._interpreted()[1]
        return dataclasses.replace(n, ports=list(n.ports), rbac=list(n.rbac), env=list(n.env), mounts=list(n.mounts), egress=list(n.egress))

    # -- final
    def rendered_config(self) -> dict[str, Any]:
        return deep_merge(self._interpreted()[0], self.config.extra)  # deep_merge copies its base


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Merge ``override`` into a copy of ``base``: mappings merge, anything else
    (lists too) replaces, and ``None`` deletes a key that ``base`` has (helm semantics)."""
    out = copy_plain(base)
    for key, value in override.items():
        if value is None and key in out:
            del out[key]
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy_plain(value)
    return out


_ATOMS = (str, int, float, bool, type(None))


def copy_plain(value: Any) -> Any:
    """A deep copy of YAML-shaped data (dicts, lists, scalars): what copy.deepcopy gives,
    several times faster; anything else is handed to copy.deepcopy."""
    if isinstance(value, dict):
        return {k: copy_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_plain(v) for v in value]
    if isinstance(value, _ATOMS):
        return value
    return copy.deepcopy(value)


from otelgen.endpoints import host_port  # noqa: E402,F401  (the one endpoint parser; re-exported for the components)


#: enum fields whose values otelgen may not know all of: a refused value is kept under extra (W206)
OPEN_ENUMS = {"balancer_name"}


def is_collector_rule(err: dict[str, Any], model: type[BaseModel]) -> bool:
    """A pydantic error (``errors()`` item) that stands for a refusal of the collector's."""
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, CollectorRule) or (isinstance(cause, CheckFailed) and cause.collector):
        return True
    if err.get("type") == "string_pattern_mismatch" and (err.get("ctx") or {}).get("pattern") == DURATION_PATTERN:
        return True
    if err.get("type") == "literal_error" and not set(err.get("loc") or ()) & OPEN_ENUMS:
        return True  # the components' enums are the collector's own (compression, verbosity, ...)
    loc = error_loc(err)
    return bool(loc) and loc[0] in getattr(model, "collector_rules", ()) and err.get("type") in ("too_short", "too_long", "greater_than_equal", "less_than_equal", "string_pattern_mismatch")


def error_loc(err: dict[str, Any]) -> tuple[Any, ...]:
    """Where a pydantic error (``errors()`` item) points: a declared check that failed
    points inside the model that ran it (``CheckFailed.loc``)."""
    cause = (err.get("ctx") or {}).get("error")
    return tuple(err.get("loc") or ()) + (cause.loc if isinstance(cause, CheckFailed) else ())
