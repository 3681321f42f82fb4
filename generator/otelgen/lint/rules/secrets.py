"""Credentials written into configs and manifests, and environment variables:
bare ``$VAR`` (no longer expanded) and ``${env:X}`` the pod does not set."""

from __future__ import annotations

import re
from typing import Any, Iterator

from otelgen import credentials
from otelgen.inputs import Inputs, containers, same_namespace
from otelgen.lint.model import ConfigTarget, Hit, Options

_ENV_REF = re.compile(r"\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}")
_MAX_DEPTH = 64


def is_credential_key(key: str) -> bool:
    """A name that holds a credential (otelgen.credentials: the rule render and import use)."""
    return credentials.credential_name(key)


def is_literal(value: Any) -> bool:
    """A non-empty string that takes nothing from env vars, files or Secrets."""
    return isinstance(value, str) and value.strip() != "" and "${" not in value


def walk_strings(value: Any, path: tuple = (), depth: int = 0) -> Iterator[tuple[tuple, str | None, Any]]:
    """(path, key, value) of every scalar under ``value``."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, (dict, list)):
                yield from walk_strings(v, path + (k,), depth + 1)
            else:
                yield path + (k,), str(k), v
    elif isinstance(value, list):
        for i, v in enumerate(value):
            if isinstance(v, (dict, list)):
                yield from walk_strings(v, path + (i,), depth + 1)
            else:
                yield path + (i,), None, v


_CREDENTIAL_FIX = "move the value into a Secret, expose it as an env var (valueFrom.secretKeyRef) and write ${env:THAT_VAR} here"


def literal_credential(t: ConfigTarget) -> Iterator[Hit]:
    """Every literal credential otelgen.credentials finds (by name or by value); never the value."""
    for found in credentials.find(t.data):
        path = found.path
        if path and path[0] == "service" and path[1:2] != ("telemetry",):
            continue
        where = next((str(p) for p in reversed(path) if isinstance(p, str)), "value")
        yield Hit(path, f"literal credential in {where!r} ({found.why}): anyone who can read the {'ConfigMap' if t.config.configmap else 'config'} can read it", _CREDENTIAL_FIX)


def literal_credential_in_manifests(inputs: Inputs, options: Options) -> Iterator[Hit]:
    """ConfigMap keys and container env values that hold credentials in plain text."""
    config_keys = {(c.configmap.name, c.configmap.namespace, c.key) for c in inputs.configs if c.configmap is not None}
    for cm in inputs.of_kind("ConfigMap"):
        data = cm.get(("data",))
        if not isinstance(data, dict):
            continue
        for key, value in data.items():
            if (cm.name, cm.namespace, str(key)) not in config_keys and credentials.literal(str(key), value) is not None:
                yield Hit(("data", key), f"{cm.ref} holds a credential in plain text under {key!r}", "store it in a Secret instead of a ConfigMap", obj=cm)
    for workload in inputs.workloads:
        for path, container in containers(workload):
            for index, env in enumerate(container.get("env") or []):
                if isinstance(env, dict) and credentials.literal(str(env.get("name", "")), env.get("value")) is not None:
                    yield Hit(path + ("env", index, "value"), f"env {env.get('name')} of container {container.get('name')!r} in {workload.ref} is a literal credential", "use valueFrom.secretKeyRef", obj=workload)


def bare_env_references(text: str) -> list[str]:
    """Names of bare ``$VAR`` references in ``text`` (``$$`` is an escaped dollar)."""
    names, i = [], 0
    while i < len(text):
        if text[i] != "$":
            i += 1
            continue
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if nxt == "$":
            i += 2
            continue
        match = re.match(r"[A-Za-z_][A-Za-z0-9_]*", text[i + 1:])
        if match:
            names.append(match.group(0))
            i += 1 + len(match.group(0))
        else:
            i += 1
    return names


def bare_env_var(t: ConfigTarget) -> Iterator[Hit]:
    for path, _, value in walk_strings(t.data):
        if isinstance(value, str) and "$" in value:
            for name in bare_env_references(value):
                yield Hit(path, f"${name} is not expanded (bare $VAR stopped working in collector 0.109; the value stays literally '${name}')", f"write ${{env:{name}}} (or $${name} for a literal dollar)")


def env_references(config: dict) -> list[tuple[tuple, str]]:
    """(path, name) of every ``${env:NAME}`` / ``${NAME}`` reference."""
    out = []
    for path, _, value in walk_strings(config):
        if isinstance(value, str) and "${" in value:
            for match in _ENV_REF.finditer(value):
                if ":-" not in match.group(0):  # ${env:X:-default} has a fallback
                    out.append((path, match.group(1)))
    return out


def _env_from_covers(inputs: Inputs, namespace: str | None, container: dict, name: str) -> bool:
    """Whether envFrom may set ``name``: a referenced ConfigMap/Secret outside the file may hold anything."""
    for source in container.get("envFrom") or []:
        if not isinstance(source, dict):
            continue
        prefix = str(source.get("prefix") or "")
        for ref_key, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
            ref = source.get(ref_key)
            if not isinstance(ref, dict):
                continue
            found = [o for o in inputs.of_kind(kind) if o.name == ref.get("name") and same_namespace(o.namespace, namespace)]
            if not found:
                return True
            keys = set((found[0].get(("data",)) or {}).keys()) | set((found[0].get(("stringData",)) or {}).keys())
            if name.startswith(prefix) and name[len(prefix):] in keys:
                return True
    return False


def env_var_unset(t: ConfigTarget) -> Iterator[Hit]:
    refs = env_references(t.data)
    for runner in t.runners:
        container = runner.container
        names = {str(e.get("name")) for e in container.get("env") or [] if isinstance(e, dict)}
        for path, name in refs:
            if name not in names and not _env_from_covers(t.inputs, runner.workload.namespace, container, name):
                yield Hit(path, f"${{env:{name}}} is not set in container {container.get('name')!r} of {runner.workload.ref}: the collector substitutes an empty string", f"add env {name} to the container (for a pod IP: valueFrom.fieldRef.fieldPath: status.podIP)")
