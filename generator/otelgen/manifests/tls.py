"""Receiver TLS: the cert-manager Certificate, and the Secret volumes for the pod."""

from __future__ import annotations

from typing import Any

from otelgen.components.base import Mount
from otelgen.manifests import naming
from otelgen.plan import CLIENT_CA_DIR, SERVER_TLS_DIR, Plan


def dns_names(plan: Plan) -> list[str]:
    names = []
    services = [naming.service(plan)] + ([naming.headless_service(plan)] if plan.mode == "gateway" else [])
    for svc in services:
        names += [svc, f"{svc}.{plan.namespace}", f"{svc}.{plan.namespace}.svc", f"{svc}.{plan.namespace}.svc.cluster.local"]
    if plan.mode == "gateway":  # the loadbalancing exporter dials pod addresses behind the headless Service
        names.append(f"*.{naming.headless_service(plan)}.{plan.namespace}.svc.cluster.local")
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
            "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
            "usages": ["server auth", "digital signature", "key encipherment"],
            "issuerRef": {"name": cm.issuer_ref.name, "kind": cm.issuer_ref.kind, "group": cm.issuer_ref.group},
        },
    }


def server_mounts(plan: Plan) -> list[Mount]:
    tls = plan.spec.tls
    if tls is None:
        return []
    mounts = [Mount(name="tls-server", mount_path=SERVER_TLS_DIR, read_only=True, secret_name=naming.tls_secret(plan), secret_items=(("tls.crt", "tls.crt"), ("tls.key", "tls.key")))]
    if tls.client_ca is not None:
        mounts.append(Mount(name="tls-client-ca", mount_path=CLIENT_CA_DIR, read_only=True, secret_name=tls.client_ca.name, secret_items=((tls.client_ca.key, "ca.crt"),)))
    return mounts
