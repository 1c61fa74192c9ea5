// The main window under the offscreen platform, with the tiny model: empty states, search as
// you type, a dropped folder gets indexed and becomes searchable, cancel keeps a consistent
// index, keyboard navigation, and a second writer's clear message.

#include "brute_force_ranking.h"
#include "generous_wait.h"
#include "indexing_session.h"
#include "model_folder_fixture.h"
#include "older_schema.h"
#include "reference_data.h"
#include "results/result_list_model.h"
#include "stored_passages.h"
#include "window/main_window.h"

#include "semsearch/indexer.h"
#include "semsearch/searcher.h"

#include <QAction>
#include <QComboBox>
#include <QDropEvent>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QMimeData>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QToolButton>
#include <QTreeView>
#include <QtTest>

using namespace semsearch;
using namespace semsearch::test;

namespace {

bool writeFile(const QString& path, const QByteArray& bytes) {
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

const QByteArray kCats = "Cats sleep for most of the day. They like warm places near windows.\n";
const QByteArray kTaxes = "The tax return is due at the end of April. Keep every receipt.\n";
const QByteArray kRecipe = "Whisk the eggs with sugar until pale, then fold in the flour.\n";

// What the results list shows: each document row with its passage rows, keyed by passage id.
std::vector<ReportedDocument> shownResults(const QAbstractItemModel& model) {
    std::vector<ReportedDocument> documents;
    for (int row = 0; row < model.rowCount(); ++row) {
        const QModelIndex document = model.index(row, 0);
        documents.push_back({document.data(ui::ResultListModel::PathRole).toString(),
                             document.data(ui::ResultListModel::ScoreRole).toDouble(),
                             {}});
        for (int child = 0; child < model.rowCount(document); ++child) {
            const QModelIndex passage = model.index(child, 0, document);
            documents.back().passages.push_back(
                {QString::number(passage.data(ui::ResultListModel::PassageIdRole).toLongLong()),
                 passage.data(ui::ResultListModel::ScoreRole).toDouble()});
        }
    }
    return documents;
}

// Sends what a drag of `paths` from a file manager onto the window sends.
bool dropOn(QWidget* window, const QStringList& paths) {
    QMimeData mime;
    QList<QUrl> urls;
    for (const QString& path : paths)
        urls << QUrl::fromLocalFile(path);
    mime.setUrls(urls);
    const QPoint centre = window->rect().center();
    QDragEnterEvent enter(centre, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(window, &enter);
    if (!enter.isAccepted())
        return false;
    auto* overlay = window->findChild<QWidget*>(QStringLiteral("dropOverlay"));
    if (!overlay || !overlay->isVisible())
        return false; // the user must see where to drop
    QDropEvent drop(QPointF(centre), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(window, &drop);
    return drop.isAccepted() && !overlay->isVisible();
}

} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_docs;
    QString m_index;

    services::AppSettings settings() const {
        services::AppSettings s;
        s.modelFolder = tinyModelPath();
        s.indexFolder = m_index;
        s.watchFolders = false;
        return s;
    }

    // Waits until the window has loaded the model and read the index.
    static bool ready(ui::MainWindow& window) {
        QSignalSpy model(&window, &ui::MainWindow::modelReady);
        QSignalSpy overview(&window, &ui::MainWindow::overviewShown);
        return (model.count() > 0 || model.wait(kGenerousWaitMs)) &&
               (overview.count() > 0 || overview.wait(kGenerousWaitMs));
    }

    static QWidget* currentPage(ui::MainWindow& window) {
        return window.findChild<QStackedWidget*>()->currentWidget();
    }

    void buildIndex() {
        auto index = IndexFolder::open(m_index, IndexFolder::Mode::Write);
        QVERIFY(index.ok());
        auto embedder = openEmbedder(tinyModelPath());
        QVERIFY(embedder.ok());
        Indexer indexer(**index, **embedder);
        QVERIFY(indexer.run({m_docs}).ok());
    }

private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void init() {
        QVERIFY(m_tmp.isValid());
        QSettings().remove(QStringLiteral("search/mode")); // the window remembers the last one
        const QString base = m_tmp.path() + QLatin1Char('/') + QTest::currentTestFunction();
        m_docs = base + QStringLiteral("/docs");
        m_index = base + QStringLiteral("/index");
        QVERIFY(writeFile(m_docs + QStringLiteral("/cats.txt"), kCats));
        QVERIFY(writeFile(m_docs + QStringLiteral("/money/taxes.md"), kTaxes));
        QVERIFY(writeFile(m_docs + QStringLiteral("/kitchen/recipe.txt"), kRecipe));
    }

    void missingModelSaysHowToGetOne() {
        services::AppSettings s = settings();
        s.modelFolder = m_tmp.path() + QStringLiteral("/no-model-here");
        ui::MainWindow window(s);
        window.show();
        QTRY_COMPARE_WITH_TIMEOUT(currentPage(window)->objectName(), QStringLiteral("noModelPage"),
                                  kGenerousWaitMs);
        auto* text = currentPage(window)->findChild<QLabel*>(QStringLiteral("emptyText"));
        QVERIFY(text);
        QVERIFY(text->text().contains(QStringLiteral("model download")));
        QVERIFY(text->text().contains(QStringLiteral("no-model-here")));
    }

    void emptyIndexSaysDropFoldersHere() {
        ui::MainWindow window(settings());
        window.show();
        QVERIFY(ready(window));
        QCOMPARE(currentPage(window)->objectName(), QStringLiteral("nothingIndexedPage"));
        auto* title = currentPage(window)->findChild<QLabel*>(QStringLiteral("emptyTitle"));
        QCOMPARE(title->text(), QStringLiteral("Drop folders here"));
    }

    // The window's ranking against brute force over the stored vectors. One file's passages
    // all outrank every other file's, and there are more files than the window shows: the others
    // must still follow it, in their order.
    void typingAQueryFillsTheResults() {
        const QString typed = QStringLiteral("where do cats nap");
        QByteArray naps;
        for (int i = 0; i < 200; ++i)
            naps += "Where do cats nap, day " + QByteArray::number(i) + "?\n\n";
        QVERIFY(writeFile(m_docs + QStringLiteral("/naps.txt"), naps));
        for (int i = 0; i < 8; ++i)
            QVERIFY(writeFile(m_docs + QStringLiteral("/more/%1.txt").arg(i),
                              "Shelf " + QByteArray::number(i) + " holds old maps of " +
                                  QByteArray::number(1900 + i * 7) + ".\n"));
        buildIndex();
        services::AppSettings s = settings();
        s.searchResultLimit = 5;
        ui::MainWindow window(s);
        window.show();
        QVERIFY(ready(window));
        QCOMPARE(currentPage(window)->objectName(), QStringLiteral("readyPage"));
        auto* query = window.findChild<QLineEdit*>(QStringLiteral("query"));
        auto* results = window.findChild<QTreeView*>(QStringLiteral("results"));
        // By meaning only: the ranking brute force over the vectors gives.
        auto* mode = window.findChild<QComboBox*>(QStringLiteral("searchMode"));
        mode->setCurrentIndex(mode->findData(int(SearchMode::Semantic)));
        QSignalSpy shown(&window, &ui::MainWindow::resultsShown);
        QTest::keyClicks(query, typed);
        QVERIFY(shown.wait(kGenerousWaitMs));
        QCOMPARE(currentPage(window)->objectName(), QStringLiteral("resultsSplitter"));

        auto index = IndexFolder::open(m_index, IndexFolder::Mode::Read);
        auto embedder = openEmbedder(tinyModelPath());
        QVERIFY(index.ok() && embedder.ok());
        auto stored = storedPassages((*index)->store());
        auto queryVector = (*embedder)->embed({typed});
        QVERIFY(stored.ok() && queryVector.ok());
        const std::vector<RankedDocument> expected = rankDocuments(*stored, queryVector->values);
        QCOMPARE(expected.size(), std::size_t(12));
        QCOMPARE(expected.front().path, m_docs + QStringLiteral("/naps.txt"));
        const std::size_t ahead = passagesAheadOfTheRest(expected);
        QVERIFY2(ahead >= 180, qPrintable(QString::number(ahead)));
        // Five documents with up to five passages each, as the window asks for.
        const QString difference = compareRanking(expected, shownResults(*results->model()), 5, 5);
        QVERIFY2(difference.isEmpty(), qPrintable(difference));
        // The best result is selected and previewed.
        QCOMPARE(results->currentIndex().row(), 0);
    }

    // The mode choice beside the field, a file dropped on the field ("more like this", which
    // indexes nothing), "Find Similar Documents", and identical copies shown once.
    // Words alone are looked up in the database: with no model to load, a keyword search still
    // answers, where the other modes wait for a model.
    void keywordSearchNeedsNoModel() {
        QVERIFY(writeFile(m_docs + QStringLiteral("/xylo.txt"),
                          "The xylophone was tuned by hand before the recital.\n"));
        buildIndex();
        services::AppSettings s = settings();
        s.modelFolder = m_tmp.path() + QStringLiteral("/no-model-here");
        ui::MainWindow window(s);
        window.show();
        QTRY_COMPARE_WITH_TIMEOUT(currentPage(window)->objectName(), QStringLiteral("noModelPage"),
                                  kGenerousWaitMs);
        auto* query = window.findChild<QLineEdit*>(QStringLiteral("query"));
        auto* mode = window.findChild<QComboBox*>(QStringLiteral("searchMode"));
        mode->setCurrentIndex(mode->findData(int(SearchMode::Keyword)));
        QSignalSpy shown(&window, &ui::MainWindow::resultsShown);
        QTest::keyClicks(query, QStringLiteral("xylophone"));
        QVERIFY(shown.wait(kGenerousWaitMs));
        QAbstractItemModel* model =
            window.findChild<QTreeView*>(QStringLiteral("results"))->model();
        QCOMPARE(model->rowCount(), 1);
        QCOMPARE(model->index(0, 0).data(ui::ResultListModel::PathRole).toString(),
                 m_docs + QStringLiteral("/xylo.txt"));
        QCOMPARE(currentPage(window)->objectName(), QStringLiteral("resultsSplitter"));
        // By meaning, the same words need the model.
        mode->setCurrentIndex(mode->findData(int(SearchMode::Hybrid)));
        QCOMPARE(currentPage(window)->objectName(), QStringLiteral("noModelPage"));
    }

    void searchModesMoreLikeThisAndCopies() {
        QVERIFY(writeFile(m_docs + QStringLiteral("/xylo.txt"),
                          "The xylophone was tuned by hand before the recital.\n"));
        QVERIFY(writeFile(m_docs + QStringLiteral("/backup/cats.txt"), kCats));
        buildIndex();
        ui::MainWindow window(settings());
        window.show();
        QVERIFY(ready(window));
        auto* query = window.findChild<QLineEdit*>(QStringLiteral("query"));
        auto* mode = window.findChild<QComboBox*>(QStringLiteral("searchMode"));
        QAbstractItemModel* model =
            window.findChild<QTreeView*>(QStringLiteral("results"))->model();
        QCOMPARE(mode->currentData().toInt(), int(SearchMode::Hybrid)); // the default
        auto shownPaths = [&] {
            QStringList paths;
            for (int row = 0; row < model->rowCount(); ++row)
                paths << model->index(row, 0).data(ui::ResultListModel::PathRole).toString();
            return paths;
        };

        mode->setCurrentIndex(mode->findData(int(SearchMode::Keyword)));
        QSignalSpy shown(&window, &ui::MainWindow::resultsShown);
        QTest::keyClicks(query, QStringLiteral("xylophone"));
        QVERIFY(shown.wait(kGenerousWaitMs));
        QCOMPARE(shownPaths(), QStringList{m_docs + QStringLiteral("/xylo.txt")});

        // Copies: one row naming the other place.
        query->clear();
        QTest::keyClicks(query, QStringLiteral("cats"));
        QVERIFY(shown.wait(kGenerousWaitMs));
        QCOMPARE(shownPaths().size(), 1);
        QStringList both = shownPaths();
        both << model->index(0, 0).data(ui::ResultListModel::DuplicatesRole).toStringList();
        both.sort();
        QCOMPARE(both, QStringList({m_docs + QStringLiteral("/backup/cats.txt"),
                                    m_docs + QStringLiteral("/cats.txt")}));
        // Expanded, the row lists the other place after its passages; Enter there opens it.
        auto* results = window.findChild<QTreeView*>(QStringLiteral("results"));
        const QModelIndex document = model->index(0, 0);
        const QModelIndex copy = model->index(model->rowCount(document) - 1, 0, document);
        QVERIFY(copy.data(ui::ResultListModel::IsCopyRole).toBool());
        const QString other = document.data(ui::ResultListModel::DuplicatesRole).toStringList()[0];
        QCOMPARE(copy.data(ui::ResultListModel::PathRole).toString(), other);
        QStringList opened;
        window.setUrlOpener([&](const QUrl& url) {
            opened << url.toLocalFile();
            return true;
        });
        results->expand(document);
        results->setCurrentIndex(copy);
        QTest::keyClick(results, Qt::Key_Return);
        QCOMPARE(opened, QStringList{other});

        // A file dropped on the field: documents like it, never itself or its copy.
        QSignalSpy indexing(&window, &ui::MainWindow::indexingFinished);
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(m_docs + QStringLiteral("/cats.txt"))});
        QDragEnterEvent enter(query->rect().center(), Qt::CopyAction, &mime, Qt::LeftButton,
                              Qt::NoModifier);
        QApplication::sendEvent(query, &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(query->rect().center()), Qt::CopyAction, &mime, Qt::LeftButton,
                        Qt::NoModifier);
        QApplication::sendEvent(query, &drop);
        QVERIFY(drop.isAccepted());
        QVERIFY(shown.wait(kGenerousWaitMs));
        QCOMPARE(query->text(), QStringLiteral("like:") + m_docs + QStringLiteral("/cats.txt"));
        QStringList like = shownPaths();
        like.sort();
        QCOMPARE(like, QStringList({m_docs + QStringLiteral("/kitchen/recipe.txt"),
                                    m_docs + QStringLiteral("/money/taxes.md"),
                                    m_docs + QStringLiteral("/xylo.txt")}));
        QCOMPARE(indexing.count(), 0);

        // "Find Similar Documents" on the selected result.
        window.findChild<QTreeView*>(QStringLiteral("results"))
            ->setCurrentIndex(model->index(0, 0));
        const QString selected = model->index(0, 0).data(ui::ResultListModel::PathRole).toString();
        window.findChild<QAction*>(QStringLiteral("findSimilarAction"))->trigger();
        QVERIFY(shown.wait(kGenerousWaitMs));
        QCOMPARE(query->text(), QStringLiteral("like:") + selected);
        QVERIFY(!shownPaths().contains(selected));
        QVERIFY(!shownPaths().isEmpty());
    }

    void droppedFolderIsIndexedAndSearchable() {
        ui::MainWindow window(settings());
        window.show();
        QVERIFY(ready(window));
        QSignalSpy finished(&window, &ui::MainWindow::indexingFinished);
        QVERIFY(dropOn(&window,
                       {m_docs + QStringLiteral("/money"), m_docs + QStringLiteral("/cats.txt")}));
        QVERIFY(finished.wait(kGenerousWaitMs));
        QCOMPARE(finished.first().first().toBool(), true);

        auto* sources = window.findChild<QTreeView*>(QStringLiteral("sources"));
        QTRY_COMPARE_WITH_TIMEOUT(sources->model()->rowCount(), 2, kGenerousWaitMs);
        QSignalSpy shown(&window, &ui::MainWindow::resultsShown);
        QTest::keyClicks(window.findChild<QLineEdit*>(QStringLiteral("query")),
                         QStringLiteral("paying taxes"));
        QVERIFY(shown.wait(kGenerousWaitMs));
        QAbstractItemModel* model =
            window.findChild<QTreeView*>(QStringLiteral("results"))->model();
        QStringList paths;
        for (int row = 0; row < model->rowCount(); ++row)
            paths << model->index(row, 0).data(ui::ResultListModel::PathRole).toString();
        paths.sort();
        // The dropped file and folder only: the recipe was not dropped.
        QCOMPARE(paths, QStringList({m_docs + QStringLiteral("/cats.txt"),
                                     m_docs + QStringLiteral("/money/taxes.md")}));
    }

    void cancelStopsIndexingAndKeepsAConsistentIndex() {
        const QString many = m_docs + QStringLiteral("/many");
        for (int i = 0; i < 1500; ++i)
            QVERIFY(writeFile(many + QStringLiteral("/%1.txt").arg(i),
                              "Note " + QByteArray::number(i) +
                                  " is about the garden. The roses need water. The hedge is "
                                  "too tall. The apple tree needs pruning in winter. Moss "
                                  "grows on the north side of the shed. The pond freezes in "
                                  "January, and the fish sleep under the ice.\n"));
        ui::MainWindow window(settings());
        window.show();
        QVERIFY(ready(window));
        auto* cancel = window.findChild<QToolButton*>(QStringLiteral("cancelIndexing"));
        QVERIFY(cancel);
        QSignalSpy finished(&window, &ui::MainWindow::indexingFinished);
        // Cancel as soon as the first batch is committed, as a user clicking Cancel then would.
        auto* session = window.findChild<services::IndexingSession*>();
        QVERIFY(session);
        bool clicked = false;
        connect(session, &services::IndexingSession::progress, this,
                [&](const IndexProgress& progress) {
                    if (!clicked && progress.stage == IndexProgress::Stage::Indexing &&
                        progress.filesDone > 0) {
                        clicked = true;
                        QTest::mouseClick(cancel, Qt::LeftButton);
                    }
                });
        QVERIFY(dropOn(&window, {many}));
        QVERIFY(finished.wait(kGenerousWaitMs));
        QVERIFY(clicked);
        auto* status = window.findChild<QLabel*>(QStringLiteral("indexingStatus"));
        QVERIFY(status->text().contains(QStringLiteral("cancelled")));

        auto index = IndexFolder::open(m_index, IndexFolder::Mode::Write);
        QVERIFY(index.ok());
        auto report = (*index)->verify(false);
        QVERIFY(report.ok());
        QVERIFY2(report->ok(), qPrintable(report->problems.join(QLatin1Char('\n'))));
        auto counts = (*index)->store().counts();
        QVERIFY(counts.ok());
        QVERIFY(counts->documents > 0);
        QVERIFY(counts->documents < 1500);
    }

    void keyboardMovesTheSelectionAndEnterOpens() {
        buildIndex();
        ui::MainWindow window(settings());
        QList<QUrl> opened;
        window.setUrlOpener([&](const QUrl& url) {
            opened << url;
            return true;
        });
        window.show();
        QVERIFY(ready(window));
        QVERIFY(QTest::qWaitForWindowActive(&window));
        auto* query = window.findChild<QLineEdit*>(QStringLiteral("query"));
        auto* results = window.findChild<QTreeView*>(QStringLiteral("results"));
        query->setFocus();
        QSignalSpy shown(&window, &ui::MainWindow::resultsShown);
        QTest::keyClicks(query, QStringLiteral("baking a cake"));
        QVERIFY(shown.wait(kGenerousWaitMs));

        QTest::keyClick(query, Qt::Key_Down);
        QVERIFY(results->hasFocus());
        QCOMPARE(results->currentIndex().row(), 0);
        QTest::keyClick(results, Qt::Key_Down);
        QCOMPARE(results->currentIndex().row(), 1);
        QTest::keyClick(results, Qt::Key_Return);
        QCOMPARE(opened.size(), 1);
        QCOMPARE(opened.first(),
                 QUrl::fromLocalFile(
                     results->currentIndex().data(ui::ResultListModel::PathRole).toString()));
        QTest::keyClick(results, Qt::Key_Up);
        QTest::keyClick(results, Qt::Key_Up);
        QVERIFY(query->hasFocus());
        // Enter in the field, with its results shown, opens the selected one.
        QTest::keyClick(query, Qt::Key_Return);
        QCOMPARE(opened.size(), 2);
        QCOMPARE(opened.last(),
                 QUrl::fromLocalFile(
                     results->model()->index(0, 0).data(ui::ResultListModel::PathRole).toString()));
        // Esc clears the search.
        QTest::keyClick(query, Qt::Key_Escape);
        QVERIFY(query->text().isEmpty());
        QCOMPARE(currentPage(window)->objectName(), QStringLiteral("readyPage"));
        // Ctrl+L comes back to the field from anywhere.
        results->setFocus();
        QTest::keyClick(&window, Qt::Key_L, Qt::ControlModifier);
        QVERIFY(query->hasFocus());
    }

    void anotherModelsIndexOffersReembedding() {
        buildIndex(); // with the tiny model: max pooling
        ModelFolderCopy meanModel;
        QVERIFY(meanModel.isValid());
        QVERIFY(meanModel.setJson(QStringLiteral("1_Pooling/config.json"),
                                  QStringLiteral("pooling_mode_max_tokens"), false));
        QVERIFY(meanModel.setJson(QStringLiteral("1_Pooling/config.json"),
                                  QStringLiteral("pooling_mode_mean_tokens"), true));
        services::AppSettings s = settings();
        s.modelFolder = meanModel.path();
        ui::MainWindow window(s);
        window.show();
        QVERIFY(ready(window));
        QCOMPARE(currentPage(window)->objectName(), QStringLiteral("otherModelPage"));
        auto* text = currentPage(window)->findChild<QLabel*>(QStringLiteral("emptyText"));
        QVERIFY(text->text().contains(QStringLiteral("max pooling")));
        QVERIFY(text->text().contains(QStringLiteral("mean pooling")));

        QSignalSpy finished(&window, &ui::MainWindow::indexingFinished);
        QSignalSpy overview(&window, &ui::MainWindow::overviewShown);
        QTest::mouseClick(currentPage(window)->findChild<QPushButton*>(QStringLiteral("reembed")),
                          Qt::LeftButton);
        QVERIFY(finished.wait(kGenerousWaitMs));
        QCOMPARE(finished.first().first().toBool(), true);
        QTRY_COMPARE_WITH_TIMEOUT(currentPage(window)->objectName(), QStringLiteral("readyPage"),
                                  kGenerousWaitMs);
        auto index = IndexFolder::open(m_index, IndexFolder::Mode::Read);
        QVERIFY(index.ok());
        auto identity = (*index)->store().metadata().modelIdentity();
        QVERIFY(identity.ok() && *identity);
        QCOMPARE((*identity)->pooling, QStringLiteral("mean"));
        auto counts = (*index)->store().counts();
        QVERIFY(counts.ok());
        QCOMPARE(counts->documents, 3);
    }

    // An index an older semsearch left: the window's reader does not write it; the window asks
    // the one writer to upgrade it, says so, and then searches it.
    void olderSchemaIsUpgradedByTheWriterThenSearched() {
        buildIndex();
        const QString database = m_index + QStringLiteral("/index.sqlite");
        QVERIFY(makeSchemaVersion2(database));
        ui::MainWindow window(settings());
        QSignalSpy finished(&window, &ui::MainWindow::indexingFinished);
        window.show();
        QVERIFY(finished.wait(kGenerousWaitMs));
        QCOMPARE(finished.first().first().toBool(), true);
        QCOMPARE(schemaVersionOf(database), currentSchemaVersion());
        auto* status = window.findChild<QLabel*>(QStringLiteral("indexingStatus"));
        QVERIFY2(status->text().contains(QStringLiteral("upgraded")), qPrintable(status->text()));
        QTRY_COMPARE_WITH_TIMEOUT(currentPage(window)->objectName(), QStringLiteral("readyPage"),
                                  kGenerousWaitMs);
        QSignalSpy shown(&window, &ui::MainWindow::resultsShown);
        QTest::keyClicks(window.findChild<QLineEdit*>(QStringLiteral("query")),
                         QStringLiteral("cats"));
        QVERIFY(shown.wait(kGenerousWaitMs));
        QCOMPARE(shown.first().first().toInt(), 3);
    }

    void secondWriterGetsAClearMessage() {
        ui::MainWindow window(settings());
        window.show();
        QVERIFY(ready(window));
        auto writer = IndexFolder::open(m_index, IndexFolder::Mode::Write);
        QVERIFY(writer.ok());
        QSignalSpy finished(&window, &ui::MainWindow::indexingFinished);
        QVERIFY(dropOn(&window, {m_docs}));
        QVERIFY(finished.wait(kGenerousWaitMs));
        QCOMPARE(finished.first().first().toBool(), false);
        auto* status = window.findChild<QLabel*>(QStringLiteral("indexingStatus"));
        QVERIFY2(status->text().contains(QStringLiteral("being updated by another")),
                 qPrintable(status->text()));
        QVERIFY(!status->text().contains(QStringLiteral("locked")));
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
