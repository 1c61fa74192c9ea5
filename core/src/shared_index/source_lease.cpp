#include "shared_index/source_lease.h"

#include "shared_index/shared_index_reads.h"

#include "shared_index/pg_connection.h"
#include "shared_index/pg_lock_keys.h"

#include <QCryptographicHash>

#include <utility>

namespace semsearch {

namespace {

// Who holds the key, from the server's own lock table, joined with the lease row the holder
// wrote. pg_stat_activity hides a session's start time from roles other than its own, so the
// row is matched by server process and key, and by start time where it is visible (a row of a
// killed session whose process id the server has reused then does not match).
constexpr const char* kHolderSql = R"sql(
SELECT a.pid, a.application_name, lease.path, lease.holder, lease.client_address,
       to_char(lease.since AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC'
FROM pg_locks l
JOIN pg_stat_activity a ON a.pid = l.pid
LEFT JOIN source_leases lease
       ON lease.server_pid = a.pid AND lease.lock_key = $2
      AND (a.backend_start IS NULL OR lease.session_start = a.backend_start)
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
  AND l.classid = $1 AND l.objid = $2
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
ORDER BY lease.since DESC NULLS LAST
LIMIT 1
)sql";

constexpr const char* kRecordSql = R"sql(
INSERT INTO source_leases(path, lock_key, holder, client_address, server_pid, session_start, since)
SELECT $1, $2, a.application_name, coalesce(host(inet_client_addr()), 'local socket'), a.pid,
       a.backend_start, now()
FROM pg_stat_activity a WHERE a.pid = pg_backend_pid()
ON CONFLICT (path) DO UPDATE SET
    lock_key = excluded.lock_key, holder = excluded.holder,
    client_address = excluded.client_address, server_pid = excluded.server_pid,
    session_start = excluded.session_start, since = excluded.since
)sql";

Error heldError(PgConnection& connection, const QString& path, const PgRows& holder) {
    if (holder.rowCount() == 0)
        // Released between our attempt and our look: the caller may simply try again.
        return connection.error(ErrorCode::Busy,
                                QStringLiteral("the source %1 was just being indexed by another "
                                               "session; try again")
                                    .arg(path));
    const QString processName = holder.text(0, 1).isEmpty()
                                    ? QStringLiteral("server process %1").arg(holder.integer(0, 0))
                                    : holder.text(0, 1);
    if (holder.isNull(0, 2))
        return connection.error(
            ErrorCode::Busy,
            QStringLiteral("the source %1 is being indexed by %2").arg(path, processName));
    const QString who = QStringLiteral("%1 (from %2) since %3")
                            .arg(holder.text(0, 3), holder.text(0, 4), holder.text(0, 5));
    if (holder.text(0, 2) != path)
        return connection.error(ErrorCode::Busy,
                                QStringLiteral("the source %1 shares its lease key with the "
                                               "source %2, which is being indexed by %3; index "
                                               "%1 when that is done")
                                    .arg(path, holder.text(0, 2), who));
    return connection.error(ErrorCode::Busy,
                            QStringLiteral("the source %1 is being indexed by %2; wait for it to "
                                           "finish or stop it there")
                                .arg(path, who));
}

} // namespace

std::int32_t SourceLease::lockKey(const QString& sourcePath) {
    const QByteArray digest =
        QCryptographicHash::hash(sourcePath.toUtf8(), QCryptographicHash::Sha1);
    const auto byte = [&](int i) {
        return std::uint32_t(std::uint8_t(digest[i]));
    };
    // 31 bits: a non-negative key reads the same in pg_locks.objid (an unsigned oid).
    return std::int32_t(((byte(0) << 24) | (byte(1) << 16) | (byte(2) << 8) | byte(3)) &
                        0x7fffffffu);
}

Result<std::vector<SourceLease>> SourceLease::takeAll(PgConnection& connection,
                                                      const QStringList& sourcePaths) {
    std::vector<SourceLease> leases;
    for (const QString& path : sourcePaths) {
        auto lease = take(connection, path);
        if (!lease)
            return lease.error();
        leases.push_back(std::move(*lease));
    }
    return leases;
}

Result<std::vector<SourceLease>> SourceLease::takeEvery(PgConnection& connection) {
    auto sources = sharedSources(connection);
    if (!sources)
        return sources.error();
    QStringList paths;
    for (const SharedSource& source : *sources)
        paths << source.source.path;
    return takeAll(connection, paths);
}

Result<SourceLease> SourceLease::take(PgConnection& connection, const QString& sourcePath) {
    const std::int32_t key = lockKey(sourcePath);
    auto taken = connection.query("SELECT pg_try_advisory_lock($1, $2)",
                                  {PgParam::integer(kSourceLeaseClass), PgParam::integer(key)});
    if (!taken)
        return taken.error();
    if (!taken->boolean(0, 0)) {
        auto holder = connection.query(
            kHolderSql, {PgParam::integer(kSourceLeaseClass), PgParam::integer(key)});
        if (!holder)
            return holder.error();
        return heldError(connection, sourcePath, *holder);
    }
    SourceLease lease(&connection, sourcePath, key);
    if (auto recorded =
            connection.execute(kRecordSql, {PgParam::text(sourcePath), PgParam::integer(key)});
        !recorded)
        return recorded.error(); // the lease's destructor gives the lock back
    return lease;
}

SourceLease::SourceLease(PgConnection* connection, QString path, std::int32_t key)
    : m_connection(connection), m_path(std::move(path)), m_key(key) {}

SourceLease::SourceLease(SourceLease&& other) noexcept
    : m_connection(std::exchange(other.m_connection, nullptr)), m_path(std::move(other.m_path)),
      m_key(other.m_key) {}

SourceLease& SourceLease::operator=(SourceLease&& other) noexcept {
    if (this != &other) {
        (void)release();
        m_connection = std::exchange(other.m_connection, nullptr);
        m_path = std::move(other.m_path);
        m_key = other.m_key;
    }
    return *this;
}

SourceLease::~SourceLease() {
    // A failure here has no one to tell; the server frees the lock with the session anyway.
    (void)release();
}

Result<void> SourceLease::release() {
    PgConnection* connection = std::exchange(m_connection, nullptr);
    if (connection == nullptr || !connection->isOpen())
        return {};
    auto forgotten = connection->execute(
        "DELETE FROM source_leases WHERE path = $1 AND server_pid = pg_backend_pid()",
        {PgParam::text(m_path)});
    // A session that ended under us (server restarted, session terminated) took the lock with
    // it: there is nothing left to give back.
    if (!forgotten && !connection->isOpen())
        return {};
    if (!forgotten) {
        (void)connection->execute("SELECT pg_advisory_unlock($1, $2)",
                                  {PgParam::integer(kSourceLeaseClass), PgParam::integer(m_key)});
        return forgotten.error();
    }
    return connection->execute("SELECT pg_advisory_unlock($1, $2)",
                               {PgParam::integer(kSourceLeaseClass), PgParam::integer(m_key)});
}

} // namespace semsearch
