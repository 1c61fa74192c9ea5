#pragma once

// bench_search --model DIR: hybrid against semantic query latency, and the size of the keyword
// index, on an index of real-looking passages (bench/data/corpus.txt sentences) with random
// vectors of the model's width.

#include <QString>
#include <QStringList>

#include <vector>

namespace semsearch::bench {

// `count` typical short queries: three words cut from a sentence of bench/data/corpus.txt each,
// some words rare, some not (a fixed seed: the same queries every run).
QStringList corpusQueries(int count);

// Prints "key: value" lines for each size; returns false (after a line on stderr) on failure.
bool measureHybrid(const QString& modelFolder, const std::vector<long long>& sizes, int queries);

} // namespace semsearch::bench
