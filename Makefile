# Rexian: the two commands that matter are `make up` (set up everything and start the bot) and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := up
export RASA_TELEMETRY_ENABLED := false

APP_VENV  := .venv/app
RASA_VENV := .venv/rasa
APP_PY    := $(APP_VENV)/bin/python

.PHONY: up up-cluster test setup prepare unit e2e bench clean

## make up: create both environments, train the Rasa model and build the KB index when their inputs changed,
## start dispatch backend + action server + Rasa server + web chat, print the URL; Ctrl-C stops everything.
up: setup
	$(APP_PY) -m rexian.stack up

## make up-cluster: the same services, several per role, behind HAProxy with Redis and PostgreSQL (installed
## when missing; state in var/cluster/, docs/deploy.md); Ctrl-C stops everything.
up-cluster: setup
	scripts/install_cluster_deps.sh
	$(APP_PY) -m rexian.stack up --cluster

## make test: the whole test suite (what .ci/run calls).
test: setup
	scripts/run_tests.sh

setup:
	scripts/make_venv.sh $(RASA_VENV) 3.10 requirements/rasa.txt requirements/rasa-constraints.txt
	scripts/make_venv.sh $(APP_VENV) 3.11 requirements/app.txt requirements/app-constraints.txt

prepare: setup
	$(APP_PY) -m rexian.stack prepare

bench: setup
	$(APP_PY) benchmarks/kb_retrieval.py
	$(APP_PY) benchmarks/kb_build.py

clean:
	rm -rf var bot/models
