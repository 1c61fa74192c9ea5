#pragma once

// Stage 3 of an indexing run (see indexer.h): the batch's new passages embedded.
//
//   in:  PreparedBatch (prepareBatch)
//   out: the same batch, every file that writes passages (Embed, ReuseFromBatch) holding their
//        vectors; Reuse files have theirs already
//
// No store calls; the one place an indexing run calls the embedder.

#include "pipeline/index_prepare.h"
#include "semsearch/embedder.h"
#include "semsearch/error.h"

namespace semsearch {

// Embeds batch.texts in one call and hands out the vectors. Returns the seconds spent inside
// Embedder::embed. Errors: the embedder's; the batch is then left as it was.
Result<double> embedBatch(Embedder& embedder, PreparedBatch& batch);

} // namespace semsearch
