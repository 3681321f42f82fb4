"""What the planning steps pass on: an :class:`Instance` per component, the
finished :class:`Plan`, and the paths and names the steps and the manifest
builders share."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from otelgen import components, sizing
from otelgen.components.base import Component, Needs, Port
from otelgen.errors import Problem
from otelgen.spec.model import CollectorDocument, Spec

NAME = re.compile(r"^([a-z][a-z0-9_]*)(?:/([A-Za-z0-9_.-]+))?$")
POD_IP = "${env:MY_POD_IP}"
SERVER_TLS_DIR = "/etc/otelcol/tls/server"
CLIENT_CA_DIR = "/etc/otelcol/tls/client-ca"
TELEMETRY_PORT = "metrics"  # name of the collector's own metrics port
SECTIONS = tuple(components.SECTIONS)
#: hostPaths a component may write to (and below them); anything else is a W120 warning
WRITABLE_HOST_PATHS = ("/var/lib/otelcol",)


@dataclass
class Instance:
    section: str  # "receivers"
    name: str  # spec name, "otlp/backend"
    type_name: str  # as written, "otlp"
    component: Component | None  # None: unknown, passed through raw
    raw: dict[str, Any]
    #: what an unmodelled component's known listener or the spec's declarations add
    declared: Needs = field(default_factory=Needs)
    #: an unmodelled component's signals from the catalog (connectors: "from_to" pairs);
    #: None: unknown, every signal allowed
    catalog_signals: tuple[str, ...] | None = None

    @property
    def suffix(self) -> str:
        return self.name.partition("/")[2]

    def rendered_id(self, version: str) -> str:
        base = type(self.component).type_name(version) if self.component else self.type_name
        return f"{base}/{self.suffix}" if self.suffix else base

    def config(self) -> dict[str, Any]:
        return self.component.rendered_config() if self.component else dict(self.raw)

    def needs(self) -> Needs:
        own = self.component.needs() if self.component else Needs()
        d = self.declared
        return Needs(ports=own.ports + d.ports, rbac=own.rbac + d.rbac, env=own.env, mounts=own.mounts + d.mounts, egress=own.egress + d.egress, kubelet=own.kubelet, single_writer=own.single_writer, scrape_pods=own.scrape_pods)

    @property
    def signals(self) -> tuple[str, ...]:
        if self.component:
            return type(self.component).signals
        if self.catalog_signals is not None and self.section != "connectors":
            return tuple(s for s in ("traces", "metrics", "logs", "profiles") if s in self.catalog_signals)
        return ("traces", "metrics", "logs")

    @property
    def connects(self) -> tuple[tuple[str, str], ...] | None:
        """A connector's (from, to) signal pairs; None: unknown."""
        if self.component:
            return tuple(type(self.component).connects)
        if self.catalog_signals is None or self.section != "connectors":
            return None
        pairs = (s.split("_to_", 1) for s in self.catalog_signals if "_to_" in s)
        return tuple((a, b) for a, b in pairs)


@dataclass
class Plan:
    doc: CollectorDocument
    spec: Spec
    instances: dict[tuple[str, str], Instance]
    pipelines: dict[str, dict[str, list[str]]]
    needs: Needs
    sizing: sizing.Sizing
    gomemlimit: str | None
    warnings: list[Problem] = field(default_factory=list)
    server_tls: bool = False
    leader_election: str | None = None

    @property
    def mode(self) -> str:
        return self.spec.mode

    @property
    def name(self) -> str:
        return self.doc.metadata.name

    @property
    def namespace(self) -> str:
        return self.doc.metadata.namespace

    @property
    def version(self) -> str:
        return self.spec.collector_version

    def used(self, section: str) -> list[Instance]:
        return [inst for (sec, _), inst in self.instances.items() if sec == section]

    def service_ports(self) -> list[Port]:
        return [p for p in self.needs.ports if p.service]

    @property
    def needs_api(self) -> bool:
        return bool(self.needs.rbac)


