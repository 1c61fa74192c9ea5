#pragma once

// A writer's batch: what one machine changes in a shared index in one transaction, seen by
// searchers all at once or not at all. It mirrors the local store's writes (store_documents.h,
// store_skipped_files.h, store_sources.h) and reuses its records (store_records.h); at commit
// it adds one row to the change log listing the passage ids added and removed, from which
// searchers update their vector caches (change_log.h, shared_index_reads.h).
//
// Leases: every write names its source, and the batch refuses it unless this session holds the
// source's lease (source_lease.h): the server's advisory lock on the source's key and the
// source_leases row naming the source, so a key shared with another leased source does not
// count. Checked once per source per batch; a session keeps its lease until it releases it or
// ends, and ending it ends the batch too.
//
// The model: begin() records the model identity in meta if none is there yet (the first batch
// of a new index sets it) and otherwise requires the same one (Mismatch): vectors of two models
// never mix in one index. Vectors must have the model's dimension. The precision likewise, when
// the batch names one: recorded in meta ("precision") if none is there yet, else it must be the
// recorded one (Mismatch naming both and the way out, index --reembed --precision). A batch
// holds the vectors' lock shared (pg_lock_keys.h) so that a re-embed's swap never interleaves.
//
// Errors are PgConnection's (pg_connection.h), plus InvalidArgument for a write without the
// lease, a path outside its source, a relative path or vectors of the wrong size. After any
// error the transaction is void (PostgreSQL refuses every further statement): roll back.
// A batch dropped without commit() rolls back.

#include "semsearch/error.h"
#include "semsearch/precision.h"
#include "semsearch/store_records.h"

#include <QSet>
#include <QString>

#include <cstdint>
#include <optional>
#include <vector>

namespace semsearch {

class PgConnection;

class SharedIndexBatch {
public:
    // BEGIN on `connection` (which must outlive the batch and run nothing else meanwhile), then
    // the model check (and the precision's, when given). `machine` names this machine in
    // sources, documents and the change log.
    static Result<SharedIndexBatch> begin(PgConnection& connection, const QString& machine,
                                          const ModelIdentity& model,
                                          std::optional<Precision> precision = std::nullopt);

    SharedIndexBatch(SharedIndexBatch&& other) noexcept;
    SharedIndexBatch& operator=(SharedIndexBatch&&) = delete;
    SharedIndexBatch(const SharedIndexBatch&) = delete;
    SharedIndexBatch& operator=(const SharedIndexBatch&) = delete;
    ~SharedIndexBatch();

    // Registers `path` as a source indexed by this machine (or makes this machine its indexer).
    Result<void> addSource(const QString& path, std::int64_t addedMs);
    // Forgets the source `path` and its skipped files (remove its documents first, with
    // removeUnder, so that the change log lists their passages). Forgetting a source that is
    // not registered is no error.
    Result<void> forgetSource(const QString& path);

    // Stores `document` under `source` with its passages and their vectors (passages.size() x
    // dimension, row i = passages[i]), as SqliteDocuments::put(): a document already at that
    // path is replaced, keeping its id, and its old passages are deleted (their ids never come
    // back). Writes the ids, document id and ordinals back into `passages`; returns the
    // document id. The source must be registered (addSource, in this batch or before).
    // InvalidArgument, naming both sources, when the document at that path belongs to another
    // source: it is that source's writer's to replace.
    Result<std::int64_t> putDocument(const QString& source, DocumentRecord document,
                                     std::vector<PassageRecord>& passages,
                                     const std::vector<float>& vectors);

    // Removes the document at `path` with its passages; returns their ids ascending, none when
    // no document has that path.
    Result<std::vector<std::int64_t>> removeDocument(const QString& path);
    // Removes every document whose path equals `prefix` or lies in the folder `prefix` at any
    // depth (as SqliteDocuments::under()); needs the lease of each of their sources. Skipped
    // files are not touched (recordSkipped, forgetSkippedUnder).
    Result<std::vector<std::int64_t>> removeUnder(const QString& prefix);

    // Records a file of `source` that the indexer left out, replacing an older record.
    Result<void> recordSkipped(const QString& source, const SkippedRecord& skipped);
    // Forgets the skipped files at or under `prefix` of `source`.
    Result<void> forgetSkippedUnder(const QString& source, const QString& prefix);

    // The change-log row (passage ids added and removed by the batch, less those both added
    // and removed in it), then COMMIT. Returns the commit's generation.
    Result<std::int64_t> commit();
    // ROLLBACK; nothing of the batch remains. Safe after a failed statement or a lost
    // connection.
    void rollback();

private:
    SharedIndexBatch(PgConnection& connection, QString machine, int dimension);
    Result<void> requireLease(const QString& source);
    Result<void> requireInside(const QString& source, const QString& path) const;

    PgConnection* m_connection = nullptr; // null once committed, rolled back or moved from
    QString m_machine;
    int m_dimension = 0;
    QSet<QString> m_leased; // sources whose lease this batch has checked
    std::vector<std::int64_t> m_added;
    std::vector<std::int64_t> m_removed;
};

} // namespace semsearch
