#include "folder_watcher.h"

#include "folder_watch_worker.h"

#include <QDir>
#include <QFileInfo>
#include <QLocale>
#include <QTimer>

namespace semsearch::services {

FolderWatcher::FolderWatcher(QObject* parent) : FolderWatcher(FolderEventsKind::Native, parent) {}

FolderWatcher::FolderWatcher(FolderEventsKind kind, QObject* parent) : QObject(parent) {
    m_worker = new FolderWatchWorker(kind, m_generation);
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(m_worker, &FolderWatchWorker::sourcesTouched, this, &FolderWatcher::sourcesTouched);
    connect(m_worker, &FolderWatchWorker::watching, this, &FolderWatcher::workerWatching);
    connect(m_worker, &FolderWatchWorker::limitReached, this, &FolderWatcher::workerLimited);
    m_thread.setObjectName(QStringLiteral("FolderWatcher"));
    m_thread.start(QThread::LowPriority);
}

FolderWatcher::~FolderWatcher() {
    ++m_generation; // stops a walk in progress at the next folder
    m_thread.quit();
    m_thread.wait();
}

void FolderWatcher::setSources(const QStringList& paths) {
    QHash<QString, QString> byPath;
    QStringList sources;
    QStringList cleanSources;
    for (const QString& path : paths) {
        // cleanPath drops a trailing slash, which absoluteFilePath keeps: "/a/" would watch
        // "/a" twice under two names.
        const QString clean = QDir::cleanPath(QFileInfo(path).absoluteFilePath());
        if (!path.isEmpty() && !byPath.contains(clean)) {
            byPath.insert(clean, path);
            sources.append(path);
            cleanSources.append(clean);
        }
    }
    if (byPath == m_sourceByPath)
        return;
    for (auto it = m_quietTimers.begin(); it != m_quietTimers.end();) {
        if (sources.contains(it.key())) {
            ++it;
        } else {
            delete it.value();
            it = m_quietTimers.erase(it);
        }
    }
    m_sources = sources;
    m_cleanSources = cleanSources;
    m_sourceByPath = byPath;
    m_limitReported = false;
    sendRequest();
}

void FolderWatcher::setEnabled(bool enabled) {
    if (enabled == m_enabled)
        return;
    m_enabled = enabled;
    if (!enabled)
        dropPendingSignals();
    sendRequest();
}

void FolderWatcher::setWalkOptions(const WalkOptions& options) {
    m_walk = options;
    sendRequest();
}

void FolderWatcher::setMaxWatchedFolders(int count) {
    m_maxFolders = qMax(1, count);
    sendRequest();
}

void FolderWatcher::sendRequest() {
    WatchRequest request;
    request.sources = m_cleanSources;
    request.walk = m_walk;
    request.maxFolders = m_maxFolders;
    request.enabled = m_enabled;
    request.generation = ++m_generation;
    QMetaObject::invokeMethod(
        m_worker, [worker = m_worker, request] { worker->apply(request); }, Qt::QueuedConnection);
}

void FolderWatcher::sourcesTouched(const QStringList& sources) {
    if (!m_enabled)
        return;
    for (const QString& clean : sources) {
        const QString source = m_sourceByPath.value(clean);
        if (source.isEmpty())
            continue; // no longer asked for
        QTimer*& timer = m_quietTimers[source];
        if (!timer) {
            timer = new QTimer(this);
            timer->setSingleShot(true);
            connect(timer, &QTimer::timeout, this,
                    [this, source] { Q_EMIT sourceChanged(source); });
        }
        timer->start(m_quietPeriodMs); // restarts: the quiet period counts from the last change
    }
}

void FolderWatcher::workerWatching(quint64 generation, int folders) {
    if (generation != m_generation.load())
        return; // about a request since replaced
    m_watchedFolders = folders;
    Q_EMIT watchesUpdated(folders);
}

void FolderWatcher::workerLimited(int folders, bool systemLimit) {
    if (m_limitReported || !m_enabled)
        return;
    m_limitReported = true;
    // No plural forms: without a translation loaded, Qt would show "folder(s)".
    const QString count = QLocale().toString(folders);
    if (!systemLimit) {
        Q_EMIT watchLimited(tr("Only the first %1 folders are watched for changes, the most "
                               "semsearch watches. Changes in other folders are found when you "
                               "re-index.")
                                .arg(count));
        return;
    }
#ifdef Q_OS_LINUX
    Q_EMIT watchLimited(tr("Only %1 folders are watched for changes: the system allows no more "
                           "(raise fs.inotify.max_user_watches to watch more). Changes in other "
                           "folders are found when you re-index.")
                            .arg(count));
#else
    Q_EMIT watchLimited(tr("Only %1 folders are watched for changes: the system allows no more. "
                           "Changes in other folders are found when you re-index.")
                            .arg(count));
#endif
}

void FolderWatcher::dropPendingSignals() {
    qDeleteAll(m_quietTimers);
    m_quietTimers.clear();
}

} // namespace semsearch::services
