"""The one credential predicate (otelgen.credentials): a table of what is and
what is not a literal credential, in both directions."""

from __future__ import annotations

import pytest

from otelgen import credentials

#: (name, value): literal credentials
POSITIVES = [
    # header names vendors use for keys
    ("Authorization", "Bearer abc123"),
    ("authorization", "some-opaque-value"),
    ("Proxy-Authorization", "Basic dXNlcjpwYXNz"),
    ("api-key", "0123456789abcdef0123456789abcdefNRAL"),  # New Relic license key header
    ("x-api-key", "k"),
    ("DD-API-KEY", "deadbeef"),
    ("dd-application-key", "x1"),
    ("X-Honeycomb-Team", "hcxik_abc"),  # the name says "team", the value is the API key
    ("Lightstep-Access-Token", "abc"),
    ("X-SF-Token", "abc"),
    ("x-insert-key", "NRII-abc"),
    ("x-license-key", "abc"),
    ("uptrace-dsn", "https://token@api.uptrace.dev/1"),
    ("ocp-apim-subscription-key", "abc"),
    ("Authorization", "Api-Token dt0c01.ABC"),  # Dynatrace
    # setting names
    ("access_token", "abc"),  # signalfx exporter
    ("password", "hunter2"),
    ("client_secret", "abc"),
    ("token", "abc"),
    ("apiKey", "abc"),
    ("private_key", "abc"),
    ("key_pem", "abc"),
    ("connection_string", "InstrumentationKey=abc"),
    ("signature", "abc"),
    ("secret", "abc"),
    ("dsn", "postgres://u@h"),
    ("token", 123456),  # a number is a literal too
    ("password", "${env:USER}-and-literal"),  # a reference next to literal text
    # values that look like keys, whatever the name
    ("note", "Bearer abcdefgh12345678"),
    ("x", "Basic dXNlcjpwYXNzd29yZA=="),
    ("x", "sk-LEAK0123456789abcdefgh"),
    ("x", "ghp_0123456789abcdefghijklmnopqrstuv"),
    ("x", "xoxb-1234567890-abcdefghij"),
    ("x", "glpat-0123456789abcdefghij"),
    ("x", "AKIAIOSFODNN7EXAMPLE"),
    ("x", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghijklmnop"),
    ("x", "-----BEGIN RSA PRIVATE KEY-----\nMIIE..."),
    ("x", "<your-api-key>"),
    ("x", "YOUR_API_KEY"),
    ("x", "changeme"),
    ("endpoint", "https://user:pass@otlp.example.com:4318"),
    ("endpoint", "https://token@otlp.example.com"),
    ("endpoint", "https://listener.logz.io:8071/?token=abcdef"),
    ("datasource", "host=db user=u password=p sslmode=disable"),
    ("x", "9f86d081884c7d659a2feaa0c55ad015"),  # 32 hex: a Datadog-style key
    ("x", "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA"),
    (None, "sk-LEAK0123456789abcdefgh"),
]

#: (name, value): not credentials
NEGATIVES = [
    ("X-Scope-OrgID", "tenant-1"),  # a tenant, not a credential (Mimir/Loki/Tempo)
    ("X-Scope-OrgID", "7c9e6679-7425-40de-944b-e07fc1f90ae7"),
    ("x-honeycomb-dataset", "my-dataset"),
    ("content-type", "application/json"),
    ("token_url", "https://auth.example.com/oauth/token"),
    ("token_file", "/var/run/secrets/token"),
    ("password_file", "/etc/otel/password"),
    ("ca_file", "/etc/otelcol/tls/ca.crt"),
    ("key_file", "/etc/otelcol/tls/tls.key"),
    ("auth_type", "serviceAccount"),
    ("authenticator", "bearertokenauth/backend"),
    ("secret_name", "vendor"),
    ("cert_secret", "client-cert"),
    ("secretName", "tls"),
    ("client_id", "my-client"),
    ("Authorization", "${env:OTELGEN_EXPORTER_TOKEN}"),
    ("Authorization", "Bearer ${env:TOKEN}"),
    ("Authorization", "Api-Token ${env:DT_API_TOKEN}"),
    ("api-key", "${file:/etc/key}"),
    ("token", "${env:A}:${env:B}"),
    ("password", ""),
    ("password", "REDACTED"),
    ("include_token", True),
    ("token_refresh_interval", "5m"),
    ("endpoint", "https://otlp.example.com:4318/v1/traces"),
    ("endpoint", "https://${env:USER}:${env:PASS}@otlp.example.com"),
    ("endpoint", "${env:MY_POD_IP}:4317"),
    ("repository", "otel/opentelemetry-collector-k8s"),
    ("digest", "sha256:" + "a" * 64),
    ("checksum/config", "9f86d081884c7d659a2feaa0c55ad0159f86d081884c7d659a2feaa0c55ad015"),
    ("name", "vendor-credentials-2024-0001"),
    ("git-commit", "9f86d081884c7d659a2feaa0c55ad0159f86d081"),
    ("name", "collector0123abcd4567efgh"),
    ("key", "api-key"),  # a secretRef's key
    ("key", "http.request.header.authorization"),
    ("path", "/var/log/pods/*/*/*.log"),
    ("x", "otel-gateway-collector-headless"),
    ("x", "my-app-v1-2-3-canary-2024-blue"),
    ("description", "Token expired for the user"),
    ("x", "Basic auth"),
    ("lease_name", "otel-leader"),
    ("timeout", "30s"),
]


@pytest.mark.parametrize("name,value", POSITIVES, ids=[f"{n}={str(v)[:20]}" for n, v in POSITIVES])
def test_literal_credentials_are_found(name, value):
    why = credentials.literal(name, value)
    assert why is not None
    assert str(value) not in why or len(str(value)) < 3


@pytest.mark.parametrize("name,value", NEGATIVES, ids=[f"{n}={str(v)[:20]}" for n, v in NEGATIVES])
def test_non_credentials_are_left_alone(name, value):
    assert credentials.literal(name, value) is None


def test_datadog_api_key_only_below_api():
    assert credentials.literal("key", "abc", parent="api") is not None
    assert credentials.literal("key", "abc", parent="attributes") is None


def test_find_walks_pairs_lists_and_paths():
    config = {
        "exporters": {"otlp": {"headers": {"X-Scope-OrgID": "t1", "x-api-key": "abc"}}},
        "extensions": {"headers_setter": {"headers": [{"key": "Authorization", "value": "tok"}, {"key": "X-Tenant", "value": "t"}]}},
        "pod": {"env": [{"name": "VENDOR_TOKEN", "value": "abc"}, {"name": "LEVEL", "value": "info"}]},
        "list": ["plain", "sk-LEAK0123456789abcdefgh"],
    }
    found = {f.path: f.why for f in credentials.find(config)}
    assert set(found) == {
        ("exporters", "otlp", "headers", "x-api-key"),
        ("extensions", "headers_setter", "headers", 0, "value"),
        ("pod", "env", 0, "value"),
        ("list", 1),
    }
    assert all("abc" not in why and "sk-LEAK" not in why for why in found.values())


def test_every_pattern_is_re2_compatible_syntax():
    """The chart applies the same patterns with Go's RE2: no lookaround, backreferences or possessives."""
    tables = credentials.tables()
    patterns = [tables["name"], tables["reference"], tables["digestName"], tables["referenceValue"], tables["schemeWords"], tables["userinfo"], *tables["generic"], *tables["genericNot"], *(p for _, p in tables["values"])]
    for pattern in patterns:
        for construct in ("(?=", "(?!", "(?<=", "(?<!", "\\1", "*+", "++", "(?P<"):
            assert construct not in pattern, (construct, pattern)


def test_env_var_names_are_not_placeholders():
    """An env var's name (MY_TOKEN) is not a credential; its value is judged by that name."""
    found = list(credentials.find({"env": [{"name": "MY_TOKEN", "value": "${env:X}"}, {"name": "MY_API_KEY", "secretRef": {"name": "s", "key": "api-key"}}]}))
    assert found == []


def test_a_key_that_is_a_credential_is_found_and_not_shown():
    found = list(credentials.find({"headers": {"sk-LEAK0123456789abcdefgh": "x"}}, ("spec",)))
    assert found == [credentials.Finding(("spec", "headers", credentials.REDACTED_KEY), "a mapping key that looks like a credential")]
