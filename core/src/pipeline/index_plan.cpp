#include "pipeline/index_plan.h"

#include <QDateTime>

#include <algorithm>

namespace semsearch {

namespace {

// How close to the moment a file was read its times may lie and still be trusted to show a
// later edit. An edit within the same tick of the file system's clock (2 s on FAT, 1 s on
// some network file systems, a few ms on ext4) leaves both times as they were read, so a
// file changed that close to its read is read again next time (git's "racily clean" rule).
constexpr std::int64_t kRacyWindowMs = 3000;

} // namespace

bool statUnchanged(const QFileInfo& info, const DocumentRecord& stored) {
    const std::int64_t modifiedMs = info.lastModified().toMSecsSinceEpoch();
    const std::int64_t changedMs = info.metadataChangeTime().toMSecsSinceEpoch();
    return stored.changedMs != 0 && stored.size == info.size() && stored.modifiedMs == modifiedMs &&
           stored.changedMs == changedMs &&
           stored.indexedAtMs - std::max(modifiedMs, changedMs) >= kRacyWindowMs;
}

Result<IndexPlan> planIndexing(SqliteStore& store, const QStringList& roots,
                               const WalkOptions& options, const std::atomic<bool>* cancel) {
    WalkResult walk = walkPaths(roots, options, cancel);
    IndexPlan plan;
    plan.found = std::move(walk.files);
    plan.skipped = std::move(walk.skipped);
    if (walk.cancelled || (cancel && cancel->load())) {
        plan.cancelled = true;
        return plan;
    }
    for (const QString& file : plan.found) {
        const QFileInfo info(file);
        auto existing = store.documents().find(file);
        if (!existing)
            return existing.error();
        if (*existing && statUnchanged(info, **existing)) {
            ++plan.unchanged;
            continue;
        }
        plan.toRead << file;
        plan.bytesToRead += info.size();
    }
    return plan;
}

} // namespace semsearch
