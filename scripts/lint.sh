#!/usr/bin/env bash
# Static analysis of the library sources (src/), every finding an error:
#   - cppcheck (--enable=all but unusedFunction: the public API looks unused to it) on the
#     portable code and the POSIX transports; the drivers are left to clang-tidy, because cppcheck
#     cannot follow the stacks' configuration headers without the compiler's predefined macros;
#   - clang-tidy with src/.clang-tidy (static analyzer, bugprone, cert, misc, performance,
#     portability) on every source, drivers included, through a compile database.
#
#   scripts/lint.sh            exit 0 if clean, 1 with the findings otherwise
#
# Needs cppcheck and clang-tidy (Debian: apt-get install cppcheck clang-tidy). Configures (does
# not build) build-lint/ for the compile database. Suppress a false positive at its line, with a
# reason: `// cppcheck-suppress <id>` or `// NOLINT(<check>): why`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

for tool in cppcheck clang-tidy; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "lint.sh: $tool not found (Debian: apt-get install cppcheck clang-tidy)" >&2
        exit 1
    fi
done

t0=$SECONDS
failed=0

echo "lint.sh: cppcheck $(cppcheck --version | cut -d' ' -f2)"
portable=(src/common src/core src/transport src/platform)
if ! cppcheck --enable=all --std=c11 --library=posix --inline-suppr --error-exitcode=1 -q \
        --suppress=missingIncludeSystem --suppress=unusedFunction \
        --suppress=unmatchedSuppression -I include -D_POSIX_C_SOURCE=200809L "${portable[@]}"; then
    echo "lint.sh: cppcheck: FINDINGS above" >&2
    failed=1
fi
t1=$SECONDS
echo "lint.sh: cppcheck done in $((t1 - t0))s"

cc=clang
command -v "$cc" >/dev/null 2>&1 || cc=cc
cmake -S . -B build-lint -DCMAKE_C_COMPILER="$cc" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
    -DSS_BUILD_TESTS=OFF -DSS_BUILD_BENCH=OFF >/dev/null
mapfile -t sources < <(find src -name '*.c' | sort)
echo "lint.sh: $(clang-tidy --version | grep -o 'version [0-9.]*'), ${#sources[@]} files"
# one file per process, two at a time; a file's findings are printed together
if ! printf '%s\n' "${sources[@]}" |
        xargs -P "${JOBS:-2}" -n 1 clang-tidy -p build-lint --quiet 2>/dev/null; then
    echo "lint.sh: clang-tidy: FINDINGS above" >&2
    failed=1
fi
echo "lint.sh: clang-tidy done in $((SECONDS - t1))s"
[ "$failed" -eq 0 ] && echo "lint.sh: clean" || echo "lint.sh: FAILED" >&2
exit "$failed"
