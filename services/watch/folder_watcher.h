#pragma once

// Watches an index's sources (the folders and files it was asked to index) and says which
// source changed, so the window can re-index it. A burst of changes (a save, a checkout, an
// unpacked archive) gives one sourceChanged per source, a quiet period after the last change.
//
// What counts as a change: below a folder source, a file or folder created, deleted, renamed,
// written or touched, in folders and under names that indexing takes (the same WalkOptions:
// hidden and version-control folders and the exclude patterns are not watched); for any
// source, the source itself written, replaced, deleted or created again. A change belongs to
// the innermost source at or above it. Sizes are not checked here (a file grown past the
// limit still counts: re-indexing skips it).
//
// The folders are walked and watched in a thread of the watcher's own: setSources returns at
// once, even for a home folder with tens of thousands of folders. Watches are capped (see
// setMaxWatchedFolders); past the cap, or past the system's limit, the watcher says so once
// (watchLimited) and goes on with what it watches.
//
// Not reported: changes made while disabled, changes in folders past a limit, and a source
// that did not exist when set and whose parent folder did not exist either. The caller
// re-indexes on start-up and after enabling to catch up.
//
// Lives in the GUI thread (or any thread with an event loop); all calls from that thread.

#include "folder_events.h"

#include "semsearch/extract.h"

#include <QHash>
#include <QObject>
#include <QStringList>
#include <QThread>

#include <atomic>

class QTimer;

namespace semsearch::services {

class FolderWatchWorker;

class FolderWatcher : public QObject {
    Q_OBJECT

public:
    static constexpr int kDefaultQuietPeriodMs = 1500;
    // Linux's default inotify limit is 8192 watches per user on many systems, shared by all
    // programs; newer kernels allow more.
    static constexpr int kDefaultMaxWatchedFolders = 8192;

    // `kind`: see folder_events.h; Native is right outside tests.
    explicit FolderWatcher(QObject* parent = nullptr);
    explicit FolderWatcher(FolderEventsKind kind, QObject* parent = nullptr);
    // Stops the thread; waits at most for the folder being listed.
    ~FolderWatcher() override;

    // Replaces the watched sources (folders and files; absolute or relative to the working
    // folder). sourceChanged names a source exactly as given here. Sources no longer in the
    // list stop being watched and their pending signals are dropped. The same sources again
    // change nothing (and give no watchesUpdated).
    void setSources(const QStringList& paths);
    QStringList sources() const { return m_sources; }

    // Enabled by default. Disabling lets go of every watch and drops pending signals;
    // enabling watches the sources again (changes in between are not reported).
    void setEnabled(bool enabled);
    bool isEnabled() const { return m_enabled; }

    // The name rules and (unused here) size limit of indexing. Watches are rebuilt when the
    // rules change. Default: WalkOptions{}.
    void setWalkOptions(const WalkOptions& options);

    // Milliseconds without changes in a source before its sourceChanged.
    void setQuietPeriod(int milliseconds) { m_quietPeriodMs = milliseconds; }
    int quietPeriod() const { return m_quietPeriodMs; }

    // The most folders watched at once (>= 1), the folders holding the sources included.
    void setMaxWatchedFolders(int count);

    // Folders watched, as last reported by watchesUpdated.
    int watchedFolderCount() const { return m_watchedFolders; }

Q_SIGNALS:
    // Something changed in `sourcePath` (as given to setSources); at most once per source per
    // quiet period.
    void sourceChanged(const QString& sourcePath);
    // Some folders are not watched; one line for the user, once per set of sources.
    void watchLimited(const QString& message);
    // The watches are in step with the latest setSources/setEnabled/setWalkOptions, or new
    // folders were found; `watchedFolders` are watched now.
    void watchesUpdated(int watchedFolders);

private:
    void sendRequest();
    void sourcesTouched(const QStringList& sources);
    void workerWatching(quint64 generation, int folders);
    void workerLimited(int folders, bool systemLimit);
    void dropPendingSignals();

    QThread m_thread;
    FolderWatchWorker* m_worker = nullptr; // lives in m_thread; deleted when it finishes
    std::atomic<quint64> m_generation{0};

    QStringList m_sources;                  // as given
    QStringList m_cleanSources;             // the same, absolute and clean
    QHash<QString, QString> m_sourceByPath; // absolute and clean -> as given
    WalkOptions m_walk;
    int m_maxFolders = kDefaultMaxWatchedFolders;
    bool m_enabled = true;
    int m_quietPeriodMs = kDefaultQuietPeriodMs;
    int m_watchedFolders = 0;
    bool m_limitReported = false;
    QHash<QString, QTimer*> m_quietTimers; // by source as given
};

} // namespace semsearch::services
