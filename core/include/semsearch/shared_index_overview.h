#pragma once

// What a shared index on PostgreSQL holds (shared_index_location.h says what names one), read
// in one snapshot: what `semsearch-cli status` shows. Reading needs only SELECT, so a read-only
// role may do it, and nothing on the server is created or changed.

#include "semsearch/error.h"
#include "semsearch/precision.h"
#include "semsearch/store_records.h"

#include <QString>

#include <cstdint>
#include <optional>
#include <vector>

namespace semsearch {

struct SharedSourceOverview {
    SourceRecord source;
    QString machine;    // the machine that indexes it
    StoreCounts counts; // documents, passages and skipped files of this source
};

struct SharedIndexOverview {
    QString location;                   // displayLocation(): never with a password
    std::optional<ModelIdentity> model; // none before the first batch
    std::optional<Precision> precision; // the vectors' (meta "precision"); none if unrecorded
    StoreCounts totals;
    std::vector<SharedSourceOverview> sources; // sorted by path (UTF-8 byte order)
    std::int64_t generation = 0;               // of the last commit; 0 before the first
    // The server's pgvector extension: its version when installed in this database, and the
    // version the server could install; empty when it has none. semsearch does not use it (it
    // ranks on each searcher's own exact cache: README, "Shared index"), but says it is there.
    QString pgvectorInstalled;
    QString pgvectorAvailable;
};

// Connects to `location` and reads its overview. Errors are one line that starts with the
// location without its password: Io (the server cannot be reached), InvalidArgument (the
// credentials were refused), NotFound (no such database, or no index in it yet), Unsupported
// (an index of an older schema, which a writer must upgrade first, or of a newer semsearch).
Result<SharedIndexOverview> readSharedIndexOverview(const QString& location);

} // namespace semsearch
