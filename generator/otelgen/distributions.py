"""Which component types an image contains (for the otelcol-k8s default image).

The list lives in data/distributions.yaml; tests/test_collector.py checks it
against `otelcol-k8s components` of the binary the toolchain builds."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from otelgen import yamlio


@lru_cache(maxsize=1)
def _table() -> dict[str, dict[str, frozenset[str]]]:
    text = resources.files("otelgen.data").joinpath("distributions.yaml").read_text(encoding="utf-8")
    data = yamlio.load_mapping(text, "distributions.yaml")
    return {dist: {kind: frozenset(names) for kind, names in kinds.items()} for dist, kinds in data.items()}


def contains(kind: str, type_name: str, distribution: str = "otelcol-k8s") -> bool:
    return type_name in _table()[distribution].get(kind + "s", frozenset())


def names(kind: str, distribution: str = "otelcol-k8s") -> frozenset[str]:
    return _table()[distribution].get(kind + "s", frozenset())
