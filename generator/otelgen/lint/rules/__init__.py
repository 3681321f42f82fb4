"""Every lint rule, in one table: ID, severity, scope, title, check.

IDs are stable (scripts and SARIF consumers match on them); each is documented
in docs/lint.md under its ID.  Scopes: ``config`` rules see one collector
config and the containers that run it, ``container`` rules one collector
container, ``inputs`` rules the whole manifest file.
"""

from __future__ import annotations

from otelgen.lint.model import Rule
from otelgen.lint.rules import components as c
from otelgen.lint.rules import network as n
from otelgen.lint.rules import pipelines as p
from otelgen.lint.rules import runtime as r
from otelgen.lint.rules import scraping as sc
from otelgen.lint.rules import secrets as s
from otelgen.lint.rules import workload as w

RULES: tuple[Rule, ...] = (
    # component types and keys against the target version and image
    Rule("OTG001", "error", "config", "component removed from the collector", c.removed_component),
    Rule("OTG002", "error", "config", "component type name newer than the target version", c.name_too_new),
    Rule("OTG003", "warning", "config", "deprecated component type name", c.deprecated_name),
    Rule("OTG004", "error", "config", "component type not in the image", c.not_in_image),
    Rule("OTG005", "error", "config", "config key removed from the collector", c.removed_key),
    Rule("OTG006", "error", "config", "setting the collector refuses", c.setting_refused),
    # endpoints and ports
    Rule("OTG010", "error", "config", "receiver bound to localhost inside a pod", n.receiver_on_localhost),
    Rule("OTG011", "error", "config", "health_check bound to localhost", n.health_check_on_localhost),
    Rule("OTG012", "warning", "config", "zpages, pprof or internal metrics on localhost", n.debug_endpoint_on_localhost),
    Rule("OTG013", "error", "config", "two listeners on one port", n.port_collision),
    Rule("OTG014", "warning", "config", "config ports and containerPorts/Service ports disagree", n.ports_mismatch),
    # memory
    Rule("OTG020", "error", "config", "memory_limiter missing", p.memory_limiter_missing),
    Rule("OTG021", "error", "config", "memory_limiter not first", p.memory_limiter_not_first),
    Rule("OTG022", "error", "config", "memory_limiter without check_interval", r.memory_limiter_no_interval),
    Rule("OTG023", "error", "config", "memory_limiter spike not below limit", r.memory_limiter_spike),
    Rule("OTG024", "error", "config", "memory_limiter limit_mib at or above the container memory limit", r.memory_limiter_above_limit),
    Rule("OTG025", "error", "container", "collector container without a memory limit", r.no_memory_limit),
    Rule("OTG026", "warning", "container", "GOMEMLIMIT not set", r.gomemlimit_missing),
    # batch
    Rule("OTG030", "error", "config", "batch before samplers or context-dependent processors", p.batch_order),
    Rule("OTG031", "warning", "config", "batch missing", p.batch_missing),
    # replicas
    Rule("OTG040", "error", "config", "tail_sampling on several replicas without trace-ID load balancing", r.tail_sampling_unbalanced),
    Rule("OTG041", "error", "config", "single-writer receiver on several replicas without leader election", r.single_writer_duplicated),
    Rule("OTG042", "error", "config", "Prometheus targets scraped by every replica", sc.duplicate_scraping),
    Rule("OTG043", "error", "config", "collector scrapes its own metrics twice or through its own Service", sc.self_scrape_loop),
    # Kubernetes API access
    Rule("OTG050", "error", "config", "k8s_attributes in an agent without the node filter", r.k8sattributes_no_node_filter),
    Rule("OTG051", "error", "config", "RBAC a component needs is not granted", r.rbac_missing),
    # credentials and env vars
    Rule("OTG060", "error", "config", "literal credential in the collector config", s.literal_credential),
    Rule("OTG061", "error", "inputs", "literal credential in a ConfigMap or container env", s.literal_credential_in_manifests),
    Rule("OTG070", "error", "config", "bare $VAR env reference", s.bare_env_var),
    Rule("OTG071", "error", "config", "env var referenced by the config not set in the pod", s.env_var_unset),
    # the container
    Rule("OTG080", "error", "container", "removed collector CLI flag", w.removed_cli_flag),
    Rule("OTG081", "error", "container", "--config does not reach a collector config in a ConfigMap", w.config_not_mounted),
    Rule("OTG090", "error", "container", "image tag latest or missing", w.image_tag),
    Rule("OTG091", "warning", "container", "no resource requests or limits", w.no_resources),
    Rule("OTG092", "warning", "container", "no liveness or readiness probe", w.no_probes),
    Rule("OTG093", "error", "container", "probe without a matching health_check", w.probe_without_health_check),
    # the pipeline graph
    Rule("OTG100", "error", "config", "reference to an undefined component", p.undefined_reference),
    Rule("OTG101", "warning", "config", "component defined but not used", p.unused_component),
    Rule("OTG102", "error", "config", "signal not supported by a component or connector", p.signal_mismatch),
    Rule("OTG103", "error", "config", "connector used on one side only", p.connector_one_side),
    Rule("OTG104", "error", "config", "processor listed twice in a pipeline", p.listed_twice),
)

BY_ID = {rule.id: rule for rule in RULES}


def docs_anchor(rule_id: str) -> str:
    """Where a rule is documented (relative to the repository root)."""
    return f"docs/lint.md#{rule_id.lower()}"
