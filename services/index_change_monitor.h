#pragma once

// Notices when another process (semsearch-cli, another window's writer) commits to the index a
// window is showing, so that the window can read again what it shows: the sources, the counts,
// the filters, the results. Searching already catches up with such commits; what is shown
// besides the results would otherwise stay as it was until the window itself indexed again.
//
// It looks at the database file and its write-ahead log ("-wal") every `intervalMs`: a commit
// writes the log, a checkpoint the database, so a change of either file's size or time is a
// commit. A reader never writes them. Polling costs two stat calls per interval and works on
// every file system (inotify does not see writes made on another machine of a network mount).
//
// A shared index on PostgreSQL (shared_index_location.h) is not polled: every commit there is
// announced, and an AnnouncementListener on a thread of its own hears it (connecting may take
// the connect timeout, which the GUI thread must not wait for). A connection that cannot be
// made or is lost is said once (listeningLost), tried again every kRetryIntervalMs, and said
// again when it is back (listeningRestored, followed by changed(), since what was committed
// meanwhile was not announced to this window).
//
// GUI thread (any thread with an event loop); Qt Core only.

#include <QObject>
#include <QString>
#include <QThread>
#include <QTimer>

namespace semsearch::services {

class IndexChangeMonitor : public QObject {
    Q_OBJECT

public:
    explicit IndexChangeMonitor(QObject* parent = nullptr);

    ~IndexChangeMonitor() override;

    // Watches the index in `folder` (or at a shared index's location) from now on (what is
    // there now is the starting point); an empty folder stops watching.
    void setIndexFolder(const QString& folder);
    // Takes the files as they are now as seen, e.g. after this process committed itself; on a
    // shared index, the announcements of generations up to `generation` (the last this window
    // committed itself), which may arrive after the window has read what its commits did.
    void markSeen(qint64 generation = 0);
    // How often the files are looked at (default kDefaultIntervalMs).
    void setInterval(int intervalMs);
    // How often a lost connection to a shared index is tried again (default kRetryIntervalMs);
    // applies from the next setIndexFolder.
    void setRetryInterval(int intervalMs);

    static constexpr int kDefaultIntervalMs = 2000;
    static constexpr int kRetryIntervalMs = 30000;

Q_SIGNALS:
    // The index changed on disk (or some machine committed to the shared index) since it was
    // last seen.
    void changed();
    // The shared index's announcements cannot be heard: one line naming the location (never its
    // password). Said once per loss.
    void listeningLost(const QString& message);
    // They can be heard again.
    void listeningRestored();

private:
    QString fingerprint() const;
    void check();
    void listen(const QString& location);
    void stopListening();

    QString m_folder;
    QString m_seen;
    QTimer m_timer;
    int m_retryMs = kRetryIntervalMs;
    QThread* m_listening = nullptr; // the AnnouncementListener's thread, for a shared index
    quint64 m_generation = 0;       // of the listener; signals of an earlier one are dropped
    qint64 m_seenCommit = 0;        // a shared index's last generation marked seen
};

} // namespace semsearch::services
