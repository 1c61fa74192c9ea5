#pragma once

// Puts a folder that was built beside its destination into place in one step, so that nobody
// who opens the destination ever sees it half-written: a downloaded model, a re-embedded index.

#include "semsearch/error.h"

#include <QString>

namespace semsearch {

// What moveFolderIntoPlace does with a folder already at the target.
enum class ExistingFolder {
    Refuse,   // fail with InvalidArgument; nothing moves
    Replace,  // put it aside atomically, then delete it
    Exchange, // put it aside atomically and leave it at the source's path for the caller
};

// Moves the folder `source` to `target`. Both must be on the same file system (siblings, or a
// staging folder next to the target): the move is a rename, never a copy.
//  - `target` missing: one rename.
//  - `target` an existing folder, Replace or Exchange: the two are exchanged atomically
//    (renameat2 RENAME_EXCHANGE), so the old folder ends up at `source`. Where the file system
//    cannot exchange, three renames do the same (target aside to "<target>.old-<pid>", source
//    to target, that to source); if the second fails the first is undone. Only a crash between
//    the first two renames can leave `target` missing, with both folders intact beside it.
//    Replace then deletes the old folder (a failure to delete it is not an error).
//  - `target` a file (or a link): InvalidArgument; a file is never deleted.
// Io when the system refuses a rename (the message names both folders and the reason).
Result<void> moveFolderIntoPlace(const QString& source, const QString& target,
                                 ExistingFolder existing);

} // namespace semsearch
