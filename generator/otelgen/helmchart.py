"""The Helm chart's generated files: every fact its templates use, taken from Python.

charts/otel-collector has hand-written Go templates that implement the
derivation (plan, config, manifests) and generated files that hold the facts:

  files/otelgen.json   mode defaults, pydantic defaults of the spec and of every
                       component config, the component registry (type names per
                       version, signals, processor order, connector pairs, and each
                       component's declaration: otelgen.components.declare), sizing
                       tables, names and labels
  values.schema.json   the spec section's JSON Schema (otelgen.schema)
  Chart.yaml           appVersion = the pinned collector version
  values.yaml          mode: gateway, with every mode's defaults as comments

`make generate` (tools/generate.py) writes them; tests/test_helm.py fails when
the committed chart differs.  Each component's declaration is exported as data
and interpreted by templates/_declarations.tpl, so the component classes stay the
one place that knows what a component does; the templates name no component.
"""

from __future__ import annotations

import json
import types
import typing
from typing import Any

from pydantic import BaseModel

from otelgen import components, config, credentials, distributions, plan, presets, sizing, versions, yamlio
from otelgen.components.base import ENV_PREFIX, Component, Mount
from otelgen.components.extensions import HEALTH_PORT, HEALTH_PORT_NAME
from otelgen.components import declare, unmodelled
from otelgen.components.receivers import K8S_SD_ROLES
from otelgen.manifests import autoscaling, configmap, monitoring, naming, networkpolicy, rbac, tls, workload
from otelgen.schema import spec_schema
from otelgen.spec.load import mode_defaults
from otelgen.spec.model import MODES, Spec

CHART_DIR = "charts/otel-collector"
CHART_NAME = "otel-collector"
CHART_VERSION = "0.1.0"
#: Kubernetes versions whose APIs the rendered objects use: autoscaling/v2 (the
#: HPA) is GA from 1.23, policy/v1 from 1.21 (the chart renders no pod for
#: sidecars, so native sidecars' 1.29 does not apply).  A helm built without its
#: Makefile's ldflags assumes 1.20 without a cluster: pass --kube-version to it.
KUBE_VERSION = ">=1.23.0-0"


# ------------------------------------------------------------------ pydantic → defaults descriptors


def _dump(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(by_alias=True, exclude_none=True)
    if isinstance(value, list):
        return [_dump(v) for v in value]
    if isinstance(value, tuple):
        return [_dump(v) for v in value]
    if isinstance(value, dict):
        return {k: _dump(v) for k, v in value.items()}
    return value


def _type_desc(annotation: Any) -> dict[str, Any] | None:
    """How to apply pydantic defaults below a field: model, list of, dict of; None for plain data."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return model_desc(annotation)
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (list, tuple) and args:
        inner = _type_desc(args[0])
        return {"t": "list", "of": inner, "nullItems": _accepts_none(args[0])} if inner else None
    if origin is dict and len(args) == 2:
        inner = _type_desc(args[1])
        return {"t": "dict", "of": inner, "nullItems": _accepts_none(args[1])} if inner else None
    for arg in args:  # Optional[X], X | Y: the first model-like member
        inner = _type_desc(arg)
        if inner:
            return inner
    return None


def model_desc(model: type[BaseModel]) -> dict[str, Any]:
    """Defaults pydantic fills in (dumped by alias, None left out) and the nested models below."""
    defaults: dict[str, Any] = {}
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        if not info.is_required():
            value = _dump(info.get_default(call_default_factory=True))
            if value is not None:
                defaults[key] = value
        inner = _type_desc(info.annotation)
        if inner:
            fields[key] = inner
    required = [info.alias or name for name, info in model.model_fields.items() if info.is_required()]
    not_null = [info.alias or name for name, info in model.model_fields.items() if not _accepts_none(info.annotation)]
    return {"t": "model", "defaults": defaults, "fields": fields, "required": required, "notNull": not_null}


def _accepts_none(annotation: Any) -> bool:
    return annotation is Any or annotation is type(None) or any(_accepts_none(a) for a in typing.get_args(annotation) if typing.get_origin(annotation) in (typing.Union, types.UnionType))


# ------------------------------------------------------------------ component declarations


def _mount(m: Mount) -> dict[str, Any]:
    return {k: v for k, v in m.__dict__.items() if v not in (None, ())}


def _unmodelled() -> dict[str, Any]:
    """The listeners of unmodelled components, by section and type."""
    out: dict[str, Any] = {}
    for (kind, type_name), l in sorted(unmodelled.LISTENERS.items()):
        out.setdefault(f"{kind}s", {})[type_name] = {"short": l.short, "port": l.port, "protocol": l.protocol, "key": l.key, "transportKey": l.transport_key, "udpValues": list(l.udp_values), "udpBindHost": unmodelled.UDP_BIND_HOST}
    return out


def declare_constants() -> dict[str, Any]:
    """What the chart's declaration interpreter (templates/_declarations.tpl) needs besides the
    declarations themselves, which sit in each component's registry entry."""
    return {"udpBindHost": declare.UDP_BIND_HOST, "clientTlsDir": declare.CLIENT_TLS_DIR, "unmodelled": _unmodelled()}


# ------------------------------------------------------------------ the data file


def manifest_constants() -> dict[str, Any]:
    """Fixed parts of the Kubernetes objects (otelgen.manifests.*)."""
    return {
        "configVolume": workload.CONFIG_VOLUME,
        "baseEnv": [{"name": e.name, "fieldPath": e.field_path} for e in workload.BASE_ENV],
        "containerSecurity": workload.CONTAINER_SECURITY,
        "podSecurity": workload.POD_SECURITY,
        "probes": {"startupProbe": workload.STARTUP_PROBE, "livenessProbe": workload.LIVENESS_PROBE, "readinessProbe": workload.READINESS_PROBE},
        "daemonSetUpdateStrategy": workload.DAEMONSET_UPDATE_STRATEGY,
        "deploymentStrategy": workload.DEPLOYMENT_STRATEGY,
        "revisionHistoryLimit": workload.REVISION_HISTORY_LIMIT,
        "spreadKeys": list(autoscaling.SPREAD_KEYS),
        "spread": autoscaling.SPREAD,
        "antiAffinityKey": autoscaling.ANTI_AFFINITY_KEY,
        "antiAffinityWeight": autoscaling.ANTI_AFFINITY_WEIGHT,
        "certificate": {"privateKey": tls.PRIVATE_KEY, "usages": list(tls.USAGES), "serviceDnsNames": list(tls.SERVICE_DNS_NAMES), "podDnsName": tls.POD_DNS_NAME},
        "tlsVolumes": {"server": tls.SERVER_VOLUME, "clientCa": tls.CLIENT_CA_VOLUME},
        "apiAccess": {"mount": _mount(rbac.API_ACCESS_MOUNT), "sources": rbac.api_access_sources(rbac.API_ACCESS_MOUNT.api_token_seconds)},
        "dnsPorts": [{"port": p, "protocol": proto} for p, proto in networkpolicy.DNS_PORTS],
        "telemetry": {"logEncoding": config.LOG_ENCODING, "metricsLevel": config.METRICS_LEVEL},
    }


def exposure_constants() -> dict[str, Any]:
    """What the Ingress and Gateway API routes match (otelgen.manifests.ingress)."""
    from otelgen.manifests import ingress

    return {
        "signals": list(ingress.SIGNALS),
        "httpPaths": {signal: list(row) for signal, row in ingress.HTTP_PATHS.items()},
        "grpcServices": dict(ingress.GRPC_SERVICES),
        "routes": [list(row) for row in ingress.ROUTES],
        "gatewayApi": ingress.GATEWAY_API,
        "backendProtocolSuffix": ingress.BACKEND_PROTOCOL_SUFFIX,
        "appProtocol": dict(ingress.APP_PROTOCOL),
    }


def _component_entry(comp: type[Component]) -> dict[str, Any]:
    return {
        "id": comp.id,
        "kind": comp.kind,
        "names": [list(n) for n in comp.names],
        "signals": list(comp.signals),
        "order": comp.order,
        "role": comp.role,
        "connects": [list(c) for c in comp.connects],
        "extensionFields": [list(path) for path in comp.config_model.extension_fields],
        "model": model_desc(comp.config_model),
        "declaration": comp.declaration.to_data(),
    }


def registry() -> dict[str, dict[str, Any]]:
    """Per section, every known type name (any version's, and the id) → its component."""
    out: dict[str, dict[str, Any]] = {section: {} for section in components.SECTIONS}
    kinds = {kind: section for section, kind in components.SECTIONS.items()}
    for comp in components.ALL:
        entry = _component_entry(comp)
        for name in sorted(set(comp.all_names()) | {comp.id}):
            out[kinds[comp.kind]][name] = entry
    return out


def catalog_signals() -> dict[str, Any]:
    """Per distribution and section, the signals of the components otelgen does not model
    at the pinned version, as the planner's E011 reads them (plan.Instance.signals and
    .connects): signals in pipeline order; connectors' [from, to] pairs."""
    from otelgen import catalog

    version = versions.PINNED_COLLECTOR_VERSION
    out: dict[str, Any] = {}
    for spec_name, dist in distributions.DISTRIBUTIONS.items():
        table: dict[str, Any] = out.setdefault(spec_name, {})
        for kind in distributions.KINDS:
            if kind == "extension":
                continue
            entries: dict[str, Any] = {}
            for type_name in sorted(distributions.names(kind, spec_name)):
                if components.lookup(kind, type_name) is not None:  # type: ignore[arg-type]
                    continue
                sigs = catalog.signals(kind, type_name, dist.catalog_name, version)
                if sigs is None:
                    continue
                if kind == "connector":
                    entries[type_name] = [s.split("_to_", 1) for s in sigs if "_to_" in s]
                else:
                    entries[type_name] = [s for s in ("traces", "metrics", "logs", "profiles") if s in sigs]
            table[kind + "s"] = entries
    return out


def monitoring_data() -> dict[str, Any]:
    """The PodMonitor's and PrometheusRule's facts for templates/_monitoring.tpl: the alert
    rules as data (otelgen.alert_rules), so the chart holds no copy of them."""
    from otelgen import alert_rules
    from otelgen.manifests import alerts

    return {
        "rules": [dict(rule) for rule in alert_rules.RULES],
        "items": alert_rules.ITEMS,
        "restartMetrics": alert_rules.RESTART_METRICS,
        "signals": list(alert_rules.SIGNALS),
        "sidecarLabel": naming.SIDECAR_LABEL,
        "runbookAnnotation": alerts.RUNBOOK_ANNOTATION,
        "mebibyte": alerts.MIB,
        "podSuffix": alerts.POD_SUFFIX,
        "podSuffixOther": alerts.POD_SUFFIX_OTHER,
        "groupName": alerts.GROUP_NAME,
    }


def modes_data() -> dict[str, Any]:
    """What each mode renders (otelgen.modes, the table the Python builders read) and the
    persistent queue's fixed parts, for the templates: they ask the table, never a mode's name."""
    from otelgen import modes, persistentqueue

    return {
        "names": list(modes.MODES),
        "traits": modes.table(),
        "statefulSet": {
            "updateStrategy": workload.STATEFULSET_UPDATE_STRATEGY,
            "podManagementPolicy": workload.POD_MANAGEMENT_POLICY,
            "pvcRetentionPolicy": workload.PVC_RETENTION_POLICY,
        },
        "persistentQueue": {
            "extension": persistentqueue.EXTENSION,
            "volume": persistentqueue.volume(),
            "queueSharePercent": persistentqueue.QUEUE_SHARE_PERCENT,
            "hostPath": persistentqueue.HOST_PATH,
            "where": persistentqueue.WHERE,
        },
        "ephemeralHeadroomMib": sizing.EPHEMERAL_HEADROOM_MIB,
    }


def scraping_data() -> dict[str, Any]:
    """The prometheusScraping preset (otelgen.scraping) and the self-scrape job, for _scraping.tpl."""
    from otelgen import scraping
    from otelgen.components.receivers import SELF_SCRAPE_JOB

    own = scraping.own_pods("NS", "NAME", naming.APP_NAME)
    rules = scraping.annotation_relabeling(own)
    at = next(i for i, r in enumerate(rules) if r.get("regex") == own)
    job = scraping.node_local_job("30s", own)
    return {
        "receiver": scraping.RECEIVER,
        "jobName": job["job_name"],
        "sdConfigs": job["kubernetes_sd_configs"],
        "relabelBefore": rules[:at],
        "ownRule": {k: v for k, v in rules[at].items() if k != "regex"},
        "relabelAfter": rules[at + 1:],
        "appName": naming.APP_NAME,
        "scrapePorts": [dict(p) for p in networkpolicy.SCRAPE_PORTS],
        "selfScrapeJob": SELF_SCRAPE_JOB,
    }


def chart_data() -> dict[str, Any]:
    return {
        "modes": modes_data(),
        "modeDefaults": {mode: mode_defaults(mode)["spec"] for mode in MODES},
        "spec": model_desc(Spec),
        "components": registry(),
        "sections": list(components.SECTIONS),
        "declare": declare_constants(),
        "scraping": scraping_data(),
        "credentials": credentials.tables(),
        "presets": {
            "receivers": {name: {"receiver": r, "signal": sig, "agentOnly": agent} for name, (r, sig, agent) in presets.RECEIVER_PRESETS.items()},
            "checkpointStorage": presets.CHECKPOINT_STORAGE,
            "checkpointDirectory": presets.CHECKPOINT_DIRECTORY,
            "ownLogs": presets.OWN_LOGS,
        },
        "sizing": {"sizes": sizing.SIZES, "defaultSize": sizing.DEFAULT_SIZE, "ephemeralStorage": sizing.EPHEMERAL_STORAGE, "checkInterval": sizing.CHECK_INTERVAL},
        "paths": {"podIP": plan.POD_IP, "serverTlsDir": plan.SERVER_TLS_DIR, "clientCaDir": plan.CLIENT_CA_DIR, "configKey": naming.CONFIG_KEY, "configDir": naming.CONFIG_DIR},
        "manifests": manifest_constants(),
        "exposure": exposure_constants(),
        "naming": {"container": naming.CONTAINER, "appName": naming.APP_NAME, "partOf": naming.PART_OF, "managedBy": naming.MANAGED_BY, "names": naming.NAMES, "checksumAnnotation": configmap.CHECKSUM_ANNOTATION, "healthPort": HEALTH_PORT_NAME, "envPrefix": ENV_PREFIX, "gomemlimit": workload.GOMEMLIMIT, "telemetryPort": plan.TELEMETRY_PORT, "metricsPath": monitoring.METRICS_PATH},
        "ports": {"health": HEALTH_PORT, "kubelet": networkpolicy.KUBELET_PORT},
        "monitoring": monitoring_data(),
        "secretFileMode": workload.SECRET_FILE_MODE,
        "distributions": distributions._table(),
        "catalogSignals": catalog_signals(),
        "distributionImages": {name: {"image": d.image, "catalog": d.catalog_name} for name, d in distributions.DISTRIBUTIONS.items()} | {"custom": {"image": versions.DEFAULT_IMAGE_REPOSITORY, "catalog": "custom"}},
        "versions": {"pinned": versions.PINNED_COLLECTOR_VERSION, "minimum": versions.MIN_COLLECTOR_VERSION, "imageRepository": versions.DEFAULT_IMAGE_REPOSITORY},
        "targetAllocator": target_allocator_data(),
        "inserts": inserts_data(),
    }


def inserts_data() -> dict[str, Any]:
    """The planner's own inserts by role (otelgen.planning.inserts): which component plays
    each part, its section, its place in the pipelines; _plan.tpl, _objects.tpl and
    _notes.tpl read them instead of naming a component."""
    from otelgen.planning import inserts

    return inserts.data()


def target_allocator_data() -> dict[str, Any]:
    """The target allocator's fixed facts for _targetallocator.tpl (otelgen.targetallocator,
    otelgen.manifests.targetallocator); the annotation job's relabeling as the allocator reads
    it, with "{own}" standing for this collector's own pods."""
    from otelgen import scraping, targetallocator as ta
    from otelgen.manifests import targetallocator as tam

    return {
        "strategy": ta.STRATEGY,
        "receiver": scraping.RECEIVER,
        "imageRepository": ta.IMAGE_REPOSITORY,
        "port": ta.PORT,
        "portName": ta.PORT_NAME,
        "configDir": ta.CONFIG_DIR,
        "configKey": ta.CONFIG_KEY,
        "podNameEnv": ta.POD_NAME_ENV,
        "syncInterval": ta.SYNC_INTERVAL,
        "appName": ta.APP_NAME,
        "component": ta.COMPONENT,
        "runAs": tam.RUN_AS,
        "configVolume": tam.CONFIG_VOLUME,
        "container": tam.CONTAINER,
        "probes": {"livenessProbe": tam.LIVENESS_PROBE, "readinessProbe": tam.READINESS_PROBE},
        "probePaths": {"livenessProbe": "/livez", "readinessProbe": "/readyz"},
        "annotationJob": scraping.ANNOTATION_JOB,
        "annotationRelabeling": ta._unescape(scraping.annotation_relabeling("{own}")),
        "sdRoles": {role: [list(p) for p in pairs] for role, pairs in K8S_SD_ROLES.items()},
        "filterStrategy": ta.FILTER_STRATEGY,
    }


def _nullable(schema: Any) -> bool:
    if not isinstance(schema, dict):
        return True
    return schema.get("type") == "null" or any(_nullable_member(m) for m in schema.get("anyOf", []))


def _nullable_member(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "null"


def _allow_null(node: Any) -> Any:
    """Every optional property may be null: in values, as in `otelgen -f`, null deletes what a
    mode's defaults set (the templates merge the defaults under the values like otelgen does).
    A required field cannot be deleted, so null stays an error there."""
    if isinstance(node, list):
        return [_allow_null(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _allow_null(v) for k, v in node.items()}
    required = set(node.get("required", []))
    if isinstance(out.get("properties"), dict):
        out["properties"] = {name: sub if _nullable(sub) or name in required else {"anyOf": [sub, {"type": "null"}]} for name, sub in out["properties"].items()}
    if isinstance(out.get("patternProperties"), dict):
        out["patternProperties"] = {name: sub if _nullable(sub) else {"anyOf": [sub, {"type": "null"}]} for name, sub in out["patternProperties"].items()}
    extra = out.get("additionalProperties")
    if isinstance(extra, dict) and not _nullable(extra):
        out["additionalProperties"] = {"anyOf": [extra, {"type": "null"}]}
    return out


def values_schema() -> dict[str, Any]:
    """The spec section's schema; fields that a mode's defaults fill are not required, and
    null is allowed everywhere (it deletes a default)."""
    full = spec_schema()
    full["$defs"]["Spec"]["required"] = [info.alias or name for name, info in Spec.model_fields.items() if info.is_required()]
    full = _allow_null(full)
    defs = full["$defs"]
    spec = defs.pop("Spec")
    spec["properties"]["pipelines"].pop("minProperties", None)  # the mode defaults have pipelines; checked after merging
    optional = {"Pipeline"}
    for mode in MODES:
        for section, entries in mode_defaults(mode)["spec"].items():
            kind = components.SECTIONS.get(section)
            for name in entries or {} if kind else {}:
                comp = components.lookup(kind, name.split("/")[0])
                if comp is not None:
                    optional.add(comp.config_model.__name__)
    for name in optional:
        defs[name].pop("required", None)
    return {
        "$schema": full["$schema"],
        "title": "otel-collector chart values: the spec section of an otelgen Collector",
        "description": "Generated from otelgen's pydantic model by `make generate`; do not edit.",
        **{k: v for k, v in spec.items() if k not in ("title", "required")},
        "$defs": dict(sorted(defs.items())),
    }


def chart_yaml() -> dict[str, Any]:
    return {
        "apiVersion": "v2",
        "name": CHART_NAME,
        "description": "OpenTelemetry Collector as agent, gateway, statefulset or sidecar: the objects `otelgen render` makes, with the otelgen spec as values.",
        "type": "application",
        "version": CHART_VERSION,
        "appVersion": versions.PINNED_COLLECTOR_VERSION,
        "kubeVersion": KUBE_VERSION,
        "keywords": ["opentelemetry", "collector", "otelgen"],
    }


VALUES_HEADER = """\
# Values are the `spec` section of an otelgen Collector spec: the same field
# names, checked by values.schema.json (generated from otelgen's model). The
# release name is metadata.name, the release namespace metadata.namespace.
#
# Each mode starts from otelgen's embedded defaults (merged under your values
# like `otelgen render <mode> -f values.yaml`: mappings merge, lists replace,
# null deletes a default). Generated by `make generate`; do not edit.
"""


def values_yaml() -> str:
    lines = [VALUES_HEADER, "mode: gateway  # agent (DaemonSet) | gateway (Deployment) | statefulset (StatefulSet) | sidecar\n"]
    for mode in MODES:
        lines.append(f"\n# ---- defaults for mode: {mode}\n")
        text = yamlio.dump(mode_defaults(mode)["spec"])
        lines.extend(f"# {line}".rstrip() + "\n" for line in text.splitlines())
    return "".join(lines)


def chart_files() -> dict[str, str]:
    """Generated chart files (path inside the chart → text)."""
    return {
        "Chart.yaml": "# Generated by `make generate` (otelgen.helmchart); do not edit.\n" + yamlio.dump(chart_yaml()),
        "values.yaml": values_yaml(),
        "values.schema.json": json.dumps(values_schema(), indent=2) + "\n",
        "files/otelgen.json": json.dumps(chart_data(), indent=1, sort_keys=True) + "\n",
    }
