#include "postgres_server.h"

#include "generous_wait.h"
#include "unprivileged_user.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QThread>

#include <csignal>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace semsearch::test {

namespace {

// Debian's PostgreSQL 15 (apt-get install postgresql-15); SEMSEARCH_PG_BIN may name another.
QString binariesFolder() {
    const QByteArray chosen = qgetenv("SEMSEARCH_PG_BIN");
    return chosen.isEmpty() ? QStringLiteral("/usr/lib/postgresql/15/bin")
                            : QString::fromLocal8Bit(chosen);
}

void isolateFromUserSettings(const QString& folder) {
    for (const char* name : {"PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD",
                             "PGSERVICE", "PGSERVICEFILE", "PGSSLMODE", "PGAPPNAME",
                             "PGCONNECT_TIMEOUT", "PGOPTIONS", "PGSYSCONFDIR"})
        qunsetenv(name);
    qputenv("PGPASSFILE", QFile::encodeName(folder + QStringLiteral("/no-pgpass")));
}

// The server's children must not outlive the test: initdb and postgres start as the
// unprivileged user when the test is root, and ask for SIGINT (fast shutdown) when the test
// process dies. The death signal is set after the change of user, which clears it.
void prepareChild(QProcess& process, bool unprivileged) {
    const bool leaveRoot = unprivileged && isRoot();
    process.setChildProcessModifier([leaveRoot] {
        if (leaveRoot && !becomeUnprivilegedUser())
            ::_exit(127);
        ::prctl(PR_SET_PDEATHSIG, SIGINT);
    });
}

} // namespace

PostgresServer::PostgresServer(Auth auth) : m_binaries(binariesFolder()) {
    m_running = start(auth);
    if (!m_running)
        stop();
}

PostgresServer::~PostgresServer() {
    stop();
}

QString PostgresServer::binary(const char* name) const {
    return m_binaries + QLatin1Char('/') + QLatin1String(name);
}

bool PostgresServer::runTool(const QString& program, const QStringList& arguments,
                             bool unprivileged, QString* output, const QByteArray& input) const {
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    prepareChild(process, unprivileged);
    process.start(program, arguments);
    process.write(input);
    process.closeWriteChannel();
    const bool finished = process.waitForFinished(kGenerousWaitMs);
    const QString text = QString::fromLocal8Bit(process.readAll()).trimmed();
    if (output)
        *output = text;
    return finished && process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0;
}

int PostgresServer::freePort() {
    const int socket = ::socket(AF_INET, SOCK_STREAM, 0);
    if (socket < 0)
        return 0;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    int port = 0;
    if (::bind(socket, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
        ::getsockname(socket, reinterpret_cast<sockaddr*>(&address), &length) == 0)
        port = ntohs(address.sin_port);
    ::close(socket);
    return port;
}

bool PostgresServer::start(Auth auth) {
    for (const char* name : {"initdb", "postgres", "pg_isready", "psql"}) {
        if (!QFileInfo(binary(name)).isExecutable()) {
            m_error = QStringLiteral("PostgreSQL 15 is not installed: %1 is missing (apt-get "
                                     "install postgresql-15, or set SEMSEARCH_PG_BIN)")
                          .arg(binary(name));
            return false;
        }
    }
    if (!m_folder.isValid()) {
        m_error = QStringLiteral("cannot make a temporary folder: ") + m_folder.errorString();
        return false;
    }
    isolateFromUserSettings(folder());
    const QString data = folder() + QStringLiteral("/data");
    QStringList initdb = {QStringLiteral("-D"),         data,
                          QStringLiteral("-U"),         QString::fromLatin1(kSuperuser),
                          QStringLiteral("-E"),         QStringLiteral("UTF8"),
                          QStringLiteral("--locale=C"), QStringLiteral("--no-sync")};
    if (auth == Auth::Password) {
        const QString passwordFile = folder() + QStringLiteral("/superuser-password");
        QFile file(passwordFile);
        if (!file.open(QIODevice::WriteOnly) || file.write(kSuperuserPassword) < 0) {
            m_error = QStringLiteral("cannot write ") + passwordFile;
            return false;
        }
        file.close();
        initdb << QStringLiteral("--pwfile=") + passwordFile << QStringLiteral("--auth-local=trust")
               << QStringLiteral("--auth-host=scram-sha-256");
    } else {
        initdb << QStringLiteral("--auth=trust");
    }
    if (!giveToUnprivilegedUser(folder())) {
        m_error = QStringLiteral("cannot hand %1 to the unprivileged user").arg(folder());
        return false;
    }
    QString output;
    if (!runTool(binary("initdb"), initdb, true, &output)) {
        m_error = QStringLiteral("initdb failed: ") + output;
        return false;
    }
    // A port found free may be taken before the server binds it; another try takes another.
    for (int attempt = 0; attempt < 5; ++attempt)
        if (launch(freePort()))
            return true;
    return false;
}

bool PostgresServer::launch(int port) {
    m_port = port;
    m_server = std::make_unique<QProcess>();
    m_server->setProcessChannelMode(QProcess::MergedChannels);
    prepareChild(*m_server, true);
    m_server->start(binary("postgres"),
                    {QStringLiteral("-D"), folder() + QStringLiteral("/data"), QStringLiteral("-p"),
                     QString::number(m_port), QStringLiteral("-c"),
                     QStringLiteral("listen_addresses=127.0.0.1"), QStringLiteral("-c"),
                     QStringLiteral("unix_socket_directories=") + folder(),
                     // English messages: semsearch reads libpq's and the server's words
                     // before a session exists (pg_connection.cpp).
                     QStringLiteral("-c"), QStringLiteral("lc_messages=C"),
                     // A test's data need not survive a power cut.
                     QStringLiteral("-c"), QStringLiteral("fsync=off"), QStringLiteral("-c"),
                     QStringLiteral("synchronous_commit=off"), QStringLiteral("-c"),
                     QStringLiteral("full_page_writes=off")});
    if (!m_server->waitForStarted(kGenerousWaitMs)) {
        m_error = QStringLiteral("cannot start postgres: ") + m_server->errorString();
        return false;
    }
    const QDeadlineTimer deadline(kGenerousWaitMs);
    while (!deadline.hasExpired() && m_server->state() == QProcess::Running) {
        if (runTool(binary("pg_isready"),
                    {QStringLiteral("-q"), QStringLiteral("-h"), folder(), QStringLiteral("-p"),
                     QString::number(m_port)},
                    false, nullptr))
            return true;
        m_server->waitForFinished(100);
    }
    m_server->waitForFinished(1000);
    m_error = QStringLiteral("postgres did not start: ") +
              QString::fromLocal8Bit(m_server->readAll()).trimmed();
    m_server.reset();
    return false;
}

bool PostgresServer::restart() {
    stop();
    m_running = launch(m_port);
    return m_running;
}

void PostgresServer::stop() {
    if (m_server && m_server->state() != QProcess::NotRunning) {
        ::kill(pid_t(m_server->processId()), SIGINT);
        if (!m_server->waitForFinished(kGenerousWaitMs)) {
            m_server->kill();
            m_server->waitForFinished(kGenerousWaitMs);
        }
    }
    m_server.reset();
    m_running = false;
}

QString PostgresServer::location(const QString& database, const QString& user,
                                 const QString& password) const {
    QString credentials = user;
    if (!password.isEmpty())
        credentials += QLatin1Char(':') + password;
    return QStringLiteral("postgresql://%1@127.0.0.1:%2/%3")
        .arg(credentials)
        .arg(m_port)
        .arg(database);
}

QString PostgresServer::runSql(const QString& sql, const QString& database) const {
    QString output;
    if (runTool(binary("psql"),
                {QStringLiteral("-X"), QStringLiteral("-q"), QStringLiteral("-v"),
                 QStringLiteral("ON_ERROR_STOP=1"), QStringLiteral("-h"), folder(),
                 QStringLiteral("-p"), QString::number(m_port), QStringLiteral("-U"),
                 QString::fromLatin1(kSuperuser), QStringLiteral("-d"), database},
                false, &output, sql.toUtf8()))
        return QString();
    return output.isEmpty() ? QStringLiteral("psql failed") : output;
}

} // namespace semsearch::test
