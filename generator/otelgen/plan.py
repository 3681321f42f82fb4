"""From a validated spec to a Plan: every component instance resolved and
checked, pipelines completed and ordered, and the components' declarations
(ports, RBAC, env, volumes, egress) collected for the manifest builders.

The work is done by the steps in :mod:`otelgen.planning` (presets → sizing →
components → checks → needs), each a function with explicit inputs and
outputs; :class:`Planner` runs them in order and stops after a step that
found errors."""

from __future__ import annotations

from otelgen.components.base import deep_merge
from otelgen.errors import Collector
from otelgen.planning import checks, components, needs, prepare
from otelgen.planning.model import CLIENT_CA_DIR, POD_IP, SECTIONS, SERVER_TLS_DIR, TELEMETRY_PORT, WRITABLE_HOST_PATHS, Instance, Plan
from otelgen.spec.model import CollectorDocument


class Planner:
    def __init__(self, doc: CollectorDocument) -> None:
        self.doc = doc
        self.problems = Collector()
        self.name = doc.metadata.name
        self.namespace = doc.metadata.namespace

    def plan(self) -> Plan:
        from otelgen.manifests import apivalidation

        found = self.problems
        spec, problems = prepare.apply_presets(self.doc)
        found.extend(problems)
        resolved, problems = prepare.size(spec)
        found.extend(problems)
        completed, problems = prepare.complete(spec, self.name)
        found.extend(problems)
        found.raise_if_errors()

        context = components.contexts(spec, self.name, self.namespace, completed.leader_election, completed.self_scraper)
        parsed, problems = components.parse(spec, completed.sections, context)
        found.extend(problems)
        found.raise_if_errors()

        found.extend(checks.check_pipelines(spec, parsed, completed.pipelines, completed.sections))
        used, problems = checks.used(parsed, completed.pipelines)
        found.extend(problems)
        found.extend(checks.check_extension_refs(used))
        found.raise_if_errors()

        total, problems = needs.collect(spec, used)
        found.extend(problems)
        found.extend(needs.shared_scraping(spec, used))
        found.raise_if_errors()
        found.extend(needs.check_exposure(spec, total))
        resolved, problems = needs.fit_ephemeral_storage(spec, resolved, total)
        found.extend(problems)

        plan = Plan(self.doc, spec, used, completed.pipelines, total, resolved, prepare.gomemlimit(resolved, spec), found.warnings, spec.tls is not None, completed.leader_election)
        from otelgen.manifests import ingress, monitoring, podextras

        found.extend(apivalidation.spec_problems(plan))  # what the API server would refuse, with spec paths
        found.extend(podextras.spec_problems(plan))  # spec.pod escape hatches: references, W120/W131/W132
        found.extend(monitoring.problems(plan))  # W160/W161: scrape objects and alerts that would miss
        found.extend(ingress.spec_problems(plan))  # Ingress / Gateway API routes: what cannot work, what may not
        plan.warnings = found.warnings
        found.raise_if_errors()
        return plan


def build_plan(doc: CollectorDocument) -> Plan:
    return Planner(doc).plan()


__all__ = ["Plan", "Instance", "Planner", "build_plan", "deep_merge", "POD_IP", "SERVER_TLS_DIR", "CLIENT_CA_DIR", "TELEMETRY_PORT", "SECTIONS", "WRITABLE_HOST_PATHS"]
