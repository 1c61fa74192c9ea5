#pragma once

// Test-only: the moments at which an indexing run can be made to stop the process dead, as a
// crash, an out-of-memory kill or kill -9 would, so that tests check crash safety at exactly
// those moments instead of relying on the timing of a kill. Compiled into every build; nothing
// stops anywhere unless a caller asks for it (semsearch-cli through SEMSEARCH_TEST_ABORT_AT).

#include <QString>
#include <QStringList>

#include <optional>

namespace semsearch {

enum class AbortPoint {
    None,
    BeforeCommit, // a batch is read and embedded; its transaction has not begun
    InsideCommit, // inside the batch's transaction, about half of its files written
    AfterCommit,  // the batch is committed; the vector cache has not taken it in
    CacheWritten, // the vector cache is written to its temporary file, not yet renamed
    CacheRenamed, // the vector cache is in place; the database does not yet record it
    // A shared index (shared_index_writer.h): the first batch of a source's publication is
    // committed in the database, the rest not yet.
    AfterPublish,
};

// "before-commit", "inside-commit", "after-commit", "cache-written", "cache-renamed",
// "after-publish".
QStringList abortPointNames();
// The point of that name; std::nullopt for any other (an empty name is None).
std::optional<AbortPoint> abortPointFromName(const QString& name);
// Kills the process with SIGKILL (no clean-up of any kind) when `configured` is `here` and not
// None; returns otherwise.
void abortIfAt(AbortPoint configured, AbortPoint here);

} // namespace semsearch
