#include "store/sqlite_statement.h"

#include <sqlite3.h>

#include <utility>

namespace semsearch {

Error sqliteError(sqlite3* db, int rc, const QString& file, const QString& what) {
    // sqlite3_errmsg describes the last failure on the connection, which is more specific than
    // the generic text of the code ("file is not a database", "UNIQUE constraint failed: ...").
    const char* detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    if (!detail || !*detail)
        detail = sqlite3_errstr(rc);
    ErrorCode code = ErrorCode::Internal;
    switch (rc & 0xff) {
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
        code = ErrorCode::Corrupt;
        break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        code = ErrorCode::Busy;
        break;
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_PERM:
    case SQLITE_READONLY:
        code = ErrorCode::Io;
        break;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
    case SQLITE_TOOBIG:
        code = ErrorCode::InvalidArgument;
        break;
    default:
        break;
    }
    QString message = file + QStringLiteral(": ");
    if (!what.isEmpty())
        message += what + QStringLiteral(": ");
    message += QString::fromUtf8(detail);
    return makeError(code, message);
}

Result<void> executeSql(sqlite3* db, const char* sql, const QString& file) {
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK)
        return sqliteError(db, rc, file, QString());
    return {};
}

Result<SqliteStatement> SqliteStatement::prepare(sqlite3* db, std::string_view sql,
                                                 const QString& file, bool persistent) {
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v3(db, sql.data(), int(sql.size()),
                                      persistent ? SQLITE_PREPARE_PERSISTENT : 0, &raw, nullptr);
    if (rc != SQLITE_OK) {
        Error error = sqliteError(db, rc, file, QString());
        sqlite3_finalize(raw);
        return error;
    }
    SqliteStatement statement;
    statement.m_statement = raw;
    statement.m_file = file;
    return statement;
}

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : m_statement(std::exchange(other.m_statement, nullptr)), m_file(std::move(other.m_file)),
      m_bindError(other.m_bindError) {}

SqliteStatement& SqliteStatement::operator=(SqliteStatement&& other) noexcept {
    if (this != &other) {
        sqlite3_finalize(m_statement);
        m_statement = std::exchange(other.m_statement, nullptr);
        m_file = std::move(other.m_file);
        m_bindError = other.m_bindError;
    }
    return *this;
}

SqliteStatement::~SqliteStatement() {
    sqlite3_finalize(m_statement);
}

void SqliteStatement::noteBindResult(int rc) {
    if (rc != SQLITE_OK && m_bindError == 0)
        m_bindError = rc;
}

void SqliteStatement::bind(int index, std::int64_t value) {
    noteBindResult(sqlite3_bind_int64(m_statement, index, value));
}

void SqliteStatement::bind(int index, const QString& value) {
    const QByteArray utf8 = value.toUtf8();
    // A null data pointer would bind NULL; "" keeps empty text distinct from a missing value.
    noteBindResult(utf8.isEmpty() ? sqlite3_bind_text(m_statement, index, "", 0, SQLITE_STATIC)
                                  : sqlite3_bind_text64(m_statement, index, utf8.constData(),
                                                        sqlite3_uint64(utf8.size()),
                                                        SQLITE_TRANSIENT, SQLITE_UTF8));
}

void SqliteStatement::bind(int index, const QByteArray& value) {
    noteBindResult(value.isEmpty()
                       ? sqlite3_bind_zeroblob(m_statement, index, 0)
                       : sqlite3_bind_blob64(m_statement, index, value.constData(),
                                             sqlite3_uint64(value.size()), SQLITE_TRANSIENT));
}

void SqliteStatement::bindStaticBlob(int index, const void* data, std::size_t size) {
    noteBindResult(size == 0 ? sqlite3_bind_zeroblob(m_statement, index, 0)
                             : sqlite3_bind_blob64(m_statement, index, data, sqlite3_uint64(size),
                                                   SQLITE_STATIC));
}

Result<bool> SqliteStatement::step() {
    if (m_bindError != 0)
        return sqliteError(nullptr, m_bindError, m_file, QStringLiteral("cannot bind a value"));
    const int rc = sqlite3_step(m_statement);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    return sqliteError(sqlite3_db_handle(m_statement), rc, m_file, QString());
}

Result<void> SqliteStatement::run() {
    for (;;) {
        auto stepped = step();
        if (!stepped)
            return stepped.error();
        if (!*stepped)
            return {};
    }
}

void SqliteStatement::reset() {
    // sqlite3_reset repeats the last step's error code; that error was already reported.
    sqlite3_reset(m_statement);
    sqlite3_clear_bindings(m_statement);
    m_bindError = 0;
}

double SqliteStatement::columnDouble(int column) const {
    return sqlite3_column_double(m_statement, column);
}

std::int64_t SqliteStatement::columnInt64(int column) const {
    return sqlite3_column_int64(m_statement, column);
}

QString SqliteStatement::columnText(int column) const {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(m_statement, column));
    if (!text)
        return QString();
    return QString::fromUtf8(text, sqlite3_column_bytes(m_statement, column));
}

QByteArray SqliteStatement::columnBlob(int column) const {
    const void* data = sqlite3_column_blob(m_statement, column);
    if (!data)
        return QByteArray();
    return QByteArray(static_cast<const char*>(data), sqlite3_column_bytes(m_statement, column));
}

const void* SqliteStatement::columnBlobData(int column) const {
    return sqlite3_column_blob(m_statement, column);
}

int SqliteStatement::columnBytes(int column) const {
    return sqlite3_column_bytes(m_statement, column);
}

bool SqliteStatement::columnIsNull(int column) const {
    return sqlite3_column_type(m_statement, column) == SQLITE_NULL;
}

sqlite3* SqliteStatement::database() const {
    return sqlite3_db_handle(m_statement);
}

} // namespace semsearch
