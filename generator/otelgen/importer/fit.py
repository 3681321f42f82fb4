"""Fit a raw component config onto the component's typed config model.

Keys the model types stay where they are; everything else (and any typed
value the model refuses) moves under ``extra``, which the renderer merges
verbatim over the typed config, so the rendered component says the same."""

from __future__ import annotations

import copy
import types
import typing
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from otelgen.components.base import ComponentConfig, error_loc, is_collector_rule

#: rounds of "move the refused key to extra" before giving up
MAX_ROUNDS = 32


def _field_model(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds directly (``Model`` or ``Model | None``), else None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return _field_model(args[0])
    return None


def _fields(model: type[BaseModel]) -> dict[str, Any]:
    out = {}
    for name, info in model.model_fields.items():
        out[info.alias or name] = info
        out[name] = info
    return out


def split_known(model: type[BaseModel], raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(settings the model types, settings it does not), both shaped like ``raw``."""
    fields = _fields(model)
    typed: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in raw.items():
        info = fields.get(key) if isinstance(key, str) and key != "extra" else None
        if info is None:
            extra[key] = copy.deepcopy(value)
            continue
        nested = _field_model(info.annotation)
        if nested is not None and isinstance(value, dict):
            inner_typed, inner_extra = split_known(nested, value)
            typed[key] = inner_typed
            if inner_extra:
                extra[key] = inner_extra
        else:
            typed[key] = copy.deepcopy(value)
    return typed, extra


@dataclass
class Fitted:
    config: dict[str, Any]  # typed keys plus ``extra``
    error: ValidationError | None  # what the model refuses even with every refused key under extra
    #: typed settings whose value the model refused, moved under extra: (path, why)
    moved: list[tuple[tuple[Any, ...], str]] = field(default_factory=list)


def fit(model: type[ComponentConfig], raw: dict[str, Any]) -> Fitted:
    """The spec config for ``raw``."""
    typed, extra = split_known(model, raw)
    moved: list[tuple[tuple[Any, ...], str]] = []
    for _ in range(MAX_ROUNDS):
        candidate = _with_extra(typed, extra)
        try:
            model.model_validate(candidate)
            return Fitted(candidate, None, moved)
        except ValidationError as exc:
            refused = _move_refused(exc, typed, extra, model)
            if refused is None:
                return Fitted(candidate, exc, moved)
            moved.append(refused)
    return Fitted(_with_extra(typed, extra), None, moved)


def _with_extra(typed: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    return {**typed, "extra": extra} if extra else dict(typed)


def _move_refused(exc: ValidationError, typed: dict[str, Any], extra: dict[str, Any], model: type[BaseModel]) -> tuple[tuple[Any, ...], str] | None:
    """Move the first refused typed key (as deep as it can be split) into extra: (its path, why)."""
    errors = exc.errors(include_url=False)
    if any(is_collector_rule(err, model) for err in errors):
        return None  # the collector refuses it too: the error stands
    for err in errors:
        loc = [p for p in error_loc(err) if isinstance(p, (str, int))]
        if not loc or loc[0] == "extra" or loc[0] not in typed:
            continue
        if _required(model, loc[0]) and len(loc) == 1:
            continue  # cannot leave a required field empty: the error stands
        path = _move(typed, extra, loc)
        return path, str(err["msg"]).removeprefix("Value error, ")
    return None


def _required(model: type[BaseModel], key: Any) -> bool:
    info = _fields(model).get(key)
    return info is not None and info.is_required()


def _move(typed: dict[str, Any], extra: dict[str, Any], loc: list[Any]) -> tuple[Any, ...]:
    """Move the deepest mapping key on ``loc`` from ``typed`` to the same place in ``extra``; its path."""
    source: dict[str, Any] = typed
    target: dict[str, Any] = extra
    depth = 0
    while depth + 1 < len(loc) and isinstance(source.get(loc[depth]), dict) and loc[depth + 1] in source[loc[depth]]:
        source = source[loc[depth]]
        target = target.setdefault(loc[depth], {})
        depth += 1
    target[loc[depth]] = source.pop(loc[depth])
    return tuple(loc[: depth + 1])
