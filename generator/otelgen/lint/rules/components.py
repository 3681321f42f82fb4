"""Component types against the target version and image: removed, renamed,
not in the image, removed config keys."""

from __future__ import annotations

from typing import Iterator

from otelgen import catalog, components, distributions, removed, versions
from otelgen.lint.model import ComponentRef, ConfigTarget, Hit, defined
from otelgen.suggest import closest, did_you_mean


def name_since(ref: ComponentRef) -> str | None:
    """First version that knows ``ref``'s type name (None: any version does)."""
    registry = ref.registry
    if registry is not None:
        for since, name in registry.names:
            if name == ref.type_name:
                return since if since != "0.0.0" else None
        return None
    return distributions.renamed_since(ref.kind, ref.type_name)


def current_name(ref: ComponentRef, version: str) -> str | None:
    """The name the target version prefers for ``ref``'s type, when it differs."""
    registry = ref.registry
    if registry is not None:
        preferred = registry.type_name(version)
        return preferred if preferred != ref.type_name else None
    for new, since in distributions.renamed_names(ref.kind).items():
        if new.replace("_", "") == ref.type_name and new != ref.type_name and versions.at_least(version, since):
            return new
    return None


def older_name(ref: ComponentRef, version: str) -> str:
    """The name ``version`` knows for a type name introduced later."""
    registry = ref.registry
    if registry is not None:
        return registry.type_name(version)
    return ref.type_name.replace("_", "")


def with_suffix(ref: ComponentRef, type_name: str) -> str:
    _, sep, suffix = ref.name.partition("/")
    return f"{type_name}{sep}{suffix}"


def removed_here(ref: ComponentRef, version: str) -> removed.RemovedComponent | None:
    entry = removed.component(ref.kind, ref.type_name)
    return entry if entry is not None and versions.at_least(version, entry.removed_in) else None


def replacement_name(entry: removed.RemovedComponent, version: str) -> str | None:
    if entry.replacement is None:
        return None
    component = components.lookup(entry.replacement[0], entry.replacement[1])  # type: ignore[arg-type]
    return component.type_name(version) if component is not None else entry.replacement[1]


def removed_component(t: ConfigTarget) -> Iterator[Hit]:
    for ref in defined(t.data):
        entry = removed_here(ref, t.version)
        if entry is None:
            continue
        new = replacement_name(entry, t.version)
        yield Hit(ref.path, f"{ref.kind} {ref.type_name!r} was removed in collector {entry.removed_in}", entry.advice.format(replacement=new or ""))


def name_too_new(t: ConfigTarget) -> Iterator[Hit]:
    for ref in defined(t.data):
        since = name_since(ref)
        if since is not None and not versions.at_least(t.version, since):
            old = older_name(ref, t.version)
            yield Hit(ref.path, f"{ref.kind} type {ref.type_name!r} exists only from collector {since}; {t.version} does not know it", f"rename it to {with_suffix(ref, old)!r} (and in the pipelines), or target {since} or later")


def deprecated_name(t: ConfigTarget) -> Iterator[Hit]:
    for ref in defined(t.data):
        if removed_here(ref, t.version) is not None:
            continue
        new = current_name(ref, t.version)
        since = name_since(ref)
        if new is not None and (since is None or versions.at_least(t.version, since)):
            yield Hit(ref.path, f"{ref.kind} type {ref.type_name!r} is a deprecated alias in collector {t.version}", f"rename it to {with_suffix(ref, new)!r} (and in the pipelines)")


def not_in_image(t: ConfigTarget) -> Iterator[Hit]:
    if t.distribution is None:
        return
    for ref in defined(t.data):
        if removed_here(ref, t.version) is not None:
            continue
        since = name_since(ref)
        if since is not None and not versions.at_least(t.version, since):
            continue  # name_too_new says it better
        if distributions.contains(ref.kind, ref.type_name, t.version, t.distribution):
            continue
        known = sorted(distributions.names(ref.kind, t.distribution, t.version))
        close = closest(ref.type_name, known)
        hint = did_you_mean(ref.type_name, known, after=" ")
        registry = ref.registry
        what = "is not" if registry is not None or close or known else "is unknown and not"
        yield Hit(ref.path, f"{ref.kind} type {ref.type_name!r} {what} in the {t.distribution} image (collector {t.version})", f"{hint}use a component the image has ({', '.join(known[:12])}{', ...' if len(known) > 12 else ''}), or run an image that contains it (contrib or your own ocb build)")


def setting_refused(t: ConfigTarget) -> Iterator[Hit]:
    """Settings of catalog components otelgen does not model, against the component's
    own config schema at the target version in the image's distribution (the check
    `otelgen render` makes, E030): unknown keys and wrong types the collector's decoder
    refuses. Modelled components are judged by their typed models (render); images
    otelgen does not know skip it."""
    if t.distribution is None:
        return
    dist = distributions.catalog_name(t.distribution)
    defs = catalog.data()["schemas"]
    for ref in defined(t.data):
        if ref.registry is not None or not isinstance(ref.config, dict):
            continue
        if not distributions.contains(ref.kind, ref.type_name, t.version, t.distribution):
            continue  # not_in_image says it
        schema = catalog.schema_for(ref.kind, ref.type_name, dist, t.version)
        if schema is None:
            continue
        loose = catalog.loose_paths(ref.kind, ref.type_name, dist, t.version)
        for problem in catalog.check(ref.config, schema, defs, list(ref.path), loose):
            yield Hit(tuple(problem.path), f"{ref.kind} {ref.type_name!r}: {problem.message} (collector {t.version})", problem.hint)


def removed_key(t: ConfigTarget) -> Iterator[Hit]:
    for entry in removed.KEYS:
        if not versions.at_least(t.version, entry.removed_in):
            continue
        if entry.kind == "service":
            holders = [(("service",), t.data.get("service"))]
        else:
            holders = [(ref.path, ref.config) for ref in defined(t.data) if ref.kind == entry.kind and ref.type_name in entry.type_names]
        for base, config in holders:
            parent = config
            for part in entry.path[:-1]:
                parent = parent.get(part) if isinstance(parent, dict) else None
            if isinstance(parent, dict) and entry.path[-1] in parent:
                yield Hit(base + entry.path, f"{'.'.join(entry.path)} was removed in collector {entry.removed_in}", entry.advice)
