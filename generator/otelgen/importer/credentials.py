"""Inline credentials out of the config: into Secret references.

Typed places (exporter headers, bearertokenauth's token) become
``{secretRef: {name, key}}``; credentials inside settings otelgen passes
through verbatim become ``${env:VAR}`` with ``VAR`` fed from the Secret via
``spec.pod.env``.  The value itself is never copied anywhere."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from otelgen import credentials
from otelgen.errors import format_path
from otelgen.importer.notes import Notes

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
    return isinstance(value, str) and bool(value.strip()) and not credentials.is_reference(value)


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
        if isinstance(name, str) and isinstance(value, (str, int, float)) and credentials.literal(name, value) is not None:
            out[name] = secret_ref(place, name, str(value), ("headers", name), notes)
        else:
            out[name] = value
    return out


def env_name(place: Place, path: tuple[Any, ...]) -> str:
    raw = "_".join(["OTELGEN_IMPORT", place.name, *map(str, path)])
    return re.sub(r"[^A-Za-z0-9]", "_", raw).upper()


def verbatim_to_env(value: Any, place: Place, notes: Notes, pod_env: list[dict[str, Any]], path: tuple[Any, ...] = ()) -> Any:
    """A copy of verbatim settings with every literal credential (otelgen.credentials) as
    ``${env:VAR}``; each VAR is added to ``pod_env`` fed from the Secret.  User info in a
    URL and credential query parameters are replaced in place, the rest of the URL kept."""
    if isinstance(value, dict):
        if _is_header_pair(value):  # headers_setter style: {key: Authorization, value: "Bearer ..."}
            return {**value, "value": _env_reference(str(value["value"]), place, notes, pod_env, (*path, "value"), value["key"])}
        out = {}
        for key, item in value.items():
            sub = (*path, key)
            if isinstance(item, (dict, list)):
                out[key] = verbatim_to_env(item, place, notes, pod_env, sub)
            elif credentials.literal(key, item, path[-1] if path else None) is not None:
                out[key] = _replace(item, place, notes, pod_env, sub, key)
            else:
                out[key] = item
        return out
    if isinstance(value, list):
        return [verbatim_to_env(item, place, notes, pod_env, (*path, i)) if isinstance(item, (dict, list)) or credentials.value_reason(item) is None else _replace(item, place, notes, pod_env, (*path, i), None) for i, item in enumerate(value)]
    return value


_USERINFO = re.compile("^" + credentials.USERINFO_PATTERN)
_QUERY = re.compile(r"(?i)((?:^|[?&;\s])(?:" + credentials.QUERY_NAMES + r")=)([^&;\s$][^&;\s]*)")


def _replace(item: Any, place: Place, notes: Notes, pod_env: list[dict[str, Any]], path: tuple[Any, ...], key: Any) -> str:
    """``item`` with its credential part as ``${env:VAR}`` (a URL keeps scheme, host and path)."""
    text = str(item)
    if not credentials.credential_name(key):
        match = _USERINFO.match(text)
        if match and credentials.value_reason(match.group(0)) is not None:
            ref = _env_reference(match.group(2), place, notes, pod_env, path, f"{path[-1]}-userinfo" if path else "userinfo", keep_scheme=False)
            replaced = match.group(1) + ref + "@" + text[match.end():]
            return replaced if credentials.value_reason(replaced) is None else _replace(replaced, place, notes, pod_env, (*path, "query"), key)
        if _QUERY.search(text):
            return _QUERY.sub(lambda m: m.group(1) + _env_reference(m.group(2), place, notes, pod_env, (*path, m.group(1).strip("?&; =")), m.group(1).strip("?&; =")), text, count=1)
    return _env_reference(text, place, notes, pod_env, path, None if key is None else str(key))


def _is_header_pair(item: dict[Any, Any]) -> bool:
    return isinstance(item.get("key"), str) and credentials.literal(item["key"], item.get("value")) is not None


def _env_reference(value: str, place: Place, notes: Notes, pod_env: list[dict[str, Any]], path: tuple[Any, ...], key: str | None = None, keep_scheme: bool = True) -> str:
    prefix = _split_scheme(value)[0] if keep_scheme else ""
    var = env_name(place, path)
    ref = secret_ref(place, key or str(path[-1]), value, path, notes)
    pod_env.append({"name": var, "secretRef": ref["secretRef"]})
    return f"{prefix}${{env:{var}}}"
