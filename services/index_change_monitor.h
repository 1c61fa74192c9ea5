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
// GUI thread (any thread with an event loop); Qt Core only.

#include <QObject>
#include <QString>
#include <QTimer>

namespace semsearch::services {

class IndexChangeMonitor : public QObject {
    Q_OBJECT

public:
    explicit IndexChangeMonitor(QObject* parent = nullptr);

    // Watches the index in `folder` from now on (what is there now is the starting point);
    // an empty folder stops watching.
    void setIndexFolder(const QString& folder);
    // Takes the files as they are now as seen, e.g. after this process committed itself.
    void markSeen();
    // How often the files are looked at (default kDefaultIntervalMs).
    void setInterval(int intervalMs);

    static constexpr int kDefaultIntervalMs = 2000;

Q_SIGNALS:
    // The index changed on disk since it was last seen.
    void changed();

private:
    QString fingerprint() const;
    void check();

    QString m_folder;
    QString m_seen;
    QTimer m_timer;
};

} // namespace semsearch::services
