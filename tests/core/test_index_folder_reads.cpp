// The reads IndexFolder offers front ends (the window's overview, search results, an export),
// checked on an index written straight through the store, so the expected values are the ones
// put in, read back by a second, read-only IndexFolder as the window and the CLI open one.

#include "semsearch/index_folder.h"

#include <QTemporaryDir>
#include <QtTest>

#include <memory>

using namespace semsearch;

namespace {

constexpr int kDim = 3;

DocumentRecord documentAt(const QString& path, std::int64_t modifiedMs) {
    DocumentRecord document;
    document.path = path;
    document.size = 10;
    document.modifiedMs = modifiedMs;
    document.contentHash = path.toUtf8();
    document.encoding = QStringLiteral("UTF-8");
    return document;
}

std::vector<PassageRecord> passagesNamed(const QStringList& texts) {
    std::vector<PassageRecord> passages;
    for (int i = 0; i < texts.size(); ++i) {
        PassageRecord passage;
        passage.byteStart = 10 * i;
        passage.byteEnd = 10 * i + 9;
        passage.line = i + 1;
        passage.text = texts[i];
        passages.push_back(passage);
    }
    return passages;
}

} // namespace

class TestIndexFolderReads : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::vector<std::int64_t> m_passageIds; // in the order written: a1 a2 b1 c1 c2 c3
    std::int64_t m_documentB = 0;

    QString folder() const { return m_dir.filePath(QStringLiteral("index")); }

private Q_SLOTS:
    // /src/a.md (2 passages), /src/sub/b.txt (1), /other/c.md (3); sources /src and /other;
    // one skipped file under /src.
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        auto writer = IndexFolder::open(folder(), IndexFolder::Mode::Write);
        QVERIFY2(writer.ok(), writer.ok() ? "" : qPrintable(writer.error().message));
        SqliteStore& store = (*writer)->store();
        QVERIFY(store.begin().ok());
        QVERIFY(store.metadata()
                    .setModelIdentity(
                        {QStringLiteral("m"), kDim, QStringLiteral("mean"), true, QString()})
                    .ok());
        QVERIFY(store.metadata().setPrecision(Precision::Bf16).ok());
        const struct {
            const char* path;
            QStringList texts;
            std::int64_t modifiedMs;
        } documents[] = {
            {"/src/a.md", {QStringLiteral("a1"), QStringLiteral("a2")}, 1000},
            {"/src/sub/b.txt", {QStringLiteral("b1")}, 2000},
            {"/other/c.md",
             {QStringLiteral("c1"), QStringLiteral("c2"), QStringLiteral("c3")},
             3000},
        };
        float next = 1;
        for (const auto& document : documents) {
            auto passages = passagesNamed(document.texts);
            std::vector<float> vectors;
            for (std::size_t i = 0; i < passages.size() * kDim; ++i)
                vectors.push_back(next++);
            auto id = store.documents().put(
                documentAt(QString::fromLatin1(document.path), document.modifiedMs), passages,
                vectors);
            QVERIFY(id.ok());
            if (QLatin1String(document.path) == QLatin1String("/src/sub/b.txt"))
                m_documentB = *id;
            for (const PassageRecord& passage : passages)
                m_passageIds.push_back(passage.id);
        }
        QVERIFY(store.sources().add(QStringLiteral("/src")).ok());
        QVERIFY(store.sources().add(QStringLiteral("/other")).ok());
        QVERIFY(
            store.skipped().record(QStringLiteral("/src/x.bin"), QStringLiteral("binary")).ok());
        QVERIFY(store.commit().ok());
    }

    void overviewIsOneConsistentSnapshot() {
        auto reader = IndexFolder::open(folder(), IndexFolder::Mode::Read);
        QVERIFY(reader.ok());
        auto overview = (*reader)->overview();
        QVERIFY2(overview.ok(), overview.ok() ? "" : qPrintable(overview.error().message));
        QVERIFY(overview->model);
        QCOMPARE(overview->model->name, QStringLiteral("m"));
        QCOMPARE(overview->model->dimension, kDim);
        QVERIFY(overview->precision == Precision::Bf16);
        QCOMPARE(overview->totals.documents, 3);
        QCOMPARE(overview->totals.passages, 6);
        QCOMPARE(overview->totals.skipped, 1);
        QCOMPARE(overview->sources.size(), std::size_t(2));
        QCOMPARE(overview->sources[0].source.path, QStringLiteral("/other"));
        QCOMPARE(overview->sources[0].counts.documents, 1);
        QCOMPARE(overview->sources[0].counts.passages, 3);
        QCOMPARE(overview->sources[0].counts.skipped, 0);
        QCOMPARE(overview->sources[1].source.path, QStringLiteral("/src"));
        QCOMPARE(overview->sources[1].counts.documents, 2);
        QCOMPARE(overview->sources[1].counts.passages, 3);
        QCOMPARE(overview->sources[1].counts.skipped, 1);
        QCOMPARE(overview->skipped.size(), std::size_t(1));
        QCOMPARE(overview->skipped[0].path, QStringLiteral("/src/x.bin"));
        QCOMPARE(overview->skipped[0].reason, QStringLiteral("binary"));
        // The types of the indexed documents, each once; a skipped file's is not one.
        QCOMPARE(overview->extensions, QStringList({QStringLiteral("md"), QStringLiteral("txt")}));
    }

    void emptyIndexOverview() {
        QTemporaryDir dir;
        auto writer =
            IndexFolder::open(dir.filePath(QStringLiteral("i")), IndexFolder::Mode::Write);
        QVERIFY(writer.ok());
        auto overview = (*writer)->overview();
        QVERIFY(overview.ok());
        QVERIFY(!overview->model);
        QVERIFY(!overview->precision);
        QCOMPARE(overview->totals.documents, 0);
        QVERIFY(overview->sources.empty() && overview->skipped.empty());
        QVERIFY(overview->extensions.isEmpty());
        // Inside the writer's own transaction the overview sees it (and does not nest one).
        SqliteStore& store = (*writer)->store();
        QVERIFY(store.begin().ok());
        QVERIFY(store.sources().add(QStringLiteral("/new")).ok());
        auto during = (*writer)->overview();
        QVERIFY(during.ok());
        QCOMPARE(during->sources.size(), std::size_t(1));
        QVERIFY(store.inTransaction());
        QVERIFY(store.rollback().ok());
    }

    void locatePassagesKeepsTheOrderAndLeavesOutUnknownIds() {
        auto reader = IndexFolder::open(folder(), IndexFolder::Mode::Read);
        QVERIFY(reader.ok());
        const std::vector<std::int64_t> ids = {m_passageIds[4], 999999, m_passageIds[2],
                                               m_passageIds[0]};
        auto located = (*reader)->locatePassages(ids);
        QVERIFY(located.ok());
        QCOMPARE(located->size(), std::size_t(3));
        QCOMPARE((*located)[0].passage.text, QStringLiteral("c2"));
        QCOMPARE((*located)[0].passage.line, 2);
        QCOMPARE((*located)[0].passage.byteStart, 10);
        QCOMPARE((*located)[0].document.path, QStringLiteral("/other/c.md"));
        QCOMPARE((*located)[0].document.modifiedMs, 3000);
        QCOMPARE((*located)[1].passage.text, QStringLiteral("b1"));
        QCOMPARE((*located)[1].document.path, QStringLiteral("/src/sub/b.txt"));
        QCOMPARE((*located)[2].passage.text, QStringLiteral("a1"));
        QCOMPARE((*located)[2].document.path, QStringLiteral("/src/a.md"));

        auto documents = (*reader)->documents({m_documentB, 424242});
        QVERIFY(documents.ok());
        QCOMPARE(documents->size(), std::size_t(1));
        QCOMPARE(documents->front().path, QStringLiteral("/src/sub/b.txt"));
    }

    void passagesMatchingAFilter() {
        auto reader = IndexFolder::open(folder(), IndexFolder::Mode::Read);
        QVERIFY(reader.ok());
        PassageFilter markdown;
        markdown.extensions = {QStringLiteral("md")};
        markdown.modifiedAfterMs = 2000;
        auto ids = (*reader)->passagesMatching(markdown);
        QVERIFY(ids.ok());
        QCOMPARE(*ids,
                 (std::vector<std::int64_t>{m_passageIds[3], m_passageIds[4], m_passageIds[5]}));
        auto model = (*reader)->model();
        QVERIFY(model.ok() && *model);
        QCOMPARE((*model)->pooling, QStringLiteral("mean"));
        auto sources = (*reader)->sources();
        QVERIFY(sources.ok());
        QCOMPARE(sources->size(), std::size_t(2));
    }

    void exportGoesDocumentByDocumentWithEachVector() {
        auto reader = IndexFolder::open(folder(), IndexFolder::Mode::Read);
        QVERIFY(reader.ok());
        QStringList seen;
        std::vector<float> firstValues;
        auto exported = (*reader)->exportPassages([&](const DocumentRecord& document,
                                                      const PassageRecord& passage,
                                                      const float* vector, int dimension) {
            seen << document.path + QLatin1Char(':') + passage.text;
            firstValues.push_back(dimension == kDim ? vector[0] : -1.0f);
            return true;
        });
        QVERIFY(exported.ok());
        // Documents in path order, passages in order; vectors as written (1, 2, 3 | 4, 5, 6 ...).
        QCOMPARE(seen, (QStringList{
                           QStringLiteral("/other/c.md:c1"), QStringLiteral("/other/c.md:c2"),
                           QStringLiteral("/other/c.md:c3"), QStringLiteral("/src/a.md:a1"),
                           QStringLiteral("/src/a.md:a2"), QStringLiteral("/src/sub/b.txt:b1")}));
        QCOMPARE(firstValues, (std::vector<float>{10, 13, 16, 1, 4, 7}));

        int calls = 0;
        auto stopped = (*reader)->exportPassages([&](const DocumentRecord&, const PassageRecord&,
                                                     const float*, int) { return ++calls < 2; });
        QVERIFY(stopped.ok());
        QCOMPARE(calls, 2);
    }
};

QTEST_GUILESS_MAIN(TestIndexFolderReads)
#include "test_index_folder_reads.moc"
