#pragma once

// The advisory locks a shared index takes. PostgreSQL's advisory locks are one namespace per
// database shared with every other program using that database; semsearch uses only the
// two-integer form, with a first integer of its own per purpose, so its locks cannot meet a
// program's single-bigint locks (a separate key space in pg_locks, objsubid 1 vs 2) and meet
// another program's two-integer locks only if it picked the same class numbers.

#include <cstdint>

namespace semsearch {

// pg_advisory_xact_lock(kSchemaLockClass, 0): held by a transaction that creates or upgrades
// the schema, from its first statement to its end.
constexpr std::int32_t kSchemaLockClass = 0x534d5353; // "SMSS"

// pg_advisory_xact_lock(kChangeLogLockClass, 0): held by a commit from the moment it picks
// its generation to its end, so that generations become visible in the order they were given
// (change_log.h).
constexpr std::int32_t kChangeLogLockClass = 0x534d5347; // "SMSG"

// pg_try_advisory_lock(kSourceLeaseClass, key of the source's path): a source's lease, held by
// its writer's session (see source_lease.h).
constexpr std::int32_t kSourceLeaseClass = 0x534d534c; // "SMSL"

// The vectors' lock, (kVectorsLockClass, 0): every writer's batch holds it shared from its
// begin() to its end, and a re-embed's swap holds it exclusively (shared_index_reembed.h). So
// the swap waits for the batches that read the old model and precision, and a batch that begins
// during the swap reads the new ones: no batch publishes old vectors after the swap.
constexpr std::int32_t kVectorsLockClass = 0x534d5356; // "SMSV"

} // namespace semsearch
