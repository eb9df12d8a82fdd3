# cookiecutter-django-service: `make demo` bakes and runs the default project,
# `make test` runs the template's test suite. `make help` lists everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_WORKERS ?= 2
DEMO := demo

.DEFAULT_GOAL := help
.PHONY: help install test test-fast demo demo-clean bench locks docs docs-serve clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: tests/requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r tests/requirements.txt
	@touch $@

install: $(VENV)/.installed ## Create .venv with cookiecutter and the test tools

PYTEST := $(BIN)/python -m pytest tests -n $(PYTEST_WORKERS) --dist loadgroup --durations 10

test: install ## Run the template's whole test suite (every prompt combination, each queue's suite)
	$(PYTEST)

test-fast: install ## The development loop: hooks, the default bake's checks and suite, docs
	$(PYTEST) -m fast

demo: install ## Bake ./demo with the defaults, install, migrate and run it on 127.0.0.1:8000
	rm -rf $(DEMO) .cache/demo-bake
	$(BIN)/cookiecutter --no-input --output-dir .cache/demo-bake .
	mv .cache/demo-bake/* $(DEMO) && rm -rf .cache/demo-bake
	$(MAKE) -C $(DEMO) install migrate version-json demo-data
	@if [ -n "$$DJANGO_SUPERUSER_PASSWORD" ]; then \
	    cd $(DEMO) && .venv/bin/python manage.py createsuperuser --noinput \
	        --username "$${DJANGO_SUPERUSER_USERNAME:-admin}" \
	        --email "$${DJANGO_SUPERUSER_EMAIL:-admin@example.com}" \
	    && echo "Superuser $${DJANGO_SUPERUSER_USERNAME:-admin} created."; \
	else \
	    echo "No superuser created: run DJANGO_SUPERUSER_PASSWORD=... make demo,"; \
	    echo "or: cd $(DEMO) && make superuser"; \
	fi
	@echo ""
	@echo "Serving the demo (Ctrl-C stops everything):"
	@echo "  admin      http://127.0.0.1:8000/admin/"
	@echo "  version    http://127.0.0.1:8000/__version__"
	@echo "  heartbeat  http://127.0.0.1:8000/__heartbeat__"
	@echo "  callbacks  http://127.0.0.1:8000/admin/http_hooks/callback/ (change an order to see one)"
	@echo ""
	$(MAKE) -C $(DEMO) start

demo-clean: ## Remove ./demo
	rm -rf $(DEMO) .cache/demo-bake

locks: install ## Refresh the per-queue uv locks the projects get (UPGRADE=1: newest releases)
	$(BIN)/python -m tests.locks $(if $(UPGRADE),--upgrade)

bench: install ## Run the benchmarks (figures and ratios against same-run baselines)
	$(BIN)/python -m benchmarks

docs: install ## Build the documentation site into ./site (strict)
	$(BIN)/mkdocs build --strict

docs-serve: install ## Serve the documentation on http://127.0.0.1:8001
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:8001

clean: ## Remove .venv, caches and the demo
	rm -rf $(VENV) .cache $(DEMO) site
