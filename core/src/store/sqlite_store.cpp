// SqliteStore: opening, transactions, metadata, skipped files and the health check. Documents,
// passages and vectors are in sqlite_store_documents.cpp, the shared internals in
// sqlite_store_impl.{h,cpp}.

#include "semsearch/store.h"

#include "store/keyword_tokenizer.h"
#include "store/schema.h"
#include "store/sqlite_statement.h"
#include "store/sqlite_store_impl.h"
#include "store/store_check.h"

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

// Long enough for any single commit of a batch (tens of ms) and for WAL's short exclusive
// moments (recovery after a crash, a checkpoint resetting the log), so that a reader never sees
// "database is locked"; short enough that a second writer gets a clear Busy instead of a hang.
constexpr int kBusyTimeoutMs = 5000;

bool sameModel(const ModelIdentity& a, const ModelIdentity& b) {
    return a.name == b.name && a.dimension == b.dimension && a.pooling == b.pooling &&
           a.normalize == b.normalize && a.weightsFingerprint == b.weightsFingerprint;
}

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

} // namespace

Result<std::unique_ptr<SqliteStore::Impl>>
SqliteStore::Impl::connect(const QString& file, StoreMode mode, bool immutable) {
    auto impl = std::make_unique<Impl>();
    impl->path = file;
    impl->mode = mode;
    impl->immutable = immutable;
    // NOMUTEX: a store is used from one thread at a time, so SQLite's own locking is not needed.
    const int flags = (mode == StoreMode::ReadOnly ? SQLITE_OPEN_READONLY
                                                   : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                      SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
    // A URI, so that no character of the path is taken for URI syntax: '%' and '?' escaped.
    const QByteArray uri = "file:" + QFile::encodeName(file).toPercentEncoding("/") +
                           (immutable ? "?immutable=1" : "");
    const int rc = sqlite3_open_v2(uri.constData(), &impl->db, flags, nullptr);
    if (rc != SQLITE_OK)
        return sqliteError(impl->db, rc, file, QStringLiteral("cannot open"));
    sqlite3_busy_timeout(impl->db, kBusyTimeoutMs);

    // Opening reads nothing; the first statement below reads the file header, and a file that
    // is not an SQLite database fails there: "<file>: file is not a database" (Corrupt).
    if (mode == StoreMode::ReadWrite) {
        // WAL: readers work on the last committed state while the writer commits, so searching
        // and indexing can run at the same time, and a commit is one sequential append.
        // The mode is stored in the file, so read-only connections get it too.
        auto journal = SqliteStatement::prepare(impl->db, "PRAGMA journal_mode = WAL", file);
        if (!journal)
            return journal.error();
        auto row = journal->step();
        if (!row)
            return row.error();
        if (!*row || journal->columnText(0).compare(QLatin1String("wal"), Qt::CaseInsensitive))
            return makeError(ErrorCode::Io,
                             file + QStringLiteral(": cannot switch the database to WAL mode "
                                                   "(a file system without shared memory "
                                                   "support?)"));
    }
    // synchronous=NORMAL: in WAL mode a commit is complete once it is in the log file, without
    // waiting for fsync, so a crash of the process (killed, out of memory) never loses a
    // committed transaction, and the database stays consistent in every case. Only a power cut
    // or kernel crash can lose the last transactions before the next checkpoint: for an index
    // that is rebuilt from the files, that is worth the fsync per commit FULL would cost.
    // Foreign keys: passages go with their document (ON DELETE CASCADE) and can never point
    // at a missing one; SQLite leaves them off unless asked, per connection.
    if (auto set =
            executeSql(impl->db, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON", file);
        !set)
        return set.error();

    // Before the schema: the keyword index's table and triggers need its tokenizer.
    if (auto tokenizer = registerKeywordTokenizer(impl->db, file); !tokenizer)
        return tokenizer.error();
    Result<void> schema = mode == StoreMode::ReadWrite ? migrateSchema(impl->db, file)
                                                       : requireCurrentSchema(impl->db, file);
    if (!schema)
        return schema.error();
    return Result<std::unique_ptr<Impl>>(std::move(impl));
}

SqliteStore::SqliteStore(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

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

    auto impl = Impl::connect(file, mode, false);
    // A reader of a WAL database needs its -shm file, and creates it when no other connection
    // has: in a folder it may not write (a shared, packaged or backed-up index) that fails
    // ("attempt to write a readonly database", or cannot open). No -shm also means no writer
    // about to coordinate with, so it reads the file as it stands instead.
    if (!impl && impl.error().code == ErrorCode::Io && mode == StoreMode::ReadOnly) {
        if (auto snapshot = Impl::connect(file, mode, true))
            impl = std::move(snapshot);
    }
    if (!impl)
        return impl.error();
    return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(impl).value()));
}

const QString& SqliteStore::path() const {
    return m_impl->path;
}

StoreMode SqliteStore::mode() const {
    return m_impl->mode;
}

bool SqliteStore::readsSnapshot() const {
    return m_impl->immutable;
}

bool SqliteStore::inTransaction() const {
    return m_impl->inTransaction;
}

// --- Transactions ------------------------------------------------------------------------------

Result<void> SqliteStore::begin() {
    assert(!m_impl->inTransaction && "nested SqliteStore::begin()");
    if (m_impl->inTransaction)
        return makeError(ErrorCode::InvalidArgument,
                         m_impl->path + QStringLiteral(": a transaction is already open"));
    // IMMEDIATE takes the write lock now, waiting through the busy timeout; a deferred
    // transaction that reads first could not upgrade to writing once another writer committed.
    auto begun = m_impl->run(m_impl->mode == StoreMode::ReadWrite ? "BEGIN IMMEDIATE" : "BEGIN");
    if (!begun)
        return begun;
    m_impl->inTransaction = true;
    m_impl->vectorsChanged = false;
    return {};
}

Result<void> SqliteStore::commit() {
    assert(m_impl->inTransaction && "SqliteStore::commit() without begin()");
    if (!m_impl->inTransaction)
        return makeError(ErrorCode::InvalidArgument,
                         m_impl->path + QStringLiteral(": commit without a transaction"));
    Result<void> done;
    if (m_impl->vectorsChanged)
        done = m_impl->bumpGeneration();
    if (done)
        done = m_impl->run("COMMIT");
    if (!done && !m_impl->autocommit())
        sqlite3_exec(m_impl->db, "ROLLBACK", nullptr, nullptr, nullptr);
    m_impl->inTransaction = false;
    m_impl->vectorsChanged = false;
    return done;
}

Result<void> SqliteStore::rollback() {
    if (!m_impl->inTransaction)
        return {};
    m_impl->inTransaction = false;
    m_impl->vectorsChanged = false;
    // After some errors SQLite has already rolled back by itself.
    if (m_impl->autocommit())
        return {};
    return m_impl->run("ROLLBACK");
}

// --- Metadata ----------------------------------------------------------------------------------

Result<std::optional<ModelIdentity>> SqliteStore::modelIdentity() {
    auto dimension = m_impl->metaInteger(kModelDimension);
    if (!dimension)
        return dimension.error();
    if (!*dimension)
        return std::optional<ModelIdentity>();
    auto dim = m_impl->dimension();
    if (!dim)
        return dim.error();
    ModelIdentity model;
    model.dimension = *dim;
    for (const auto& [key, field] :
         {std::pair{kModelName, &model.name}, std::pair{kModelPooling, &model.pooling},
          std::pair{kModelFingerprint, &model.weightsFingerprint}}) {
        auto value = m_impl->metaValue(key);
        if (!value)
            return value.error();
        *field = value->value_or(QString());
    }
    auto normalize = m_impl->metaValue(kModelNormalize);
    if (!normalize)
        return normalize.error();
    model.normalize = *normalize == QStringLiteral("1");
    return std::optional<ModelIdentity>(model);
}

Result<void> SqliteStore::setModelIdentity(const ModelIdentity& model) {
    if (model.name.isEmpty() || model.dimension <= 0)
        return makeError(ErrorCode::InvalidArgument,
                         m_impl->path + QStringLiteral(": a model identity needs a name and a "
                                                       "positive dimension"));
    Impl::WriteScope scope(*m_impl);
    if (auto started = scope.start(); !started)
        return started;
    auto current = modelIdentity();
    if (!current)
        return current.error();
    if (*current && sameModel(**current, model))
        return scope.finish(false);
    if (*current) {
        auto any = m_impl->query("SELECT EXISTS (SELECT 1 FROM passages)");
        if (!any)
            return any.error();
        auto row = (*any)->step();
        if (!row)
            return row.error();
        if ((*any)->columnInt64(0) != 0)
            return makeError(ErrorCode::Mismatch,
                             m_impl->path +
                                 QStringLiteral(": holds vectors of the model '%1' (%2 "
                                                "dimensions); remove its documents before "
                                                "recording the model '%3' (%4 dimensions)")
                                     .arg((*current)->name)
                                     .arg((*current)->dimension)
                                     .arg(model.name)
                                     .arg(model.dimension));
    }
    const std::pair<QString, QString> values[] = {
        {kModelName, model.name},
        {kModelDimension, QString::number(model.dimension)},
        {kModelPooling, model.pooling},
        {kModelNormalize, model.normalize ? QStringLiteral("1") : QStringLiteral("0")},
        {kModelFingerprint, model.weightsFingerprint},
    };
    for (const auto& [key, value] : values)
        if (auto set = m_impl->setMetaValue(key, value); !set)
            return set;
    // Vectors from before (there are none now) and a cache of the old width are void.
    return scope.finish(true);
}

Result<std::int64_t> SqliteStore::vectorGeneration() {
    auto value = m_impl->metaInteger(kGenerationKey);
    if (!value)
        return value.error();
    return value->value_or(0);
}

Result<std::optional<std::int64_t>> SqliteStore::savedIndexGeneration() {
    return m_impl->metaInteger(kSavedGenerationKey);
}

Result<void> SqliteStore::setSavedIndexGeneration(std::int64_t generation) {
    Impl::WriteScope scope(*m_impl);
    if (auto started = scope.start(); !started)
        return started;
    if (auto set = m_impl->setMetaValue(kSavedGenerationKey, QString::number(generation)); !set)
        return set;
    return scope.finish(false);
}

Result<std::optional<QString>> SqliteStore::meta(const QString& key) {
    return m_impl->metaValue(key);
}

Result<void> SqliteStore::setMeta(const QString& key, const QString& value) {
    if (key.isEmpty() || key == kGenerationKey || key == kSavedGenerationKey ||
        key.startsWith(kModelKeyPrefix))
        return makeError(ErrorCode::InvalidArgument,
                         m_impl->path +
                             QStringLiteral(": the metadata key '%1' is reserved").arg(key));
    Impl::WriteScope scope(*m_impl);
    if (auto started = scope.start(); !started)
        return started;
    if (auto set = m_impl->setMetaValue(key, value); !set)
        return set;
    return scope.finish(false);
}

// --- Skipped files -----------------------------------------------------------------------------

Result<void> SqliteStore::recordSkipped(const QString& path, const QString& reason) {
    if (auto valid = requireAbsolutePath(m_impl->path, path); !valid)
        return valid;
    Impl::WriteScope scope(*m_impl);
    if (auto started = scope.start(); !started)
        return started;
    auto q = m_impl->query("INSERT OR REPLACE INTO skipped(path, reason, at_ms) "
                           "VALUES (?1, ?2, ?3)");
    if (!q)
        return q.error();
    (*q)->bind(1, path);
    (*q)->bind(2, reason);
    (*q)->bind(3, nowMs());
    if (auto done = (*q)->run(); !done)
        return done;
    return scope.finish(false);
}

Result<void> SqliteStore::clearSkipped(const QString& path) {
    if (auto valid = requireAbsolutePath(m_impl->path, path); !valid)
        return valid;
    Impl::WriteScope scope(*m_impl);
    if (auto started = scope.start(); !started)
        return started;
    if (auto done = m_impl->deleteUnder("DELETE FROM skipped",
                                        "DELETE FROM skipped WHERE " SEMSEARCH_UNDER("path"), path);
        !done)
        return done;
    return scope.finish(false);
}

Result<std::vector<SkippedRecord>> SqliteStore::skippedFiles() {
    auto q = m_impl->query("SELECT path, reason, at_ms FROM skipped ORDER BY path");
    if (!q)
        return q.error();
    return collectAll<SkippedRecord>(**q, [](SqliteStatement& row) {
        return SkippedRecord{row.columnText(0), row.columnText(1), row.columnInt64(2)};
    });
}

Result<StoreCounts> SqliteStore::counts() {
    auto q = m_impl->query("SELECT (SELECT count(*) FROM documents), "
                           "(SELECT count(*) FROM passages), (SELECT count(*) FROM skipped)");
    if (!q)
        return q.error();
    auto row = (*q)->step();
    if (!row)
        return row.error();
    StoreCounts counts;
    counts.documents = (*q)->columnInt64(0);
    counts.passages = (*q)->columnInt64(1);
    counts.skipped = (*q)->columnInt64(2);
    return counts;
}

Result<QString> SqliteStore::quickCheck() {
    auto q = SqliteStatement::prepare(m_impl->db, "PRAGMA quick_check(1)", m_impl->path);
    Result<bool> row = q ? q->step() : Result<bool>(q.error());
    if (!row) {
        if (row.error().code != ErrorCode::Corrupt)
            return row.error();
        // "<file>: <SQLite's message>"
        return row.error().message.mid(m_impl->path.size() + 2);
    }
    const QStringList lines = sqliteReportLines(*row ? q->columnText(0) : QString());
    return lines.isEmpty() ? QString() : lines.front();
}

Result<QStringList> SqliteStore::check() {
    ProblemList problems;
    int dimension = 0;
    auto identity = modelIdentity();
    if (identity && *identity)
        dimension = (*identity)->dimension;
    else if (!identity && identity.error().code == ErrorCode::Corrupt)
        problems.add(identity.error().message);
    else if (!identity)
        return identity.error();
    for (QLatin1String key : {kGenerationKey, kSavedGenerationKey}) {
        auto value = m_impl->metaInteger(key);
        if (!value && value.error().code != ErrorCode::Corrupt)
            return value.error();
        if (!value)
            problems.add(value.error().message);
        else if (key == kGenerationKey && !*value)
            problems.add(m_impl->path + QStringLiteral(": the vector generation is missing"));
    }
    if (auto checked = checkStoreDatabase(m_impl->db, m_impl->path, dimension, problems); !checked)
        return checked.error();
    return problems.lines();
}

} // namespace semsearch
