"""What `otelgen import` tells the user besides the spec: changes it made
(C3xx), things it could not carry (W2xx) and Secrets to create.

Notes are :class:`~otelgen.errors.Problem` values, so they print like every
other otelgen problem line: ``<severity> <ID> <file>: <path>: <message> (hint: ...)``.
The IDs are stable (docs/import.md lists them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from otelgen.errors import PathPart, Problem

CHANGE = "change"
WARNING = "warning"

#: id → what it means (docs/import.md is checked against this table)
IDS: dict[str, str] = {
    "W201": "a setting the spec cannot carry: dropped",
    "W202": "component type not in the otelcol-k8s image: the spec says distribution: contrib when the otelcol-contrib image has every such component, else custom",
    "W203": "the config references an env var the pod does not define",
    "W204": "something in the manifests the spec does not carry (derived again by otelgen, or dropped)",
    "W205": "component type the collector removed, with no safe replacement: passed through, the advice says what to do",
    "W206": "a setting otelgen types but whose value its model refuses: kept verbatim under extra",
    "C301": "component type renamed to the target version's name",
    "C302": "endpoint moved off localhost / onto the pod IP",
    "C303": "component inserted (memory_limiter, batch, health_check, leader election)",
    "C304": "processor moved (memory_limiter first, batch last)",
    "C305": "component dropped (removed from the collector, or not used by any pipeline)",
    "C306": "setting translated to its current form",
    "C307": "inline credential moved to a Secret",
    "C308": "value chosen by import (mode, resources)",
}


@dataclass
class SecretToCreate:
    """One Secret the imported spec references; values are never copied."""

    name: str
    namespace: str
    keys: dict[str, str] = field(default_factory=dict)  # key → where the value was found

    def command(self) -> str:
        literals = " ".join(f"--from-literal={key}=\"<{where}>\"" for key, where in self.keys.items())
        return f"kubectl create secret generic {self.name} --namespace {self.namespace} {literals}"


class Notes:
    """Collects notes in the order they were found, without duplicates.

    Paths are into the imported collector config unless ``in_config=False``;
    with ``doc`` (an :class:`otelgen.inputs.Doc`) a config path also gets the
    line it is on (or its nearest ancestor's), and ``prefix`` says where the
    config sits in the file (``ConfigMap/x.data.relay``)."""

    def __init__(self, source: str, doc: Any = None, prefix: tuple[PathPart, ...] = ()) -> None:
        self.source = source
        self.doc = doc
        self.prefix = prefix
        self.items: list[Problem] = []
        self.secrets: dict[str, SecretToCreate] = {}

    def change(self, id: str, path: Iterable[PathPart], message: str, hint: str = "", in_config: bool = True, line: int | None = None) -> None:
        self._add(id, tuple(path), message, hint, CHANGE, in_config, line)

    def warn(self, id: str, path: Iterable[PathPart], message: str, hint: str = "", in_config: bool = True, line: int | None = None) -> None:
        self._add(id, tuple(path), message, hint, WARNING, in_config, line)

    def _add(self, id: str, path: tuple[PathPart, ...], message: str, hint: str, severity: str, in_config: bool, line: int | None) -> None:
        source = f"{self.source}:{line}" if line else self.source
        if in_config:
            line = self._line(path)
            source = f"{source}:{line}" if line else source
            path = self.prefix + path
        problem = Problem(id, path, message, hint, severity, source)
        if problem not in self.items:
            self.items.append(problem)

    def _line(self, path: tuple[PathPart, ...]) -> int | None:
        if self.doc is None or not path or not isinstance(self.doc.data, dict) or path[0] not in self.doc.data:
            return None
        return self.doc.line(path)

    def secret(self, name: str, namespace: str, key: str, where: str) -> None:
        entry = self.secrets.setdefault(name, SecretToCreate(name, namespace))
        entry.keys[key] = where

    def of(self, id_prefix: str) -> list[Problem]:
        return [p for p in self.items if p.id.startswith(id_prefix)]
