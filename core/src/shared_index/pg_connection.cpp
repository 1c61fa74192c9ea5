#include "shared_index/pg_connection.h"

#include "semsearch/shared_index_location.h"
#include "shared_index/location_passwords.h"

#include <QCoreApplication>
#include <QSysInfo>

#include <libpq-fe.h>

#include <cstdlib>

namespace semsearch {

namespace {

// libpq's messages end in a newline and may run over several lines ("connection to server at
// ... failed: FATAL: ..."); an error here is one line.
QString oneLine(const char* message) {
    return QString::fromUtf8(message).simplified();
}

// Why a connection failed, from libpq's message: before the session starts the server's
// SQLSTATE is not available to a client, so the message is all there is. The phrases are
// libpq's and the server's in English (the tests' server runs with lc_messages=C); in another
// language, or anything unrecognised, the failure is Io with libpq's own words, which still
// name the problem. First match wins.
Error connectError(const QString& shown, const QString& location, const QString& detail) {
    struct Known {
        const char* phrase;
        ErrorCode code;
        const char* problem;
    };
    static const Known known[] = {
        {"password authentication failed", ErrorCode::InvalidArgument,
         "the server refused the user name or password"},
        {"no password supplied", ErrorCode::InvalidArgument,
         "the server asks for a password and none was found (~/.pgpass, PGPASSWORD or the "
         "location)"},
        // Before "does not exist": 'role "ann" does not exist' is an unknown user.
        {"role \"", ErrorCode::InvalidArgument, "the server does not know this user"},
        {"no pg_hba.conf entry", ErrorCode::InvalidArgument,
         "the server does not let this user in from this machine (pg_hba.conf)"},
        {"permission denied for database", ErrorCode::InvalidArgument,
         "this user may not connect to the database"},
        {"does not exist", ErrorCode::NotFound, "the database does not exist"},
        {"Connection refused", ErrorCode::Io,
         "no PostgreSQL server answers at this host and port (connection refused)"},
        {"timeout expired", ErrorCode::Io, "the server did not answer in time (connect timeout)"},
        {"could not translate host name", ErrorCode::Io, "the host name is not known"},
        {"invalid URI", ErrorCode::InvalidArgument, "not a valid PostgreSQL connection URI"},
        {"invalid percent-encoded", ErrorCode::InvalidArgument,
         "not a valid PostgreSQL connection URI"},
    };
    for (const Known& entry : known) {
        if (detail.contains(QLatin1String(entry.phrase)))
            return makeError(entry.code, shown + QStringLiteral(": ") +
                                             QString::fromUtf8(entry.problem) +
                                             QStringLiteral(" (") +
                                             withoutPasswords(detail, location) + QLatin1Char(')'));
    }
    return makeError(ErrorCode::Io, shown + QStringLiteral(": cannot connect (") +
                                        withoutPasswords(detail, location) + QLatin1Char(')'));
}

ErrorCode codeOfState(const QByteArray& state) {
    if (state == "42501")
        return ErrorCode::InvalidArgument; // insufficient_privilege
    if (state.startsWith("28"))
        return ErrorCode::InvalidArgument; // invalid authorization
    if (state == "3D000")
        return ErrorCode::NotFound; // invalid_catalog_name
    if (state == "55P03" || state == "40001" || state == "40P01")
        return ErrorCode::Busy; // lock_not_available, serialization_failure, deadlock
    if (state.startsWith("08") || state.startsWith("57"))
        return ErrorCode::Io; // connection exceptions, operator intervention (shutdown)
    if (state.startsWith("53"))
        return ErrorCode::Io; // insufficient resources (disk full, out of memory)
    if (state.startsWith("22") || state.startsWith("23"))
        return ErrorCode::InvalidArgument; // data exceptions, integrity constraints
    return ErrorCode::Internal;
}

} // namespace

PgParam PgParam::text(const QString& text) {
    return PgParam{text.toUtf8(), false, false};
}

PgParam PgParam::integer(std::int64_t number) {
    return PgParam{QByteArray::number(qlonglong(number)), false, false};
}

PgParam PgParam::bytes(const QByteArray& bytes) {
    return PgParam{bytes, true, false};
}

PgParam PgParam::integers(const std::vector<std::int64_t>& numbers) {
    QByteArray text = "{";
    for (std::size_t i = 0; i < numbers.size(); ++i) {
        if (i > 0)
            text += ',';
        text += QByteArray::number(qlonglong(numbers[i]));
    }
    text += '}';
    return PgParam{text, false, false};
}

PgParam PgParam::texts(const QStringList& texts) {
    QByteArray array = "{";
    for (qsizetype i = 0; i < texts.size(); ++i) {
        if (i > 0)
            array += ',';
        array += '"';
        for (char c : texts[i].toUtf8()) {
            if (c == '"' || c == '\\')
                array += '\\';
            array += c;
        }
        array += '"';
    }
    array += '}';
    return PgParam{array, false, false};
}

PgParam PgParam::none() {
    return PgParam{QByteArray(), false, true};
}

void PgRows::Free::operator()(pg_result* result) const {
    PQclear(result);
}

int PgRows::rowCount() const {
    return PQntuples(m_result.get());
}

int PgRows::columnCount() const {
    return PQnfields(m_result.get());
}

bool PgRows::isNull(int row, int column) const {
    return PQgetisnull(m_result.get(), row, column) != 0;
}

QString PgRows::text(int row, int column) const {
    return QString::fromUtf8(PQgetvalue(m_result.get(), row, column),
                             PQgetlength(m_result.get(), row, column));
}

std::int64_t PgRows::integer(int row, int column) const {
    return isNull(row, column) ? 0
                               : std::strtoll(PQgetvalue(m_result.get(), row, column), nullptr, 10);
}

std::vector<std::int64_t> PgRows::integers(int column) const {
    std::vector<std::int64_t> values(static_cast<std::size_t>(rowCount()));
    for (int row = 0; row < rowCount(); ++row)
        values[std::size_t(row)] = integer(row, column);
    return values;
}

QByteArray PgRows::bytes(int row, int column) const {
    if (isNull(row, column))
        return {};
    std::size_t length = 0;
    unsigned char* decoded = PQunescapeBytea(
        reinterpret_cast<const unsigned char*>(PQgetvalue(m_result.get(), row, column)), &length);
    if (decoded == nullptr)
        return {};
    QByteArray bytes(reinterpret_cast<const char*>(decoded), qsizetype(length));
    PQfreemem(decoded);
    return bytes;
}

bool PgRows::boolean(int row, int column) const {
    return !isNull(row, column) && *PQgetvalue(m_result.get(), row, column) == 't';
}

void PgConnection::Free::operator()(pg_conn* connection) const {
    PQfinish(connection);
}

QString PgConnection::defaultApplicationName() {
    return QStringLiteral("semsearch %1 %2")
        .arg(QSysInfo::machineHostName())
        .arg(QCoreApplication::applicationPid());
}

Result<PgConnection> PgConnection::open(const QString& location, const PgConnectOptions& options) {
    const QString shown = displayLocation(location);
    if (!isSharedIndexLocation(location))
        return makeError(ErrorCode::InvalidArgument,
                         shown + QStringLiteral(": not a PostgreSQL location (postgresql://...)"));
    const QByteArray timeout = QByteArray::number(options.connectTimeoutSeconds);
    const QByteArray uri = location.toUtf8();
    const QByteArray name =
        (options.applicationName.isEmpty() ? defaultApplicationName() : options.applicationName)
            .toUtf8();
    // libpq applies keywords in order and expands the URI where "dbname" stands: the timeout
    // before it is a default the URI may override, the application name after it is ours.
    const char* const keywords[] = {"connect_timeout", "dbname", "application_name", nullptr};
    const char* const values[] = {timeout.constData(), uri.constData(), name.constData(), nullptr};
    PgConnection connection;
    connection.m_location = shown;
    connection.m_connection.reset(PQconnectdbParams(keywords, values, 1));
    if (!connection.m_connection)
        return makeError(ErrorCode::Internal, shown + QStringLiteral(": out of memory"));
    if (PQstatus(connection.m_connection.get()) != CONNECTION_OK)
        return connectError(shown, location,
                            oneLine(PQerrorMessage(connection.m_connection.get())));
    // libpq prints the server's notices (NOTICE, WARNING) to stderr by default, which would
    // land in the CLI's output and the window's log; errors come back as values instead.
    PQsetNoticeProcessor(
        connection.m_connection.get(), [](void*, const char*) {}, nullptr);
    // Text of every language arrives and leaves as UTF-8, whatever the database's default.
    if (PQsetClientEncoding(connection.m_connection.get(), "UTF8") != 0)
        return connection.error(ErrorCode::Unsupported,
                                QStringLiteral("the server cannot send text as UTF-8"));
    return connection;
}

namespace {

// Whether `sql` only reads (SELECT, WITH, a cursor's DECLARE or FETCH): a role refused one
// lacks the right to read the index, not to change it.
bool isRead(const char* sql) {
    const QByteArray statement = QByteArray(sql).trimmed().toUpper();
    for (const char* verb : {"SELECT", "WITH", "DECLARE", "FETCH"})
        if (statement.startsWith(verb))
            return true;
    return false;
}

} // namespace

Error PgConnection::error(ErrorCode code, const QString& problem) const {
    return makeError(code, m_location + QStringLiteral(": ") + problem);
}

Result<PgRows> PgConnection::finish(pg_result* result, const char* sql) {
    PgRows rows;
    rows.m_result.reset(result);
    const ExecStatusType status = result == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(result);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
        return rows;
    pg_conn* connection = m_connection.get();
    if (PQstatus(connection) == CONNECTION_BAD) {
        const QString detail =
            oneLine(result == nullptr ? PQerrorMessage(connection) : PQresultErrorMessage(result));
        return error(ErrorCode::Io,
                     QStringLiteral("the connection to the server was lost (%1)").arg(detail));
    }
    if (result == nullptr)
        return error(ErrorCode::Internal, oneLine(PQerrorMessage(connection)));
    const QByteArray state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
    const QString primary = oneLine(PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY));
    if (state == "42501")
        return error(
            ErrorCode::InvalidArgument,
            QStringLiteral("permission denied: this user may not %1 the index (%2)")
                .arg(isRead(sql) ? QStringLiteral("read") : QStringLiteral("change"), primary));
    return error(codeOfState(state),
                 QStringLiteral("%1 (SQLSTATE %2)").arg(primary, QString::fromLatin1(state)));
}

Result<PgRows> PgConnection::query(const char* sql, const std::vector<PgParam>& params) {
    std::vector<const char*> values;
    std::vector<int> lengths;
    std::vector<int> formats;
    values.reserve(params.size());
    for (const PgParam& param : params) {
        values.push_back(param.null ? nullptr : param.value.constData());
        lengths.push_back(int(param.value.size()));
        formats.push_back(param.binary ? 1 : 0);
    }
    return finish(PQexecParams(m_connection.get(), sql, int(params.size()), nullptr, values.data(),
                               lengths.data(), formats.data(), 0),
                  sql);
}

Result<void> PgConnection::execute(const char* sql, const std::vector<PgParam>& params) {
    auto rows = query(sql, params);
    if (!rows)
        return rows.error();
    return {};
}

Result<void> PgConnection::executeScript(const char* sql) {
    auto rows = finish(PQexec(m_connection.get(), sql), sql);
    if (!rows)
        return rows.error();
    return {};
}

int PgConnection::serverPid() const {
    return PQbackendPID(m_connection.get());
}

bool PgConnection::isOpen() const {
    return PQstatus(m_connection.get()) == CONNECTION_OK;
}

int PgConnection::socket() const {
    return m_connection ? PQsocket(m_connection.get()) : -1;
}

Result<std::vector<QString>> PgConnection::notifications(const QString& channel) {
    if (PQconsumeInput(m_connection.get()) == 0 || PQstatus(m_connection.get()) == CONNECTION_BAD)
        return error(ErrorCode::Io, QStringLiteral("the connection to the server was lost (%1)")
                                        .arg(oneLine(PQerrorMessage(m_connection.get()))));
    std::vector<QString> payloads;
    const QByteArray wanted = channel.toUtf8();
    while (PGnotify* notify = PQnotifies(m_connection.get())) {
        if (wanted == notify->relname)
            payloads.push_back(QString::fromUtf8(notify->extra));
        PQfreemem(notify);
    }
    return payloads;
}

} // namespace semsearch
