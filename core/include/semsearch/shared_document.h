#pragma once

// One document of a shared index (shared_index_location.h) as the index holds it: what a
// preview shows on a machine that does not have the document's file (another machine indexed
// it). The passages do not overlap and are in text order (extract.h), so together they are the
// document's text, less the whitespace between them, which the index does not keep.

#include "semsearch/error.h"
#include "semsearch/store_records.h"

#include <QString>

#include <vector>

namespace semsearch {

struct SharedDocument {
    DocumentRecord document;
    QString machine;                     // the machine that indexed it
    std::vector<PassageRecord> passages; // by ordinal
};

// Connects to `location` (a connection of its own, so any thread may call it) and reads the
// document at `path`. Needs only SELECT. Errors: NotFound when the index holds no document at
// `path` (naming it), the connection's (one line naming the location without its password:
// pg_connection.h), NotFound or Unsupported for a database without this semsearch's index.
Result<SharedDocument> readSharedDocument(const QString& location, const QString& path);

} // namespace semsearch
