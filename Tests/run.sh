#!/usr/bin/env bash
# The whole test suite: Swift unit tests (XCTest), then the end-to-end tests
# (pytest with boto3, the aws CLI and pysaml2 against a broker they start).
# Idempotent: installs what is missing, reuses the venv and build folders.
# Exit status is non-zero if any step fails; the last line is a summary.
set -uo pipefail

cd "$(dirname "$0")/.."
ROOT="$(pwd)"
VENV="$ROOT/.build-venv"
# SWIFT_SCRATCH: build folder (default .build); lets a developer keep builds apart.
SCRATCH="${SWIFT_SCRATCH:-.build}"
SWIFT_OPTS=(--scratch-path "$SCRATCH")
STATUS=()
FAILED=0

step() {  # step NAME COMMAND... : run, record the outcome, keep going
    local name="$1"; shift
    echo "==> $name"
    if "$@"; then
        STATUS+=("$name: ok")
    else
        local rc=$?
        STATUS+=("$name: FAILED ($rc)")
        FAILED=1
    fi
}

LOGS="$ROOT/.build-venv/logs"
mkdir -p "$LOGS"
rm -f "$LOGS/swift-test.log" "$LOGS/e2e-junit.xml"

counts() {  # prints "passed failed skipped" over XCTest and pytest
    python3 - "$LOGS/swift-test.log" "$LOGS/e2e-junit.xml" <<'PY'
import re, sys, xml.etree.ElementTree as ET
passed = failed = skipped = 0
try:
    runs = re.findall(r"Executed (\d+) tests?, with (?:(\d+) tests? skipped and )?(\d+) failures?", open(sys.argv[1]).read())
    if runs:
        n, s, f = runs[-1]
        s = int(s or 0); failed += int(f); skipped += s; passed += int(n) - int(f) - s
except OSError:
    pass
try:
    root = ET.parse(sys.argv[2]).getroot()
    for suite in ([root] if root.tag == "testsuite" else root.iter("testsuite")):
        t, f, e, s = (int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped"))
        failed += f + e; skipped += s; passed += t - f - e - s
except (OSError, ET.ParseError):
    pass
print(passed, failed, skipped)
PY
}

summary() {
    echo
    echo "==> summary"
    printf '    %s\n' "${STATUS[@]}"
    read -r P F S < <(counts)
    if [ "$FAILED" -ne 0 ] && [ "$F" -eq 0 ]; then F=1; fi  # a failed step counts even without a failed test
    echo "total: $P passed, $F failed, $S skipped"
}

make_venv() {
    if [ ! -x "$VENV/bin/python" ]; then
        python3 -m venv "$VENV" || return 1
    fi
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r Tests/e2e/requirements.txt
}

e2e() {
    # pytest exits 5 when it collected nothing: that is a failure here, not a pass.
    BROKER_BIN="$ROOT/$SCRATCH/release/broker" "$VENV/bin/python" -m pytest Tests/e2e -q -p no:cacheprovider --junitxml="$LOGS/e2e-junit.xml" "$@"
}

step "system packages" bash deploy/install-deps.sh
if [ "$FAILED" -ne 0 ]; then summary; exit 1; fi
step "python venv" make_venv
step "swift build" swift build "${SWIFT_OPTS[@]}"
swift_test() { swift test "${SWIFT_OPTS[@]}" 2>&1 | tee "$LOGS/swift-test.log"; return "${PIPESTATUS[0]}"; }
step "swift test" swift_test
step "swift build release" swift build "${SWIFT_OPTS[@]}" -c release --product broker
if [ -x "$ROOT/$SCRATCH/release/broker" ] && [ -x "$VENV/bin/python" ]; then
    step "e2e (pytest)" e2e "$@"
else
    STATUS+=("e2e (pytest): not run (no broker binary or no venv)")
    FAILED=1
fi

summary
exit "$FAILED"
