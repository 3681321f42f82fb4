"""Inline credentials out of the config: into Secret references.

Typed places (exporter headers, bearertokenauth's token) become
``{secretRef: {name, key}}``; credentials inside settings otelgen passes
through verbatim become ``${env:VAR}`` with ``VAR`` fed from the Secret via
``spec.pod.env``.  The value itself is never copied anywhere."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from otelgen.components.common import is_sensitive_header
from otelgen.errors import format_path
from otelgen.importer.notes import Notes

#: key words of settings that hold something secret (besides header names)
_SECRET_KEYS = ("password", "token", "secret", "api_key", "apikey", "api-key", "authorization", "credential")
#: settings with these words name a file, URL or switch, not a secret
_NOT_A_VALUE = ("file", "path", "url", "endpoint", "type", "enabled", "scheme", "name")
_SCHEMES = ("Bearer ", "Basic ", "Api-Token ", "ApiKey ", "Token ", "GenieKey ", "Splunk ")


@dataclass(frozen=True)
class Place:
    """Where the credentials of one component go."""

    collector: str  # metadata.name
    namespace: str
    section: str  # "exporters"
    name: str  # component name as written in the input

    @property
    def secret_name(self) -> str:
        return _dns(f"{self.collector}-{self.name}")[:253]

    def where(self, *path: Any) -> str:
        return format_path([self.section, self.name, *path])


def _dns(text: str) -> str:
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9.-]", "-", text.lower())).strip("-.")


def secret_key(name: str) -> str:
    return re.sub(r"[^-._a-zA-Z0-9]", "-", name).strip("-") or "value"


def is_literal(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip()) and "${" not in value


def _split_scheme(value: str) -> tuple[str, str]:
    for scheme in _SCHEMES:
        if value.startswith(scheme) and len(value) > len(scheme):
            return scheme, value[len(scheme):]
    return "", value


def secret_ref(place: Place, key: str, value: str, path: tuple[Any, ...], notes: Notes, origin: str = "") -> dict[str, Any]:
    """The spec's ``{secretRef: ...}`` for a credential, noting the Secret to create
    (``origin``: where the value comes from when it is not written in the config)."""
    prefix, _ = _split_scheme(value)
    key = secret_key(key)
    where = origin or place.where(*path) + (f" without the {prefix.strip()} prefix" if prefix else "")
    notes.secret(place.secret_name, place.namespace, key, where)
    what = f"credential from {origin}" if origin else "inline credential"
    notes.change("C307", [place.section, place.name, *path], f"{what} replaced by Secret {place.secret_name}, key {key}", "create the Secret (command below) before applying")
    ref: dict[str, Any] = {"secretRef": {"name": place.secret_name, "key": key}}
    if prefix:
        ref["prefix"] = prefix
    return ref


def headers_to_secrets(headers: Any, place: Place, notes: Notes) -> Any:
    if not isinstance(headers, dict):
        return headers
    out = {}
    for name, value in headers.items():
        if isinstance(name, str) and is_sensitive_header(name) and is_literal(value):
            out[name] = secret_ref(place, name, value, ("headers", name), notes)
        else:
            out[name] = value
    return out


def _sensitive_key(key: Any) -> bool:
    if not isinstance(key, str):
        return False
    lowered = key.lower()
    return any(w in lowered for w in _SECRET_KEYS) and not any(w in lowered for w in _NOT_A_VALUE)


def env_name(place: Place, path: tuple[Any, ...]) -> str:
    raw = "_".join(["OTELGEN_IMPORT", place.name, *map(str, path)])
    return re.sub(r"[^A-Za-z0-9]", "_", raw).upper()


def verbatim_to_env(value: Any, place: Place, notes: Notes, pod_env: list[dict[str, Any]], path: tuple[Any, ...] = ()) -> Any:
    """A copy of verbatim settings with literal credentials as ``${env:VAR}``;
    each VAR is added to ``pod_env`` fed from the Secret."""
    if isinstance(value, dict):
        if _is_header_pair(value):  # headers_setter style: {key: Authorization, value: "Bearer ..."}
            return {**value, "value": _env_reference(value["value"], place, notes, pod_env, (*path, "value"), value["key"])}
        out = {}
        for key, item in value.items():
            sub = (*path, key)
            if _sensitive_key(key) and is_literal(item):
                out[key] = _env_reference(item, place, notes, pod_env, sub)
            elif key == "headers" and isinstance(item, dict):
                out[key] = {h: (_env_reference(v, place, notes, pod_env, (*sub, h)) if isinstance(h, str) and is_sensitive_header(h) and is_literal(v) else v) for h, v in item.items()}
            else:
                out[key] = verbatim_to_env(item, place, notes, pod_env, sub)
        return out
    if isinstance(value, list):
        return [verbatim_to_env(item, place, notes, pod_env, (*path, i)) for i, item in enumerate(value)]
    return value


def _is_header_pair(item: dict[Any, Any]) -> bool:
    return isinstance(item.get("key"), str) and is_sensitive_header(item["key"]) and is_literal(item.get("value"))


def _env_reference(value: str, place: Place, notes: Notes, pod_env: list[dict[str, Any]], path: tuple[Any, ...], key: str | None = None) -> str:
    prefix, _ = _split_scheme(value)
    var = env_name(place, path)
    ref = secret_ref(place, key or str(path[-1]), value, path, notes)
    pod_env.append({"name": var, "secretRef": ref["secretRef"]})
    return f"{prefix}${{env:{var}}}"
