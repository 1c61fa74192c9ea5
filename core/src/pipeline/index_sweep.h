#pragma once

// Stage 5 of an indexing run (see indexer.h), after every batch is committed: what vanished is
// removed, and the run's records are made final. Only a run that was not cancelled sweeps:
// a cancelled one has not looked at every file.
//
//   in:  the roots (claimIndex), every file found (IndexPlan::found), every file skipped
//   out: the store and the vector cache without the documents whose files are gone, the skip
//        records under the roots exactly this run's, the sources marked as indexed
//
// Store calls: documentsUnder, removeDocument, clearSkipped, recordSkipped, sources,
// markSourceIndexed, removeSources.

#include "semsearch/error.h"
#include "semsearch/extract.h"
#include "semsearch/index_folder.h"

#include <QStringList>

#include <cstdint>
#include <vector>

namespace semsearch {

// Removes, in one transaction, the documents under `roots` whose files are not in `found`
// (deleted, or now excluded, hidden, too large or unreadable), and from the vector cache.
// Returns how many documents it removed.
Result<std::int64_t> sweepGone(IndexFolder& index, const QStringList& roots,
                               const QStringList& found);

// Makes the skip records under `roots` exactly `skipped`: a file that is gone, or was indexed,
// or is skipped for another reason now, loses its old record. One transaction.
Result<void> replaceSkipRecords(SqliteStore& store, const QStringList& roots,
                                const std::vector<SkippedFile>& skipped);

// Records that the sources among `roots` were indexed completely, now. A root inside an older
// source was not recorded on its own; that source is not complete because part of it was
// indexed, so only recorded roots are marked.
Result<void> markSourcesIndexed(SqliteStore& store, const QStringList& roots);

// Removes everything at or below `paths` (absolute and clean; they need not exist): documents,
// skip records and sources, in one transaction, and the documents' vectors from the cache.
// Returns how many documents it removed.
Result<std::int64_t> removeEverythingUnder(IndexFolder& index, const QStringList& paths);

} // namespace semsearch
