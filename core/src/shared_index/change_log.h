#pragma once

// The change log of a shared index: one row per commit that added or removed passages, with a
// generation one above the last. Searchers keep a local vector cache and catch up by reading
// the changes after the generation they have seen, instead of reloading every vector.
//
// The promise: generations become visible in the order they were given, without gaps. A writer
// calls recordChange() as the last statement of its transaction; it takes the change log's
// advisory lock (pg_lock_keys.h) until the transaction ends, then gives max(generation) + 1.
// A second writer's recordChange() waits for the first to commit or roll back, so a searcher
// that has read generation n can never later find an n - 1 it missed, which a plain sequence
// would allow (numbers taken in one order, committed in another). Writers therefore serialise
// only for the moment between their last statement and their commit.

// Searchers that listen are told at once: recordChange() also notifies kChangesChannel with the
// generation as payload, which the server delivers to every listening session when (and only
// if) the transaction commits, in commit order (ChangeListener, change_listener.h).

#include "semsearch/error.h"

#include <QString>

#include <cstdint>
#include <vector>

namespace semsearch {

class PgConnection;

// The LISTEN/NOTIFY channel of a shared index's commits.
inline constexpr const char* kChangesChannel = "semsearch_changes";

struct ChangeRecord {
    std::int64_t generation = 0;
    QString machine;                   // the machine that committed it
    std::vector<std::int64_t> added;   // passage ids, ascending
    std::vector<std::int64_t> removed; // passage ids, ascending
};

// Records a commit's change inside the caller's open transaction (which must go on to COMMIT
// or ROLLBACK soon: other writers wait for it) and returns its generation. `added` and
// `removed` are passage ids, in any order. `everyVector` marks a commit that replaced every
// passage's vector (a re-embed's swap, shared_index_reembed.h), with no ids: a cache older than
// it refills from an export instead of applying ids.
Result<std::int64_t> recordChange(PgConnection& connection, const QString& machine,
                                  const std::vector<std::int64_t>& added,
                                  const std::vector<std::int64_t>& removed,
                                  bool everyVector = false);

// The generation of the last commit that replaced every vector; 0 when none did.
Result<std::int64_t> lastEveryVectorChange(PgConnection& connection);

// The changes after `generation`, oldest first; at most `limit` of them.
Result<std::vector<ChangeRecord>> changesSince(PgConnection& connection, std::int64_t generation,
                                               int limit = 1000);

} // namespace semsearch
