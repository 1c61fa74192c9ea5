#pragma once

// Publishing one source: bringing the shared index's documents of a source to what the
// writer's working copy of it holds (shared_index_writer.h says why there is a working copy).
//
//   in:  a connection holding the source's lease, the working copy (open for writing, its run
//        finished or cancelled), the source's path
//   out: the database's documents of the source equal the working copy's, batch by batch
//
// A diff, so it is idempotent and resumes after a crash: documents whose content hash, size or
// modified time differ from the database's (or that it lacks) are put with their passages and
// vectors, documents the working copy does not hold are removed. Nothing to change commits
// nothing. Errors: the connection's and the working copy's store's; a batch that failed is
// rolled back, the batches before it stay.

#include "semsearch/abort_point.h"
#include "semsearch/error.h"
#include "semsearch/precision.h"
#include "semsearch/store_records.h"

#include <QString>

#include <cstdint>
#include <optional>

namespace semsearch {

class IndexFolder;
class PgConnection;

struct PublishOptions {
    QString machine;
    ModelIdentity model;
    std::optional<Precision> precision; // the working copy's vectors' (SharedIndexBatch::begin)
    int passagesPerBatch = 512;
    // False after a cancelled run: its skipped-file records are incomplete, so the database's
    // are left as they are.
    bool replaceSkipped = true;
    AbortPoint abortAt = AbortPoint::None; // test-only: AfterPublish
};

struct PublishCounts {
    std::int64_t documentsPublished = 0;
    std::int64_t passagesPublished = 0;
    std::int64_t documentsRemoved = 0;
    std::int64_t generation = 0; // the last committed; 0 = none
};

// Records in sources.indexed_ms that a run of `source` completed now (the session holds its
// lease). No change-log row: searchers' caches do not depend on it.
Result<void> markSourceIndexed(PgConnection& connection, const QString& source);

Result<void> publishSource(PgConnection& connection, IndexFolder& workingCopy,
                           const QString& source, const PublishOptions& options,
                           PublishCounts& counts);

} // namespace semsearch
