#pragma once

// Listens on its own thread for a shared index's announcements (SharedIndexListener): connects
// (which may take the connect timeout), watches the connection's socket with a QSocketNotifier
// and says when some machine committed. A connection that cannot be made or is lost is said
// once, then tried again every retry interval until it is back, which is said too; the caller
// should read everything again then, since announcements made meanwhile are lost.
//
// Lives on a worker thread (IndexChangeMonitor owns it); its slots are called through queued
// calls, its signals are queued to the GUI thread.

#include "semsearch/shared_index_listener.h"

#include <QObject>
#include <QString>
#include <QTimer>

#include <memory>

class QSocketNotifier;

namespace semsearch::services {

class AnnouncementListener : public QObject {
    Q_OBJECT

public:
    explicit AnnouncementListener(QString location, int retryMs);
    ~AnnouncementListener() override;

    // Connects, or schedules the next try. On the worker's thread.
    void start();

Q_SIGNALS:
    // Some machine committed `generation` (the highest announced since the last signal), or
    // the connection is back after a loss (generation 0: unknown, read everything).
    void announced(qint64 generation);
    // The first failure since the last success: one line naming the location, no password.
    void lost(const QString& message);
    // Connected again after lost().
    void restored();

private:
    void connectNow();
    void readAnnouncements();
    void fail(const QString& message);

    QString m_location;
    std::unique_ptr<SharedIndexListener> m_listener;
    std::unique_ptr<QSocketNotifier> m_notifier;
    QTimer m_retry;
    bool m_lost = false;
};

} // namespace semsearch::services
