"""``otelgen lint --fix FILE``: rewrite a raw collector config with the safe fixes.

Each fixer answers one rule: the rule's own check finds the places (on the
round-trip document, which is a dict/list like any parsed config), the fixer
changes them in place.  ruamel.yaml keeps comments and key order; it is
imported only here.  What needs a human (credentials into Secrets, removed
components without a drop-in replacement, undefined references) is reported,
not guessed.  The file is replaced atomically and only when something changed.
"""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass
from typing import Any, Callable

from otelgen import removed, sizing
from otelgen.components import facts
from otelgen.errors import SpecError, error, format_path
from otelgen.inputs import CollectorConfig, Doc, Inputs
from otelgen.lint.listeners import listeners, telemetry_listener
from otelgen.lint.model import ConfigTarget, Hit, Options, defined, find_type, pipelines, service_extensions
from otelgen.lint.rules import BY_ID
from otelgen.lint.rules import components as component_rules
from otelgen.lint.rules.secrets import bare_env_references
from otelgen.spec.model import MemoryTuning

POD_IP = "${env:MY_POD_IP}"


@dataclass(frozen=True)
class Change:
    rule: str
    path: str
    what: str


# ---------------------------------------------------------------- ruamel helpers


def _yaml():
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def _mapping():
    from ruamel.yaml.comments import CommentedMap

    return CommentedMap()


def _rename_key(mapping: Any, old: str, new: str) -> None:
    """Rename ``old`` to ``new`` in place: same position, same comments."""
    comment = mapping.ca.items.pop(old, None) if hasattr(mapping, "ca") else None
    position = list(mapping).index(old)
    value = mapping.pop(old)
    if hasattr(mapping, "insert"):
        mapping.insert(position, new, value)
    else:
        mapping[new] = value
    if comment is not None:
        mapping.ca.items[new] = comment


def _section(doc: Any, name: str) -> Any:
    if not isinstance(doc.get(name), dict):
        doc[name] = _mapping()
    return doc[name]


def _rename_component(doc: Any, section: str, old: str, new: str) -> bool:
    """Rename a component and every reference to it; False when ``new`` is taken."""
    entries = doc.get(section)
    if not isinstance(entries, dict) or old not in entries or new in entries:
        return False
    _rename_key(entries, old, new)
    roles = {"receivers": ("receivers",), "processors": ("processors",), "exporters": ("exporters",), "connectors": ("receivers", "exporters"), "extensions": ()}[section]
    for pipeline in pipelines(doc).values():
        for role in roles:
            items = pipeline.get(role)
            if isinstance(items, list):
                for i, item in enumerate(items):
                    if item == old:
                        items[i] = new
    if section == "extensions":
        service = doc.get("service")
        items = service.get("extensions") if isinstance(service, dict) else None
        if isinstance(items, list):
            for i, item in enumerate(items):
                if item == old:
                    items[i] = new
        _rename_extension_references(doc, old, new)
    return True


def _rename_extension_references(doc: Any, old: str, new: str, depth: int = 0) -> None:
    def walk(value: Any, depth: int) -> None:
        if depth > 32:
            return
        if isinstance(value, dict):
            for k in list(value):
                if k in facts.EXTENSION_REFERENCE_KEYS and value[k] == old:
                    value[k] = new
                elif k in facts.EXTENSION_REFERENCE_KEYS and isinstance(value[k], list):
                    for i, item in enumerate(value[k]):  # in place: the round-trip list keeps its comments
                        if item == old:
                            value[k][i] = new
                else:
                    walk(value[k], depth + 1)
        elif isinstance(value, list):
            for v in value:
                walk(v, depth + 1)

    for section in ("receivers", "processors", "exporters", "connectors", "extensions"):
        walk(doc.get(section), 0)


def _node(doc: Any, path: tuple) -> Any:
    current = doc
    for part in path:
        current = current[part]
    return current


# ---------------------------------------------------------------- fixers (one per rule)

Fixer = Callable[[Any, Hit, ConfigTarget], "str | None"]


def _with_suffix(name: str, type_name: str) -> str:
    _, sep, suffix = name.partition("/")
    return f"{type_name}{sep}{suffix}"


def fix_removed_component(doc: Any, hit: Hit, t: ConfigTarget) -> str | None:
    section, name = hit.path[0], hit.path[1]
    ref = next(r for r in defined(doc) if r.path == (section, name))
    entry = removed.component(ref.kind, ref.type_name)
    if entry is None:
        return None
    if entry.fix == "drop":
        del doc[section][name]
        if section == "extensions":
            service_list = doc["service"]["extensions"] if service_extensions(doc) else None
            for i in reversed(range(len(service_list or []))):
                if service_list[i] == name:
                    del service_list[i]
        return f"removed {ref.kind} {name} ({entry.advice.format(replacement='')})"
    new_type = component_rules.replacement_name(entry, t.version)
    if entry.fix != "rename" or new_type is None:
        return None  # another kind or another port: needs a human
    new = _with_suffix(name, new_type)
    if not _rename_component(doc, section, name, new):
        return None
    config = doc[section][new]
    notes = []
    if isinstance(config, dict):
        for old_key, (new_key, value_map) in entry.key_renames.items():
            if old_key in config:
                value = config[old_key]
                _rename_key(config, old_key, new_key)
                config[new_key] = value_map.get(str(value).lower(), value)
                notes.append(f"{old_key}: {value} → {new_key}: {config[new_key]}")
    return f"renamed {name} to {new}" + (f" ({', '.join(notes)})" if notes else "")


def _fix_rename(doc: Any, hit: Hit, t: ConfigTarget, choose: Callable) -> str | None:
    section, name = hit.path[0], hit.path[1]
    ref = next(r for r in defined(doc) if r.path == (section, name))
    new = _with_suffix(name, choose(ref, t.version))
    if new == name or not _rename_component(doc, section, name, new):
        return None
    return f"renamed {name} to {new} (and its references)"


def fix_name_too_new(doc: Any, hit: Hit, t: ConfigTarget) -> str | None:
    return _fix_rename(doc, hit, t, component_rules.older_name)


def fix_deprecated_name(doc: Any, hit: Hit, t: ConfigTarget) -> str | None:
    return _fix_rename(doc, hit, t, lambda ref, version: component_rules.current_name(ref, version) or ref.type_name)


def fix_removed_key(doc: Any, hit: Hit, t: ConfigTarget) -> str | None:
    parent = _node(doc, hit.path[:-1])
    key = hit.path[-1]
    entry = next(e for e in removed.KEYS if e.path[-1] == key and (e.kind == "service") == (hit.path[0] == "service"))
    value = parent[key]
    if entry.rename_to:
        _rename_key(parent, key, entry.rename_to)
        parent[entry.rename_to] = entry.value_map.get(str(value).lower(), value)
        return f"{key}: {value} → {entry.rename_to}: {parent[entry.rename_to]}"
    if hit.path[:3] == ("service", "telemetry", "metrics") and key == "address":
        from otelgen.endpoints import host_port

        host, port = host_port(str(value))
        del parent[key]
        parent["readers"] = [{"pull": {"exporter": {"prometheus": {"host": host or POD_IP, "port": port or 8888}}}}]
        return f"address {value} → readers: prometheus pull exporter on {host or POD_IP}:{port or 8888}"
    del parent[key]
    return f"removed {key} ({entry.advice})"


def _bind(doc: Any, hit: Hit, port: int | None) -> str | None:
    if port is None:
        return None
    *parent_path, last = hit.path
    parent = _node(doc, tuple(parent_path))
    if not isinstance(parent.get(last), dict):
        parent[last] = _mapping()
    old = parent[last].get("endpoint")
    parent[last]["endpoint"] = f"{POD_IP}:{port}"
    return f"endpoint {old or '(unset: localhost)'} → {POD_IP}:{port} (the pod must set MY_POD_IP from fieldRef status.podIP)"


def _listener_port(doc: Any, hit: Hit) -> int | None:
    for listener in listeners(doc):
        if listener.path == hit.path:
            return listener.port
    return None


def fix_endpoint(doc: Any, hit: Hit, t: ConfigTarget) -> str | None:
    if hit.path[:1] == ("service",):
        telemetry = telemetry_listener(doc)
        if telemetry is None:
            return None
        if telemetry.defaulted:
            service = _section(doc, "service")
            tele = service.get("telemetry") if isinstance(service.get("telemetry"), dict) else None
            if tele is None:
                service["telemetry"] = tele = _mapping()
            if not isinstance(tele.get("metrics"), dict):
                tele["metrics"] = _mapping()
            metrics = tele["metrics"]
            metrics["readers"] = [{"pull": {"exporter": {"prometheus": {"host": POD_IP, "port": telemetry.port}}}}]
            return f"internal metrics: added a prometheus pull reader on {POD_IP}:{telemetry.port}"
        prom = _node(doc, hit.path)
        prom["host"] = POD_IP
        return f"internal metrics host → {POD_IP}"
    return _bind(doc, hit, _listener_port(doc, hit))


def _memory_limiter_name(doc: Any, t: ConfigTarget) -> tuple[str, str | None]:
    """(name of the memory_limiter to use, change made to define it)."""
    found = find_type(doc, "processors", "memory_limiter")
    if found:
        return found[0].name, None
    processors = _section(doc, "processors")
    settings = _mapping()
    for key, value in sizing.memory_limiter_settings(MemoryTuning()).items():
        settings[key] = value
    processors.insert(0, "memory_limiter", settings) if hasattr(processors, "insert") else processors.__setitem__("memory_limiter", settings)
    return "memory_limiter", "defined memory_limiter (check_interval {check_interval}, limit_percentage {limit_percentage}, spike_limit_percentage {spike_limit_percentage}; see docs/memory.md)".format(**settings)


def _processors_list(doc: Any, pipeline_name: str) -> Any:
    pipeline = doc["service"]["pipelines"][pipeline_name]
    if not isinstance(pipeline.get("processors"), list):
        from ruamel.yaml.comments import CommentedSeq

        seq = CommentedSeq()
        seq.fa.set_flow_style()
        pipeline["processors"] = seq
    return pipeline["processors"]


def _take_out(items: list, type_name: str, default: str, doc: Any) -> str:
    """Remove every processor of ``type_name`` from the pipeline's ``items``;
    the name of the first one listed (the one to put back), else ``default``."""
    names = {r.name for r in find_type(doc, "processors", type_name)}
    name = default
    for i in reversed(range(len(items))):
        if items[i] in names:
            name = items[i]
            del items[i]
    return name


def fix_memory_limiter_placement(doc: Any, hit: Hit, t: ConfigTarget) -> str | None:
    name, defined_now = _memory_limiter_name(doc, t)
    pipeline_name = hit.path[2]
    items = _processors_list(doc, pipeline_name)
    name = _take_out(items, "memory_limiter", name, doc)
    items.insert(0, name)
    done = f"{name} first in pipeline {pipeline_name}"
    return f"{defined_now}; {done}" if defined_now else done


def fix_check_interval(doc: Any, hit: Hit, t: ConfigTarget) -> str | None:
    config = _node(doc, hit.path)
    if not isinstance(config, dict):
        _node(doc, hit.path[:-1])[hit.path[-1]] = config = _mapping()
    config["check_interval"] = sizing.CHECK_INTERVAL
    return f"check_interval: {sizing.CHECK_INTERVAL}"


def _batch_name(doc: Any) -> tuple[str, str | None]:
    found = find_type(doc, "processors", "batch")
    if found:
        return found[0].name, None
    _section(doc, "processors")["batch"] = _mapping()
    return "batch", "defined batch (defaults)"


def _place_batch(doc: Any, pipeline_name: str) -> str:
    """Put the pipeline's batch right after its last sampler / context-dependent processor."""
    name, defined_now = _batch_name(doc)
    items = _processors_list(doc, pipeline_name)
    name = _take_out(items, "batch", name, doc)
    order = {r.name: (r.registry.order if r.registry else None) for r in defined(doc) if r.section == "processors"}
    last_before = max((i for i, p in enumerate(items) if order.get(p) in ("before_batch", "first")), default=-1)
    items.insert(last_before + 1 if last_before >= 0 else len(items), name)
    done = f"{name} after {items[last_before]} in pipeline {pipeline_name}" if last_before >= 0 else f"{name} last in pipeline {pipeline_name}"
    return f"{defined_now}; {done}" if defined_now else done


def fix_batch(doc: Any, hit: Hit, t: ConfigTarget) -> str | None:
    return _place_batch(doc, hit.path[2])


def fix_bare_env(doc: Any, hit: Hit, t: ConfigTarget) -> str | None:
    parent = _node(doc, hit.path[:-1])
    key = hit.path[-1]
    value = str(parent[key])
    out, i = [], 0
    while i < len(value):
        if value[i] == "$" and value[i + 1:i + 2] == "$":
            out.append("$$")
            i += 2
            continue
        if value[i] == "$":
            names = bare_env_references(value[i:])
            if names and value[i + 1:].startswith(names[0]):
                out.append(f"${{env:{names[0]}}}")
                i += 1 + len(names[0])
                continue
        out.append(value[i])
        i += 1
    new = "".join(out)
    if new == value:
        return None
    parent[key] = new
    return f"{value!r} → {new!r}"


#: rule → fixer, in the order they run (renames first: later rules see the new names)
FIXERS: tuple[tuple[str, Fixer], ...] = (
    ("OTG001", fix_removed_component),
    ("OTG002", fix_name_too_new),
    ("OTG003", fix_deprecated_name),
    ("OTG005", fix_removed_key),
    ("OTG070", fix_bare_env),
    ("OTG010", fix_endpoint),
    ("OTG011", fix_endpoint),
    ("OTG012", fix_endpoint),
    ("OTG020", fix_memory_limiter_placement),
    ("OTG021", fix_memory_limiter_placement),
    ("OTG022", fix_check_interval),
    ("OTG030", fix_batch),
    ("OTG031", fix_batch),
)


def _target(doc: Any, file: str, options: Options) -> ConfigTarget:
    config = CollectorConfig(Doc(file, doc))
    return ConfigTarget(Inputs(file, "config", [config.doc], configs=[config]), config, options)


def fix_document(doc: Any, file: str, options: Options) -> list[Change]:
    """Apply every fixer to the round-trip document in place; the changes made."""
    changes: list[Change] = []
    for rule_id, fixer in FIXERS:
        rule = BY_ID[rule_id]
        target = _target(doc, file, options)
        for hit in list(rule.check(target)):
            try:
                what = fixer(doc, hit, _target(doc, file, options))
            except (KeyError, IndexError, TypeError, StopIteration):
                what = None  # the place changed under an earlier fix: left for the re-lint to report
            if what and not any(c.rule == rule_id and c.what == what for c in changes):
                changes.append(Change(rule_id, format_path(hit.path), what))
    return changes


def fix_text(text: str, file: str, options: Options) -> tuple[str, list[Change]]:
    """The fixed config text and the changes (text unchanged when there are none)."""
    y = _yaml()
    doc = y.load(text)
    changes = fix_document(doc, file, options)
    if not changes:
        return text, []
    out = io.StringIO()
    y.dump(doc, out)
    return out.getvalue(), changes


def fix_file(path: str, options: Options) -> tuple[list[Change], list]:
    """Fix one raw config file in place; (changes, findings left for a human)."""
    from otelgen.lint import lint_inputs
    from otelgen.inputs import read_text

    from otelgen import yamlio

    if path == "-":
        raise SpecError([error("E052", [], "--fix rewrites files in place, and stdin (-) is not a file", "save the config to a file and run otelgen lint --fix FILE, or lint stdin without --fix")])
    data, _ = yamlio.read_input(path)  # the same bounded read as every input
    found = read_text(data, path)  # limits, classification, clear errors
    if found.kind != "config":
        raise SpecError([error("E002", [], f"{path} holds {'an otelgen spec' if found.kind == 'spec' else 'Kubernetes manifests'}; --fix rewrites raw collector config files", "lint it without --fix, or fix the config file the ConfigMap is made from")])
    text = yamlio.decode(data, path)
    fixed, changes = fix_text(text, path, options)
    left = lint_inputs(read_text(fixed, path), options)
    if changes:
        from otelgen import atomic

        atomic.write_file(path, fixed, "--fix", keep_mode=True)  # through a symlink: the file it points to
    return changes, left


def run(paths: list[str], options: Options) -> int:
    """``otelgen lint --fix``: changes on stdout, what is left as findings; exit 1
    when errors are left, 2 on unusable input."""
    status = 0
    for path in paths:
        try:
            changes, left = fix_file(path, options)
        except SpecError as exc:
            for problem in exc.problems:
                print(problem.render(), file=sys.stderr)
            status = 2
            continue
        for change in changes:
            print(f"{path}: fixed {change.rule} {change.path}: {change.what}")
        for finding in left:
            where = f"{path}:{finding.line}" if finding.line else path
            print(f"{where}: left {finding.severity} {finding.rule} {finding.path}: {finding.message} (fix: {finding.fix})")
        print(f"{path}: {len(changes)} change(s) written, {len(left)} finding(s) left" if changes else f"{path}: nothing to fix, {len(left)} finding(s) left", file=sys.stderr)
        if status == 0 and any(f.severity == "error" for f in left):
            status = 1
    return status
