#include "pipeline/index_sweep.h"

#include "pipeline/store_transaction.h"

#include <QDateTime>

#include <functional>
#include <set>

namespace semsearch {

namespace {

// Removes the documents under `prefix` that `keep` does not keep, adding their passage ids to
// `removedIds`; inside a transaction. Returns how many it removed.
Result<std::int64_t> removeDocumentsUnder(SqliteStore& store, const QString& prefix,
                                          const std::function<bool(const QString&)>& keep,
                                          std::vector<std::int64_t>& removedIds) {
    auto documents = store.documents().under(prefix);
    if (!documents)
        return documents.error();
    std::int64_t removed = 0;
    for (const DocumentRecord& document : *documents) {
        if (keep && keep(document.path))
            continue;
        auto ids = store.documents().remove(document.id);
        if (!ids)
            return ids.error();
        removedIds.insert(removedIds.end(), ids->begin(), ids->end());
        ++removed;
    }
    return removed;
}

// removeDocumentsUnder for each of `prefixes`; the total.
Result<std::int64_t> removeUnderEach(SqliteStore& store, const QStringList& prefixes,
                                     const std::function<bool(const QString&)>& keep,
                                     std::vector<std::int64_t>& removedIds) {
    std::int64_t removed = 0;
    for (const QString& prefix : prefixes) {
        auto count = removeDocumentsUnder(store, prefix, keep, removedIds);
        if (!count)
            return count.error();
        removed += *count;
    }
    return removed;
}

// Runs `work` (which removes documents, adds their passage ids to the list it is given and
// returns how many it removed) in one transaction, then drops those passages from the vector
// cache.
template <typename Work> Result<std::int64_t> removeDocuments(IndexFolder& index, Work&& work) {
    std::vector<std::int64_t> removedIds;
    std::int64_t removedDocuments = 0;
    auto removed = inTransaction(index.store(), [&]() -> Result<void> {
        auto count = work(removedIds);
        if (!count)
            return count.error();
        removedDocuments = *count;
        return {};
    });
    if (!removed)
        return removed.error();
    if (auto applied = index.applyCommitted({}, nullptr, removedIds); !applied)
        return applied.error();
    return removedDocuments;
}

} // namespace

Result<std::int64_t> sweepGone(IndexFolder& index, const QStringList& roots,
                               const QStringList& found) {
    const std::set<QString> present(found.begin(), found.end());
    const auto isPresent = [&](const QString& path) {
        return present.count(path) > 0;
    };
    return removeDocuments(index, [&](std::vector<std::int64_t>& removedIds) {
        return removeUnderEach(index.store(), roots, isPresent, removedIds);
    });
}

Result<void> replaceSkipRecords(SqliteStore& store, const QStringList& roots,
                                const std::vector<SkippedFile>& skipped) {
    return inTransaction(store, [&]() -> Result<void> {
        for (const QString& root : roots)
            if (auto r = store.skipped().clear(root); !r)
                return r;
        for (const SkippedFile& file : skipped)
            if (auto r = store.skipped().record(file.path, file.reason); !r)
                return r;
        return {};
    });
}

Result<void> markSourcesIndexed(SqliteStore& store, const QStringList& roots) {
    const std::int64_t finishedMs = QDateTime::currentMSecsSinceEpoch();
    return inTransaction(store, [&]() -> Result<void> {
        auto sources = store.sources().all();
        if (!sources)
            return sources.error();
        for (const SourceRecord& source : *sources)
            if (roots.contains(source.path))
                if (auto r = store.sources().markIndexed(source.path, finishedMs); !r)
                    return r;
        return {};
    });
}

Result<std::int64_t> removeEverythingUnder(IndexFolder& index, const QStringList& paths) {
    SqliteStore& store = index.store();
    const auto removeAll = [&](std::vector<std::int64_t>& removedIds) -> Result<std::int64_t> {
        auto removed = removeUnderEach(store, paths, {}, removedIds);
        if (!removed)
            return removed;
        for (const QString& path : paths) {
            if (auto r = store.skipped().clear(path); !r)
                return r.error();
            if (auto r = store.sources().remove(path); !r)
                return r.error();
        }
        return removed;
    };
    return removeDocuments(index, removeAll);
}

} // namespace semsearch
