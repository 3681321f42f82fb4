"""Which component types an image contains (for the otelcol-k8s default image).

The list lives in data/distributions.yaml; tests/test_collector.py checks it
against `otelcol-k8s components` of the binary the toolchain builds."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

from otelgen import versions, yamlio


@lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    text = resources.files("otelgen.data").joinpath("distributions.yaml").read_text(encoding="utf-8")
    return yamlio.load_mapping(text, "distributions.yaml")


def names(kind: str, distribution: str = "otelcol-k8s") -> frozenset[str]:
    """Type names the pinned build of the distribution knows, for ``kind`` ("receiver")."""
    return frozenset(_table()[distribution].get(kind + "s", []))


def contains(kind: str, type_name: str, version: str, distribution: str = "otelcol-k8s") -> bool:
    """Whether the distribution at ``version`` knows ``type_name`` (old names stay valid)."""
    if type_name in names(kind, distribution):
        return True
    since = _table().get("renamed", {}).get(kind + "s", {}).get(type_name)
    return since is not None and versions.at_least(version, str(since))
