// The prepare stage of an indexing run (core/src/pipeline/index_prepare.h): what the commit is
// to do with each file read, decided by its content against the store, before anything is
// written; and vectors of identical passages taken from wherever the index holds them.

#include "reference_data.h"
#include "stage_fixture.h"

#include "pipeline/index_prepare.h"
#include "semsearch/model_identity.h"

#include <QtTest>

#include <cmath>
#include <limits>

using namespace semsearch;
using namespace semsearch::test;

namespace {

const QByteArray kAlpha = "Alpha particles are helium nuclei. They stop in a sheet of paper.\n";
const QByteArray kBeta = "Beta decay turns a neutron into a proton. An electron leaves.\n";

} // namespace

class TestIndexPrepare : public QObject {
    Q_OBJECT

    std::unique_ptr<Embedder> m_embedder;
    std::unique_ptr<StageFixture> m_fixture;

    QString doc(const char* name) const { return m_fixture->doc(QLatin1String(name)); }

    PreparedBatch prepare(const QStringList& paths) {
        PreparedBatch batch;
        for (const QString& path : paths) {
            DocumentReader reader(ReadOptions{1 << 20, {}});
            auto prepared = prepareFile(m_fixture->store(), *m_embedder, reader, path, batch);
            if (!prepared) {
                QTest::qFail(qPrintable(prepared.error().message), __FILE__, __LINE__);
                return {};
            }
        }
        return batch;
    }

    std::vector<float> filled(std::size_t rows, float first) const {
        std::vector<float> values;
        for (std::size_t r = 0; r < rows; ++r)
            values.insert(values.end(), m_embedder->dimension(), first + float(r));
        return values;
    }

private Q_SLOTS:
    void initTestCase() {
        auto embedder = openEmbedder(tinyModelPath());
        QVERIFY2(embedder.ok(), embedder ? "" : qPrintable(embedder.error().message));
        m_embedder = std::move(embedder).value();
    }
    void init() {
        m_fixture = std::make_unique<StageFixture>();
        QVERIFY(m_fixture->open(modelIdentity(m_embedder->model())));
    }

    void newContentIsSplitIntoPassagesToEmbed() {
        QVERIFY(m_fixture->put(QStringLiteral("a.txt"), kAlpha + kBeta));
        const PreparedBatch batch = prepare({doc("a.txt")});
        QCOMPARE(batch.files.size(), std::size_t(1));
        const PreparedFile& file = batch.files[0];
        QCOMPARE(file.action, PreparedFile::Action::Embed);
        QVERIFY(!file.existing);
        QCOMPARE(file.record.contentHash, StageFixture::sha256(kAlpha + kBeta));
        QCOMPARE(file.record.size, kAlpha.size() + kBeta.size());
        QCOMPARE(file.record.encoding, QStringLiteral("utf-8"));
        QVERIFY(!file.passages.empty());
        QCOMPARE(batch.texts.size(), qsizetype(file.passages.size()));
        for (std::size_t p = 0; p < file.passages.size(); ++p)
            QCOMPARE(batch.texts[qsizetype(p)], file.passages[p].text);
        QCOMPARE(batch.texts.join(QString()).simplified(),
                 QString::fromUtf8(kAlpha + kBeta).simplified());
        QCOMPARE(batch.bytesRead, kAlpha.size() + kBeta.size());
    }

    // Read again (its stat changed) but the same content: only the times are recorded.
    void sameContentUnderTheSamePathIsOnlyTouched() {
        QVERIFY(m_fixture->put(QStringLiteral("a.txt"), kAlpha));
        DocumentRecord old = m_fixture->recordOf(doc("a.txt"), kAlpha);
        old.modifiedMs -= 5000;
        QVERIFY(m_fixture->storeDocument(old, {"alpha"}) > 0);
        const PreparedBatch batch = prepare({doc("a.txt")});
        QCOMPARE(batch.files[0].action, PreparedFile::Action::Touch);
        QVERIFY(batch.files[0].existing);
        QVERIFY(batch.texts.isEmpty());
    }

    // A rename: the content is stored under another path, whose passages and vectors are
    // copied, not embedded.
    void contentStoredElsewhereIsReusedWithItsVectors() {
        QVERIFY(m_fixture->put(QStringLiteral("new.txt"), kAlpha));
        QVERIFY(m_fixture->storeDocument(m_fixture->recordOf(doc("old.txt"), kAlpha),
                                         {"first", "second"}, 7) > 0);
        const PreparedBatch batch = prepare({doc("new.txt")});
        const PreparedFile& file = batch.files[0];
        QCOMPARE(file.action, PreparedFile::Action::Reuse);
        QVERIFY(batch.texts.isEmpty());
        QCOMPARE(file.passages.size(), std::size_t(2));
        QCOMPARE(file.passages[1].text, QStringLiteral("second"));
        QCOMPARE(file.vectors, filled(2, 7));
        QCOMPARE(batch.passages, std::size_t(2));
    }

    // Two files that swapped contents: each takes the other's vectors, copied now, before the
    // commit replaces either document.
    void swappedContentsTakeEachOthersVectors() {
        QVERIFY(m_fixture->put(QStringLiteral("a.txt"), kBeta));
        QVERIFY(m_fixture->put(QStringLiteral("b.txt"), kAlpha));
        QVERIFY(m_fixture->storeDocument(m_fixture->recordOf(doc("a.txt"), kAlpha), {"a"}, 10) > 0);
        QVERIFY(m_fixture->storeDocument(m_fixture->recordOf(doc("b.txt"), kBeta), {"b"}, 20) > 0);
        const PreparedBatch batch = prepare({doc("a.txt"), doc("b.txt")});
        QCOMPARE(batch.files[0].action, PreparedFile::Action::Reuse);
        QCOMPARE(batch.files[0].vectors, filled(1, 20));
        QCOMPARE(batch.files[1].action, PreparedFile::Action::Reuse);
        QCOMPARE(batch.files[1].vectors, filled(1, 10));
        QVERIFY(batch.texts.isEmpty());
    }

    // Damage can leave NaN in a stored vector; such a twin is not reused, the content embedded.
    void twinWithBrokenVectorsIsEmbeddedInstead() {
        QVERIFY(m_fixture->put(QStringLiteral("new.txt"), kAlpha));
        QVERIFY(m_fixture->storeDocument(m_fixture->recordOf(doc("old.txt"), kAlpha), {"x"},
                                         std::numeric_limits<float>::quiet_NaN()) > 0);
        const PreparedBatch batch = prepare({doc("new.txt")});
        QCOMPARE(batch.files[0].action, PreparedFile::Action::Embed);
        QVERIFY(!batch.texts.isEmpty());
    }

    void twinsInOneBatchAreEmbeddedOnce() {
        QVERIFY(m_fixture->put(QStringLiteral("a.txt"), kAlpha));
        QVERIFY(m_fixture->put(QStringLiteral("b.txt"), kBeta));
        QVERIFY(m_fixture->put(QStringLiteral("c.txt"), kAlpha));
        const PreparedBatch batch = prepare({doc("a.txt"), doc("b.txt"), doc("c.txt")});
        QCOMPARE(batch.files[2].action, PreparedFile::Action::ReuseFromBatch);
        QCOMPARE(batch.files[2].batchSource, std::size_t(0));
        const std::size_t embedded =
            batch.files[0].passages.size() + batch.files[1].passages.size();
        QCOMPARE(batch.texts.size(), qsizetype(embedded));
        QCOMPARE(batch.passages, embedded + batch.files[0].passages.size());
    }

    void unreadableFilesAreSkippedOrVanished() {
        QVERIFY(m_fixture->put(QStringLiteral("binary.dat"), QByteArray("\0\1\2\3", 4)));
        const PreparedBatch batch = prepare({doc("binary.dat"), doc("deleted.txt")});
        QCOMPARE(batch.files[0].action, PreparedFile::Action::Skip);
        QCOMPARE(batch.files[0].skipReason, QStringLiteral("binary file"));
        QCOMPARE(batch.files[1].action, PreparedFile::Action::Vanished);
        QVERIFY(batch.texts.isEmpty());
    }

    void batchClosesAtItsFileLimit() {
        for (const char* name : {"a.txt", "b.txt", "c.txt"})
            QVERIFY(m_fixture->put(QLatin1String(name), QByteArray(name) + " " + kAlpha));
        IndexOptions options;
        options.filesPerBatch = 2;
        const QStringList toRead = {doc("a.txt"), doc("b.txt"), doc("c.txt")};
        qsizetype next = 0;
        DocumentReader reader;
        auto first = prepareBatch(m_fixture->store(), *m_embedder, reader, toRead, next, options);
        QVERIFY(first.ok());
        QCOMPARE(first->files.size(), std::size_t(2));
        QCOMPARE(next, 2);
        auto second = prepareBatch(m_fixture->store(), *m_embedder, reader, toRead, next, options);
        QVERIFY(second.ok());
        QCOMPARE(second->files.size(), std::size_t(1));
        QCOMPARE(second->files[0].path, doc("c.txt"));
        QCOMPARE(next, 3);
    }
};

QTEST_GUILESS_MAIN(TestIndexPrepare)
#include "test_index_prepare.moc"
