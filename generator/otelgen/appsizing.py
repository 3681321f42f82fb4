"""What batching really does, in numbers: the app's SDK (BatchSpanProcessor /
BatchLogRecordProcessor) and the collector (batch processor + sending_queue).

The SDK model (the OpenTelemetry SDK specification's batching processor; the
Python SDK's behaviour is checked in tests/test_appsizing.py):

- Finished spans go into a queue of ``maxQueue``. One worker exports them,
  one export at a time, at most ``maxBatch`` per export.
- The worker wakes when the schedule delay (``interval``) has passed *or* as
  soon as ``maxBatch`` spans are queued. So the interval holds only while
  ``rate < maxBatch / interval``; above that an export leaves every
  ``maxBatch / rate`` seconds (512 / 300 s ≈ 1.7 spans/s for a 5-minute interval).
- A span is dropped when it is finished while the queue holds ``maxQueue``
  spans. The queue fills only while the worker is busy exporting: the export
  in flight has already taken its batch out of the queue, and up to
  ``maxBatch - 1`` spans can be waiting when it starts. An export that takes
  ``d`` seconds therefore loses ``max(0, waiting + rate·d - maxQueue)`` spans:
  none while ``rate·d <= maxQueue - maxBatch + 1``, some for sure once
  ``rate·d > maxQueue``. Sustained, the worker moves at most ``maxBatch / d``
  spans/s; above that the queue grows on every export until it drops.
  ``rate × interval > maxQueue`` is *not* the condition: the SDK never waits
  for the interval with a full batch queued.
- A stalled export (collector restarting, backend slow) lasts up to the
  exporter's timeout, so ``maxQueue / rate`` is how long a stall the app
  survives without loss.
- Memory: the queue holds at most ``maxQueue`` finished spans (plus the
  batch in flight), ``spanSize`` each.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from otelgen.errors import Problem, SpecError, error, warning

#: assumed size of one finished span in memory, when the spec does not say:
#: a span with ~10 short attributes and no events is a few hundred bytes of
#: OTLP, more as an SDK object (Python/Java objects, Go structs with maps).
DEFAULT_SPAN_BYTES = 1024
#: assumed round trip of one export to a collector on the same node/cluster
DEFAULT_ROUND_TRIP_S = 0.01
#: SDK defaults (OpenTelemetry SDK environment variable specification)
SDK_DEFAULTS = {"interval": "5s", "maxQueue": 2048, "maxBatch": 512, "exportTimeout": "30s"}
#: collector batch processor defaults (send_batch_size, timeout) and sending_queue.queue_size
BATCH_SEND_SIZE = 8192
BATCH_TIMEOUT_S = 0.2
SENDING_QUEUE_SIZE = 1000
#: warn when the SDK queues (spans + logs) need more than this share of the app container's memory limit
APP_MEMORY_SHARE = 0.25

_RATE = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*([kKmM]?)\s*/\s*(ms|s|sec|m|min|h|hr)\s*$")
_DURATION_PART = re.compile(r"([0-9]*\.?[0-9]+)(ms|us|µs|ns|s|m|h)")
_RATE_MULT = {"": 1.0, "k": 1e3, "K": 1e3, "m": 1e6, "M": 1e6}
_PER = {"ms": 1e-3, "s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "hr": 3600.0}
_UNIT = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_SIZE = re.compile(r"^\s*([0-9]+)\s*(B|KiB|Ki|KB|k|MiB|Mi|MB|M)?\s*$")
_SIZE_MULT = {None: 1, "B": 1, "KiB": 1024, "Ki": 1024, "KB": 1000, "k": 1000, "MiB": 1024**2, "Mi": 1024**2, "MB": 1000**2, "M": 1000**2}


def parse_rate(text: str) -> float:
    """'50k/s' → 50000.0, '3000/min' → 50.0, '2/s' → 2.0 (items per second)."""
    m = _RATE.match(str(text))
    if not m:
        raise ValueError(f"{text!r} is not a rate (e.g. 50k/s, 2/s, 3000/min, 1M/h)")
    return float(m[1]) * _RATE_MULT[m[2]] / _PER[m[3]]


def parse_duration(text: str) -> float:
    """Go-style durations: '5m' → 300.0, '300s', '500ms', '1m30s' (seconds)."""
    s = str(text).strip()
    if not s:
        raise ValueError("empty duration (e.g. 5s, 500ms, 5m)")
    pos, total = 0, 0.0
    for m in _DURATION_PART.finditer(s):
        if m.start() != pos:
            break
        total += float(m[1]) * _UNIT[m[2]]
        pos = m.end()
    if pos != len(s):
        raise ValueError(f"{text!r} is not a duration (e.g. 5m, 300s, 500ms, 1m30s)")
    return total


def parse_size(text: str | int) -> int:
    """'1KiB' → 1024, '512' → 512 (bytes)."""
    if isinstance(text, int):
        return text
    m = _SIZE.match(str(text))
    if not m:
        raise ValueError(f"{text!r} is not a size in bytes (e.g. 1KiB, 512, 2MiB)")
    return int(m[1]) * _SIZE_MULT[m[2]]


def human_rate(per_s: float, what: str = "") -> str:
    unit = f" {what}/s" if what else "/s"
    if per_s >= 1e6:
        return f"{per_s / 1e6:.3g}M{unit}"
    if per_s >= 1e4:
        return f"{per_s / 1e3:.4g}k{unit}"
    return f"{per_s:.3g}{unit}"


def count(n: float) -> str:
    return f"{n:,.0f}" if n >= 10 else f"{n:.3g}"


def human_duration(seconds: float) -> str:
    if math.isinf(seconds):
        return "never"
    if seconds < 1:
        return f"{seconds * 1e3:.3g}ms"
    if seconds < 120:
        return f"{seconds:.3g}s"
    if seconds < 7200:
        return f"{seconds / 60:.3g}m"
    return f"{seconds / 3600:.3g}h"


def human_bytes(n: float) -> str:
    for unit, size in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:.0f} B"


# ---------------------------------------------------------------- the SDK side


@dataclass(frozen=True)
class SdkBatch:
    interval_s: float
    max_queue: int
    max_batch: int
    export_timeout_s: float = 30.0


def interval_holds_below(b: SdkBatch) -> float:
    """The rate (items/s) below which exports really leave every interval."""
    return b.max_batch / b.interval_s if b.interval_s > 0 else math.inf


def effective_interval(b: SdkBatch, rate: float) -> float:
    """Seconds between exports at ``rate``: the interval, or sooner once a full batch is queued."""
    if rate <= 0:
        return b.interval_s
    return min(b.interval_s, b.max_batch / rate)


def items_per_export(b: SdkBatch, rate: float) -> float:
    return min(float(b.max_batch), rate * b.interval_s)


def lost_during_export(b: SdkBatch, waiting: int, arrivals: int) -> int:
    """Items dropped while one export is in flight: ``waiting`` were queued when it
    started (it already took its batch), ``arrivals`` more are finished before it returns."""
    return max(0, waiting + arrivals - b.max_queue)


def stall_tolerance(b: SdkBatch, rate: float) -> tuple[float, float]:
    """How long one export may take at ``rate`` before spans are dropped:
    (certainly safe, certainly lossy) — the spans already waiting decide where between."""
    if rate <= 0:
        return math.inf, math.inf
    safe = max(0, b.max_queue - b.max_batch + 1) / rate
    return safe, b.max_queue / rate


def throughput_ceiling(b: SdkBatch, round_trip_s: float) -> float:
    """Items/s the single export worker moves when each export takes ``round_trip_s``."""
    return b.max_batch / round_trip_s if round_trip_s > 0 else math.inf


def queue_bytes(b: SdkBatch, item_bytes: int) -> int:
    """The queue full plus the batch in flight."""
    return (b.max_queue + b.max_batch) * item_bytes


@dataclass
class SdkReport:
    batch: SdkBatch
    rate: float | None
    item_bytes: int
    round_trip_s: float
    lines: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def check_sdk(b: SdkBatch, rate: float | None, item_bytes: int = DEFAULT_SPAN_BYTES, round_trip_s: float = DEFAULT_ROUND_TRIP_S,
              path=("spec", "apps", "batch"), signal: str = "spans", memory_limit_bytes: int | None = None, memory_owner: str = "") -> SdkReport:
    """The numbers (``lines``) and the warnings (``problems``) for one SDK batching setup.
    ``path`` is the spec path of the batch settings, or a function from field name to path."""
    at = path if callable(path) else (lambda f, base=tuple(path): (*base, f))
    if b.max_batch > b.max_queue:
        raise SpecError([error("E021", at("maxBatch"), f"maxBatch {b.max_batch} is larger than maxQueue {b.max_queue}", "the SDK specification requires maxBatch <= maxQueue (SDKs reject or clamp it)")])
    report = SdkReport(b, rate, item_bytes, round_trip_s)
    holds = interval_holds_below(b)
    interval = human_duration(b.interval_s)
    lines = report.lines
    lines.append(f"interval {interval}, maxQueue {b.max_queue}, maxBatch {b.max_batch}, exportTimeout {human_duration(b.export_timeout_s)}")
    lines.append(f"the interval holds below {human_rate(holds, signal)} (maxBatch {b.max_batch} / {interval}); above that the SDK exports each time {b.max_batch} are queued")
    mem = queue_bytes(b, item_bytes)
    lines.append(f"queue memory: up to {human_bytes(mem)} per process ((maxQueue {b.max_queue} + batch in flight {b.max_batch}) x {human_bytes(item_bytes)} per item, an assumption: --span-size / apps.spanSize)")
    if rate is None:
        if b.interval_s > parse_duration(SDK_DEFAULTS["interval"]):
            report.problems.append(warning("W110", at("interval"), f"interval {interval} holds only below {human_rate(holds, signal)} per process (maxBatch {b.max_batch} / {interval}); above that the SDK exports every {b.max_batch} {signal}, sooner than the interval", f"set apps.expectedRate to see the effective interval; a longer interval only delays data at low rates"))
    else:
        eff = effective_interval(b, rate)
        lines.append(f"at {human_rate(rate, signal)}: an export every {human_duration(eff)} with {items_per_export(b, rate):.4g} {signal} each")
        safe, lossy = stall_tolerance(b, rate)
        lines.append(f"at {human_rate(rate, signal)}: the queue absorbs an export that stalls for {human_duration(safe)} (up to {human_duration(lossy)} when nothing is waiting); a longer stall drops {signal}")
        ceiling = throughput_ceiling(b, round_trip_s)
        lines.append(f"one export worker moves at most {human_rate(ceiling, signal)} at a {human_duration(round_trip_s)} round trip (maxBatch / round trip)")
        if rate > holds:
            report.problems.append(warning("W110", at("interval"), f"at {human_rate(rate, signal)} the SDK exports every {human_duration(eff)} ({b.max_batch} {signal} per export), not every {interval}: the interval holds only below {human_rate(holds, signal)} (maxBatch {b.max_batch} / {interval})", f"exporting every {interval} at this rate would take maxBatch and maxQueue >= {count(math.ceil(rate * b.interval_s))} (~{human_bytes(math.ceil(rate * b.interval_s) * 2 * item_bytes)} per process); the shorter interval costs nothing, so usually accept it"))
        stalled = rate * b.export_timeout_s
        if stalled > b.max_queue:
            report.problems.append(warning("W111", at("maxQueue"), f"at {human_rate(rate, signal)} the queue of {b.max_queue} fills {human_duration(lossy)} into a stalled export; an export that runs to its {human_duration(b.export_timeout_s)} timeout drops up to {count(math.ceil(stalled - b.max_queue))} {signal}", f"maxQueue >= {count(math.ceil(stalled))} keeps a whole timeout's worth (memory: {human_bytes((math.ceil(stalled) + b.max_batch) * item_bytes)}), or lower exportTimeout"))
        if rate > ceiling:
            report.problems.append(warning("W112", at("maxBatch"), f"{human_rate(rate, signal)} is more than one export worker moves at a {human_duration(round_trip_s)} round trip ({human_rate(ceiling, signal)} = maxBatch / round trip): the queue grows on every export and drops {signal}", f"raise maxBatch to at least {count(math.ceil(rate * round_trip_s))}, or sample"))
    if memory_limit_bytes and mem > APP_MEMORY_SHARE * memory_limit_bytes:
        report.problems.append(warning("W113", at("maxQueue"), f"a full {signal} queue needs ~{human_bytes(mem)}, more than {int(APP_MEMORY_SHARE * 100)}% of {memory_owner or 'the container'}'s memory limit {human_bytes(memory_limit_bytes)}", "lower maxQueue or raise the container's memory limit"))
    return report


# ---------------------------------------------------------------- the collector side


@dataclass(frozen=True)
class ExporterQueue:
    name: str
    enabled: bool
    queue_size: int


@dataclass
class CollectorReport:
    lines: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def check_collector(memory_limit_bytes: int | None, limit_percentage: int, spike_percentage: int, batch_size: int, batch_timeout_s: float,
                    queues: list[ExporterQueue], rate: float | None, item_bytes: int = DEFAULT_SPAN_BYTES) -> CollectorReport:
    """A full sending_queue (queue_size requests of one batch each) against memory_limiter's soft limit."""
    report = CollectorReport()
    per_request = float(batch_size)
    if rate is not None:
        per_request = min(float(batch_size), max(1.0, rate * batch_timeout_s))
    report.lines.append(f"batch: send_batch_size {batch_size}, timeout {human_duration(batch_timeout_s)} → ~{count(per_request)} items per request" + (f" at {human_rate(rate)}" if rate is not None else " (worst case: full batches)"))
    total_items = sum(q.queue_size * per_request for q in queues if q.enabled)
    total_bytes = total_items * item_bytes
    for q in queues:
        if q.enabled:
            outage = f", absorbs a backend outage of {human_duration(q.queue_size * per_request / rate)}" if rate else ""
            report.lines.append(f"exporter {q.name}: sending_queue {q.queue_size} requests ≈ {count(q.queue_size * per_request)} items ≈ {human_bytes(q.queue_size * per_request * item_bytes)}{outage}")
        else:
            report.lines.append(f"exporter {q.name}: sending_queue disabled (a failed export drops its batch after retries)")
    if memory_limit_bytes is None:
        report.lines.append("no memory limit: memory_limiter follows the node's memory")
        return report
    soft = memory_limit_bytes * (limit_percentage - spike_percentage) / 100
    hard = memory_limit_bytes * limit_percentage / 100
    report.lines.append(f"memory_limiter: refuses data above {human_bytes(soft)} (soft, {limit_percentage - spike_percentage}%), forces GC at {human_bytes(hard)} (hard, {limit_percentage}%) of the {human_bytes(memory_limit_bytes)} limit")
    if rate:
        report.lines.append(f"at {human_rate(rate)} the soft limit is reached after {human_duration(soft / (rate * item_bytes))} of backlog")
    if total_bytes > soft:
        fits = int(soft // (per_request * item_bytes * max(1, sum(1 for q in queues if q.enabled))))
        report.problems.append(warning("W114", ["spec", "exporters"], f"full sending queues need ~{human_bytes(total_bytes)} ({count(total_items)} items x {human_bytes(item_bytes)}), more than memory_limiter's soft limit {human_bytes(soft)} of the {human_bytes(memory_limit_bytes)} container limit: during an outage the collector refuses data before the queues are full", f"sending_queue.queue_size <= {max(fits, 1)} per exporter, or a larger resources.size, or a persistent queue (sending_queue.storage)"))
    return report


def collector_inputs(plan) -> tuple[int | None, int, int, int, float, list[ExporterQueue]]:
    """The numbers check_collector needs, read from a plan."""
    from otelgen.spec import quantity

    limit = plan.sizing.memory_limit
    limit_bytes = int(quantity.mebibytes(limit) * 1024 * 1024) if limit else None
    mem = plan.spec.memory
    batch_size, timeout = BATCH_SEND_SIZE, BATCH_TIMEOUT_S
    for inst in plan.used("processors"):
        if inst.type_name == "batch":
            cfg = inst.config()
            batch_size = int(cfg.get("send_batch_max_size") or cfg.get("send_batch_size") or BATCH_SEND_SIZE)
            if cfg.get("timeout"):
                timeout = parse_duration(cfg["timeout"])
            break
    queues = []
    for inst in sorted(plan.used("exporters"), key=lambda i: i.name):
        cfg = inst.config()
        if inst.type_name in ("debug", "file", "nop"):
            continue
        sq = cfg.get("sending_queue") or {}
        queues.append(ExporterQueue(inst.name, bool(sq.get("enabled", True)), int(sq.get("queue_size") or SENDING_QUEUE_SIZE)))
    return limit_bytes, mem.limit_percentage, mem.spike_limit_percentage, batch_size, timeout, queues


# ---------------------------------------------------------------- otelgen size


def _parsed(parser, value, option: str, example: str):
    try:
        return parser(value)
    except ValueError as exc:
        raise SpecError([error("E022", [option], str(exc), f"e.g. {option} {example}")]) from None


def size_report(mode: str | None, files: list[str], sets: list[str], rate: str | None = None, interval: str | None = None,
                max_queue: int | None = None, max_batch: int | None = None, export_timeout: str | None = None,
                span_size: str | None = None, round_trip: str | None = None, collector_rate: str | None = None) -> tuple[list[str], list[Problem]]:
    """The lines `otelgen size` prints and its warnings. Options override the spec's ``apps`` section."""
    from otelgen.plan import build_plan
    from otelgen.spec import load

    for option, value in (("--max-queue", max_queue), ("--max-batch", max_batch)):
        if value is not None and value < 1:
            raise SpecError([error("E022", [option], f"{value} is not a positive count", f"e.g. {option} 2048")])
    plan = build_plan(load.load(mode or (None if files else "gateway"), files, sets))
    apps = plan.spec.apps
    batch = SdkBatch(
        interval_s=_parsed(parse_duration, interval or apps.batch.interval, "--interval", "5m"),
        max_queue=max_queue or apps.batch.max_queue,
        max_batch=max_batch or apps.batch.max_batch,
        export_timeout_s=_parsed(parse_duration, export_timeout or apps.batch.export_timeout, "--export-timeout", "30s"),
    )
    app_rate = rate or apps.expected_rate
    app_per_s = _parsed(parse_rate, app_rate, "--rate", "50k/s") if app_rate else None
    item_bytes = _parsed(parse_size, span_size or apps.span_size, "--span-size", "1KiB")
    rtt = _parsed(parse_duration, round_trip, "--round-trip", "10ms") if round_trip else DEFAULT_ROUND_TRIP_S
    given = {"interval": interval, "maxQueue": max_queue, "maxBatch": max_batch}
    options = {"interval": "--interval", "maxQueue": "--max-queue", "maxBatch": "--max-batch"}

    def path(field: str) -> tuple:
        return (options[field],) if given.get(field) is not None else ("spec", "apps", "batch", field)
    sdk = check_sdk(batch, app_per_s, item_bytes, rtt, path=path)
    coll_rate = collector_rate or apps.collector_rate
    coll_per_s = _parsed(parse_rate, coll_rate, "--collector-rate", "200k/s") if coll_rate else app_per_s
    limit, limit_pct, spike_pct, batch_size, timeout, queues = collector_inputs(plan)
    coll = check_collector(limit, limit_pct, spike_pct, batch_size, timeout, queues, coll_per_s, item_bytes)
    lines = [f"app (SDK batch processor, per process){': ' + human_rate(app_per_s) if app_per_s else ''}"]
    lines += [f"  {line}" for line in sdk.lines]
    lines.append(f"collector ({plan.mode} {plan.name}, per pod){': ' + human_rate(coll_per_s) if coll_per_s else ''}")
    lines += [f"  {line}" for line in coll.lines]
    return lines, sdk.problems + coll.problems


def plan_warnings(plan) -> list[Problem]:
    """What `otelgen validate` adds for spec.apps: the SDK check (W110-W112), and the
    collector check (W114) once a rate says how full the batches are."""
    apps = plan.spec.apps
    batch = SdkBatch(parse_duration(apps.batch.interval), apps.batch.max_queue, apps.batch.max_batch, parse_duration(apps.batch.export_timeout))
    rate = parse_rate(apps.expected_rate) if apps.expected_rate else None
    item_bytes = parse_size(apps.span_size)
    problems = check_sdk(batch, rate, item_bytes).problems
    coll_rate = parse_rate(apps.collector_rate) if apps.collector_rate else rate
    if coll_rate is not None:
        limit, limit_pct, spike_pct, batch_size, timeout, queues = collector_inputs(plan)
        problems += check_collector(limit, limit_pct, spike_pct, batch_size, timeout, queues, coll_rate, item_bytes).problems
    return problems
