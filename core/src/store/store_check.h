#pragma once

// The checks behind SqliteStore::check(): SQLite's own integrity and foreign-key checks, then
// the store's invariants on the table contents, which SQL constraints cannot express.

#include "semsearch/error.h"

#include <QString>
#include <QStringList>

struct sqlite3;

namespace semsearch {

// Problem lines, capped so that a badly damaged index gives a readable report.
class ProblemList {
public:
    static constexpr int kMaxListed = 100;

    void add(const QString& problem);
    bool full() const { return m_lines.size() >= kMaxListed; }
    // The lines, and a last one with the number left out, if any.
    QStringList lines() const;

private:
    QStringList m_lines;
    int m_notListed = 0;
};

// The lines of one row of integrity_check or quick_check, which may hold several problems
// separated by newlines under a "*** in database main ***" heading: the problems alone, empty
// for "ok".
QStringList sqliteReportLines(const QString& row);

// Adds one line per problem found in the database at `file` to `problems`. `dimension` is the
// model identity's (0 = none recorded: then any passage is a problem). A check that SQLite
// itself cannot run because the file is damaged is reported as a problem; other failures
// (Io, Busy) are returned as errors.
Result<void> checkStoreDatabase(sqlite3* db, const QString& file, int dimension,
                                ProblemList& problems);

} // namespace semsearch
