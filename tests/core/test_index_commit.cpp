// The commit stage of an indexing run (core/src/pipeline/index_commit.h): a prepared batch
// written in one transaction, the vector cache patched to match, the counts of what it did.

#include "stage_fixture.h"

#include "pipeline/index_commit.h"

#include <QtTest>

using namespace semsearch;
using namespace semsearch::test;

class TestIndexCommit : public QObject {
    Q_OBJECT

    std::unique_ptr<StageFixture> m_fixture;

    QString doc(const char* name) const { return m_fixture->doc(QLatin1String(name)); }

    // A file with `texts` as passages, each vector filled with `value` + its position.
    static PreparedFile fileWith(PreparedFile::Action action, const QString& path,
                                 const QStringList& texts, float value) {
        PreparedFile file;
        file.action = action;
        file.path = path;
        file.record.path = path;
        file.record.contentHash = StageFixture::sha256(texts.join(u' ').toUtf8());
        file.record.indexedAtMs = 5000;
        for (qsizetype p = 0; p < texts.size(); ++p) {
            PassageRecord passage;
            passage.text = texts[p];
            file.passages.push_back(passage);
            file.vectors.insert(file.vectors.end(), 4, value + float(p));
        }
        return file;
    }
    std::optional<DocumentRecord> find(const char* name) {
        auto found = m_fixture->store().documents().find(doc(name));
        return found ? *found : std::nullopt;
    }
    CommittedBatch commit(PreparedBatch& batch) {
        auto committed = commitBatch(m_fixture->index(), batch, AbortPoint::None);
        if (!committed) {
            QTest::qFail(qPrintable(committed.error().message), __FILE__, __LINE__);
            return {};
        }
        return *committed;
    }

private Q_SLOTS:
    void init() {
        m_fixture = std::make_unique<StageFixture>();
        QVERIFY(m_fixture->open(StageFixture::smallModel()));
    }

    void newAndChangedFilesAreStoredWithTheirVectors() {
        const std::int64_t oldId =
            m_fixture->storeDocument(m_fixture->recordOf(doc("b.txt"), "old"), {"o1", "o2", "o3"});
        QVERIFY(oldId > 0);
        auto oldPassages = m_fixture->store().documents().passagesOf(oldId);
        QVERIFY(oldPassages.ok());
        PreparedBatch batch;
        batch.files.push_back(
            fileWith(PreparedFile::Action::Embed, doc("a.txt"), {"alpha", "beta"}, 10));
        batch.files.push_back(fileWith(PreparedFile::Action::Embed, doc("b.txt"), {"new"}, 20));
        batch.files.back().existing = find("b.txt");
        const CommittedBatch done = commit(batch);
        QCOMPARE(done.counts.filesAdded, 1);
        QCOMPARE(done.counts.filesUpdated, 1);
        QCOMPARE(done.counts.passagesEmbedded, 3);
        QCOMPARE(m_fixture->vectorsOfDocument(doc("a.txt")),
                 std::vector<float>({10, 10, 10, 10, 11, 11, 11, 11}));
        QCOMPARE(m_fixture->vectorsOfDocument(doc("b.txt")), std::vector<float>(4, 20));
        // The old passages are gone from the store and the cache alike.
        QVERIFY(!m_fixture->store().documents().vectorsOf({oldPassages->front().id}).ok());
        QCOMPARE(m_fixture->cachedVectorCount(), 3);
    }

    // Two files that swapped contents, prepared with each other's vectors: both documents are
    // replaced, whatever the order.
    void swappedContentsAreWrittenWhole() {
        QVERIFY(m_fixture->storeDocument(m_fixture->recordOf(doc("a.txt"), "A"), {"a"}, 1) > 0);
        QVERIFY(m_fixture->storeDocument(m_fixture->recordOf(doc("b.txt"), "B"), {"b"}, 2) > 0);
        PreparedBatch batch;
        batch.files.push_back(fileWith(PreparedFile::Action::Reuse, doc("a.txt"), {"b"}, 2));
        batch.files.back().existing = find("a.txt");
        batch.files.push_back(fileWith(PreparedFile::Action::Reuse, doc("b.txt"), {"a"}, 1));
        batch.files.back().existing = find("b.txt");
        const CommittedBatch done = commit(batch);
        QCOMPARE(done.counts.filesReused, 2);
        QCOMPARE(done.counts.passagesReused, 2);
        QCOMPARE(done.counts.passagesEmbedded, 0);
        QCOMPARE(m_fixture->vectorsOfDocument(doc("a.txt")), std::vector<float>(4, 2));
        QCOMPARE(m_fixture->vectorsOfDocument(doc("b.txt")), std::vector<float>(4, 1));
        QCOMPARE(m_fixture->cachedVectorCount(), 2);
    }

    void touchRecordsOnlyTheNewTimes() {
        const std::int64_t id =
            m_fixture->storeDocument(m_fixture->recordOf(doc("a.txt"), "A"), {"a"}, 3);
        PreparedFile file;
        file.action = PreparedFile::Action::Touch;
        file.path = doc("a.txt");
        file.existing = find("a.txt");
        file.record = *file.existing;
        file.record.modifiedMs = 424242;
        PreparedBatch batch;
        batch.files.push_back(file);
        QCOMPARE(commit(batch).counts.filesUnchanged, 1);
        QCOMPARE(find("a.txt")->id, id);
        QCOMPARE(find("a.txt")->modifiedMs, 424242);
        QCOMPARE(m_fixture->vectorsOfDocument(doc("a.txt")), std::vector<float>(4, 3));
    }

    // A file that turned binary loses its document and gets a skip record; one deleted since
    // the walk loses its document and any skip record.
    void skippedAndVanishedFilesLoseTheirDocuments() {
        QVERIFY(m_fixture->storeDocument(m_fixture->recordOf(doc("a.txt"), "A"), {"a"}) > 0);
        QVERIFY(m_fixture->storeDocument(m_fixture->recordOf(doc("b.txt"), "B"), {"b"}) > 0);
        QVERIFY(m_fixture->store().skipped().record(doc("b.txt"), QStringLiteral("old")).ok());
        PreparedBatch batch;
        batch.files.push_back(fileWith(PreparedFile::Action::Skip, doc("a.txt"), {}, 0));
        batch.files.back().existing = find("a.txt");
        batch.files.back().skipReason = QStringLiteral("binary file");
        batch.files.push_back(fileWith(PreparedFile::Action::Vanished, doc("b.txt"), {}, 0));
        batch.files.back().existing = find("b.txt");
        const CommittedBatch done = commit(batch);
        QCOMPARE(done.counts.filesSkipped, 2);
        QCOMPARE(done.counts.filesRemoved, 1);
        QCOMPARE(done.skipped.size(), std::size_t(1));
        QCOMPARE(done.skipped[0].reason, QStringLiteral("binary file"));
        QVERIFY(!find("a.txt") && !find("b.txt"));
        auto skipped = m_fixture->store().skipped().all();
        QVERIFY(skipped.ok());
        QCOMPARE(skipped->size(), std::size_t(1));
        QCOMPARE(skipped->front().path, doc("a.txt"));
        QCOMPARE(m_fixture->cachedVectorCount(), 0);
    }

    // One transaction: a write that fails leaves nothing of the batch behind.
    void failedWriteLeavesNothingOfTheBatch() {
        PreparedBatch batch;
        batch.files.push_back(fileWith(PreparedFile::Action::Embed, doc("a.txt"), {"alpha"}, 1));
        batch.files.push_back(
            fileWith(PreparedFile::Action::Embed, QStringLiteral("relative.txt"), {"x"}, 2));
        auto committed = commitBatch(m_fixture->index(), batch, AbortPoint::None);
        QVERIFY(!committed.ok());
        QCOMPARE(committed.error().code, ErrorCode::InvalidArgument);
        QVERIFY(!find("a.txt"));
        QCOMPARE(m_fixture->cachedVectorCount(), 0);
    }

    void walkSkipsAreRecorded() {
        QVERIFY(recordSkips(m_fixture->store(), {{doc(".h"), QStringLiteral("hidden file")}}).ok());
        auto skipped = m_fixture->store().skipped().all();
        QVERIFY(skipped.ok());
        QCOMPARE(skipped->size(), std::size_t(1));
        QCOMPARE(skipped->front().reason, QStringLiteral("hidden file"));
    }
};

QTEST_GUILESS_MAIN(TestIndexCommit)
#include "test_index_commit.moc"
