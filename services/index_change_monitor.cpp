#include "index_change_monitor.h"

#include "announcement_listener.h"

#include "semsearch/shared_index_location.h"

#include <QDateTime>
#include <QFileInfo>

#include <algorithm>

namespace semsearch::services {

IndexChangeMonitor::IndexChangeMonitor(QObject* parent) : QObject(parent) {
    m_timer.setInterval(kDefaultIntervalMs);
    connect(&m_timer, &QTimer::timeout, this, &IndexChangeMonitor::check);
}

IndexChangeMonitor::~IndexChangeMonitor() {
    stopListening();
}

void IndexChangeMonitor::setIndexFolder(const QString& folder) {
    stopListening();
    m_seenCommit = 0;
    const bool shared = isSharedIndexLocation(folder);
    m_folder = shared ? QString() : folder;
    m_seen = fingerprint();
    if (m_folder.isEmpty())
        m_timer.stop();
    else
        m_timer.start();
    if (shared)
        listen(folder);
}

void IndexChangeMonitor::setRetryInterval(int intervalMs) {
    m_retryMs = intervalMs;
}

void IndexChangeMonitor::listen(const QString& location) {
    m_listening = new QThread(this);
    auto* listener = new AnnouncementListener(location, m_retryMs);
    listener->moveToThread(m_listening);
    connect(m_listening, &QThread::finished, listener, &QObject::deleteLater);
    // A listener being replaced may still say something: only the current one is heard.
    const quint64 generation = ++m_generation;
    auto current = [this, generation] {
        return generation == m_generation;
    };
    connect(listener, &AnnouncementListener::announced, this, [this, current](qint64 announced) {
        // Generations only grow: one this window committed and has read already is old news.
        if (current() && (announced == 0 || announced > m_seenCommit))
            Q_EMIT changed();
    });
    connect(listener, &AnnouncementListener::lost, this, [this, current](const QString& message) {
        if (current())
            Q_EMIT listeningLost(message);
    });
    connect(listener, &AnnouncementListener::restored, this, [this, current] {
        if (current())
            Q_EMIT listeningRestored();
    });
    m_listening->start();
    QMetaObject::invokeMethod(listener, &AnnouncementListener::start, Qt::QueuedConnection);
}

void IndexChangeMonitor::stopListening() {
    if (!m_listening)
        return;
    ++m_generation;
    // Waits for a connection attempt under way: at most the connect timeout, and only when the
    // server cannot be reached while the index is changed or the window closes.
    m_listening->quit();
    m_listening->wait();
    delete m_listening;
    m_listening = nullptr;
}

void IndexChangeMonitor::markSeen(qint64 generation) {
    m_seen = fingerprint();
    m_seenCommit = std::max(m_seenCommit, generation);
}

void IndexChangeMonitor::setInterval(int intervalMs) {
    m_timer.setInterval(intervalMs);
}

QString IndexChangeMonitor::fingerprint() const {
    if (m_folder.isEmpty())
        return {};
    QString print;
    for (const char* name : {"/index.sqlite", "/index.sqlite-wal"}) {
        const QFileInfo file(m_folder + QLatin1String(name));
        // Size and time to the millisecond: a commit that rewrites the log at the same size
        // (after a checkpoint) still changes the time.
        print += file.exists() ? QStringLiteral("%1:%2;")
                                     .arg(file.size())
                                     .arg(file.lastModified().toMSecsSinceEpoch())
                               : QStringLiteral("-;");
    }
    return print;
}

void IndexChangeMonitor::check() {
    const QString now = fingerprint();
    if (now == m_seen)
        return;
    m_seen = now;
    Q_EMIT changed();
}

} // namespace semsearch::services
