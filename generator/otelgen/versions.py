"""Collector versions: parsing, comparing, and the pinned default."""

from __future__ import annotations

import re

#: The collector version the test toolchain builds (tools/versions.env) and the
#: default image runs.  tests/test_collector.py keeps the two in step.
PINNED_COLLECTOR_VERSION = "0.145.0"

#: The oldest target version whose component type names otelgen knows (the
#: rename table was checked from here on).
MIN_COLLECTOR_VERSION = "0.139.0"

DEFAULT_IMAGE_REPOSITORY = "ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-k8s"

_VERSION = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)$")


def parse(version: str) -> tuple[int, int, int]:
    match = _VERSION.match(version.strip())
    if not match:
        raise ValueError(f"not a collector version: {version!r} (expected X.Y.Z, e.g. {PINNED_COLLECTOR_VERSION})")
    return int(match[1]), int(match[2]), int(match[3])


def at_least(version: str, minimum: str) -> bool:
    return parse(version) >= parse(minimum)
