# shellcheck shell=bash
# Check counting for shell scripts (sourced).
#   expect WHAT COMMAND...   runs COMMAND; counts a pass, or a failure named by WHAT on stderr
#   expect_summary [NAME]    prints "[NAME: ]N passed, N failed"; fails when any check failed
passed=0
failed=0

expect() {
    local what=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL $what" >&2
    fi
}

expect_summary() {
    echo "${1:+$1: }$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
