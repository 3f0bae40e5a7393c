# crmbot — the menu. Every target is one line a newcomer can read.
GO      ?= go
DB      ?= crmbot.db
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

.PHONY: run test test-pg bench bench-pg lint build fmt clean serve fuzz

run:            ## chat with the bot in this terminal, on ./crmbot.db (no tokens needed)
	$(GO) run ./cmd/crmbot chat --db $(DB)

serve:          ## run the Telegram/Slack adapters and the scheduler (needs tokens in env)
	$(GO) run ./cmd/crmbot serve --db $(DB)

test:           ## vet, then every test with the race detector (PostgreSQL too when CRMBOT_TEST_POSTGRES is set)
	$(GO) vet ./...
	@test -n "$$CRMBOT_TEST_POSTGRES" || echo "PostgreSQL tests skipped: set CRMBOT_TEST_POSTGRES or run .ci/run (or make test-pg)"
	$(GO) test -race -count=1 ./...

test-pg:        ## make test against a throwaway PostgreSQL cluster (scripts/pgtest.sh starts and removes it)
	CRMBOT_TEST_POSTGRES_REQUIRED=1 scripts/pgtest.sh $(MAKE) test

bench:          ## benchmarks on the generated 100k-interest dataset (CRMBOT_BENCH_SCALE=0.01 for a quick look)
	$(GO) test -run='^$$' -bench=. -benchmem ./...

bench-pg:       ## the storage benchmarks on bbolt and on a throwaway PostgreSQL (fsync on), side by side
	PGTEST_FSYNC=on scripts/pgtest.sh $(GO) test -run='^$$' -bench=. -benchmem ./storage/ ./storage/postgres/

FUZZTIME ?= 30s
fuzz:           ## each fuzz test for $(FUZZTIME): dates, command lines, signatures, CSV import (not part of make test)
	$(GO) test ./bot -run='^$$' -fuzz='^FuzzParseWhen$$' -fuzztime=$(FUZZTIME)
	$(GO) test ./bot -run='^$$' -fuzz='^FuzzCommandLine$$' -fuzztime=$(FUZZTIME)
	$(GO) test ./bot -run='^$$' -fuzz='^FuzzParseSignature$$' -fuzztime=$(FUZZTIME)
	$(GO) test ./crm/exchange -run='^$$' -fuzz='^FuzzImportCSV$$' -fuzztime=$(FUZZTIME)

lint:           ## formatting, vet and staticcheck (fetched from the module proxy)
	@test -z "$$(gofmt -l .)" || (gofmt -l . && false)
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

build:          ## the binary, ./crmbot
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o crmbot ./cmd/crmbot

fmt:
	gofmt -w .

clean:
	rm -f crmbot
