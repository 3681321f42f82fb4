# The two commands a newcomer needs:
#   make render   - set up and render the default gateway
#   make test     - install the pinned toolchain and run the whole suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: render test tools venv golden generate crd-schemas catalog clean

# Setup talks on stderr only: `make render | kubectl apply -f -` must get nothing but YAML.
$(BIN)/.installed: pyproject.toml
	@echo "make: setting up $(VENV) (pip install -e '.[test]')" >&2
	@$(PYTHON) -m venv $(VENV) >&2
	@$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]' >&2
	@touch $@

venv: $(BIN)/.installed

render: venv
	@$(BIN)/otelgen render gateway

tools:
	bash tools/install.sh

test: venv tools
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

# Re-render every golden file under tests/golden (review the diff before committing).
golden: venv
	OTELGEN_UPDATE_GOLDEN=1 $(BIN)/pytest -q tests/test_golden.py

# Regenerate schemas/, kustomize/ and the chart's generated files from the model and examples/ (drift-tested).
generate: venv
	$(BIN)/python tools/generate.py

# Rewrite tools/crd-schemas/ (JSON schemas for kubeconform, committed) from the published CRDs:
# CRDS=DIR, default $$OTELGEN_CRDS_DIR or ../shared/crds. Review the diff.
crd-schemas: venv
	$(BIN)/python tools/crd_schemas.py $(CRDS)

# Regenerate generator/otelgen/data/catalog.json from the components' Go modules (module
# proxy; 5-7 min, ~0.5 GiB of Go module cache). See docs/catalog.md for adding a release.
catalog: venv
	$(BIN)/python tools/catalog.py build

clean:
	rm -rf $(VENV) build *.egg-info generator/*.egg-info .pytest_cache
