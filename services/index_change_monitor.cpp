#include "index_change_monitor.h"

#include <QDateTime>
#include <QFileInfo>

namespace semsearch::services {

IndexChangeMonitor::IndexChangeMonitor(QObject* parent) : QObject(parent) {
    m_timer.setInterval(kDefaultIntervalMs);
    connect(&m_timer, &QTimer::timeout, this, &IndexChangeMonitor::check);
}

void IndexChangeMonitor::setIndexFolder(const QString& folder) {
    m_folder = folder;
    m_seen = fingerprint();
    if (folder.isEmpty())
        m_timer.stop();
    else
        m_timer.start();
}

void IndexChangeMonitor::markSeen() {
    m_seen = fingerprint();
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
