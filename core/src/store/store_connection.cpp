#include "store/store_connection.h"

#include "store/keyword_tokenizer.h"
#include "store/meta_table.h"
#include "store/schema.h"

#include <sqlite3.h>

#include <QDateTime>
#include <QDir>
#include <QFile>

namespace semsearch {

namespace {

// Long enough for any single commit of a batch (tens of ms) and for WAL's short exclusive
// moments (recovery after a crash, a checkpoint resetting the log), so that a reader never sees
// "database is locked"; short enough that a second writer gets a clear Busy instead of a hang.
constexpr int kBusyTimeoutMs = 5000;

// WAL: readers work on the last committed state while the writer commits, so searching and
// indexing can run at the same time, and a commit is one sequential append. The mode is stored
// in the file, so read-only connections get it too.
Result<void> switchToWal(sqlite3* db, const QString& file) {
    auto journal = SqliteStatement::prepare(db, "PRAGMA journal_mode = WAL", file);
    if (!journal)
        return journal.error();
    auto row = journal->step();
    if (!row)
        return row.error();
    if (!*row || journal->columnText(0).compare(QLatin1String("wal"), Qt::CaseInsensitive))
        return makeError(ErrorCode::Io, file + QStringLiteral(": cannot switch the database to "
                                                              "WAL mode (a file system without "
                                                              "shared memory support?)"));
    return {};
}

} // namespace

std::int64_t nowMs() {
    return QDateTime::currentMSecsSinceEpoch();
}

Error readOnlyError(const QString& file) {
    return makeError(ErrorCode::InvalidArgument,
                     file + QStringLiteral(": the index is open read-only"));
}

Result<void> requireAbsolutePath(const QString& file, const QString& path) {
    if (path.isEmpty() || !QDir::isAbsolutePath(path))
        return makeError(
            ErrorCode::InvalidArgument,
            file + QStringLiteral(": a document path must be absolute, not '%1'").arg(path));
    return {};
}

Result<std::unique_ptr<StoreConnection>> StoreConnection::connect(const QString& file,
                                                                  StoreMode mode, bool immutable) {
    auto connection = std::make_unique<StoreConnection>();
    connection->path = file;
    connection->mode = mode;
    connection->immutable = immutable;
    // NOMUTEX: a store is used from one thread at a time, so SQLite's own locking is not needed.
    const int flags = (mode == StoreMode::ReadOnly ? SQLITE_OPEN_READONLY
                                                   : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                      SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
    // A URI, so that no character of the path is taken for URI syntax: '%' and '?' escaped.
    const QByteArray uri = "file:" + QFile::encodeName(file).toPercentEncoding("/") +
                           (immutable ? "?immutable=1" : "");
    const int rc = sqlite3_open_v2(uri.constData(), &connection->db, flags, nullptr);
    if (rc != SQLITE_OK)
        return sqliteError(connection->db, rc, file, QStringLiteral("cannot open"));
    sqlite3_busy_timeout(connection->db, kBusyTimeoutMs);

    // Opening reads nothing; the first statement below reads the file header, and a file that
    // is not an SQLite database fails there: "<file>: file is not a database" (Corrupt).
    if (mode == StoreMode::ReadWrite)
        if (auto wal = switchToWal(connection->db, file); !wal)
            return wal.error();
    // synchronous=NORMAL: in WAL mode a commit is complete once it is in the log file, without
    // waiting for fsync, so a crash of the process (killed, out of memory) never loses a
    // committed transaction, and the database stays consistent in every case. Only a power cut
    // or kernel crash can lose the last transactions before the next checkpoint: for an index
    // that is rebuilt from the files, that is worth the fsync per commit FULL would cost.
    // Foreign keys: passages go with their document (ON DELETE CASCADE) and can never point
    // at a missing one; SQLite leaves them off unless asked, per connection.
    if (auto set = executeSql(connection->db,
                              "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON", file);
        !set)
        return set.error();

    // Before the schema: the keyword index's table and triggers need its tokenizer.
    if (auto tokenizer = registerKeywordTokenizer(connection->db, file); !tokenizer)
        return tokenizer.error();
    Result<void> schema = mode == StoreMode::ReadWrite ? migrateSchema(connection->db, file)
                                                       : requireCurrentSchema(connection->db, file);
    if (!schema)
        return schema.error();
    return Result<std::unique_ptr<StoreConnection>>(std::move(connection));
}

StoreConnection::~StoreConnection() {
    if (inTransaction)
        sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    statements.clear(); // finalize before closing
    sqlite3_close_v2(db);
}

Result<StatementUse> StoreConnection::query(std::string_view sql) {
    auto found = statements.find(sql);
    if (found == statements.end()) {
        auto prepared = SqliteStatement::prepare(db, sql, path, true);
        if (!prepared)
            return prepared.error();
        found = statements.emplace(sql, std::move(prepared).value()).first;
    }
    return StatementUse(found->second);
}

Result<void> StoreConnection::run(std::string_view sql) {
    auto statement = query(sql);
    if (!statement)
        return statement.error();
    return (*statement)->run();
}

std::int64_t StoreConnection::changes() const {
    return sqlite3_changes64(db);
}

std::int64_t StoreConnection::lastInsertId() const {
    return sqlite3_last_insert_rowid(db);
}

bool StoreConnection::autocommit() const {
    return sqlite3_get_autocommit(db) != 0;
}

StoreConnection::WriteScope::~WriteScope() {
    if (m_state == State::OwnTransaction)
        sqlite3_exec(m_connection.db, "ROLLBACK", nullptr, nullptr, nullptr);
    else if (m_state == State::Savepoint)
        sqlite3_exec(m_connection.db, "ROLLBACK TO store_call; RELEASE store_call", nullptr,
                     nullptr, nullptr);
}

Result<void> StoreConnection::WriteScope::start() {
    if (m_connection.mode == StoreMode::ReadOnly)
        return readOnlyError(m_connection.path);
    if (!m_connection.inTransaction) {
        if (auto begun = m_connection.run("BEGIN IMMEDIATE"); !begun)
            return begun.error();
        m_state = State::OwnTransaction;
        return {};
    }
    // SQLite ends a transaction by itself after some errors (disk full, I/O).
    if (m_connection.autocommit())
        return makeError(ErrorCode::Internal,
                         m_connection.path + QStringLiteral(": the transaction was ended by an "
                                                            "earlier error; roll it back"));
    if (auto saved = m_connection.run("SAVEPOINT store_call"); !saved)
        return saved.error();
    m_state = State::Savepoint;
    return {};
}

Result<void> StoreConnection::WriteScope::finish(bool vectorsChanged) {
    if (m_state == State::Savepoint) {
        if (auto released = m_connection.run("RELEASE store_call"); !released)
            return released.error();
        m_state = State::Done;
        m_connection.vectorsChanged = m_connection.vectorsChanged || vectorsChanged;
        return {};
    }
    if (vectorsChanged)
        if (auto bumped = bumpGeneration(m_connection); !bumped)
            return bumped.error();
    if (auto committed = m_connection.run("COMMIT"); !committed)
        return committed.error(); // the destructor rolls back
    m_state = State::Done;
    return {};
}

} // namespace semsearch
