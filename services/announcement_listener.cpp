#include "announcement_listener.h"

#include <QSocketNotifier>

namespace semsearch::services {

AnnouncementListener::AnnouncementListener(QString location, int retryMs)
    : m_location(std::move(location)), m_retry(this) { // a child moves to the worker's thread
    m_retry.setSingleShot(true);
    m_retry.setInterval(retryMs);
    connect(&m_retry, &QTimer::timeout, this, &AnnouncementListener::connectNow);
}

AnnouncementListener::~AnnouncementListener() = default;

void AnnouncementListener::start() {
    connectNow();
}

void AnnouncementListener::connectNow() {
    auto opened = SharedIndexListener::open(m_location);
    if (!opened) {
        fail(opened.error().message);
        return;
    }
    m_listener = std::move(opened).value();
    m_notifier = std::make_unique<QSocketNotifier>(m_listener->socket(), QSocketNotifier::Read);
    connect(m_notifier.get(), &QSocketNotifier::activated, this,
            &AnnouncementListener::readAnnouncements);
    if (m_lost) {
        m_lost = false;
        Q_EMIT restored();
        Q_EMIT announced(0); // what was committed while nobody listened
    }
}

void AnnouncementListener::readAnnouncements() {
    auto latest = m_listener->latestAnnounced();
    if (!latest) {
        fail(latest.error().message);
        return;
    }
    if (*latest > 0)
        Q_EMIT announced(*latest);
}

void AnnouncementListener::fail(const QString& message) {
    m_notifier.reset(); // before its socket goes with the listener
    m_listener.reset();
    if (!m_lost) {
        m_lost = true;
        Q_EMIT lost(message);
    }
    m_retry.start();
}

} // namespace semsearch::services
