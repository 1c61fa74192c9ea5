#!/usr/bin/env bash
# Builds the engine, semsearch-cli and their tests with AddressSanitizer and
# UndefinedBehaviorSanitizer (gcc) and runs them, with the fuzz targets' seed corpora (CI runs
# this after the normal test suite).
#
#   bash tests/run-sanitizers.sh
#
# The build goes to BUILD_DIR (default: build-asan), without the GUI and the benchmarks; JOBS
# (default: number of cores) may be set. Debian's LibTorch, oneDNN, FAISS, OpenMP, SQLite and
# Qt are not instrumented: the sanitizers see semsearch's own code, and every call into those
# libraries from it.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build-asan}
jobs=${JOBS:-$(nproc)}

# Every test of the engine, the shared index's PostgreSQL adapter (test_pg_*: about 29 s under ASan),
# the model download and the CLI's own input parsing (test_cli).
# Left out, for CI's time: test_cli_index (2.5 min of CPU under ASan, mostly embedding 1500
# files four times over around kill -9; test_indexer covers the indexer here) and test_cli_model
# (the CLI around downloads that test_model_download covers); test_documentation is shell.
tests=(
    test_unprivileged_user test_tokenizer test_embedder test_model_folder test_pytorch_bin
    test_model_layouts test_file_walker test_document_reader test_passage_splitter test_searcher
    test_vector_index test_store test_indexer test_shared_embedder test_folder_move test_reembed
    test_model_download test_cli test_extractor_readers test_document_reader_formats
    test_indexer_documents test_approximate_index test_compact_index test_shared_vector_cache
    test_pg_location test_pg_connection test_pg_schema test_pg_source_lease test_pg_change_log
    test_pg_shared_index
)
replays=(safetensors state_dict_pickle zip_archive tokenizer text_decoding markdown model_config
    html zip_document pdf)

sanitizers="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
# -O1 and line tables only (-g1), as the sanitizers' documentation suggests: instrumented
# code stays fast enough, reports keep file and line, and the build takes far less time.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
    -DCMAKE_CXX_FLAGS="$sanitizers" -DCMAKE_EXE_LINKER_FLAGS="$sanitizers" \
    -DSEMSEARCH_BUILD_GUI=OFF -DSEMSEARCH_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" --parallel "$jobs" --target semsearch-cli semsearch-extract "${tests[@]}" \
    "${replays[@]/#/fuzz_replay_}"

# Leak detection stays on: LibTorch's, OpenMP's and Qt's caches are still reachable at exit,
# so nothing of theirs is reported. The CLI runs under the same options, so a leak or an error
# in semsearch-cli fails the test that ran it.
export ASAN_OPTIONS=abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
regex="^($(
    IFS='|'
    echo "${tests[*]}"
)|fuzz_corpus_.*)\$"
cd "$build"
exec ctest --output-on-failure --timeout 1200 --parallel "$jobs" -R "$regex"
