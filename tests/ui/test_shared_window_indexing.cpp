// The window indexing into a shared index (issue 19), under the offscreen platform with the tiny
// model and a private PostgreSQL 15 (postgres_server.h), starting from an empty database. A
// folder added in the window reaches the database (its files, as they are on disk, read back
// with exportSharedIndex), the indexing bar names the location, and the window neither keeps
// reading everything again afterwards nor indexes the folder twice; another machine's commit
// is heard and shown; a file edited in the watched folder reaches the database by itself; the
// other machine's source can be neither re-indexed nor removed from here, and says which
// machine indexes it.

#include "generous_wait.h"
#include "postgres_server.h"
#include "reference_data.h"
#include "shared_index_writes.h"
#include "sources/sources_panel.h"
#include "window/main_window.h"

#include "semsearch/shared_index_location.h"
#include "semsearch/shared_index_searcher.h"

#include <QAction>
#include <QDir>
#include <QFile>
#include <QItemSelectionModel>
#include <QLabel>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTreeView>
#include <QtTest>

#include <map>

using namespace semsearch;
using namespace semsearch::test;

namespace {

const QString kOtherSource = QStringLiteral("/srv/elsewhere");
const QString kOtherMachine = QStringLiteral("laptop-b");

bool writeFile(const QString& path, const QByteArray& bytes) {
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) &&
           file.write(bytes) == bytes.size();
}

// Each document the shared index holds, with its size; {"", -1} when it cannot be read.
std::map<QString, qint64> heldDocuments(const QString& location) {
    std::map<QString, qint64> documents;
    auto read =
        exportSharedIndex(location, [&](const DocumentRecord& document, const PassageRecord&,
                                        const QString&, const float*, int) {
            documents[document.path] = document.size;
            return true;
        });
    if (!read)
        return {{QString(), -1}};
    return documents;
}

// The row of `path` in the sources panel, selected alone.
bool selectSource(QTreeView* sources, const QString& path) {
    QAbstractItemModel* model = sources->model();
    for (int row = 0; row < model->rowCount(); ++row) {
        const QModelIndex index = model->index(row, ui::SourcesPanel::PathColumn);
        if (index.data(Qt::ToolTipRole).toString().startsWith(QDir::toNativeSeparators(path))) {
            sources->selectionModel()->select(index, QItemSelectionModel::ClearAndSelect |
                                                         QItemSelectionModel::Rows);
            return true;
        }
    }
    return false;
}

} // namespace

class TestSharedWindowIndexing : public QObject {
    Q_OBJECT

    QTemporaryDir m_temp;
    std::unique_ptr<PostgresServer> m_server;
    QString m_location;

    QString docs() const { return m_temp.path() + QStringLiteral("/docs"); }

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_temp.isValid());
        qputenv("XDG_CACHE_HOME", (m_temp.path() + QStringLiteral("/cache")).toUtf8());
        qputenv("SEMSEARCH_MACHINE", "this-machine");
        m_server = std::make_unique<PostgresServer>();
        QVERIFY2(m_server->isRunning(), qPrintable(m_server->error()));
        QCOMPARE(m_server->runSql(QStringLiteral("CREATE DATABASE team")), QString());
        m_location = m_server->location(QStringLiteral("team"));
        QVERIFY(writeFile(docs() + QStringLiteral("/cats.txt"),
                          "Cats sleep for most of the day. They like warm places.\n"));
        QVERIFY(writeFile(docs() + QStringLiteral("/kitchen/recipe.txt"),
                          "Whisk the eggs with sugar until pale, then fold in the flour.\n"));
    }

    void addsWatchesAndKeepsOtherMachinesSources() {
        services::AppSettings settings;
        settings.modelFolder = tinyModelPath();
        settings.indexFolder = m_location;
        settings.watchFolders = true;
        ui::MainWindow window(settings);
        window.show();
        QSignalSpy overviews(&window, &ui::MainWindow::overviewShown);
        QSignalSpy finished(&window, &ui::MainWindow::indexingFinished);
        QVERIFY(overviews.wait(kGenerousWaitMs));

        // Added: the database holds the files, and the bar says where they went.
        window.addPaths({docs()});
        QVERIFY(finished.wait(kGenerousWaitMs));
        QCOMPARE(finished.takeFirst().at(0).toBool(), true);
        const QString outcome = window.findChild<QLabel*>(QStringLiteral("indexingStatus"))->text();
        QVERIFY2(outcome.contains(QStringLiteral("2 documents published to ") +
                                  displayLocation(m_location)),
                 qPrintable(outcome));
        const std::map<QString, qint64> expected = {
            {docs() + QStringLiteral("/cats.txt"),
             QFileInfo(docs() + QStringLiteral("/cats.txt")).size()},
            {docs() + QStringLiteral("/kitchen/recipe.txt"),
             QFileInfo(docs() + QStringLiteral("/kitchen/recipe.txt")).size()}};
        std::map<QString, qint64> held = heldDocuments(m_location);
        QCOMPARE(held.size(), expected.size());
        for (const auto& [path, size] : expected) {
            QVERIFY2(held.count(path), qPrintable(path));
            QCOMPARE(held[path], size);
        }
        // Its own commits are read once, not again and again, and the folder it has just
        // indexed is not indexed a second time to catch up.
        QTest::qWait(4000);
        overviews.clear();
        QTest::qWait(4000);
        QCOMPARE(overviews.count(), 0);
        QCOMPARE(finished.count(), 0);

        // Another machine's commit is heard and shown.
        auto embedder = openEmbedder(tinyModelPath());
        QVERIFY(embedder.ok());
        WrittenIndex written;
        QCOMPARE(commitDocuments(m_location, kOtherMachine, kOtherSource,
                                 {{kOtherSource + QStringLiteral("/plans.md"),
                                   {QStringLiteral("The garden plans for next spring.")}}},
                                 **embedder, written),
                 QString());
        auto* sources = window.findChild<QTreeView*>(QStringLiteral("sources"));
        QVERIFY(sources);
        QTRY_VERIFY_WITH_TIMEOUT(selectSource(sources, kOtherSource), kGenerousWaitMs);

        // Watched: an edited file reaches the database by itself.
        const QByteArray edited = "Cats sleep most of the day, and dogs guard the house at "
                                  "night while the cats dream.\n";
        QVERIFY(writeFile(docs() + QStringLiteral("/cats.txt"), edited));
        QTRY_COMPARE_WITH_TIMEOUT(heldDocuments(m_location)[docs() + QStringLiteral("/cats.txt")],
                                  qint64(edited.size()), kGenerousWaitMs);

        // Another machine's source: re-index and remove are off, naming the machine.
        auto* reindex = window.findChild<QAction*>(QStringLiteral("sourcesReindex"));
        auto* remove = window.findChild<QAction*>(QStringLiteral("sourcesRemove"));
        QVERIFY(reindex && remove);
        QVERIFY(selectSource(sources, kOtherSource));
        QVERIFY(!reindex->isEnabled());
        QVERIFY(!remove->isEnabled());
        QVERIFY2(remove->toolTip().contains(kOtherMachine), qPrintable(remove->toolTip()));
        QVERIFY(selectSource(sources, docs()));
        QVERIFY(reindex->isEnabled());
        QVERIFY(remove->isEnabled());
        QVERIFY(!remove->toolTip().contains(kOtherMachine));
    }
};

QTEST_MAIN(TestSharedWindowIndexing)
#include "test_shared_window_indexing.moc"
