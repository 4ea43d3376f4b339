GOBIN := $(shell go env GOPATH)/bin

.PHONY: run build test lint fuzz bench microbench cluster cluster-stop

# Run the server: standalone, port 6379, no configuration needed.
run:
	go run ./cmd/quordis-server

build:
	go build -o quordis-server ./cmd/quordis-server

# A local three-master cluster on 127.0.0.1:7000-7002 (PORT=... to move it),
# built with redis-cli --cluster create; cluster-stop ends it.
cluster: build
	sh test/create-cluster.sh start

cluster-stop:
	sh test/create-cluster.sh stop

# Every test: installs what is missing, lints, then runs all tests with the
# race detector (bench/ is built by go vet and go test, never run).
test:
	sh test/deps.sh
	$(MAKE) lint
	go test -race -shuffle=on -timeout 20m ./...

# gofmt, go vet and staticcheck, and a build of the server for macOS, where
# its Linux-only paths (raw socket I/O, the processor governor) fall back.
lint:
	@test -z "$$(gofmt -l .)" || (echo "gofmt needed:"; gofmt -l .; exit 1)
	go vet ./...
	$(GOBIN)/staticcheck ./...
	GOOS=darwin go build -o /dev/null ./cmd/quordis-server

# Fuzz each parser and loader for FUZZTIME (default 30s each).
FUZZTIME ?= 30s
fuzz:
	go test ./server -run '^$$' -fuzz '^FuzzReader$$' -fuzztime $(FUZZTIME)
	go test ./conf -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME)
	go test ./conf -run '^$$' -fuzz '^FuzzMatch$$' -fuzztime $(FUZZTIME)
	go test ./store -run '^$$' -fuzz '^FuzzHLL$$' -fuzztime $(FUZZTIME)
	go test ./aof -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $(FUZZTIME)
	go test ./aof -run '^$$' -fuzz '^FuzzRestore$$' -fuzztime $(FUZZTIME)
	go test ./aof -run '^$$' -fuzz '^FuzzReadRDB$$' -fuzztime $(FUZZTIME)
	go test ./aof -run '^$$' -fuzz '^FuzzRestoreFunctions$$' -fuzztime $(FUZZTIME)
	go test ./cluster -run '^$$' -fuzz '^FuzzApply$$' -fuzztime $(FUZZTIME)
	go test ./replication -run '^$$' -fuzz '^FuzzHandshake$$' -fuzztime $(FUZZTIME)
	go test ./server -run '^$$' -fuzz '^FuzzScriptReply$$' -fuzztime $(FUZZTIME)
	go test ./server -run '^$$' -fuzz '^FuzzScriptLoad$$' -fuzztime $(FUZZTIME)
	go test ./server -run '^$$' -fuzz '^FuzzFunctionLoad$$' -fuzztime $(FUZZTIME)
	go test ./server/lualib -run '^$$' -fuzz '^FuzzCJSONDecode$$' -fuzztime $(FUZZTIME)
	go test ./server/lualib -run '^$$' -fuzz '^FuzzCMsgpackUnpack$$' -fuzztime $(FUZZTIME)
	go test ./server/lualib -run '^$$' -fuzz '^FuzzStructUnpack$$' -fuzztime $(FUZZTIME)

# Quordis against redis-server 7.0 on this machine, side by side: prints
# Markdown tables (about 10 minutes on 2 cores; BENCHFLAGS=-quick for a
# smoke run in seconds, BENCHFLAGS='-scenarios SET,GET' for a subset,
# BENCHFLAGS='-scenarios cluster' for the three-master cluster rows).
# Installs redis-server and redis-tools when missing.
BENCHFLAGS ?=
bench:
	sh test/deps.sh
	go run ./bench/cmd/compare $(BENCHFLAGS)

# The micro-benchmarks beside the code.
microbench:
	go test ./server ./store -run '^$$' -bench . -benchmem
