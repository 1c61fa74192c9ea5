#include "inotify_folder_events.h"

#include <QFile>
#include <QSocketNotifier>

#include <cerrno>
#include <cstring>

#include <sys/inotify.h>
#include <unistd.h>

namespace semsearch::services {

namespace {

// IN_ONLYDIR: a path that has become a file in the meantime is refused, not watched as one.
// IN_EXCL_UNLINK: nothing more about files already deleted but still open.
constexpr std::uint32_t kMask = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_MODIFY |
                                IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF |
                                IN_ONLYDIR | IN_EXCL_UNLINK;

constexpr std::uint32_t kCameOrWent = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO;

} // namespace

InotifyFolderEvents::InotifyFolderEvents() {
    m_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (m_fd < 0) {
        m_error = errno;
        return;
    }
    m_notifier = new QSocketNotifier(m_fd, QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &InotifyFolderEvents::readChanges);
}

InotifyFolderEvents::~InotifyFolderEvents() {
    if (m_fd >= 0) {
        delete m_notifier; // before the descriptor it listens on is closed
        ::close(m_fd);
    }
}

FolderEvents::WatchResult InotifyFolderEvents::watch(const QString& folder) {
    if (m_fd < 0)
        return WatchResult::Failed;
    if (m_watches.contains(folder))
        return WatchResult::Watching;
    const int wd = inotify_add_watch(m_fd, QFile::encodeName(folder).constData(), kMask);
    if (wd < 0)
        return errno == ENOSPC ? WatchResult::SystemLimit : WatchResult::Failed;
    // The kernel gives the same descriptor for the same folder reached by another path; the
    // first path keeps it, so that unwatching the alias cannot end the first path's watch.
    if (!m_folders.contains(wd)) {
        m_folders.insert(wd, folder);
        m_watches.insert(folder, wd);
    }
    return WatchResult::Watching;
}

void InotifyFolderEvents::unwatch(const QString& folder) {
    const auto it = m_watches.constFind(folder);
    if (it == m_watches.cend())
        return;
    const int wd = it.value();
    forget(wd);
    // Fails harmlessly when the kernel has dropped the watch already (folder deleted); its
    // IN_IGNORED then finds no folder and is skipped.
    inotify_rm_watch(m_fd, wd);
}

void InotifyFolderEvents::forget(int wd) {
    m_watches.remove(m_folders.value(wd));
    m_folders.remove(wd);
}

void InotifyFolderEvents::readChanges() {
    QList<FolderChange> changes;
    bool lost = false;
    // Aligned for struct inotify_event; each read returns whole events only.
    alignas(struct inotify_event) char buffer[64 * 1024];
    for (;;) {
        const ssize_t size = ::read(m_fd, buffer, sizeof buffer);
        if (size <= 0)
            break; // EAGAIN: all read
        for (ssize_t offset = 0; offset < size;) {
            const auto* event = reinterpret_cast<const struct inotify_event*>(buffer + offset);
            offset += ssize_t(sizeof(struct inotify_event) + event->len);
            if (event->mask & IN_Q_OVERFLOW) {
                lost = true;
                continue;
            }
            const QString folder = m_folders.value(event->wd);
            if (folder.isEmpty())
                continue; // unwatched already
            FolderChange change;
            change.folder = folder;
            if (event->mask & (IN_IGNORED | IN_MOVE_SELF)) {
                // Deleted, unmounted or moved away. A moved folder keeps its watch in the
                // kernel, and would go on reporting under its old path: end it.
                if (event->mask & IN_MOVE_SELF)
                    inotify_rm_watch(m_fd, event->wd);
                forget(event->wd);
                change.kind = FolderChange::Kind::FolderGone;
            } else if (event->mask & IN_DELETE_SELF) {
                continue; // IN_IGNORED follows
            } else if (event->len == 0) {
                change.kind = FolderChange::Kind::Folder;
            } else {
                change.kind = FolderChange::Kind::Entry;
                change.name = QFile::decodeName(event->name); // NUL-padded
                change.entryIsFolder = event->mask & IN_ISDIR;
                change.entryCameOrWent = event->mask & kCameOrWent;
            }
            changes.append(change);
        }
    }
    if (!changes.isEmpty())
        Q_EMIT changed(changes);
    if (lost)
        Q_EMIT changesLost();
}

} // namespace semsearch::services
