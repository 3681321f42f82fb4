"""Find a component type: the registry (every name a component has had), then
the table of what the collector removed (otelgen.removed) for types whose
successor otelgen knows (``logging`` → ``debug``, ``k8s_tagger`` → ``k8s_attributes``)."""

from __future__ import annotations

from typing import Any

from otelgen import components, removed
from otelgen.components.base import Component
from otelgen.removed import RemovedComponent


def find(kind: str, type_name: str) -> tuple[type[Component] | None, RemovedComponent | None]:
    """(component, removal entry): the entry when ``type_name`` was removed, the
    component when otelgen models it or the removal names it as the safe replacement."""
    comp = components.lookup(kind, type_name)  # type: ignore[arg-type]
    if comp is not None:
        return comp, None
    entry = removed.component(kind, type_name)
    if entry is not None and entry.fix == "rename" and entry.replacement is not None:
        return components.lookup(*entry.replacement), entry  # type: ignore[arg-type]
    return None, entry


def advice(entry: RemovedComponent, version: str) -> str:
    """The entry's advice with its replacement named as ``version`` knows it."""
    name = ""
    if entry.replacement is not None:
        comp = components.lookup(*entry.replacement)  # type: ignore[arg-type]
        name = comp.type_name(version) if comp else entry.replacement[1]
    return entry.advice.format(replacement=name)


def removed_keys(kind: str, comp: type[Component]) -> list[Any]:
    """Config keys the collector removed from this component (otelgen.removed.KEYS)."""
    names = {comp.id, *comp.all_names()}
    return [key for key in removed.KEYS if key.kind == kind and names & set(key.type_names)]
