"""Resource sizes and the memory numbers derived from the memory limit.

The ratios (documented in docs/memory.md):
- memory_limiter ``limit_percentage`` 80 and ``spike_limit_percentage`` 20 of
  the container limit: data is refused from 60% (soft limit) and a GC is
  forced at 80%, leaving 20% for what the Go heap does not count (stacks,
  buffers, the binary).
- GOMEMLIMIT 80% of the limit: the Go GC works harder as the heap nears the
  memory_limiter's hard limit instead of letting it grow to the OOM killer.
- memory_limiter ``check_interval`` 100ms: the spike allowance (20%) must cover
  what arrives between two checks. At 256Mi that is 51 MiB, and under overload a
  gateway on two cores grew its heap by ~150 MiB in one second
  (bench/overload.py): with 1s checks it overshot and was once OOM-killed, with
  100ms it stayed at ~200 MiB. Each check is one runtime.ReadMemStats.
"""

from __future__ import annotations

from dataclasses import dataclass

from otelgen import modes
from otelgen.spec import quantity
from otelgen.spec.model import MemoryTuning, Resources

#: requests == limits for memory (no overcommit: the limiter's percentages are
#: only meaningful against a limit the pod really has).
SIZES: dict[str, dict[str, dict[str, str]]] = {
    "small": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}},
    "medium": {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}},
    "large": {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"cpu": "2", "memory": "2Gi"}},
}
DEFAULT_SIZE = {mode: t.default_size for mode, t in modes.MODES.items()}
EPHEMERAL_STORAGE = {"requests": "64Mi", "limits": "1Gi"}
#: ephemeral storage beside the emptyDirs: the container's log files (the kubelet keeps
#: 5 x 10Mi by default) and what the read-only root file system still lets a process write
EPHEMERAL_HEADROOM_MIB = 128
CHECK_INTERVAL = "100ms"  # memory_limiter; see the module docstring


@dataclass(frozen=True)
class Sizing:
    requests: dict[str, str]
    limits: dict[str, str]

    @property
    def memory_limit(self) -> str | None:
        return self.limits.get("memory")


def resolve(resources: Resources, mode: str) -> Sizing:
    """Size preset, then explicit requests/limits over it."""
    size = resources.size or DEFAULT_SIZE[mode]
    base = SIZES.get(size, {"requests": {}, "limits": {}})
    requests = dict(base["requests"])
    limits = dict(base["limits"])
    requests["ephemeral-storage"] = EPHEMERAL_STORAGE["requests"]
    limits["ephemeral-storage"] = EPHEMERAL_STORAGE["limits"]
    for target, given in ((requests, resources.requests), (limits, resources.limits)):
        for field, key in (("cpu", "cpu"), ("memory", "memory"), ("ephemeral_storage", "ephemeral-storage")):
            value = getattr(given, field)
            if value is not None:
                target[key] = value
    return Sizing(requests=requests, limits=limits)


def gomemlimit(memory_limit: str, tuning: MemoryTuning) -> str:
    """GOMEMLIMIT value, e.g. '409MiB' for a 512Mi limit at 80%."""
    mib = quantity.mebibytes(memory_limit) * tuning.gomemlimit_percentage // 100
    return f"{max(mib, 1)}MiB"


def memory_limiter_settings(tuning: MemoryTuning) -> dict[str, object]:
    return {
        "check_interval": CHECK_INTERVAL,
        "limit_percentage": tuning.limit_percentage,
        "spike_limit_percentage": tuning.spike_limit_percentage,
    }


def fit_ephemeral_storage(resolved: Sizing, resources: Resources, empty_dir_mib: list[int]) -> tuple[Sizing, str | None]:
    """The pod's ephemeral-storage limit with room for its emptyDirs: the kubelet evicts a
    pod whose emptyDirs and logs together pass the limit, and with it every queue in them.

    Without an explicit limit it is derived: the default, or the emptyDirs plus
    ``EPHEMERAL_HEADROOM_MIB`` when that is more. An explicit limit below the emptyDirs'
    sizeLimits is refused (the message is returned, for E064)."""
    need = sum(empty_dir_mib)
    limits = dict(resolved.limits)
    if resources.limits.ephemeral_storage is not None:
        given = quantity.mebibytes(resources.limits.ephemeral_storage)
        if need + EPHEMERAL_HEADROOM_MIB > given:
            return resolved, f"the pod's emptyDirs may hold {need}Mi, and with {EPHEMERAL_HEADROOM_MIB}Mi for logs that does not fit in the ephemeral-storage limit {resources.limits.ephemeral_storage}: the kubelet would evict the pod, and the queues in it with it"
        return resolved, None
    if need + EPHEMERAL_HEADROOM_MIB > quantity.mebibytes(limits["ephemeral-storage"]):
        limits["ephemeral-storage"] = f"{need + EPHEMERAL_HEADROOM_MIB}Mi"
    return Sizing(requests=resolved.requests, limits=limits), None
