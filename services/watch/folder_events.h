#pragma once

// Change notifications for single folders (not recursive), from the operating system: the
// building block of FolderWatcher, which adds the recursion, the mapping to sources and the
// debouncing.
//
// Two kinds:
//   Native     on Linux, inotify directly. QFileSystemWatcher's inotify backend does not ask
//              for IN_MODIFY or IN_CLOSE_WRITE on folders, so a file saved in place (what most
//              editors do) goes unseen; this one reports it. Elsewhere, the same as QtWatcher.
//   QtWatcher  QFileSystemWatcher: reports that something in a folder changed, not what. On
//              Linux it sees files and folders come, go and get renamed, not written in place.
//
// An object lives in one thread (the one that created it, which must run an event loop) and
// is used from that thread only.

#include <QList>
#include <QObject>
#include <QString>

#include <memory>

namespace semsearch::services {

enum class FolderEventsKind { Native, QtWatcher };

struct FolderChange {
    enum class Kind {
        Entry,      // `name` in the folder was created, deleted, renamed, written or had its
                    // attributes changed
        SomeEntry,  // something in the folder changed and the system does not say what; entries
                    // may have come or gone
        Folder,     // the folder's own attributes changed
        FolderGone, // the folder was deleted or moved away; it is no longer watched
    };
    Kind kind = Kind::Entry;
    QString folder;               // as passed to watch()
    QString name;                 // Entry only: the entry's name in the folder
    bool entryIsFolder = false;   // Entry only: the entry is a folder
    bool entryCameOrWent = false; // Entry only: created, deleted or renamed (not just written)
};

class FolderEvents : public QObject {
    Q_OBJECT

public:
    enum class WatchResult {
        Watching,    // changes in the folder are reported from now on
        SystemLimit, // the system's limit on watches is reached (inotify: max_user_watches)
        Failed,      // anything else: the folder is gone, not a folder, not readable
    };

    // The best kind for this platform when Native; falls back to QtWatcher when inotify cannot
    // start (the per-user limit on inotify instances).
    static std::unique_ptr<FolderEvents> create(FolderEventsKind kind);

    // `folder`: absolute and clean. Watching a folder twice is the same as once. A second
    // path to an already watched folder (through a symbolic link) reports Watching, and its
    // changes are reported under the first path.
    virtual WatchResult watch(const QString& folder) = 0;
    // Stops watching; no FolderGone follows. Unknown folders are ignored.
    virtual void unwatch(const QString& folder) = 0;

Q_SIGNALS:
    // All changes read at once, in the order they happened.
    void changed(const QList<semsearch::services::FolderChange>& changes);
    // The system dropped changes (its queue overflowed): anything may have changed anywhere.
    void changesLost();
};

} // namespace semsearch::services
