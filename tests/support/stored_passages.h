#pragma once

// Every passage of an index with its vector, read straight from the store (not through the
// vector cache or the searcher), as input for the brute-force ranking.

#include "brute_force_ranking.h"

#include "semsearch/store.h"

namespace semsearch::test {

// Each passage keyed by its id; an Error when the store cannot be read.
inline Result<std::vector<PassageVector>> storedPassages(SqliteStore& store) {
    auto ids = store.documents().passageIds({});
    if (!ids)
        return ids.error();
    auto records = store.documents().passages(*ids);
    if (!records)
        return records.error();
    std::vector<std::int64_t> documentIds;
    for (const PassageRecord& record : *records)
        documentIds.push_back(record.documentId);
    std::sort(documentIds.begin(), documentIds.end());
    documentIds.erase(std::unique(documentIds.begin(), documentIds.end()), documentIds.end());
    auto documents = store.documents().byIds(documentIds);
    if (!documents)
        return documents.error();
    QHash<std::int64_t, QString> pathOf;
    for (const DocumentRecord& document : *documents)
        pathOf.insert(document.id, document.path);

    std::vector<PassageVector> passages;
    for (const PassageRecord& record : *records) {
        auto vector = store.documents().vectorsOf({record.id});
        if (!vector)
            return vector.error();
        passages.push_back(
            {pathOf.value(record.documentId), QString::number(record.id), std::move(*vector)});
    }
    return passages;
}

} // namespace semsearch::test
