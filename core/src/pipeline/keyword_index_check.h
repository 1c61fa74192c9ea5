#pragma once

// The keyword index's part of IndexFolder::verify: is it there and does it agree with the
// passages; with repair (a writable index), rebuilt from the passages when it does not. Nothing
// is lost by that: the passages hold all its text.

#include "semsearch/index_folder.h"

namespace semsearch {

// Adds a problem line per disagreement to report.problems, or, when `repair` and the store is
// writable, rebuilds the keyword index and adds a line to report.repairs instead. Errors only
// when the check or the rebuild cannot run (the store's errors).
Result<void> verifyKeywordIndex(SqliteStore& store, VerifyReport& report, bool repair);

} // namespace semsearch
