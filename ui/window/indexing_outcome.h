#pragma once

// The sentence the indexing bar shows once a run of indexing has ended.

#include "semsearch/indexer.h"

#include <QString>

namespace semsearch::ui {

// E.g. "Indexed 12 new or changed files with 1,489 passages (35 unchanged, 3 skipped).",
// "Everything is up to date (47 files unchanged).", "Indexing cancelled; 5 files done are
// kept." The passages are those of the new and changed files (embedded or reused), so they
// are not mistaken for the index's totals, which the sources panel shows. Numbers in the
// locale's format, plurals by Qt's plural forms (context "IndexingOutcome").
QString describeOutcome(const IndexStats& stats);

// On a shared index, what the run put into the database at `location` (its display form), said
// after describeOutcome's sentence: "12 documents published to postgresql://db/team (3
// removed).", or "Nothing new to publish to postgresql://db/team." when it holds them already.
QString describePublication(qint64 published, qint64 removed, const QString& location);

} // namespace semsearch::ui
