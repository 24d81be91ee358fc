#!/usr/bin/env bash
# The API reference: Doxygen over the public headers (docs/Doxyfile) into OUTDIR/html. Any
# warning (an undocumented public declaration, a wrong @param name, a bad command) fails it
# (`make docs`; ctest: api_reference).
#
#   scripts/docs.sh OUTDIR [VERSION]
# Exit 0: written, no warning; 1: Doxygen warned (the warnings are printed); 77: no doxygen.
set -euo pipefail
out=${1:?usage: docs.sh OUTDIR [VERSION]}
command -v doxygen >/dev/null || { echo "SKIPPED: doxygen not installed (scripts/deps.sh build)"; exit 77; }
src=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out/warnings.log"
rc=0
(cd "$src" && SS_DOCS_OUT=$out SS_VERSION=${2:-} doxygen docs/Doxyfile) || rc=$?
if [ -s "$out/warnings.log" ] || [ "$rc" -ne 0 ]; then
    echo "FAIL: Doxygen (exit $rc) warned about the public headers:"
    cat "$out/warnings.log" 2>/dev/null || true
    exit 1
fi
echo "ok   API reference: $out/html/index.html ($(doxygen --version), no warning)"
