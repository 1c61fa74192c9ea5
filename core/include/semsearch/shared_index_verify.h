#pragma once

// `semsearch-cli verify` on a shared index: checks, in one snapshot, that the database holds
// what semsearch's writers promise its searchers, so that a crash, a killed writer, a restored
// backup or a hand-made change that broke it is found rather than searched wrongly:
//  - the schema is this semsearch's, and a model is recorded once there are passages;
//  - every vector has the model's dimension;
//  - every document lies in its source's folder, holds the passages its count says, and their
//    ordinals run 0, 1, ... without a gap;
//  - the change log has no gap in its generations, and replaying it (every id added, less every
//    id removed) gives exactly the passages in the table: a searcher's cache, which is built
//    that way, then agrees with the database.
// Leases whose holder is gone are noted, not problems (the next writer overwrites them).
//
// Needs only SELECT: a read-only role can verify. Changes nothing; a problem is repaired by
// indexing the source named again (its writer republishes it) or by the administrator.

#include "semsearch/error.h"

#include <QString>
#include <QStringList>

namespace semsearch {

struct SharedIndexCheck {
    QStringList notes;    // worth knowing, nothing wrong
    QStringList problems; // each one line, naming what is wrong and where
    bool ok() const { return problems.isEmpty(); }
};

// Connects to `location` and checks it. Errors (one line starting with the location without
// its password) only when it cannot be checked at all: PgConnection's, NotFound when the
// database holds no shared index, Unsupported for another schema version.
Result<SharedIndexCheck> verifySharedIndex(const QString& location);

} // namespace semsearch
