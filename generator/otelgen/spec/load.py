"""Load a spec: mode defaults, then each -f file deep-merged in order, then --set.

Every problem becomes a :class:`~otelgen.errors.Problem` with the path into the
document; pydantic's messages are rewritten into what was expected and a hint.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any

from pydantic import BaseModel, ValidationError

from otelgen import credentials, yamlio
from otelgen.components.base import copy_plain, deep_merge, error_loc
from otelgen.errors import Problem, SpecError, error
from otelgen.spec.model import MODES, CollectorDocument
from otelgen.suggest import did_you_mean

TOP_LEVEL = ("apiVersion", "kind", "metadata", "spec")


def mode_defaults(mode: str) -> dict[str, Any]:
    """The embedded defaults of ``mode`` (a fresh copy: callers may change it)."""
    return copy_plain(_parsed_defaults(mode))


@lru_cache(maxsize=None)
def _parsed_defaults(mode: str) -> dict[str, Any]:
    """Parsed once per process: the file ships with the package and never changes."""
    text = resources.files("otelgen.data").joinpath(f"{mode}.yaml").read_text(encoding="utf-8")
    return yamlio.load_mapping(text, f"<defaults for {mode}>")


def read_source(path: str) -> tuple[bytes, str]:
    return yamlio.read_input(path, "check the -f path")


def load_files(paths: list[str]) -> list[tuple[dict[str, Any], str]]:
    docs = []
    for path in paths:
        data, source = read_source(path)
        doc = yamlio.load_mapping(data, source)
        unknown = [k for k in doc if k not in TOP_LEVEL]
        if unknown:
            raise SpecError([error("E003", [unknown[0]], f"{source}: unknown top-level field {unknown[0]!r}", f"a spec has only {', '.join(TOP_LEVEL)}{_did_you_mean(unknown[0], TOP_LEVEL)}")])
        docs.append((doc, source))
    return docs


def choose_mode(cli_mode: str | None, docs: list[tuple[dict[str, Any], str]]) -> str:
    file_mode = None
    for doc, source in docs:
        spec = doc.get("spec")
        if isinstance(spec, dict) and spec.get("mode") is not None:
            file_mode = spec["mode"]
            if file_mode not in MODES:
                raise SpecError([error("E004", ["spec", "mode"], f"{source}: mode {file_mode!r} is not one of {', '.join(MODES)}", "agent (DaemonSet), gateway (Deployment), statefulset (StatefulSet) or sidecar")])
            if cli_mode and file_mode != cli_mode:
                raise SpecError([error("E006", ["spec", "mode"], f"{source} says mode {file_mode!r} but the command renders {cli_mode!r}", f"run `otelgen render {file_mode}` or change spec.mode")])
    mode = cli_mode or file_mode
    if mode is None:
        raise SpecError([error("E006", ["spec", "mode"], "no mode given", "name it on the command line (otelgen render gateway) or set spec.mode")])
    return mode


def apply_set(doc: dict[str, Any], expression: str) -> None:
    """Apply ``a.b[0].c=value`` (value parsed as a YAML scalar/flow value).

    Paths are relative to ``spec`` unless they start with a top-level field
    (metadata.name=…); ``\\.`` escapes a dot inside a key.
    """
    if not yamlio.is_utf8_text(expression):
        raise SpecError([error("E005", [], f"--set {expression!r} is not UTF-8 text", "check the shell quoting and the terminal's encoding")])
    key, sep, raw = expression.partition("=")
    if not sep or not key:
        raise SpecError([error("E005", [], f"--set {expression!r} is not key=value", "e.g. --set exporters.otlp.endpoint=gw.obs:4317")])
    parts = _split_path(key)
    if parts[0] not in TOP_LEVEL:
        parts = ["spec", *parts]
    if len(parts) > MAX_SET_DEPTH:
        raise SpecError([error("E043", [], f"--set {_short_key(key)}: the path has {len(parts)} levels, more than {MAX_SET_DEPTH}", "no spec field is that deep; check the path")])
    value = _set_value(key, raw)
    target: Any = doc
    for i, part in enumerate(parts[:-1]):
        nxt = parts[i + 1]
        if isinstance(part, int):
            if not isinstance(target, list) or part >= len(target):
                raise SpecError([error("E005", parts[: i + 1], f"--set {key}: index {part} is out of range", "lists are replaced whole; set the whole list instead")])
            target = target[part]
            continue
        if not isinstance(target, dict):
            raise SpecError([error("E005", parts[:i], f"--set {key}: cannot descend into a {type(target).__name__}", "check the path")])
        if not isinstance(target.get(part), (dict, list)):
            target[part] = [] if isinstance(nxt, int) else {}
        target = target[part]
    last = parts[-1]
    if isinstance(last, int):
        if not isinstance(target, list) or last > len(target):
            raise SpecError([error("E005", parts, f"--set {key}: index {last} is out of range", "lists are replaced whole; set the whole list instead")])
        if last == len(target):
            target.append(value)
        else:
            target[last] = value
    elif isinstance(target, dict):
        target[last] = value
    else:
        raise SpecError([error("E005", parts[:-1], f"--set {key}: cannot set a field on a {type(target).__name__}", "check the path")])


#: --set paths are at most as deep as a YAML file may be
MAX_SET_DEPTH = yamlio.MAX_DEPTH


def _short_key(key: str) -> str:
    return key if len(key) <= 80 else key[:77] + "..."


def _set_value(key: str, raw: str) -> Any:
    """The value of ``--set key=raw``: YAML (a scalar or flow collection); text
    YAML cannot parse is taken as a string; empty text is the empty string."""
    if not raw.strip():
        return ""
    try:
        docs = yamlio.load_documents(raw, f"--set {_short_key(key)}")
    except SpecError as exc:
        if any(p.id in ("E002", "E040", "E041") for p in exc.problems):
            raise  # bounded-parsing refusals stay refusals
        return raw
    if not docs:
        raise SpecError([error("E042", [], f"--set {_short_key(key)}={raw!r}: YAML reads this value as a comment or as nothing, so it would set nothing", f"quote it to set the text: --set '{_short_key(key)}=\"{raw.strip()}\"'; use null to delete a value")])
    if len(docs) > 1:
        raise SpecError([error("E005", [], f"--set {_short_key(key)}: the value holds {len(docs)} YAML documents", "give one value; quote text that contains ---")])
    return docs[0]


def _split_path(key: str) -> list[str | int]:
    parts: list[str | int] = []
    buf = ""
    i = 0
    while i < len(key):
        ch = key[i]
        if ch == "\\" and i + 1 < len(key) and key[i + 1] == ".":
            buf += "."
            i += 2
            continue
        if ch == ".":
            parts.append(buf)
            buf = ""
        elif ch == "[":
            end = key.find("]", i)
            if end == -1 or not key[i + 1 : end].isdigit():
                raise SpecError([error("E005", [], f"--set {key}: bad list index", "use name[0].field")])
            if buf:
                parts.append(buf)
                buf = ""
            parts.append(int(key[i + 1 : end]))
            i = end + 1
            if i < len(key) and key[i] == ".":
                i += 1
            continue
        else:
            buf += ch
        i += 1
    if buf:
        parts.append(buf)
    if any(p == "" for p in parts):
        raise SpecError([error("E005", [], f"--set {key}: empty path segment", "e.g. --set exporters.otlp.endpoint=gw:4317")])
    return parts


def merged_document(cli_mode: str | None, files: list[str], sets: list[str]) -> dict[str, Any]:
    docs = load_files(files)
    mode = choose_mode(cli_mode, docs)
    merged = mode_defaults(mode)
    for doc, _ in docs:
        merged = deep_merge(merged, doc)
    for expression in sets:
        try:
            apply_set(merged, expression)
        except SpecError as exc:
            raise _without_credentials(exc, expression) from None
    merged = canonical(merged)
    spec = merged.get("spec")
    final = spec.get("mode") if isinstance(spec, dict) else None
    if final != mode:
        raise SpecError([error("E006", ["spec", "mode"], f"{'--set makes' if sets else 'the merged files make'} the mode {final!r} but the command renders {mode!r}", f"run `otelgen render {final}` or drop the --set of spec.mode" if final in MODES else "spec.mode is agent, gateway, statefulset or sidecar and must match the command")])
    return merged


def canonical(value: Any) -> Any:
    """``value`` with every mapping's keys sorted, at every depth (lists keep
    their order: a pipeline's processors run in list order). The output then
    does not depend on the key order of the input, so reordering a spec does
    not change the config checksum and roll every pod. Keys of mixed types
    (YAML allows ``1:`` next to ``a:``) sort by type name, then value."""
    if isinstance(value, dict):
        return {k: canonical(value[k]) for k in sorted(value, key=_key_order)}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    return value


def _key_order(key: Any) -> tuple[str, str]:
    return (type(key).__name__ if not isinstance(key, str) else "", str(key))


def _without_credentials(exc: SpecError, expression: str) -> SpecError:
    """A --set problem that would quote a credential (the whole expression, its path or its value) quotes none."""
    key, _, raw = expression.partition("=")
    leaf = key.rsplit(".", 1)[-1]
    if not (credentials.value_reason(expression) or credentials.value_reason(raw) or credentials.value_reason(key) or credentials.literal(leaf, raw)):
        return exc
    secret_parts = sorted({expression, raw, key if credentials.value_reason(key) else ""} - {""}, key=len, reverse=True)

    def clean(text: str) -> str:
        for part in secret_parts:
            text = text.replace(repr(part), "'<redacted>'").replace(part, "<redacted>")
        return text

    return SpecError([Problem(p.id, tuple(clean(x) if isinstance(x, str) else x for x in p.path), clean(p.message), p.hint, p.severity, p.source) for p in exc.problems])


def credential_problems(doc: dict[str, Any]) -> list[Problem]:
    """E015 for every literal credential in the merged document (spec and metadata,
    whatever the field: typed settings, ``extra``, pod env, annotations); the value is never shown."""
    problems = []
    for top in ("metadata", "spec"):
        for found in credentials.find(doc.get(top), (top,)):
            path = found.path
            if path[:3] == ("spec", "pod", "env") and path[-1] == "value":
                problems.append(error("E015", path, f"env var holds a literal credential ({found.why}); the value is not shown", "take it from a Secret: {name: VAR, secretRef: {name: SECRET, key: KEY}} instead of value"))
            else:
                problems.append(error("E015", path, f"literal credential ({found.why}); the value is not shown", credentials.HINT))
    seen = {p.path for p in problems}
    problems.extend(p for p in _flag_credentials(doc) if p.path not in seen)
    return problems


def _flag_credentials(doc: dict[str, Any]) -> list[Problem]:
    """E015 for a credential passed as a command-line flag (--password=..., --set=...token=...)
    to the collector or an extra container (spec.pod args/command)."""
    pod = (doc.get("spec") or {}).get("pod") if isinstance(doc.get("spec"), dict) else None
    if not isinstance(pod, dict):
        return []
    lists: list[tuple[tuple[Any, ...], Any]] = [(("spec", "pod", "args"), pod.get("args"))]
    for section in ("initContainers", "containers"):
        for i, c in enumerate(pod.get(section) or [] if isinstance(pod.get(section), list) else []):
            if isinstance(c, dict):
                lists += [(("spec", "pod", section, i, field), c.get(field)) for field in ("command", "args")]
    problems = []
    for path, items in lists:
        for i, arg in enumerate(items if isinstance(items, list) else []):
            why = credentials.flag_literal(arg)
            if why:
                problems.append(error("E015", (*path, i), f"literal credential in a command-line flag ({why}); the value is not shown", "pass it in an env var from a Secret (env valueFrom.secretKeyRef) and write $(VAR) in the argument"))
    return problems


def parse_document(doc: dict[str, Any]) -> CollectorDocument:
    problems = credential_problems(doc)
    if problems:
        raise SpecError(problems)
    try:
        return CollectorDocument.model_validate(doc)
    except ValidationError as exc:
        raise SpecError(pydantic_problems(exc, (), CollectorDocument)) from None


def load(cli_mode: str | None, files: list[str], sets: list[str]) -> CollectorDocument:
    return parse_document(merged_document(cli_mode, files, sets))


# ---------------------------------------------------------------- error text


#: the tag pydantic puts in an error's location for the branch of a union it tried
_UNION_BRANCH = re.compile(r"(?:constrained-)?(?:int|float|str|bool)")


def _one_per_union(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A value refused by every branch of a union (``int | ${env:VAR}``) gives one error per
    branch; keep one: the branch whose type matched and whose constraint refused (-1 for an
    integer >= 1), else one error naming what each branch takes."""
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for err in errors:
        field = _union_field(err)
        if field is not None:
            groups.setdefault(field, []).append(err)
    out = []
    for err in errors:
        field = _union_field(err)
        group = groups.get(field) if field is not None else None
        if group is None or len(group) < 2:
            out.append(err)
        elif err is group[0]:
            specific = [e for e in group if not _type_error(e)]
            if specific:
                out.append({**specific[0], "loc": field})
            else:
                wants = " or ".join(dict.fromkeys(_branch_takes(e) for e in group))
                out.append({**err, "loc": field, "type": "union_type", "msg": f"Input should be {wants}"})
    return out


def _union_field(err: dict[str, Any]) -> tuple | None:
    """The field's location when the error is one union branch's (its last part is the tag)."""
    loc = tuple(err["loc"])
    return loc[:-1] if loc and isinstance(loc[-1], str) and _UNION_BRANCH.fullmatch(loc[-1]) else None


def _type_error(err: dict[str, Any]) -> bool:
    kind = err["type"]
    return kind.endswith(("_type", "_parsing")) or kind == "string_pattern_mismatch"


def _branch_takes(err: dict[str, Any]) -> str:
    from otelgen.components.base import DURATION_PATTERN, ENV_REF_PATTERN

    tag = err["loc"][-1]
    pattern = (err.get("ctx") or {}).get("pattern")
    if tag.endswith("str") and pattern == ENV_REF_PATTERN:
        return "a ${env:VAR} reference"
    if tag.endswith("str") and pattern == DURATION_PATTERN:
        return "a duration (200ms, 5s, 1m30s)"
    if tag.endswith("str") and pattern:
        return f"text matching {pattern}"
    return {"int": "an integer", "float": "a number", "bool": "true or false"}.get(tag.removeprefix("constrained-"), "text")


def pydantic_problems(exc: ValidationError, prefix: tuple, model: type[BaseModel] | None) -> list[Problem]:
    problems = []
    for err in _one_per_union(exc.errors(include_url=False)):
        loc = tuple(p for p in error_loc(err) if not (isinstance(p, str) and (p.startswith("function-") or p in ("str", "SecretValue", "dict[str,any]", "dict[str,nullable[dict[str,any]]]"))))
        path = prefix + loc
        kind = err["type"]
        if kind == "extra_forbidden":
            field = loc[-1] if loc else "?"
            allowed = _allowed_fields(model, loc[:-1])
            hint = f"allowed here: {', '.join(allowed)}" if allowed else "remove it"
            hint += _did_you_mean(str(field), allowed)
            if "extra" in allowed:
                hint += "; settings otelgen does not model go under `extra:`"
            problems.append(error("E003", path, f"unknown field {field!r}", hint))
        elif kind == "missing":
            problems.append(error("E004", path, "required field is missing", "add it"))
        elif kind in ("literal_error", "enum"):
            expected = err.get("ctx", {}).get("expected", "")
            problems.append(error("E004", path, f"got {err.get('input')!r}, expected {expected}", "use one of the listed values"))
        elif kind == "value_error" and "literal credential" in str(err["msg"]):
            problems.append(error("E015", path, str(err["msg"]).removeprefix("Value error, "), "create a Secret (kubectl create secret generic NAME --from-literal=KEY=...) and reference it; the pod gets it as an env var, the config as ${env:VAR}"))
        elif kind == "value_error" and _OWN_ID.match(str(err["msg"]).removeprefix("Value error, ")):
            own = _OWN_ID.match(str(err["msg"]).removeprefix("Value error, "))
            problems.append(error(own[1], path, own[2], "fix the value"))
        elif kind == "value_error":
            problems.append(error("E004", path, str(err["msg"]).removeprefix("Value error, "), "fix the value"))
        else:
            problems.append(error("E004", path, f"{err['msg']} (got {_short(err.get('input'))})", "check the type of this value"))
    return problems


#: a validator's message may start with its own problem ID: "[E055] ..."
_OWN_ID = re.compile(r"\[([EW]\d{3})\] (.*)", re.S)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _allowed_fields(model: type[BaseModel] | None, loc: tuple) -> list[str]:
    """Field names (as written in YAML) of the model found at ``loc``."""
    current: Any = model
    for part in loc:
        if current is None or isinstance(part, int):
            continue
        field = _field_by_alias(current, part)
        if field is None:
            return []
        current = _model_of(field.annotation)
    if current is None or not isinstance(current, type) or not issubclass(current, BaseModel):
        return []
    return sorted((f.alias or name) for name, f in current.model_fields.items())


def _field_by_alias(model: type[BaseModel], key: Any):
    for name, field in model.model_fields.items():
        if key in (name, field.alias):
            return field
    return None


def _model_of(annotation: Any) -> type[BaseModel] | None:
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _did_you_mean(word: str, options: list[str] | tuple[str, ...]) -> str:
    return did_you_mean(word, options, before="; ")
