#pragma once

// A private PostgreSQL 15 server for one test: initdb into a temporary folder, the server
// listening on 127.0.0.1 only (a free port; its unix socket in that folder), stopped and the
// folder removed when the object is destroyed, also when the test failed. If the test process
// dies without destroying it, the server is told to shut down too (parent-death signal).
//
// PostgreSQL refuses to run as root, and CI runs as root: initdb and the server then run as
// the unprivileged user (unprivileged_user.h), who is given the folder. Nothing here talks to
// any address but 127.0.0.1 and the folder's socket.
//
// Authentication: Trust lets every role in without a password; Password makes connections
// over TCP (the ones semsearch makes) prove a password with SCRAM, the superuser's being
// kSuperuserPassword. Administration (runSql) goes through the unix socket, trusted either way.
//
// The process's environment is cleared of libpq's variables (PGHOST, PGPASSWORD, PGSERVICE,
// ...) and PGPASSFILE points into the folder, so that a developer's own settings cannot change
// what a test sees.

#include <QProcess>
#include <QString>
#include <QTemporaryDir>

#include <memory>

namespace semsearch::test {

class PostgresServer {
public:
    enum class Auth { Trust, Password };
    static constexpr const char* kSuperuser = "postgres";
    static constexpr const char* kSuperuserPassword = "Sup3r-Secret";

    explicit PostgresServer(Auth auth = Auth::Trust);
    ~PostgresServer();
    PostgresServer(const PostgresServer&) = delete;
    PostgresServer& operator=(const PostgresServer&) = delete;

    // False when the server could not start (the reason is in error(); a test fails with it,
    // it does not skip: a missing PostgreSQL must not pass silently).
    bool isRunning() const { return m_running; }
    const QString& error() const { return m_error; }

    int port() const { return m_port; }
    // The folder the server owns (data/, its socket); files for a test may go beside them.
    QString folder() const { return m_folder.path(); }

    // postgresql://user[:password]@127.0.0.1:port/database
    QString location(const QString& database, const QString& user = QString::fromLatin1(kSuperuser),
                     const QString& password = QString()) const;

    // Runs `sql` (one or more statements, each in a transaction of its own, so CREATE DATABASE
    // may be among them) as the superuser in `database`, stopping at the first error. Empty on
    // success, psql's error otherwise.
    QString runSql(const QString& sql, const QString& database = QStringLiteral("postgres")) const;

    // Stops the server (fast shutdown: sessions are ended). Called by the destructor.
    void stop();
    // Stops the server and starts it again on the same port and data (a server restarted
    // under its clients). False, with error(), when it does not come back.
    bool restart();

    // A port on 127.0.0.1 that nothing listened on a moment ago.
    static int freePort();

private:
    bool start(Auth auth);
    // Starts the server on the initialised data folder, listening on `port`.
    bool launch(int port);
    QString binary(const char* name) const;
    bool runTool(const QString& program, const QStringList& arguments, bool unprivileged,
                 QString* output, const QByteArray& input = QByteArray()) const;

    QTemporaryDir m_folder;
    QString m_binaries;
    std::unique_ptr<QProcess> m_server;
    int m_port = 0;
    bool m_running = false;
    QString m_error;
};

} // namespace semsearch::test
