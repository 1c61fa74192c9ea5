#pragma once

// One store transaction around a piece of work, for the stages of an indexing run.

#include "semsearch/error.h"
#include "semsearch/store.h"

namespace semsearch {

// Runs `work` (returning Result<void>) inside one transaction of `store`: commits when it
// succeeds, rolls back and returns its error when it fails. The errors of begin() and commit()
// are returned as they are.
template <typename Work> Result<void> inTransaction(SqliteStore& store, Work&& work) {
    if (auto begun = store.begin(); !begun)
        return begun.error();
    Result<void> done = work();
    if (!done) {
        (void)store.rollback();
        return done;
    }
    return store.commit();
}

} // namespace semsearch
