"""`otelgen size` and the SDK batching model behind it (otelgen.appsizing), checked
against the real Python SDK's BatchSpanProcessor with a counting exporter: a full
batch is exported before the schedule delay, a partial one only at the delay, and
spans finished while an export is stuck are dropped exactly as the model says."""

from __future__ import annotations

import threading
import time

import pytest

from conftest import run_cli, write_spec
from otelgen import appsizing
from otelgen.appsizing import SdkBatch

# ---------------------------------------------------------------- parsing


@pytest.mark.parametrize("text, per_s", [("50k/s", 50000.0), ("2/s", 2.0), ("3000/min", 50.0), ("1.5/s", 1.5), ("1M/h", 1e6 / 3600), ("120/m", 2.0), ("10 / s", 10.0)])
def test_rates(text, per_s):
    assert appsizing.parse_rate(text) == pytest.approx(per_s)


@pytest.mark.parametrize("text, seconds", [("5m", 300.0), ("300s", 300.0), ("500ms", 0.5), ("1m30s", 90.0), ("1h", 3600.0), ("0.5s", 0.5)])
def test_durations(text, seconds):
    assert appsizing.parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["fast", "50k", "/s", "5 parsecs", "", "5x"])
def test_bad_rates_and_durations_are_refused(text):
    with pytest.raises(ValueError):
        appsizing.parse_rate(text)
    with pytest.raises(ValueError):
        appsizing.parse_duration(text)


def test_size_bad_input_is_one_line_exit_2():
    result = run_cli("size", "--rate", "fast")
    assert result.code == 2
    assert result.err.strip() == "error E022 --rate: 'fast' is not a rate (e.g. 50k/s, 2/s, 3000/min, 1M/h) (hint: e.g. --rate 50k/s)"
    assert result.out == ""
    result = run_cli("size", "--interval", "5 minutes")
    assert result.code == 2 and "E022 --interval" in result.err
    result = run_cli("size", "--max-queue", "100", "--max-batch", "512")
    assert result.code == 2 and "E021" in result.err and "maxBatch 512 is larger than maxQueue 100" in result.err


# ---------------------------------------------------------------- the guide's case


def test_guide_five_minutes_2048_512_warns_with_the_numbers():
    """The guide: scheduled_delay_millis=300000, max_queue_size=2048, max_export_batch_size=512."""
    result = run_cli("size", "--interval", "5m", "--max-queue", "2048", "--max-batch", "512")
    assert result.code == 0, result.err
    w110 = [line for line in result.err.splitlines() if line.startswith("warning W110")]
    assert len(w110) == 1, result.err
    assert "interval 5m holds only below 1.71 spans/s per process (maxBatch 512 / 5m)" in w110[0]
    assert "the interval holds below 1.71 spans/s (maxBatch 512 / 5m)" in result.out
    assert "queue memory: up to 2.5 MiB per process" in result.out


def test_guide_case_at_a_rate_gives_effective_interval_and_drops():
    result = run_cli("size", "--rate", "50k/s", "--interval", "5m")
    assert result.code == 0, result.err
    assert "at 50k spans/s: an export every 10.2ms with 512 spans each" in result.out  # 512 / 50000 s
    assert "stalls for 30.7ms (up to 41ms when nothing is waiting)" in result.out  # (2048-512+1)/50000, 2048/50000
    errs = result.err
    assert "warning W110 --interval: at 50k spans/s the SDK exports every 10.2ms (512 spans per export), not every 5m" in errs
    assert "warning W111 spec.apps.batch.maxQueue: at 50k spans/s the queue of 2048 fills 41ms into a stalled export" in errs
    assert "drops up to 1,497,952 spans" in errs  # 50000 * 30 - 2048
    # the collector side: the default gateway's 1000-request queue of 8192-span batches vs a 512Mi pod
    assert "warning W114" in errs and "7.81 GiB" in errs and "soft limit 307 MiB of the 512 MiB" in errs


def test_low_rate_keeps_the_interval_and_warns_nothing_on_the_app_side():
    result = run_cli("size", "--rate", "1/s", "--interval", "5m")
    assert result.code == 0, result.err
    assert "at 1 spans/s: an export every 5m with 300 spans each" in result.out
    assert "W110" not in result.err and "W111" not in result.err and "W112" not in result.err


def test_spec_apps_section_drives_size(tmp_path):
    spec = write_spec(tmp_path, "spec:\n  apps:\n    batch: {interval: 10s, maxQueue: 4096, maxBatch: 1024}\n    expectedRate: 3000/min\n")
    result = run_cli("size", "gateway", "-f", spec)
    assert result.code == 0, result.err
    assert "app (SDK batch processor, per process): 50/s" in result.out
    assert "interval 10s, maxQueue 4096, maxBatch 1024" in result.out
    assert "W110" not in result.err  # 50/s < 1024/10s


def test_collector_check_fits_a_small_queue(tmp_path):
    spec = write_spec(tmp_path, "spec:\n  exporters:\n    otlp:\n      sending_queue: {enabled: true, queue_size: 20}\n")
    result = run_cli("size", "agent", "-f", spec, "--rate", "100/s")
    assert result.code == 0, result.err
    assert "W114" not in result.err
    # 100/s x 200ms batch timeout = 20 spans per request; 20 requests = 400 spans = 4 s of outage
    assert "exporter otlp: sending_queue 20 requests ≈ 400 items ≈ 400 KiB, absorbs a backend outage of 4s" in result.out


def test_maxbatch_above_maxqueue_in_the_spec_is_an_error(tmp_path):
    spec = write_spec(tmp_path, "spec:\n  apps:\n    batch: {maxQueue: 100, maxBatch: 512}\n")
    result = run_cli("render", "agent", "-f", spec)
    assert result.code == 2
    assert "spec.apps.batch" in result.err and "maxBatch 512 must not exceed maxQueue 100" in result.err


# ---------------------------------------------------------------- against the real SDK


class CountingExporter:
    """A SpanExporter that counts, remembers when each export came, and can be held."""

    def __init__(self) -> None:
        from opentelemetry.sdk.trace.export import SpanExportResult

        self.ok = SpanExportResult.SUCCESS
        self.batches: list[tuple[float, int]] = []
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()

    def export(self, spans):
        self.entered.set()
        self.gate.wait(10)
        self.batches.append((time.monotonic(), len(spans)))
        return self.ok

    def shutdown(self):
        self.gate.set()

    def force_flush(self, timeout_millis=0):
        return True

    @property
    def exported(self) -> int:
        return sum(n for _, n in self.batches)


def _sdk(batch: SdkBatch):
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    exporter = CountingExporter()
    processor = BatchSpanProcessor(exporter, max_queue_size=batch.max_queue, schedule_delay_millis=batch.interval_s * 1000, max_export_batch_size=batch.max_batch)
    provider = TracerProvider()
    provider.add_span_processor(processor)
    return provider, provider.get_tracer("otelgen-test"), exporter


def _spans(tracer, n: int) -> None:
    for i in range(n):
        tracer.start_span(f"s{i}").end()


SMALL = SdkBatch(interval_s=2.0, max_queue=32, max_batch=8)


def test_sdk_exports_a_full_batch_before_the_interval():
    provider, tracer, exporter = _sdk(SMALL)
    try:
        start = time.monotonic()
        _spans(tracer, SMALL.max_batch)
        deadline = start + 1.5
        while not exporter.batches and time.monotonic() < deadline:
            time.sleep(0.01)
        assert exporter.batches, "a full batch was not exported before the 2s interval"
        at, n = exporter.batches[0]
        assert n == SMALL.max_batch
        # the model: at a burst rate the effective interval is far below the schedule delay
        assert at - start < SMALL.interval_s / 2
        assert appsizing.effective_interval(SMALL, rate=SMALL.max_batch / (at - start)) < SMALL.interval_s
    finally:
        provider.shutdown()


def test_sdk_waits_for_the_interval_below_a_full_batch():
    provider, tracer, exporter = _sdk(SMALL)
    try:
        start = time.monotonic()
        _spans(tracer, 3)
        time.sleep(1.0)
        assert not exporter.batches, "a partial batch left before the interval"
        deadline = start + SMALL.interval_s + 2
        while not exporter.batches and time.monotonic() < deadline:
            time.sleep(0.02)
        assert exporter.batches and exporter.batches[0][1] == 3
        assert exporter.batches[0][0] - start >= SMALL.interval_s * 0.9
        # the model agrees: 3 spans in one interval is below maxBatch/interval = 4 spans/s
        assert appsizing.effective_interval(SMALL, rate=3 / SMALL.interval_s) == SMALL.interval_s
        assert appsizing.items_per_export(SMALL, rate=3 / SMALL.interval_s) == 3
    finally:
        provider.shutdown()


@pytest.mark.parametrize("waiting, arrivals", [(0, 20), (0, 40), (5, 30), (7, 60)])
def test_sdk_drops_what_the_model_says_while_an_export_is_stuck(waiting, arrivals):
    provider, tracer, exporter = _sdk(SMALL)
    try:
        exporter.gate.clear()  # the next export hangs, like a collector that does not answer
        _spans(tracer, SMALL.max_batch)  # wakes the worker, which takes these 8 and hangs
        assert exporter.entered.wait(2), "the worker did not start an export"
        _spans(tracer, waiting + arrivals)
        lost = appsizing.lost_during_export(SMALL, waiting=waiting, arrivals=arrivals)
        exporter.gate.set()
        provider.force_flush(5000)
        sent = SMALL.max_batch + waiting + arrivals
        assert exporter.exported == sent - lost, f"sent {sent}, model says {lost} lost, SDK exported {exporter.exported}"
    finally:
        exporter.gate.set()
        provider.shutdown()


def test_stall_tolerance_matches_the_sdk():
    """At rate r the model says a stall of maxQueue/r seconds is the most the queue absorbs:
    feed exactly that many spans during a stuck export (nothing lost), then one more (one lost)."""
    rate = 16.0
    safe, lossy = appsizing.stall_tolerance(SMALL, rate)
    assert lossy == SMALL.max_queue / rate and safe == (SMALL.max_queue - SMALL.max_batch + 1) / rate
    for extra, lost in ((0, 0), (1, 1)):
        provider, tracer, exporter = _sdk(SMALL)
        try:
            exporter.gate.clear()
            _spans(tracer, SMALL.max_batch)
            assert exporter.entered.wait(2)
            _spans(tracer, int(rate * lossy) + extra)
            exporter.gate.set()
            provider.force_flush(5000)
            assert exporter.exported == SMALL.max_batch + int(rate * lossy) + extra - lost
        finally:
            exporter.gate.set()
            provider.shutdown()


def test_validate_tells_the_guide_case_from_the_spec(tmp_path):
    spec = write_spec(tmp_path, "spec:\n  mode: gateway\n  apps:\n    batch: {interval: 5m, maxQueue: 2048, maxBatch: 512}\n")
    result = run_cli("validate", spec)
    assert result.code == 0
    assert f"{spec}: warning W110 spec.apps.batch.interval: interval 5m holds only below 1.71 spans/s per process (maxBatch 512 / 5m)" in result.err
    rated = write_spec(tmp_path, "spec:\n  mode: gateway\n  apps:\n    batch: {interval: 5m}\n    expectedRate: 50k/s\n", "rated.yaml")
    result = run_cli("validate", rated)
    ids = sorted({line.split()[2] for line in result.err.splitlines()})
    assert ids == ["W110", "W111", "W114"], result.err
    plain = write_spec(tmp_path, "spec:\n  mode: gateway\n", "plain.yaml")
    assert run_cli("validate", plain).err == ""  # defaults: nothing to say
