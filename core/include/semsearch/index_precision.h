#pragma once

// The precision an index's vectors were made in (precision.h). Vectors of the fast modes are
// close to fp32's but not equal, so an index holds one precision, recorded in its store (meta
// key "precision") when its first vectors go in; a query is best embedded in the same one, and
// switching an index to another precision re-embeds it (reembedIndex), as for another model.

#include "semsearch/embedder.h"
#include "semsearch/error.h"
#include "semsearch/index_folder.h"
#include "semsearch/precision.h"

#include <QStringList>

#include <memory>
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

// How many of an index's passages the quality check compares besides the shipped set: enough to
// cover the index's kinds of text, few enough that a first check stays within seconds.
inline constexpr int kCheckedIndexPassages = 64;

// Up to `count` passage texts spread evenly over the index (by passage id), for the quality
// check; empty for an empty index.
Result<QStringList> passageSample(IndexFolder& index, int count);

// What an embedder opened for an index will do with it.
enum class EmbedderUse {
    Search,  // embed queries (the window also indexes with it: see below)
    Index,   // add vectors
    Reembed, // make every vector anew (reembedIndex), in any precision
};

// Opens the model in `modelFolder` for work on `index` (nullptr: no index yet), with the
// quality check (see precision_check.h) also comparing a sample of the index's passages. The
// precision: options.precision when it names a mode; for Auto, the one the index records (for
// Search and Index), else auto's choice. When this CPU cannot make the recorded precision's
// vectors, Search gets an fp32 embedder (the closest to any precision's vectors; adding with it
// is then refused by the Indexer) and Index fails (Unsupported, naming the way out:
// index --reembed). Errors: openEmbedder's, the store's.
Result<std::unique_ptr<Embedder>> openEmbedderForIndex(const QString& modelFolder,
                                                       IndexFolder* index, EmbedderUse use,
                                                       EmbedderOptions options);

} // namespace semsearch
