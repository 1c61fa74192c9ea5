#pragma once

// bench_search --model DIR: hybrid against semantic query latency, and the size of the keyword
// index, on an index of real-looking passages (bench/data/corpus.txt sentences) with random
// vectors of the model's width.

#include <QString>

#include <vector>

namespace semsearch::bench {

// Prints "key: value" lines for each size; returns false (after a line on stderr) on failure.
bool measureHybrid(const QString& modelFolder, const std::vector<long long>& sizes, int queries);

} // namespace semsearch::bench
