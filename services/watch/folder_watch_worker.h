#pragma once

// FolderWatcher's worker: lives in the watcher's own thread, keeps the watches in step with
// the sources (walking their trees there, so the GUI thread never waits on the disk) and turns
// folder changes into the sources they belong to. Talks to FolderWatcher through queued calls
// and signals only.
//
// What is watched, for the sources S (absolute, clean; folders or files):
//   - every folder of each folder source's tree that the name rules take (FolderTree), up to
//     the cap, so that entries coming, going and being written anywhere in it are seen;
//   - the folder holding each source, so that a file source written or replaced, and a source
//     deleted or created again, are seen.
// A change at a path belongs to the innermost source at or above it.

#include "folder_events.h"

#include "semsearch/extract.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <QStringList>

#include <atomic>
#include <memory>

namespace semsearch::services {

// Everything FolderWatcher asks for, sent whole each time.
struct WatchRequest {
    QStringList sources; // absolute and clean, no duplicates
    WalkOptions walk;
    int maxFolders = 8192;
    bool enabled = true;
    quint64 generation = 0; // increases with every request
};

class FolderWatchWorker : public QObject {
    Q_OBJECT

public:
    // `latestGeneration`: the generation of the newest request sent; a walk for an older one
    // stops early. Must outlive the worker.
    FolderWatchWorker(FolderEventsKind kind, const std::atomic<quint64>& latestGeneration);
    ~FolderWatchWorker() override;

    // Brings the watches in step with `request`. Skipped when a newer request is on its way.
    void apply(const WatchRequest& request);

Q_SIGNALS:
    // Sources in which something changed, each once per batch of changes.
    void sourcesTouched(const QStringList& sources);
    // The watches are in step with request `generation`; `folders` are watched.
    void watching(quint64 generation, int folders);
    // Some folders are not watched: the cap (`systemLimit` false) or the system's limit was
    // reached. `folders` are watched.
    void limitReached(int folders, bool systemLimit);

private:
    bool isStale() const;
    bool isFolderSource(const QString& path) const;
    QString ownerOf(const QString& path) const;
    QStringList sourcesIn(const QString& folder) const;

    // Watches the sources' parents and walks the trees not walked yet.
    void bringInStep();
    void dropEverything();
    FolderEvents::WatchResult watchFolder(const QString& folder);
    void unwatchIfUnused(const QString& folder);
    // Walks and watches the tree at `root`; false when a newer request stopped it.
    bool addTree(const QString& root);
    void dropTree(const QString& root);
    void reconcileEntry(const QString& folder, const QString& path);
    void reconcileFolder(const QString& folder);

    // What a source looks like from the folder holding it: enough to tell, when the system
    // says only that something in that folder changed, whether it was the source.
    struct SourceStamp {
        bool exists = false;
        bool isFolder = false;
        qint64 size = 0;       // files only: a folder's own time and size change with its
        qint64 modifiedMs = 0; // entries, which its own watch reports
        bool operator==(const SourceStamp& other) const;
    };
    static SourceStamp stampOf(const QString& source);
    bool restamp(const QString& source);

    void handleChanges(const QList<FolderChange>& changes);
    void handleLostChanges();
    void reportWatching();
    void reportLimit(bool systemLimit);

    FolderEventsKind m_kind;
    const std::atomic<quint64>& m_latestGeneration;
    std::unique_ptr<FolderEvents> m_events; // made in this thread, on first use

    WatchRequest m_request;
    WalkNameRules m_rules{WalkOptions{}};
    QStringList m_folderSources;
    QSet<QString> m_walked; // folder sources whose trees are watched (as far as the cap went)
    bool m_limitHit = false;

    QSet<QString> m_watched;              // every folder watched
    QHash<QString, QString> m_tree;       // tree folders -> canonical paths
    QSet<QString> m_treeCanonical;        // the values of m_tree
    QSet<QString> m_sourceParents;        // the folders holding the sources
    QHash<QString, SourceStamp> m_stamps; // by source
};

} // namespace semsearch::services
