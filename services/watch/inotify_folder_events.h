#pragma once

// FolderEvents on Linux's inotify, asking for everything that can change what an index holds:
// entries created, deleted, renamed (both ends), written (IN_MODIFY, IN_CLOSE_WRITE) and
// touched (IN_ATTRIB: mtime, permissions).

#include "folder_events.h"

#include <QHash>

class QSocketNotifier;

namespace semsearch::services {

class InotifyFolderEvents : public FolderEvents {
    Q_OBJECT

public:
    InotifyFolderEvents();
    ~InotifyFolderEvents() override;

    // False when inotify could not start (errno in `error`); such an object watches nothing.
    bool isValid() const { return m_fd >= 0; }
    int error() const { return m_error; }

    WatchResult watch(const QString& folder) override;
    void unwatch(const QString& folder) override;

private:
    void readChanges();
    void forget(int wd);

    int m_fd = -1;
    int m_error = 0;
    QSocketNotifier* m_notifier = nullptr;
    QHash<int, QString> m_folders; // watch descriptor -> folder
    QHash<QString, int> m_watches; // folder -> watch descriptor
};

} // namespace semsearch::services
