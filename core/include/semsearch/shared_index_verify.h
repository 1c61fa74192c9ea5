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
// Needs only SELECT: a read-only role can verify. Changes nothing; repairSharedIndex() mends
// what it finds.

#include "semsearch/error.h"

#include <QList>
#include <QPair>
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

struct SharedIndexRepair {
    QStringList repairs; // what was mended, one line each
    QStringList losses;  // documents removed as damaged: "<path> (indexed by <machine>)"
    // The sources those documents belonged to, with their machines, sorted by path: indexing
    // them again from that machine puts the documents back (its working copy still has them).
    QList<QPair<QString, QString>> sourcesToIndexAgain; // (source path, machine)
};

// `verify --repair` on a shared index: mends what verifySharedIndex() finds, as far as the
// database allows, so that every searcher's cache agrees with the database again:
//  - a damaged document (vectors of the wrong size, outside its source, passages missing or
//    out of order) is removed, in one commit whose change-log row tells searchers; its file is
//    on the machine that indexes its source, whose next run puts it back (a loss until then);
//  - generations missing from the change log are filled with empty ones;
//  - passages the log never announced, and announced passages that are gone, are announced
//    (added or removed) in one more generation, which every searcher applies as it catches up.
// A missing model is not mended (the vectors cannot say which model made them).
// Writers are kept out meanwhile: every source's lease is taken first (Busy, naming the holder,
// while another machine indexes one). `machine` names this machine in the change log.
// Errors: verifySharedIndex()'s, Busy, and InvalidArgument for a role that may not write (one
// line, nothing changed).
Result<SharedIndexRepair> repairSharedIndex(const QString& location, const QString& machine);

} // namespace semsearch
