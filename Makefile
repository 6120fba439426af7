# Backstop's tasks. `make` alone lists them.
SHELL := /bin/bash
GOBIN := $(CURDIR)/bin
export PATH := $(GOBIN):$(PATH)

STRIPE_MOCK_VERSION := v0.203.0
MAILPIT_VERSION     := v1.33.1

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the tasks
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: run
run: ## start everything locally (PostgreSQL, Stripe simulator, mailbox) on http://127.0.0.1:8080
	@# Built, then exec'd: `go run` turns a clean Ctrl-C into exit status 1.
	go build -o bin/backstop . && exec bin/backstop dev

.PHONY: build
build: ## build ./bin/backstop
	go build -o bin/backstop .

.PHONY: tools
tools: bin/stripe-mock bin/mailpit ## install the pinned test tools (stripe-mock, Mailpit) into ./bin

bin/stripe-mock:
	GOBIN=$(GOBIN) go install github.com/stripe/stripe-mock@$(STRIPE_MOCK_VERSION)

bin/mailpit:
	GOBIN=$(GOBIN) go install github.com/axllent/mailpit@$(MAILPIT_VERSION)

.PHONY: deps
deps: ## check for PostgreSQL's server binaries and chromium; as root, apt-get install them
	@.ci/deps

.PHONY: test
test: deps tools ## run every test, first installing what it needs (deps, tools)
	BACKSTOP_REQUIRE_BROWSER=1 go test -count=1 -timeout 15m ./...

# `make soak` knobs: rounds of 50 customers, and the seed of a run to replay.
N    ?= 1000
SEED ?=

.PHONY: soak
soak: deps tools ## random kills, long: make soak N=1000 [SEED=…] (prints its seed; the invariant checker at the end)
	BACKSTOP_SOAK_ROUNDS=$(N) BACKSTOP_SOAK_SEED=$(SEED) go test -count=1 -timeout 0 -run '^TestRandomKills$$' -v ./e2e

# `make fuzz` knob: how long each fuzz target runs.
FUZZTIME ?= 10m
FUZZ_TARGETS := FuzzVerifyWebhook:./internal/stripeapi FuzzWebhookEndpoint:./internal/cli \
	FuzzCheckoutForm:./internal/cli FuzzEventDispatch:./internal/cli FuzzValidate:./internal/mail

.PHONY: fuzz
fuzz: deps tools ## run each fuzz target for FUZZTIME (default 10m), one after the other: make fuzz FUZZTIME=1h
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "== $${t%%:*} ($(FUZZTIME))"; \
		go test -run '^$$' -fuzz "^$${t%%:*}$$" -fuzztime $(FUZZTIME) $${t#*:}; \
	done

.PHONY: bench
bench: ## run the benchmarks (the sweep's at 1M charges takes minutes)
	go test -run '^$$' -bench . -benchmem -timeout 30m ./...

.PHONY: bench-sweep
bench-sweep: ## only the sweep against the seed's per-charge loop (BACKSTOP_BENCH_SIZES=10000,100000 to choose)
	go test -run '^$$' -bench SweepVersusLoop -benchmem -timeout 30m ./internal/recon

.PHONY: bench-webhooks
bench-webhooks: ## only the webhook throughput load generator (BACKSTOP_BENCH_EVENTS, BACKSTOP_BENCH_CLIENTS, BACKSTOP_BENCH_FAST_PG=1)
	go test -run '^$$' -bench WebhookThroughput -benchtime 1x -timeout 30m ./internal/cli

.PHONY: generate
generate: ## regenerate templ output
	go tool templ generate

.PHONY: check
check: lint verify ## what CI checks before the tests: gofmt, go vet, templ output, go mod tidy

.PHONY: lint
lint: ## gofmt and go vet
	@out=$$(gofmt -l $$(git ls-files --cached --others --exclude-standard '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	go vet ./...

.PHONY: verify
verify: generate ## fail if templ output (changed or new) or go.mod/go.sum are out of date
	@out=$$(git status --porcelain -- '*_templ.go'); \
	if [ -n "$$out" ]; then echo "templ output is stale (make generate, then commit):"; echo "$$out"; exit 1; fi
	@go mod tidy -diff || { echo "go.mod/go.sum are not tidy (go mod tidy, then commit)"; exit 1; }
