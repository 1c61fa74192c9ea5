#pragma once

// bench_search --vectors N (ann_bench.cpp): the compact cache and the approximate index at N
// passages beside the exact scan; ends with one JSON line of its figures.

#include <QString>

#include <cstdint>

namespace semsearch::bench {

// 0 on success; 1 after saying on stderr what failed. `folder`: where the temporary index goes
// (empty: the system's temporary folder). `approximateFrom`: VectorIndexOptions's threshold.
int runVectorsBenchmark(std::int64_t vectors, int dim, int queries, bool hnsw,
                        std::int64_t approximateFrom, const QString& folder);

} // namespace semsearch::bench
