// FolderWatcher on real folders in a fresh temporary folder per test, with both kinds of
// folder events (inotify and QFileSystemWatcher) where both apply: which source each change
// is reported for, how often, and what is not reported.

#include "generous_wait.h"
#include "watch/folder_watcher.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QSaveFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

using namespace semsearch;
using semsearch::services::FolderEventsKind;
using semsearch::services::FolderWatcher;

Q_DECLARE_METATYPE(semsearch::services::FolderEventsKind)

namespace {

constexpr int kQuietMs = 150;
// Changes are read within milliseconds of happening, so a signal still due arrives a quiet
// period after the last change; this is long enough to be sure none is on its way.
constexpr int kSilenceMs = 2 * kQuietMs + 100;
constexpr int kTimeoutMs = test::kGenerousWaitMs;

QStringList signalled(const QSignalSpy& spy) {
    QStringList sources;
    for (const QList<QVariant>& arguments : spy)
        sources.append(arguments.at(0).toString());
    return sources;
}

} // namespace

class TestFolderWatcher : public QObject {
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<FolderWatcher> m_watcher;
    std::unique_ptr<QSignalSpy> m_changed;

    QString at(const QString& relative) const { return m_dir->filePath(relative); }

    static bool write(const QString& path, const QByteArray& bytes = "text\n",
                      QIODevice::OpenMode mode = QIODevice::WriteOnly | QIODevice::Truncate) {
        QDir().mkpath(QFileInfo(path).absolutePath());
        QFile file(path);
        return file.open(mode) && file.write(bytes) == bytes.size();
    }
    static bool append(const QString& path, const QByteArray& bytes = "more\n") {
        return write(path, bytes, QIODevice::WriteOnly | QIODevice::Append);
    }

    // A watcher of the row's kind on `sources`, with its watches in place.
    bool startWatching(const QStringList& sources, const WalkOptions& walk = {}) {
        QFETCH(FolderEventsKind, kind);
        m_watcher = std::make_unique<FolderWatcher>(kind);
        m_watcher->setQuietPeriod(kQuietMs);
        m_watcher->setWalkOptions(walk);
        m_changed = std::make_unique<QSignalSpy>(m_watcher.get(), &FolderWatcher::sourceChanged);
        return setSources(sources);
    }
    bool setSources(const QStringList& sources) {
        QSignalSpy updated(m_watcher.get(), &FolderWatcher::watchesUpdated);
        m_watcher->setSources(sources);
        return updated.wait(kTimeoutMs);
    }

    // Waits for the first signal, then long enough for any other; returns them all.
    QStringList changedSources() {
        if (m_changed->isEmpty() && !m_changed->wait(kTimeoutMs))
            return {};
        QTest::qWait(kQuietMs + 100);
        const QStringList sources = signalled(*m_changed);
        m_changed->clear();
        return sources;
    }
    QStringList changedSourcesWithoutWaitingForOne() {
        QTest::qWait(kSilenceMs);
        const QStringList sources = signalled(*m_changed);
        m_changed->clear();
        return sources;
    }

    // Where the kinds differ: what they are told about a change.
    static void bothKinds() {
        QTest::addColumn<FolderEventsKind>("kind");
        QTest::newRow("inotify") << FolderEventsKind::Native;
        QTest::newRow("QFileSystemWatcher") << FolderEventsKind::QtWatcher;
    }
    // Where they do not: what the watcher does with it.
    static void nativeKind() {
        QTest::addColumn<FolderEventsKind>("kind");
        QTest::newRow("inotify") << FolderEventsKind::Native;
    }

private Q_SLOTS:
    void init() {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
    }
    void cleanup() {
        m_changed.reset();
        m_watcher.reset();
        m_dir.reset();
    }

    void burstInNestedFolderGivesOneSignal_data() { bothKinds(); }
    void burstInNestedFolderGivesOneSignal() {
        QVERIFY(QDir().mkpath(at("docs/a/b")));
        QVERIFY(startWatching({at("docs")}));

        QElapsedTimer sinceLastWrite;
        QVERIFY(write(at("docs/a/b/new.txt")));
        for (int i = 0; i < 4; ++i) {
            QTest::qWait(20);
            QVERIFY(append(at("docs/a/b/new.txt")));
        }
        sinceLastWrite.start();
        QVERIFY(m_changed->wait(kTimeoutMs));
        QFETCH(FolderEventsKind, kind);
        if (kind == FolderEventsKind::Native) // the other sees the creation only
            QVERIFY2(sinceLastWrite.elapsed() >= kQuietMs * 9 / 10,
                     qPrintable(QString::number(sinceLastWrite.elapsed())));
        QCOMPARE(changedSources(), QStringList{at("docs")});
    }

    // inotify only: QFileSystemWatcher does not report files written in place on Linux, which
    // is why the native kind exists.
    void fileWrittenInPlace_data() { nativeKind(); }
    void fileWrittenInPlace() {
        QVERIFY(write(at("docs/sub/doc.txt")));
        QVERIFY(startWatching({at("docs")}));
        QVERIFY(append(at("docs/sub/doc.txt")));
        QCOMPARE(changedSources(), QStringList{at("docs")});
    }

    void newSubfolderIsWatched_data() { bothKinds(); }
    void newSubfolderIsWatched() {
        QVERIFY(QDir().mkpath(at("docs")));
        QVERIFY(startWatching({at("docs")}));
        const int before = m_watcher->watchedFolderCount();
        QCOMPARE(before, 2); // the temporary folder holding the source, and the source

        QVERIFY(QDir().mkpath(at("docs/new/deeper")));
        QCOMPARE(changedSources(), QStringList{at("docs")});
        QTRY_COMPARE_WITH_TIMEOUT(m_watcher->watchedFolderCount(), before + 2, kTimeoutMs);

        // Seen only through the new folder's own watch.
        QVERIFY(write(at("docs/new/deeper/file.txt")));
        QCOMPARE(changedSources(), QStringList{at("docs")});
    }

    void deletedFileTriggers_data() { bothKinds(); }
    void deletedFileTriggers() {
        QVERIFY(write(at("docs/sub/old.txt")));
        QVERIFY(startWatching({at("docs")}));
        QVERIFY(QFile::remove(at("docs/sub/old.txt")));
        QCOMPARE(changedSources(), QStringList{at("docs")});
    }

    void disabledWatcherIsSilent_data() { nativeKind(); }
    void disabledWatcherIsSilent() {
        QVERIFY(QDir().mkpath(at("docs/sub")));
        QVERIFY(startWatching({at("docs")}));
        QVERIFY(write(at("docs/sub/pending.txt")));
        // Disabled before the quiet period is over: the pending signal is dropped too.
        QSignalSpy updated(m_watcher.get(), &FolderWatcher::watchesUpdated);
        m_watcher->setEnabled(false);
        QVERIFY(updated.wait(kTimeoutMs));
        QCOMPARE(updated.last().at(0).toInt(), 0);
        QVERIFY(write(at("docs/sub/a.txt")));
        QVERIFY(QFile::remove(at("docs/sub/a.txt")));
        QCOMPARE(changedSourcesWithoutWaitingForOne(), QStringList());

        m_watcher->setEnabled(true);
        QVERIFY(updated.wait(kTimeoutMs));
        QVERIFY(m_watcher->watchedFolderCount() > 0);
        QVERIFY(write(at("docs/sub/b.txt")));
        QCOMPARE(changedSources(), QStringList{at("docs")});
    }

    void excludedAndHiddenChangesAreIgnored_data() { bothKinds(); }
    void excludedAndHiddenChangesAreIgnored() {
        QVERIFY(QDir().mkpath(at("app/node_modules/pkg")));
        QVERIFY(QDir().mkpath(at("app/.git/objects")));
        WalkOptions walk;
        walk.excludePatterns = {QStringLiteral("node_modules"), QStringLiteral("*.min.js")};
        QVERIFY(startWatching({at("app")}, walk));
        QCOMPARE(m_watcher->watchedFolderCount(), 2); // the parent and app: nothing below

        QVERIFY(write(at("app/node_modules/pkg/index.js")));
        QVERIFY(write(at("app/.git/objects/ab")));
        QCOMPARE(changedSourcesWithoutWaitingForOne(), QStringList());

        QFETCH(FolderEventsKind, kind);
        if (kind == FolderEventsKind::Native) {
            // Named entries in a watched folder: inotify says which, so these are ignored too.
            // (QFileSystemWatcher only says "something changed in app".)
            QVERIFY(write(at("app/bundle.min.js")));
            QVERIFY(write(at("app/.notes.txt.swp")));
            QVERIFY(QDir().mkpath(at("app/node_modules/other")));
            QCOMPARE(changedSourcesWithoutWaitingForOne(), QStringList());
        }
        QCOMPARE(m_watcher->watchedFolderCount(), 2);

        QVERIFY(write(at("app/readme.txt")));
        QCOMPARE(changedSources(), QStringList{at("app")});
    }

    void twoSourcesMapToThemselves_data() { bothKinds(); }
    void twoSourcesMapToThemselves() {
        QVERIFY(QDir().mkpath(at("one/sub")));
        QVERIFY(QDir().mkpath(at("two/sub")));
        const QString two = at("two") + QLatin1Char('/'); // named back exactly as given
        QVERIFY(startWatching({at("one"), two}));

        QVERIFY(write(at("one/sub/x.txt")));
        QCOMPARE(changedSources(), QStringList{at("one")});
        QVERIFY(write(at("two/sub/y.txt")));
        QCOMPARE(changedSources(), QStringList{two});

        // Both at once: one signal each.
        QVERIFY(write(at("one/z.txt")));
        QVERIFY(write(at("two/z.txt")));
        QTest::qWait(kSilenceMs);
        QStringList both = changedSources();
        both.sort();
        QCOMPARE(both, QStringList({at("one"), two}));
    }

    void innermostSourceTakesTheChange_data() { bothKinds(); }
    void innermostSourceTakesTheChange() {
        QVERIFY(QDir().mkpath(at("outer/inner/deep")));
        QVERIFY(startWatching({at("outer"), at("outer/inner")}));
        QVERIFY(write(at("outer/inner/deep/x.txt")));
        QCOMPARE(changedSources(), QStringList{at("outer/inner")});
        QVERIFY(write(at("outer/y.txt")));
        QCOMPARE(changedSources(), QStringList{at("outer")});
    }

    void fileSourceIsWatchedAlone_data() { bothKinds(); }
    void fileSourceIsWatchedAlone() {
        QVERIFY(write(at("notes/todo.txt")));
        QVERIFY(write(at("notes/other.txt")));
        QVERIFY(startWatching({at("notes/todo.txt")}));

        QVERIFY(append(at("notes/other.txt")));
        QVERIFY(write(at("notes/new.txt")));
        QCOMPARE(changedSourcesWithoutWaitingForOne(), QStringList());

        // Saved the way many editors do: a temporary file renamed over the old one.
        QSaveFile save(at("notes/todo.txt"));
        QVERIFY(save.open(QIODevice::WriteOnly));
        save.write("rewritten\n");
        QVERIFY(save.commit());
        QCOMPARE(changedSources(), QStringList{at("notes/todo.txt")});

        QVERIFY(QFile::remove(at("notes/todo.txt")));
        QCOMPARE(changedSources(), QStringList{at("notes/todo.txt")});
    }

    void removedSourceIsNoLongerWatched_data() { nativeKind(); }
    void removedSourceIsNoLongerWatched() {
        QVERIFY(QDir().mkpath(at("one/sub")));
        QVERIFY(QDir().mkpath(at("two/sub")));
        QVERIFY(startWatching({at("one"), at("two")}));
        const int both = m_watcher->watchedFolderCount();
        QCOMPARE(both, 5); // the parent, and each source with its subfolder

        QVERIFY(setSources({at("two")}));
        QCOMPARE(m_watcher->watchedFolderCount(), 3);
        QVERIFY(write(at("one/sub/x.txt")));
        QVERIFY(write(at("one/x.txt")));
        QCOMPARE(changedSourcesWithoutWaitingForOne(), QStringList());
        QVERIFY(write(at("two/sub/x.txt")));
        QCOMPARE(changedSources(), QStringList{at("two")});
    }

    void folderMovedAwayStopsCounting_data() { bothKinds(); }
    void folderMovedAwayStopsCounting() {
        QVERIFY(QDir().mkpath(at("docs/sub/deep")));
        QVERIFY(QDir().mkpath(at("elsewhere")));
        QVERIFY(startWatching({at("docs")}));
        QCOMPARE(m_watcher->watchedFolderCount(), 4);

        QVERIFY(QDir().rename(at("docs/sub"), at("elsewhere/sub")));
        QCOMPARE(changedSources(), QStringList{at("docs")});
        QTRY_COMPARE_WITH_TIMEOUT(m_watcher->watchedFolderCount(), 2, kTimeoutMs);
        QVERIFY(write(at("elsewhere/sub/deep/x.txt")));
        QCOMPARE(changedSourcesWithoutWaitingForOne(), QStringList());
    }

    void sourceDeletedAndCreatedAgain_data() { bothKinds(); }
    void sourceDeletedAndCreatedAgain() {
        QVERIFY(write(at("docs/sub/x.txt")));
        QVERIFY(startWatching({at("docs")}));
        QVERIFY(QDir(at("docs")).removeRecursively());
        QCOMPARE(changedSources(), QStringList{at("docs")});
        QTRY_COMPARE_WITH_TIMEOUT(m_watcher->watchedFolderCount(), 1, kTimeoutMs); // the parent

        QVERIFY(QDir().mkpath(at("docs/again")));
        QCOMPARE(changedSources(), QStringList{at("docs")});
        QTRY_COMPARE_WITH_TIMEOUT(m_watcher->watchedFolderCount(), 3, kTimeoutMs);
        QVERIFY(write(at("docs/again/y.txt")));
        QCOMPARE(changedSources(), QStringList{at("docs")});
    }

    void capIsReportedOnceAndTheRestStillWorks_data() { nativeKind(); }
    void capIsReportedOnceAndTheRestStillWorks() {
        for (int i = 0; i < 6; ++i)
            QVERIFY(QDir().mkpath(at(QStringLiteral("docs/f%1/g").arg(i))));
        QFETCH(FolderEventsKind, kind);
        m_watcher = std::make_unique<FolderWatcher>(kind);
        m_watcher->setQuietPeriod(kQuietMs);
        m_watcher->setMaxWatchedFolders(4);
        m_changed = std::make_unique<QSignalSpy>(m_watcher.get(), &FolderWatcher::sourceChanged);
        QSignalSpy limited(m_watcher.get(), &FolderWatcher::watchLimited);
        QVERIFY(setSources({at("docs")}));
        QCOMPARE(m_watcher->watchedFolderCount(), 4);
        QCOMPARE(limited.count(), 1);
        QVERIFY(limited.at(0).at(0).toString().contains(QLatin1String("4 folders")));

        // New folders past the cap: still not watched, and not reported again.
        QVERIFY(QDir().mkpath(at("docs/f9")));
        QCOMPARE(changedSources(), QStringList{at("docs")});
        QCOMPARE(m_watcher->watchedFolderCount(), 4);
        QCOMPARE(limited.count(), 1);

        // Breadth first: the source's own folder is among the watched.
        QVERIFY(write(at("docs/top.txt")));
        QCOMPARE(changedSources(), QStringList{at("docs")});
    }
};

QTEST_GUILESS_MAIN(TestFolderWatcher)
#include "test_folder_watcher.moc"
