#include "shared_index/pg_schema.h"

#include "shared_index/pg_connection.h"
#include "shared_index/pg_lock_keys.h"

namespace semsearch {

namespace {

// Version 1. The columns mirror the local store's (store/schema.cpp, versions 1 to 5); what
// differs, and why:
//  - sources are keyed by path alone: a source is one folder for the whole team (a shared
//    mount has the same path on every machine), indexed by one machine at a time; `machine`
//    names the one that indexes it. Documents and skipped files carry their source and machine
//    so that a searcher can say where a result lives.
//  - passages.id is an identity column (a sequence, NO CYCLE): PostgreSQL never hands a value
//    out twice, even after the row with the largest id is deleted or its transaction rolled
//    back. Passage ids are the ids in every searcher's local vector cache, and a recycled id
//    could make a stale cache return a passage that is not the one it embedded. GENERATED
//    ALWAYS refuses an id given by hand.
//  - a passage's place (page, section) sits in its row: PostgreSQL moves the 3 KiB vector out of
//    line (TOAST) anyway, so reading a passage's text and place never touches it. STORAGE
//    EXTERNAL stores it uncompressed: float32 vectors do not compress, and trying costs time
//    on every write.
//  - vector: float32 little-endian, dimension x 4 bytes (the model's dimension is in meta).
//  - changes is the change log: one row per commit that added or removed passages, with a
//    generation that increases by one per commit, given under a lock so that generations
//    become visible in their order (change_log.h says why not a sequence).
//  - source_leases names who holds a source's lease (source_lease.h); the lock itself is the
//    truth, a row only says who took it and since when.
//  - meta holds the model identity and precision under the local store's keys, and
//    schema_version.
constexpr const char* kVersion1 = R"sql(
CREATE TABLE meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);

CREATE TABLE sources (
    path       text   PRIMARY KEY,
    machine    text   NOT NULL,
    added_ms   bigint NOT NULL,
    indexed_ms bigint NOT NULL DEFAULT 0
);

CREATE TABLE source_leases (
    path           text        PRIMARY KEY,
    lock_key       integer     NOT NULL,
    holder         text        NOT NULL,
    client_address text        NOT NULL,
    server_pid     integer     NOT NULL,
    session_start  timestamptz NOT NULL,
    since          timestamptz NOT NULL
);

CREATE TABLE documents (
    id            bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source        text    NOT NULL REFERENCES sources(path) ON DELETE CASCADE,
    machine       text    NOT NULL,
    path          text    NOT NULL UNIQUE,
    size          bigint  NOT NULL,
    modified_ms   bigint  NOT NULL,
    changed_ms    bigint  NOT NULL DEFAULT 0,
    content_hash  bytea   NOT NULL,
    encoding      text    NOT NULL,
    indexed_at_ms bigint  NOT NULL,
    passage_count integer NOT NULL
);
CREATE INDEX documents_by_content_hash ON documents(content_hash);
CREATE INDEX documents_by_source ON documents(source);

CREATE TABLE passages (
    id          bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_id bigint  NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal     integer NOT NULL,
    byte_start  bigint  NOT NULL,
    byte_end    bigint  NOT NULL,
    line        integer NOT NULL,
    page        integer NOT NULL DEFAULT 0,
    section     text    NOT NULL DEFAULT '',
    text        text    NOT NULL,
    vector      bytea   NOT NULL CHECK (octet_length(vector) % 4 = 0)
);
ALTER TABLE passages ALTER COLUMN vector SET STORAGE EXTERNAL;
CREATE INDEX passages_by_document ON passages(document_id);

CREATE TABLE skipped (
    path    text   PRIMARY KEY,
    source  text   NOT NULL REFERENCES sources(path) ON DELETE CASCADE,
    machine text   NOT NULL,
    reason  text   NOT NULL,
    at_ms   bigint NOT NULL
);

CREATE TABLE changes (
    generation   bigint      PRIMARY KEY CHECK (generation > 0),
    machine      text        NOT NULL,
    committed_at timestamptz NOT NULL DEFAULT now(),
    added        bigint[]    NOT NULL DEFAULT '{}',
    removed      bigint[]    NOT NULL DEFAULT '{}'
);
)sql";

// Version 2: keyword search on the server (shared_keyword_search.h). Each passage's words as
// a tsvector kept by PostgreSQL itself (a generated column: no writer can forget it or write it
// differently), with a GIN index for @@.
//
// The 'simple' configuration lowercases and does not stem or drop stop words: documents are in
// any language, and the local keyword index (store/keyword_tokenizer.h) does not stem either.
// Where the two still differ:
//  - diacritics: the local index removes them ("Elan" finds "Élan"); 'simple' keeps them, so
//    only "élan" finds "Élan" here.
//  - case beyond ASCII follows the database's LC_CTYPE: a database created with LC_CTYPE 'C'
//    folds only A-Z; one with a UTF-8 locale (e.g. C.UTF-8) folds "ПРИВЕТ" to "привет".
//  - identifiers: PostgreSQL's parser cuts "snake_case" into "snake" and "case" only (no whole
//    token), keeps "CamelCase" whole only, "x-ray" whole and in parts, and hosts, file paths,
//    e-mail addresses and version numbers ("v1.2.3") as single tokens; the local index keeps
//    identifiers whole and in parts.
//  - scripts written without spaces (Chinese, Japanese): one token per run of such characters,
//    as locally: a word inside a run is not found on its own.
// The GIN index without its pending list (fastupdate = off): with it, every search scans the
// words inserted since the last vacuum (up to 4 MB), which took a search for a rare word from
// 0.3 ms to 10 ms at 100k passages. Writers pay instead (bench_shared_index at 100k on 2 busy
// cores, two runs minutes apart, so only roughly: a batch of 512 passages 530 ms against 210 ms
// p50), which is small beside embedding those passages, and they index in the background while
// people wait for searches.
// Adding the column rewrites the passages table once, in the upgrade's transaction.
constexpr const char* kVersion2 = R"sql(
ALTER TABLE passages
    ADD COLUMN words tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, text)) STORED;
CREATE INDEX passages_by_words ON passages USING gin (words) WITH (fastupdate = off);
)sql";

// Version 3: re-embedding (shared_index_reembed.h). The new vectors wait in a staging table
// until every passage has one, then replace the old ones in one transaction: searchers never
// see vectors of two models or precisions at once, and a killed re-embed keeps what it staged.
// A staged vector goes with its passage (ON DELETE CASCADE). changes.every_vector marks the
// commit that replaced every vector: a searcher's cache then refills instead of applying ids.
constexpr const char* kVersion3 = R"sql(
CREATE TABLE passage_vectors_next (
    passage_id bigint PRIMARY KEY REFERENCES passages(id) ON DELETE CASCADE,
    vector     bytea  NOT NULL CHECK (octet_length(vector) % 4 = 0)
);
ALTER TABLE passage_vectors_next ALTER COLUMN vector SET STORAGE EXTERNAL;
ALTER TABLE changes ADD COLUMN every_vector boolean NOT NULL DEFAULT false;
)sql";

Error newerSchemaError(PgConnection& connection, int version, int known) {
    return connection.error(ErrorCode::Unsupported,
                            QStringLiteral("the shared index has schema version %1, newer than "
                                           "this semsearch understands (%2); use a newer "
                                           "semsearch")
                                .arg(version)
                                .arg(known));
}

int lastVersion(const std::vector<PgMigration>& migrations) {
    return migrations.empty() ? 0 : migrations.back().version;
}

Result<void> applyMigrations(PgConnection& connection, const std::vector<PgMigration>& migrations) {
    // The lock first, then the version: another machine may have created or upgraded the
    // schema while we waited for it, and each statement of a READ COMMITTED transaction sees
    // what committed before it started.
    if (auto locked = connection.execute("SELECT pg_advisory_xact_lock($1, 0)",
                                         {PgParam::integer(kSchemaLockClass)});
        !locked)
        return locked.error();
    auto version = sharedIndexVersion(connection);
    if (!version)
        return version.error();
    if (*version > lastVersion(migrations))
        return newerSchemaError(connection, *version, lastVersion(migrations));
    for (const PgMigration& step : migrations) {
        if (step.version <= *version)
            continue;
        if (auto applied = connection.executeScript(step.sql); !applied) {
            const Error& error = applied.error();
            return makeError(error.code,
                             error.message + QStringLiteral(" (creating schema version %1, %2)")
                                                 .arg(step.version)
                                                 .arg(QString::fromUtf8(step.description)));
        }
        if (auto set =
                connection.execute("INSERT INTO meta(key, value) VALUES ('schema_version', $1) "
                                   "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                                   {PgParam::integer(step.version)});
            !set)
            return set.error();
    }
    return {};
}

} // namespace

const std::vector<PgMigration>& sharedIndexMigrations() {
    static const std::vector<PgMigration> migrations = {
        {1, "initial schema", kVersion1},
        {2, "keyword search", kVersion2},
        {3, "re-embedding", kVersion3},
    };
    return migrations;
}

int currentSharedIndexVersion() {
    return lastVersion(sharedIndexMigrations());
}

Result<int> sharedIndexVersion(PgConnection& connection) {
    // pg_class read with the statement's own snapshot, not to_regclass(): name lookups go
    // through the session's catalog cache, which keeps "no such table" until the session next
    // accepts invalidations. A creator that looked before waiting for the schema lock would
    // still not see the tables another machine created meanwhile, and fail creating them again
    // (test_pg_schema's concurrent creators did).
    auto meta =
        connection.query("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class WHERE relname = 'meta' "
                         "AND relnamespace = current_schema()::regnamespace)");
    if (!meta)
        return meta.error();
    if (!meta->boolean(0, 0))
        return 0;
    auto version = connection.query("SELECT value FROM meta WHERE key = 'schema_version'");
    if (!version)
        return version.error();
    bool ok = false;
    const int number = version->rowCount() == 1 ? version->text(0, 0).toInt(&ok) : 0;
    if (!ok || number <= 0)
        return connection.error(ErrorCode::Unsupported,
                                QStringLiteral("the database has a table named meta but is not "
                                               "a semsearch shared index"));
    return number;
}

Result<void> migrateSharedIndex(PgConnection& connection,
                                const std::vector<PgMigration>& migrations) {
    // The common case, an index already current, takes no lock.
    auto version = sharedIndexVersion(connection);
    if (!version)
        return version.error();
    if (*version == lastVersion(migrations) && *version > 0)
        return {};
    if (*version > lastVersion(migrations))
        return newerSchemaError(connection, *version, lastVersion(migrations));

    if (auto begun = connection.executeScript("BEGIN"); !begun)
        return begun.error();
    Result<void> applied = applyMigrations(connection, migrations);
    if (applied)
        applied = connection.executeScript("COMMIT");
    if (!applied) {
        // Nothing to add when the rollback fails too: the server drops the transaction with the
        // connection.
        (void)connection.executeScript("ROLLBACK");
        return applied.error();
    }
    return {};
}

Result<void> requireCurrentSharedIndex(PgConnection& connection,
                                       const std::vector<PgMigration>& migrations) {
    auto version = sharedIndexVersion(connection);
    if (!version)
        return version.error();
    const int current = lastVersion(migrations);
    if (*version > current)
        return newerSchemaError(connection, *version, current);
    if (*version == 0)
        return connection.error(ErrorCode::NotFound,
                                QStringLiteral("no shared index here yet (nothing was indexed "
                                               "into this database)"));
    if (*version < current)
        return connection.error(ErrorCode::Unsupported,
                                QStringLiteral("the shared index has schema version %1 and needs "
                                               "an upgrade to version %2, which only a writer "
                                               "can do; index into it once with a role that "
                                               "may write")
                                    .arg(*version)
                                    .arg(current));
    return {};
}

Result<PgConnection> openCurrentSharedIndex(const QString& location) {
    auto connection = PgConnection::open(location);
    if (!connection)
        return connection.error();
    if (auto current = requireCurrentSharedIndex(*connection); !current)
        return current.error();
    return connection;
}

Result<PgConnection> openWritableSharedIndex(const QString& location) {
    auto connection = PgConnection::open(location);
    if (!connection)
        return connection.error();
    if (auto migrated = migrateSharedIndex(*connection); !migrated)
        return migrated.error();
    return connection;
}

} // namespace semsearch
