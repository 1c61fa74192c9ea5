// ResultListModel against hand-built DocumentHits: the tree's structure under
// QAbstractItemModelTester through resets, emphasis updates and clear, and every role's value
// written out by hand (folder strings, collapsed snippets, emphasis ranges shifted by the
// collapsing).

#include "results/result_list_model.h"

#include <QAbstractItemModelTester>
#include <QDateTime>
#include <QSignalSpy>
#include <QStandardItemModel>
#include <QtTest>

using namespace semsearch;
using semsearch::services::TextRanges;
using semsearch::ui::ResultListModel;

namespace {

PassageHit passage(std::int64_t id, const QString& path, float score, int line,
                   const QString& text) {
    PassageHit hit;
    hit.passageId = id;
    hit.path = path;
    hit.score = score;
    hit.line = line;
    hit.text = text;
    return hit;
}

const QString kNotes = QStringLiteral("/home/tester/docs/notes.md");
const QString kReport = QStringLiteral("/srv/data/report.txt");

// Positions in kCatText: "The" 2-5, "cat" 6-9, "sleeps" 13-19, "sofa." 29-34, length 36.
const QString kCatText = QStringLiteral("  The cat\n\n  sleeps   on the sofa.  ");
const QString kCatSnippet = QStringLiteral("The cat sleeps on the sofa.");

std::vector<DocumentHit> sampleHits() {
    DocumentHit notes;
    notes.documentId = 1;
    notes.path = kNotes;
    notes.score = 0.82f;
    notes.modifiedMs = 1614834367890; // 2021-03-04T05:06:07.890Z
    // Worst first on purpose: the model orders passages best first.
    notes.passages = {passage(11, kNotes, 0.5f, 9, QStringLiteral("second\tpassage")),
                      passage(10, kNotes, 0.82f, 3, kCatText)};
    DocumentHit report;
    report.documentId = 2;
    report.path = kReport;
    report.score = 0.4f;
    report.passages = {passage(20, kReport, 0.4f, 1, QStringLiteral("Quarterly revenue grew."))};
    return {notes, report};
}

QVariant roleOf(const QModelIndex& index, int role) {
    return index.data(role);
}

} // namespace

class TestResultListModel : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        // QDir::homePath() reads HOME on every call.
        qputenv("HOME", "/home/tester");
        QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    }

    void structureUnderTheTester() {
        ResultListModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 0);

        model.setResults(QStringLiteral("cat"), sampleHits());
        QCOMPARE(model.query(), QStringLiteral("cat"));
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.columnCount(), 1);
        const QModelIndex notes = model.index(0, 0);
        const QModelIndex report = model.index(1, 0);
        QCOMPARE(model.rowCount(notes), 2);
        QCOMPARE(model.rowCount(report), 1);
        QCOMPARE(model.rowCount(model.index(0, 0, notes)), 0);
        QCOMPARE(model.parent(model.index(1, 0, notes)), notes);
        QCOMPARE(model.parent(notes), QModelIndex());

        model.setEmphasis(10, {{6, 9}});
        model.setEmphasis(20, {{0, 9}});
        model.setEmphasis(10, {});

        model.setResults(QStringLiteral("revenue"), {sampleHits()[1]});
        QCOMPARE(model.rowCount(), 1);
        model.clear();
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.query(), QString());
        model.setResults(QStringLiteral("again"), sampleHits());
        QCOMPARE(model.rowCount(), 2);
    }

    void documentRowRoles() {
        ResultListModel model;
        model.setResults(QStringLiteral("cat"), sampleHits());
        const QModelIndex notes = model.index(0, 0);
        QCOMPARE(roleOf(notes, Qt::DisplayRole).toString(), QStringLiteral("notes.md"));
        QCOMPARE(roleOf(notes, Qt::ToolTipRole).toString(), kNotes);
        QCOMPARE(roleOf(notes, ResultListModel::PathRole).toString(), kNotes);
        QCOMPARE(roleOf(notes, ResultListModel::FileNameRole).toString(),
                 QStringLiteral("notes.md"));
        QCOMPARE(roleOf(notes, ResultListModel::FolderRole).toString(), QStringLiteral("~/docs"));
        QCOMPARE(roleOf(notes, ResultListModel::ModifiedRole).toDateTime(),
                 QDateTime(QDate(2021, 3, 4), QTime(5, 6, 7, 890), Qt::UTC));
        QCOMPARE(roleOf(notes, ResultListModel::ScoreRole).value<float>(), 0.82f);
        QCOMPARE(roleOf(notes, ResultListModel::SnippetRole).toString(), kCatSnippet);
        QCOMPARE(roleOf(notes, ResultListModel::EmphasisRole).value<TextRanges>(), TextRanges());
        QCOMPARE(roleOf(notes, ResultListModel::LineRole).toInt(), 3);
        QCOMPARE(roleOf(notes, ResultListModel::IsPassageRole).toBool(), false);
        QCOMPARE(roleOf(notes, ResultListModel::PassageIdRole).toLongLong(), qint64(10));
        QCOMPARE(roleOf(notes, Qt::AccessibleTextRole).toString(),
                 QStringLiteral("notes.md in ~/docs, score 0.82: The cat sleeps on the sofa."));

        const QModelIndex report = model.index(1, 0);
        QCOMPARE(roleOf(report, ResultListModel::FolderRole).toString(),
                 QStringLiteral("/srv/data"));
        QVERIFY(!roleOf(report, ResultListModel::ModifiedRole).toDateTime().isValid());
        QCOMPARE(roleOf(report, ResultListModel::ScoreRole).value<float>(), 0.4f);

        QCOMPARE(model.documentAt(notes)->documentId, std::int64_t(1));
        QCOMPARE(model.passageAt(notes)->passageId, std::int64_t(10));
        QCOMPARE(model.documentAt(QModelIndex()), nullptr);
        QCOMPARE(model.passageAt(QModelIndex()), nullptr);
        QStandardItemModel other(2, 1);
        QCOMPARE(model.documentAt(other.index(0, 0)), nullptr);
    }

    void passageRowRoles() {
        ResultListModel model;
        model.setResults(QStringLiteral("cat"), sampleHits());
        const QModelIndex notes = model.index(0, 0);
        const QModelIndex best = model.index(0, 0, notes);
        const QModelIndex second = model.index(1, 0, notes);
        QCOMPARE(model.passageAt(best)->passageId, std::int64_t(10));
        QCOMPARE(model.documentAt(second)->documentId, std::int64_t(1));

        QCOMPARE(roleOf(best, Qt::DisplayRole).toString(), kCatSnippet);
        QCOMPARE(roleOf(second, Qt::DisplayRole).toString(), QStringLiteral("second passage"));
        QCOMPARE(roleOf(second, Qt::ToolTipRole).toString(), kNotes);
        QCOMPARE(roleOf(second, ResultListModel::PathRole).toString(), kNotes);
        QCOMPARE(roleOf(second, ResultListModel::FileNameRole).toString(),
                 QStringLiteral("notes.md"));
        QCOMPARE(roleOf(second, ResultListModel::FolderRole).toString(), QStringLiteral("~/docs"));
        QCOMPARE(roleOf(second, ResultListModel::ScoreRole).value<float>(), 0.5f);
        QCOMPARE(roleOf(second, ResultListModel::SnippetRole).toString(),
                 QStringLiteral("second passage"));
        QCOMPARE(roleOf(second, ResultListModel::LineRole).toInt(), 9);
        QCOMPARE(roleOf(second, ResultListModel::IsPassageRole).toBool(), true);
        QCOMPARE(roleOf(second, ResultListModel::PassageIdRole).toLongLong(), qint64(11));
        QCOMPARE(roleOf(second, Qt::AccessibleTextRole).toString(),
                 QStringLiteral("line 9, score 0.50: second passage"));
        QCOMPARE(roleOf(second, ResultListModel::PlaceRole).toString(), QStringLiteral("line 9"));
        QCOMPARE(roleOf(notes, ResultListModel::PlaceRole).toString(), QStringLiteral("line 3"));
    }

    // A PDF's passages are placed by page, not by a line of the extracted text.
    void pdfPassagesAreShownByPage() {
        const QString path = QStringLiteral("/home/tester/docs/paper.pdf");
        DocumentHit paper;
        paper.documentId = 3;
        paper.path = path;
        paper.score = 0.7f;
        paper.passages = {passage(30, path, 0.7f, 40, QStringLiteral("The lighthouse keeper.")),
                          passage(31, path, 0.6f, 2, QStringLiteral("A first page."))};
        paper.passages[0].page = 12;
        paper.passages[1].page = 1;
        ResultListModel model;
        model.setResults(QStringLiteral("lighthouse"), {paper});
        const QModelIndex document = model.index(0, 0);
        QCOMPARE(roleOf(document, ResultListModel::PlaceRole).toString(),
                 QStringLiteral("page 12"));
        const QModelIndex second = model.index(1, 0, document);
        QCOMPARE(roleOf(second, ResultListModel::PlaceRole).toString(), QStringLiteral("page 1"));
        QCOMPARE(roleOf(second, ResultListModel::LineRole).toInt(), 2);
        QCOMPARE(roleOf(second, Qt::AccessibleTextRole).toString(),
                 QStringLiteral("page 1, score 0.60: A first page."));
    }

    // Identical copies are child rows after the passages, each naming its copy.
    void copyRowsFollowThePassages() {
        std::vector<DocumentHit> hits = sampleHits();
        const QString backup = QStringLiteral("/home/tester/backup/notes.md");
        const QString usb = QStringLiteral("/media/usb/notes.md");
        hits[0].duplicates = {backup, usb};
        ResultListModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setResults(QStringLiteral("cat"), hits);
        const QModelIndex notes = model.index(0, 0);
        QCOMPARE(model.rowCount(notes), 4); // two passages, two copies
        QCOMPARE(model.rowCount(model.index(1, 0)), 1);
        QCOMPARE(roleOf(notes, ResultListModel::DuplicatesRole).toStringList(),
                 QStringList({backup, usb}));
        QCOMPARE(roleOf(notes, ResultListModel::IsCopyRole).toBool(), false);
        QCOMPARE(roleOf(model.index(1, 0, notes), ResultListModel::IsCopyRole).toBool(), false);

        const QModelIndex first = model.index(2, 0, notes);
        QCOMPARE(roleOf(first, ResultListModel::IsCopyRole).toBool(), true);
        QCOMPARE(roleOf(first, ResultListModel::IsPassageRole).toBool(), false);
        QCOMPARE(roleOf(first, Qt::DisplayRole).toString(),
                 QStringLiteral("Also in ~/backup/notes.md"));
        QCOMPARE(roleOf(first, ResultListModel::PathRole).toString(), backup);
        QCOMPARE(roleOf(first, ResultListModel::FolderRole).toString(), QStringLiteral("~/backup"));
        QCOMPARE(roleOf(first, Qt::ToolTipRole).toString(), backup);
        QCOMPARE(roleOf(first, Qt::AccessibleTextRole).toString(),
                 QStringLiteral("identical copy in ~/backup/notes.md"));
        QCOMPARE(model.passageAt(first), nullptr);
        QCOMPARE(model.documentAt(first)->documentId, std::int64_t(1));
        const QModelIndex second = model.index(3, 0, notes);
        QCOMPARE(roleOf(second, ResultListModel::PathRole).toString(), usb);
        QCOMPARE(roleOf(second, Qt::DisplayRole).toString(),
                 QStringLiteral("Also in /media/usb/notes.md"));
        QCOMPARE(model.rowCount(second), 0);

        // Emphasis still reaches the passage rows, not the copies.
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.setEmphasis(11, {{0, 6}});
        QCOMPARE(changed.count(), 1);
        QCOMPARE(changed.first().at(0).toModelIndex(), model.index(1, 0, notes));
    }

    void folderStrings_data() {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("folder");
        QTest::newRow("home itself") << "/home/tester/a.md"
                                     << "~";
        QTest::newRow("below home") << "/home/tester/docs/sub/a.md"
                                    << "~/docs/sub";
        QTest::newRow("home as a prefix only") << "/home/testerX/a.md"
                                               << "/home/testerX";
        QTest::newRow("root") << "/a.md"
                              << "/";
        QTest::newRow("elsewhere") << "/srv/data/report.txt"
                                   << "/srv/data";
    }
    void folderStrings() {
        QFETCH(QString, path);
        QFETCH(QString, folder);
        DocumentHit hit;
        hit.path = path;
        ResultListModel model;
        model.setResults(QStringLiteral("q"), {hit});
        QCOMPARE(model.index(0, 0).data(ResultListModel::FolderRole).toString(), folder);
        QCOMPARE(model.passageAt(model.index(0, 0)), nullptr); // no passages
        QCOMPARE(model.index(0, 0).data(ResultListModel::SnippetRole).toString(), QString());
        QCOMPARE(model.index(0, 0).data(ResultListModel::LineRole).toInt(), 0);
    }

    // Ranges in the passage text move to the collapsed snippet: in kCatText "cat" is [6, 9),
    // "sleeps" [13, 19), "sofa." [29, 34); in kCatSnippet they are [4, 7), [8, 14), [22, 27).
    void emphasisIsShiftedByCollapsing_data() {
        QTest::addColumn<TextRanges>("given");
        QTest::addColumn<TextRanges>("expected");
        QTest::newRow("words") << TextRanges{{29, 34}, {6, 9}, {13, 19}}
                               << TextRanges{{4, 7}, {8, 14}, {22, 27}};
        QTest::newRow("across a whitespace run") << TextRanges{{6, 19}} << TextRanges{{4, 14}};
        QTest::newRow("leading whitespace") << TextRanges{{0, 5}} << TextRanges{{0, 3}};
        QTest::newRow("past the end is clamped") << TextRanges{{30, 99}} << TextRanges{{23, 27}};
        QTest::newRow("overlapping merge") << TextRanges{{2, 7}, {6, 9}} << TextRanges{{0, 7}};
        QTest::newRow("empty and reversed dropped") << TextRanges{{5, 5}, {9, 6}} << TextRanges{};
    }
    void emphasisIsShiftedByCollapsing() {
        QFETCH(TextRanges, given);
        QFETCH(TextRanges, expected);
        ResultListModel model;
        model.setResults(QStringLiteral("cat"), sampleHits());
        const QModelIndex notes = model.index(0, 0);
        const QModelIndex best = model.index(0, 0, notes);
        model.setEmphasis(10, given);
        QCOMPARE(notes.data(ResultListModel::EmphasisRole).value<TextRanges>(), expected);
        QCOMPARE(best.data(ResultListModel::EmphasisRole).value<TextRanges>(), expected);
        QCOMPARE(model.index(1, 0, notes).data(ResultListModel::EmphasisRole).value<TextRanges>(),
                 TextRanges());
    }

    void emphasisSignalsTheRowsShowingThePassage() {
        ResultListModel model;
        model.setResults(QStringLiteral("cat"), sampleHits());
        const QModelIndex notes = model.index(0, 0);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

        model.setEmphasis(10, {{6, 9}}); // the best passage: its child row and the document row
        QCOMPARE(changed.size(), 2);
        QSet<QModelIndex> rows;
        for (const auto& arguments : changed) {
            QCOMPARE(arguments[0].toModelIndex(), arguments[1].toModelIndex());
            QVERIFY(arguments[2].value<QList<int>>().contains(ResultListModel::EmphasisRole));
            rows.insert(arguments[0].toModelIndex());
        }
        QCOMPARE(rows, (QSet<QModelIndex>{notes, model.index(0, 0, notes)}));

        changed.clear();
        model.setEmphasis(11, {{0, 6}}); // not the best: its child row only
        QCOMPARE(changed.size(), 1);
        QCOMPARE(changed[0][0].toModelIndex(), model.index(1, 0, notes));
        QCOMPARE(model.index(1, 0, notes).data(ResultListModel::EmphasisRole).value<TextRanges>(),
                 (TextRanges{{0, 6}}));
        QCOMPARE(notes.data(ResultListModel::EmphasisRole).value<TextRanges>(),
                 (TextRanges{{4, 7}}));

        changed.clear();
        model.setEmphasis(11, {{0, 6}});  // unchanged
        model.setEmphasis(999, {{0, 1}}); // unknown
        QCOMPARE(changed.size(), 0);

        model.setEmphasis(10, {}); // removed
        QCOMPARE(changed.size(), 2);
        QCOMPARE(notes.data(ResultListModel::EmphasisRole).value<TextRanges>(), TextRanges());

        // A new result set forgets the old query's emphasis.
        model.setResults(QStringLiteral("other"), sampleHits());
        QCOMPARE(model.index(1, 0, model.index(0, 0))
                     .data(ResultListModel::EmphasisRole)
                     .value<TextRanges>(),
                 TextRanges());
    }
};

QTEST_MAIN(TestResultListModel)
#include "test_result_list_model.moc"
