"""Per-component translations from the collector's config shape to the spec's.

The spec types a few settings differently from the collector (a listener's
``port`` instead of its ``endpoint``, ``authenticator`` instead of
``auth.authenticator``, ``filter_by_node`` instead of ``filter.node_from_env_var``).
What a declaration says is read from it (``otelgen.components.facts``): every
declared listener's endpoint becomes its port, settings the declaration derives
are dropped.  The rest, per component, is an adapter keyed by the registry's
canonical component id; adapters only reshape; fitting onto the model happens
afterwards (:mod:`.fit`)."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from otelgen import endpoints
from otelgen.components import facts
from otelgen.components.base import Component
from otelgen.components.declare import Listener, get, put, remove
from otelgen.components.processors import K8S_EXTRACT_FIELDS, K8S_NODE_ENV
from otelgen.importer import credentials
from otelgen.importer.notes import Notes


@dataclass
class Adapting:
    """What an adapter may use: where the component is and where notes go."""

    section: str
    name: str  # as written in the input
    mode: str
    notes: Notes
    place: credentials.Place
    #: env var → the Secret key the pod feeds it from (manifest input)
    env_secrets: dict[str, dict[str, str]] = field(default_factory=dict)

    def path(self, *parts: Any) -> list[Any]:
        return [self.section, self.name, *parts]


Adapter = Callable[[dict[str, Any], Adapting], dict[str, Any]]


def listen_port(endpoint: Any, a: Adapting, *path: Any) -> int | None:
    """The port of a listener's ``host:port`` endpoint; None (with a warning) when it has none."""
    if isinstance(endpoint, str):
        port = endpoints.listen_port(endpoint)
        if port is not None and 1 <= port <= 65535:
            return port
    a.notes.warn("W201", a.path(*path), f"cannot read a port from endpoint {endpoint!r}: the component's default port is used", "write the endpoint as host:port")
    return None


def _endpoint_to_port(cfg: Any, a: Adapting, *path: Any) -> Any:
    if cfg is not None and not isinstance(cfg, dict):
        return cfg  # not a mapping: the model refuses it with a clear error
    cfg = dict(cfg or {})
    if "endpoint" in cfg:
        port = listen_port(cfg.pop("endpoint"), a, *path, "endpoint")
        if port is not None:
            cfg["port"] = port
    return cfg


def _listeners(comp: type[Component], raw: dict[str, Any], a: Adapting) -> dict[str, Any]:
    """Each declared listener's ``endpoint`` → ``port``; a listener the config leaves out
    is written off as the spec says it (the collector's config omits it to turn it off)."""
    out = dict(raw)
    if any(not listener.path for listener in comp.declaration.listeners):
        out = _endpoint_to_port(out, a)  # the settings at the top level are the listener's
    by_parent: dict[str, list[Listener]] = {}
    for listener in comp.declaration.listeners:
        if listener.path:
            by_parent.setdefault(listener.path.rpartition(".")[0], []).append(listener)
    for parent, found in by_parent.items():
        holder = get(out, parent) if parent else out
        holder = holder if isinstance(holder, dict) else {}
        keys = [listener.path.rpartition(".")[2] for listener in found]
        shaped: dict[str, Any] = {k: v for k, v in holder.items() if k not in keys}
        for key, listener in zip(keys, found):
            if key in holder:
                shaped[key] = _endpoint_to_port(holder[key], a, *facts.path_parts(listener))
            elif (off := facts.listener_off(comp, listener)) is not ...:
                shaped[key] = off
        if parent:
            put(out, parent, shaped)
        else:
            out = shaped
    return out


def _prometheus_receiver(raw: dict[str, Any], a: Adapting) -> dict[str, Any]:
    # the spec takes the collector's own shape; only otelgen's self-scrape job is turned off
    return {**raw, "self_scrape": False}


def _file_log(raw: dict[str, Any], a: Adapting) -> dict[str, Any]:
    # the spec would add a container parser; the input's operators are kept as written instead
    return {**raw, "parse_container_logs": False}


def _k8s_attributes(raw: dict[str, Any], a: Adapting) -> dict[str, Any]:
    out = {k: v for k, v in raw.items() if k not in ("filter", "extract")}
    filt = raw.get("filter")
    if isinstance(filt, dict) and filt.get("node_from_env_var"):
        out["filter_by_node"] = True
        rest = {k: v for k, v in filt.items() if k != "node_from_env_var"}
        if filt["node_from_env_var"] != K8S_NODE_ENV:
            a.notes.change("C306", a.path("filter", "node_from_env_var"), f"node filter reads {K8S_NODE_ENV} (was {filt['node_from_env_var']}); otelgen defines it from spec.nodeName")
    elif a.mode == "agent":
        rest = filt if isinstance(filt, dict) else {}
        a.notes.change("C306", a.path("filter"), "node filter added: an agent watches only the pods on its own node", "set filter_by_node: false in the spec to watch the whole cluster")
    else:
        rest = filt if isinstance(filt, dict) else {}  # gateways and sidecars watch the whole cluster anyway
    if rest:
        out["filter"] = rest
    extract = raw.get("extract")
    if isinstance(extract, dict):
        for key in K8S_EXTRACT_FIELDS:
            if key in extract:
                out[key] = extract[key]
        rest_extract = {k: v for k, v in extract.items() if k not in K8S_EXTRACT_FIELDS}
        if rest_extract:
            out["extract"] = rest_extract
    return out


def _network_exporter(raw: dict[str, Any], a: Adapting) -> dict[str, Any]:
    out = dict(raw)
    auth = raw.get("auth")
    if isinstance(auth, dict) and isinstance(auth.get("authenticator"), str):
        out.pop("auth")
        out["authenticator"] = auth["authenticator"]
        if len(auth) > 1:
            out["auth"] = {k: v for k, v in auth.items() if k != "authenticator"}
    if "headers" in raw:
        out["headers"] = credentials.headers_to_secrets(raw["headers"], a.place, a.notes)
    return out


def _otlp_http_exporter(raw: dict[str, Any], a: Adapting) -> dict[str, Any]:
    from otelgen.components.exporters import OTLP_HTTP_ENDPOINTS

    out = _network_exporter(raw, a)
    plain = [k for k in OTLP_HTTP_ENDPOINTS if isinstance(raw.get(k), str) and raw[k].startswith("http://")]
    tls = out.get("tls") or {}
    if plain and isinstance(tls, dict) and "insecure" not in tls:
        out["tls"] = {**tls, "insecure": True}  # what the http:// scheme already meant
    return out


def _memory_limiter(raw: dict[str, Any], a: Adapting) -> dict[str, Any]:
    out = dict(raw)
    if "check_interval" not in out:
        a.notes.change("C306", a.path("check_interval"), "check_interval set to otelgen's 100ms (the collector requires one)", "see docs/memory.md")
    return out


_ENV_ONLY = re.compile(r"^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$")


def _bearer_token(raw: dict[str, Any], a: Adapting) -> dict[str, Any]:
    """The spec takes the token only as a Secret reference."""
    out = dict(raw)
    token = raw.get("token")
    if credentials.is_literal(token):
        out["token"] = credentials.secret_ref(a.place, "token", token, ("token",), a.notes)
    elif isinstance(token, str) and _ENV_ONLY.match(token):
        var = _ENV_ONLY.match(token)[1]
        if var in a.env_secrets:
            out["token"] = {"secretRef": dict(a.env_secrets[var])}
        else:
            out["token"] = credentials.secret_ref(a.place, "token", token, ("token",), a.notes, f"the value of env var {var}")
    return out


def _load_balancing(raw: dict[str, Any], a: Adapting) -> dict[str, Any]:
    out = {k: v for k, v in raw.items() if k != "protocol"}
    protocol = raw.get("protocol")
    if isinstance(protocol, dict) and isinstance(protocol.get("otlp"), dict):
        otlp = dict(protocol["otlp"])
        for key in ("tls", "timeout"):
            if key in otlp:
                out[key] = otlp.pop(key)
        rest = {k: v for k, v in protocol.items() if k != "otlp"}
        if otlp:
            rest["otlp"] = otlp
        if rest:
            out["protocol"] = rest
    elif protocol is not None:
        out["protocol"] = protocol
    return out


def _leader_elector(raw: dict[str, Any], a: Adapting) -> dict[str, Any]:
    missing = [k for k in ("lease_name", "lease_namespace") if not raw.get(k)]
    if missing:
        a.notes.change("C306", a.path(missing[0]), f"{' and '.join(missing)} set by otelgen (the collector requires both): the lease is <name>-leader in the collector's namespace", "set lease_name in the spec to choose another")
    return dict(raw)


ADAPTERS: dict[str, Adapter] = {
    "prometheus:receiver": _prometheus_receiver,
    "file_log:receiver": _file_log,
    "k8s_attributes:processor": _k8s_attributes,
    "memory_limiter:processor": _memory_limiter,
    "otlp:exporter": _network_exporter,
    "otlp_http:exporter": _otlp_http_exporter,
    "loadbalancing:exporter": _load_balancing,
    "bearertokenauth:extension": _bearer_token,
    "k8s_leader_elector:extension": _leader_elector,
}


def adapt(comp: type[Component], raw: dict[str, Any], a: Adapting) -> dict[str, Any]:
    """The spec's shape of a raw component config: what the declaration says (listeners,
    settings otelgen derives), then the component's own adapter, if any."""
    out = copy.deepcopy(raw)
    for path in facts.derived_settings(comp):
        remove(out, path)  # derived by otelgen; changes.py lists a difference
    if comp.declaration.listeners:
        out = _listeners(comp, out, a)
    adapter = ADAPTERS.get(f"{comp.id}:{comp.kind}")
    return adapter(out, a) if adapter else out
