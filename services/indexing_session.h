#pragma once

// The GUI thread's handle on indexing: a queue of jobs (index these paths, remove those) run
// one at a time on the indexing thread through the same core code as `semsearch-cli index`,
// with pause, resume and cancel. The index is opened for writing only while a job runs, so
// `semsearch-cli` can update it whenever the window is idle. On a shared index (a postgresql://
// location) the jobs write through the same writer as the CLI (shared_index_job.h).

#include "semsearch/error.h"
#include "semsearch/indexer.h"
#include "semsearch/progress.h"
#include "semsearch/shared_embedder.h"

#include <QMetaType>
#include <QObject>
#include <QStringList>
#include <QThread>

#include <deque>
#include <memory>

namespace semsearch::services {

struct IndexJob {
    enum class Kind {
        Index,   // index these paths
        Remove,  // remove these paths
        Reembed, // switch the whole index to the loaded model, plus these paths (reembedIndex)
        Upgrade, // bring an index of an older schema to the current one (no paths, no model)
    };
    Kind kind = Kind::Index;
    QStringList paths;
};

struct IndexJobResult {
    IndexJob job;
    IndexStats stats;         // Index jobs (on a shared index: the working copies' runs)
    std::int64_t removed = 0; // documents removed (Remove jobs; on a shared index, Index too)
    // A shared index's: its displayLocation() (never a password) and the documents an Index job
    // put into the database; empty and 0 for a local index.
    QString location;
    std::int64_t published = 0;
    std::int64_t generation = 0; // the shared index's last generation the job committed; 0 none
    bool ok = true;
    ErrorCode errorCode = ErrorCode::Internal;
    QString error; // one line when !ok
};

class IndexingSession : public QObject {
    Q_OBJECT

public:
    explicit IndexingSession(QObject* parent = nullptr);
    ~IndexingSession() override; // cancels the running job and waits for it to stop

    void setIndexFolder(const QString& folder);
    void setEmbedder(std::shared_ptr<SharedEmbedder> shared);
    void setOptions(const IndexOptions& options);

    // Queue work. Indexing needs the embedder (queued jobs wait for setEmbedder).
    void index(const QStringList& paths);
    void remove(const QStringList& paths);
    // Re-embeds everything the index holds with the loaded model, in a new index that replaces
    // the old one only when complete.
    void reembed();
    // Opens the index for writing once, which upgrades an older schema (the one writer does it,
    // so readers never write). Fails, with the store's one line, for an index this semsearch
    // cannot read (a newer schema, a foreign database) or while another process writes it.
    void upgrade();

    void pause();
    void resume();
    // Stops the running job after its current batch and drops the queued ones. What was
    // committed stays.
    void cancel();

    bool isBusy() const { return m_control != nullptr; } // a job is running
    bool isPaused() const { return m_paused; }
    // The paths of the running and queued jobs.
    QStringList pendingPaths() const;

Q_SIGNALS:
    void jobStarted(const semsearch::services::IndexJob& job);
    void progress(const semsearch::IndexProgress& progress);
    // A batch was committed: readers can see new results.
    void committed();
    void jobFinished(const semsearch::services::IndexJobResult& result);
    void busyChanged(bool busy);
    void pausedChanged(bool paused);

private:
    void startNext();
    void finish(const IndexJobResult& result);

    QString m_folder;
    std::shared_ptr<SharedEmbedder> m_embedder;
    IndexOptions m_options;
    std::deque<IndexJob> m_queue;
    std::shared_ptr<WorkControl> m_control; // of the running job; null when idle
    QThread m_thread;
    QObject* m_context = nullptr; // lives on m_thread; jobs run in its event loop
    bool m_paused = false;
    IndexJob m_current;
};

} // namespace semsearch::services

Q_DECLARE_METATYPE(semsearch::services::IndexJob)
Q_DECLARE_METATYPE(semsearch::services::IndexJobResult)
Q_DECLARE_METATYPE(semsearch::IndexProgress)
