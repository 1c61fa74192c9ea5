// The compact vector cache and the approximate index, through IndexFolder as the indexer and
// the searcher use it, on synthetic clustered vectors whose exact neighbours the test computes
// itself by brute force in double precision (an independent reference). A small threshold
// (VectorIndexOptions::approximateFrom) keeps the indexes small enough for seconds.

#include "semsearch/faiss_compact_index.h"
#include "semsearch/index_folder.h"
#include "semsearch/indexer.h"
#include "semsearch/reranked_vector_index.h"

#include "clustered_vectors.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

using namespace semsearch;

namespace {

constexpr int kDim = 32;
constexpr int kClusters = 40;

// Clustered vectors with noise as large as the centres' spread, so that neighbours straddle
// the lists and probing one list is not enough.
std::vector<float> clusteredVectors(int count, std::uint32_t seed) {
    return test::clusteredVectors(count, kDim, kClusters, 0.8f, seed);
}

// Stores `rows` as passages of documents of 10, from passage number `first`.
bool storeRows(IndexFolder& index, const std::vector<float>& rows, int first) {
    SqliteStore& store = index.store();
    const int count = int(rows.size() / kDim);
    if (!store.begin() || !store.metadata().setModelIdentity({QStringLiteral("synthetic"), kDim,
                                                              QStringLiteral("mean"), true,
                                                              QStringLiteral("fingerprint")}))
        return false;
    for (int at = 0; at < count; at += 10) {
        DocumentRecord document;
        document.path = QStringLiteral("/synthetic/doc%1.txt").arg(first + at);
        document.size = 100;
        document.contentHash = QByteArray::number(first + at).leftJustified(32, '#');
        const int n = std::min(10, count - at);
        std::vector<PassageRecord> passages(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) {
            passages[std::size_t(i)].ordinal = i;
            passages[std::size_t(i)].text = QStringLiteral("passage %1").arg(first + at + i);
        }
        const std::vector<float> vectors(rows.begin() + std::ptrdiff_t(at) * kDim,
                                         rows.begin() + std::ptrdiff_t(at + n) * kDim);
        if (!store.documents().put(document, passages, vectors))
            return false;
    }
    return store.commit().ok();
}

double cosine(const float* a, const float* b) {
    return test::trueCosine(a, b, kDim);
}

// Every stored vector by passage id, read back from the store (the truth).
std::map<std::int64_t, std::vector<float>> storedVectors(IndexFolder& index) {
    std::map<std::int64_t, std::vector<float>> all;
    (void)index.store().documents().forEachVector([&](std::int64_t id, const float* v) {
        all[id] = std::vector<float>(v, v + kDim);
        return true;
    });
    return all;
}

// The exact top k by brute force in double precision.
std::vector<ScoredId> bruteForce(const std::map<std::int64_t, std::vector<float>>& all,
                                 const float* query, int k) {
    std::vector<ScoredId> scored;
    for (const auto& [id, v] : all)
        scored.push_back({id, float(cosine(query, v.data()))});
    std::sort(scored.begin(), scored.end(), [](const ScoredId& a, const ScoredId& b) {
        return a.score > b.score || (a.score == b.score && a.id < b.id);
    });
    scored.resize(std::size_t(k));
    return scored;
}

struct Measured {
    double recall = 0;
    double largestScoreError = 0;
};

// recall@10 of `index` against brute force for `queries` fresh clustered queries, and how far
// any score it returns is from the true cosine.
Measured measureAgainstBruteForce(const VectorIndex& index,
                                  const std::map<std::int64_t, std::vector<float>>& all,
                                  int queries) {
    const std::vector<float> rows = clusteredVectors(queries, 999);
    Measured measured;
    int found = 0;
    for (int q = 0; q < queries; ++q) {
        const float* query = rows.data() + std::size_t(q) * kDim;
        auto hits = index.search(query, 10);
        if (!hits)
            return {};
        const std::vector<ScoredId> truth = bruteForce(all, query, 10);
        for (const ScoredId& hit : *hits) {
            found += std::any_of(truth.begin(), truth.end(),
                                 [&](const ScoredId& t) { return t.id == hit.id; });
            const double exact = cosine(query, all.at(hit.id).data());
            measured.largestScoreError =
                std::max(measured.largestScoreError, std::abs(exact - double(hit.score)));
        }
    }
    measured.recall = double(found) / (10.0 * queries);
    return measured;
}

} // namespace

class TestApproximateIndex : public QObject {
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> m_dir;

    std::unique_ptr<IndexFolder> filledIndex(int passages, const VectorIndexOptions& options) {
        auto index = IndexFolder::open(m_dir->path(), IndexFolder::Mode::Write);
        if (!index)
            return nullptr;
        (*index)->setVectorIndexOptions(options);
        if (!storeRows(**index, clusteredVectors(passages, 1), 0))
            return nullptr;
        return std::move(*index);
    }

    static VectorIndexOptions smallThreshold() {
        VectorIndexOptions options;
        options.approximateFrom = 2000;
        options.sampleQueries = 100;
        return options;
    }

private Q_SLOTS:
    void init() { m_dir = std::make_unique<QTemporaryDir>(); }

    // Above the threshold the lists are used, measured, and agree with brute force; every score
    // shown is the exact cosine of the stored vector.
    void aboveThresholdListsAreUsedAndAgreeWithBruteForce() {
        auto index = filledIndex(4000, smallThreshold());
        QVERIFY(index);
        auto vectors = index->vectors();
        QVERIFY2(vectors.ok(), vectors.ok() ? "" : qPrintable(vectors.error().message));
        auto state = index->vectorIndexState();
        QVERIFY(state.ok() && state->has_value());
        QCOMPARE(int((*state)->kind), int(VectorIndexState::Kind::Lists));
        QVERIFY((*state)->lists >= 16);
        QVERIFY((*state)->recallAt10 && *(*state)->recallAt10 >= 0.95);
        QVERIFY(!(*state)->fellBack);

        const auto all = storedVectors(*index);
        const Measured measured = measureAgainstBruteForce(**vectors, all, 100);
        QVERIFY2(measured.recall >= 0.95, qPrintable(QString::number(measured.recall)));
        QVERIFY2(measured.largestScoreError < 1e-5,
                 qPrintable(QString::number(measured.largestScoreError)));
    }

    // Below it every code is scanned: the top 10 is the exact one, with exact scores.
    void belowThresholdTheScanIsExact() {
        VectorIndexOptions options;
        options.approximateFrom = 100000;
        auto index = filledIndex(3000, options);
        QVERIFY(index);
        auto vectors = index->vectors();
        QVERIFY(vectors.ok());
        auto state = index->vectorIndexState();
        QVERIFY(state.ok() && state->has_value());
        QCOMPARE(int((*state)->kind), int(VectorIndexState::Kind::Scan));
        const Measured measured = measureAgainstBruteForce(**vectors, storedVectors(*index), 50);
        QCOMPARE(measured.recall, 1.0);
        QVERIFY(measured.largestScoreError < 1e-5);
    }

    // Starting from one probed list misses neighbours; the guard probes more until it holds.
    void lowRecallIsRetuned() {
        VectorIndexOptions options = smallThreshold();
        options.testFirstProbes = 1;
        auto index = filledIndex(4000, options);
        QVERIFY(index);
        QVERIFY(index->vectors().ok());
        auto state = index->vectorIndexState();
        QVERIFY(state.ok() && state->has_value());
        QCOMPARE(int((*state)->kind), int(VectorIndexState::Kind::Lists));
        QVERIFY2((*state)->probes > 1, qPrintable((*state)->toText()));
        QVERIFY((*state)->recallAt10 && *(*state)->recallAt10 >= 0.95);
    }

    // A recall that no retuning lifts (the test hook caps it): the scan takes over, and says so.
    void recallThatStaysLowFallsBackToTheScan() {
        VectorIndexOptions options = smallThreshold();
        options.testRecallCap = 0.5;
        auto index = filledIndex(4000, options);
        QVERIFY(index);
        auto vectors = index->vectors();
        QVERIFY(vectors.ok());
        auto state = index->vectorIndexState();
        QVERIFY(state.ok() && state->has_value());
        QCOMPARE(int((*state)->kind), int(VectorIndexState::Kind::Scan));
        QVERIFY((*state)->fellBack);
        QCOMPARE(*(*state)->recallAt10, 0.5);
        const Measured measured = measureAgainstBruteForce(**vectors, storedVectors(*index), 30);
        QCOMPARE(measured.recall, 1.0);
    }

    // A few passages more are patched into the lists (no rebuild) and found at once.
    void aFewNewPassagesDoNotRebuildTheLists() {
        auto index = filledIndex(4000, smallThreshold());
        QVERIFY(index);
        QVERIFY(index->vectors().ok());
        const std::vector<float> extra = clusteredVectors(10, 55);
        QVERIFY(storeRows(*index, extra, 100000));
        auto ids = index->store().documents().passageIds({});
        QVERIFY(ids.ok());
        const std::vector<std::int64_t> added(ids->end() - 10, ids->end());
        QVERIFY(index->applyCommitted(added, extra.data(), {}).ok());
        bool rebuilt = true;
        auto vectors = index->vectors(&rebuilt);
        QVERIFY(vectors.ok());
        QVERIFY(!rebuilt);
        auto hits = (*vectors)->search(extra.data(), 1);
        QVERIFY(hits.ok() && !hits->empty());
        QCOMPARE(hits->front().id, added.front());
        QVERIFY(std::abs(hits->front().score - 1.0f) < 1e-5f);
    }

    // Removing a few passages is patched in as well, and a reader that holds the saved lists
    // catches up with the writer's additions and removals without a rebuild of its own.
    void aFewChangesReachAReaderWithoutRebuild() {
        auto writer = filledIndex(4000, smallThreshold());
        QVERIFY(writer);
        QVERIFY(writer->saveVectors().ok());
        auto reader = IndexFolder::open(m_dir->path(), IndexFolder::Mode::Read);
        QVERIFY(reader);
        (*reader)->setVectorIndexOptions(smallThreshold());
        bool rebuilt = true;
        QVERIFY((*reader)->vectors(&rebuilt).ok());
        QVERIFY(!rebuilt); // the saved lists, loaded

        auto firstDocument =
            writer->store().documents().find(QStringLiteral("/synthetic/doc0.txt"));
        QVERIFY(firstDocument.ok() && firstDocument->has_value());
        QVERIFY(writer->store().begin().ok());
        auto removed = writer->store().documents().remove((*firstDocument)->id);
        QVERIFY(removed.ok() && removed->size() == 10);
        QVERIFY(writer->store().commit().ok());
        const std::vector<float> extra = clusteredVectors(10, 56);
        QVERIFY(storeRows(*writer, extra, 300000));
        auto ids = writer->store().documents().passageIds({});
        QVERIFY(ids.ok());
        const std::vector<std::int64_t> added(ids->end() - 10, ids->end());
        QVERIFY(writer->applyCommitted(added, extra.data(), *removed).ok());
        auto written = writer->vectors(&rebuilt);
        QVERIFY(written.ok());
        QVERIFY(!rebuilt);
        QVERIFY(!(*written)->contains(removed->front()));

        auto read = (*reader)->vectors(&rebuilt);
        QVERIFY(read.ok());
        QVERIFY(!rebuilt);
        QCOMPARE((*read)->size(), 4000);
        for (std::int64_t gone : *removed)
            QVERIFY(!(*read)->contains(gone));
        auto hits = (*read)->search(extra.data() + 3 * kDim, 1);
        QVERIFY(hits.ok() && !hits->empty());
        QCOMPARE(hits->front().id, added[3]);
        auto state = (*reader)->vectorIndexState();
        QVERIFY(state.ok() && state->has_value());
        QCOMPARE(int((*state)->kind), int(VectorIndexState::Kind::Lists));
    }

    // A damaged saved index (one byte flipped) is refused by its checksum and rebuilt; verify
    // names it; a reader still searches.
    void damagedSavedIndexIsRebuilt() {
        {
            auto index = filledIndex(4000, smallThreshold());
            QVERIFY(index);
            QVERIFY(index->saveVectors().ok());
        }
        const QString path = m_dir->path() + QStringLiteral("/vectors.faiss");
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadWrite));
        file.seek(file.size() / 2);
        char byte = 0;
        QVERIFY(file.getChar(&byte));
        file.seek(file.size() / 2);
        QVERIFY(file.putChar(char(byte ^ 0x5a)));
        file.close();
        auto damaged = FaissCompactIndex::load(path, kDim);
        QVERIFY(!damaged);
        QCOMPARE(damaged.error().code, ErrorCode::Corrupt);
        QVERIFY(damaged.error().message.contains(QStringLiteral("checksum")));

        auto reader = IndexFolder::open(m_dir->path(), IndexFolder::Mode::Read);
        QVERIFY(reader);
        auto report = (*reader)->verify(false);
        QVERIFY(report.ok() && !report->ok());
        bool rebuilt = false;
        auto vectors = (*reader)->vectors(&rebuilt);
        QVERIFY(vectors.ok());
        QVERIFY(rebuilt);
        QCOMPARE((*vectors)->size(), 4000);
    }

    // A saved index older than the store (a writer committed without saving) is not used.
    // (The writer is closed first: while it is open, a reader of this process shares its cache.)
    void staleSavedIndexIsNotUsed() {
        {
            auto index = filledIndex(4000, smallThreshold());
            QVERIFY(index);
            QVERIFY(index->saveVectors().ok());
            QVERIFY(storeRows(*index, clusteredVectors(10, 77), 200000));
        }
        auto reader = IndexFolder::open(m_dir->path(), IndexFolder::Mode::Read);
        QVERIFY(reader);
        bool rebuilt = false;
        auto vectors = (*reader)->vectors(&rebuilt);
        QVERIFY(vectors.ok());
        QVERIFY(rebuilt);
        QCOMPARE((*vectors)->size(), 4010);
    }

    // The exact scan of the store is the brute force itself.
    void searchExactlyIsBruteForce() {
        auto index = filledIndex(500, smallThreshold());
        QVERIFY(index);
        const auto all = storedVectors(*index);
        const std::vector<float> query = clusteredVectors(1, 3);
        auto exact = index->searchExactly(query.data(), 10, nullptr);
        QVERIFY(exact.ok());
        const std::vector<ScoredId> truth = bruteForce(all, query.data(), 10);
        QCOMPARE(exact->size(), truth.size());
        for (std::size_t i = 0; i < truth.size(); ++i) {
            QCOMPARE((*exact)[i].id, truth[i].id);
            QVERIFY(std::abs((*exact)[i].score - truth[i].score) < 1e-6f);
        }
    }
};

QTEST_GUILESS_MAIN(TestApproximateIndex)
#include "test_approximate_index.moc"
