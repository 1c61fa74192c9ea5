#pragma once

// One connection to the PostgreSQL server of a shared index, and the rows of one query: the
// only place libpq is called from (its header stays in pg_connection.cpp). Owns its PGconn and
// each PgRows its PGresult; both are freed on destruction. A connection is used by one thread
// at a time; two threads open two connections.
//
// Connecting: open() takes a location (see shared_index_location.h) and adds a connect timeout
// and an application_name that names this process ("semsearch <hostname> <pid>"), which other
// machines see as the holder of a source's lease. The location may set its own connect_timeout;
// it cannot change the application_name. Credentials follow libpq's conventions (~/.pgpass,
// PGPASSWORD, PGSERVICE, PGSSLMODE, ...): semsearch never reads or keeps a password itself.
//
// Queries are parameterised ($1, $2, ...): user text never becomes part of SQL. Results come in
// text form; bytea columns are decoded by PgRows::bytes().
//
// Errors: one line, "<location without password>: <problem>", with these codes:
//   Io               the server cannot be reached (connection refused, timeout, unknown host)
//                    or went away during the session (restarted, connection terminated)
//   InvalidArgument  the server refused the credentials (wrong password, no password, unknown
//                    role), or the role may not do what was asked (permission denied, e.g. a
//                    read-only role writing); also a malformed location
//   NotFound         the database named in the location does not exist
//   Busy             a lock was not available, a serialisation failure or a deadlock
//   Internal         anything else the server reports (its SQLSTATE is in the message)

#include "semsearch/error.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <memory>
#include <vector>

// libpq's own types (PGconn, PGresult are typedefs of these), declared so that this header
// need not include libpq-fe.h.
struct pg_conn;
struct pg_result;

namespace semsearch {

// A value bound to one $n of a query.
struct PgParam {
    QByteArray value;
    bool binary = false; // sent as raw bytes (bytea) rather than text
    bool null = false;

    static PgParam text(const QString& text);
    static PgParam integer(std::int64_t number);
    static PgParam bytes(const QByteArray& bytes);
    // A bigint[] in PostgreSQL's text form, "{1,2,3}" (cast it: $1::bigint[]), in the given order.
    static PgParam integers(const std::vector<std::int64_t>& numbers);
    // A text[] likewise ($1::text[]); each element quoted, so any text is a plain value.
    static PgParam texts(const QStringList& texts);
    static PgParam none();
};

// The rows a query returned. Reading a row or column out of range is a bug.
class PgRows {
public:
    int rowCount() const;
    int columnCount() const;
    bool isNull(int row, int column) const;
    QString text(int row, int column) const;              // "" for NULL
    std::int64_t integer(int row, int column) const;      // 0 for NULL
    std::vector<std::int64_t> integers(int column) const; // the column's values, row by row
    QByteArray bytes(int row, int column) const;          // a bytea column's bytes; empty for NULL
    bool boolean(int row, int column) const;              // PostgreSQL's 't'; false for NULL

private:
    friend class PgConnection;
    struct Free {
        void operator()(pg_result* result) const;
    };
    std::unique_ptr<pg_result, Free> m_result;
};

struct PgConnectOptions {
    int connectTimeoutSeconds = 10; // used unless the location sets connect_timeout
    QString applicationName;        // empty = defaultApplicationName()
};

class PgConnection {
public:
    static Result<PgConnection> open(const QString& location, const PgConnectOptions& options = {});

    // "semsearch <hostname> <pid>": who this process is, for other machines to read.
    static QString defaultApplicationName();

    // The location as given to open(), without its password (displayLocation()).
    const QString& location() const { return m_location; }

    Result<PgRows> query(const char* sql, const std::vector<PgParam>& params = {});
    // As query(), the rows discarded.
    Result<void> execute(const char* sql, const std::vector<PgParam>& params = {});
    // Several statements separated by ';', without parameters: the schema's fixed SQL only.
    Result<void> executeScript(const char* sql);

    // The server process serving this connection (pg_backend_pid()).
    int serverPid() const;
    // False once the server has gone away (the connection is then unusable).
    bool isOpen() const;

    // Notifications (LISTEN/NOTIFY). The socket to watch for readability (-1 when closed);
    // when it is readable, notifications() reads what arrived without waiting and returns the
    // payloads of every notification received so far on `channel`, oldest first (those of
    // other channels are dropped). Io when the connection was lost.
    int socket() const;
    Result<std::vector<QString>> notifications(const QString& channel);

    // An error of this connection: "<location>: <problem>".
    Error error(ErrorCode code, const QString& problem) const;

private:
    PgConnection() = default;
    struct Free {
        void operator()(pg_conn* connection) const;
    };
    // `sql` is the statement that gave `result`: a refused read and a refused write are told
    // apart in the message.
    Result<PgRows> finish(pg_result* result, const char* sql);

    std::unique_ptr<pg_conn, Free> m_connection;
    QString m_location;
};

} // namespace semsearch
