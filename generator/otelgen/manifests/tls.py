"""Receiver TLS: the cert-manager Certificate, and the Secret volumes for the pod."""

from __future__ import annotations

from typing import Any

from otelgen.components.base import Mount
from otelgen import modes
from otelgen.manifests import naming
from otelgen.plan import CLIENT_CA_DIR, SERVER_TLS_DIR, Plan

SERVER_VOLUME = "tls-server"
CLIENT_CA_VOLUME = "tls-client-ca"
PRIVATE_KEY: dict[str, Any] = {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"}
USAGES = ("server auth", "digital signature", "key encipherment")
#: the names a Service answers to, from the short name to the FQDN
SERVICE_DNS_NAMES = ("{service}", "{service}.{namespace}", "{service}.{namespace}.svc", "{service}.{namespace}.svc.cluster.local")
#: a gateway's pods behind its headless Service (the loadbalancing exporter dials them)
POD_DNS_NAME = "*.{service}.{namespace}.svc.cluster.local"


def dns_names(plan: Plan) -> list[str]:
    names = []
    services = [naming.service(plan)] + ([naming.headless_service(plan)] if modes.traits(plan.mode).headless_service else [])
    for svc in services:
        names += [pattern.format(service=svc, namespace=plan.namespace) for pattern in SERVICE_DNS_NAMES]
    if modes.traits(plan.mode).headless_service:
        names.append(POD_DNS_NAME.format(service=naming.headless_service(plan), namespace=plan.namespace))
    extra = plan.spec.tls.cert_manager.dns_names if plan.spec.tls and plan.spec.tls.cert_manager else []
    for name in extra:
        if name not in names:
            names.append(name)
    return names


def certificate(plan: Plan) -> dict[str, Any] | None:
    tls = plan.spec.tls
    if tls is None or tls.cert_manager is None:
        return None
    cm = tls.cert_manager
    return {
        "apiVersion": "cert-manager.io/v1",
        "kind": "Certificate",
        "metadata": naming.metadata(plan, plan.name),
        "spec": {
            "secretName": naming.tls_secret(plan),
            "duration": cm.duration,
            "renewBefore": cm.renew_before,
            "dnsNames": dns_names(plan),
            "privateKey": dict(PRIVATE_KEY),
            "usages": list(USAGES),
            "issuerRef": {"name": cm.issuer_ref.name, "kind": cm.issuer_ref.kind, "group": cm.issuer_ref.group},
        },
    }


def server_mounts(plan: Plan) -> list[Mount]:
    tls = plan.spec.tls
    if tls is None:
        return []
    mounts = [Mount(name=SERVER_VOLUME, mount_path=SERVER_TLS_DIR, read_only=True, secret_name=naming.tls_secret(plan), secret_items=(("tls.crt", "tls.crt"), ("tls.key", "tls.key")))]
    if tls.client_ca is not None:
        mounts.append(Mount(name=CLIENT_CA_VOLUME, mount_path=CLIENT_CA_DIR, read_only=True, secret_name=tls.client_ca.name, secret_items=((tls.client_ca.key, "ca.crt"),)))
    return mounts
