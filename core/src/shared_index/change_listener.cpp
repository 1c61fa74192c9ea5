#include "shared_index/change_listener.h"

#include "shared_index/change_log.h"

#include <QDeadlineTimer>

#include <algorithm>

#include <cerrno>
#include <poll.h>

namespace semsearch {

Result<ChangeListener> ChangeListener::open(const QString& location) {
    auto connection = PgConnection::open(location);
    if (!connection)
        return connection.error();
    const QByteArray listen = QByteArrayLiteral("LISTEN ") + kChangesChannel;
    if (auto listening = connection->executeScript(listen.constData()); !listening)
        return listening.error();
    return ChangeListener(std::move(connection).value());
}

Result<std::int64_t> ChangeListener::latestAnnounced() {
    auto payloads = m_connection.notifications(QString::fromLatin1(kChangesChannel));
    if (!payloads)
        return payloads.error();
    std::int64_t latest = 0;
    for (const QString& payload : *payloads)
        latest = std::max(latest, std::int64_t(payload.toLongLong()));
    return latest;
}

Result<std::int64_t> ChangeListener::waitForChange(int timeoutMs) {
    QDeadlineTimer deadline(timeoutMs);
    for (;;) {
        auto latest = latestAnnounced();
        if (!latest || *latest > 0 || deadline.hasExpired())
            return latest;
        pollfd watched{socket(), POLLIN, 0};
        const int waited = ::poll(&watched, 1, int(std::max<qint64>(0, deadline.remainingTime())));
        if (waited < 0 && errno != EINTR)
            return m_connection.error(ErrorCode::Io,
                                      QStringLiteral("cannot wait for the server's notifications"));
    }
}

} // namespace semsearch
