#pragma once

// FolderEvents on QFileSystemWatcher, for platforms without a native implementation here. It
// reports SomeEntry (or FolderGone) for a folder, never which entry changed.

#include "folder_events.h"

#include <QFileSystemWatcher>

namespace semsearch::services {

class QtFolderEvents : public FolderEvents {
    Q_OBJECT

public:
    QtFolderEvents();

    WatchResult watch(const QString& folder) override;
    void unwatch(const QString& folder) override;

private:
    void folderChanged(const QString& folder);

    QFileSystemWatcher m_watcher;
};

} // namespace semsearch::services
