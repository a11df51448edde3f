# The two commands a newcomer needs: `make demo` and `make test`.

# The PostgreSQL pass runs when a server answers on 127.0.0.1:5432 (or when
# PARLEY_TEST_POSTGRES names one); otherwise it is skipped with a clear line.
PARLEY_TEST_POSTGRES ?= $(shell pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && echo "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable")
export PARLEY_TEST_POSTGRES

.PHONY: demo test vet bench build

demo:
	go run ./cmd/parley serve --demo

test: vet
	go test -count=1 -timeout 20m ./...

vet:
	go vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1)

build:
	go build -o parley ./cmd/parley

bench:
	go run ./bench
