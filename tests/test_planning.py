"""The planner's steps (otelgen.planning), each alone on hand-made input:
presets → sizing → completion → components → checks → needs."""

from __future__ import annotations

from otelgen.components.base import Mount, Needs, Port, RbacRule, deep_merge
from otelgen.planning import checks, components, needs, prepare
from otelgen.planning.model import Instance
from otelgen.spec.load import canonical, mode_defaults, parse_document
from otelgen.spec.model import CollectorDocument


def doc(mode: str = "gateway", **spec) -> CollectorDocument:
    """A real spec: the mode's defaults with ``spec`` merged over them."""
    return parse_document(canonical(deep_merge(mode_defaults(mode), {"spec": spec})))


def ids(problems) -> list[tuple[str, str]]:
    from otelgen.errors import format_path

    return [(p.id, format_path(p.path)) for p in problems]


def parsed_of(d: CollectorDocument):
    """Steps 1-3 on ``d`` (each checked for errors in its own test)."""
    spec, _ = prepare.apply_presets(d)
    completed, _ = prepare.complete(spec, "otel")
    context = components.contexts(spec, d.metadata.name, d.metadata.namespace, completed.leader_election)
    parsed, problems = components.parse(spec, completed.sections, context)
    return spec, completed, parsed, problems


# ---------------------------------------------------------------- 1. presets


def test_apply_presets_expands_and_refuses():
    spec, problems = prepare.apply_presets(doc("gateway", presets={"kubernetesAttributes": {"enabled": True}}))
    assert problems == [] and "k8s_attributes" in spec.processors
    _, problems = prepare.apply_presets(doc("gateway", presets={"logsCollection": {"enabled": True}}))
    assert ids(problems) == [("E020", "spec.presets.logsCollection.enabled")]


# ---------------------------------------------------------------- 2. sizing and completion


def test_size_needs_a_memory_limit():
    resolved, problems = prepare.size(doc(resources={"size": "medium"}).spec)
    assert problems == [] and resolved.memory_limit
    resolved, problems = prepare.size(doc(resources={"size": "none"}).spec)
    assert not resolved.memory_limit and ids(problems) == [("E018", "spec.resources.limits.memory")]
    _, problems = prepare.size(doc(resources={"size": "none", "allowNoMemoryLimit": True}).spec)
    assert problems == []


def test_gomemlimit_follows_the_limit_and_skips_an_absurd_one():
    spec = doc(resources={"size": "none", "limits": {"memory": "1Gi"}}).spec
    resolved, _ = prepare.size(spec)
    assert prepare.gomemlimit(resolved, spec) == "819MiB"  # 80 % of 1Gi
    spec = doc(resources={"size": "none", "limits": {"memory": "100Ei"}}).spec
    assert prepare.gomemlimit(prepare.size(spec)[0], spec) is None


def test_complete_inserts_defaults_in_place_of_the_spec_lists():
    spec = doc(pipelines={"traces": {"receivers": ["otlp"], "processors": [], "exporters": ["otlp"]}, "metrics": None, "logs": None}).spec
    completed, problems = prepare.complete(spec, "otel")
    assert problems == [] and completed.leader_election is None
    assert completed.pipelines["traces"]["processors"] == ["memory_limiter", "batch"]
    assert completed.sections["processors"]["memory_limiter"]["limit_percentage"] == 80
    assert "health_check" in completed.sections["extensions"]
    assert spec.pipelines["traces"].processors == []  # the spec itself is left alone


def test_complete_adds_leader_election_for_single_writers():
    pipelines = {"logs": {"receivers": ["k8s_events"], "exporters": ["otlp"]}}
    completed, problems = prepare.complete(doc("gateway", receivers={"k8s_events": {}}, pipelines=pipelines, scaling={"replicas": 2}).spec, "otel")
    assert problems == [] and completed.leader_election == "k8s_leader_elector" and "k8s_leader_elector" in completed.sections["extensions"]
    completed, problems = prepare.complete(doc("gateway", receivers={"k8s_events": {}}, pipelines=pipelines, scaling={"replicas": 1}).spec, "otel")
    assert problems == [] and completed.leader_election is None
    _, problems = prepare.complete(doc("sidecar", receivers={"k8s_events": {}}, pipelines=pipelines).spec, "otel")
    assert ids(problems) == [("E019", "spec.receivers.k8s_events")]


# ---------------------------------------------------------------- 3. components


def test_parse_types_each_instance_and_reports_the_rest():
    spec = doc(declarations={"receivers": {"statsd": {"ports": [{"name": "statsd", "port": 8125, "protocol": "UDP"}]}}}).spec
    sections = {"receivers": {"Bad": {}, "kafka": {}, "zipkin": 3, "zipkin/x": {"port": 9412}, "otlp": {"protocols": {"grpc": {"port": "x"}}}},
                "processors": {}, "exporters": {}, "connectors": {}, "extensions": {}}
    parsed, problems = components.parse(spec, sections, components.contexts(spec, "gw", "ns", None))
    assert ids(problems) == [("E017", "spec.receivers.Bad"), ("E016", "spec.receivers.kafka"), ("E004", "spec.receivers.zipkin"), ("E004", "spec.receivers.otlp.protocols.grpc.port"), ("E010", "spec.declarations.receivers.statsd")]
    assert list(parsed) == [("receivers", "zipkin/x")]
    inst = parsed[("receivers", "zipkin/x")]
    assert inst.component is not None and inst.suffix == "x" and [p.port for p in inst.needs().ports] == [9412]


def test_contexts_bind_by_mode():
    spec = doc("sidecar").spec
    ctx = components.contexts(spec, "app", "ns", None)("otlp")
    assert ctx.bind_host == "localhost" and ctx.instance == "otlp" and ctx.server_tls is None
    spec = doc("gateway", tls={"secretName": "gw-tls"}).spec
    ctx = components.contexts(spec, "gw", "ns", "k8s_leader_elector")("otlp")
    assert ctx.bind_host == "${env:MY_POD_IP}" and ctx.server_tls["cert_file"].endswith("/tls.crt") and ctx.leader_election == "k8s_leader_elector"


# ---------------------------------------------------------------- 4. checks


def test_check_pipelines_maps_the_shared_checker_to_spec_errors():
    d = doc(receivers={"zipkin": {}}, pipelines={"metrics": {"receivers": ["zipkin"], "exporters": ["otlp/bakend"]}, "traces": None, "logs": None},
            networkPolicy={"exporterTo": {"otlp/nope": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}})
    spec, completed, parsed, problems = parsed_of(d)
    assert problems == []
    found = checks.check_pipelines(spec, parsed, completed.pipelines, completed.sections)
    assert ids(found) == [("E011", "spec.pipelines.metrics.receivers[0]"), ("E010", "spec.pipelines.metrics.exporters[0]"), ("E010", "spec.networkPolicy.exporterTo.otlp/nope")]


def test_routing_tables_name_existing_receiving_pipelines():
    table = [{"statement": 'route() where attributes["x"] == "y"', "pipelines": ["traces/a", "traces/gone"]}]
    d = doc(connectors={"routing": {"table": table}}, pipelines={"traces": {"receivers": ["otlp"], "exporters": ["routing"]}, "traces/a": {"receivers": ["otlp"], "exporters": ["otlp"]}, "traces/b": {"receivers": ["routing"], "exporters": ["otlp"]}, "metrics": None, "logs": None})
    spec, completed, parsed, problems = parsed_of(d)
    assert problems == []
    found = checks.check_pipelines(spec, parsed, completed.pipelines, completed.sections)
    assert [(p.id, p.message) for p in found] == [("E012", "pipeline 'traces/a' does not receive from routing"), ("E010", "pipeline 'traces/gone' does not exist")]


def test_used_leaves_out_what_no_pipeline_names():
    spec, completed, parsed, _ = parsed_of(doc(receivers={"zipkin": {}}))
    used, problems = checks.used(parsed, completed.pipelines)
    assert ("receivers", "zipkin") not in used and ("extensions", "health_check") in used
    assert ids(problems) == [("W101", "spec.receivers.zipkin")]


def test_extension_refs_in_typed_and_verbatim_settings():
    d = doc(exporters={"otlp": {"endpoint": "b:4317", "authenticator": "oauth2client", "extra": {"auth": {"authenticator": "basicauth/typo"}}}})
    spec, completed, parsed, _ = parsed_of(d)
    used, _ = checks.used(parsed, completed.pipelines)
    found = checks.check_extension_refs(used)
    assert ids(found) == [("E010", "spec.exporters.otlp.authenticator"), ("E010", "spec.exporters.otlp.extra.auth.authenticator")]
    assert checks.verbatim_extension_refs({"a": [{"storage": "file_storage/x"}], "b": {"authenticator": "Not A Name"}}) == [(("a", 0, "storage"), "file_storage/x")]


# ---------------------------------------------------------------- 5. needs


def _instance(section: str, name: str, declared: Needs) -> Instance:
    return Instance(section, name, name.split("/")[0], None, {}, declared)


def test_collect_merges_ports_and_refuses_clashes():
    spec = doc().spec
    used = {("receivers", "a"): _instance("receivers", "a", Needs(ports=[Port("a", 9000)], mounts=[Mount("state", "/var/lib/otelcol/a", False)])),
            ("receivers", "b"): _instance("receivers", "b", Needs(ports=[Port("b", 9000)])),
            ("receivers", "c"): _instance("receivers", "c", Needs(ports=[Port("a", 9001)], mounts=[Mount("state", "/var/lib/otelcol/a", False)]))}
    total, problems = needs.collect(spec, used)
    assert ids(problems) == [("E014", "spec.receivers.b"), ("E014", "spec.receivers.c")]
    assert [(p.name, p.port) for p in total.ports] == [("a", 9000), ("metrics", spec.telemetry.metrics_port)]
    assert [m.name for m in total.mounts] == ["state"]  # the same volume, once


def test_merge_ports_alone():
    ports, problems = needs.merge_ports([("receivers.x", Port("Bad_Name", 1)), ("receivers.y", Port("y", 2)), ("receivers.z", Port("z", 2))])
    assert [p.name for p in ports] == ["y"] and [p.id for p in problems] == ["E057", "E014"]


def test_check_mounts_alone():
    found = needs.check_mounts([("exporters", "file", [Mount("out", "/conf/out", False)]), ("receivers", "a", [Mount("a", "/data", False)]), ("receivers", "b", [Mount("b", "/data/", False)])])
    assert ids(found) == [("E061", "spec.exporters.file"), ("E061", "spec.receivers.b")]


def test_risky_declarations_warn():
    found = needs.risky("receivers", "x", Needs(mounts=[Mount("h", "/etc", False, host_path="/etc")], rbac=[RbacRule(("",), ("secrets",), ("get",))]))
    assert [p.id for p in found] == ["W120", "W121"]
    assert needs.risky("receivers", "x", Needs(mounts=[Mount("h", "/var/lib/otelcol/x", False, host_path="/var/lib/otelcol/x")])) == []


def test_exposure_of_a_load_balancer():
    spec = doc(service={"type": "LoadBalancer"}).spec
    total, _ = needs.collect(spec, {})
    assert ids(needs.check_exposure(spec, total)) == [("W122", "spec.service.type"), ("W122", "spec.networkPolicy.ingressFrom")]
    assert needs.check_exposure(doc().spec, total) == []
