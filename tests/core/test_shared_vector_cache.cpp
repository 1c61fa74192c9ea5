// The window opens its index twice in one process: a writer on the indexing thread and a reader
// on the search thread. They share one vector cache (pipeline/shared_vector_cache.h): the
// reader's memory does not grow by a second copy, a search runs while the writer commits, and
// every result is a passage the store holds, scored with its true cosine (computed here in
// double precision from the stored vectors, an independent reference).

#include "semsearch/index_folder.h"

#include "clustered_vectors.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <cmath>
#include <malloc.h>
#include <thread>

using namespace semsearch;

namespace {

constexpr int kDim = 768;

// Resident memory of this process in bytes, from /proc/self/statm.
std::int64_t residentBytes() {
    QFile statm(QStringLiteral("/proc/self/statm"));
    if (!statm.open(QIODevice::ReadOnly))
        return -1;
    const QList<QByteArray> fields = statm.readAll().split(' ');
    return fields.size() > 1 ? fields[1].toLongLong() * 4096 : -1;
}

// Stores `count` clustered rows as documents of 10 passages from number `first`, in one
// transaction, and applies them to the writer's cache as the indexer's commit does.
bool commitRows(IndexFolder& writer, int count, int first) {
    const std::vector<float> rows = test::clusteredVectors(count, kDim, 20, 0.5f, first + 1);
    SqliteStore& store = writer.store();
    if (!store.begin() || !store.metadata().setModelIdentity({QStringLiteral("synthetic"), kDim,
                                                              QStringLiteral("max"), true,
                                                              QStringLiteral("fingerprint")}))
        return false;
    std::vector<std::int64_t> ids;
    for (int at = 0; at < count; at += 10) {
        DocumentRecord document;
        document.path = QStringLiteral("/synthetic/doc%1.txt").arg(first + at);
        document.size = 100;
        document.contentHash = QByteArray::number(first + at).leftJustified(32, '#');
        std::vector<PassageRecord> passages(10);
        for (int i = 0; i < 10; ++i) {
            passages[std::size_t(i)].ordinal = i;
            passages[std::size_t(i)].text = QStringLiteral("passage %1").arg(first + at + i);
        }
        const std::vector<float> vectors(rows.begin() + std::ptrdiff_t(at) * kDim,
                                         rows.begin() + std::ptrdiff_t(at + 10) * kDim);
        if (!store.documents().put(document, passages, vectors))
            return false;
        for (const PassageRecord& passage : passages)
            ids.push_back(passage.id);
    }
    if (!store.commit())
        return false;
    return writer.applyCommitted(ids, rows.data(), {}).ok();
}

} // namespace

class TestSharedVectorCache : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // 20,000 passages of 768 values: the 8-bit cache is 15 MB. A reader that built or loaded
    // a copy of its own would grow by that much; sharing the writer's, it grows by little more
    // than its SQLite connection.
    void aReaderBesideTheWriterHoldsNoSecondCopy() {
        QTemporaryDir dir;
        auto writer = IndexFolder::open(dir.path(), IndexFolder::Mode::Write);
        QVERIFY(writer);
        QVERIFY(commitRows(**writer, 20000, 0));
        QVERIFY((*writer)->saveVectors().ok());
        const std::int64_t cacheBytes = std::int64_t(20000) * kDim;

        const std::int64_t before = residentBytes();
        auto reader = IndexFolder::open(dir.path(), IndexFolder::Mode::Read);
        QVERIFY(reader);
        bool rebuilt = true;
        auto vectors = (*reader)->vectors(&rebuilt);
        QVERIFY(vectors.ok() && *vectors);
        QVERIFY(!rebuilt);
        QCOMPARE((*vectors)->size(), 20000);
        const std::vector<float> query = test::clusteredVectors(1, kDim, 20, 0.5f, 4242);
        QVERIFY((*vectors)->search(query.data(), 10).ok());
        const std::int64_t grown = residentBytes() - before;
        QVERIFY2(
            grown < cacheBytes / 2,
            qPrintable(
                QStringLiteral("the reader grew by %1 MB").arg(double(grown) / 1e6, 0, 'f', 1)));

        // The check can fail: a reader on its own (the writer closed) loads a copy.
        writer->reset();
        reader->reset();
        ::malloc_trim(0); // the freed cache goes back to the system, not to the next copy
        const std::int64_t alone = residentBytes();
        auto single = IndexFolder::open(dir.path(), IndexFolder::Mode::Read);
        QVERIFY(single);
        QVERIFY((*single)->vectors().ok());
        QVERIFY(residentBytes() - alone > cacheBytes * 3 / 4);
    }

    // The writer commits batches on one thread while the reader searches on another: every
    // search succeeds, finds only stored passages, and scores each with its true cosine.
    void aReaderSearchesWhileTheWriterCommits() {
        QTemporaryDir dir;
        auto writer = IndexFolder::open(dir.path(), IndexFolder::Mode::Write);
        QVERIFY(writer);
        QVERIFY(commitRows(**writer, 500, 0));
        auto reader = IndexFolder::open(dir.path(), IndexFolder::Mode::Read);
        QVERIFY(reader);

        std::atomic<bool> committed{true};
        std::atomic<bool> finished{false};
        std::thread indexing([&] {
            for (int batch = 1; batch <= 20 && committed; ++batch)
                committed = commitRows(**writer, 200, batch * 1000);
            finished = true;
        });
        const std::vector<float> query = test::clusteredVectors(1, kDim, 20, 0.5f, 4242);
        int searches = 0;
        QString problem;
        while (problem.isEmpty() && (searches < 20 || !finished)) {
            auto vectors = (*reader)->vectors();
            if (!vectors || !*vectors) {
                problem = vectors ? QStringLiteral("no vectors") : vectors.error().message;
                break;
            }
            auto hits = (*vectors)->search(query.data(), 10);
            if (!hits) {
                problem = hits.error().message;
                break;
            }
            for (const ScoredId& hit : *hits) {
                auto stored = (*reader)->store().documents().vectorsOf({hit.id});
                if (!stored)
                    problem = QStringLiteral("passage %1 is not stored").arg(hit.id);
                else if (std::abs(test::trueCosine(query.data(), stored->data(), kDim) -
                                  hit.score) > 1e-5)
                    problem = QStringLiteral("passage %1 scored %2").arg(hit.id).arg(hit.score);
            }
            ++searches;
        }
        committed = committed && problem.isEmpty();
        indexing.join();
        QVERIFY2(problem.isEmpty(), qPrintable(problem));
        QVERIFY(committed);
        auto vectors = (*reader)->vectors();
        QVERIFY(vectors.ok() && *vectors);
        QCOMPARE((*vectors)->size(), 4500);
    }
};

QTEST_GUILESS_MAIN(TestSharedVectorCache)
#include "test_shared_vector_cache.moc"
