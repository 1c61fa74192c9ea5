#pragma once

// The store's schema and its history. A database records its schema version in
// PRAGMA user_version (0 = empty, never initialised) and marks itself as a semsearch index with
// PRAGMA application_id. Each migration takes the database from version - 1 to `version`; the
// history only grows: a released step is never edited, a change of schema is a new step.
//
// History
//   1  documents, passages (with their float32 vectors), skipped, meta; meta.vector_generation
//      starts at 0.
//   2  sources.
//   3  documents.changed_ms: the file's status-change time (ctime) as last read; 0 = unknown.
//   4  passage_keywords: an FTS5 keyword index over passages.text (tokenizer "semsearch", which
//      every connection registers before this runs), kept in step by triggers; filled from the
//      passages already stored.
//   5  passage_places: the page and section of passages that have them (documents read by
//      semsearch-extract, Markdown).

#include "semsearch/error.h"

#include <QString>

#include <cstdint>
#include <vector>

struct sqlite3;

namespace semsearch {

// "SMSR": identifies a semsearch index among SQLite files (`file` shows it as such).
constexpr std::int32_t kStoreApplicationId = 0x534d5352;

struct SchemaMigration {
    int version;             // the version the database has after this step
    const char* description; // for error messages
    const char* sql;         // one or more statements, run inside the migration's transaction
};

// The keyword index's table and triggers as version 4 creates them, each only if missing (for
// verify --repair; the table then still needs filling: KeywordStore::rebuild()).
extern const char* const kKeywordIndexSql;

// Every step from 1 to the current version, in order.
const std::vector<SchemaMigration>& schemaMigrations();

// The version this build reads and writes: the last step of schemaMigrations().
int currentSchemaVersion();

// PRAGMA user_version of the open database. Fails with Corrupt when `db` is not a database.
Result<int> schemaVersion(sqlite3* db, const QString& file);

// Brings the database to the last version of `migrations`, applying the missing steps in order
// inside one write transaction (BEGIN IMMEDIATE, so that two processes opening the same new file
// do not both migrate): either all of them happen or none. Errors name `file`: Unsupported for a
// database of a newer version than `migrations` knows, or for an SQLite database that is not a
// semsearch index (another application_id, or version 0 with tables in it); Corrupt when it is
// not a database; Busy when another connection holds the write lock past the busy timeout; the
// failing step's error otherwise.
Result<void> migrateSchema(sqlite3* db, const QString& file,
                           const std::vector<SchemaMigration>& migrations = schemaMigrations());

// For read-only use: succeeds only when the database is a semsearch index at exactly
// currentSchemaVersion(). An older one fails with Unsupported asking to open it read-write once
// (which migrates it); a newer one with Unsupported as in migrateSchema().
Result<void> requireCurrentSchema(sqlite3* db, const QString& file);

} // namespace semsearch
