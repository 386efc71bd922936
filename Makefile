# haven: `make` builds build/haven; `make demo` runs a demo city; `make check` runs every test
# under ASan+UBSan. Every step installs what it needs first.
BUILD ?= build
CHECK_BUILD ?= build-check
DEMO_DIR ?= demo
HAVEN = $(BUILD)/haven

.PHONY: all deps deps-check demo check bench bench-lookup bench-http bench-ledger clean format

all: deps
	@[ -f $(BUILD)/build.ninja ] || meson setup $(BUILD) --buildtype=release -Dtests=disabled
	ninja -C $(BUILD) haven

deps:
	@scripts/install-deps.sh build

deps-check:
	@scripts/install-deps.sh check

demo: all node_modules/.package-lock.json
	@scripts/demo.sh $(HAVEN) $(DEMO_DIR)

check: deps-check node_modules/.package-lock.json
	@scripts/check.sh $(CHECK_BUILD)

# Leaflet (the zone map) and playwright-core (the browser test) at the versions the lock file
# pins; again only when package.json or the lock file is newer than what is installed.
node_modules/.package-lock.json: package.json package-lock.json | deps
	npm ci --no-audit --no-fund
	@touch $@

bench: all
	bench/import.sh $(HAVEN)

bench-lookup:
	bench/lookup.sh

bench-http:
	bench/http.sh

bench-ledger:
	bench/ledger.sh

format:
	clang-format -i $$(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'bench/*.c')

clean:
	rm -rf $(BUILD) $(CHECK_BUILD)
