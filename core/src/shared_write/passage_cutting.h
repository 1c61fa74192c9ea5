#pragma once

// What decides how a model's writers cut documents into passages (splitPassages, extract.h):
// its tokenizer (vocabulary and settings) and its max_seq_length. A shared index records it in
// meta ("passage_cutting") once a model's vectors are in, so that a re-embed into another model
// (shared_index_reembed.h) can tell whether the stored passages are the ones that model would
// cut: only then do their new vectors equal indexing the files anew.

#include "semsearch/embedder.h"
#include "semsearch/error.h"

#include <QString>

namespace semsearch {

class PgConnection;

// A SHA-256 over the vocabulary, the tokenizer's settings and the max_seq_length, in hex.
QString passageCutting(const Embedder& embedder);

// Records `cutting` unless one is recorded, and only when the index's model is `embedder`'s
// (the first batch recorded it): an index made before the record gets its model's.
Result<void> recordPassageCutting(PgConnection& connection, const Embedder& embedder);

// The recorded cutting; empty when none is recorded.
Result<QString> recordedPassageCutting(PgConnection& connection);

} // namespace semsearch
