# One Aftersales Platform. `make run` serves the app; `make test` runs every check. Both install what
# is missing first (scripts/bootstrap.sh), so a fresh Debian machine with Rust needs nothing else.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Builds use the committed .sqlx query cache, so no database is needed to compile.
export SQLX_OFFLINE := true
# wasm-opt comes from the npm package binaryen, installed under end2end/.
export PATH := $(CURDIR)/end2end/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

.PHONY: help run demo test bench soak bootstrap sqlx-prepare fmt lint clean-data

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

run: ## Build (release, only when something changed) and serve the app at http://127.0.0.1:3000
	@scripts/run.sh

demo: ## Fill the `make run` database with a generated dealer network (DEMO_ARGS="--dealers 500 --records 100000")
	@scripts/demo.sh $(DEMO_ARGS)

test: ## Run every test and check (fmt, clippy, sqlx cache, unit, integration, end-to-end)
	@scripts/test.sh

bench: ## Measure performance on the release build (login, lists, PCC steps, live updates, WASM size)
	@scripts/bench.sh

soak: ## Ten minutes of mixed traffic on the release build: zero errors and flat memory, or it fails
	@scripts/soak.sh

bootstrap: ## Install missing tools only
	@scripts/bootstrap.sh test

sqlx-prepare: ## Regenerate the .sqlx offline query cache (after changing a query)
	@scripts/test.sh --prepare

fmt: ## Format the code
	cargo fmt --all

lint: ## Clippy for the server and the WASM builds
	cargo clippy -p app -p server --all-targets -- -D warnings
	cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

clean-data: ## Delete the embedded database of `make run` (asks first)
	@read -p "Delete ./data and every record in it? [y/N] " a && [ "$$a" = y ] && rm -rf data || true
