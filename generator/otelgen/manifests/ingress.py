"""Exposure outside the cluster: an Ingress (networking.k8s.io/v1) and Gateway API
routes (HTTPRoute, GRPCRoute in gateway.networking.k8s.io/v1) in front of one otlp
receiver, and the checks that keep them working.

The backend is always derived: the collector's Service (the one with the receiver
ports, so a mode without a Service cannot be exposed) and the receiver's named port
for the protocol. What is matched follows the receiver: the OTLP paths (its
``*_url_path`` settings) or gRPC services of the signals its pipelines carry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from otelgen import suggest
from otelgen.components.base import Port
from otelgen.errors import Problem, error, warning
from otelgen.manifests import apivalidation, naming, service, tls
from otelgen.plan import Plan

SIGNALS = ("traces", "metrics", "logs")
#: the otlp receiver's HTTP path per signal: (its setting, the collector's default)
HTTP_PATHS = {"traces": ("traces_url_path", "/v1/traces"), "metrics": ("metrics_url_path", "/v1/metrics"), "logs": ("logs_url_path", "/v1/logs")}
#: the OTLP gRPC service per signal (opentelemetry-proto collector/<signal>/v1/<signal>_service.proto)
GRPC_SERVICES = {
    "traces": "opentelemetry.proto.collector.trace.v1.TraceService",
    "metrics": "opentelemetry.proto.collector.metrics.v1.MetricsService",
    "logs": "opentelemetry.proto.collector.logs.v1.LogsService",
}
GATEWAY_API = "gateway.networking.k8s.io/v1"
#: spec field, object kind, protocol
ROUTES = (("httpRoute", "HTTPRoute", "http"), ("grpcRoute", "GRPCRoute", "grpc"))
ROUTE_KINDS = {field: kind for field, kind, _ in ROUTES}
#: an annotation whose key ends so sets the controller's protocol to the backend (ingress-nginx, and others alike)
BACKEND_PROTOCOL_SUFFIX = "backend-protocol"
#: receiver ports served over HTTP/gRPC are found by the port's appProtocol
APP_PROTOCOL = {"http": "http", "grpc": "grpc"}


@dataclass(frozen=True)
class Backend:
    receiver: str  # spec name, "otlp" or "otlp/public"
    port: Port  # the Service port (name, number)
    signals: tuple[str, ...]  # what its pipelines carry, in SIGNALS order
    http_paths: tuple[str, ...]  # the receiver's OTLP/HTTP path per signal


def _settings(plan: Plan, field: str) -> Any:
    return {"ingress": plan.spec.ingress, "httpRoute": plan.spec.http_route, "grpcRoute": plan.spec.grpc_route}[field]


def exposures(plan: Plan) -> list[tuple[str, str, Any]]:
    """(spec field, protocol, settings) of each enabled Ingress/route."""
    out = []
    if plan.spec.ingress.enabled:
        out.append(("ingress", plan.spec.ingress.protocol, plan.spec.ingress))
    for field, _, protocol in ROUTES:
        settings = _settings(plan, field)
        if settings.enabled:
            out.append((field, protocol, settings))
    return out


def _url_path(value: Any, default: str) -> str:
    """The otlp receiver's sanitising of a *_url_path setting: a leading '/' is added."""
    if not isinstance(value, str) or not value:
        return default
    return value if value.startswith("/") else "/" + value


def _signals(plan: Plan, receiver: str) -> tuple[str, ...]:
    fed = {name.split("/", 1)[0] for name, p in plan.pipelines.items() if receiver in p["receivers"]}
    return tuple(s for s in SIGNALS if s in fed)


def _candidates(plan: Plan, protocol: str) -> dict[str, Backend]:
    """otlp receivers in use that serve ``protocol``, by spec name."""
    service_ports = {p.name: p for p in plan.service_ports()}
    out: dict[str, Backend] = {}
    for inst in plan.used("receivers"):
        if inst.component is None or type(inst.component).role != "otlp_server":
            continue
        port = next((service_ports[p.name] for p in inst.needs().ports if p.app_protocol == APP_PROTOCOL[protocol] and p.name in service_ports), None)
        if port is None:
            continue
        http = ((inst.config().get("protocols") or {}).get("http") or {})
        signals = _signals(plan, inst.name)
        paths = tuple(_url_path(http.get(HTTP_PATHS[s][0]), HTTP_PATHS[s][1]) for s in signals)
        out[inst.name] = Backend(inst.name, port, signals, paths)
    return out


def backend(plan: Plan, field: str, protocol: str, settings: Any) -> tuple[Backend | None, list[Problem]]:
    """The receiver an Ingress/route sends to, or the problem why there is none."""
    path = ["spec", field]
    if not service.services(plan):
        return None, [error("E085", [*path, "enabled"], f"a {plan.mode} has no Service to route to (the collector runs inside each app's pod)", "expose a gateway (or agent) instead, and send the sidecars' data to it")]
    candidates = _candidates(plan, protocol)
    receivers = plan.doc.spec.receivers  # as written (the chart's values), before presets add theirs
    defined = sorted(receivers)
    if settings.receiver is not None:
        name = settings.receiver
        if name not in receivers or receivers[name] is None:
            return None, [error("E010", [*path, "receiver"], f"{name!r} is not defined under spec.receivers", f"defined: {', '.join(defined) or 'none'}{suggest.did_you_mean(name, defined, before='; ')}")]
        if name not in candidates:
            return None, [error("E086", [*path, "receiver"], f"receiver {name!r} does not serve OTLP/{_label(protocol)}: it is not an otlp receiver with protocols.{protocol} enabled that a pipeline uses", _serving_hint(candidates, protocol))]
        return candidates[name], []
    if len(candidates) == 1:
        return next(iter(candidates.values())), []
    if not candidates:
        return None, [error("E086", [*path, "enabled"], f"no receiver serves OTLP/{_label(protocol)}: an otlp receiver with protocols.{protocol} enabled, used by a pipeline, is needed", f"enable protocols.{protocol} on the otlp receiver (or add one to a pipeline)")]
    return None, [error("E086", [*path, "receiver"], f"several otlp receivers serve {_label(protocol)} ({', '.join(sorted(candidates))}): which one to expose is not clear", "name one in receiver")]


def _label(protocol: str) -> str:
    return {"http": "HTTP", "grpc": "gRPC"}[protocol]


def _serving_hint(candidates: dict[str, Backend], protocol: str) -> str:
    if candidates:
        return f"receivers serving {_label(protocol)}: {', '.join(sorted(candidates))}"
    return f"enable protocols.{protocol} on an otlp receiver used by a pipeline"


def _host_ok(host: str) -> bool:
    """An Ingress/route host: a DNS-1123 subdomain, optionally with a leading '*.' (no IPs, no port)."""
    return apivalidation.is_dns1123_subdomain(host[2:] if host.startswith("*.") else host)


def spec_problems(plan: Plan) -> list[Problem]:
    """Errors (what cannot work) and warnings (what may not) of the Ingress and routes."""
    problems: list[Problem] = []
    np = plan.spec.network_policy
    apivalidation._peers(problems, ["spec", "networkPolicy", "exposureFrom"], np.exposure_from)
    admitted: list[str] = []  # exposures with a backend: their controllers need the policy's admission
    for field, protocol, settings in exposures(plan):
        path = ["spec", field]
        found, why = backend(plan, field, protocol, settings)
        problems += why
        apivalidation._labels(problems, [*path, "annotations"], settings.annotations, values=False)
        hosts_field = "hosts" if field == "ingress" else "hostnames"
        hosts = settings.hosts if field == "ingress" else settings.hostnames
        for i, host in enumerate(hosts):
            if not _host_ok(host):
                problems.append(error("E055", [*path, hosts_field, i], f"{host!r} is not a host name (a DNS-1123 subdomain, optionally starting with '*.')", "e.g. otlp.example.com or *.example.com; no IP address, no port"))
        if len(set(hosts)) != len(hosts):
            problems.append(error("E010", [*path, hosts_field], "a host is listed twice", "list each host once"))
        if field == "ingress":
            problems += _ingress_problems(plan, settings, protocol)
        else:
            if not settings.parent_refs:
                problems.append(error("E087", [*path, "parentRefs"], f"the {ROUTE_KINDS[field]} needs at least one parentRef (the Gateway it attaches to)", "parentRefs: [{name: my-gateway, namespace: gateway-system}]"))
            for i, ref in enumerate(settings.parent_refs):
                if not apivalidation.is_dns1123_subdomain(ref.name):
                    problems.append(error("E055", [*path, "parentRefs", i, "name"], f"{ref.name!r} is not a valid Gateway name (DNS-1123 subdomain)", "lowercase letters, digits, '-' and '.'"))
                if ref.namespace is not None and not apivalidation.is_dns1123_label(ref.namespace):
                    problems.append(error("E055", [*path, "parentRefs", i, "namespace"], f"{ref.namespace!r} is not a namespace name (DNS-1123 label)", "lowercase letters, digits and '-'"))
                if ref.section_name is not None and not apivalidation.is_dns1123_subdomain(ref.section_name):
                    problems.append(error("E055", [*path, "parentRefs", i, "sectionName"], f"{ref.section_name!r} is not a listener name (DNS-1123 subdomain)", "the name of a listener of the Gateway"))
            if plan.spec.tls is not None:
                problems.append(warning("W146", ["spec", "tls"], f"the receivers serve TLS (spec.tls), but the {ROUTE_KINDS[field]} sends plaintext to them unless the Gateway originates TLS to the backend", "attach a BackendTLSPolicy to the Service (not rendered by otelgen), or terminate TLS at the Gateway only"))
        if found is not None:
            admitted.append(field)
    if admitted:
        problems += _admission_problems(plan, admitted)
    return problems


def _ingress_problems(plan: Plan, settings: Any, protocol: str) -> list[Problem]:
    problems: list[Problem] = []
    path = ["spec", "ingress"]
    if settings.ingress_class_name is not None and not apivalidation.is_dns1123_subdomain(settings.ingress_class_name):
        problems.append(error("E055", [*path, "ingressClassName"], f"{settings.ingress_class_name!r} is not an IngressClass name (DNS-1123 subdomain)", "e.g. nginx"))
    if len(set(settings.paths)) != len(settings.paths):
        problems.append(error("E010", [*path, "paths"], "a path is listed twice", "list each path once"))
    secure = settings.tls
    if secure is not None:
        if not settings.hosts:
            problems.append(error("E087", [*path, "tls"], "TLS at the Ingress needs hosts: the certificate is for them", "list the host names in ingress.hosts"))
        if secure.secret_name is not None and not apivalidation.is_dns1123_subdomain(secure.secret_name):
            problems.append(error("E055", [*path, "tls", "secretName"], f"{secure.secret_name!r} is not a valid Secret name (DNS-1123 subdomain)", "lowercase letters, digits, '-' and '.'"))
    wanted = {"grpc": "GRPCS" if plan.spec.tls else "GRPC", "http": "HTTPS" if plan.spec.tls else None}[protocol]
    if wanted and not any(key.endswith(BACKEND_PROTOCOL_SUFFIX) for key in settings.annotations):
        why = "the receivers serve TLS (spec.tls)" if plan.spec.tls else "the receiver speaks gRPC (HTTP/2)"
        problems.append(warning("W146", [*path, "annotations"], f"{why}, but no annotation tells the controller: most speak plain HTTP/1.1 to a backend by default", f"set the controller's backend protocol, e.g. nginx.ingress.kubernetes.io/backend-protocol: {wanted}"))
    return problems


def _admission_problems(plan: Plan, fields: list[str]) -> list[Problem]:
    """W145: the default-deny policy may keep the controller out: no exposureFrom, and
    ingressFrom does not admit every pod of the cluster."""
    np = plan.spec.network_policy
    if not np.enabled or np.exposure_from:
        return []
    every_pod = any(peer.namespace_selector is not None and not peer.namespace_selector.match_labels and peer.pod_selector is None for peer in np.ingress_from)
    if every_pod:
        return []
    return [warning("W145", ["spec", "networkPolicy", "exposureFrom"], f"the default-deny NetworkPolicy admits only networkPolicy.ingressFrom to the receiver ports, which may not include the controller behind {', '.join('spec.' + f for f in fields)}: its traffic would be dropped", "set networkPolicy.exposureFrom to the controller's pods, e.g. [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}, podSelector: {matchLabels: {app.kubernetes.io/name: ingress-nginx}}}]")]


# ------------------------------------------------------------------ objects


def admitted_ports(plan: Plan) -> list[tuple[int, str]]:
    """The receiver ports the Ingress and routes send to (NetworkPolicy: exposureFrom)."""
    out: list[tuple[int, str]] = []
    for field, protocol, settings in exposures(plan):
        found, _ = backend(plan, field, protocol, settings)
        if found is not None and (found.port.port, found.port.protocol) not in out:
            out.append((found.port.port, found.port.protocol))
    return out


def _paths(found: Backend, protocol: str) -> list[str]:
    if protocol == "http":
        return list(found.http_paths)
    return ["/" + GRPC_SERVICES[s] for s in found.signals]


def ingress_certificate(plan: Plan) -> dict[str, Any] | None:
    settings = plan.spec.ingress
    if not settings.enabled or settings.tls is None or settings.tls.cert_manager is None:
        return None
    cm = settings.tls.cert_manager
    names = list(settings.hosts) + [n for n in cm.dns_names if n not in settings.hosts]
    return {
        "apiVersion": "cert-manager.io/v1",
        "kind": "Certificate",
        "metadata": naming.metadata(plan, naming.ingress_certificate(plan)),
        "spec": {
            "secretName": naming.ingress_tls_secret(plan),
            "duration": cm.duration,
            "renewBefore": cm.renew_before,
            "dnsNames": names,
            "privateKey": dict(tls.PRIVATE_KEY),
            "usages": list(tls.USAGES),
            "issuerRef": {"name": cm.issuer_ref.name, "kind": cm.issuer_ref.kind, "group": cm.issuer_ref.group},
        },
    }


def ingress(plan: Plan) -> dict[str, Any] | None:
    settings = plan.spec.ingress
    if not settings.enabled:
        return None
    found, _ = backend(plan, "ingress", settings.protocol, settings)
    assert found is not None  # spec_problems refused it otherwise
    target = {"service": {"name": naming.service(plan), "port": {"name": found.port.name}}}
    paths = [{"path": p, "pathType": settings.path_type, "backend": target} for p in (settings.paths or _paths(found, settings.protocol))]
    rules = [{"host": h, "http": {"paths": paths}} for h in settings.hosts] or [{"http": {"paths": paths}}]
    spec: dict[str, Any] = {}
    if settings.ingress_class_name:
        spec["ingressClassName"] = settings.ingress_class_name
    if settings.tls is not None:
        secret = settings.tls.secret_name or naming.ingress_tls_secret(plan)
        spec["tls"] = [{"hosts": list(settings.hosts), "secretName": secret}]
    spec["rules"] = rules
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": naming.metadata(plan, plan.name, annotations=settings.annotations), "spec": spec}


def _parent_ref(ref: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"name": ref.name}  # group gateway.networking.k8s.io, kind Gateway: the API's defaults
    if ref.namespace is not None:
        out["namespace"] = ref.namespace
    if ref.section_name is not None:
        out["sectionName"] = ref.section_name
    if ref.port is not None:
        out["port"] = ref.port
    return out


def route(plan: Plan, field: str, kind: str, protocol: str) -> dict[str, Any] | None:
    settings = _settings(plan, field)
    if not settings.enabled:
        return None
    found, _ = backend(plan, field, protocol, settings)
    assert found is not None
    if protocol == "http":
        matches = [{"path": {"type": "PathPrefix", "value": p}} for p in found.http_paths]
    else:
        matches = [{"method": {"type": "Exact", "service": GRPC_SERVICES[s]}} for s in found.signals]
    spec: dict[str, Any] = {"parentRefs": [_parent_ref(r) for r in settings.parent_refs]}
    if settings.hostnames:
        spec["hostnames"] = list(settings.hostnames)
    spec["rules"] = [{"matches": matches, "backendRefs": [{"name": naming.service(plan), "port": found.port.port}]}]
    return {"apiVersion": GATEWAY_API, "kind": kind, "metadata": naming.metadata(plan, plan.name, annotations=settings.annotations), "spec": spec}


def exposure_objects(plan: Plan) -> list[dict[str, Any]]:
    """Certificate (cert-manager TLS at the Ingress), Ingress, HTTPRoute, GRPCRoute: those enabled."""
    objects = [ingress_certificate(plan), ingress(plan)] + [route(plan, field, kind, protocol) for field, kind, protocol in ROUTES]
    return [obj for obj in objects if obj is not None]
