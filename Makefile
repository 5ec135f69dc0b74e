# make check runs what CI runs (.ci/run) plus a short fuzz run of every fuzz target.
FUZZTIME ?= 10s

.PHONY: check test fuzz build bench vitals-eval
check:
	bash .ci/run
	$(MAKE) fuzz

test:
	go test -race ./...

# -buildvcs=auto: in a git checkout the binary records its commit (version.json in evidence bundles, swVersion
# in exported events), even where GOFLAGS turns it off; outside one it builds without.
build:
	CGO_ENABLED=0 go build -buildvcs=auto -trimpath -o bin/ ./cmd/hl7gate ./cmd/hl7load

# Every Fuzz* function in the module, each for FUZZTIME.
fuzz:
	@set -e; for pkg in $$(go list ./...); do \
	  dir=$$(go list -f '{{.Dir}}' $$pkg); \
	  for fn in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go 2>/dev/null | sed 's/^func //'); do \
	    echo "fuzz $$pkg $$fn"; go test -run='^$$' -fuzz="^$$fn$$" -fuzztime=$(FUZZTIME) $$pkg; \
	  done; \
	done

bench:
	go test -run='^$$' -bench=. -benchmem ./hl7/... ./gateway/... ./policy/...

# Detection figures on held-out seeds of the blind corpus and the simulator (docs/vitals.md); EVAL_ARGS passes flags.
vitals-eval:
	bash test/bench/vitals-eval.sh $(EVAL_ARGS)
