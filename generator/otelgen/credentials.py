"""The one predicate for "this holds a credential", shared by render, the Helm
chart, lint and import.

A value is a literal credential when

* its **name** says so: a header or setting name vendors use for keys
  (``Authorization``, ``api-key``, ``x-honeycomb-team``, ``DD-API-KEY``,
  ``Lightstep-Access-Token``, ``X-SF-Token``, ``x-insert-key``, …) or a name
  with a key/token/password/secret/credential word in it — unless the name is
  a reference to one (``*_file``, ``*_path``, ``token_url``, ``secret_name``,
  ``auth_type``, ``authenticator``, …), and the value is written out rather
  than taken from ``${env:VAR}`` / ``${file:...}``; or
* its **value** says so, whatever the name: a known key prefix (``sk-``,
  ``ghp_``, ``xoxb-``, ``glpat-``, ``AKIA…``, …), ``Bearer``/``Basic``/
  ``Api-Token`` + a token, a PEM private key, a placeholder for one
  (``<your-api-key>``, ``YOUR_API_KEY``, ``changeme``), user info in a URL
  (``https://user:pass@host``), a credential query parameter (``?token=…``),
  or a long random-looking token.

Every rule is a regular expression in the tables below, written in the syntax
Python's ``re`` and Go's RE2 share: the Helm chart reads the same tables
(``files/otelgen.json`` → ``credentials``) and applies them in
``templates/_checks.tpl``.  Nothing here ever returns or prints the value.
"""

from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass
from typing import Any, Iterator

#: header and setting names vendors document for their keys (matched whole, lowercase)
VENDOR_NAMES: tuple[str, ...] = (
    "authorization", "proxy-authorization",
    "api-key",  # New Relic (license key), Azure
    "x-api-key", "x-goog-api-key",
    "dd-api-key", "dd-application-key",  # Datadog
    "x-honeycomb-team",  # Honeycomb: the API key, although the name says "team"
    "lightstep-access-token",  # Lightstep / ServiceNow Cloud Observability
    "x-sf-token",  # SignalFx / Splunk Observability
    "x-insert-key", "x-license-key",  # New Relic event/metric APIs
    "uptrace-dsn",  # Uptrace: the DSN carries the token as URL user info
    "ocp-apim-subscription-key",  # Azure API Management
)

#: a credential word anywhere in the lowercased name
NAME_PATTERN = (
    r"password|passwd|passphrase|secret|token|credential|apikey|api[-_.]key|authorization|signature|"
    r"(private|access|license|licence|insert|auth|app|application|ingest|ingestion|master|account|shared|signing|subscription|client|encryption)[-_.]?key|"
    r"key[-_.]?pem|connection[-_.]?string|(^|[-_.])dsn$|(^|[-_.])pwd$|^pass$"
)

#: names that hold a reference to a credential (a file, a URL, a Secret's name, an
#: extension, a type, a duration), never the credential itself (lowercased, searched)
REFERENCE_PATTERN = (
    r"(file|files|path|dir|directory|url|uri|endpoint|type|name|names|ref|id|enabled|header|prefix|scheme|"
    r"algorithm|format|source|authenticator|env|var|ttl|interval|timeout|expiry|expiration|duration|lifetime|"
    r"seconds|length|size|count|limit|mode|location|store|provider)$|^(cert_secret|ca_secret|auth)$"
)

#: (parent key, name): names that hold a credential only below a given parent (Datadog's api.key)
PARENT_NAMES: tuple[tuple[str, str], ...] = (("api", "key"),)

#: names whose values are digests or identifiers (the generic token rule does not apply)
DIGEST_NAME_PATTERN = r"sha1|sha256|digest|checksum|hash|fingerprint|uuid|orgid|tenant|commit|revision|(sha|uid|id|name|image|tag|version|rev)$"

#: a reference the collector expands at runtime: ${env:X}, ${file:...}, ${X}
REFERENCE_VALUE = r"\$\{[^}]*\}"

#: words that may stand in front of a reference (Bearer ${env:TOKEN}), and values that mean "nothing"
SCHEME_WORDS = r"^(?i:bearer|basic|api-token|apikey|token|splunk|geniekey|ssws|dsn|key)\s*"
NOT_A_SECRET = ("redacted", "[redacted]", "<redacted>", "***", "none", "null", "nil", "-", "true", "false", "")

#: query and connection-string parameters that carry a credential (?token=..., Password=...)
QUERY_NAMES = r"password|passwd|pwd|token|access_token|api[-_]?key|secret|client_secret|sig|accountkey|sharedaccesskey"

#: (why, pattern searched in the value): the value is a credential whatever its name
VALUE_PATTERNS: tuple[tuple[str, str], ...] = (
    ("a PEM private key", r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----"),
    ("an Authorization scheme with a token", r"^\s*(?i:bearer|basic|api-token|apikey|splunk|geniekey|ssws)\s+[A-Za-z0-9._~+/=:-]{8,}\s*$"),
    ("a vendor key prefix", r"(^|[^A-Za-z0-9])(sk-[A-Za-z0-9_-]{16,}|(sk|rk)_live_[A-Za-z0-9]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|glpat-[A-Za-z0-9_-]{20,}|glc_[A-Za-z0-9+/=_-]{20,}|(AKIA|ASIA)[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{35}|NRAK-[A-Z0-9]{20,}|dt0[a-z][0-9]{2}\.[A-Za-z0-9]{16,}|hcaik_[A-Za-z0-9]{20,}|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})"),
    ("a placeholder for a credential", r"^\s*(?i:<[^<>]*(key|token|secret|password|credential)[^<>]*>|your[-_ ]?([a-z]+[-_ ])*(api[-_ ]?key|key|token|secret|password|license)|change[-_]?me|replace[-_]?me|insert[-_]?key[-_]?here)\s*$"),
    ("a credential in a URL query or connection string", r"(?i:(^|[?&;\s])(" + QUERY_NAMES + r")=)[^&;\s$]"),
)

#: user info in a URL (scheme://user:pass@host); checked with references removed
USERINFO_PATTERN = r"([A-Za-z][A-Za-z0-9+.-]*://)([^/?#@\s]+)@"

#: a long random-looking token: all of these match, none of GENERIC_NOT
GENERIC_TOKEN = (r"^[A-Za-z0-9+/=_-]{20,}$", r"([^0-9]*[0-9]){4}", r"([^A-Za-z]*[A-Za-z]){4}", r"^[A-Za-z0-9+/=]*[-_]?[A-Za-z0-9+/=]*[-_]?[A-Za-z0-9+/=]*$")
GENERIC_NOT = (r"^/", r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", r"^[0-9]+$")

_NAME = re.compile(NAME_PATTERN)
_REFERENCE = re.compile(REFERENCE_PATTERN)
_DIGEST_NAME = re.compile(DIGEST_NAME_PATTERN)
_REF_VALUE = re.compile(REFERENCE_VALUE)
_SCHEME = re.compile(SCHEME_WORDS)
_VALUES = tuple((why, re.compile(p)) for why, p in VALUE_PATTERNS)
_USERINFO = re.compile(USERINFO_PATTERN)
_GENERIC = tuple(re.compile(p) for p in GENERIC_TOKEN)
_GENERIC_NOT = tuple(re.compile(p) for p in GENERIC_NOT)
_ALNUM = re.compile(r"[A-Za-z0-9]")

#: what to do instead (the same words in render, the chart, lint and import)
HINT = (
    "put the value in a Secret (kubectl create secret generic NAME --from-literal=KEY=...) and reference it: "
    "where otelgen types the field (exporter headers, bearertokenauth token) write {secretRef: {name: NAME, key: KEY}}; "
    "anywhere else add spec.pod.env [{name: VAR, secretRef: {name: NAME, key: KEY}}] and write ${env:VAR}"
)


def credential_name(name: Any) -> bool:
    """Whether a header/setting/env var name holds a credential (not a reference to one)."""
    if not isinstance(name, str):
        return False
    lowered = name.strip().lower()
    if lowered in VENDOR_NAMES:
        return True
    return bool(_NAME.search(lowered)) and not _REFERENCE.search(lowered)


def is_reference(value: Any) -> bool:
    """A value taken at runtime from an env var or file: nothing literal besides a scheme word."""
    return isinstance(value, str) and "${" in value and not _literal_rest(value)


def _literal_rest(text: str) -> bool:
    rest = _SCHEME.sub("", _REF_VALUE.sub("", text).strip(), count=1).strip()
    return rest.lower() not in NOT_A_SECRET and bool(_ALNUM.search(rest))


def value_reason(value: Any, name: Any = None) -> str | None:
    """Why ``value`` looks like a credential whatever its name, or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    return _string_reason(value, name if isinstance(name, str) else None)


@lru_cache(maxsize=4096)
def _string_reason(value: str, name: str | None) -> str | None:
    """value_reason of a string (pure: cached, as every render scans the same defaults)."""
    for why, pattern in _VALUES:
        if pattern.search(value):
            return why
    for match in _USERINFO.finditer(value):
        if _ALNUM.search(_REF_VALUE.sub("", match.group(2))):
            return "user info in a URL"
    lowered = name.lower() if name else ""
    if not (lowered and (_REFERENCE.search(lowered) or _DIGEST_NAME.search(lowered))):
        if all(p.search(value) for p in _GENERIC) and not any(p.search(value) for p in _GENERIC_NOT):
            return "a long random-looking token"
    return None


def literal(name: Any, value: Any, parent: Any = None) -> str | None:
    """Why ``value`` under ``name`` (below ``parent``) is a literal credential, or None (never the value itself)."""
    if value is None or isinstance(value, bool) or isinstance(value, (dict, list)):
        return None
    if credential_name(name) or (isinstance(name, str) and isinstance(parent, str) and (parent.lower(), name.lower()) in PARENT_NAMES):
        text = value if isinstance(value, str) else str(value)
        if _literal_rest(text):
            return f"{name!r} names a credential"
    return value_reason(value, name)


#: stands in a path for a mapping key that is itself a credential
REDACTED_KEY = "<redacted key>"


@dataclass(frozen=True)
class Finding:
    path: tuple[Any, ...]
    why: str


#: {name|key: X, value: Y} pairs: env entries, headers_setter headers, attribute actions
_PAIR_NAMES = ("name", "key")


def find(data: Any, path: tuple[Any, ...] = (), depth: int = 0) -> Iterator[Finding]:
    """Every literal credential under ``data`` (dicts, lists, scalars), by path."""
    if depth > 64:
        return
    if isinstance(data, dict):
        pair_name = next((data[k] for k in _PAIR_NAMES if isinstance(data.get(k), str)), None)
        for key, item in data.items():
            if isinstance(key, str) and value_reason(key) is not None:
                yield Finding((*path, REDACTED_KEY), "a mapping key that looks like a credential")
                continue
            sub = (*path, key)
            if isinstance(item, (dict, list)):
                yield from find(item, sub, depth + 1)
                continue
            why = literal(key, item, path[-1] if path else None)
            if why is None and key == "value" and pair_name is not None:
                why = literal(pair_name, item)
            if why is not None:
                yield Finding(sub, why)
    elif isinstance(data, list):
        for index, item in enumerate(data):
            if isinstance(item, (dict, list)):
                yield from find(item, (*path, index), depth + 1)
            else:
                why = value_reason(item)
                if why is not None:
                    yield Finding((*path, index), why)
    else:
        why = value_reason(data)
        if why is not None:
            yield Finding(path, why)


def tables() -> dict[str, Any]:
    """The rules as data, for the Helm chart (files/otelgen.json)."""
    return {
        "vendorNames": list(VENDOR_NAMES),
        "name": NAME_PATTERN,
        "reference": REFERENCE_PATTERN,
        "digestName": DIGEST_NAME_PATTERN,
        "referenceValue": REFERENCE_VALUE,
        "schemeWords": SCHEME_WORDS,
        "notASecret": list(NOT_A_SECRET),
        "values": [list(v) for v in VALUE_PATTERNS],
        "userinfo": USERINFO_PATTERN,
        "generic": list(GENERIC_TOKEN),
        "genericNot": list(GENERIC_NOT),
        "pairNames": list(_PAIR_NAMES),
        "parentNames": [f"{parent}/{name}" for parent, name in PARENT_NAMES],
        "hint": HINT,
        "redactedKey": REDACTED_KEY,
    }


_FLAG = re.compile(r"^-{1,2}([A-Za-z0-9_.-]+)=(.*)$", re.S)


def flag_literal(arg: Any) -> str | None:
    """Why a command-line argument ``--name=value`` carries a literal credential (or None):
    the flag's name, or for ``--set=path.key=value`` the last key of the path, names one."""
    match = _FLAG.match(arg) if isinstance(arg, str) else None
    if not match:
        return None
    name, value = match.groups()
    why = literal(name, value)
    if why is None and "=" in value:
        key, _, rest = value.partition("=")
        why = literal(key.rsplit(".", 1)[-1], rest)
    return why
