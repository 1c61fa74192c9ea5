#!/usr/bin/env bash
# Builds the fuzz targets with clang's libFuzzer under AddressSanitizer and
# UndefinedBehaviorSanitizer, and runs each for a fixed time from its seed corpus (CI runs this).
#
#   bash tests/fuzz/run-fuzzers.sh [SECONDS_PER_TARGET]     # default 20
#
# Installs clang-14 and its runtime (libFuzzer, the sanitizers) when missing. BUILD_DIR (default:
# build-fuzz) and JOBS (default: number of cores) may be set. New inputs go to a scratch corpus
# (the checked-in seeds stay as they are); a finding stops its target with the input saved as
# BUILD_DIR/findings/<target>/crash-*, and the script fails after running all targets.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${BUILD_DIR:-$root/build-fuzz}
jobs=${JOBS:-$(nproc)}
seconds=${1:-20}
targets=(safetensors state_dict_pickle zip_archive tokenizer text_decoding markdown model_config
    html zip_document pdf)

bash "$root/packaging/install-packages.sh" clang-14 libclang-rt-14-dev

sanitizers="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=clang++-14 \
    -DCMAKE_CXX_FLAGS="$sanitizers" -DCMAKE_EXE_LINKER_FLAGS="$sanitizers" \
    -DSEMSEARCH_BUILD_GUI=OFF -DSEMSEARCH_BUILD_BENCH=OFF -DSEMSEARCH_BUILD_FUZZERS=ON \
    >/dev/null
cmake --build "$build" --parallel "$jobs" --target "${targets[@]/#/fuzz_}"

export ASAN_OPTIONS=abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
failed=()
for target in "${targets[@]}"; do
    scratch="$build/corpus/$target"
    findings="$build/findings/$target"
    mkdir -p "$scratch" "$findings"
    echo "fuzz_$target: ${seconds}s"
    # -rss_limit_mb: well below CI's memory, so a parser that allocates without bound is found.
    if ! "$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -max_len=16384 \
        -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -artifact_prefix="$findings/" \
        "$scratch" "$root/tests/fuzz/corpus/$target" 2>"$findings/log"; then
        tail -40 "$findings/log" >&2
        failed+=("$target")
    else
        grep -E "^stat::number_of_executed_units|^stat::new_units_added" "$findings/log" |
            tr '\n' ' ' && echo
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: findings in ${failed[*]} (inputs in $build/findings/)" >&2
    exit 1
fi
echo "fuzz: ${#targets[@]} passed, 0 failed"
