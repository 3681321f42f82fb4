"""Config pieces shared by several components: client TLS, credentials, queues."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from otelgen import credentials
from otelgen.components.base import EnvVar, SecretRef, SecretValue
from otelgen.components.declare import CLIENT_TLS_DIR, When, mount_slug, none_of, volume_name


def is_sensitive_header(name: str) -> bool:
    """Whether a header name carries a credential (otelgen.credentials decides)."""
    return credentials.credential_name(name)


class ClientTLS(BaseModel):
    """TLS towards a backend.  Certificates come from Secrets mounted read-only."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    insecure: StrictBool = Field(default=False, description="Plaintext connection (opt-in).")
    insecure_skip_verify: StrictBool = False
    ca_secret: SecretRef | None = Field(default=None, description="CA bundle to verify the server.")
    cert_secret: str | None = Field(default=None, description="kubernetes.io/tls Secret with the client certificate (mTLS).")
    server_name_override: str | None = None


#: the check of a component's ``tls`` (a ClientTLS): insecure: true renders plaintext and drops
#: every other setting; with the agent/sidecar defaults (insecure: true) merged under a user's
#: ca_secret/cert_secret that silently sent plaintext without the client certificate
CLIENT_TLS_CHECK = none_of(
    "ca_secret", "cert_secret", "insecure_skip_verify", "server_name_override", at="tls", when=(When("insecure"),), collector=False,
    message="tls.insecure: true turns TLS off, so {{@given}} would be ignored: set insecure: false (or null to drop a default's insecure: true)",
)


HeaderValue = str | SecretValue


class HeadersMixin(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built with the config that uses it, not at import
    headers: dict[str, HeaderValue] = Field(default_factory=dict, description="Request headers; credentials as {secretRef: {name, key}}.")

    @field_validator("headers")
    @classmethod
    def _no_literal_credentials(cls, headers: dict[str, HeaderValue]) -> dict[str, HeaderValue]:
        for name, value in headers.items():
            if isinstance(value, str) and credentials.literal(name, value) is not None:
                raise ValueError(f"literal credential in header {name!r}: reference a Secret instead: {{secretRef: {{name: ..., key: ...}}}}")
        return headers


__all__ = ["CLIENT_TLS_CHECK", "ClientTLS", "HeadersMixin", "EnvVar", "is_sensitive_header", "volume_name", "mount_slug", "CLIENT_TLS_DIR"]
