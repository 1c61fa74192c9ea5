// Results and the preview of a shared index's documents (issue 19): a hit indexed on another
// machine names that machine before its folder, one from this machine reads as a local hit; the
// preview of a document whose file is not on this disk shows its text as the index holds it
// (read from a private PostgreSQL server), the matches where the text says they are, headed by
// the machine and path; with the server out of reach, the matching passages alone.

#include "postgres_server.h"
#include "preview/preview_pane.h"
#include "results/result_list_model.h"
#include "shared_index/pg_connection.h"
#include "shared_index/pg_schema.h"
#include "shared_index/shared_index_batch.h"
#include "shared_index/source_lease.h"
#include "stored_preview.h"

#include <QLabel>
#include <QPlainTextEdit>
#include <QtTest>

using namespace semsearch;
using namespace semsearch::test;
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

PassageRecord record(std::int64_t id, std::int64_t byteStart, const QString& text, int page = 0) {
    PassageRecord passage;
    passage.id = id;
    passage.byteStart = byteStart;
    passage.byteEnd = byteStart + text.toUtf8().size();
    passage.text = text;
    passage.page = page;
    return passage;
}

// gardenPassages() as the index holds them, with a passage between that matched nothing:
// "# Garden" [0, 8), "Beds" [10, 14), "Compost..." [15, 50), "Water..." [51, 84).
std::vector<PassageRecord> gardenDocument() {
    return {record(10, 0, QStringLiteral("# Garden")), record(13, 10, QStringLiteral("Beds")),
            record(11, 15, QStringLiteral("Compost goes on the beds in autumn.")),
            record(12, 51, QStringLiteral("Water the tomatoes every morning."))};
}

// Writes `passages` as /home/ann/notes/garden.md, indexed by laptop-b, into a new shared index
// at `location`; their ids come back in them. "" or what failed.
QString writeDocument(const QString& location, std::vector<PassageRecord>& passages) {
    const QString source = QStringLiteral("/home/ann/notes");
    auto connection = PgConnection::open(location);
    if (!connection)
        return connection.error().message;
    if (auto migrated = migrateSharedIndex(*connection); !migrated)
        return migrated.error().message;
    auto lease = SourceLease::take(*connection, source);
    const ModelIdentity model{QStringLiteral("test-model"), 2, QStringLiteral("max"), false,
                              QStringLiteral("fingerprint")};
    auto batch = SharedIndexBatch::begin(*connection, QStringLiteral("laptop-b"), model);
    if (!lease || !batch)
        return !lease ? lease.error().message : batch.error().message;
    DocumentRecord document;
    document.path = source + QStringLiteral("/garden.md");
    document.passageCount = int(passages.size());
    if (auto added = batch->addSource(source, 1); !added)
        return added.error().message;
    if (auto put = batch->putDocument(source, document, passages,
                                      std::vector<float>(passages.size() * 2, 0.5f));
        !put)
        return put.error().message;
    auto committed = batch->commit();
    return committed ? QString() : committed.error().message;
}

// The matches of a garden preview: passages 10, 11, 12 in document order, ranked 2, 1, 0 by
// score, each on exactly its text.
void checkGardenMatches(const services::DocumentPreview& preview,
                        const std::vector<PassageHit>& hits) {
    QCOMPARE(preview.matches.size(), std::size_t(3));
    const std::vector<std::int64_t> ids = {10, 11, 12};
    const std::vector<int> ranks = {2, 1, 0};
    for (std::size_t i = 0; i < 3; ++i) {
        const services::PreviewMatch& match = preview.matches[i];
        QCOMPARE(match.passageId, ids[i]);
        QCOMPARE(match.rank, ranks[i]);
        const auto given = std::find_if(hits.begin(), hits.end(), [&](const PassageHit& hit) {
            return hit.passageId == match.passageId;
        });
        QVERIFY(given != hits.end());
        QCOMPARE(preview.text.mid(match.start, match.end - match.start), given->text);
    }
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
        checkGardenMatches(preview, passages);
        QCOMPARE(preview.changedPassages, 0);
        QVERIFY(preview.excerptsOnly);
    }

    // Every passage in order, with what most likely stood between (touching: nothing; one
    // byte: a space; more: a blank line); the hits are the matches, ranked by score.
    void theWholeStoredDocumentIsShown() {
        std::vector<PassageHit> hits = gardenPassages();
        PassageHit gone = hits.front();
        gone.passageId = 99; // indexed again since the search: no longer in the document
        hits.push_back(gone);
        const services::DocumentPreview preview =
            services::storedDocumentPreview(hits.front().path, gardenDocument(), hits);
        QCOMPARE(preview.text, QStringLiteral("# Garden\n\nBeds Compost goes on the beds in "
                                              "autumn. Water the tomatoes every morning."));
        QVERIFY(!preview.excerptsOnly);
        QCOMPARE(preview.passageCount, 4);
        QCOMPARE(preview.changedPassages, 1);
        checkGardenMatches(preview, hits);
    }

    void aStoredPdfShowsWherePagesBegin() {
        const std::vector<PassageRecord> pages = {record(1, 0, QStringLiteral("One."), 1),
                                                  record(2, 5, QStringLiteral("Still one."), 1),
                                                  record(3, 16, QStringLiteral("Two."), 2)};
        const services::DocumentPreview preview =
            services::storedDocumentPreview(QStringLiteral("/srv/a.pdf"), pages, {});
        QCOMPARE(preview.text, services::pageMarker(1) + QStringLiteral("\n\nOne. Still one.\n\n") +
                                   services::pageMarker(2) + QStringLiteral("\n\nTwo."));
        QVERIFY(preview.matches.empty());
    }

    // From a real server: the pane reads the whole document in the background and names the
    // machine; the matches are the hits.
    void thePreviewReadsTheWholeDocumentFromTheIndex() {
        PostgresServer server;
        QVERIFY2(server.isRunning(), qPrintable(server.error()));
        QCOMPARE(server.runSql(QStringLiteral("CREATE DATABASE team")), QString());
        const QString location = server.location(QStringLiteral("team"));
        std::vector<PassageRecord> written = gardenDocument();
        QCOMPARE(writeDocument(location, written), QString());
        std::vector<PassageHit> hits = gardenPassages();
        for (std::size_t i = 0; i < hits.size(); ++i) // the ids the server gave
            hits[i].passageId = written[i == 0 ? 3 : i == 1 ? 0 : 2].id;

        PreviewPane pane;
        QSignalSpy shown(&pane, &PreviewPane::documentShown);
        pane.showStoredPassages(location, hits.front().path, QStringLiteral("laptop-b"), hits,
                                hits.front().passageId);
        QVERIFY(shown.wait(10000));
        const QString text =
            pane.findChild<QPlainTextEdit*>(QStringLiteral("previewText"))->toPlainText();
        QCOMPARE(text, QStringLiteral("# Garden\n\nBeds Compost goes on the beds in autumn. "
                                      "Water the tomatoes every morning."));
        QCOMPARE(pane.matchCount(), 3);
        QCOMPARE(pane.currentMatch(), 2); // the one asked for, "Water...", in document order
        const QString notice = pane.findChild<QLabel*>(QStringLiteral("previewNotice"))->text();
        QVERIFY2(notice.contains(QStringLiteral("On laptop-b: /home/ann/notes/garden.md")) &&
                     notice.contains(QStringLiteral("as the index holds it")),
                 qPrintable(notice));
    }

    // The server out of reach: the matching passages alone, said so; never an error.
    void thePreviewShowsThemWithTheMachineAndPath() {
        PreviewPane pane;
        const std::vector<PassageHit> passages = gardenPassages();
        QSignalSpy shown(&pane, &PreviewPane::documentShown);
        pane.showStoredPassages(QStringLiteral("postgresql://127.0.0.1:1/none"),
                                passages.front().path, QStringLiteral("laptop-b"), passages, 11);
        QVERIFY(shown.wait(10000));
        QVERIFY(pane.findChild<QPlainTextEdit*>(QStringLiteral("previewText"))
                    ->toPlainText()
                    .contains(QStringLiteral("Compost goes on the beds")));
        const QString notice = pane.findChild<QLabel*>(QStringLiteral("previewNotice"))->text();
        QVERIFY2(notice.contains(QStringLiteral("On laptop-b: /home/ann/notes/garden.md")) &&
                     notice.contains(QStringLiteral("cannot be read now")),
                 qPrintable(notice));
        QCOMPARE(pane.matchCount(), 3);
        QCOMPARE(pane.currentMatch(), 1); // the one asked for, in document order
    }
};

QTEST_MAIN(TestSharedResults)
#include "test_shared_results.moc"
