#pragma once

// Stage 0 of an indexing run (see indexer.h): the index accepts the run before any file is read.
//
//   in:  the index (open for writing), the embedder, the paths the user asked for
//   out: the roots: those paths absolute and clean, recorded as the index's sources
//
// Store calls: modelIdentity, setModelIdentity, addSource (and those of claimIndexPrecision).

#include "semsearch/embedder.h"
#include "semsearch/error.h"
#include "semsearch/index_folder.h"

#include <QString>
#include <QStringList>

namespace semsearch {

// The form in which an index records a path the user gave: absolute and clean (no "..", no
// trailing slash).
QString sourcePath(const QString& path);

// Checks, in this order, before anything is written: every path exists (NotFound, naming it);
// the database is intact (Corrupt, from IndexFolder::checkBeforeWriting); the index takes
// vectors of this model (Mismatch when it was built with another one, naming both and the way
// out) and precision (claimIndexPrecision). Then records the model of a new index and makes the
// paths its sources, so an interrupted run still shows (and can resume) what was asked for, and
// brings the vector cache up to date so each commit can patch it in place. Returns the roots in
// the order given.
Result<QStringList> claimIndex(IndexFolder& index, const Embedder& embedder,
                               const QStringList& paths);

} // namespace semsearch
