"""Declared checks (``Declaration.checks``): the one vocabulary of the components' validation
rules, run by ``declare.check`` in Python and ``otelgen.decl.checks`` in the chart.

The vocabulary is unit-tested here; then one bad config per component rule is refused by
both engines with the same ID, path and message, and the configs just inside each rule are
accepted by both (the rules are as strict as the collector's ``Validate()``, no stricter)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from conftest import run_cli, tool
from helm_parity import helm_template
from otelgen.components.declare import Check, When, at_least_one, check, exactly_one, none_of, not_both, required


# ---------------------------------------------------------------- the vocabulary


def test_count_kinds_and_the_given_placeholder():
    doc = {"a": "x", "b": "", "c": None, "d": 0}
    assert check((at_least_one("b", "c", message="none"),), doc, "0.145.0").args == ("none",)
    assert check((at_least_one("a", "b", message="none"),), doc, "0.145.0") is None
    failed = check((not_both("a", When("c", "present"), When("d", "set"), message="got {{@given}}"),), doc, "0.145.0")
    assert str(failed) == "got a, c, d"
    assert check((exactly_one(When("c", "set"), When("d", "set"), message="one"),), doc, "0.145.0") is None
    assert str(check((none_of(When("a", "in", ("x", "y")), message="not {{a}}"),), doc, "0.145.0")) == "not x"
    assert check((required("missing", when=(When("a", "eq", "other"),), message="skipped"),), doc, "0.145.0") is None


def test_less_only_compares_numbers_and_skips_a_zero_bound():
    below = Check("less", path="a", than="b", message="a must be below b")
    at_most = Check("less", path="a", than="b", equal=True, message="a must be at most b")
    assert str(check((below,), {"a": 5, "b": 5}, "0.145.0")) == "a must be below b"
    assert check((at_most,), {"a": 5, "b": 5}, "0.145.0") is None
    assert str(check((at_most,), {"a": 6, "b": 5}, "0.145.0")) == "a must be at most b"
    for doc in ({"a": 9, "b": 0}, {"a": 9, "b": "${env:B}"}, {"a": "${env:A}", "b": 1}, {"a": 9}, {"a": True, "b": 1}):
        assert check((below,), doc, "0.145.0") is None, doc


def test_member_lists_items_tables_and_versions():
    items = Check("member", path="ops", item="type", table=("a", "b"), message="ops[{{@index}}]: '{{@value}}' (known: {{@known}})")
    assert str(check((items,), {"ops": [{"type": "a"}, {"type": "z"}]}, "0.145.0")) == "ops[1]: 'z' (known: a, b)"
    assert str(check((items,), {"ops": [{"id": 1}]}, "0.145.0")) == "ops[0]: '' (known: a, b)"  # a missing type fails
    since = Check("member", path="d", table={"old": "0.0.0", "new": "0.150.0"}, message="unknown {{@value}} ({{@known}})", newer="{{@value}} needs {{@since}}, not {{@version}}")
    assert str(check((since,), {"d": ["old", "new"]}, "0.145.0")) == "new needs 0.150.0, not 0.145.0"
    assert check((since,), {"d": ["old", "new"]}, "0.150.0") is None
    assert str(check((since,), {"d": ["nope", "new"]}, "0.145.0")) == "unknown nope (new, old)"
    single = Check("member", path="ctx", table=("", "span"), message="bad context")
    assert check((single,), {"ctx": None}, "0.145.0") is None
    assert str(check((single,), {"ctx": "spans"}, "0.145.0")) == "bad context"


def test_prefix_and_dir():
    url = Check("prefix", path="u", value=("https://", "${"), message="{{@value}} is not https")
    assert check((url,), {"u": ""}, "0.145.0") is None and check((url,), {"u": "${env:U}"}, "0.145.0") is None
    assert str(check((url,), {"u": "http://x"}, "0.145.0")) == "http://x is not https"
    own = Check("dir", path="p", value=("/", "/conf"), message="'{{p}}'")
    assert [bool(check((own,), {"p": p}, "0.145.0")) for p in ("/a.json", "/conf/a", "/conf/x/a", "/confx/a", "/var/../conf/a", "/var/o/a")] == [True, True, True, False, True, False]


def test_each_points_at_the_item_and_compares_lower_cased():
    rule = Check("each", at="spec", path="actions", lower=("action",), checks=(required("key", when=(When("action", "eq", "insert"),), message="action '{{action}}' needs key"),))
    failed = check((rule,), {"spec": {"actions": [{"action": "insert", "key": "k"}, "not a mapping", {"action": "INSERT"}]}}, "0.145.0")
    assert (str(failed), failed.loc, failed.collector) == ("action 'insert' needs key", ("spec", "actions", 2), True)


def test_the_first_failing_check_wins_and_at_moves_the_error():
    checks = (Check("prefix", path="x", value=("a",), at="m", collector=False, message="first"), required("y", message="second"))
    failed = check(checks, {"m": {"x": "b"}}, "0.145.0")
    assert (str(failed), failed.loc, failed.collector) == ("first", ("m",), False)


# ---------------------------------------------------------------- both engines, every component rule

IN = {"receivers": ["otlp"], "exporters": ["otlp"]}


def _spec(section: str, name: str, settings: dict[str, Any], pipelines: dict | None = None) -> dict[str, Any]:
    if pipelines is None:
        where = {"receivers": "receivers", "processors": "processors", "exporters": "exporters"}.get(section)
        signal = "metrics" if name == "prometheus" else "logs" if name == "file_log" else "traces"
        pipelines = {signal: {**IN, where: [name]}} if where else {"traces": IN}
        if section == "receivers":
            pipelines[signal]["receivers"] = [name]
    spec = {"mode": "gateway", section: {name: settings}, "pipelines": pipelines}
    if section == "extensions":
        spec["exporters"] = {"otlp": {"endpoint": "b:4317", "authenticator": name}}
    return spec


#: one refusal per rule: (section, name, settings, pipelines or None, the whole error line up to the hint)
REFUSED = {
    "memory_limiter percentage spike": ("processors", "memory_limiter", {"limit_percentage": 50, "spike_limit_percentage": 50}, None, "error E004 spec.processors.memory_limiter: spike_limit_percentage must be below limit_percentage"),
    "memory_limiter both limits 0": ("processors", "memory_limiter", {"limit_mib": 0, "limit_percentage": 0}, None, "error E004 spec.processors.memory_limiter: set limit_mib or limit_percentage above 0"),
    "memory_limiter zero interval": ("processors", "memory_limiter", {"limit_mib": 400, "check_interval": "0s"}, None, "error E004 spec.processors.memory_limiter: check_interval must be greater than zero (otelgen's default is 100ms, see docs/memory.md)"),
    "memory_limiter zero interval in ms": ("processors", "memory_limiter", {"limit_mib": 400, "check_interval": "0ms"}, None, "error E004 spec.processors.memory_limiter: check_interval must be greater than zero"),
    "memory_limiter negative interval": ("processors", "memory_limiter", {"limit_mib": 400, "check_interval": "-1s"}, None, "error E004 spec.processors.memory_limiter: check_interval must be greater than zero"),
    "batch negative timeout": ("processors", "batch", {"timeout": "-1s"}, None, "error E004 spec.processors.batch: timeout must not be negative"),
    "exporter negative timeout": ("exporters", "otlp", {"endpoint": "b:4317", "timeout": "-5s"}, None, "error E004 spec.exporters.otlp: timeout must not be negative"),
    "exporter negative backoff": ("exporters", "otlp_http", {"endpoint": "https://b", "retry_on_failure": {"initial_interval": "1s", "max_elapsed_time": "-1m"}}, None, "error E004 spec.exporters.otlp_http.retry_on_failure: max_elapsed_time must not be negative while retry_on_failure is enabled"),
    "spanmetrics duplicate dimension": ("connectors", "spanmetrics", {"dimensions": [{"name": "a"}, {"name": "b"}, {"name": "a"}]}, {"traces": {"receivers": ["otlp"], "exporters": ["spanmetrics"]}, "metrics": {"receivers": ["spanmetrics"], "exporters": ["otlp"]}}, "error E004 spec.connectors.spanmetrics: dimensions[2]: duplicate dimension name a"),
    "spanmetrics dimension it has already": ("connectors", "spanmetrics", {"dimensions": [{"name": "span.kind"}]}, {"traces": {"receivers": ["otlp"], "exporters": ["spanmetrics"]}, "metrics": {"receivers": ["spanmetrics"], "exporters": ["otlp"]}}, "error E004 spec.connectors.spanmetrics: dimensions[0]: duplicate dimension name span.kind"),
    "batch max below size": ("processors", "batch", {"send_batch_size": 100, "send_batch_max_size": 99}, None, "error E004 spec.processors.batch: send_batch_max_size must be 0 or at least send_batch_size"),
    "otlp receiver without protocols": ("receivers", "otlp", {"protocols": {"grpc": {"enabled": False}, "http": {"enabled": False}}}, None, "error E004 spec.receivers.otlp: enable at least one of protocols.grpc / protocols.http"),
    "otlp receiver tls without key": ("receivers", "otlp", {"extra": {"protocols": {"http": {"tls": {"cert_file": "/c.pem"}}}}}, None, "error E004 spec.receivers.otlp: protocols.http.tls: TLS configuration must include both certificate and key for server connections"),
    "file_log unknown operator": ("receivers", "file_log", {"operators": [{"type": "json_parser"}, {"type": "yaml_parser"}]}, None, "error E004 spec.receivers.file_log: operators[1]: unsupported operator type 'yaml_parser' (known: add, "),
    "bearertokenauth without token": ("extensions", "bearertokenauth", {}, None, "error E004 spec.extensions.bearertokenauth: set token ({secretRef: ...}) or filename"),
    "bearertokenauth token and tokens": ("extensions", "bearertokenauth", {"token": {"secretRef": {"name": "t", "key": "k"}}, "extra": {"tokens": ["${env:T}"]}}, None, "error E004 spec.extensions.bearertokenauth: set token or tokens, not both"),
    "prometheus with nothing to scrape": ("receivers", "prometheus", {"self_scrape": False}, None, "error E004 spec.receivers.prometheus: no Prometheus scrape_configs or target_allocator set (the collector refuses it): add config.scrape_configs"),
    "unknown detector": ("processors", "resourcedetection", {"detectors": ["env", "moon"]}, None, "error E004 spec.processors.resourcedetection: unknown resource detector 'moon' (known: akamai, aks, alibaba_ecs, "),
    "routing context": ("connectors", "routing", {"table": [{"condition": "true", "context": "spans", "pipelines": ["traces/b"]}]}, {"traces": {"receivers": ["otlp"], "exporters": ["routing"]}, "traces/b": {"receivers": ["routing"], "exporters": ["otlp"]}}, "error E004 spec.connectors.routing.table[0]: context must be one of resource, span, metric, datapoint, log, request"),
    "routing request without condition": ("connectors", "routing", {"table": [{"statement": "route()", "context": "request", "pipelines": ["traces/b"]}]}, {"traces": {"receivers": ["otlp"], "exporters": ["routing"]}, "traces/b": {"receivers": ["routing"], "exporters": ["otlp"]}}, "error E004 spec.connectors.routing.table[0]: context request needs a condition"),
    "routing to a pipeline that does not receive": ("connectors", "routing", {"table": [{"condition": "true", "pipelines": ["traces/b", "traces"]}]}, {"traces": {"receivers": ["otlp"], "exporters": ["routing"]}, "traces/b": {"receivers": ["routing"], "exporters": ["otlp"]}}, "error E012 spec.connectors.routing.table[0].pipelines[1]: pipeline 'traces' does not receive from routing"),
    "filter without conditions": ("processors", "filter", {}, None, "error E004 spec.processors.filter: filter needs OTTL conditions under traces, metrics or logs"),
    "loadbalancing two resolvers": ("exporters", "loadbalancing", {"resolver": {"static": {"hostnames": ["a"]}, "dns": {"hostname": "b"}}}, None, "error E004 spec.exporters.loadbalancing.resolver: set exactly one resolver: dns, k8s, static, aws_cloud_map"),
    "otlp_http not a URL": ("exporters", "otlp_http", {"traces_endpoint": "https://a", "logs_endpoint": "b:4318"}, None, "error E004 spec.exporters.otlp_http: otlp_http logs_endpoint must be a URL (https://host[:port][/path])"),
    "otlp_http no endpoint for the signal": ("exporters", "otlp_http", {"logs_endpoint": "https://a"}, None, "error E011 spec.pipelines.traces.exporters[0]: otlp_http: either endpoint or traces_endpoint must be set for a traces pipeline"),
    "delete with value": ("processors", "attributes", {"actions": [{"action": "Delete", "key": "a", "value": 0}]}, None, "error E004 spec.processors.attributes.actions[0]: action 'delete' does not use value or from_attribute"),
    "convert without type": ("processors", "resource", {"attributes": [{"action": "insert", "key": "a", "value": 1}, {"action": "convert", "key": "b"}]}, None, "error E004 spec.processors.resource.attributes[1]: action 'convert' needs converted_type"),
    "converted_type off convert": ("processors", "attributes", {"actions": [{"action": "upsert", "key": "a", "value": "1", "converted_type": "int"}]}, None, "error E004 spec.processors.attributes.actions[0]: action 'upsert' does not use converted_type"),
    "extract without pattern": ("processors", "attributes", {"actions": [{"action": "extract", "key": "a"}]}, None, "error E004 spec.processors.attributes.actions[0]: action 'extract' needs pattern"),
    "plaintext with a client certificate": ("exporters", "otlp", {"endpoint": "b:4317", "tls": {"insecure": True, "cert_secret": "client"}}, None, "error E004 spec.exporters.otlp.tls: tls.insecure: true turns TLS off, so cert_secret would be ignored"),
}

#: just inside each rule: both engines render these
ACCEPTED = {
    "memory_limiter spike one below": ("processors", "memory_limiter", {"limit_mib": 400, "spike_limit_mib": 399}, None),
    "memory_limiter shortest interval": ("processors", "memory_limiter", {"limit_mib": 400, "check_interval": "1ns"}, None),
    "memory_limiter from env": ("processors", "memory_limiter", {"limit_mib": "${env:LIMIT}", "spike_limit_mib": 500}, None),
    "batch and exporter timeouts of 0": ("exporters", "otlp", {"endpoint": "b:4317", "timeout": "0s", "retry_on_failure": {"initial_interval": "0s"}}, None),
    "negative backoff while retrying is off": ("exporters", "otlp", {"endpoint": "b:4317", "retry_on_failure": {"enabled": False, "initial_interval": "-1s"}}, None),
    "batch max 0 or equal": ("processors", "batch", {"send_batch_size": 100, "send_batch_max_size": 0}, None),
    "otlp_http plaintext opted in": ("exporters", "otlp_http", {"endpoint": "http://b:4318", "tls": {"insecure": True}}, None),
    "bearertokenauth tokens alone": ("extensions", "bearertokenauth", {"extra": {"tokens": ["${env:T}"]}}, None),
    "prometheus with a config under extra": ("receivers", "prometheus", {"self_scrape": False, "extra": {"config": {"scrape_configs": [{"job_name": "a", "static_configs": [{"targets": ["a:9090"]}]}]}}}, None),
    "actions in any case": ("processors", "attributes", {"actions": [{"action": "HASH", "pattern": "^x"}, {"action": "Convert", "key": "b", "converted_type": "int"}, {"action": "upsert", "key": "c", "value": None, "from_context": "auth.x"}]}, None),
    "file in a directory of its own": ("exporters", "file", {"path": "/var/otel/out/data.jsonl"}, None),
    "spanmetrics dimensions that differ in case": ("connectors", "spanmetrics", {"dimensions": [{"name": "a"}, {"name": "A"}]}, {"traces": {"receivers": ["otlp"], "exporters": ["spanmetrics"]}, "metrics": {"receivers": ["spanmetrics"], "exporters": ["otlp"]}}),
    "spanmetrics one histogram": ("connectors", "spanmetrics", {"histogram": {"explicit": None, "exponential": {"max_size": 80}}}, {"traces": {"receivers": ["otlp"], "exporters": ["spanmetrics"]}, "metrics": {"receivers": ["spanmetrics"], "exporters": ["otlp"]}}),
}


def _both(tmp_path, spec: dict[str, Any]):
    values = tmp_path / "values.yaml"
    values.write_text(yaml.safe_dump(spec))
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text(yaml.safe_dump({"metadata": {"name": "gw", "namespace": "obs"}, "spec": spec}))
    return run_cli("render", "-f", str(spec_file)), helm_template(str(tool("helm")), "gw", "obs", values)


@pytest.mark.tools
@pytest.mark.parametrize("case", sorted(REFUSED))
def test_both_engines_refuse_with_the_same_error(case, tmp_path):
    section, name, settings, pipelines, want = REFUSED[case]
    result, proc = _both(tmp_path, _spec(section, name, settings, pipelines))
    assert result.code == 2 and want in result.err, result.err
    assert proc.returncode != 0 and want in proc.stderr.replace("\n", " "), proc.stderr


@pytest.mark.tools
@pytest.mark.parametrize("case", sorted(ACCEPTED))
def test_both_engines_accept_what_the_rules_allow(case, tmp_path):
    """... and so does the real collector (`otelcol-k8s validate` on the rendered config)."""
    from test_collector import rendered_config_and_env, validate

    section, name, settings, pipelines = ACCEPTED[case]
    result, proc = _both(tmp_path, _spec(section, name, settings, pipelines))
    assert result.code == 0, result.err
    assert proc.returncode == 0, proc.stderr
    config, pod_env = rendered_config_and_env(("-f", str(tmp_path / "spec.yaml")))
    verdict = validate(config, tmp_path, [*pod_env, {"name": "LIMIT", "value": "1000"}, {"name": "T", "value": "token"}])
    assert verdict.returncode == 0, verdict.stderr[-2000:]


def test_no_component_model_has_a_rule_of_its_own():
    """The components' validation rules are their declared checks: no config model (nor a
    model nested in one) keeps an after-validator besides the one that runs the checks
    (before-validators reshape input, field validators type it)."""
    import inspect

    from pydantic import BaseModel

    from otelgen.components import base, common, connectors, exporters, extensions, processors, receivers

    seen = 0
    for module in (base, common, connectors, exporters, extensions, processors, receivers):
        for cls in vars(module).values():
            if inspect.isclass(cls) and issubclass(cls, BaseModel) and cls.__module__ == module.__name__:
                seen += 1
                after = {name for name, d in cls.__pydantic_decorators__.model_validators.items() if d.info.mode != "before"}
                assert after <= {"_declared_checks"}, f"{module.__name__}.{cls.__name__}: {sorted(after)}"
    assert seen > 30


@pytest.mark.tools
@pytest.mark.parametrize("interval", ["0", "0s", "0ms", "0.0s", "0h0m0s", "-1s", "-0s"])
def test_a_check_interval_the_collector_refuses_is_refused(interval, tmp_path):
    """memory_limiter's check_interval must be above zero in any unit: the real collector
    refuses each of these, and so does the declared not_positive test (both engines: the
    REFUSED cases above)."""
    from otelgen.components.declare import not_positive
    from test_collector import validate

    config = {"receivers": {"otlp": {"protocols": {"grpc": {"endpoint": "127.0.0.1:4317"}}}},
              "processors": {"memory_limiter": {"check_interval": interval, "limit_mib": 400}},
              "exporters": {"debug": {}},
              "service": {"pipelines": {"traces": {"receivers": ["otlp"], "processors": ["memory_limiter"], "exporters": ["debug"]}}}}
    verdict = validate(yaml.safe_dump(config), tmp_path, [])
    assert verdict.returncode != 0 and "check_interval" in verdict.stderr, verdict.stderr[-2000:]
    assert not_positive(interval)
    assert not not_positive("1ns") and not not_positive("${env:INTERVAL}") and not not_positive(True)


@pytest.mark.tools
@pytest.mark.parametrize("section,settings,refused", [
    ("processors", {"batch": {"timeout": "-1s"}}, True),
    ("processors", {"batch": {"timeout": "-0s"}}, False),
    ("exporters", {"otlp": {"endpoint": "b:4317", "timeout": "-5s"}}, True),
    ("exporters", {"otlp": {"endpoint": "b:4317", "retry_on_failure": {"max_interval": "-1s"}}}, True),
    ("exporters", {"otlp": {"endpoint": "b:4317", "retry_on_failure": {"enabled": False, "max_interval": "-1s"}}}, False),
    ("exporters", {"otlp_http": {"endpoint": "https://b", "timeout": "-1s"}}, False),
    ("exporters", {"otlp_http": {"endpoint": "https://b", "retry_on_failure": {"initial_interval": "-1s"}}}, True),
])
def test_negative_durations_as_the_collector_judges_them(section, settings, refused, tmp_path):
    """The REFUSED/ACCEPTED cases above mirror what the real collector does with the same
    settings: a negative timeout or backoff interval is refused, -0s is zero, and a disabled
    retry_on_failure is not validated at all."""
    from test_collector import validate

    config = {"receivers": {"otlp": {"protocols": {"grpc": {"endpoint": "127.0.0.1:4317"}}}}, "exporters": {"debug": {}}}
    config[section] = {**config.get(section, {}), **settings}
    pipeline = {"receivers": ["otlp"], "exporters": list(config["exporters"])}
    if section == "processors":
        pipeline["processors"] = list(settings)
    config["service"] = {"pipelines": {"traces": pipeline}}
    verdict = validate(yaml.safe_dump(config), tmp_path, [])
    assert (verdict.returncode != 0) == refused, verdict.stderr[-2000:]
    name = next(iter(settings))
    spec = {"mode": "gateway", section: settings, "pipelines": {"traces": {"receivers": ["otlp"], **({"processors": [name]} if section == "processors" else {"exporters": [name]})}}}
    if section == "processors":
        spec["pipelines"]["traces"]["exporters"] = ["otlp"]
    result, proc = _both(tmp_path, spec)
    assert (result.code == 2) == refused, result.err
    assert (proc.returncode != 0) == refused, proc.stderr
