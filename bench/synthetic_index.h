#pragma once

// Shared by the benchmarks: a synthetic index of N passages with random vectors (FAISS and
// SQLite do not care what the values mean), and percentiles of timings.

#include "semsearch/index_folder.h"
#include "semsearch/indexer.h"

#include <algorithm>
#include <random>
#include <vector>

namespace semsearch::bench {

inline double percentile(std::vector<double> values, double p) {
    std::sort(values.begin(), values.end());
    const std::size_t i = std::min(values.size() - 1, std::size_t(p * double(values.size())));
    return values[i];
}

// Adds `count` passages in documents of 20 to the index in one transaction, numbered from
// `first` (so that several calls add distinct documents), and saves the vector cache.
inline bool fillSynthetic(IndexFolder& index, const ModelInfo& model, int count, int first = 0) {
    SqliteStore& store = index.store();
    const ModelIdentity identity = modelIdentity(model);
    std::mt19937 random(42 + unsigned(first));
    std::normal_distribution<float> normal;
    const int perDocument = 20;
    if (!store.begin() || !store.metadata().setModelIdentity(identity))
        return false;
    for (int at = first; at < first + count; at += perDocument) {
        DocumentRecord document;
        document.path = QStringLiteral("/synthetic/folder%1/doc%2.txt").arg(at / 2000).arg(at);
        document.size = 4000;
        document.modifiedMs = 1700000000000 + at;
        document.contentHash = QByteArray::number(at).leftJustified(32, '#');
        std::vector<PassageRecord> passages(std::size_t(std::min(perDocument, first + count - at)));
        std::vector<float> vectors(passages.size() * std::size_t(model.dimension()));
        for (std::size_t i = 0; i < passages.size(); ++i) {
            passages[i].ordinal = int(i);
            passages[i].byteStart = std::int64_t(i) * 200;
            passages[i].byteEnd = passages[i].byteStart + 180;
            passages[i].line = int(i) * 3 + 1;
            passages[i].text =
                QStringLiteral("Synthetic passage %1 of document %2.").arg(i).arg(at);
        }
        for (float& v : vectors)
            v = normal(random);
        if (!store.documents().put(document, passages, vectors))
            return false;
    }
    if (!store.commit())
        return false;
    return index.saveVectors().ok();
}

} // namespace semsearch::bench
