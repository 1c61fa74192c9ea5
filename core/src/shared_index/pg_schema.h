#pragma once

// The schema of a shared index and its history. The tables live in the database's own schema
// (the first of the connecting role's search_path, normally "public"), unqualified, so that an
// administrator chooses where by the database and role alone. The schema version is the meta
// row 'schema_version'; a database without the meta table is at version 0 (no index yet).
// Each migration takes the database from version - 1 to `version`; the history only grows: a
// released step is never edited, a change of schema is a new step.
//
// History
//   1  meta, sources (with the machine that indexes each), source_leases, documents, passages
//      (with their places and float32 vectors), skipped, changes (the change log).
//
// Creating and upgrading run in one transaction whose first statement takes the schema's
// advisory lock (pg_lock_keys.h): two machines creating the same new database at once both
// succeed, the second finding the work done.

#include "semsearch/error.h"

#include <vector>

namespace semsearch {

class PgConnection;

struct PgMigration {
    int version;             // the version the database has after this step
    const char* description; // for error messages
    const char* sql;         // one or more statements, run inside the migration's transaction
};

// Every step from 1 to the current version, in order.
const std::vector<PgMigration>& sharedIndexMigrations();

// The version this build reads and writes: the last step of sharedIndexMigrations().
int currentSharedIndexVersion();

// The database's schema version; 0 when it holds no shared index yet. Unsupported when the
// meta table exists without a schema version (a table of another program).
Result<int> sharedIndexVersion(PgConnection& connection);

// For writers: creates the schema or brings an older one up to the last of `migrations`.
// Unsupported when the database has a newer version than `migrations` know; InvalidArgument
// when the role may not create tables (a read-only role).
Result<void>
migrateSharedIndex(PgConnection& connection,
                   const std::vector<PgMigration>& migrations = sharedIndexMigrations());

// For read-only openers, which never change the schema: NotFound when there is no index yet,
// Unsupported when it is older than the last of `migrations` (a writer must upgrade it first)
// or newer (this semsearch is too old).
Result<void>
requireCurrentSharedIndex(PgConnection& connection,
                          const std::vector<PgMigration>& migrations = sharedIndexMigrations());

} // namespace semsearch
