"""Kubernetes resource quantities (the subset used for CPU and memory)."""

from __future__ import annotations

import re
from decimal import Decimal

_QUANTITY = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")
_FACTORS = {
    None: Decimal(1), "m": Decimal("0.001"),
    "k": Decimal(10) ** 3, "M": Decimal(10) ** 6, "G": Decimal(10) ** 9, "T": Decimal(10) ** 12, "P": Decimal(10) ** 15, "E": Decimal(10) ** 18,
    "Ki": Decimal(2) ** 10, "Mi": Decimal(2) ** 20, "Gi": Decimal(2) ** 30, "Ti": Decimal(2) ** 40, "Pi": Decimal(2) ** 50, "Ei": Decimal(2) ** 60,
}


def parse(quantity: str) -> Decimal:
    """The quantity's value in base units (bytes for memory, cores for CPU)."""
    match = _QUANTITY.match(str(quantity).strip())
    if not match:
        raise ValueError(f"not a Kubernetes quantity: {quantity!r} (e.g. 512Mi, 1Gi, 250m, 2)")
    return Decimal(match[1]) * _FACTORS[match[2]]


def is_quantity(value: str) -> bool:
    try:
        parse(value)
    except ValueError:
        return False
    return True


def mebibytes(quantity: str) -> int:
    """Whole MiB in a memory quantity (rounded down)."""
    return int(parse(quantity) / _FACTORS["Mi"])
