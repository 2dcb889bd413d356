# The two commands: `make run` and `make test`. Both set themselves up on a fresh machine.
.DEFAULT_GOAL := help
SHELL := /bin/bash
PORT ?= 8000
PYTHON_VENV := .venv/bin/python

.PHONY: help install run test test-clock services stop status vendor demo-logins demo-code clean bench

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

install: ## Create .venv and install pinned dependencies (only when pyproject.toml changed)
	@scripts/bootstrap.sh

run: install ## Run web, Celery worker and beat on embedded PostgreSQL/Redis with the demo council (PORT=8000)
	@PORT=$(PORT) $(PYTHON_VENV) scripts/run.py

test: install ## Lint, type-check, migration and deploy checks, then the full pytest suite
	@$(PYTHON_VENV) scripts/with_services.py -- scripts/test.sh $(PYTEST_ARGS)

SHIFT ?= +365d
test-clock: install ## The full suite with the clock shifted by SHIFT (+365d; also -365d) under faketime
	@scripts/test_clock.sh "$(SHIFT)" $(PYTEST_ARGS)

services: install ## Start embedded PostgreSQL and Redis in the background; prints the URLs to export
	@$(PYTHON_VENV) -m safeguarding.devservices start

stop: ## Stop the embedded PostgreSQL and Redis
	@if [ -x $(PYTHON_VENV) ]; then $(PYTHON_VENV) -m safeguarding.devservices stop; fi

status: ## Say whether the embedded services are running
	@$(PYTHON_VENV) -m safeguarding.devservices status

vendor: ## Refresh GOV.UK Frontend and htmx under static/vendor from npm (needs Node.js)
	@scripts/update-vendor.sh

demo-logins: install ## Print every demo login as a Markdown table
	@$(PYTHON_VENV) scripts/with_services.py -- $(PYTHON_VENV) manage.py load_demo_council --print-logins

demo-code: install ## Print the current sign-in code of the demo logins' authenticator app
	@$(PYTHON_VENV) scripts/with_services.py -- $(PYTHON_VENV) manage.py demo_totp

clean: stop ## Stop services and delete var/ (embedded databases) and .venv
	rm -rf var .venv

# --- Load test (docs/scaling.md) ------------------------------------------------------------------
.PHONY: loadtest
USERS ?= 50
SPAWN_RATE ?= 5
DURATION ?= 5m
HOST ?= 127.0.0.1
LOADTEST_HOST = $(if $(findstring ://,$(HOST)),$(HOST),http://$(HOST):$(PORT))

loadtest: install ## Load test a running `make run` on this machine (USERS=50 SPAWN_RATE=5 DURATION=5m PORT=8000)
	@$(PYTHON_VENV) loadtest/run.py --host "$(LOADTEST_HOST)" --users $(USERS) --spawn-rate $(SPAWN_RATE) --duration $(DURATION)

FAMILIES ?= 10000
SEED ?= 1
SAMPLES ?= 50
bench: install ## Benchmark a synthetic council (FAMILIES=10000 SEED=1 SAMPLES=50) on its own database; writes docs/performance.md
	@$(PYTHON_VENV) scripts/with_services.py -- scripts/bench.sh $(FAMILIES) $(SEED) $(SAMPLES)
