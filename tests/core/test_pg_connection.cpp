// A connection to a shared index's server, against a real PostgreSQL 15 that asks for passwords:
// who we say we are, where credentials come from, and one clear line for each way it fails.

#include "postgres_server.h"
#include "semsearch/shared_index_location.h"
#include "shared_index/pg_connection.h"

#include <QFile>
#include <QTemporaryFile>
#include <QtTest>

#include <cstdio>
#include <memory>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace semsearch;
using namespace semsearch::test;

namespace {

constexpr const char* kWriterPassword = "Wr1ter-Pw";
constexpr const char* kReaderPassword = "Re4der-Pw";

// One line that starts with the location as shown, and never shows a password.
void checkMessage(const Error& error, const QString& location) {
    QVERIFY2(error.message.startsWith(displayLocation(location) + QStringLiteral(": ")),
             qPrintable(error.message));
    QVERIFY2(!error.message.contains(QLatin1Char('\n')), qPrintable(error.message));
    for (const char* password :
         {kWriterPassword, kReaderPassword, PostgresServer::kSuperuserPassword})
        QVERIFY2(!error.message.contains(QLatin1String(password)), qPrintable(error.message));
}

} // namespace

class TestPgConnection : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<PostgresServer> m_server;

    QString writer() const {
        return m_server->location(QStringLiteral("team"), QStringLiteral("writer"),
                                  QLatin1String(kWriterPassword));
    }

private Q_SLOTS:
    void initTestCase() {
        m_server = std::make_unique<PostgresServer>(PostgresServer::Auth::Password);
        QVERIFY2(m_server->isRunning(), qPrintable(m_server->error()));
        const QString setUp = m_server->runSql(
            QStringLiteral("CREATE ROLE writer LOGIN PASSWORD '%1';"
                           "CREATE ROLE reader LOGIN PASSWORD '%2';"
                           "CREATE DATABASE team OWNER writer;")
                .arg(QLatin1String(kWriterPassword), QLatin1String(kReaderPassword)));
        QVERIFY2(setUp.isEmpty(), qPrintable(setUp));
        const QString tables = m_server->runSql(
            QStringLiteral("SET ROLE writer;"
                           "CREATE TABLE notes (id integer PRIMARY KEY, body text, blob bytea);"
                           "GRANT SELECT ON notes TO reader;"),
            QStringLiteral("team"));
        QVERIFY2(tables.isEmpty(), qPrintable(tables));
    }

    void cleanupTestCase() { m_server.reset(); }

    // Other machines read who holds a source from application_name; a location cannot
    // change it.
    void namesItselfToTheServer() {
        const QString location = writer() + QStringLiteral("?application_name=other");
        auto connection = PgConnection::open(location);
        QVERIFY2(connection.ok(), connection ? "" : qPrintable(connection.error().message));
        auto name = connection->query("SELECT current_setting('application_name')");
        QVERIFY2(name.ok(), name ? "" : qPrintable(name.error().message));
        char host[256] = {};
        QCOMPARE(::gethostname(host, sizeof host - 1), 0);
        const QString expected = QStringLiteral("semsearch %1 %2")
                                     .arg(QString::fromLocal8Bit(host))
                                     .arg(QCoreApplication::applicationPid());
        QCOMPARE(name->text(0, 0), expected.left(63)); // NAMEDATALEN - 1
        QCOMPARE(connection->location(), displayLocation(location));
        QVERIFY(!connection->location().contains(QLatin1String(kWriterPassword)));
    }

    // libpq's conventions: a password file (PGPASSFILE, ~/.pgpass) and PGPASSWORD, never a
    // password semsearch asks for.
    void findsPasswordsAsLibpqDoes() {
        const QString location =
            m_server->location(QStringLiteral("team"), QStringLiteral("writer"));
        {
            auto without = PgConnection::open(location);
            QVERIFY(!without);
            QCOMPARE(without.error().code, ErrorCode::InvalidArgument);
            checkMessage(without.error(), location);
        }
        const QString passFile = m_server->folder() + QStringLiteral("/pgpass");
        QFile file(passFile);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QStringLiteral("127.0.0.1:%1:team:writer:%2\n")
                       .arg(m_server->port())
                       .arg(QLatin1String(kWriterPassword))
                       .toUtf8());
        file.close();
        QVERIFY(file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner));
        const QByteArray before = qgetenv("PGPASSFILE");
        qputenv("PGPASSFILE", QFile::encodeName(passFile));
        auto fromFile = PgConnection::open(location);
        qputenv("PGPASSFILE", before);
        QVERIFY2(fromFile.ok(), fromFile ? "" : qPrintable(fromFile.error().message));

        qputenv("PGPASSWORD", kWriterPassword);
        auto fromEnvironment = PgConnection::open(location);
        qunsetenv("PGPASSWORD");
        QVERIFY2(fromEnvironment.ok(),
                 fromEnvironment ? "" : qPrintable(fromEnvironment.error().message));
    }

    void wrongPassword() {
        const QString location = m_server->location(
            QStringLiteral("team"), QStringLiteral("writer"), QLatin1String(kReaderPassword));
        auto connection = PgConnection::open(location);
        QVERIFY(!connection);
        QCOMPARE(connection.error().code, ErrorCode::InvalidArgument);
        QVERIFY2(connection.error().message.contains(QLatin1String("user name or password")),
                 qPrintable(connection.error().message));
        checkMessage(connection.error(), location);
    }

    void databaseDoesNotExist() {
        const QString location =
            m_server->location(QStringLiteral("no_such_index"), QStringLiteral("writer"),
                               QLatin1String(kWriterPassword));
        auto connection = PgConnection::open(location);
        QVERIFY(!connection);
        QCOMPARE(connection.error().code, ErrorCode::NotFound);
        QVERIFY2(connection.error().message.contains(QLatin1String("database does not exist")),
                 qPrintable(connection.error().message));
        checkMessage(connection.error(), location);
    }

    // Nothing listens on the port: refused at once.
    void unreachablePort() {
        const QString location = QStringLiteral("postgresql://writer:%1@127.0.0.1:%2/team")
                                     .arg(QLatin1String(kWriterPassword))
                                     .arg(PostgresServer::freePort());
        auto connection = PgConnection::open(location);
        QVERIFY(!connection);
        QCOMPARE(connection.error().code, ErrorCode::Io);
        QVERIFY2(connection.error().message.contains(QLatin1String("connection refused")),
                 qPrintable(connection.error().message));
        checkMessage(connection.error(), location);
    }

    // Something accepts connections and never answers: the connect timeout ends the wait.
    // (libpq's smallest timeout is 2 s.)
    void silentServerTimesOut() {
        const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
        QVERIFY(listener >= 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        QVERIFY(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        QVERIFY(::listen(listener, 4) == 0);
        QVERIFY(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) == 0);
        const QString location =
            QStringLiteral("postgresql://writer@127.0.0.1:%1/team").arg(ntohs(address.sin_port));
        PgConnectOptions options;
        options.connectTimeoutSeconds = 2;
        QElapsedTimer timer;
        timer.start();
        auto connection = PgConnection::open(location, options);
        ::close(listener);
        QVERIFY(!connection);
        QCOMPARE(connection.error().code, ErrorCode::Io);
        QVERIFY2(connection.error().message.contains(QLatin1String("did not answer in time")),
                 qPrintable(connection.error().message));
        checkMessage(connection.error(), location);
    }

    // A read-only role writing: refused with a line that says so.
    void permissionDenied() {
        const QString location = m_server->location(
            QStringLiteral("team"), QStringLiteral("reader"), QLatin1String(kReaderPassword));
        auto connection = PgConnection::open(location);
        QVERIFY2(connection.ok(), connection ? "" : qPrintable(connection.error().message));
        auto read = connection->query("SELECT count(*) FROM notes");
        QVERIFY2(read.ok(), read ? "" : qPrintable(read.error().message));
        auto written = connection->execute("INSERT INTO notes(id, body) VALUES ($1, $2)",
                                           {PgParam::integer(1), PgParam::text("x")});
        QVERIFY(!written);
        QCOMPARE(written.error().code, ErrorCode::InvalidArgument);
        QVERIFY2(written.error().message.contains(QLatin1String("permission denied")),
                 qPrintable(written.error().message));
        checkMessage(written.error(), location);
        QVERIFY(connection->isOpen()); // a refused statement leaves the session usable
    }

    // The server ends the session (as a restart or an administrator would): the next query
    // says the connection was lost, and the connection knows it is closed.
    void serverGoneMidSession() {
        auto connection = PgConnection::open(writer());
        QVERIFY2(connection.ok(), connection ? "" : qPrintable(connection.error().message));
        const QString ended = m_server->runSql(
            QStringLiteral("SELECT pg_terminate_backend(%1)").arg(connection->serverPid()));
        QVERIFY2(ended.isEmpty(), qPrintable(ended));
        auto after = connection->query("SELECT 1");
        QVERIFY(!after);
        QCOMPARE(after.error().code, ErrorCode::Io);
        QVERIFY2(after.error().message.contains(QLatin1String("connection to the server was lost")),
                 qPrintable(after.error().message));
        checkMessage(after.error(), writer());
        QVERIFY(!connection->isOpen());
        auto again = connection->query("SELECT 1");
        QVERIFY(!again);
        QCOMPARE(again.error().code, ErrorCode::Io);
    }

    // The server's notices are not printed on stderr (libpq's default), where they would land
    // in the CLI's output.
    void noticesStayQuiet() {
        auto connection = PgConnection::open(writer());
        QVERIFY2(connection.ok(), connection ? "" : qPrintable(connection.error().message));
        QTemporaryFile captured;
        QVERIFY(captured.open());
        std::fflush(stderr);
        const int savedStderr = ::dup(STDERR_FILENO);
        QVERIFY(savedStderr >= 0);
        QVERIFY(::dup2(captured.handle(), STDERR_FILENO) >= 0);
        auto raised = connection->execute("DO $$ BEGIN RAISE NOTICE 'notice-for-the-test'; END $$");
        std::fflush(stderr);
        ::dup2(savedStderr, STDERR_FILENO);
        ::close(savedStderr);
        QVERIFY2(raised.ok(), raised ? "" : qPrintable(raised.error().message));
        captured.seek(0);
        const QByteArray printed = captured.readAll();
        QVERIFY2(!printed.contains("notice-for-the-test"), printed.constData());
    }

    // Text and bytes go in as parameters and come back unchanged: quotes, a statement
    // separator, NUL bytes, any language.
    void parametersAreNeverSpliced() {
        auto connection = PgConnection::open(writer());
        QVERIFY2(connection.ok(), connection ? "" : qPrintable(connection.error().message));
        const QString text = QStringLiteral("Robert'); DROP TABLE notes; -- \u00e9\u4e2d $1 \\x");
        QByteArray bytes("\x00\x01\xff\x7f\x00\x80", 6);
        QVERIFY(
            connection->execute("INSERT INTO notes(id, body, blob) VALUES ($1, $2, $3)",
                                {PgParam::integer(7), PgParam::text(text), PgParam::bytes(bytes)}));
        auto rows = connection->query("SELECT body, blob, blob IS NULL FROM notes WHERE id = $1",
                                      {PgParam::integer(7)});
        QVERIFY2(rows.ok(), rows ? "" : qPrintable(rows.error().message));
        QCOMPARE(rows->rowCount(), 1);
        QCOMPARE(rows->text(0, 0), text);
        QCOMPARE(rows->bytes(0, 1), bytes);
        QVERIFY(!rows->boolean(0, 2));
        auto nulls = connection->query("SELECT $1::text IS NULL", {PgParam::none()});
        QVERIFY2(nulls.ok(), nulls ? "" : qPrintable(nulls.error().message));
        QVERIFY(nulls->boolean(0, 0));
        QVERIFY(connection->execute("DELETE FROM notes WHERE id = $1", {PgParam::integer(7)}));
    }
};

QTEST_GUILESS_MAIN(TestPgConnection)
#include "test_pg_connection.moc"
