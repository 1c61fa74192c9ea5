#pragma once

// Stage 1 of an indexing run (see indexer.h): which files the run reads.
//
//   in:  the roots (claimIndex), the walk options, the store
//   out: IndexPlan: the files found, what the walk skipped, and of the files found those to
//        read: new ones (no record) and those whose stat may hide a change. Whether a file read
//        is changed, renamed, copied or the same after all shows only in its content hash
//        (prepareBatch); what is gone shows against everything found (sweepGone).
//
// Store calls: findDocument, once per file found. Writes nothing.

#include "semsearch/error.h"
#include "semsearch/extract.h"
#include "semsearch/store.h"

#include <QFileInfo>
#include <QStringList>

#include <atomic>
#include <cstdint>
#include <vector>

namespace semsearch {

struct IndexPlan {
    QStringList found;                // every file the walk found (WalkResult::files)
    std::vector<SkippedFile> skipped; // what the walk skipped, with reasons
    QStringList toRead;               // in walk order
    std::int64_t unchanged = 0;       // found files whose stat shows them unchanged: not read
    std::int64_t bytesToRead = 0;     // the sizes of toRead, as stat gave them
    bool cancelled = false;           // the cancel flag stopped the walk; the rest is empty
};

// True when the file's stat shows for certain that it still holds the content `stored` was
// read from (the rule "unchanged by its stat" in indexer.h).
bool statUnchanged(const QFileInfo& info, const DocumentRecord& stored);

// Walks `roots` (walkPaths) and sorts what it found by the rule above. `cancel` may be null.
Result<IndexPlan> planIndexing(SqliteStore& store, const QStringList& roots,
                               const WalkOptions& options, const std::atomic<bool>* cancel);

} // namespace semsearch
