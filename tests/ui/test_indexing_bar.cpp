// The indexing bar and the outcome sentence: the bar and the words show one measure of
// progress; paused and cancelled read as what they are; the words wrap rather than being cut
// off by the buttons; plurals and numbers follow Qt's plural forms and the locale; Pause and
// Cancel have keys.

#include "common/translations.h"
#include "window/indexing_bar.h"
#include "window/indexing_outcome.h"

#include <QApplication>
#include <QLabel>
#include <QProgressBar>
#include <QSignalSpy>
#include <QToolButton>
#include <QtTest>

using namespace semsearch;
using semsearch::ui::IndexingBar;

namespace {

IndexProgress indexing(std::int64_t filesDone, std::int64_t filesTotal) {
    IndexProgress progress;
    progress.stage = IndexProgress::Stage::Indexing;
    progress.filesDone = filesDone;
    progress.filesTotal = filesTotal;
    progress.passagesDone = 17535;
    progress.bytesDone = 38;   // the bytes tell another story than the files: a big file is
    progress.bytesTotal = 100; // still to come
    progress.passagesPerSecond = 24.5;
    progress.secondsLeft = 75;
    progress.currentFile = QStringLiteral("/tmp/gui-review/a-rather-long-file-name-for-notes.md");
    return progress;
}

// True when `label` is tall enough for its whole text at its width.
bool wholeTextShown(const QLabel* label) {
    const QRect needed = label->fontMetrics().boundingRect(
        QRect(0, 0, label->contentsRect().width(), 100000), Qt::TextWordWrap, label->text());
    return needed.height() <= label->contentsRect().height();
}

} // namespace

class TestIndexingBar : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        // English plural forms come from the English catalogue; numbers grouped as en_US does.
        QVERIFY(ui::installTranslations(*QCoreApplication::instance(),
                                        QLocale(QLocale::English, QLocale::UnitedStates)));
    }

    // Issue 16, 4: "38%" beside "176 of 179 files" — the bar follows the files, as the words do.
    void theBarAndTheWordsAgree() {
        IndexingBar bar;
        bar.showProgress(indexing(176, 179));
        auto* progress = bar.findChild<QProgressBar*>(QStringLiteral("indexingProgress"));
        auto* status = bar.findChild<QLabel*>(QStringLiteral("indexingStatus"));
        QCOMPARE(qRound(progress->value() * 179.0 / progress->maximum()), 176);
        QVERIFY2(status->text().contains(QStringLiteral("176 of 179 files")),
                 qPrintable(status->text()));
        QCOMPARE(IndexingBar::fractionDone(indexing(176, 179)), 176.0 / 179.0);
        IndexProgress scanning;
        QCOMPARE(IndexingBar::fractionDone(scanning), -1.0);
    }

    // Issue 16, 3: plural forms and the locale's grouping, never "passage(s)".
    void pluralsAndNumbersFollowTheLocale() {
        QCOMPARE(IndexingBar::describe(indexing(1, 1)),
                 QStringLiteral("Indexing a-rather-long-file-name-for-notes.md — 1 of 1 file, "
                                "17,535 passages, 24.5 passages/s, about 1 min left"));
        IndexProgress one = indexing(2, 3);
        one.passagesDone = 1;
        QVERIFY(IndexingBar::describe(one).contains(QStringLiteral("2 of 3 files, 1 passage,")));
        IndexStats stats;
        stats.filesAdded = 1;
        stats.filesUnchanged = 1200;
        stats.passagesEmbedded = 1486;
        stats.passagesReused = 3;
        QCOMPARE(ui::describeOutcome(stats),
                 QStringLiteral("Indexed 1 new or changed file with 1,489 passages (1,200 "
                                "unchanged)."));
        stats.filesAdded = 0;
        stats.passagesEmbedded = stats.passagesReused = 0;
        QCOMPARE(ui::describeOutcome(stats),
                 QStringLiteral("Everything is up to date (1,200 files unchanged)."));
        stats.filesRemoved = 1;
        QCOMPARE(ui::describeOutcome(stats),
                 QStringLiteral("Removed 1 document whose file is gone (1,200 unchanged)."));
        stats.cancelled = true;
        stats.filesUpdated = 1;
        QCOMPARE(ui::describeOutcome(stats),
                 QStringLiteral("Indexing cancelled; 1 file done is kept."));
    }

    // Issue 16, 4: paused says where the work stands, not "Paused. Indexing x…".
    void pausedReadsAsPaused() {
        IndexingBar bar;
        bar.showProgress(indexing(176, 179));
        bar.setPaused(true);
        auto* status = bar.findChild<QLabel*>(QStringLiteral("indexingStatus"));
        QCOMPARE(status->text(), QStringLiteral("Paused at 176 of 179 files, 17,535 passages"));
        bar.showProgress(indexing(177, 179)); // the batch under way when Pause was pressed
        QCOMPARE(status->text(), QStringLiteral("Paused at 177 of 179 files, 17,535 passages"));
        bar.setPaused(false);
        QVERIFY(status->text().startsWith(QStringLiteral("Indexing ")));
    }

    // Issue 16, 4: after Cancel the bar stays where the work stopped, not at 100%.
    void cancelledKeepsTheBarWhereItStopped() {
        IndexingBar bar;
        auto* progress = bar.findChild<QProgressBar*>(QStringLiteral("indexingProgress"));
        bar.showProgress(indexing(50, 200));
        const int stopped = progress->value();
        bar.showOutcome(QStringLiteral("Indexing cancelled; 50 files done are kept."),
                        IndexingBar::Outcome::Cancelled);
        QCOMPARE(progress->value(), stopped);
        QVERIFY(progress->value() < progress->maximum());
        bar.showOutcome(QStringLiteral("Done."), IndexingBar::Outcome::Done);
        QCOMPARE(progress->value(), progress->maximum());
    }

    // Issue 16, 2: at the width the bar gets in a 1100 px window the rate and time left were
    // cut off; the words now wrap and are shown whole.
    void theWordsAreNeverCutOff() {
        for (int width : {480, 790, 1100}) {
            IndexingBar bar;
            bar.showProgress(indexing(176, 17935));
            bar.resize(width, bar.sizeHint().height());
            bar.show();
            QVERIFY(QTest::qWaitForWindowExposed(&bar));
            bar.resize(width, bar.heightForWidth(width) > 0 ? bar.heightForWidth(width)
                                                            : bar.sizeHint().height());
            QApplication::processEvents();
            auto* status = bar.findChild<QLabel*>(QStringLiteral("indexingStatus"));
            QVERIFY2(wholeTextShown(status), qPrintable(QStringLiteral("%1 px: %2 in %3x%4")
                                                            .arg(width)
                                                            .arg(status->text())
                                                            .arg(status->width())
                                                            .arg(status->height())));
        }
    }

    // Issue 16, 12: Pause and Cancel by keyboard, and named for assistive technology.
    void pauseAndCancelHaveKeys() {
        IndexingBar bar;
        bar.showProgress(indexing(1, 10));
        bar.show();
        QVERIFY(QTest::qWaitForWindowActive(&bar));
        QSignalSpy pause(&bar, &IndexingBar::pauseRequested);
        QSignalSpy cancel(&bar, &IndexingBar::cancelRequested);
        QTest::keyClick(&bar, Qt::Key_P, Qt::AltModifier);
        QTRY_COMPARE(pause.count(), 1); // a mnemonic clicks with a short animation
        QTest::keyClick(&bar, Qt::Key_C, Qt::AltModifier);
        QTRY_COMPARE(cancel.count(), 1);
        for (auto* button : bar.findChildren<QToolButton*>()) {
            QVERIFY(!button->accessibleName().isEmpty());
            QVERIFY(button->toolTip().contains(QStringLiteral("Alt+")));
        }
    }
};

QTEST_MAIN(TestIndexingBar)
#include "test_indexing_bar.moc"
