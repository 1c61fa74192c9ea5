#pragma once

// `index --reembed` on a shared index on PostgreSQL: every passage's vector made anew in
// another precision of the index's model.
//
// No machine holds every source's files, but the database holds every passage's text, so the
// stored texts are embedded again, not the files. That equals indexing the files anew only if
// the passages would be cut the same way, which depends on the model's tokenizer, its
// lower-casing and its max_seq_length; the database does not record those of the model that cut
// them, so a re-embed keeps the model and changes the precision. Another model is refused
// (Unsupported, with the way out: index into a new database).
//
// Crash-safe and resumable (vector_staging.h): the new vectors are staged in batches of about
// SharedWriteOptions::passagesPerBatch passages, each its own transaction; searchers keep the
// old vectors until one transaction swaps every vector, records the precision and commits a
// change-log row that makes every searcher's cache refill. Killed or cancelled, the index is as
// it was and a second run with the same precision continues from what is staged (another
// precision starts over).
//
// One writer: every source's lease is taken for the whole run (Busy, naming the holder, when
// another machine indexes one), so no writer publishes old vectors meanwhile; a writer whose
// working copy still holds the old precision re-embeds it before publishing
// (shared_index_writer.h). A writer that adds a new source during the run is waited for, and its
// passages are staged before the swap.
//
// Errors: the connection's (pg_connection.h: Io, InvalidArgument for refused credentials or a
// read-only role, ...), each a line naming the location without its password; NotFound when the
// index holds no passages; Unsupported for another model; Busy for a leased source; the
// embedder's. Synchronous; runs on the caller's thread.

#include "semsearch/embedder.h"
#include "semsearch/error.h"
#include "semsearch/progress.h"
#include "semsearch/shared_index_writer.h"

#include <QString>

#include <cstdint>

namespace semsearch {

struct SharedReembedStats {
    std::int64_t passages = 0;         // the index's passages
    std::int64_t passagesEmbedded = 0; // by this run; the others were staged by an earlier one
    std::int64_t generation = 0;       // the swap's; 0 when nothing was swapped
    bool unchanged = false;            // the index already had this precision: nothing to do
    bool cancelled = false;            // stopped by `control`; what was staged is kept
    double seconds = 0;
};

// Re-embeds the shared index at `location` with `embedder` (the index's model, in the precision
// to switch to). options.machine names this machine in the change log; options.passagesPerBatch
// sizes the staging batches; options.index.abortAt = AfterCommit kills the process after the
// first staged batch (test-only). Progress reports Stage::Indexing with passagesDone of
// filesTotal = the index's passages (no files are read). `control` is checked between batches.
Result<SharedReembedStats> reembedSharedIndex(const QString& location, Embedder& embedder,
                                              const SharedWriteOptions& options,
                                              const ProgressCallback& progress = {},
                                              WorkControl* control = nullptr);

} // namespace semsearch
