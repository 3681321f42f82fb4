"""Component declarations: what a component does, as data, and the one interpreter.

Every component class carries a :class:`Declaration`: how its collector config is
shaped from its typed (pydantic-dumped) settings and what it needs from the pod
(ports, RBAC, env, volumes, egress).  ``Component.build()`` and ``needs()`` run
:func:`interpret` on it; the Helm chart runs the same declarations (exported to
``files/otelgen.json`` by ``otelgen.helmchart``) through its one generic
interpreter, ``otelgen.interpret`` in ``templates/_declarations.tpl``.  Nothing
outside a declaration knows a component by name.  docs/declarations.md describes
the vocabulary.

Paths are dotted keys into the component's settings (``protocols.grpc``); a path
starting with ``@ctx.`` reads the render context (``@ctx.bind_host``, ``@ctx.mode``,
``@ctx.instance``, ``@ctx.name``, ``@ctx.leader_election``).  Values may hold
placeholders ``{{path}}``: a string that is one placeholder becomes the value
itself (a number stays a number), otherwise the placeholders are interpolated;
``{{path|dir}}`` takes the directory part of a path.
"""

from __future__ import annotations

import dataclasses
import json
import posixpath
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from otelgen.components.base import Context, Needs

#: where UDP listeners bind (the pod IP is not enough for some UDP clients), except in sidecars
UDP_BIND_HOST = "0.0.0.0"
#: client certificates and CAs of exporters are mounted under <this>/<instance slug>/
CLIENT_TLS_DIR = "/etc/otelcol/tls"

Test = Literal["truthy", "falsy", "eq", "ne", "any_in", "any_prefix", "mapping", "absent", "mentions", "set", "present", "in", "not_positive", "negative"]


@dataclass(frozen=True)
class When:
    """A test on one value: ``truthy``/``falsy``; ``eq``/``ne`` ``value``; ``any_in``
    (a list holding any of ``value``); ``any_prefix`` (a list holding an item that starts
    with ``value[0]`` and is not in ``value[1]``); ``mapping`` (the value is a mapping);
    ``absent`` (the key is not there at all); ``present`` (the key is there, even if null);
    ``set`` (there and not null); ``in`` (the value is one of the list ``value``);
    ``mentions`` (the value written as JSON contains the text ``value``; path "" is the
    whole settings); ``not_positive`` / ``negative`` (a number or a duration such as
    ``0ms``/``-1s`` at or below / below zero, see :func:`sign`).  A tuple of them means all."""

    path: str
    test: Test = "truthy"
    value: Any = None


@dataclass(frozen=True)
class Step:
    """One config-shaping step, applied in order to a copy of the settings.

    op          what it does
    drop        delete ``paths``
    drop_empty  delete those of ``paths`` whose value is empty (null, "", 0, false, [], {})
    keep        keep only the top-level keys ``paths``
    set         ``path`` = ``value``
    default     ``path`` = ``value`` when it is unset (missing, null or "")
    fill        ``path`` = ``value`` when the key is there but empty
    prepend     the list at ``path`` gets ``value`` in front (created when missing)
    extend      the list at ``source`` is appended to the list at ``path`` (when not empty); ``source`` is
                dropped.  A mapping at ``source`` joins the mapping at ``path`` (its keys win there)
    lift        the ``paths`` of the mapping at ``path`` move to the top level
    nest        the ``paths`` that are set move into a mapping placed at ``path``; it is merged with
                what is at ``path``'s first key, the existing settings winning unless ``over``
    to_string   the value at ``path`` becomes a string
    order       the keys of the mapping at ``path`` in the order ``paths`` ("..." stands for the
                keys not listed); key order only shows in Python's output (JSON maps are unordered)
    client_tls  the client TLS settings at ``path`` (insecure, ca_secret, cert_secret, ...) become the
                collector's (ca_file, cert_file, ...) and the Secrets are mounted; dropped when empty
    secret_env  a {secretRef, prefix} at ``path`` (every one in the mapping at ``path`` when ``each``)
                becomes ``${env:VAR}`` text fed by an env var from the Secret; VAR is named
                after the instance and ``parts`` (plus the key, with ``each``)

    ``lookup`` (set/default): ``value`` is a table and the entry for the value at ``lookup`` is used.
    ``when``: the step runs only when every test holds."""

    op: Literal["drop", "drop_empty", "keep", "set", "default", "fill", "prepend", "extend", "nest", "lift", "to_string", "order", "client_tls", "secret_env"]
    path: str = ""
    paths: tuple[str, ...] = ()
    value: Any = None
    source: str = ""
    lookup: str = ""
    over: bool = False
    each: bool = False
    parts: tuple[str, ...] = ()
    when: tuple[When, ...] = ()


@dataclass(frozen=True)
class Listener:
    """A server socket.  Its settings at ``path`` ("" = the top level) hold ``port`` and an
    optional ``endpoint`` (written as given; its port wins); ``toggle`` switches it off
    (then the settings at ``path`` are dropped).  The rendered settings get ``endpoint``
    (``host:port`` on the context's ``bind`` host, ``UDP_BIND_HOST`` for UDP outside
    sidecars), lose ``port`` and ``toggle``, and get the server TLS when ``server_tls``
    and the spec has it.  The port is named ``name``, plus ``-<instance suffix>`` unless
    ``fixed_name``; ``service``/``ingress``: on the Service / allowed by the NetworkPolicy."""

    name: str
    path: str = ""
    protocol: Literal["TCP", "UDP"] = "TCP"
    app_protocol: str | None = None
    server_tls: bool = False
    bind: Literal["bind_host", "pod_host"] = "bind_host"
    toggle: str | None = None
    fixed_name: bool = False
    service: bool = True
    ingress: bool = True


@dataclass(frozen=True)
class Rule:
    """An RBAC rule.  Static (``api_groups``, ``resources``, ``verbs``) when ``when`` holds,
    or one rule per mapping found at ``each`` (``a[].b[]``: every item of list a, then of
    its list b), skipped when any test of ``skip`` holds on the item:
      resources from ``group_from``/``resource_from`` (item paths; a missing group is ""),
      or from ``lookup`` (a table of [group, resource] pairs) by the lower-cased item value
      at ``lookup_from``; verbs ``verbs``, or ``verbs_table`` by the item value at ``verbs_from``;
      namespaced (a Role) when every test of ``namespaced_when`` holds on the item.
    A namespaced pair that the same rule grants cluster-wide is left out."""

    verbs: tuple[str, ...] = ()
    api_groups: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    namespaced: bool = False
    when: tuple[When, ...] = ()
    each: str = ""
    skip: tuple[When, ...] = ()
    group_from: str = ""
    resource_from: str = ""
    verbs_from: str = ""
    verbs_table: dict[str, tuple[str, ...]] = field(default_factory=dict)
    lookup_from: str = ""
    lookup: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    namespaced_when: tuple[When, ...] = ()


@dataclass(frozen=True)
class Env:
    """An env var from the downward API."""

    name: str
    field_path: str
    when: tuple[When, ...] = ()


@dataclass(frozen=True)
class Volume:
    """A volume mounted into the collector container.  Named ``name``, or ``volume`` plus
    the instance slug (one per instance); ``mount_path``/``host_path``/``empty_dir_mib``
    may be placeholders."""

    mount_path: str
    read_only: bool = True
    name: str = ""
    volume: str = ""
    host_path: str | None = None
    host_path_type: str | None = None
    empty_dir_mib: Any = None
    when: tuple[When, ...] = ()


@dataclass(frozen=True)
class Egress:
    """Where an exporter sends: the ports of the values at ``paths`` (a list value gives
    each item) read as endpoints (``endpoint``: host:port or URL; a URL's scheme gives
    80/443; ``default_port`` when none is shown) or as ``port`` numbers; duplicates
    dropped; ``if_empty`` when there are none.  ``override``: a setting that, when set,
    is the only port.  A port of None: unknown."""

    paths: tuple[str, ...] = ()
    parse: Literal["endpoint", "port"] = "endpoint"
    default_port: int | None = None
    if_empty: tuple[int | None, ...] = ()
    override: str = ""
    when: tuple[When, ...] = ()


CheckKind = Literal["count", "less", "member", "prefix", "dir", "each", "unique"]


@dataclass(frozen=True)
class Check:
    """One validation rule on a component's settings (docs/declarations.md, "Checks").

    kind     fails when
    count    fewer than ``min`` or more than ``max`` (None: no upper bound) of ``tests`` hold:
             at-least-one-of (min 1), exactly-one-of (min 1, max 1), not-both (max 1),
             none-of (max 0), required (one test, min 1)
    less     the number at ``path`` is not below the one at ``than`` (``equal``: not at most);
             checked only when both are numbers and ``than`` is not 0
    member   the value at ``path`` (a null one passes), or every item of the list there
             (``item``: the value at that path in the item), is not in ``table``; a table
             mapping items to the first collector version that has them also fails an item
             the target version is older than, with the message ``newer``
    prefix   the value at ``path``, when set (truthy), does not start with one of ``value``
    dir      the directory of the file path at ``path`` is one of ``value`` or (except /) below one
    unique   two items of the list at ``path`` (``item``: the value at that path in each; items
             without it are skipped) are the same, or one is in ``table`` (values taken already)
    each     any of ``checks`` fails on a mapping item of the list at ``path``: the error
             points at the item (``path[i]``); ``lower``: item fields compared lower-cased

    ``at``: the mapping the paths are read in, and where the error points ("" = the component).
    ``when``: the check runs only when every test holds.  ``message`` is a template:
    ``{{path}}`` is the value at a path (in the item, for ``each``), ``{{@index}}`` the item's
    position, ``{{@value}}`` the value refused, ``{{@given}}`` the paths of the tests that hold
    (comma-separated), ``{{@known}}`` the table (a mapping's keys sorted), ``{{@since}}`` the
    version an item needs, ``{{@version}}`` the target collector version.  ``collector``: the
    collector refuses it too (False: otelgen's own refusal; import may keep such a setting
    aside under ``extra``)."""

    kind: CheckKind
    message: str = ""
    at: str = ""
    tests: tuple[When, ...] = ()
    min: int = 0
    max: int | None = None
    path: str = ""
    than: str = ""
    equal: bool = False
    value: Any = None
    item: str = ""
    table: Any = None
    newer: str = ""
    checks: tuple["Check", ...] = ()
    lower: tuple[str, ...] = ()
    when: tuple[When, ...] = ()
    collector: bool = True


def at_least_one(*tests: When | str, message: str, **kw: Any) -> Check:
    """At least one of ``tests`` holds (a bare path: its value is truthy)."""
    return Check("count", message, tests=_tests(tests), min=1, **kw)


def exactly_one(*tests: When | str, message: str, **kw: Any) -> Check:
    return Check("count", message, tests=_tests(tests), min=1, max=1, **kw)


def not_both(*tests: When | str, message: str, **kw: Any) -> Check:
    """At most one of ``tests`` holds."""
    return Check("count", message, tests=_tests(tests), max=1, **kw)


def none_of(*tests: When | str, message: str, **kw: Any) -> Check:
    return Check("count", message, tests=_tests(tests), max=0, **kw)


def required(test: When | str, message: str, **kw: Any) -> Check:
    """``test`` holds (a bare path: its value is truthy)."""
    return Check("count", message, tests=_tests((test,)), min=1, **kw)


def _tests(tests: tuple[When | str, ...]) -> tuple[When, ...]:
    return tuple(t if isinstance(t, When) else When(t) for t in tests)


@dataclass(frozen=True)
class Declaration:
    """Everything otelgen knows about what a component does, as data."""

    #: run on the settings as written, before the model validates them: the collector's own
    #: shape of a setting → otelgen's fields (``accepts(declaration, raw)``)
    accepts: tuple[Step, ...] = ()
    prepare: tuple[Step, ...] = ()  # run on the settings first: config and needs see the result
    listeners: tuple[Listener, ...] = ()
    steps: tuple[Step, ...] = ()
    rbac: tuple[Rule, ...] = ()
    env: tuple[Env, ...] = ()
    volumes: tuple[Volume, ...] = ()
    egress: tuple[Egress, ...] = ()
    kubelet: bool = False  # talks to the node's kubelet
    single_writer: bool = False  # duplicates data when more than one replica runs it
    #: scrapes the pods its RBAC rules discover (any port: networkPolicy.scrapeTo), and
    #: also whenever every test of ``scrape_pods_when`` holds (when there are some)
    scrape_pods: bool = False
    scrape_pods_when: tuple[When, ...] = ()
    #: the validation rules of the collector's ``Validate()`` (and otelgen's own refusals) for
    #: the settings: run in order on the validated settings, the first that fails is the error
    checks: tuple["Check", ...] = ()
    #: checks for each pipeline the component is in (``@ctx.signal``: the pipeline's signal):
    #: a failure says why the collector cannot build the component for that signal
    signal_checks: tuple["Check", ...] = ()
    #: settings that name pipelines (``a[].b[]`` paths, as in ``Rule.each``): they must exist
    #: and receive from the component (a connector)
    pipeline_refs: tuple[str, ...] = ()

    def to_data(self) -> dict[str, Any]:
        """The declaration as JSON-shaped data (what the chart reads); a check leaves out
        the fields it does not set."""
        data = _plain(dataclasses.asdict(dataclasses.replace(self, checks=(), signal_checks=())))
        data["checks"] = [_check_data(c) for c in self.checks]
        data["signal_checks"] = [_check_data(c) for c in self.signal_checks]
        return data


def _check_data(c: "Check") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in dataclasses.fields(c):
        value = getattr(c, f.name)
        if f.name != "kind" and value == f.default:
            continue
        if f.name == "checks":
            out[f.name] = [_check_data(inner) for inner in value]
        else:
            out[f.name] = _plain([dataclasses.asdict(t) for t in value] if f.name in ("tests", "when") else value)
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


# ------------------------------------------------------------------ the interpreter

_MISSING = object()
_PLACEHOLDER = re.compile(r"\{\{([^}|]+)(?:\|(\w+))?\}\}")


def _ctx_value(ctx: "Context | dict[str, Any]", name: str) -> Any:
    return ctx.get(name) if isinstance(ctx, dict) else getattr(ctx, name)


def get(doc: Any, path: str, ctx: "Context | None" = None) -> Any:
    """The value at a dotted path (None when missing)."""
    if path.startswith("@ctx."):
        return _ctx_value(ctx, path[5:]) if ctx is not None else None
    if path == "":
        return doc
    value = doc
    for part in _parts(path):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


_PARTS: dict[str, tuple[str, ...]] = {}


def _parts(path: str) -> tuple[str, ...]:
    """A dotted path's keys (the declarations' paths are few and fixed: split once)."""
    parts = _PARTS.get(path)
    if parts is None:
        parts = tuple(path.split("."))
        if len(_PARTS) < 4096:  # bounded: paths may also come from specs (fields of unknown components)
            _PARTS[path] = parts
    return parts


def has(doc: Any, path: str) -> bool:
    """Whether the key at a dotted path is there (its value may be null)."""
    return _has(doc, path)


def put(doc: dict[str, Any], path: str, value: Any) -> None:
    """Set the value at a dotted path (mappings on the way are made)."""
    _set(doc, path, value)


def remove(doc: dict[str, Any], path: str) -> None:
    """Delete the key at a dotted path (nothing when it is not there)."""
    _delete(doc, path)


def placeholder(value: Any) -> str | None:
    """The path of a value that is one whole ``{{path}}`` placeholder, else None."""
    whole = _PLACEHOLDER.fullmatch(value) if isinstance(value, str) else None
    return whole.group(1) if whole else None


def _has(doc: Any, path: str) -> bool:
    parts = path.split(".")
    for part in parts[:-1]:
        doc = doc.get(part) if isinstance(doc, dict) else None
    return isinstance(doc, dict) and parts[-1] in doc


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        if not isinstance(doc.get(part), dict):
            doc[part] = {}
        doc = doc[part]
    doc[parts[-1]] = value


def _delete(doc: dict[str, Any], path: str) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        doc = doc.get(part) if isinstance(doc, dict) else None
    if isinstance(doc, dict):
        doc.pop(parts[-1], None)


def holds(tests: tuple[When, ...], doc: Any, ctx: "Context | None") -> bool:
    for t in tests:
        if not _holds(t, doc, ctx):
            return False
    return True


def sign(value: Any) -> int | None:
    """-1, 0 or 1 for a number or a duration text (``0ms`` and ``0h0m`` are 0, ``-1s`` is -1:
    a duration is 0 when no digit in it is above 0); None for anything else, a ``${...}``
    reference included (not known here)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return (value > 0) - (value < 0)
    if isinstance(value, str) and value and not value.startswith("${"):
        if not any("1" <= ch <= "9" for ch in value):
            return 0
        return -1 if value.startswith("-") else 1
    return None


def not_positive(value: Any) -> bool:
    return sign(value) in (-1, 0)


def _holds(t: When, doc: Any, ctx: "Context | None") -> bool:
    if t.test == "absent":
        return not _has(doc, t.path)
    if t.test == "present":
        return _has(doc, t.path)
    value = get(doc, t.path, ctx)
    if t.test == "set":
        return value is not None
    if t.test == "in":
        return _entry(value, t.value) is not _MISSING
    if t.test == "mapping":
        return isinstance(value, dict)
    if t.test == "not_positive":
        return not_positive(value)
    if t.test == "negative":
        return sign(value) == -1
    if t.test == "mentions":
        return t.value in json.dumps(value, default=str)
    if t.test == "truthy":
        return bool(value)
    if t.test == "falsy":
        return not value
    if t.test == "eq":
        return value == t.value
    if t.test == "ne":
        return value != t.value
    items = value if isinstance(value, list) else []
    if t.test == "any_in":
        return any(item in t.value for item in items)
    prefix, exceptions = t.value
    return any(isinstance(item, str) and item.startswith(prefix) and item not in exceptions for item in items)


def render(value: Any, doc: Any, ctx: "Context") -> Any:
    """A declared value with its placeholders filled in."""
    from otelgen.components.base import copy_plain

    if isinstance(value, dict):
        return {k: render(v, doc, ctx) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v, doc, ctx) for v in value]
    if not isinstance(value, str) or "{{" not in value:
        return copy_plain(value)
    whole = _PLACEHOLDER.fullmatch(value)
    if whole:
        return _filtered(get(doc, whole.group(1), ctx), whole.group(2))
    return _PLACEHOLDER.sub(lambda m: str(_filtered(get(doc, m.group(1), ctx), m.group(2))), value)


def _filtered(value: Any, name: str | None) -> Any:
    if name == "dir":
        return posixpath.dirname(str(value))
    return value


def endpoint_port(endpoint: str) -> int | None:
    """The port of ``host:port``, ``:port`` or ``port`` as a listener writes it."""
    from otelgen.components.base import host_port

    return host_port(endpoint if ":" in endpoint else f"x:{endpoint}")[1]


def port_name(ctx: "Context", short: str) -> str:
    """Container/Service port name: the protocol's short name, plus the instance suffix."""
    _, _, suffix = ctx.instance.partition("/")
    if not suffix:
        return short
    return f"{short}-{suffix}"[:15].rstrip("-").lower()


def interpret(declaration: Declaration, settings: dict[str, Any], ctx: "Context", *, owned: bool = False) -> tuple[dict[str, Any], "Needs"]:
    """The collector config and the needs a declaration gives for these settings
    (the component's pydantic-dumped config without ``extra``); ``owned``: the caller hands
    ``settings`` over (a fresh dump), so they need no copy."""
    from otelgen.components.base import Needs, Port, copy_plain

    needs = Needs(kubelet=declaration.kubelet, single_writer=declaration.single_writer)
    if not owned:
        settings = copy_plain(settings)
    for step in declaration.prepare:
        if holds(step.when, settings, ctx):
            _step(step, settings, ctx, needs)
    out = copy_plain(settings)
    for listener in declaration.listeners:
        port = _listener(listener, out, ctx)
        if port is not None:
            needs.ports.append(Port(listener.name if listener.fixed_name else port_name(ctx, listener.name), port, listener.protocol, listener.app_protocol, service=listener.service, ingress=listener.ingress))
    for step in declaration.steps:
        if holds(step.when, out, ctx):
            _step(step, out, ctx, needs)
    for rule in declaration.rbac:
        needs.rbac.extend(_rules(rule, settings, ctx))
    if declaration.scrape_pods:
        needs.scrape_pods = bool(needs.rbac) or bool(declaration.scrape_pods_when and holds(declaration.scrape_pods_when, settings, ctx))
    _needs(declaration, settings, ctx, needs)
    return out, needs


def _listener(listener: Listener, out: dict[str, Any], ctx: "Context") -> int | None:
    settings = get(out, listener.path)
    if not isinstance(settings, dict) or (listener.toggle and not settings.get(listener.toggle)):
        if listener.path:
            _delete(out, listener.path)
        return None
    endpoint = settings.get("endpoint")
    port = settings.get("port")
    if endpoint:
        port = endpoint_port(endpoint) or port
    else:
        host = getattr(ctx, listener.bind)
        if listener.protocol == "UDP" and host != "localhost":
            host = UDP_BIND_HOST
        endpoint = f"{host}:{settings.get('port')}"
    rendered: dict[str, Any] = {"endpoint": endpoint}
    if listener.server_tls and ctx.server_tls:
        rendered["tls"] = dict(ctx.server_tls)
    rendered.update((k, v) for k, v in settings.items() if k not in ("port", "endpoint", listener.toggle))
    if listener.path:
        _set(out, listener.path, rendered)
    else:
        out.clear()
        out.update(rendered)
    return port


def _empty(value: Any) -> bool:
    return not value


def _step(step: Step, out: dict[str, Any], ctx: "Context", needs: "Needs") -> None:
    from otelgen.components.base import deep_merge

    op = step.op
    if op == "drop":
        for path in step.paths:
            _delete(out, path)
    elif op == "drop_empty":
        for path in step.paths:
            if _empty(get(out, path)):
                _delete(out, path)
    elif op == "keep":
        for key in [k for k in out if k not in step.paths]:
            del out[key]
    elif op in ("set", "default", "fill"):
        if op == "default" and get(out, step.path) not in (None, ""):
            return
        if op == "fill" and not (_has(out, step.path) and _empty(get(out, step.path))):
            return
        value = step.value.get(str(get(out, step.lookup, ctx))) if step.lookup else step.value
        _set(out, step.path, render(value, out, ctx))
    elif op == "prepend":
        current = get(out, step.path)
        _set(out, step.path, [render(step.value, out, ctx), *(current if isinstance(current, list) else [])])
    elif op == "extend":
        extra = get(out, step.source)
        _delete(out, step.source)
        current = get(out, step.path)
        if isinstance(extra, list) and extra:
            _set(out, step.path, [*(current if isinstance(current, list) else []), *extra])
        elif isinstance(extra, dict) and extra:
            _set(out, step.path, {**extra, **(current if isinstance(current, dict) else {})})
    elif op == "lift":
        mapping = get(out, step.path)
        if isinstance(mapping, dict):
            for key in step.paths:
                if key in mapping:
                    out[key] = mapping.pop(key)
    elif op == "nest":
        moved = {}
        for key in step.paths:
            if get(out, key) is not None:
                moved[key] = get(out, key)
            _delete(out, key)
        root, _, rest = step.path.partition(".")
        base: dict[str, Any] = {}
        _set(base, step.path, moved)
        placed = base[root] if rest else moved
        existing = out.get(root) if isinstance(out.get(root), dict) else {}
        out[root] = deep_merge(existing, placed) if step.over else deep_merge(placed, existing)
    elif op == "order":
        mapping = get(out, step.path)
        if isinstance(mapping, dict):
            listed = [k for k in step.paths if k != "..."]
            rest = [k for k in mapping if k not in listed]
            keys = [k for name in step.paths for k in (rest if name == "..." else [name]) if k in mapping]
            if "..." not in step.paths:
                keys += rest
            reordered = {k: mapping[k] for k in keys}
            mapping.clear()
            mapping.update(reordered)
    elif op == "to_string":
        if get(out, step.path) is not None:
            _set(out, step.path, str(get(out, step.path)))
    elif op == "client_tls":
        tls = _client_tls(get(out, step.path) or {}, ctx, needs)
        if tls:
            _set(out, step.path, tls)
        else:
            _delete(out, step.path)
    elif op == "secret_env":
        value = get(out, step.path)
        if step.each and isinstance(value, dict):
            for key in sorted(value):  # env var order independent of key order
                if isinstance(value[key], dict):
                    value[key] = _secret(value[key], (*step.parts, key), ctx, needs)
        elif isinstance(value, dict):
            _set(out, step.path, _secret(value, step.parts, ctx, needs))


def accepts(declaration: Declaration, raw: Any) -> Any:
    """Settings as written (the collector's shape allowed) → the shape the model takes."""
    from otelgen.components.base import Needs, copy_plain

    if not isinstance(raw, dict) or not declaration.accepts:
        return raw
    out = copy_plain(raw)
    for step in declaration.accepts:
        if holds(step.when, out, None):
            _step(step, out, None, Needs())  # type: ignore[arg-type]
    return out


def _secret(value: dict[str, Any], parts: tuple[str, ...], ctx: "Context", needs: "Needs") -> str:
    from otelgen.components.base import EnvVar, SecretRef

    name = ctx.env_name(*parts)
    ref = value.get("secretRef") or {}
    needs.env.append(EnvVar(name=name, secret=SecretRef(name=ref.get("name"), key=ref.get("key"))))
    return f"{value.get('prefix') or ''}${{env:{name}}}"


def mount_slug(instance: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in instance.lower()).strip("-")


def volume_name(prefix: str, instance: str) -> str:
    """A DNS-1123 label ≤ 63 chars, stable for the instance."""
    return f"{prefix}-{mount_slug(instance)}"[:63].rstrip("-")


def _client_tls(tls: dict[str, Any], ctx: "Context", needs: "Needs") -> dict[str, Any]:
    from otelgen.components.base import Mount

    if tls.get("insecure"):
        return {"insecure": True}
    out: dict[str, Any] = {}
    base = f"{CLIENT_TLS_DIR}/{mount_slug(ctx.instance)}"
    ca = tls.get("ca_secret")
    if ca:
        needs.mounts.append(Mount(name=volume_name("ca", ctx.instance), mount_path=f"{base}/ca", read_only=True, secret_name=ca["name"], secret_items=((ca["key"], "ca.crt"),)))
        out["ca_file"] = f"{base}/ca/ca.crt"
    if tls.get("cert_secret"):
        needs.mounts.append(Mount(name=volume_name("cert", ctx.instance), mount_path=f"{base}/client", read_only=True, secret_name=tls["cert_secret"], secret_items=(("tls.crt", "tls.crt"), ("tls.key", "tls.key"))))
        out["cert_file"] = f"{base}/client/tls.crt"
        out["key_file"] = f"{base}/client/tls.key"
    if tls.get("insecure_skip_verify"):
        out["insecure_skip_verify"] = True
    if tls.get("server_name_override"):
        out["server_name_override"] = tls["server_name_override"]
    return out


def _items(doc: Any, path: str) -> list[Any]:
    """The mappings at ``a[].b[]``."""
    found = [doc]
    for part in path.split("."):
        many = part.endswith("[]")
        key = part[:-2] if many else part
        nxt: list[Any] = []
        for item in found:
            value = item.get(key) if isinstance(item, dict) else None
            if many:
                nxt.extend(value if isinstance(value, list) else [])
            elif value is not None:
                nxt.append(value)
        found = nxt
    return [item for item in found if isinstance(item, dict)]


def _rules(rule: Rule, settings: dict[str, Any], ctx: "Context") -> list[Any]:
    from otelgen.components.base import RbacRule

    if not holds(rule.when, settings, ctx):
        return []
    if not rule.each:
        return [RbacRule(tuple(rule.api_groups), tuple(rule.resources), tuple(rule.verbs), namespaced=rule.namespaced)]
    found: dict[tuple[str, str, tuple[str, ...]], bool] = {}  # (group, resource, verbs) → namespaced only
    for item in _items(settings, rule.each):
        if any(_holds(t, item, ctx) for t in rule.skip):
            continue
        if rule.lookup_from:
            pairs = [tuple(p) for p in rule.lookup.get(str(get(item, rule.lookup_from)).lower(), ())]
        else:
            pairs = [(str(get(item, rule.group_from) or ""), str(get(item, rule.resource_from)))]
        verbs = tuple(rule.verbs_table.get(str(get(item, rule.verbs_from)), ())) if rule.verbs_from else tuple(rule.verbs)
        namespaced = bool(rule.namespaced_when) and holds(rule.namespaced_when, item, ctx)
        for group, resource in pairs:
            key = (group, resource, verbs)
            found[key] = found.get(key, True) and namespaced
    return [RbacRule((g,), (r,), v, namespaced=ns) for (g, r, v), ns in sorted(found.items())]


def _needs(declaration: Declaration, settings: dict[str, Any], ctx: "Context", needs: "Needs") -> None:
    from otelgen.components.base import Egress as EgressNeed, EnvVar, Mount, host_port

    for env in declaration.env:
        if holds(env.when, settings, ctx):
            needs.env.append(EnvVar(env.name, field_path=env.field_path))
    for vol in declaration.volumes:
        if not holds(vol.when, settings, ctx):
            continue
        needs.mounts.append(Mount(
            name=vol.name or volume_name(vol.volume, ctx.instance),
            mount_path=render(vol.mount_path, settings, ctx),
            read_only=vol.read_only,
            host_path=render(vol.host_path, settings, ctx),
            host_path_type=vol.host_path_type,
            empty_dir_mib=render(vol.empty_dir_mib, settings, ctx),
        ))
    for eg in declaration.egress:
        if not holds(eg.when, settings, ctx):
            continue
        override = get(settings, eg.override) if eg.override else None
        if override:
            ports: list[int | None] = [override]
        else:
            ports = []
            for path in eg.paths:
                value = get(settings, path)
                for v in value if isinstance(value, list) else ([] if value is None else [value]):
                    port = (host_port(v)[1] or eg.default_port) if eg.parse == "endpoint" else v
                    if port not in ports:
                        ports.append(port)
            ports = ports or list(eg.if_empty)
        needs.egress.extend(EgressNeed(p, "TCP", f"exporter {ctx.instance}") for p in ports)


# ------------------------------------------------------------------ checks


class CheckFailed(ValueError):
    """A declared check that fails: ``loc`` is where it points inside the component's
    settings, ``collector`` whether the collector refuses it too."""

    def __init__(self, message: str, loc: tuple[str | int, ...], collector: bool) -> None:
        super().__init__(message)
        self.loc = loc
        self.collector = collector


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON values (1 == 1.0, but True is not 1)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001  (values that cannot be compared are not the same)
        return False


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


def _loc(path: str) -> tuple[str | int, ...]:
    return tuple(path.split(".")) if path else ()


def check(checks: tuple[Check, ...], settings: Any, version: str, ctx: dict[str, Any] | None = None) -> CheckFailed | None:
    """The first of ``checks`` that fails on ``settings`` (the validated settings, with
    ``extra``), or None; ``version``: the target collector version; ``ctx``: what ``@ctx.``
    paths read (``signal`` for ``Declaration.signal_checks``)."""
    for c in checks:
        failed = _check(c, settings, version, ctx or {})
        if failed is not None:
            return failed
    return None


def _check(c: Check, settings: Any, version: str, ctx: dict[str, Any]) -> CheckFailed | None:
    doc = get(settings, c.at) if c.at else settings
    if not holds(c.when, doc, ctx):  # type: ignore[arg-type]
        return None
    names: dict[str, Any] = {"version": version}
    bad = False
    if c.kind == "count":
        given = [t.path for t in c.tests if _holds(t, doc, ctx)]  # type: ignore[arg-type]
        names["given"] = ", ".join(given)
        bad = len(given) < c.min or (c.max is not None and len(given) > c.max)
    elif c.kind == "less":
        a, b = get(doc, c.path), get(doc, c.than)
        bad = _number(a) and _number(b) and b != 0 and not (a <= b if c.equal else a < b)
    elif c.kind == "prefix":
        value = get(doc, c.path)
        names["value"] = value
        bad = bool(value) and not (isinstance(value, str) and value.startswith(tuple(c.value)))
    elif c.kind == "dir":
        value = get(doc, c.path)
        names["value"] = value
        if isinstance(value, str):
            d = posixpath.dirname(posixpath.normpath(value))
            bad = any(d == refused or (refused != "/" and d.startswith(refused + "/")) for refused in c.value)
    elif c.kind == "member":
        return _member(c, doc, names)
    elif c.kind == "unique":
        seen = [*(c.table or ())]
        for i, v in _list_items(get(doc, c.path), c.item):
            if v is None:
                continue
            if _entry(v, seen) is not _MISSING:
                names.update(index=i, value=v)
                bad = True
                break
            seen.append(v)
    elif c.kind == "each":
        items = get(doc, c.path)
        for i, item in enumerate(items if isinstance(items, list) else []):
            if not isinstance(item, dict):
                continue
            item = {k: (v.lower() if k in c.lower and isinstance(v, str) else v) for k, v in item.items()}
            failed = check(c.checks, item, version, ctx)
            if failed is not None:
                return CheckFailed(str(failed), (*_loc(c.at), *_loc(c.path), i, *failed.loc), failed.collector)
        return None
    if not bad:
        return None
    return CheckFailed(_message(c.message, doc, names), _loc(c.at), c.collector)


def _member(c: Check, doc: Any, names: dict[str, Any]) -> CheckFailed | None:
    value = get(doc, c.path)
    table = c.table
    if isinstance(value, list):
        items = _list_items(value, c.item)
    else:
        items = [] if value is None else [(None, value)]
    for index, v in items:
        entry = _entry(v, table)
        if entry is _MISSING:
            names.update(index=index, value=v, known=", ".join(sorted(table) if isinstance(table, dict) else table))
            return CheckFailed(_message(c.message, doc, names), _loc(c.at), c.collector)
        if isinstance(table, dict) and c.newer:
            from otelgen import versions

            since = table[entry]
            if not versions.at_least(names["version"], since):
                names.update(index=index, value=v, since=since)
                return CheckFailed(_message(c.newer, doc, names), _loc(c.at), c.collector)
    return None


def _list_items(value: Any, item: str) -> list[tuple[int, Any]]:
    """(index, the value at ``item`` in it, or the item itself) for each item of a list."""
    return [(i, get(v, item) if item else v) for i, v in enumerate(value if isinstance(value, list) else [])]


def _entry(value: Any, table: Any) -> Any:
    """The entry of ``table`` (its keys, for a mapping) that is ``value`` as JSON values are
    (see _same), or _MISSING; text is looked up directly (it equals only text)."""
    if isinstance(value, str):
        return value if value in table else _MISSING
    return next((t for t in table if _same(value, t)), _MISSING)


_MESSAGE_PLACEHOLDER = re.compile(r"\{\{(@?[A-Za-z0-9_.]+)\}\}")


def _message(template: str, doc: Any, names: dict[str, Any]) -> str:
    def fill(m: re.Match[str]) -> str:
        name = m.group(1)
        return _text(names.get(name[1:]) if name.startswith("@") else get(doc, name))

    return _MESSAGE_PLACEHOLDER.sub(fill, template)


def found(doc: Any, path: str) -> list[tuple[tuple[str | int, ...], Any]]:
    """The values at ``a[].b[]`` (every item of list a, then of its list b) with where they are."""
    out: list[tuple[tuple[str | int, ...], Any]] = [((), doc)]
    for part in path.split("."):
        many = part.endswith("[]")
        key = part[:-2] if many else part
        nxt: list[tuple[tuple[str | int, ...], Any]] = []
        for loc, item in out:
            value = item.get(key) if isinstance(item, dict) else None
            if many:
                nxt.extend(((*loc, key, i), v) for i, v in enumerate(value if isinstance(value, list) else []))
            elif value is not None:
                nxt.append(((*loc, key), value))
        out = nxt
    return out
