"""Config pieces shared by several components: client TLS, credentials, queues."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from otelgen.components.base import Context, EnvVar, Mount, Needs, SecretRef, SecretValue, secret_env

#: client certificates and CAs of exporters are mounted under <this>/<instance slug>/
CLIENT_TLS_DIR = "/etc/otelcol/tls"
SENSITIVE_HEADER_WORDS = ("authorization", "api-key", "apikey", "api_key", "token", "secret", "password", "credential", "signature")


def is_sensitive_header(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in SENSITIVE_HEADER_WORDS)


class ClientTLS(BaseModel):
    """TLS towards a backend.  Certificates come from Secrets mounted read-only."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    insecure: bool = Field(default=False, description="Plaintext connection (opt-in).")
    insecure_skip_verify: bool = False
    ca_secret: SecretRef | None = Field(default=None, description="CA bundle to verify the server.")
    cert_secret: str | None = Field(default=None, description="kubernetes.io/tls Secret with the client certificate (mTLS).")
    server_name_override: str | None = None

    @model_validator(mode="after")
    def _not_insecure_with_tls_settings(self) -> "ClientTLS":
        # insecure: true renders plaintext and drops every other setting; with the
        # agent/sidecar defaults (insecure: true) merged under a user's ca_secret/cert_secret
        # that silently sent plaintext without the client certificate
        ignored = [k for k in ("ca_secret", "cert_secret", "insecure_skip_verify", "server_name_override") if getattr(self, k)]
        if self.insecure and ignored:
            raise ValueError(f"tls.insecure: true turns TLS off, so {', '.join(ignored)} would be ignored: set insecure: false (or null to drop a default's insecure: true)")
        return self

    def render(self, ctx: Context, needs: Needs) -> dict[str, Any]:
        """Collector `tls:` settings; adds the Secret mounts to ``needs``."""
        if self.insecure:
            return {"insecure": True}
        out: dict[str, Any] = {}
        base = f"{CLIENT_TLS_DIR}/{mount_slug(ctx.instance)}"
        if self.ca_secret:
            needs.mounts.append(Mount(name=volume_name("ca", ctx.instance), mount_path=f"{base}/ca", read_only=True, secret_name=self.ca_secret.name, secret_items=((self.ca_secret.key, "ca.crt"),)))
            out["ca_file"] = f"{base}/ca/ca.crt"
        if self.cert_secret:
            needs.mounts.append(Mount(name=volume_name("cert", ctx.instance), mount_path=f"{base}/client", read_only=True, secret_name=self.cert_secret, secret_items=(("tls.crt", "tls.crt"), ("tls.key", "tls.key"))))
            out["cert_file"] = f"{base}/client/tls.crt"
            out["key_file"] = f"{base}/client/tls.key"
        if self.insecure_skip_verify:
            out["insecure_skip_verify"] = True
        if self.server_name_override:
            out["server_name_override"] = self.server_name_override
        return out


def mount_slug(instance: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in instance.lower()).strip("-")


def volume_name(prefix: str, instance: str) -> str:
    """A DNS-1123 label ≤ 63 chars, stable for the instance."""
    return f"{prefix}-{mount_slug(instance)}"[:63].rstrip("-")


HeaderValue = str | SecretValue


class HeadersMixin(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built with the config that uses it, not at import
    headers: dict[str, HeaderValue] = Field(default_factory=dict, description="Request headers; credentials as {secretRef: {name, key}}.")

    @field_validator("headers")
    @classmethod
    def _no_literal_credentials(cls, headers: dict[str, HeaderValue]) -> dict[str, HeaderValue]:
        for name, value in headers.items():
            if isinstance(value, str) and is_sensitive_header(name) and not value.startswith("${env:"):
                raise ValueError(f"literal credential in header {name!r}: reference a Secret instead: {{secretRef: {{name: ..., key: ...}}}}")
        return headers

    def render_headers(self, ctx: Context, needs: Needs) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, value in sorted(self.headers.items()):  # env var order independent of key order
            if isinstance(value, SecretValue):
                text, env = secret_env(ctx, value, "HEADER", name)
                needs.env.append(env)
                out[name] = text
            else:
                out[name] = value
        return out


def secret_or_env(ctx: Context, value: SecretValue, needs: Needs, *parts: str) -> str:
    text, env = secret_env(ctx, value, *parts)
    needs.env.append(env)
    return text


__all__ = ["ClientTLS", "HeadersMixin", "EnvVar", "is_sensitive_header", "secret_or_env", "volume_name", "mount_slug"]
