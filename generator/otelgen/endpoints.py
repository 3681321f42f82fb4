"""The one endpoint parser: host and port of the endpoints collector configs
carry, for the planner (listening ports, exporters' egress), lint (listeners on
localhost, port collisions) and import (endpoint → port).

Forms: ``scheme://host:port/path``, ``host:port``, ``:port`` (every interface),
``[v6]:port``, and env references (``${env:HOST}:4317``, ``${env:ENDPOINT}``,
``host:${env:PORT}``): a ``:`` inside ``${...}`` never separates host and port,
and a port that is an env reference is unknown (None).
"""

from __future__ import annotations

#: the port a URL means when it names none
SCHEME_PORTS = {"https": 443, "http": 80}


def _authority(endpoint: str) -> tuple[str, str]:
    """(scheme, host[:port]) of ``endpoint``: the scheme and path are cut off."""
    scheme, rest = "", endpoint
    if "://" in rest:
        scheme, rest = rest.split("://", 1)
    return scheme.lower(), rest.split("/", 1)[0]


def _last_separator(text: str) -> int:
    """Index of the ``:`` between host and port (none inside ``${...}`` or ``[...]``), or -1."""
    depth, found = 0, -1
    for i, char in enumerate(text):
        if char in "[{":
            depth += 1
        elif char in "]}" and depth:
            depth -= 1
        elif char == ":" and not depth:
            found = i
    return found


def host_port(endpoint: str) -> tuple[str, int | None]:
    """(host, port) of an endpoint. The port is the written one; else the scheme's
    (https 443, http 80); None when unknown (an env reference, no port and no scheme).
    ``:4317`` is host '' (every interface) on 4317."""
    scheme, rest = _authority(endpoint)
    at = _last_separator(rest)
    host, port = (rest[:at], rest[at + 1 :]) if at >= 0 else (rest, "")
    if port.isdigit():
        return host, int(port)
    if "${" in rest:
        return host, None
    return host, SCHEME_PORTS.get(scheme)


def listen_port(endpoint: str | None) -> int | None:
    """The port a listener's endpoint names: ``host:port``, ``:port``, or a bare port
    number (``4317``); None when it names none (``localhost``, an env reference)."""
    if not endpoint:
        return None
    return host_port(endpoint if ":" in endpoint else f":{endpoint}")[1]
