# The two commands of the README: `make demo` and `make test`. Each sets up a fresh Debian 12
# machine (packages, DuckDB), builds, then runs.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
PREFIX ?= /usr/local
DEMO_DIR ?= demo-data
STORAGE ?= folder

# The sanitizer runs (docs/development.md). TSan covers the modules whose threads are Shoal's own.
TSAN_TESTS = orchestrator_test job_store_test transport_test compute_node_test compute_runner_test

.PHONY: setup configure build test demo bench format format-check clean test-sanitizers test-asan \
	test-asan-process test-tsan install package

setup:
	scripts/setup.sh

configure: setup
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# ASan+UBSan over every test that runs in-process, and each fuzz target for a while. The cases
# run over both kinds of store (Stores/.../S3 and .../Folders) run over S3 here: the folder
# stores' own code has its unit tests, and the pair would double the run's longest cases.
test-asan: setup
	cmake --preset asan
	cmake --build build-asan -j $(JOBS) --target shoal_in_process_tests
	ctest --preset asan -j $(JOBS) -L 'unit|sql|e2e|fuzz' -LE process -E '^Stores/.*/Folders( |$$)'

# ASan+UBSan once over the tests that start the shoal binary (label `process`: the CLI's verbs,
# serve, auth and TLS, the console), with a sanitizer build of the binary; the whole-cluster and
# chaos tests (label `unsanitized`) run in make test only. The processes they start write any
# report into build-asan/sanitizer-reports/ (the asan-process test preset), and a report fails
# the run even when the test passed: a node that dies of one is otherwise just worked around.
ASAN_REPORTS = build-asan/sanitizer-reports
test-asan-process: setup
	cmake --preset asan
	cmake --build build-asan -j $(JOBS) --target shoal_process_tests
	rm -rf $(ASAN_REPORTS) && mkdir -p $(ASAN_REPORTS)
	@status=0; ctest --preset asan-process -j $(JOBS) || status=1; \
	for report in $(ASAN_REPORTS)/*; do \
	  [ -e "$$report" ] || continue; status=1; echo "--- sanitizer report $$report"; cat "$$report"; \
	done; exit $$status

test-tsan: setup
	cmake --preset tsan
	cmake --build build-tsan -j $(JOBS) --target $(TSAN_TESTS)
	ctest --preset tsan -j $(JOBS) -L '^($(subst $(eval) ,|,$(TSAN_TESTS)))$$'

test-sanitizers: test-asan test-asan-process test-tsan

# The demo runs the `shoal` binary only: the tests and benchmarks are not built for it.
demo: configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target shoal
	scripts/demo.sh $(BUILD_DIR)/shoal $(DEMO_DIR) $(STORAGE)

# `make install PREFIX=DIR`: bin/shoal, lib/shoal/libduckdb.so, the systemd units and the docs
# (cmake/Install.cmake); `make package`: $(BUILD_DIR)/shoal_VERSION_ARCH.deb of the same.
install: configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target shoal
	cmake --install $(BUILD_DIR) --prefix $(PREFIX)

package: configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target shoal
	cd $(BUILD_DIR) && cpack -G DEB

bench: build
	$(BUILD_DIR)/bench/generator/generator_bench
	$(BUILD_DIR)/bench/scan/scan_bench $(BUILD_DIR)/shoal
	$(BUILD_DIR)/bench/cluster/cluster_bench $(BUILD_DIR)/shoal
	$(BUILD_DIR)/bench/s3scan/s3scan_bench $(BUILD_DIR)/shoal
	$(BUILD_DIR)/bench/load/load_bench $(BUILD_DIR)/shoal
	$(BUILD_DIR)/bench/query/query_bench $(BUILD_DIR)/shoal
	$(BUILD_DIR)/bench/columnar/columnar_bench $(BUILD_DIR)/shoal
	$(BUILD_DIR)/bench/metrics/metrics_bench
	node bench/console/console_cost.mjs $(BUILD_DIR)/shoal

format:
	git ls-files '*.h' '*.cc' | xargs clang-format -i

format-check:
	git ls-files '*.h' '*.cc' | xargs clang-format --dry-run -Werror

clean:
	rm -rf $(BUILD_DIR) build-asan build-tsan $(DEMO_DIR)
