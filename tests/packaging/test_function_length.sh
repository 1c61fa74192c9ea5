#!/usr/bin/env bash
# No function of semsearch's own code longer than a screenful or two: fails, naming each, when a
# function definition in the given folders' .cpp files spans more than LIMIT lines.
#
#   bash tests/packaging/test_function_length.sh LIMIT FOLDER...
#
# A definition is found the way clang-format lays it out: it starts at column 0 with a line that
# holds '(' (its signature, which may run over several lines up to the one ending in '{') and
# ends at the next line that starts with '}'. Functions defined inside a class body are not
# seen; lambdas count towards the function that holds them.
set -euo pipefail

limit=$1
shift
found=$(find "$@" -name '*.cpp' -print0 | sort -z | xargs -0 awk -v limit="$limit" '
    FNR == 1 { state = 0 }
    state == 0 && /^[A-Za-z_].*\(/ && !/;[[:space:]]*$/ && !/^namespace/ {
        state = 1; start = FNR; signature = $0
    }
    state == 1 && /;[[:space:]]*$/ { state = 0; next }
    state == 1 && /\{[[:space:]]*$/ { state = 2; next }
    state == 2 && /^\}/ {
        if (FNR - start + 1 > limit)
            printf "%s:%d: %d lines: %s\n", FILENAME, start, FNR - start + 1, signature
        state = 0
    }')
if [ -n "$found" ]; then
    echo "$found"
    echo "functions longer than $limit lines: split them into named steps" >&2
    exit 1
fi
