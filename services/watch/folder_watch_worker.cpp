#include "folder_watch_worker.h"

#include "folder_tree.h"

#include <QDateTime>
#include <QFileInfo>

#include <utility>

namespace semsearch::services {

namespace {

// The folder holding `path`; empty for the root.
QString parentOf(const QString& path) {
    const QString parent = QFileInfo(path).path();
    return parent == path ? QString() : parent;
}

} // namespace

FolderWatchWorker::FolderWatchWorker(FolderEventsKind kind,
                                     const std::atomic<quint64>& latestGeneration)
    : m_kind(kind), m_latestGeneration(latestGeneration) {}

FolderWatchWorker::~FolderWatchWorker() = default;

bool FolderWatchWorker::isStale() const {
    return m_latestGeneration.load() != m_request.generation;
}

void FolderWatchWorker::apply(const WatchRequest& request) {
    if (request.generation != m_latestGeneration.load())
        return; // a newer request is queued behind this one
    if (!m_events) {
        m_events = FolderEvents::create(m_kind);
        connect(m_events.get(), &FolderEvents::changed, this, &FolderWatchWorker::handleChanges);
        connect(m_events.get(), &FolderEvents::changesLost, this,
                &FolderWatchWorker::handleLostChanges);
    }
    const bool rulesChanged = request.walk.excludePatterns != m_request.walk.excludePatterns ||
                              request.walk.includeHidden != m_request.walk.includeHidden;
    bool roomGained = request.maxFolders > m_request.maxFolders;
    if (!request.enabled || rulesChanged || request.maxFolders < m_request.maxFolders)
        dropEverything();
    for (const QString& source : std::as_const(m_request.sources))
        roomGained = roomGained || !request.sources.contains(source);
    m_request = request;
    m_rules = WalkNameRules(request.walk);
    if (!request.enabled) {
        reportWatching();
        return;
    }
    // Trees cut short by a limit get another chance when sources left or the cap grew.
    if (m_limitHit && roomGained)
        m_walked.clear();
    bringInStep();
}

void FolderWatchWorker::bringInStep() {
    m_folderSources.clear();
    QSet<QString> parents;
    m_stamps.clear();
    for (const QString& source : std::as_const(m_request.sources)) {
        m_stamps.insert(source, stampOf(source));
        if (QFileInfo(source).isDir())
            m_folderSources.append(source);
        if (const QString parent = parentOf(source); !parent.isEmpty())
            parents.insert(parent);
    }

    // Let go of what no source needs any more.
    for (auto it = m_walked.begin(); it != m_walked.end();)
        it = m_folderSources.contains(*it) ? std::next(it) : m_walked.erase(it);
    const QStringList treeFolders = m_tree.keys();
    for (const QString& folder : treeFolders) {
        if (ownerOf(folder).isEmpty()) {
            m_treeCanonical.remove(m_tree.take(folder));
            unwatchIfUnused(folder);
        }
    }
    const QSet<QString> oldParents = std::exchange(m_sourceParents, parents);
    for (const QString& folder : oldParents)
        unwatchIfUnused(folder);

    // The folders holding the sources first: few, and they are what sees a source replaced.
    m_limitHit = false;
    for (const QString& folder : std::as_const(m_sourceParents)) {
        if (watchFolder(folder) == FolderEvents::WatchResult::SystemLimit) {
            reportLimit(true);
            break;
        }
    }
    for (const QString& source : std::as_const(m_folderSources)) {
        if (m_walked.contains(source))
            continue;
        if (!addTree(source))
            return; // a newer request is waiting; it finishes the job
        m_walked.insert(source);
    }
    reportWatching();
}

bool FolderWatchWorker::isFolderSource(const QString& path) const {
    return m_folderSources.contains(path);
}

QString FolderWatchWorker::ownerOf(const QString& path) const {
    QString owner;
    for (const QString& source : m_request.sources) {
        const bool holds =
            path == source || (isFolderSource(source) && isSameOrBelow(path, source));
        if (holds && source.size() > owner.size())
            owner = source;
    }
    return owner;
}

QStringList FolderWatchWorker::sourcesIn(const QString& folder) const {
    QStringList sources;
    for (const QString& source : m_request.sources) {
        if (parentOf(source) == folder)
            sources.append(source);
    }
    return sources;
}

void FolderWatchWorker::dropEverything() {
    if (m_events) {
        for (const QString& folder : std::as_const(m_watched))
            m_events->unwatch(folder);
    }
    m_watched.clear();
    m_tree.clear();
    m_treeCanonical.clear();
    m_sourceParents.clear();
    m_walked.clear();
    m_limitHit = false;
}

FolderEvents::WatchResult FolderWatchWorker::watchFolder(const QString& folder) {
    if (m_watched.contains(folder))
        return FolderEvents::WatchResult::Watching;
    const FolderEvents::WatchResult result = m_events->watch(folder);
    if (result == FolderEvents::WatchResult::Watching)
        m_watched.insert(folder);
    return result;
}

void FolderWatchWorker::unwatchIfUnused(const QString& folder) {
    if (!m_tree.contains(folder) && !m_sourceParents.contains(folder) && m_watched.remove(folder))
        m_events->unwatch(folder);
}

bool FolderWatchWorker::addTree(const QString& root) {
    const int room = qMax(0, m_request.maxFolders - int(m_watched.size()));
    const FolderTree tree =
        collectFolderTree(root, m_rules, m_treeCanonical, room, [this] { return isStale(); });
    if (tree.cancelled)
        return false;
    for (const TreeFolder& folder : tree.folders) {
        const FolderEvents::WatchResult result = watchFolder(folder.path);
        if (result == FolderEvents::WatchResult::SystemLimit) {
            reportLimit(true);
            return true;
        }
        if (result == FolderEvents::WatchResult::Watching) { // else gone or unreadable: skip
            m_tree.insert(folder.path, folder.canonical);
            m_treeCanonical.insert(folder.canonical);
        }
    }
    if (tree.truncated)
        reportLimit(false);
    return true;
}

void FolderWatchWorker::dropTree(const QString& root) {
    const QStringList treeFolders = m_tree.keys();
    for (const QString& folder : treeFolders) {
        if (isSameOrBelow(folder, root)) {
            m_treeCanonical.remove(m_tree.take(folder));
            unwatchIfUnused(folder);
        }
    }
}

// `path`, an entry of `folder`, came or went (or may have): watch or forget its tree.
void FolderWatchWorker::reconcileEntry(const QString& folder, const QString& path) {
    const bool isSource = m_request.sources.contains(path);
    const bool wanted = (isSource || m_tree.contains(folder)) && QFileInfo(path).isDir();
    if (wanted && !m_tree.contains(path)) {
        if (isSource && !isFolderSource(path))
            m_folderSources.append(path); // created since it was asked for
        if (!addTree(path)) {
            // Stopped by a newer request: let it walk this source again.
            m_walked.remove(ownerOf(path));
            return;
        }
        if (isSource)
            m_walked.insert(path);
        reportWatching();
    } else if (!wanted && m_tree.contains(path)) {
        dropTree(path);
        m_walked.remove(path);
        reportWatching();
    }
}

// Something in `folder` came or went, the system does not say what.
void FolderWatchWorker::reconcileFolder(const QString& folder) {
    QStringList candidates = sourcesIn(folder);
    if (m_tree.contains(folder)) {
        candidates += listSubfolders(folder, m_rules);
        for (auto it = m_tree.cbegin(); it != m_tree.cend(); ++it) {
            if (parentOf(it.key()) == folder)
                candidates.append(it.key());
        }
    }
    candidates.removeDuplicates();
    for (const QString& path : std::as_const(candidates))
        reconcileEntry(folder, path);
}

bool FolderWatchWorker::SourceStamp::operator==(const SourceStamp& other) const {
    return exists == other.exists && isFolder == other.isFolder && size == other.size &&
           modifiedMs == other.modifiedMs;
}

FolderWatchWorker::SourceStamp FolderWatchWorker::stampOf(const QString& source) {
    const QFileInfo info(source);
    SourceStamp stamp;
    stamp.exists = info.exists();
    stamp.isFolder = info.isDir();
    if (stamp.exists && !stamp.isFolder) {
        stamp.size = info.size();
        stamp.modifiedMs = info.lastModified().toMSecsSinceEpoch();
    }
    return stamp;
}

// True when the source looks different from last time.
bool FolderWatchWorker::restamp(const QString& source) {
    const SourceStamp stamp = stampOf(source);
    const auto it = m_stamps.find(source);
    if (it != m_stamps.end() && *it == stamp)
        return false;
    m_stamps.insert(source, stamp);
    return true;
}

void FolderWatchWorker::handleChanges(const QList<FolderChange>& changes) {
    if (!m_request.enabled)
        return;
    QSet<QString> touched;
    auto touch = [&touched](const QString& source) {
        if (!source.isEmpty())
            touched.insert(source);
    };
    for (const FolderChange& change : changes) {
        switch (change.kind) {
        case FolderChange::Kind::FolderGone:
            touch(ownerOf(change.folder));
            for (const QString& source : sourcesIn(change.folder))
                touch(source);
            m_watched.remove(change.folder); // the system has let go of it
            dropTree(change.folder);
            m_walked.remove(change.folder);
            reportWatching();
            break;
        case FolderChange::Kind::Folder:
            if (m_tree.contains(change.folder))
                touch(ownerOf(change.folder));
            break;
        case FolderChange::Kind::SomeEntry:
            if (m_tree.contains(change.folder))
                touch(ownerOf(change.folder));
            for (const QString& source : sourcesIn(change.folder)) {
                if (restamp(source))
                    touch(source);
            }
            reconcileFolder(change.folder);
            break;
        case FolderChange::Kind::Entry: {
            const QString path = joinPath(change.folder, change.name);
            const bool isSource = m_request.sources.contains(path);
            // Beside a source: only the source itself counts. In a tree: what indexing takes.
            if (!isSource && (!m_tree.contains(change.folder) ||
                              !m_rules.skipReason(change.name, change.entryIsFolder).isEmpty()))
                break;
            touch(ownerOf(path));
            // Not only when entryIsFolder: a symbolic link to a folder is not flagged as one.
            if (change.entryCameOrWent)
                reconcileEntry(change.folder, path);
            break;
        }
        }
    }
    if (!touched.isEmpty())
        Q_EMIT sourcesTouched(touched.values());
}

void FolderWatchWorker::handleLostChanges() {
    if (!m_request.enabled)
        return;
    Q_EMIT sourcesTouched(m_request.sources);
    // New folders may have gone unseen anywhere: start over.
    dropEverything();
    bringInStep();
}

void FolderWatchWorker::reportWatching() {
    Q_EMIT watching(m_request.generation, int(m_watched.size()));
}

void FolderWatchWorker::reportLimit(bool systemLimit) {
    m_limitHit = true;
    Q_EMIT limitReached(int(m_watched.size()), systemLimit);
}

} // namespace semsearch::services
