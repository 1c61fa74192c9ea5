#include "pipeline/duplicate_folding.h"

#include <QHash>

#include <algorithm>

namespace semsearch {

Result<std::vector<DocumentHit>> foldDuplicates(SqliteStore& store, std::vector<DocumentHit> ranked,
                                                int limit) {
    std::vector<std::int64_t> ids;
    for (const DocumentHit& hit : ranked)
        ids.push_back(hit.documentId);
    auto records = store.documents().byIds(ids);
    if (!records)
        return records.error();
    QHash<std::int64_t, QByteArray> hashOf;
    for (const DocumentRecord& record : *records)
        hashOf.insert(record.id, record.contentHash);

    std::vector<DocumentHit> kept;
    QHash<QByteArray, std::size_t> keptWithHash;
    for (DocumentHit& hit : ranked) {
        const QByteArray hash = hashOf.value(hit.documentId);
        if (auto first = keptWithHash.find(hash); !hash.isEmpty() && first != keptWithHash.end()) {
            kept[first.value()].duplicates << hit.path;
            continue;
        }
        if (int(kept.size()) == limit)
            continue; // only its copies further down still matter
        if (!hash.isEmpty())
            keptWithHash.insert(hash, kept.size());
        kept.push_back(std::move(hit));
    }
    for (DocumentHit& hit : kept) {
        auto copies = store.documents().findByHash(hashOf.value(hit.documentId));
        if (!copies)
            return copies.error();
        for (const DocumentRecord& copy : *copies)
            if (copy.id != hit.documentId && !hit.duplicates.contains(copy.path))
                hit.duplicates << copy.path;
        std::sort(hit.duplicates.begin(), hit.duplicates.end());
    }
    return kept;
}

} // namespace semsearch
