"""The ConfigMap with the collector config, and its checksum for the pod template."""

from __future__ import annotations

import hashlib
from typing import Any

from otelgen import yamlio
from otelgen.manifests import naming
from otelgen.plan import Plan


CHECKSUM_ANNOTATION = "otelgen.io/config-checksum"  # on the pod template: a config change rolls the pods


def config_map(plan: Plan, config: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": naming.metadata(plan, naming.config_map(plan)),
        "data": {naming.CONFIG_KEY: yamlio.dump(config)},
    }


def checksum(config_map: dict[str, Any]) -> str:
    """sha256 of the config text: changes roll the pods."""
    return hashlib.sha256(config_map["data"][naming.CONFIG_KEY].encode("utf-8")).hexdigest()
