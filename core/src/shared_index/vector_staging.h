#pragma once

// The staging of a shared index's re-embed (shared_index_reembed.h): new vectors wait in
// passage_vectors_next until every passage has one, then replace the old ones in one
// transaction. Searchers read only passages.vector, so until the swap they see the old vectors
// alone, and after it the new ones alone.
//
// The target (what the staged vectors are: the model's fingerprint and the precision) is the
// meta row 'reembed_target'. Staging for another target than the one recorded starts over, so a
// resumed run never swaps in vectors of two targets. Errors are PgConnection's (pg_connection.h).
// Each call runs its own transaction: the connection must not be in one.

#include "semsearch/error.h"
#include "semsearch/precision.h"
#include "semsearch/store_records.h"

#include <QString>
#include <QStringList>

#include <cstdint>
#include <optional>
#include <vector>

namespace semsearch {

class PgConnection;

// Makes `target` the staging's: keeps what is staged when it already is, else forgets every
// staged vector and records `target`. Returns how many vectors are staged for it.
Result<std::int64_t> beginStaging(PgConnection& connection, const QString& target);

struct UnstagedPassages {
    std::vector<std::int64_t> ids; // ascending
    QStringList texts;             // texts[i] is passage ids[i]'s text
};

// Up to `limit` passages without a staged vector, lowest ids first.
Result<UnstagedPassages> unstagedPassages(PgConnection& connection, int limit);

// Stages `vectors` (ids.size() x dimension floats, row i = ids[i]) in one transaction.
Result<void> stageVectors(PgConnection& connection, const std::vector<std::int64_t>& ids,
                          const std::vector<float>& vectors, int dimension);

// In one transaction holding the vectors' lock exclusively (pg_lock_keys.h): when every passage
// has a staged vector, puts them in place, records `model` and `precision` in meta (the model
// keys as SharedIndexBatch writes them), forgets the staging
// and commits a change-log row marked every_vector (change_log.h), as `machine`; returns its
// generation. std::nullopt, changing nothing, when a passage has none yet (a writer published
// a new source meanwhile): stage those, then swap again.
Result<std::optional<std::int64_t>> swapStagedVectors(PgConnection& connection,
                                                      const QString& machine,
                                                      const ModelIdentity& model,
                                                      Precision precision);

} // namespace semsearch
