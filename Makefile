# Gatehouse: `make run` to try it, `make test` to prove it. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

export GATEHOUSE_CACHE ?= $(HOME)/.cache/gatehouse
export CARGO_TARGET_DIR ?= $(GATEHOUSE_CACHE)/target
export PATH := $(GATEHOUSE_CACHE)/tools/bin:$(GATEHOUSE_CACHE)/node/node_modules/.bin:$(PATH)
# Builds never need a database: query metadata is committed in .sqlx/.
export SQLX_OFFLINE ?= true

.PHONY: help run build test lint bench tools sqlx-prepare clean-dev

help:
	@echo "make run    build (release) and serve on http://127.0.0.1:3000 with a private PostgreSQL, local files and a dev mailbox"
	@echo "make test   lint, unit, integration and browser tests against real PostgreSQL, S3 (s3s-fs), SMTP (aiosmtpd) and Chromium"
	@echo "make bench  benchmarks (release build), printed as a table"

tools:
	@.ci/tools.sh build

run:
	@.ci/tools.sh build
	@.ci/dev.sh

build:
	@.ci/tools.sh build
	cargo leptos build --release

test:
	@.ci/test.sh

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --features app/ssr -- -D warnings

bench:
	@.ci/bench.sh

# Regenerates .sqlx/ after a query changes (needs the dev database from `make run`).
sqlx-prepare:
	@.ci/sqlx-prepare.sh

# Forgets the dev database and files (`make run` starts afresh).
clean-dev:
	@.ci/dev.sh --clean
