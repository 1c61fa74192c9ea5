#pragma once

// What a searcher reads from a shared index: counts, sources, passages with their documents
// for results, the changes since a generation with the added passages' vectors (to bring a
// local vector cache up to date), and an export of every passage with its vector (to fill one).
// The records are the local store's (store_records.h). Reads need only SELECT: a read-only
// role can do all of this. Errors are PgConnection's (pg_connection.h), plus Corrupt for a
// vector whose size is not the model's dimension.
//
// changesSinceWithVectors() and exportPassages() read in a REPEATABLE READ, READ ONLY
// transaction of their own (the connection must not be in one): all they return is one
// snapshot. Passage ids are never reused and a passage's row never changes (a replaced
// document gets new passages), so a vector read under any later snapshot is still the one its
// id was added with.

#include "semsearch/error.h"
#include "semsearch/precision.h"
#include "semsearch/shared_index_overview.h"
#include "semsearch/store_records.h"

#include <QString>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <vector>

namespace semsearch {

class PgConnection;

struct SharedSource {
    SourceRecord source;
    QString machine; // the machine that indexes it
};

struct SharedCounts {
    StoreCounts total;
    std::map<QString, StoreCounts> bySource; // every registered source, also empty ones
};

// A passage with the document it belongs to, and where that document lives.
struct SharedPassage {
    PassageRecord passage;
    DocumentRecord document;
    QString source;
    QString machine;
};

// A commit's change with what a cache needs to apply it: the vectors of the passages it added
// that still exist (`added`, ascending ids; `vectors` row i = added[i]), and the ids it removed.
// A passage added here and removed by a later commit is left out of `added`: the later
// commit's `removed` holds it, and a cache applying the changes in order ends the same.
struct VectorChange {
    std::int64_t generation = 0;
    QString machine;
    std::vector<std::int64_t> added;
    std::vector<float> vectors; // added.size() x dimension
    std::vector<std::int64_t> removed;
};

// Corrupt: the vector of passage `passageId` is `bytes` bytes, not `dimension` floats.
Error wrongVectorSize(PgConnection& connection, std::int64_t passageId, qsizetype bytes,
                      int dimension);

Result<SharedCounts> sharedCounts(PgConnection& connection);

// Sorted by path.
Result<std::vector<SharedSource>> sharedSources(PgConnection& connection);

// What a writer compares with its working copy to publish a source (shared_write/): each
// document of `source` by path, with what tells whether it changed. One query.
struct SharedDocumentState {
    QByteArray contentHash;
    std::int64_t size = 0;
    std::int64_t modifiedMs = 0;
};
Result<std::map<QString, SharedDocumentState>> sharedDocumentStates(PgConnection& connection,
                                                                    const QString& source);

// The skipped files recorded for `source`, sorted by path (UTF-8 byte order).
Result<std::vector<SkippedRecord>> sharedSkippedOf(PgConnection& connection, const QString& source);

// In the order of `ids`; unknown ids are left out.
Result<std::vector<SharedPassage>> sharedPassages(PgConnection& connection,
                                                  const std::vector<std::int64_t>& ids);

// Every passage of the document at `path`, by ordinal; empty when no document has that path.
Result<std::vector<SharedPassage>> sharedPassagesOfDocument(PgConnection& connection,
                                                            const QString& path);

// The model identity the first batch recorded in meta; std::nullopt before it. Corrupt when
// its dimension is not a positive number.
Result<std::optional<ModelIdentity>> sharedModel(PgConnection& connection);

// The precision the vectors were made in (meta "precision", precision.h), recorded by the
// first batch that named one; std::nullopt when none did (an index written before the record,
// or by batches that name none). Corrupt when the record names no precision.
Result<std::optional<Precision>> sharedPrecision(PgConnection& connection);

// The model's dimension from meta; 0 when no batch has recorded a model yet.
Result<int> sharedDimension(PgConnection& connection);

// The model, counts, sources and last generation, in one snapshot (its own READ ONLY
// transaction: the connection must not be in one).
Result<SharedIndexOverview> sharedOverview(PgConnection& connection);

// The changes after `generation`, oldest first, at most `limit` of them.
Result<std::vector<VectorChange>> changesSinceWithVectors(PgConnection& connection,
                                                          std::int64_t generation, int limit = 100);

// Calls `visit` with every passage, its document and its vector (dimension floats, valid
// during the call only), ordered by document path (UTF-8 byte order) and ordinal, fetching
// `pageRows` rows at a time through a server-side cursor so that memory stays flat however
// large the index. Stops early, successfully, when `visit` returns false. Returns the last
// generation of the snapshot it read: a cache filled from the export catches up from there.
Result<std::int64_t>
exportPassages(PgConnection& connection,
               const std::function<bool(const SharedPassage& passage, const float* vector)>& visit,
               int pageRows = 256);

} // namespace semsearch
