"""What lint and import ask of a component type, answered from its declaration.

Lint reads raw collector configs and import turns them into specs; neither keeps
its own table of component facts.  They ask these functions, which read the
component's :class:`~otelgen.components.declare.Declaration` (and its config
model for defaults), so a new component's declaration is enough for both:

- where it listens: :func:`listener_slots` (the declared ``Listener`` paths, with
  the port the model defaults to and the protocol), :func:`is_probe` /
  :func:`is_debug_endpoint` (the probes' target; listeners kept off the Service);
- how import writes an absent listener in the spec: :func:`listener_off`;
- what a raw config needs from the pod (RBAC, ...): :func:`needs_of_raw`;
- ``single_writer``, :func:`node_local` (kubelet or a hostPath volume) and the
  settings the declaration derives from the render context (:func:`derived_settings`).

Components otelgen does not model but passes through have their listeners as
data in one table, ``otelgen.components.unmodelled`` (:func:`passthrough_listener`),
read by the planner and lint alike."""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from otelgen import versions
from otelgen.components import unmodelled
from otelgen.components.base import Component, ComponentConfig, Context, Needs
from otelgen.components.declare import Listener, endpoint_port, get, has, placeholder
from otelgen.components.extensions import HEALTH_PORT_NAME


def neutral_context(instance: str, version: str = versions.PINNED_COLLECTOR_VERSION) -> Context:
    """A neutral rendering context for asking a component what it declares."""
    return Context(mode="gateway", collector_version=version, instance=instance, bind_host="0.0.0.0", pod_host="0.0.0.0", server_tls=None, leader_election=None, namespace="default", name="otelcol")


# ------------------------------------------------------------------ listeners


def is_listener(component: type[Component] | None) -> bool:
    """Whether the component declares a server socket."""
    return component is not None and bool(component.declaration.listeners)


def path_parts(listener: Listener) -> tuple[str, ...]:
    """The listener's path inside the component's settings as keys (() = the top level)."""
    return tuple(listener.path.split(".")) if listener.path else ()


@lru_cache(maxsize=None)
def _defaults(component: type[Component]) -> dict[str, Any]:
    try:
        return component.config_model().model_dump(exclude={"extra"}, exclude_none=True, by_alias=True)
    except Exception:  # a model with required fields: no defaults to read
        return {}


def default_port(component: type[Component], listener: Listener) -> int | None:
    """The port the listener has when its settings leave it out (the model's default)."""
    settings = get(_defaults(component), listener.path)
    if not isinstance(settings, dict):
        return None
    endpoint = settings.get("endpoint")
    return (endpoint_port(endpoint) if isinstance(endpoint, str) and endpoint else None) or settings.get("port")


@dataclass(frozen=True)
class Slot:
    """One listening endpoint a raw config of a component has."""

    path: tuple[str, ...]  # keys inside the component's config
    settings: Any  # as written there
    listener: Listener
    default_port: int | None


def listener_slots(component: type[Component], raw: Any) -> list[Slot]:
    """The declared listeners a raw config writes (one at the top level always is), in
    declaration order.  Toggles are otelgen's: the collector's own config switches a
    listener off by leaving it out."""
    config = raw if isinstance(raw, dict) else {}
    out = []
    for listener in component.declaration.listeners:
        if listener.path and not has(config, listener.path):
            continue
        out.append(Slot(path_parts(listener), get(config, listener.path), listener, default_port(component, listener)))
    return out


def passthrough_listener(kind: str, type_name: str, raw: Any) -> tuple[str, int, str] | None:
    """A component otelgen does not model but knows the listener of (``unmodelled.LISTENERS``):
    (the setting holding its address, its default port, TCP/UDP as the config chooses)."""
    found = unmodelled.listener(kind, type_name)
    if found is None:
        return None
    return found.key, found.port, unmodelled.protocol(found, raw if isinstance(raw, dict) else {})


#: settings that name an extension in a raw config of any component, modelled or not
#: (storage, auth, leader election, observers); a list value names several
EXTENSION_REFERENCE_KEYS = ("storage", "authenticator", "k8s_leader_elector", "observer", "watch_observers")


def is_probe(listener: Listener) -> bool:
    """The listener the kubelet probes (liveness, readiness, startup)."""
    return listener.name == HEALTH_PORT_NAME


def is_debug_endpoint(component: type[Component], listener: Listener) -> bool:
    """An extension's listener kept off the Service (reached with kubectl port-forward)."""
    return component.kind == "extension" and not listener.service and not is_probe(listener)


def listener_off(component: type[Component], listener: Listener) -> Any:
    """How the spec says a listener is off (the collector's config leaves it out): None when
    the model takes None at its path, else its toggle false; ``...``: it cannot."""
    parts = path_parts(listener)
    if parts and _nullable(component.config_model, parts):
        return None
    return {listener.toggle: False} if parts and listener.toggle else ...


def _nullable(model: type[BaseModel], parts: tuple[str, ...]) -> bool:
    for index, part in enumerate(parts):
        info = next((f for name, f in model.model_fields.items() if part in (name, f.alias)), None)
        if info is None:
            return False
        args = typing.get_args(info.annotation) if typing.get_origin(info.annotation) in (typing.Union, types.UnionType) else (info.annotation,)
        if index == len(parts) - 1:
            return type(None) in args
        nested = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        if len(nested) != 1:
            return False
        model = nested[0]
    return False


# ------------------------------------------------------------------ needs and roles


def typed_config(component: type[Component], raw: Any) -> ComponentConfig | None:
    """The component's typed config for a raw config, from the keys both know (None: none fits)."""
    model = component.config_model
    config = raw if isinstance(raw, dict) else {}
    known = {k: v for k, v in config.items() if k in model.model_fields}
    try:
        return model.model_validate(known)
    except Exception:
        try:
            return model()
        except Exception:
            return None


def needs_of_raw(component: type[Component], raw: Any, ctx: Context) -> Needs | None:
    """What a raw config of the component asks of the pod (RBAC, ports, ...), as the
    renderer derives it from the declaration (None: the config does not fit the model)."""
    config = typed_config(component, raw)
    if config is None:
        return None
    try:
        return component(config, ctx).needs()
    except Exception:
        return None


def single_writer(component: type[Component] | None) -> bool:
    """Duplicates data when more than one replica runs it."""
    return component is not None and component.declaration.single_writer


def node_local(component: type[Component] | None) -> bool:
    """Reads data of the node it runs on (the kubelet, or files through a hostPath volume)."""
    if component is None:
        return False
    declaration = component.declaration
    return declaration.kubelet or any(v.host_path for v in declaration.volumes)


def derived_settings(component: type[Component]) -> tuple[str, ...]:
    """Paths the declaration sets from the render context alone (``{{@ctx.…}}``): otelgen
    derives them, so a value written in an input config is not carried."""
    out = []
    for step in component.declaration.steps:
        source = placeholder(step.value) if step.op == "set" else None
        if source and source.startswith("@ctx.") and step.path not in out:
            out.append(step.path)
    return tuple(out)


def declared_env() -> frozenset[str]:
    """Env vars some component's declaration has otelgen define (from the downward API)."""
    from otelgen import components

    return frozenset(env.name for comp in components.ALL for env in comp.declaration.env)
