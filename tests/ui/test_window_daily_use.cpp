// The main window as someone who keeps it open all day meets it: keys that work wherever the
// focus is, another process's commits shown without asking, failures said in the window, and
// every control reachable and named for assistive technology. Offscreen, with the tiny model.

#include "common/translations.h"
#include "generous_wait.h"
#include "model_folder_fixture.h"
#include "preview/preview_pane.h"
#include "results/result_list_model.h"
#include "test_files.h"
#include "window/main_window.h"

#include "semsearch/indexer.h"

#include <QAccessible>
#include <QClipboard>
#include <QComboBox>
#include <QDockWidget>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSplitter>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTimer>
#include <QTreeView>
#include <QtTest>

using namespace semsearch;
using namespace semsearch::test;

namespace {

const QByteArray kCats = "Cats sleep for most of the day. They like warm places near windows.\n";
const QByteArray kTaxes = "The tax return is due at the end of April. Keep every receipt.\n";
const QByteArray kRecipe = "Whisk the eggs with sugar until pale, then fold in the flour.\n";

// Waits until the window has loaded the model and read the index.
bool ready(ui::MainWindow& window) {
    QSignalSpy model(&window, &ui::MainWindow::modelReady);
    QSignalSpy overview(&window, &ui::MainWindow::overviewShown);
    return (model.count() > 0 || model.wait(kGenerousWaitMs)) &&
           (overview.count() > 0 || overview.wait(kGenerousWaitMs));
}

QWidget* currentPage(ui::MainWindow& window) {
    return window.findChild<QStackedWidget*>()->currentWidget();
}

// Types `text` into the search field and waits for its results.
bool search(ui::MainWindow& window, const QString& text) {
    auto* query = window.findChild<QLineEdit*>(QStringLiteral("query"));
    QSignalSpy shown(&window, &ui::MainWindow::resultsShown);
    query->setFocus();
    query->clear();
    QTest::keyClicks(query, text);
    return shown.wait(kGenerousWaitMs);
}

// Runs `check` on the next modal box to open (from within its own event loop), then closes it
// with the button whose text is `answer`.
void answerNextModal(std::function<void(QMessageBox*)> check, const QString& answer) {
    auto* timer = new QTimer;
    timer->setInterval(20);
    QObject::connect(timer, &QTimer::timeout, [timer, check, answer] {
        auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
        if (!box)
            return;
        timer->stop();
        timer->deleteLater();
        check(box);
        for (QAbstractButton* button : box->buttons())
            if (button->text().remove(QLatin1Char('&')) == answer)
                button->click();
    });
    timer->start();
}

// The widgets a user can reach with Tab, as they are now.
QList<QWidget*> focusableWidgets(QWidget* window) {
    QList<QWidget*> widgets;
    for (QWidget* widget : window->findChildren<QWidget*>())
        if (widget->isVisibleTo(window) && widget->isEnabled() &&
            (widget->focusPolicy() & Qt::TabFocus) && !widget->focusProxy())
            widgets << widget;
    return widgets;
}

QString describe(QWidget* widget) {
    return QStringLiteral("%1 (%2)").arg(widget->objectName(),
                                         QLatin1String(widget->metaObject()->className()));
}

} // namespace

class TestWindowDailyUse : public QObject {
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

    // Indexes `paths` as another process would: its own writer, not through the window.
    void indexElsewhere(const QStringList& paths) {
        auto index = IndexFolder::open(m_index, IndexFolder::Mode::Write);
        QVERIFY(index.ok());
        auto embedder = openEmbedder(tinyModelPath());
        QVERIFY(embedder.ok());
        Indexer indexer(**index, **embedder);
        QVERIFY(indexer.run(paths).ok());
    }

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_tmp.isValid());
        // The window keeps its state in the settings: each test starts from none.
        QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope,
                           m_tmp.filePath(QStringLiteral("config")));
        ui::installTranslations(*QCoreApplication::instance(), QLocale(QLocale::English));
        QApplication::setApplicationDisplayName(QStringLiteral("semsearch"));
    }

    void cleanup() { QSettings().clear(); }

    void init() {
        QVERIFY(m_tmp.isValid());
        const QString base = m_tmp.path() + QLatin1Char('/') + QTest::currentTestFunction();
        m_docs = base + QStringLiteral("/docs");
        m_index = base + QStringLiteral("/index");
        QVERIFY(writeFile(m_docs + QStringLiteral("/cats.txt"), kCats));
        QVERIFY(writeFile(m_docs + QStringLiteral("/money/taxes.md"), kTaxes));
        QVERIFY(writeFile(m_docs + QStringLiteral("/kitchen/recipe.txt"), kRecipe));
    }

    // Issue 16, 8: a query on an empty index says that nothing is indexed and how to add.
    void aQueryOnAnEmptyIndexSaysNothingIsIndexed() {
        ui::MainWindow window(settings());
        window.show();
        QVERIFY(ready(window));
        QVERIFY(search(window, QStringLiteral("where are my notes")));
        QCOMPARE(currentPage(window)->objectName(), QStringLiteral("nothingIndexedPage"));
        auto* title = currentPage(window)->findChild<QLabel*>(QStringLiteral("emptyTitle"));
        auto* text = currentPage(window)->findChild<QLabel*>(QStringLiteral("emptyText"));
        QCOMPARE(title->text(), QStringLiteral("Nothing is indexed yet"));
        QVERIFY(text->text().contains(QStringLiteral("Add Folder")));
        QVERIFY(currentPage(window)->findChild<QPushButton*>(QStringLiteral("addFolder")));
    }

    // Issue 16, 7 and 11: with no file manager, Open Containing Folder says so (replacing the
    // status bar's last message) and offers to copy the path; the number of results is shown.
    void openingFailsVisiblyAndOffersThePath() {
        indexElsewhere({m_docs});
        ui::MainWindow window(settings());
        window.setUrlOpener([](const QUrl&) { return false; });
        window.show();
        QVERIFY(ready(window));
        QVERIFY(QTest::qWaitForWindowActive(&window));
        QVERIFY(search(window, QStringLiteral("paying taxes")));
        QCOMPARE(window.findChild<QLabel*>(QStringLiteral("resultCount"))->text(),
                 QStringLiteral("3 results"));
        window.statusBar()->showMessage(QStringLiteral("an earlier message"));
        auto* results = window.findChild<QTreeView*>(QStringLiteral("results"));
        const QString file = results->currentIndex().data(ui::ResultListModel::PathRole).toString();
        QTest::keyClick(&window, Qt::Key_O, Qt::ControlModifier | Qt::ShiftModifier);
        auto* box = window.findChild<QMessageBox*>(QStringLiteral("openFailure"));
        QVERIFY(box);
        QTRY_VERIFY(box->isVisible());
        const QString folder = QFileInfo(file).absolutePath();
        QVERIFY2(box->text().contains(QStringLiteral("could not be opened")),
                 qPrintable(box->text()));
        QVERIFY(
            window.statusBar()->currentMessage().contains(QStringLiteral("could not be opened")));
        QTest::mouseClick(box->findChild<QPushButton*>(QStringLiteral("copyPath")), Qt::LeftButton);
        QCOMPARE(QApplication::clipboard()->text(), QDir::toNativeSeparators(folder));
    }

    // Issue 16, 13: the title names the index once and the app once; About has the licence
    // and the website.
    void titleAndAbout() {
        ui::MainWindow window(settings());
        window.show();
        QVERIFY(ready(window));
        // Qt adds " — semsearch" (the display name) to the title it shows.
        const QString title = window.windowTitle();
        QVERIFY2(!title.contains(QStringLiteral("semsearch")), qPrintable(title));
        QVERIFY2(title.endsWith(QStringLiteral("/index")), qPrintable(title));
        const auto about = window.findChildren<QAction*>();
        for (QAction* action : about)
            if (action->text() == QStringLiteral("&About semsearch"))
                action->trigger();
        auto* box = window.findChild<QMessageBox*>(QStringLiteral("aboutBox"));
        QVERIFY(box);
        QVERIFY(box->text().contains(QStringLiteral("MIT License")));
        QVERIFY(box->text().contains(QStringLiteral("https://github.com/semsearch/semsearch")));
    }

    // Issue 16, 13: the Remove question names the folder and answers with "Remove".
    void removeAsksNamingTheFolder() {
        indexElsewhere({m_docs + QStringLiteral("/money")});
        ui::MainWindow window(settings());
        window.show();
        QVERIFY(ready(window));
        auto* sources = window.findChild<QTreeView*>(QStringLiteral("sources"));
        sources->selectionModel()->select(sources->model()->index(0, 0),
                                          QItemSelectionModel::Select | QItemSelectionModel::Rows);
        QString asked;
        QStringList buttons;
        answerNextModal(
            [&](QMessageBox* box) {
                asked = box->text();
                for (QAbstractButton* button : box->buttons())
                    buttons << button->text().remove(QLatin1Char('&'));
            },
            QStringLiteral("Cancel"));
        window.findChild<QAction*>(QStringLiteral("sourcesRemove"))->trigger();
        QVERIFY2(asked.contains(QStringLiteral("money")), qPrintable(asked));
        QVERIFY(buttons.contains(QStringLiteral("Remove")));
        QVERIFY(!buttons.contains(QStringLiteral("OK")));
        QCOMPARE(sources->model()->rowCount(), 1); // cancelled: nothing removed
    }

    // Issue 16, 12: every control the results page shows is reached by Tab and has an
    // accessible name and description.
    void everyControlIsReachableAndNamed() {
        indexElsewhere({m_docs});
        ui::MainWindow window(settings());
        window.show();
        QVERIFY(ready(window));
        QVERIFY(QTest::qWaitForWindowActive(&window));
        QVERIFY(search(window, QStringLiteral("cats")));
        const QList<QWidget*> controls = focusableWidgets(&window);
        QVERIFY(controls.size() >= 8);
        for (QWidget* control : controls) {
            QAccessibleInterface* accessible = QAccessible::queryAccessibleInterface(control);
            QVERIFY(accessible);
            QVERIFY2(!accessible->text(QAccessible::Name).isEmpty(), qPrintable(describe(control)));
            // Qt's interface for a tab bar reports no description; the widget's own counts.
            const QString description = accessible->text(QAccessible::Description).isEmpty()
                                            ? control->accessibleDescription()
                                            : accessible->text(QAccessible::Description);
            QVERIFY2(!description.isEmpty(), qPrintable(describe(control)));
        }
        // Each reached control looks different with the focus than without it.
        QHash<QWidget*, QImage> withFocus;
        auto* query = window.findChild<QLineEdit*>(QStringLiteral("query"));
        query->setFocus();
        for (int i = 0; i < 3 * controls.size(); ++i) {
            QWidget* focus = QApplication::focusWidget();
            if (!withFocus.contains(focus))
                withFocus.insert(focus, focus->grab().toImage());
            QTest::keyClick(focus, Qt::Key_Tab);
        }
        for (QWidget* control : controls) {
            QVERIFY2(withFocus.contains(control), qPrintable(describe(control)));
            QWidget* elsewhere =
                control == query ? static_cast<QWidget*>(
                                       window.findChild<QComboBox*>(QStringLiteral("searchMode")))
                                 : query;
            elsewhere->setFocus();
            QVERIFY2(control->grab().toImage() != withFocus.value(control),
                     qPrintable(describe(control) + QStringLiteral(" shows no focus")));
        }
    }

    // Issue 16, state kept: the last query, its filters, the selected result and the splitter
    // come back on the next start.
    void theLastSessionComesBack() {
        indexElsewhere({m_docs});
        QString selected;
        QList<int> sizes;
        {
            ui::MainWindow window(settings());
            window.show();
            QVERIFY(ready(window));
            QVERIFY(search(window, QStringLiteral("warm places for cats")));
            QSignalSpy again(&window, &ui::MainWindow::resultsShown);
            window.findChild<QComboBox*>(QStringLiteral("filterModified"))->setCurrentIndex(4);
            QVERIFY(again.wait(kGenerousWaitMs));
            auto* results = window.findChild<QTreeView*>(QStringLiteral("results"));
            QCOMPARE(results->model()->rowCount(), 3);
            results->setCurrentIndex(results->model()->index(2, 0));
            selected = results->currentIndex().data(ui::ResultListModel::PathRole).toString();
            auto* split = window.findChild<QSplitter*>(QStringLiteral("resultsSplitter"));
            split->setSizes({150, 450});
            sizes = split->sizes();
            window.close();
        }
        ui::MainWindow window(settings());
        QSignalSpy shown(&window, &ui::MainWindow::resultsShown);
        window.show();
        QVERIFY(ready(window));
        QVERIFY(shown.count() > 0 || shown.wait(kGenerousWaitMs));
        QCOMPARE(window.findChild<QLineEdit*>(QStringLiteral("query"))->text(),
                 QStringLiteral("warm places for cats"));
        QCOMPARE(window.findChild<QComboBox*>(QStringLiteral("filterModified"))->currentIndex(), 4);
        auto* results = window.findChild<QTreeView*>(QStringLiteral("results"));
        QCOMPARE(results->currentIndex().data(ui::ResultListModel::PathRole).toString(), selected);
        const QList<int> restored =
            window.findChild<QSplitter*>(QStringLiteral("resultsSplitter"))->sizes();
        QCOMPARE(restored.size(), 2);
        QVERIFY2(std::abs(restored[0] - sizes[0]) <= 2 && std::abs(restored[1] - sizes[1]) <= 2,
                 qPrintable(QStringLiteral("%1,%2 vs %3,%4")
                                .arg(restored[0])
                                .arg(restored[1])
                                .arg(sizes[0])
                                .arg(sizes[1])));
    }

    // Search history: a search made is offered again on Up, after a restart too, and can be
    // cleared.
    void recentSearchesAreOfferedOnUp() {
        indexElsewhere({m_docs});
        {
            ui::MainWindow window(settings());
            window.setUrlOpener([](const QUrl&) { return true; });
            window.show();
            QVERIFY(ready(window));
            QVERIFY(search(window, QStringLiteral("kitchen recipes")));
            QTest::keyClick(window.findChild<QLineEdit*>(QStringLiteral("query")), Qt::Key_Return);
            QVERIFY(search(window, QStringLiteral("tax")));
            QTest::keyClick(window.findChild<QLineEdit*>(QStringLiteral("query")), Qt::Key_Return);
        }
        ui::MainWindow window(settings());
        window.show();
        QVERIFY(ready(window));
        QVERIFY(QTest::qWaitForWindowActive(&window));
        auto* query = window.findChild<QLineEdit*>(QStringLiteral("query"));
        query->setFocus();
        QTest::keyClick(query, Qt::Key_Up);
        QAbstractItemView* popup = nullptr; // a top-level popup, not the window's child
        for (QWidget* widget : QApplication::topLevelWidgets())
            if (widget->objectName() == QStringLiteral("searchHistory"))
                popup = qobject_cast<QAbstractItemView*>(widget);
        QVERIFY(popup);
        QTRY_VERIFY(popup->isVisible());
        QCOMPARE(popup->model()->rowCount(), 2);
        QCOMPARE(popup->model()->index(0, 0).data().toString(), QStringLiteral("tax"));
        QCOMPARE(popup->model()->index(1, 0).data().toString(), QStringLiteral("kitchen recipes"));
        QTest::keyClick(popup, Qt::Key_Down);
        QSignalSpy shown(&window, &ui::MainWindow::resultsShown);
        QTest::keyClick(popup, Qt::Key_Return);
        QCOMPARE(query->text(), QStringLiteral("kitchen recipes"));
        QVERIFY(shown.wait(kGenerousWaitMs));
        window.findChild<QAction*>(QStringLiteral("clearSearchHistory"))->trigger();
        QVERIFY(QSettings().value(QStringLiteral("search/history")).toStringList().isEmpty());
        QTest::keyClick(query, Qt::Key_Up);
        QVERIFY(!popup->isVisible() || popup->model()->rowCount() == 0);
    }

    // Issue 16, 5: at 800x500 the sources panel kept ~310 px and squeezed the results; it
    // gives way to a third of the window.
    void theSourcesPanelGivesWayInANarrowWindow() {
        ui::MainWindow window(settings());
        window.resize(1400, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* dock = window.findChild<QDockWidget*>(QStringLiteral("sourcesDock"));
        window.resizeDocks({dock}, {420}, Qt::Horizontal); // as a user may have left it
        QTRY_VERIFY(dock->width() > 800 / 3 + 10);
        window.resize(800, 500);
        QTRY_VERIFY2(dock->width() <= window.width() / 3 + 10,
                     qPrintable(QString::number(dock->width())));
    }

    // Issue 16, 1: after typing, the focus is in the search field; F3 and Shift+F3 still move
    // through the matches in the preview.
    void f3MovesThroughMatchesFromTheSearchField() {
        QByteArray many;
        for (int i = 0; i < 6; ++i)
            many += "Cats nap in the sun, afternoon " + QByteArray::number(i) + ".\n\n";
        QVERIFY(writeFile(m_docs + QStringLiteral("/naps.txt"), many));
        indexElsewhere({m_docs + QStringLiteral("/naps.txt")});
        ui::MainWindow window(settings());
        window.show();
        QVERIFY(ready(window));
        QVERIFY(QTest::qWaitForWindowActive(&window));
        QVERIFY(search(window, QStringLiteral("cats napping")));
        auto* query = window.findChild<QLineEdit*>(QStringLiteral("query"));
        auto* preview = window.findChild<ui::PreviewPane*>();
        QVERIFY(query->hasFocus());
        // The preview reads the file in the background.
        QTRY_VERIFY2(preview->matchCount() > 1, qPrintable(QString::number(preview->matchCount())));
        const int first = preview->currentMatch();
        QTest::keyClick(query, Qt::Key_F3);
        QCOMPARE(preview->currentMatch(), (first + 1) % preview->matchCount());
        QTest::keyClick(query, Qt::Key_F3, Qt::ShiftModifier);
        QCOMPARE(preview->currentMatch(), first);
        // From a filter as well.
        auto* type = window.findChild<QComboBox*>(QStringLiteral("filterType"));
        type->setFocus();
        QTest::keyClick(type, Qt::Key_F3);
        QCOMPARE(preview->currentMatch(), (first + 1) % preview->matchCount());
        QVERIFY(query->text() == QStringLiteral("cats napping"));
    }

    // Issue 16, 6: semsearch-cli indexes a folder into the index the window shows: the sources,
    // the counts, the folder filter and the results follow without the window indexing.
    void anotherProcessesCommitsAreShown() {
        indexElsewhere({m_docs + QStringLiteral("/money")});
        ui::MainWindow window(settings());
        window.show();
        QVERIFY(ready(window));
        auto* sources = window.findChild<QTreeView*>(QStringLiteral("sources"));
        auto* folders = window.findChild<QComboBox*>(QStringLiteral("filterFolder"));
        auto* counts = window.findChild<QLabel*>(QStringLiteral("countsStatus"));
        QCOMPARE(sources->model()->rowCount(), 1);
        QCOMPARE(folders->count(), 2); // all folders, money
        QVERIFY(search(window, QStringLiteral("cooking with eggs")));
        QCOMPARE(window.findChild<QTreeView*>(QStringLiteral("results"))->model()->rowCount(), 1);
        const QString countsBefore = counts->text();

        indexElsewhere({m_docs + QStringLiteral("/kitchen")});
        QTRY_COMPARE_WITH_TIMEOUT(sources->model()->rowCount(), 2, kGenerousWaitMs);
        QCOMPARE(folders->count(), 3);
        QVERIFY(counts->text() != countsBefore);
        QTRY_COMPARE_WITH_TIMEOUT(
            window.findChild<QTreeView*>(QStringLiteral("results"))->model()->rowCount(), 2,
            kGenerousWaitMs);
    }
};

QTEST_MAIN(TestWindowDailyUse)
#include "test_window_daily_use.moc"
