// The sources panel at its narrow default width: sources under one long parent folder can be
// told apart (the name first, cut in the middle, the whole path in the tooltip), the skipped
// files likewise, every button fits without the toolbar's overflow menu, and the counts use
// plural forms.

#include "common/translations.h"
#include "sources/sources_panel.h"

#include <QAbstractItemModel>
#include <QApplication>
#include <QLabel>
#include <QToolBar>
#include <QToolButton>
#include <QTreeView>
#include <QtTest>

using namespace semsearch;
using semsearch::ui::SourcesPanel;

namespace {

const QString kParent = QStringLiteral("/tmp/gui-review-session-with-a-long-name/projects");

services::IndexOverview twoSources() {
    services::IndexOverview overview;
    overview.exists = true;
    overview.counts = {2, 1, 1};
    for (const char* name : {"notes", "papers"}) {
        services::SourceStatus status;
        status.source.path = kParent + QLatin1Char('/') + QLatin1String(name);
        status.source.indexedMs = 1;
        status.counts = {1, 1, 0};
        overview.sources.push_back(status);
    }
    overview.skipped.push_back(
        {kParent + QStringLiteral("/notes/big.bin"), QStringLiteral("binary"), 1});
    overview.skipped.push_back(
        {kParent + QStringLiteral("/papers/big.bin"), QStringLiteral("binary"), 1});
    return overview;
}

// What the view shows of the first column in `row`, cut as the view cuts it.
QString shownText(QTreeView* view, int row) {
    const QModelIndex index = view->model()->index(row, 0);
    const int width = view->visualRect(index).width() -
                      2 * view->style()->pixelMetric(QStyle::PM_FocusFrameHMargin);
    return view->fontMetrics().elidedText(index.data().toString(), view->textElideMode(), width);
}

} // namespace

class TestSourcesPanel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        ui::installTranslations(*QCoreApplication::instance(), QLocale(QLocale::English));
    }

    // Issue 16, 5: at the default width every source read "/tmp/gui-revi…".
    void sourcesUnderOneParentCanBeToldApart() {
        SourcesPanel panel;
        panel.resize(panel.fontMetrics().averageCharWidth() * 40, 400);
        panel.setOverview(twoSources(), {}, {});
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        for (const char* name : {"sources", "skippedFiles"}) {
            auto* view = panel.findChild<QTreeView*>(QLatin1String(name));
            view->show(); // the skipped tab's view too, to measure it
            view->resize(panel.width(), 200);
            QApplication::processEvents();
            const QString first = shownText(view, 0);
            const QString second = shownText(view, 1);
            QVERIFY2(first != second, qPrintable(first + QStringLiteral(" | ") + second));
            const QModelIndex index = view->model()->index(0, 0);
            QVERIFY2(first.startsWith(QStringLiteral("notes")) ||
                         first.startsWith(QStringLiteral("big.bin")),
                     qPrintable(first));
            QVERIFY(index.data(Qt::ToolTipRole).toString().startsWith(kParent));
        }
    }

    // Issue 19: a shared index's source names the machine that indexes it, and one whose
    // writer recorded no end time reads as ready (it is searched), not as unfinished.
    void aSharedSourceNamesItsMachine() {
        SourcesPanel panel;
        services::IndexOverview overview = twoSources();
        overview.sources[0].machine = QStringLiteral("laptop-b");
        overview.sources[0].source.indexedMs = 0;
        panel.setOverview(overview, {}, {});
        auto* view = panel.findChild<QTreeView*>(QStringLiteral("sources"));
        const QAbstractItemModel* model = view->model();
        QCOMPARE(model->index(0, 0).data().toString(),
                 QStringLiteral("notes — /tmp/gui-review-session-with-a-long-name/projects, on "
                                "laptop-b"));
        QCOMPARE(model->index(0, 0).data(Qt::ToolTipRole).toString(),
                 kParent + QStringLiteral("/notes on laptop-b"));
        QCOMPARE(model->index(0, 3).data().toString(), QStringLiteral("Ready"));
        QCOMPARE(model->index(0, 3).data(Qt::ToolTipRole).toString(),
                 QStringLiteral("Indexed by laptop-b"));
        QCOMPARE(model->index(1, 0).data().toString(),
                 QStringLiteral("papers — /tmp/gui-review-session-with-a-long-name/projects"));
    }

    // Issue 16, 5: Remove hid behind the toolbar's "»".
    void everyButtonFits() {
        SourcesPanel panel;
        panel.resize(panel.fontMetrics().averageCharWidth() * 40, 400);
        panel.setOverview(twoSources(), {}, {});
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        auto* toolbar = panel.findChild<QToolBar*>(QStringLiteral("sourcesToolbar"));
        QVERIFY(toolbar);
        for (QAction* action : toolbar->actions()) {
            QWidget* button = toolbar->widgetForAction(action);
            QVERIFY2(button && button->isVisible(), qPrintable(action->text()));
        }
        for (const char* name : {"sourcesAdd", "sourcesReindexButton", "sourcesRemoveButton"}) {
            auto* button = panel.findChild<QToolButton*>(QLatin1String(name));
            QVERIFY2(button && button->isVisible(), name);
            QVERIFY(!button->accessibleName().isEmpty());
        }
    }

    void theSummaryUsesPluralForms() {
        SourcesPanel panel;
        services::IndexOverview overview = twoSources();
        overview.counts = {1, 1, 0};
        panel.setOverview(overview, {}, {});
        auto* summary = panel.findChild<QLabel*>(QStringLiteral("sourcesSummary"));
        QCOMPARE(summary->text(), QStringLiteral("1 passage in 1 document"));
        overview.counts = {1200, 17535, 0};
        panel.setOverview(overview, {}, {});
        QCOMPARE(summary->text(), QStringLiteral("17,535 passages in 1,200 documents"));
    }
};

QTEST_MAIN(TestSourcesPanel)
#include "test_sources_panel.moc"
