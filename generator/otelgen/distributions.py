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


def renamed_since(kind: str, type_name: str) -> str | None:
    """First collector version that knows ``type_name`` when it is a snake_case
    rename listed under ``renamed`` (None for names that were not renamed)."""
    since = _table().get("renamed", {}).get(kind + "s", {}).get(type_name)
    return str(since) if since is not None else None


def renamed_names(kind: str) -> dict[str, str]:
    """Every renamed type name of ``kind`` → the version that introduced it."""
    return {str(k): str(v) for k, v in (_table().get("renamed", {}).get(kind + "s", {}) or {}).items()}
