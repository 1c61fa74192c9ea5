#pragma once

// One indexing job of the window on a shared index on PostgreSQL (shared_index_location.h):
// the same writer as `semsearch-cli index` and `remove` (shared_index_writer.h), named by this
// machine's name (machine_name.h, $SEMSEARCH_MACHINE honoured as the CLI does). Index jobs
// bring each path's working copy up to date and publish it; Remove jobs remove the documents in
// one batch; Upgrade brings an older schema to this version's; Reembed embeds every stored
// passage anew with the loaded model, as `index --reembed` does (the job's paths are not used:
// the window asks for none).
//
// Synchronous; runs on the indexing thread. Errors are the writer's one line, naming the
// location without its password: Busy naming the machine and process that hold a source, Io
// for a server that cannot be reached, InvalidArgument for a read-only role. `shared` (the
// model) is used by Index and Reembed jobs only and may be null for the others.

#include "indexing_session.h"

namespace semsearch::services {

IndexJobResult runSharedIndexJob(const IndexJob& job, const QString& location,
                                 const std::shared_ptr<SharedEmbedder>& shared,
                                 const IndexOptions& options, WorkControl& control,
                                 const ProgressCallback& progress);

} // namespace semsearch::services
