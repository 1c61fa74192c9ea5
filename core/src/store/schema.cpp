#include "store/schema.h"

#include "store/sqlite_statement.h"

#include <sqlite3.h>

namespace semsearch {

namespace {

// Version 1. Notes on the choices:
//  - passages.id is AUTOINCREMENT: SQLite then never hands out an id again, even after the row
//    with the largest id is deleted. Passage ids are the ids in the FAISS cache, and a recycled
//    id could make a stale cache return a passage that is not the one it embedded.
//  - documents.id is a plain rowid: nothing outside the database keeps it across commits.
//  - vector is the last column: reading a passage's text never touches the overflow pages a
//    3 KiB vector spills into.
//  - skipped and meta are keyed by text and never need a rowid.
constexpr const char* kVersion1 = R"sql(
CREATE TABLE documents (
    id            INTEGER PRIMARY KEY,
    path          TEXT    NOT NULL UNIQUE,
    size          INTEGER NOT NULL,
    modified_ms   INTEGER NOT NULL,
    content_hash  BLOB    NOT NULL,
    encoding      TEXT    NOT NULL,
    indexed_at_ms INTEGER NOT NULL,
    passage_count INTEGER NOT NULL
);
CREATE INDEX documents_by_content_hash ON documents(content_hash);

CREATE TABLE passages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal     INTEGER NOT NULL,
    byte_start  INTEGER NOT NULL,
    byte_end    INTEGER NOT NULL,
    line        INTEGER NOT NULL,
    text        TEXT    NOT NULL,
    vector      BLOB    NOT NULL
);
CREATE INDEX passages_by_document ON passages(document_id);

CREATE TABLE skipped (
    path   TEXT    PRIMARY KEY,
    reason TEXT    NOT NULL,
    at_ms  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO meta(key, value) VALUES ('vector_generation', '0');

PRAGMA application_id = 1397576530;
)sql";

// Version 2: the sources, the folders and files the user asked to index. The documents alone
// cannot tell which folder was added (~/notes or ~/notes/work?), and the GUI lists, re-indexes,
// watches and removes by source. An index of version 1 starts with no sources; indexing a path
// again records it.
constexpr const char* kVersion2 = R"sql(
CREATE TABLE sources (
    path       TEXT    PRIMARY KEY,
    added_ms   INTEGER NOT NULL,
    indexed_ms INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

// Version 3: the file's status-change time (ctime) beside its mtime. Any write sets it and no
// program can set it back, so an edit that keeps the size and restores the mtime (touch -d,
// a copy tool keeping times) is still seen without reading every file. Documents of older
// indexes have 0, "unknown": each is read (hashed, not embedded) once more.
constexpr const char* kVersion3 = R"sql(
ALTER TABLE documents ADD COLUMN changed_ms INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 4: the keyword index, an FTS5 table over the passages' text (see keyword_tokenizer.h
// for how text is cut into words). Notes on the choices:
//  - External content (content='passages'): the text is stored once, in the passages; the
//    keyword index holds only its own inverted lists (about a third of the text's size).
//  - Triggers keep it in step with the passages: every write of a passage, by any code path
//    (putDocument, copies, removal, the cascade from a document, salvage), changes the keyword
//    index in the same statement and so in the same transaction. A crash can never leave one
//    ahead of the other, and no writer has to remember it.
//  - 'rebuild' fills it from the passages already stored: an index upgrades without embedding
//    anything again.
#define SEMSEARCH_KEYWORD_INDEX_SQL                                                                \
    "CREATE VIRTUAL TABLE IF NOT EXISTS passage_keywords USING fts5("                              \
    "    text, content = 'passages', content_rowid = 'id', tokenize = 'semsearch');"               \
    "CREATE TRIGGER IF NOT EXISTS passage_keywords_insert AFTER INSERT ON passages BEGIN"          \
    "    INSERT INTO passage_keywords(rowid, text) VALUES (new.id, new.text);"                     \
    "END;"                                                                                         \
    "CREATE TRIGGER IF NOT EXISTS passage_keywords_delete AFTER DELETE ON passages BEGIN"          \
    "    INSERT INTO passage_keywords(passage_keywords, rowid, text)"                              \
    "        VALUES ('delete', old.id, old.text);"                                                 \
    "END;"                                                                                         \
    "CREATE TRIGGER IF NOT EXISTS passage_keywords_update AFTER UPDATE OF text ON passages BEGIN"  \
    "    INSERT INTO passage_keywords(passage_keywords, rowid, text)"                              \
    "        VALUES ('delete', old.id, old.text);"                                                 \
    "    INSERT INTO passage_keywords(rowid, text) VALUES (new.id, new.text);"                     \
    "END;"
constexpr const char* kVersion4 = SEMSEARCH_KEYWORD_INDEX_SQL
    "INSERT INTO passage_keywords(passage_keywords) VALUES ('rebuild');";

// Version 5: where a passage came from in documents that have pages or sections (PDF pages,
// headings of Markdown, HTML, DOCX, ODT and EPUB). A table of its own, with rows only for
// passages that have a place: plain text needs none, and a column after passages.vector would
// make every read of a passage's place step over the vector's overflow pages. Passages of an
// older index have no place until their files are indexed again.
constexpr const char* kVersion5 = R"sql(
CREATE TABLE passage_places (
    passage_id INTEGER PRIMARY KEY REFERENCES passages(id) ON DELETE CASCADE,
    page       INTEGER NOT NULL,
    section    TEXT    NOT NULL
);
)sql";

static_assert(kStoreApplicationId == 1397576530, "kVersion1 spells the application id out");

Result<std::int64_t> pragmaValue(sqlite3* db, const char* sql, const QString& file) {
    auto statement = SqliteStatement::prepare(db, sql, file);
    if (!statement)
        return statement.error();
    auto row = statement->step();
    if (!row)
        return row.error();
    return *row ? statement->columnInt64(0) : 0;
}

Error newerSchemaError(const QString& file, int version, int known) {
    return makeError(ErrorCode::Unsupported,
                     file + QStringLiteral(": the index has schema version %1, newer than this "
                                           "semsearch understands (%2); use a newer semsearch "
                                           "or index into a new folder")
                                .arg(version)
                                .arg(known));
}

Error foreignDatabaseError(const QString& file) {
    return makeError(ErrorCode::Unsupported,
                     file + QStringLiteral(": is an SQLite database but not a semsearch index"));
}

// Whether a database of `version` belongs to semsearch: either ours (application id) or empty.
Result<void> requireOurs(sqlite3* db, const QString& file, int version) {
    if (version > 0) {
        auto applicationId = pragmaValue(db, "PRAGMA application_id", file);
        if (!applicationId)
            return applicationId.error();
        if (*applicationId != kStoreApplicationId)
            return foreignDatabaseError(file);
        return {};
    }
    auto objects = pragmaValue(db, "SELECT count(*) FROM sqlite_master", file);
    if (!objects)
        return objects.error();
    if (*objects > 0)
        return foreignDatabaseError(file);
    return {};
}

Result<void> applyMigrations(sqlite3* db, const QString& file,
                             const std::vector<SchemaMigration>& migrations) {
    // Read inside the transaction: another process may have migrated since we last looked.
    auto version = schemaVersion(db, file);
    if (!version)
        return version.error();
    const int target = migrations.empty() ? 0 : migrations.back().version;
    if (*version > target)
        return newerSchemaError(file, *version, target);
    if (auto ours = requireOurs(db, file, *version); !ours)
        return ours.error();
    for (const SchemaMigration& step : migrations) {
        if (step.version <= *version)
            continue;
        const int rc = sqlite3_exec(db, step.sql, nullptr, nullptr, nullptr);
        if (rc != SQLITE_OK)
            return sqliteError(db, rc, file,
                               QStringLiteral("cannot upgrade the index to schema version %1 (%2)")
                                   .arg(step.version)
                                   .arg(QString::fromUtf8(step.description)));
        // user_version lives in the database header, so it commits or rolls back with the step.
        const QByteArray setVersion = "PRAGMA user_version = " + QByteArray::number(step.version);
        if (auto set = executeSql(db, setVersion.constData(), file); !set)
            return set.error();
    }
    return {};
}

} // namespace

// The same statements as version 4 (they only ever create what is missing), for repairs.
const char* const kKeywordIndexSql = SEMSEARCH_KEYWORD_INDEX_SQL;

const std::vector<SchemaMigration>& schemaMigrations() {
    static const std::vector<SchemaMigration> migrations = {
        {1, "initial schema", kVersion1},      {2, "sources", kVersion2},
        {3, "status-change times", kVersion3}, {4, "keyword index", kVersion4},
        {5, "passage places", kVersion5},
    };
    return migrations;
}

int currentSchemaVersion() {
    return schemaMigrations().back().version;
}

Result<int> schemaVersion(sqlite3* db, const QString& file) {
    auto version = pragmaValue(db, "PRAGMA user_version", file);
    if (!version)
        return version.error();
    return int(*version);
}

Result<void> migrateSchema(sqlite3* db, const QString& file,
                           const std::vector<SchemaMigration>& migrations) {
    // The common case, an index already current, takes no write lock.
    auto version = schemaVersion(db, file);
    if (!version)
        return version.error();
    const int target = migrations.empty() ? 0 : migrations.back().version;
    if (*version == target && target > 0)
        return requireOurs(db, file, *version);
    if (*version > target)
        return newerSchemaError(file, *version, target);

    if (auto begun = executeSql(db, "BEGIN IMMEDIATE", file); !begun)
        return begun.error();
    Result<void> applied = applyMigrations(db, file, migrations);
    if (!applied) {
        sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
        return applied.error();
    }
    if (auto committed = executeSql(db, "COMMIT", file); !committed) {
        sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
        return committed.error();
    }
    return {};
}

Result<void> requireCurrentSchema(sqlite3* db, const QString& file) {
    auto version = schemaVersion(db, file);
    if (!version)
        return version.error();
    if (*version > currentSchemaVersion())
        return newerSchemaError(file, *version, currentSchemaVersion());
    // Version 0 is a database whose creation never committed (the writer was killed before
    // its first transaction): nothing was ever stored in it.
    if (*version == 0)
        return makeError(ErrorCode::NotFound,
                         file + QStringLiteral(": no index here yet (nothing was committed)"));
    if (auto ours = requireOurs(db, file, *version); !ours)
        return ours.error();
    if (*version < currentSchemaVersion())
        return makeError(ErrorCode::Unsupported,
                         file + QStringLiteral(": the index has schema version %1 and needs an "
                                               "upgrade to version %2; open it once for writing "
                                               "(for example, update the index) to upgrade it")
                                    .arg(*version)
                                    .arg(currentSchemaVersion()));
    return {};
}

} // namespace semsearch
