#!/usr/bin/env bash
# The packaged documentation against the programs' own --help, the reference:
# - the bash completion offers exactly the commands and, for each command, exactly the options
#   that `semsearch-cli COMMAND --help` lists, and folders or files where a path goes;
# - the manual pages document every command and option, and the version --version prints.
#
#   test_documentation.sh SEMSEARCH_CLI SEMSEARCH_EXTRACT COMPLETION_FILE MAN_DIR [SEMSEARCH]
# MAN_DIR holds the configured pages; SEMSEARCH_EXTRACT (the document helper) and SEMSEARCH (the
# GUI, optional) are checked against their pages.
# Each program start loads LibTorch (about half a second), so every --help runs once.
set -uo pipefail
export LC_ALL=C QT_QPA_PLATFORM=offscreen
cli=$1
extract=$2
completion=$3
man_dir=$4
gui=${5:-}

# shellcheck source=tests/support/expect.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/expect.sh"
same() { # what, expected, actual
    expect "$1"$'\n'"  expected: $2"$'\n'"  actual:   $3" [ "$2" == "$3" ]
}
# The options (-k and --limit alike) in the "Options:" section of a --help text on stdin.
help_options() {
    awk '/^Options:/ { on = 1; next } on && NF == 0 { exit } on' |
        grep -oE '^ +(-[A-Za-z], )?--[a-z][a-z-]*' | grep -oE -- '-{1,2}[A-Za-z][a-z-]*' | sort -u
}
# True when the page mentions the option as troff writes it (every '-' escaped as '\-').
documents_option() { grep -qF -- "${2//-/\\-}" "$1"; }
# True when the page's title line carries the version.
has_version() { grep -qE "^\.TH .* \"semsearch $2\"" "$1"; }

commands=$("$cli" --help | awk '/^Commands:/ { on = 1; next } on && NF == 0 { exit } on { print $1 }')
[ -n "$commands" ] || { echo "FAIL: no commands read from '$cli --help'"; exit 1; }
declare -A options
for command in $commands; do
    options[$command]=$("$cli" "$command" --help | help_options | tr '\n' ' ')
done

# --- bash completion
# shellcheck source=/dev/null
source "$completion"
# Completes the words given (the last one is the word being typed); prints the sorted answers.
complete_words() {
    COMP_WORDS=(semsearch-cli "$@")
    COMP_CWORD=$#
    _semsearch_cli
    [ ${#COMPREPLY[@]} -eq 0 ] || printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '
}
same "completion: commands" "$(printf '%s\n' "$commands" --help --version | sort | tr '\n' ' ')" \
    "$(complete_words '')"
for command in $commands; do
    same "completion: options of $command" "${options[$command]}" "$(complete_words "$command" -)"
done
# model has subcommands, each with options of its own.
subcommands=$("$cli" model --help | awk '/^Subcommands:/ { on = 1; next } on && NF == 0 { exit } on { print $1 }')
same "completion: model's subcommands" "$(printf '%s\n' $subcommands | sort | tr '\n' ' ')" \
    "$(complete_words model '')"
for subcommand in $subcommands; do
    options["model $subcommand"]=$("$cli" model "$subcommand" --help | help_options | tr '\n' ' ')
    same "completion: options of model $subcommand" "${options["model $subcommand"]}" \
        "$(complete_words model "$subcommand" -)"
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/notes folder" "$work/nothing"
touch "$work/notes.md" "$work/nothing-file"
same "completion: index takes files and folders" "$work/notes folder $work/notes.md " \
    "$(complete_words index "$work/note")"
same "completion: --index takes folders only" "$work/nothing " \
    "$(complete_words status --index "$work/noth")"
same "completion: --model=DIR takes folders only" "$work/nothing " \
    "$(complete_words embed --model = "$work/noth")"
same "completion: search's query is free text" "" "$(complete_words search "$work/note")"

# --- manual pages
page=$man_dir/semsearch-cli.1
version=$("$cli" --version | awk '{ print $2 }')
expect "semsearch-cli.1 is for version '$version'" has_version "$page" "$version"
for command in $commands; do
    expect "semsearch-cli.1 documents the command $command" \
        grep -qE "^\.BI? \"?$command( |\"|$)" "$page"
    for option in ${options[$command]}; do
        expect "semsearch-cli.1 documents $command $option" documents_option "$page" "$option"
    done
done
for subcommand in $subcommands; do
    expect "semsearch-cli.1 documents model $subcommand" grep -qE "^\.BI? \"?model $subcommand( |\"|$)" "$page"
    for option in ${options["model $subcommand"]}; do
        expect "semsearch-cli.1 documents model $subcommand $option" \
            documents_option "$page" "$option"
    done
done
# The helper's page: its version and every option of its --help.
page=$man_dir/semsearch-extract.1
version=$("$extract" --version | awk '{ print $2 }')
expect "semsearch-extract.1 is for version '$version'" has_version "$page" "$version"
extract_options=$("$extract" --help | help_options)
expect "options read from '$extract --help'" [ -n "$extract_options" ]
for option in $extract_options; do
    expect "semsearch-extract.1 documents $option" documents_option "$page" "$option"
done

if [ -n "$gui" ]; then
    page=$man_dir/semsearch.1
    version=$("$gui" --version 2>/dev/null | awk '{ print $2 }')
    expect "semsearch.1 is for version '$version'" has_version "$page" "$version"
    gui_options=$("$gui" --help 2>/dev/null | help_options)
    expect "options read from '$gui --help'" [ -n "$gui_options" ]
    for option in $gui_options; do
        expect "semsearch.1 documents $option" documents_option "$page" "$option"
    done
fi

expect_summary test_documentation
