#pragma once

// A shared index's passage vectors as the compact cache's builder and the recall guard read
// them (pipeline/stored_vectors.h), and the re-ranker's read of a few candidates' vectors per
// search (reranked_vector_index.h). The database is the truth for the shared searcher as the
// store is for a local index: the searcher keeps only 8-bit codes, never a second copy of the
// float32 vectors.
//
// ServerVectors::forEachVector reads through a cursor, which lives only inside a transaction:
// the builder calls it inside inSnapshot() (pg_snapshot.h), so that every read of one build
// sees one snapshot. Reads need only SELECT. Errors are PgConnection's, Corrupt for a vector
// that is not `dimension` floats, NotFound from vectorsOf() for an id that names no passage.

#include "pipeline/stored_vectors.h"

#include <QString>

#include <optional>

namespace semsearch {

class PgConnection;

class ServerVectors : public StoredVectors {
public:
    ServerVectors(PgConnection& connection, int dimension)
        : m_connection(connection), m_dimension(dimension) {}

    Result<std::int64_t> count() override;
    // Ascending.
    Result<std::vector<std::int64_t>> passageIds() override;
    Result<std::vector<float>> vectorsOf(const std::vector<std::int64_t>& ids) override;
    // Ascending ids; must run inside a transaction (see above).
    Result<void>
    forEachVector(const std::function<bool(std::int64_t, const float*)>& visit) override;

private:
    PgConnection& m_connection;
    int m_dimension;
};

// The re-ranker's read (RerankedVectorIndex::FullVectors): the vectors of `ids` in one query,
// `rows` in the order of `ids`; ids whose passages a writer removed since the cache found them
// are dropped from `ids`.
Result<void> readServerVectors(PgConnection& connection, int dimension,
                               std::vector<std::int64_t>& ids, std::vector<float>& rows);

// The stored vector of passage `ordinal` of the document at `path`, with the document's id;
// std::nullopt when the index holds no such passage.
struct StoredPassageVector {
    std::int64_t documentId = 0;
    std::vector<float> vector;
};
Result<std::optional<StoredPassageVector>>
storedPassageVector(PgConnection& connection, int dimension, const QString& path, int ordinal);

} // namespace semsearch
