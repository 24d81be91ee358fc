#!/usr/bin/env bash
# docs/ssock.1 (the man page) against the built ssock:
#   1. it renders without a warning (groff -ww; `man --warnings -l` too where man is installed);
#   2. for server, client and demo, the options `ssock COMMAND --help` lists and the options the
#      page's "COMMAND OPTIONS" section describes are the same set (neither can drift);
#   3. it covers SSOCK_PSK and every exit status.
# Exit 0 pass, 1 fail, 77 skipped (no groff).
set -u
SSOCK=${1:?usage: $0 PATH_TO_SSOCK}
PAGE="$(dirname "$0")/../../docs/ssock.1"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
pass() { echo "PASS: $*"; }
command -v groff >/dev/null || { echo "SKIPPED: groff not installed"; exit 77; }
[ -f "$PAGE" ] || fail "no $PAGE"

# 1. no warnings
groff -ww -z -man "$PAGE" 2>"$WORK/groff.err" || fail "groff failed: $(cat "$WORK/groff.err")"
[ -s "$WORK/groff.err" ] && fail "groff -ww warns: $(cat "$WORK/groff.err")"
if command -v man >/dev/null; then
    MANPAGER=cat MANWIDTH=80 man --warnings -l "$PAGE" >"$WORK/man.out" 2>"$WORK/man.err" ||
        fail "man -l failed: $(cat "$WORK/man.err")"
    [ -s "$WORK/man.err" ] && fail "man --warnings -l warns: $(cat "$WORK/man.err")"
    grep -q "SERVER OPTIONS" "$WORK/man.out" || fail "man -l rendered no SERVER OPTIONS"
fi
pass "ssock.1 renders without warnings"

# 2. the options of each command, from --help and from the page
groff -man -Tascii -P -cbou "$PAGE" 2>/dev/null >"$WORK/page.txt"
for cmd in server client demo; do
    "$SSOCK" "$cmd" --help >"$WORK/$cmd.help" || fail "ssock $cmd --help failed"
done
python3 - "$WORK" <<'EOF' || exit 1
import re, sys
work = sys.argv[1]
page = open(f"{work}/page.txt").read().splitlines()
opt = re.compile(r"(?<![\w-])(--?[a-z][a-z0-9-]*)")

def column(line):
    """The option column of an option line: up to the first run of two spaces."""
    return re.split(r"\s{2,}", line.strip(), maxsplit=1)[0]

def from_help(cmd):
    found = set()
    for line in open(f"{work}/{cmd}.help").read().splitlines():
        if re.match(r"^  -", line):  # "  --opt ARG   text": continuation lines are indented more
            found |= set(opt.findall(column(line)))
    return found

def from_page(cmd):
    title = f"{cmd.upper()} OPTIONS"
    if title not in page:
        sys.exit(f"FAIL: the page has no {title} section")
    found = set()
    for line in page[page.index(title) + 1:]:
        if re.match(r"^[A-Z][A-Z ]+$", line):  # the next section
            break
        if re.match(r"^ {7}-", line):  # a .TP tag
            found |= set(opt.findall(column(line)))
    return found

bad = False
for cmd in ("server", "client", "demo"):
    h, p = from_help(cmd), from_page(cmd)
    if not h:
        sys.exit(f"FAIL: no option found in 'ssock {cmd} --help'")
    if h - p:
        print(f"FAIL: ssock {cmd}: in --help, not in the man page: {' '.join(sorted(h - p))}")
        bad = True
    if p - h:
        print(f"FAIL: ssock {cmd}: in the man page, not in --help: {' '.join(sorted(p - h))}")
        bad = True
    if not bad:
        print(f"PASS: ssock {cmd}: the same {len(h)} options in --help and the man page: "
              f"{' '.join(sorted(h))}")
sys.exit(1 if bad else 0)
EOF

# 3. environment and exit statuses
grep -q "^ENVIRONMENT" "$WORK/page.txt" && grep -q "SSOCK_PSK" "$WORK/page.txt" ||
    fail "no ENVIRONMENT section with SSOCK_PSK"
sed -n '/^EXIT STATUS/,/^[A-Z][A-Z ]*$/p' "$WORK/page.txt" >"$WORK/exit.txt"
for code in 0 1 2 3 4; do
    grep -Eq "^ {7}$code {2,}" "$WORK/exit.txt" || fail "EXIT STATUS does not describe $code"
done
grep -q "^EXAMPLES" "$WORK/page.txt" || fail "no EXAMPLES section"
pass "SSOCK_PSK, exit statuses 0-4 and examples are documented"
exit 0
