"""JSON Schema of the spec, generated from the pydantic models.

Component sections get one ``patternProperties`` entry per known component
(any of its type names, optionally ``/name``), so editors complete and check
component settings too; unknown component types stay allowed (they pass
through with a warning).  Mode defaults fill in whatever a file leaves out, so
the top-level documents have no required fields.  Semantic checks (references,
signals, ordering, literal credentials) are `otelgen validate`'s job.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic.json_schema import models_json_schema

from otelgen import components
from otelgen.spec.model import CollectorDocument

SCHEMA_ID = "https://otelgen.io/schemas/otelgen-collector.json"
SCHEMA_FILE = "otelgen-collector.json"
_OPTIONAL_BY_DEFAULTS = ("CollectorDocument", "Metadata", "Spec")


def _pattern(names: list[str]) -> str:
    return "^(" + "|".join(re.escape(n) for n in names) + r")(/[A-Za-z0-9_.-]+)?$"


def spec_schema() -> dict[str, Any]:
    models = [(CollectorDocument, "validation")] + [(c.config_model, "validation") for c in components.ALL]
    keys, top = models_json_schema(models, by_alias=True, ref_template="#/$defs/{model}")
    defs = top["$defs"]
    spec = defs["Spec"]
    for section, kind in components.SECTIONS.items():
        patterns = {}
        for comp in components.ALL:
            if comp.kind != kind:
                continue
            names = sorted(set(comp.all_names()) | {comp.id})
            ref = keys[(comp.config_model, "validation")]
            patterns[_pattern(names)] = {"anyOf": [ref, {"type": "null"}], "description": comp.description}
        spec["properties"][section] = {
            "type": "object",
            "description": f"{kind.capitalize()}s by name (type[/name]). Types otelgen does not model are passed through verbatim.",
            "patternProperties": patterns,
            "additionalProperties": {"anyOf": [{"type": "object"}, {"type": "null"}]},
        }
    for name in _OPTIONAL_BY_DEFAULTS:
        defs[name].pop("required", None)
    document = dict(defs.pop("CollectorDocument"))
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "otelgen Collector spec",
        "description": "An OpenTelemetry Collector deployment for otelgen (apiVersion otelgen.io/v1alpha1, kind Collector).",
        **{k: v for k, v in document.items() if k not in ("title",)},
        "$defs": dict(sorted(defs.items())),
    }


def spec_schema_text() -> str:
    return json.dumps(spec_schema(), indent=2, sort_keys=False) + "\n"
