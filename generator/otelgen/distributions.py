"""Which component types an image contains, per distribution and collector version.

The facts come from the component catalog (data/catalog.json, `make catalog`): the
official distributions' component lists per release and each component module's own
metadata.yaml (type name, deprecated alias). tests/test_collector.py checks the lists
against `components` of the binaries the toolchain builds.

Spec distributions: ``otelcol-k8s`` (the official Kubernetes image, the default),
``contrib`` (the otelcol-contrib image) and ``custom`` (your own build: nothing checked).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any, NamedTuple

from otelgen import catalog, versions, yamlio

KINDS = ("receiver", "processor", "exporter", "extension", "connector")


class Distribution(NamedTuple):
    catalog_name: str
    image: str  # default image repository
    binary: str  # the image's entrypoint


#: spec `distribution` → its catalog name, default image and entrypoint (the releases
#: repository's Dockerfiles: both run as UID 10001)
DISTRIBUTIONS = {
    "otelcol-k8s": Distribution("otelcol-k8s", versions.DEFAULT_IMAGE_REPOSITORY, "/otelcol-k8s"),
    "contrib": Distribution("otelcol-contrib", "otel/opentelemetry-collector-contrib", "/otelcol-contrib"),
}


def catalog_name(distribution: str) -> str:
    return DISTRIBUTIONS[distribution].catalog_name if distribution in DISTRIBUTIONS else distribution


def default_image(distribution: str) -> str:
    return DISTRIBUTIONS.get(distribution, DISTRIBUTIONS["otelcol-k8s"]).image


def _first_release() -> str:
    return min(catalog.releases(), key=versions.parse)


@lru_cache(maxsize=256)
def _names_at(kind: str, distribution: str, version: str) -> frozenset[str]:
    dist = catalog_name(distribution)
    first = _first_release()
    at = version if versions.parse(version) >= versions.parse(first) else first
    known = set(catalog.components(dist, at).get(kind, {}))
    renamed = renamed_names(kind)
    if at != version:  # older than the catalog: less the names introduced since
        known = {n for n in known if n not in renamed or versions.at_least(version, renamed[n])}
    # renames inside releases the proxy does not serve: the new name from its release on
    for new, since in renamed.items():
        if new not in known and versions.at_least(version, since) and _old_name(kind, new) & known:
            known.add(new)
    return frozenset(known)


def _old_name(kind: str, new: str) -> set[str]:
    entry = _renames().get(kind, {}).get(new)
    return {entry["old"]} if entry else {new.replace("_", "")}


def names(kind: str, distribution: str = "otelcol-k8s", version: str | None = None) -> frozenset[str]:
    """Type names (deprecated aliases included) the distribution knows at ``version``
    (default: the pinned version), for ``kind`` ("receiver")."""
    return _names_at(kind, distribution, version or versions.PINNED_COLLECTOR_VERSION)


def contains(kind: str, type_name: str, version: str, distribution: str = "otelcol-k8s") -> bool:
    """Whether the distribution at ``version`` knows ``type_name`` (old names stay valid)."""
    return type_name in _names_at(kind, distribution, version)


@lru_cache(maxsize=1)
def _renames() -> dict[str, dict[str, dict[str, str]]]:
    """kind → new type name → {"since": first release whose module says so, "old": the
    previous name, "after": the last release known to have the old name}. Where the Go
    module proxy refuses the releases in between, ``since`` is the first one it serves."""
    out: dict[str, dict[str, dict[str, str]]] = {k: {} for k in KINDS}
    for module in catalog.data()["modules"].values():
        last_type = last_release = None
        for release, f in module["history"]:
            if "type" not in f:
                continue
            if last_type and f["type"] != last_type:
                out[module["kind"]].setdefault(f["type"], {"since": release, "old": last_type, "after": last_release})
            last_type = f["type"]
            last_release = release
    return out


def renamed_since(kind: str, type_name: str) -> str | None:
    """First collector version that knows ``type_name`` when it is a rename (None for
    names that were not renamed). The catalog's bracket from the modules' metadata.yaml,
    made exact by the changelog fallback (data/distributions.yaml) where the module
    proxy refuses the releases in between."""
    return renamed_names(kind).get(type_name)


def renamed_names(kind: str) -> dict[str, str]:
    """Every renamed type name of ``kind`` → the version that introduced it."""
    out = {new: e["since"] for new, e in _renames().get(kind, {}).items()}
    out.update(_hand_renames().get(kind, {}))
    return out


def renames(kind: str) -> dict[str, dict[str, str]]:
    """The catalog's renames of ``kind`` (new name → since / old / after)."""
    return dict(_renames().get(kind, {}))


@lru_cache(maxsize=1)
def _hand_renames() -> dict[str, dict[str, str]]:
    text = resources.files("otelgen.data").joinpath("distributions.yaml").read_text(encoding="utf-8")
    table = yamlio.load_mapping(text, "distributions.yaml").get("renamed", {})
    return {kind[:-1]: {str(k): str(v) for k, v in (names or {}).items()} for kind, names in table.items()}


def _table() -> dict[str, Any]:
    """The shape the Helm chart reads: per distribution and kind the names at the pinned
    version, and the renames with their first version."""
    table: dict[str, Any] = {}
    for spec_name, dist in DISTRIBUTIONS.items():
        table[spec_name] = {kind + "s": sorted(names(kind, spec_name)) for kind in KINDS}
    table["renamed"] = {kind + "s": dict(sorted(renamed_names(kind).items())) for kind in KINDS}
    return table
