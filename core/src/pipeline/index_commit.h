#pragma once

// Stage 4 of an indexing run (see indexer.h): one batch written, all or nothing.
//
//   in:  PreparedBatch with its vectors (embedBatch)
//   out: the batch in the store, in one transaction, and the same changes applied to the
//        vector cache (IndexFolder::applyCommitted) so it stays at the store's generation;
//        CommittedBatch: what the batch did, for IndexStats and the skip records
//
// Every file carries what it writes, so the order of the batch's files does not matter; a file
// whose content moved to another one of the batch was copied while preparing, so removing its
// document first loses nothing.
//
// Adding an index written beside the passages (a keyword index, say): write a document's entries
// in writeFile() right after putDocument, and drop them where removeDocument is called here and
// in index_sweep.cpp. They are then inside the same transaction as the passages: a crash leaves
// both or neither.
//
// Store calls: updateDocumentStat, removeDocument, putDocument, recordSkipped, clearSkipped.

#include "pipeline/index_prepare.h"
#include "semsearch/abort_point.h"
#include "semsearch/error.h"
#include "semsearch/extract.h"
#include "semsearch/index_folder.h"
#include "semsearch/indexer.h"

#include <vector>

namespace semsearch {

struct CommittedBatch {
    // Of IndexStats, the counts this batch adds to: filesAdded, filesUpdated, filesReused,
    // filesUnchanged, filesSkipped, filesRemoved, passagesEmbedded, passagesReused.
    IndexStats counts;
    std::vector<SkippedFile> skipped; // the files recorded as skipped, with their reasons
};

// Writes `batch` in one transaction (nothing of it when any write fails) and patches the vector
// cache. `abortAt`: test-only, the commit points of abort_point.h. Errors: the store's and the
// vector cache's.
Result<CommittedBatch> commitBatch(IndexFolder& index, PreparedBatch& batch, AbortPoint abortAt);

// Records what the walk skipped, in one transaction, so an interrupted run already shows it.
Result<void> recordSkips(SqliteStore& store, const std::vector<SkippedFile>& skipped);

} // namespace semsearch
