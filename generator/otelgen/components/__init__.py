"""The component registry: every known component, found by any of its type names."""

from __future__ import annotations

from otelgen.components.base import Component, Kind
from otelgen.components.connectors import CONNECTORS
from otelgen.components.exporters import EXPORTERS
from otelgen.components.extensions import EXTENSIONS
from otelgen.components.processors import PROCESSORS
from otelgen.components.receivers import RECEIVERS

SECTIONS: dict[str, Kind] = {
    "receivers": "receiver",
    "processors": "processor",
    "exporters": "exporter",
    "extensions": "extension",
    "connectors": "connector",
}

ALL: tuple[type[Component], ...] = RECEIVERS + PROCESSORS + EXPORTERS + EXTENSIONS + CONNECTORS


def _index() -> dict[tuple[str, str], type[Component]]:
    index: dict[tuple[str, str], type[Component]] = {}
    for component in ALL:
        for name in component.all_names() + (component.id,):
            index[(component.kind, name)] = component
    return index


_INDEX = _index()


def lookup(kind: Kind, type_name: str) -> type[Component] | None:
    """The component of this kind known under ``type_name`` (any version's name)."""
    return _INDEX.get((kind, type_name))


def known_names(kind: Kind) -> list[str]:
    return sorted({c.id for c in ALL if c.kind == kind})
