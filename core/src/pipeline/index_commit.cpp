#include "pipeline/index_commit.h"

#include "pipeline/store_transaction.h"

namespace semsearch {

namespace {

// What one committed batch changed, for the vector cache.
struct CacheChanges {
    std::vector<std::int64_t> addedIds;
    std::vector<float> addedVectors;
    std::vector<std::int64_t> removedIds;
};

// Writes the passages and vectors of an Embed, Reuse or ReuseFromBatch file.
Result<void> writePassages(SqliteStore& store, PreparedFile& file, CacheChanges& changes,
                           IndexStats& counts) {
    if (auto cleared = store.skipped().clear(file.path); !cleared)
        return cleared;
    auto id = store.documents().put(file.record, file.passages, file.vectors);
    if (!id)
        return id.error();
    for (const PassageRecord& passage : file.passages)
        changes.addedIds.push_back(passage.id);
    changes.addedVectors.insert(changes.addedVectors.end(), file.vectors.begin(),
                                file.vectors.end());
    if (file.action == PreparedFile::Action::Embed) {
        ++(file.existing ? counts.filesUpdated : counts.filesAdded);
        counts.passagesEmbedded += std::int64_t(file.passages.size());
    } else {
        ++counts.filesReused;
        counts.passagesReused += std::int64_t(file.passages.size());
    }
    return {};
}

// Writes one prepared file; inside the batch's transaction.
Result<void> writeFile(SqliteStore& store, PreparedFile& file, CacheChanges& changes,
                       CommittedBatch& done) {
    using Action = PreparedFile::Action;
    IndexStats& counts = done.counts;
    if (file.action == Action::Touch) {
        ++counts.filesUnchanged;
        return store.documents().updateStat(file.existing->id, file.record);
    }
    // Whatever happens next, the old version of the document goes.
    if (file.existing) {
        auto removed = store.documents().remove(file.existing->id);
        if (!removed)
            return removed.error();
        changes.removedIds.insert(changes.removedIds.end(), removed->begin(), removed->end());
    }
    if (file.action == Action::Vanished) {
        ++counts.filesSkipped;
        counts.filesRemoved += file.existing ? 1 : 0;
        return store.skipped().clear(file.path);
    }
    if (file.action == Action::Skip) {
        ++counts.filesSkipped;
        done.skipped.push_back({file.path, file.skipReason});
        return store.skipped().record(file.path, file.skipReason);
    }
    return writePassages(store, file, changes, counts);
}

} // namespace

Result<CommittedBatch> commitBatch(IndexFolder& index, PreparedBatch& batch, AbortPoint abortAt) {
    SqliteStore& store = index.store();
    CommittedBatch done;
    CacheChanges changes;
    abortIfAt(abortAt, AbortPoint::BeforeCommit);
    auto written = inTransaction(store, [&]() -> Result<void> {
        for (std::size_t i = 0; i < batch.files.size(); ++i) {
            if (i == batch.files.size() / 2)
                abortIfAt(abortAt, AbortPoint::InsideCommit);
            if (auto r = writeFile(store, batch.files[i], changes, done); !r)
                return r;
        }
        return {};
    });
    if (!written)
        return written.error();
    abortIfAt(abortAt, AbortPoint::AfterCommit);
    if (auto applied =
            index.applyCommitted(changes.addedIds, changes.addedVectors.data(), changes.removedIds);
        !applied)
        return applied.error();
    return done;
}

Result<void> recordSkips(SqliteStore& store, const std::vector<SkippedFile>& skipped) {
    if (skipped.empty())
        return {};
    return inTransaction(store, [&]() -> Result<void> {
        for (const SkippedFile& file : skipped)
            if (auto r = store.skipped().record(file.path, file.reason); !r)
                return r;
        return {};
    });
}

} // namespace semsearch
