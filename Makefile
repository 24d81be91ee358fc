# secure_sock: convenience targets over CMake. Every target installs what it needs first
# (scripts/deps.sh: a no-op when all is there; NODEPS=1 skips it).
#
#   make demo       Release build in build/, then run `build/ssock demo`
#   make check      Release build in build/, then every test (ctest)
#   make asan       Debug build with ASan+UBSan in build-asan/ (ASAN_BUILD=...), then every test
#   make valgrind   RelWithDebInfo build in build-valgrind/, every unit/integration test under valgrind
#   make clang      build with clang in build-clang/, then every test
#   make arm        Cortex-M4 build of the portable part (core + memory link) in build-arm/, sizes
#   make nomalloc   no heap allocator referenced by the core and transport objects (of build/)
#   make device-profile  mbedTLS from Debian's source with the device profile
#                   (config/mbedtls/device_config.h) in build-device/, secure_sock against it,
#                   every test of that build and the heap figures (scripts/device-profile.sh;
#                   exit 77 = skipped: the source could not be downloaded)
#   make fuzz       libFuzzer harnesses (scripts/fuzz.sh), FUZZ_SECONDS per run (default 15)
#   make lint       cppcheck + clang-tidy over src/ (scripts/lint.sh)
#   make clean      remove every build directory
#
# CMAKE_ARGS go to every configure, e.g. CMAKE_ARGS=-DSS_TINYDTLS_DIR=/path/to/tinydtls builds the
# tinyDTLS driver in (scripts/tinydtls-source.sh finds a tree; .ci/run's tinydtls check uses it).

MAKEFLAGS += --no-print-directory

JOBS      ?= 2
CTEST_J   ?= 2
CMAKE     ?= cmake
CTEST     ?= ctest
CMAKE_ARGS ?=
BUILD     ?= build
ASAN_BUILD ?= build-asan

ifeq ($(NODEPS),1)
DEPS = @true
else
DEPS = bash scripts/deps.sh
endif

CTEST_RUN = $(CTEST) --output-on-failure -j$(CTEST_J) --test-dir

# Valgrind: a definite leak or any memory error fails the test (exit 99); exit 77 stays "skipped".
# CMake runs each test executable through CMAKE_CROSSCOMPILING_EMULATOR, so ctest keeps its own
# bookkeeping (skips, timeouts, summary line). Tests whose command is a script (interop_*) would run
# natively and only repeat `make check`, so they are left out here.
VALGRIND_CMD = valgrind;-q;--error-exitcode=99;--leak-check=full;--errors-for-leak-kinds=definite;--show-leak-kinds=definite;--track-origins=yes;--num-callers=30

export ASAN_OPTIONS  ?= detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1
export UBSAN_OPTIONS ?= print_stacktrace=1:halt_on_error=1

FUZZ_SECONDS ?= 15

.PHONY: backends-doc all build demo check test asan valgrind clang arm nomalloc device-profile fuzz lint clean

all: build

build:
	$(DEPS) build
	$(CMAKE) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_ARGS)
	$(CMAKE) --build $(BUILD) -j$(JOBS)

demo: build
	./$(BUILD)/ssock demo

check: build
	$(CTEST_RUN) $(BUILD)

test: check

asan:
	$(DEPS) build
	$(CMAKE) -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSS_SANITIZE=ON $(CMAKE_ARGS)
	$(CMAKE) --build $(ASAN_BUILD) -j$(JOBS)
	$(CTEST_RUN) $(ASAN_BUILD)

valgrind:
	$(DEPS) valgrind
	$(CMAKE) -S . -B build-valgrind -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    "-DCMAKE_CROSSCOMPILING_EMULATOR=$(VALGRIND_CMD)" $(CMAKE_ARGS)
	$(CMAKE) --build build-valgrind -j$(JOBS)
	$(CTEST_RUN) build-valgrind -E '^interop_'

clang:
	$(DEPS) clang
	$(CMAKE) -S . -B build-clang -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Release $(CMAKE_ARGS)
	$(CMAKE) --build build-clang -j$(JOBS)
	$(CTEST_RUN) build-clang

arm:
	$(DEPS) arm
	$(CMAKE) -S . -B build-arm -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake \
	    -DSS_PORTABLE_ONLY=ON -DCMAKE_BUILD_TYPE=MinSizeRel
	$(CMAKE) --build build-arm -j$(JOBS)
	arm-none-eabi-size -t build-arm/libsecure_sock_core.a
	NM=arm-none-eabi-nm bash scripts/check-nomalloc.sh build-arm
	bash tests/symbols/check.sh arm-none-eabi-nm build-arm/libsecure_sock_core.a
	@echo "client-only, DTLS-only configuration (CONFIG_SOCK_SECURE_SERVER=0, _STREAMS=0):"
	rm -rf build-arm-client  # CFLAGS are read at the first configure only
	CFLAGS="-DCONFIG_SOCK_SECURE_SERVER=0 -DCONFIG_SOCK_SECURE_STREAMS=0" $(CMAKE) -S . \
	    -B build-arm-client -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake \
	    -DSS_PORTABLE_ONLY=ON -DCMAKE_BUILD_TYPE=MinSizeRel
	$(CMAKE) --build build-arm-client -j$(JOBS)
	arm-none-eabi-size -t build-arm-client/libsecure_sock_core.a

backends-doc: build
	./$(BUILD)/tests/test_backends_doc --write

nomalloc: build
	bash scripts/check-nomalloc.sh $(BUILD)

device-profile:
	$(DEPS) device
	JOBS=$(JOBS) CTEST_J=$(CTEST_J) bash scripts/device-profile.sh

fuzz:
	$(DEPS) fuzz
	bash scripts/fuzz.sh $(FUZZ_SECONDS)

lint:
	$(DEPS) lint
	bash scripts/lint.sh

clean:
	rm -rf build build-asan build-valgrind build-tinydtls build-tinydtls-asan build-tinydtls-src build-clang build-arm build-arm-client build-fuzz build-lint \
	    build-device build-fw
