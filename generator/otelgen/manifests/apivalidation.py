"""What the Kubernetes API server validates, checked by otelgen before output.

kubeconform checks objects against the OpenAPI schemas, but much of what the
API server refuses is not in them: the name formats, port names, label keys
and values, unique mountPaths, the selector matching the pod template,
requests ≤ limits.  This module is the one place that knows those rules:

- the predicates, named after k8s.io/apimachinery/pkg/util/validation
  (``IsDNS1123Label``, ``IsDNS1123Subdomain``, ``IsDNS1035Label``,
  ``IsValidPortName``, ``IsQualifiedName``, ``IsValidLabelValue``,
  ``IsValidPortNum``, ``IsValidCIDR``) and k8s.io/kubernetes/pkg/apis/core/validation;
- :func:`spec_problems`: the checks on the values that come from the spec,
  with the spec path in the error (run by the planner, so render, validate,
  inject and kustomize all refuse them);
- :func:`check_objects`: the same rules over every object otelgen emits, just
  before output: the safety net (E090) for anything a spec check missed.

Every regex is matched with ``fullmatch``: ``$`` also matches before a trailing
newline, so ``"otel\\n"`` passed the old ``re.match(r"^...$")`` check.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from decimal import Decimal
from typing import Any, Iterable

from otelgen import modes
from otelgen.errors import Problem, SpecError, error
from otelgen.spec import quantity

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1

_DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
_PORT_NAME_CHARS = re.compile(r"[-a-z0-9]+")
_QUALIFIED_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")
_ENV_VAR_NAME = re.compile(r"[-._a-zA-Z][-._a-zA-Z0-9]*")
#: ValidateAnnotations: the total size of keys and values
ANNOTATIONS_MAX_BYTES = 256 * 1024

#: Memory limits otelgen renders a collector for (docs/memory.md says why).
MEMORY_FLOOR = "128Mi"
MEMORY_CEILING = "1Ti"


# ---------------------------------------------------------------- predicates (apimachinery)


def _cached_for_strings(predicate):
    """The predicate, memoised for strings (pure; every render checks the same names)."""
    cached = lru_cache(maxsize=4096)(predicate)

    def check(value: Any) -> bool:
        return cached(value) if type(value) is str else predicate(value)

    check.__doc__ = predicate.__doc__
    check.__name__ = predicate.__name__
    return check


@_cached_for_strings
def is_dns1123_label(value: Any) -> bool:
    """IsDNS1123Label: ≤63 chars, lowercase alphanumerics and '-', alphanumeric at both ends."""
    return isinstance(value, str) and len(value) <= 63 and _DNS1123_LABEL.fullmatch(value) is not None


@_cached_for_strings
def is_dns1123_subdomain(value: Any) -> bool:
    """IsDNS1123Subdomain: ≤253 chars, dot-separated DNS-1123 labels."""
    return isinstance(value, str) and len(value) <= 253 and _DNS1123_SUBDOMAIN.fullmatch(value) is not None


@_cached_for_strings
def is_dns1035_label(value: Any) -> bool:
    """IsDNS1035Label (Service names): like a DNS-1123 label but starting with a letter."""
    return isinstance(value, str) and len(value) <= 63 and _DNS1035_LABEL.fullmatch(value) is not None


@_cached_for_strings
def is_valid_port_name(value: Any) -> bool:
    """IsValidPortName (an IANA_SVC_NAME): 1–15 chars of [-a-z0-9], at least one
    letter, no '--', not starting or ending with '-'."""
    return (
        isinstance(value, str)
        and 1 <= len(value) <= 15
        and _PORT_NAME_CHARS.fullmatch(value) is not None
        and re.search(r"[a-z]", value) is not None
        and "--" not in value
        and not value.startswith("-")
        and not value.endswith("-")
    )


def is_valid_port_num(value: Any) -> bool:
    """IsValidPortNum: 1–65535."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535


@_cached_for_strings
def is_qualified_name(value: Any) -> bool:
    """IsQualifiedName (label and annotation keys): an optional DNS-1123 subdomain
    prefix and '/', then a name of ≤63 chars: alphanumerics, '-', '_', '.',
    alphanumeric at both ends."""
    if not isinstance(value, str):
        return False
    prefix, slash, name = value.rpartition("/")
    if slash and (not prefix or not is_dns1123_subdomain(prefix) or "/" in prefix):
        return False
    return 0 < len(name) <= 63 and _QUALIFIED_NAME.fullmatch(name) is not None


@_cached_for_strings
def is_valid_label_value(value: Any) -> bool:
    """IsValidLabelValue: empty, or ≤63 chars of alphanumerics, '-', '_', '.',
    alphanumeric at both ends."""
    return isinstance(value, str) and len(value) <= 63 and _LABEL_VALUE.fullmatch(value) is not None


@_cached_for_strings
def is_env_var_name(value: Any) -> bool:
    """IsEnvVarName."""
    return isinstance(value, str) and _ENV_VAR_NAME.fullmatch(value) is not None


def cidr_problem(value: Any) -> str | None:
    """IsValidCIDR, strictly: None when ``value`` is a network in canonical
    form (``10.0.0.0/8``; not ``10.0.0.1/8``, which has host bits set)."""
    if not isinstance(value, str) or "/" not in value:
        return "expected a CIDR such as 10.0.0.0/8 or fd00::/8"
    try:
        ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        return str(exc)
    return None


# ---------------------------------------------------------------- spec-level checks


def _labels(problems: list[Problem], path: list[Any], labels: dict[str, str], values: bool = True) -> None:
    """Label (values=True) or annotation (values=False) keys and values."""
    total = 0
    for key, value in labels.items():
        if not is_qualified_name(key):
            problems.append(error("E056", path, f"{key!r} is not a valid {'label' if values else 'annotation'} key", "an optional DNS subdomain prefix and '/', then ≤63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit (e.g. example.com/team)"))
        if values and not is_valid_label_value(value):
            problems.append(error("E056", [*path, key], f"{value!r} is not a valid label value", "≤63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit (or empty)"))
        total += len(key) + len(value or "")
    if not values and total > ANNOTATIONS_MAX_BYTES:
        problems.append(error("E056", path, f"annotations total {total} bytes, more than the API server's {ANNOTATIONS_MAX_BYTES}", "move large data into a ConfigMap"))


def _peers(problems: list[Problem], path: list[Any], peers: Iterable[Any]) -> None:
    for i, peer in enumerate(peers):
        for field, selector in (("namespaceSelector", peer.namespace_selector), ("podSelector", peer.pod_selector)):
            if selector is not None:
                _labels(problems, [*path, i, field, "matchLabels"], selector.match_labels)
        block = peer.ip_block
        if block is None:
            continue
        reason = cidr_problem(block.cidr)
        if reason:
            problems.append(error("E058", [*path, i, "ipBlock", "cidr"], f"{block.cidr!r} is not a valid CIDR: {reason}", "e.g. 10.0.0.0/8 (the network address, no host bits)"))
            continue
        network = ipaddress.ip_network(block.cidr)
        for j, other in enumerate(block.except_):
            why = cidr_problem(other)
            if why:
                problems.append(error("E058", [*path, i, "ipBlock", "except", j], f"{other!r} is not a valid CIDR: {why}", "e.g. 10.1.0.0/16"))
            elif not (ipaddress.ip_network(other).version == network.version and ipaddress.ip_network(other).subnet_of(network) and ipaddress.ip_network(other) != network):  # type: ignore[arg-type]
                problems.append(error("E058", [*path, i, "ipBlock", "except", j], f"{other!r} is not a strict subset of {block.cidr}", "the API server requires except ranges inside cidr"))


def _cidrs(problems: list[Problem], path: list[Any], values: list[str]) -> None:
    for i, value in enumerate(values):
        reason = cidr_problem(value)
        if reason:
            problems.append(error("E058", [*path, i], f"{value!r} is not a valid CIDR: {reason}", "e.g. 10.0.0.1/32 for one address"))


def memory_problem(limit: str) -> str | None:
    """Why a memory limit is outside what a collector can run with, or None."""
    value = quantity.parse(limit)
    if value < quantity.parse(MEMORY_FLOOR):
        return f"memory limit {limit} is below {MEMORY_FLOOR}: memory_limiter and GOMEMLIMIT are derived from it, and a collector needs this much before it handles any data"
    if value > quantity.parse(MEMORY_CEILING):
        return f"memory limit {limit} is above {MEMORY_CEILING}: no collector container needs it (a unit typo?), and from 8Ei on GOMEMLIMIT no longer fits the Go runtime's int64 and the collector refuses to start"
    return None


def spec_problems(plan) -> list[Problem]:
    """API-server rules on values that come from the spec, with the spec path."""
    from otelgen.manifests import naming

    spec = plan.spec
    meta = plan.doc.metadata
    problems: list[Problem] = []
    if not is_dns1035_label(meta.name):
        problems.append(error("E055", ["metadata", "name"], f"{meta.name!r} is not a DNS-1035 label, which the Service name {meta.name!r} must be", "lowercase letters, digits and '-', starting with a letter and ending with a letter or digit"))
    if not is_dns1123_label(meta.namespace):
        problems.append(error("E055", ["metadata", "namespace"], f"{meta.namespace!r} is not a DNS-1123 label", "lowercase letters, digits and '-', starting and ending with a letter or digit, ≤63"))
    _labels(problems, ["metadata", "labels"], meta.labels)
    _labels(problems, ["metadata", "annotations"], meta.annotations, values=False)
    _labels(problems, ["spec", "pod", "labels"], spec.pod.labels)
    _labels(problems, ["spec", "pod", "annotations"], spec.pod.annotations, values=False)
    _labels(problems, ["spec", "pod", "nodeSelector"], spec.pod.node_selector)
    _labels(problems, ["spec", "service", "annotations"], spec.service.annotations, values=False)
    _labels(problems, ["spec", "serviceMonitor", "labels"], spec.service_monitor.labels)
    _labels(problems, ["spec", "podMonitor", "labels"], spec.pod_monitor.labels)
    _labels(problems, ["spec", "alerts", "labels"], spec.alerts.labels)
    for key in naming.selector_labels(plan):
        if key in spec.pod.labels:
            problems.append(error("E062", ["spec", "pod", "labels", key], f"pod label {key!r} is part of the workload's selector; changing it leaves the selector matching no pod", "use another label key"))
    for i, toleration in enumerate(spec.pod.tolerations):
        if toleration.key is not None and toleration.key != "" and not is_qualified_name(toleration.key):
            problems.append(error("E056", ["spec", "pod", "tolerations", i, "key"], f"{toleration.key!r} is not a valid taint key", "a label key, e.g. node-role.kubernetes.io/infra"))
    if spec.pod.priority_class_name is not None and not is_dns1123_subdomain(spec.pod.priority_class_name):
        problems.append(error("E055", ["spec", "pod", "priorityClassName"], f"{spec.pod.priority_class_name!r} is not a DNS-1123 subdomain", "lowercase letters, digits, '-' and '.'"))
    for i, entry in enumerate(spec.pod.env):
        if entry.secret_ref is not None and not is_dns1123_subdomain(entry.secret_ref.name):
            problems.append(error("E055", ["spec", "pod", "env", i, "secretRef", "name"], f"{entry.secret_ref.name!r} is not a valid Secret name (DNS-1123 subdomain)", "lowercase letters, digits, '-' and '.'"))
    if modes.traits(plan.mode).workload is None and not is_dns1123_label(spec.sidecar.container_name):
        problems.append(error("E055", ["spec", "sidecar", "containerName"], f"{spec.sidecar.container_name!r} is not a DNS-1123 label (container names are)", "lowercase letters, digits and '-'"))
    tls = spec.tls
    if tls is not None:
        if tls.secret_name is not None and not is_dns1123_subdomain(tls.secret_name):
            problems.append(error("E055", ["spec", "tls", "secretName"], f"{tls.secret_name!r} is not a valid Secret name (DNS-1123 subdomain)", "lowercase letters, digits, '-' and '.'"))
        if tls.client_ca is not None and not is_dns1123_subdomain(tls.client_ca.name):
            problems.append(error("E055", ["spec", "tls", "clientCA", "name"], f"{tls.client_ca.name!r} is not a valid Secret name (DNS-1123 subdomain)", "lowercase letters, digits, '-' and '.'"))
    policy = spec.network_policy
    _peers(problems, ["spec", "networkPolicy", "ingressFrom"], policy.ingress_from)
    _peers(problems, ["spec", "networkPolicy", "metricsFrom"], policy.metrics_from)
    for exporter, peers in sorted(policy.exporter_to.items()):
        _peers(problems, ["spec", "networkPolicy", "exporterTo", exporter], peers)
    for i, rule in enumerate(policy.egress):
        _peers(problems, ["spec", "networkPolicy", "egress", i, "to"], rule.to)
    _cidrs(problems, ["spec", "networkPolicy", "apiServer", "cidrs"], policy.api_server.cidrs)
    _cidrs(problems, ["spec", "networkPolicy", "kubeletCidrs"], policy.kubelet_cidrs)
    for i, port in enumerate(policy.api_server.ports):
        if not is_valid_port_num(port):
            problems.append(error("E057", ["spec", "networkPolicy", "apiServer", "ports", i], f"{port} is not a port number", "1-65535"))
    _labels(problems, ["spec", "networkPolicy", "dns", "podLabels"], policy.dns.pod_labels)
    if not is_dns1123_label(policy.dns.namespace):
        problems.append(error("E055", ["spec", "networkPolicy", "dns", "namespace"], f"{policy.dns.namespace!r} is not a DNS-1123 label", "e.g. kube-system"))
    # resources: requests ≤ limits, memory within what a collector runs with
    requests, limits = plan.sizing.requests, plan.sizing.limits
    for resource in sorted(set(requests) & set(limits)):
        if quantity.parse(requests[resource]) > quantity.parse(limits[resource]):
            field = {"ephemeral-storage": "ephemeralStorage"}.get(resource, resource)
            problems.append(error("E059", ["spec", "resources", "requests", field], f"request {requests[resource]} is above the limit {limits[resource]}", "the API server refuses requests above limits; raise the limit or lower the request"))
    memory = limits.get("memory")
    if memory is not None:
        reason = memory_problem(memory)
        if reason:
            problems.append(error("E060", ["spec", "resources", "limits", "memory"], reason, f"give the collector between {MEMORY_FLOOR} and {MEMORY_CEILING} (see docs/memory.md)"))
    return problems


def port_name_problem(name: str) -> str | None:
    if is_valid_port_name(name):
        return None
    return f"the port name {name!r} derived from this instance is not an IANA service name (≤15 lowercase letters, digits and '-', with a letter, no '--', no '-' at either end)"


# ---------------------------------------------------------------- the final objects


def _pod_spec(obj: dict[str, Any]) -> tuple[list[Any], dict[str, Any]] | None:
    if obj.get("kind") in ("Deployment", "DaemonSet", "StatefulSet"):
        template = obj.get("spec", {}).get("template", {})
        return ["spec", "template", "spec"], template.get("spec", {})
    return None


def object_problems(obj: dict[str, Any]) -> list[str]:
    """What the API server would refuse in one rendered object (messages)."""
    out: list[str] = []
    kind = obj.get("kind", "?")
    meta = obj.get("metadata", {})
    name = meta.get("name")
    where = f"{kind}/{name}"
    name_ok = is_dns1035_label(name) if kind == "Service" else is_dns1123_label(name) if kind in ("Namespace",) else is_dns1123_subdomain(name)
    if not name_ok:
        out.append(f"{where}: metadata.name {name!r} is not a valid name for a {kind}")
    if "namespace" in meta and not is_dns1123_label(meta["namespace"]):
        out.append(f"{where}: metadata.namespace {meta['namespace']!r} is not a DNS-1123 label")
    for field in ("labels", "annotations"):
        for key, value in (meta.get(field) or {}).items():
            if not is_qualified_name(key):
                out.append(f"{where}: metadata.{field} key {key!r} is not a qualified name")
            if field == "labels" and not is_valid_label_value(value):
                out.append(f"{where}: label {key}={value!r} is not a valid label value")
    spec = obj.get("spec", {}) if isinstance(obj.get("spec"), dict) else {}
    if "replicas" in spec and not (isinstance(spec["replicas"], int) and 0 <= spec["replicas"] <= INT32_MAX):
        out.append(f"{where}: spec.replicas {spec['replicas']!r} is not an int32 ≥ 0")
    if kind == "Service":
        for port in spec.get("ports", []):
            if not is_valid_port_name(port.get("name")):
                out.append(f"{where}: port name {port.get('name')!r} is not an IANA service name")
            if not is_valid_port_num(port.get("port")):
                out.append(f"{where}: port {port.get('port')!r} is out of range")
    found = _pod_spec(obj)
    if found is not None:
        _, pod = found
        selector = spec.get("selector", {}).get("matchLabels", {})
        template_labels = spec.get("template", {}).get("metadata", {}).get("labels", {})
        for key, value in selector.items():
            if template_labels.get(key) != value:
                out.append(f"{where}: selector {key}={value} does not match the pod template's labels")
        for key, value in template_labels.items():
            if not is_qualified_name(key) or not is_valid_label_value(value):
                out.append(f"{where}: pod template label {key}={value!r} is not valid")
        claims = [c.get("metadata", {}).get("name") for c in spec.get("volumeClaimTemplates", [])]
        out.extend(f"{where}: {p}" for p in pod_spec_problems(pod, claims))
    return out


def pod_spec_problems(pod: dict[str, Any], claims: list[str] | None = None) -> list[str]:
    """``claims``: a StatefulSet's volumeClaimTemplates names (volumes its pods mount too)."""
    out: list[str] = []
    volume_names = [v.get("name") for v in pod.get("volumes", [])] + list(claims or [])
    for name in volume_names:
        if not is_dns1123_label(name):
            out.append(f"volume name {name!r} is not a DNS-1123 label")
    if len(set(volume_names)) != len(volume_names):
        out.append("two volumes have the same name")
    for section in ("initContainers", "containers"):
        for container in pod.get(section, []):
            cname = container.get("name")
            if not is_dns1123_label(cname):
                out.append(f"container name {cname!r} is not a DNS-1123 label")
            names = set()
            for port in container.get("ports", []):
                if not is_valid_port_name(port.get("name")):
                    out.append(f"container {cname}: port name {port.get('name')!r} is not an IANA service name")
                if not is_valid_port_num(port.get("containerPort")):
                    out.append(f"container {cname}: containerPort {port.get('containerPort')!r} is out of range")
                if port.get("name") in names:
                    out.append(f"container {cname}: port name {port.get('name')!r} is used twice")
                names.add(port.get("name"))
            paths: dict[str, str] = {}
            for mount in container.get("volumeMounts", []):
                path = str(mount.get("mountPath", "")).rstrip("/") or "/"
                if path in paths:
                    out.append(f"container {cname}: mountPath {path!r} is used by volumes {paths[path]!r} and {mount.get('name')!r}")
                paths[path] = str(mount.get("name"))
                if mount.get("name") not in volume_names:
                    out.append(f"container {cname}: volumeMount {mount.get('name')!r} names no volume")
            for env in container.get("env", []):
                if not is_env_var_name(env.get("name")):
                    out.append(f"container {cname}: env name {env.get('name')!r} is not valid")
            resources = container.get("resources", {})
            requests, limits = resources.get("requests", {}), resources.get("limits", {})
            for key in set(requests) & set(limits):
                try:
                    if quantity.parse(requests[key]) > quantity.parse(limits[key]):
                        out.append(f"container {cname}: {key} request {requests[key]} is above the limit {limits[key]}")
                except ValueError:
                    out.append(f"container {cname}: {key} is not a quantity")
    return out


def check_objects(objects: list[dict[str, Any]]) -> None:
    """E090 when an object otelgen is about to emit would be refused by the API
    server (a spec check should have caught it: each one is a bug to fix)."""
    problems = [p for obj in objects for p in object_problems(obj)]
    if problems:
        raise SpecError([error("E090", [], f"the API server would refuse {p}", "otelgen should have refused the spec value behind this earlier; please report it") for p in problems])


__all__ = [
    "INT32_MAX", "INT64_MAX", "check_objects", "cidr_problem", "is_dns1035_label", "is_dns1123_label",
    "is_dns1123_subdomain", "is_qualified_name", "is_valid_label_value", "is_valid_port_name", "is_valid_port_num",
    "memory_problem", "object_problems", "port_name_problem", "spec_problems",
]
