# shellcheck shell=bash
# lib.sh -- the counting the tests of tests/labs/ share (sourced, not run).
#
#   ok WHAT                  count a passed check, print "ok    WHAT"
#   not_ok WHAT [LINE...]    count a failed one, print "FAIL  WHAT" and the
#                            lines that say why, indented
#   finish NAME              print "NAME: N passed, N failed" (the line
#                            tests/run-tests.sh adds up); exit 1 if any failed

passed=0
failed=0

ok() { passed=$((passed + 1)); echo "ok    $1"; }

not_ok() {
    local what=$1 line
    shift
    failed=$((failed + 1))
    echo "FAIL  $what"
    for line in "$@"; do printf '      %s\n' "$line"; done
}

finish() {
    echo "$1: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit $?
}
