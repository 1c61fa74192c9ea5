// SqliteStore: opening, transactions, totals and the health checks. What it holds is in its
// parts (sqlite_documents.cpp, sqlite_passages.cpp, sqlite_sources.cpp,
// sqlite_skipped_files.cpp, sqlite_index_metadata.cpp, sqlite_keywords.cpp), the connection they
// share in store_connection.{h,cpp}.

#include "semsearch/store.h"

#include "store/meta_table.h"
#include "store/path_range.h"
#include "store/sqlite_statement.h"
#include "store/store_check.h"
#include "store/store_connection.h"

#include <sqlite3.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <cassert>
#include <cerrno>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace semsearch {

namespace {

// The database and what SQLite creates beside it (-wal, -shm: SQLite gives those the
// database's permission bits) hold the text of every passage: a new database is private to its
// owner, whatever the umask. An existing one keeps the permissions its owner gave it.
Result<void> createPrivately(const QString& file) {
    const QByteArray native = QFile::encodeName(file);
    const int fd = ::open(native.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            return {};
        return makeError(ErrorCode::Io, file + QStringLiteral(": cannot create: ") +
                                            QString::fromLocal8Bit(std::strerror(errno)));
    }
    // fchmod, not the mode above, decides: the umask could have taken the owner's bits too.
    const bool made = ::fchmod(fd, 0600) == 0;
    const int error = errno;
    ::close(fd);
    if (!made)
        return makeError(ErrorCode::Io, file + QStringLiteral(": cannot set its permissions: ") +
                                            QString::fromLocal8Bit(std::strerror(error)));
    return {};
}

// The one row of a counts query: documents, passages, skipped files.
Result<StoreCounts> readCounts(SqliteStatement& statement) {
    auto row = statement.step();
    if (!row)
        return row.error();
    StoreCounts counts;
    counts.documents = statement.columnInt64(0);
    counts.passages = statement.columnInt64(1);
    counts.skipped = statement.columnInt64(2);
    return counts;
}

} // namespace

SqliteStore::SqliteStore(std::unique_ptr<StoreConnection> connection)
    : m_connection(std::move(connection)), m_documents(*m_connection), m_sources(*m_connection),
      m_skipped(*m_connection), m_metadata(*m_connection), m_keywords(*m_connection) {}

SqliteStore::~SqliteStore() = default;

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const QString& path, StoreMode mode) {
    const QFileInfo info(path);
    const QString file = info.absoluteFilePath();
    if (mode == StoreMode::ReadOnly && !info.exists())
        return makeError(ErrorCode::NotFound, file + QStringLiteral(": no such index file"));
    if (mode == StoreMode::ReadWrite && !info.absoluteDir().exists())
        return makeError(
            ErrorCode::NotFound,
            file + QStringLiteral(": the folder %1 does not exist").arg(info.absolutePath()));
    if (mode == StoreMode::ReadWrite)
        if (auto created = createPrivately(file); !created)
            return created.error();

    auto impl = StoreConnection::connect(file, mode, false);
    // A reader of a WAL database needs its -shm file, and creates it when no other connection
    // has: in a folder it may not write (a shared, packaged or backed-up index) that fails
    // ("attempt to write a readonly database", or cannot open). No -shm also means no writer
    // about to coordinate with, so it reads the file as it stands instead.
    if (!impl && impl.error().code == ErrorCode::Io && mode == StoreMode::ReadOnly) {
        if (auto snapshot = StoreConnection::connect(file, mode, true))
            impl = std::move(snapshot);
    }
    if (!impl)
        return impl.error();
    return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(impl).value()));
}

const QString& SqliteStore::path() const {
    return m_connection->path;
}

StoreMode SqliteStore::mode() const {
    return m_connection->mode;
}

bool SqliteStore::readsSnapshot() const {
    return m_connection->immutable;
}

bool SqliteStore::inTransaction() const {
    return m_connection->inTransaction;
}

// --- Transactions ------------------------------------------------------------------------------

Result<void> SqliteStore::begin() {
    assert(!m_connection->inTransaction && "nested SqliteStore::begin()");
    if (m_connection->inTransaction)
        return makeError(ErrorCode::InvalidArgument,
                         m_connection->path + QStringLiteral(": a transaction is already open"));
    // IMMEDIATE takes the write lock now, waiting through the busy timeout; a deferred
    // transaction that reads first could not upgrade to writing once another writer committed.
    auto begun =
        m_connection->run(m_connection->mode == StoreMode::ReadWrite ? "BEGIN IMMEDIATE" : "BEGIN");
    if (!begun)
        return begun;
    m_connection->inTransaction = true;
    m_connection->vectorsChanged = false;
    return {};
}

Result<void> SqliteStore::commit() {
    assert(m_connection->inTransaction && "SqliteStore::commit() without begin()");
    if (!m_connection->inTransaction)
        return makeError(ErrorCode::InvalidArgument,
                         m_connection->path + QStringLiteral(": commit without a transaction"));
    Result<void> done;
    if (m_connection->vectorsChanged)
        done = bumpGeneration(*m_connection);
    if (done)
        done = m_connection->run("COMMIT");
    if (!done && !m_connection->autocommit())
        sqlite3_exec(m_connection->db, "ROLLBACK", nullptr, nullptr, nullptr);
    m_connection->inTransaction = false;
    m_connection->vectorsChanged = false;
    return done;
}

Result<void> SqliteStore::rollback() {
    if (!m_connection->inTransaction)
        return {};
    m_connection->inTransaction = false;
    m_connection->vectorsChanged = false;
    // After some errors SQLite has already rolled back by itself.
    if (m_connection->autocommit())
        return {};
    return m_connection->run("ROLLBACK");
}

// --- Totals and checks ------------------------------------------------------------------------

Result<StoreCounts> SqliteStore::counts() {
    auto q = m_connection->query("SELECT (SELECT count(*) FROM documents), "
                                 "(SELECT count(*) FROM passages), (SELECT count(*) FROM skipped)");
    if (!q)
        return q.error();
    return readCounts(**q);
}

Result<StoreCounts> SqliteStore::countsUnder(const QString& prefix) {
    const PathRange range = pathRange(prefix);
    if (range.everything)
        return counts();
    auto q = m_connection->query("SELECT (SELECT count(*) FROM documents WHERE " SEMSEARCH_UNDER(
        "path") "), "
                "(SELECT coalesce(sum(passage_count), 0) FROM documents WHERE " SEMSEARCH_UNDER(
                    "path") "), "
                            "(SELECT count(*) FROM skipped WHERE " SEMSEARCH_UNDER("path") ")");
    if (!q)
        return q.error();
    bindRange(**q, range);
    return readCounts(**q);
}

Result<QString> SqliteStore::quickCheck() {
    auto q =
        SqliteStatement::prepare(m_connection->db, "PRAGMA quick_check(1)", m_connection->path);
    Result<bool> row = q ? q->step() : Result<bool>(q.error());
    if (!row) {
        if (row.error().code != ErrorCode::Corrupt)
            return row.error();
        // "<file>: <SQLite's message>"
        return row.error().message.mid(m_connection->path.size() + 2);
    }
    const QStringList lines = sqliteReportLines(*row ? q->columnText(0) : QString());
    return lines.isEmpty() ? QString() : lines.front();
}

Result<QStringList> SqliteStore::check() {
    ProblemList problems;
    int dimension = 0;
    auto identity = m_metadata.modelIdentity();
    if (identity && *identity)
        dimension = (*identity)->dimension;
    else if (!identity && identity.error().code == ErrorCode::Corrupt)
        problems.add(identity.error().message);
    else if (!identity)
        return identity.error();
    for (QLatin1String key : {kGenerationKey, kSavedGenerationKey}) {
        auto value = metaInteger(*m_connection, key);
        if (!value && value.error().code != ErrorCode::Corrupt)
            return value.error();
        if (!value)
            problems.add(value.error().message);
        else if (key == kGenerationKey && !*value)
            problems.add(m_connection->path + QStringLiteral(": the vector generation is missing"));
    }
    if (auto checked =
            checkStoreDatabase(m_connection->db, m_connection->path, dimension, problems);
        !checked)
        return checked.error();
    return problems.lines();
}

} // namespace semsearch
