#pragma once

// bench_search --vectors N (ann_bench.cpp): the compact cache and the approximate index at N
// passages beside the exact scan; ends with one JSON line of its figures.

#include <QString>

#include <cstdint>

namespace semsearch::bench {

struct VectorsBenchmark {
    int dim = 768;
    int queries = 200;
    bool hnsw = false;            // measure FAISS's HNSW over the same 8-bit codes too
    std::int64_t approximateFrom; // VectorIndexOptions's threshold
    // Where the index folder goes. Empty: a temporary folder, removed afterwards. Else
    // `folder`/bench_ann-N-D, kept, and reused by the next run when it holds N passages (its
    // vector cache is deleted first, so the build is always measured).
    QString folder;
    // A model of `dim` values: queries are also timed end to end (embedding a corpus query,
    // then Searcher's semantic document search); empty: the vector part only.
    QString model;
};

// 0 on success; 1 after saying on stderr what failed.
int runVectorsBenchmark(std::int64_t vectors, const VectorsBenchmark& settings);

} // namespace semsearch::bench
