#pragma once

// The precision an index's vectors were made in (precision.h). Vectors of the fast modes are
// close to fp32's but not equal, so an index holds one precision, recorded in its store (meta
// key "precision") when its first vectors go in; a query is best embedded in the same one, and
// switching an index to another precision re-embeds it (reembedIndex), as for another model.

#include "semsearch/error.h"
#include "semsearch/index_folder.h"
#include "semsearch/precision.h"

#include <QStringList>

#include <optional>

namespace semsearch {

// The recorded precision; Fp32 for an index whose passages predate the record (every vector
// was fp32 then); std::nullopt for an index without passages and without a record. Corrupt when
// the record names no precision.
Result<std::optional<Precision>> indexPrecision(SqliteStore& store);

// Makes `precision` (never Auto) the index's: records it when the index holds no passages yet
// (or already has it); Mismatch when it holds vectors of another precision, with a message that
// names both and the way out (index --reembed --precision ...). The Indexer calls it before it
// adds vectors.
Result<void> claimIndexPrecision(IndexFolder& index, Precision precision);

// Up to `count` passage texts spread evenly over the index (by passage id), for the quality
// check; empty for an empty index.
Result<QStringList> passageSample(SqliteStore& store, int count);

} // namespace semsearch
