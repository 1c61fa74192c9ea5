// Results and the preview of a shared index's documents (issue 19): a hit indexed on another
// machine names that machine before its folder, one from this machine reads as a local hit; the
// preview of a document whose file is not on this disk shows the passages the index holds in
// their order in the document, each where the text says it is, headed by the machine and path.

#include "preview/preview_pane.h"
#include "results/result_list_model.h"
#include "stored_preview.h"

#include <QLabel>
#include <QPlainTextEdit>
#include <QtTest>

using namespace semsearch;
using semsearch::ui::PreviewPane;
using semsearch::ui::ResultListModel;

namespace {

PassageHit passage(std::int64_t id, std::int64_t byteStart, float score, const QString& text) {
    PassageHit hit;
    hit.passageId = id;
    hit.documentId = 1;
    hit.path = QStringLiteral("/home/ann/notes/garden.md");
    hit.machine = QStringLiteral("laptop-b");
    hit.byteStart = byteStart;
    hit.byteEnd = byteStart + text.toUtf8().size();
    hit.score = score;
    hit.text = text;
    return hit;
}

// Passages given best first, as a DocumentHit holds them; their order in the document differs.
std::vector<PassageHit> gardenPassages() {
    return {passage(12, 300, 0.9f, QStringLiteral("Water the tomatoes every morning.")),
            passage(10, 0, 0.5f, QStringLiteral("# Garden")),
            passage(11, 120, 0.7f, QStringLiteral("Compost goes on the beds in autumn."))};
}

} // namespace

class TestSharedResults : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { qputenv("SEMSEARCH_MACHINE", "this-machine"); }

    void anotherMachinesHitNamesIt() {
        DocumentHit other;
        other.documentId = 1;
        other.path = QStringLiteral("/srv/share/garden.md");
        other.machine = QStringLiteral("laptop-b");
        other.passages = {gardenPassages().front()};
        DocumentHit here = other;
        here.documentId = 2;
        here.path = QStringLiteral("/srv/share/bikes.md");
        here.machine = QStringLiteral("this-machine");
        ResultListModel model;
        model.setResults(QStringLiteral("tomatoes"), {other, here});
        const QModelIndex first = model.index(0, 0);
        QCOMPARE(first.data(ResultListModel::FolderRole).toString(),
                 QStringLiteral("on laptop-b: /srv/share"));
        QVERIFY(first.data(Qt::ToolTipRole)
                    .toString()
                    .startsWith(QStringLiteral("On laptop-b: /srv/share/garden.md")));
        QCOMPARE(model.index(1, 0).data(ResultListModel::FolderRole).toString(),
                 QStringLiteral("/srv/share"));
        QCOMPARE(first.data(ResultListModel::PathRole).toString(), other.path);
    }

    void storedPassagesAreInDocumentOrder() {
        const std::vector<PassageHit> passages = gardenPassages();
        const services::DocumentPreview preview =
            services::storedPassagesPreview(passages.front().path, passages);
        QCOMPARE(preview.text, QStringLiteral("# Garden\n\n…\n\nCompost goes on the beds in "
                                              "autumn.\n\n…\n\nWater the tomatoes every morning."));
        QCOMPARE(preview.matches.size(), std::size_t(3));
        const std::vector<std::int64_t> ids = {10, 11, 12};
        const std::vector<int> ranks = {2, 1, 0};
        for (std::size_t i = 0; i < 3; ++i) {
            const services::PreviewMatch& match = preview.matches[i];
            QCOMPARE(match.passageId, ids[i]);
            QCOMPARE(match.rank, ranks[i]);
            const auto given = std::find_if(passages.begin(), passages.end(), [&](const auto& p) {
                return p.passageId == match.passageId;
            });
            QCOMPARE(preview.text.mid(match.start, match.end - match.start), given->text);
        }
        QCOMPARE(preview.changedPassages, 0);
    }

    void thePreviewShowsThemWithTheMachineAndPath() {
        PreviewPane pane;
        const std::vector<PassageHit> passages = gardenPassages();
        QSignalSpy shown(&pane, &PreviewPane::documentShown);
        pane.showStoredPassages(passages.front().path, QStringLiteral("laptop-b"), passages, 11);
        QCOMPARE(shown.count(), 1);
        QVERIFY(pane.findChild<QPlainTextEdit*>(QStringLiteral("previewText"))
                    ->toPlainText()
                    .contains(QStringLiteral("Compost goes on the beds")));
        const QString notice = pane.findChild<QLabel*>(QStringLiteral("previewNotice"))->text();
        QVERIFY2(notice.contains(QStringLiteral("On laptop-b: /home/ann/notes/garden.md")),
                 qPrintable(notice));
        QCOMPARE(pane.matchCount(), 3);
        QCOMPARE(pane.currentMatch(), 1); // the one asked for, in document order
    }
};

QTEST_MAIN(TestSharedResults)
#include "test_shared_results.moc"
