#include "qt_folder_events.h"

#include <QFileInfo>

namespace semsearch::services {

QtFolderEvents::QtFolderEvents() {
    connect(&m_watcher, &QFileSystemWatcher::directoryChanged, this,
            &QtFolderEvents::folderChanged);
}

FolderEvents::WatchResult QtFolderEvents::watch(const QString& folder) {
    if (m_watcher.directories().contains(folder))
        return WatchResult::Watching;
    const QFileInfo info(folder);
    if (!info.isDir() || !info.isReadable() || !info.isExecutable())
        return WatchResult::Failed;
    // QFileSystemWatcher does not say why it refused; a folder that exists and is refused has
    // most likely met the system's limit.
    return m_watcher.addPath(folder) ? WatchResult::Watching : WatchResult::SystemLimit;
}

void QtFolderEvents::unwatch(const QString& folder) {
    m_watcher.removePath(folder);
}

void QtFolderEvents::folderChanged(const QString& folder) {
    FolderChange change;
    change.folder = folder;
    // A folder deleted or moved away no longer exists under its path: Qt has dropped it, or
    // would go on reporting under a path that is not its own.
    if (QFileInfo(folder).isDir()) {
        change.kind = FolderChange::Kind::SomeEntry;
    } else {
        m_watcher.removePath(folder);
        change.kind = FolderChange::Kind::FolderGone;
    }
    Q_EMIT changed({change});
}

} // namespace semsearch::services
