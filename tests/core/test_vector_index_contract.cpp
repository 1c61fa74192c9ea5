// The contract of vector_index.h, checked with the same assertions against every
// implementation (the FAISS cache and the in-memory exact index), and the two against each
// other on random data: the exact one computes in double precision, so it is an independent
// brute-force reference for the FAISS scan.

#include "semsearch/exact_vector_index.h"
#include "semsearch/faiss_vector_index.h"

#include <QHash>
#include <QtTest>

#include <cmath>
#include <limits>
#include <memory>
#include <random>

using namespace semsearch;

namespace {

constexpr int kDim = 4;

std::unique_ptr<VectorIndex> makeIndex(const QString& kind, int dimension = kDim) {
    if (kind == QLatin1String("faiss")) {
        auto made = FaissVectorIndex::create(dimension);
        return made ? std::unique_ptr<VectorIndex>(std::move(made).value()) : nullptr;
    }
    auto made = ExactVectorIndex::create(dimension);
    return made ? std::unique_ptr<VectorIndex>(std::move(made).value()) : nullptr;
}

std::vector<std::int64_t> idsOf(const std::vector<ScoredId>& hits) {
    std::vector<std::int64_t> ids;
    for (const ScoredId& hit : hits)
        ids.push_back(hit.id);
    return ids;
}

} // namespace

class TestVectorIndexContract : public QObject {
    Q_OBJECT

    void kinds() {
        QTest::addColumn<QString>("kind");
        QTest::newRow("faiss") << QStringLiteral("faiss");
        QTest::newRow("exact") << QStringLiteral("exact");
    }

private Q_SLOTS:
    void bestFirstWithTiesByAscendingId_data() { kinds(); }
    void bestFirstWithTiesByAscendingId() {
        QFETCH(QString, kind);
        auto index = makeIndex(kind);
        QVERIFY(index);
        // 9, 3 and 5 point the same way; 7 is orthogonal to the query, 8 opposite.
        const std::vector<float> rows = {1, 1, 0, 0, 2, 2, 0,  0,  3, 3,
                                         0, 0, 0, 0, 1, 0, -1, -1, 0, 0};
        QVERIFY(index->add({9, 3, 5, 7, 8}, rows.data()).ok());
        QCOMPARE(index->size(), 5);
        const float query[kDim] = {5, 5, 0, 0}; // its length does not matter
        auto hits = index->search(query, 10);
        QVERIFY(hits.ok());
        QCOMPARE(idsOf(*hits), (std::vector<std::int64_t>{3, 5, 9, 7, 8}));
        for (int i = 0; i < 3; ++i)
            QVERIFY(std::abs((*hits)[std::size_t(i)].score - 1.0f) < 1e-6f);
        QVERIFY(std::abs((*hits)[3].score) < 1e-6f);
        QVERIFY(std::abs((*hits)[4].score + 1.0f) < 1e-6f);
        auto two = index->search(query, 2);
        QVERIFY(two.ok());
        QCOMPARE(idsOf(*two), (std::vector<std::int64_t>{3, 5}));
        auto none = index->search(query, 0);
        QVERIFY(none.ok() && none->empty());
    }

    void zeroVectorScoresZero_data() { kinds(); }
    void zeroVectorScoresZero() {
        QFETCH(QString, kind);
        auto index = makeIndex(kind);
        QVERIFY(index);
        const std::vector<float> rows = {0, 0, 0, 0, 0, 1, 0, 0};
        QVERIFY(index->add({1, 2}, rows.data()).ok());
        const float query[kDim] = {0, 1, 0, 0};
        auto hits = index->search(query, 2);
        QVERIFY(hits.ok());
        QCOMPARE(idsOf(*hits), (std::vector<std::int64_t>{2, 1}));
        QCOMPARE((*hits)[1].score, 0.0f);
        const float zeroQuery[kDim] = {0, 0, 0, 0};
        auto flat = index->search(zeroQuery, 2);
        QVERIFY(flat.ok());
        QCOMPARE(idsOf(*flat), (std::vector<std::int64_t>{1, 2}));
        QCOMPARE((*flat)[0].score, 0.0f);
    }

    void badAddsChangeNothing_data() { kinds(); }
    void badAddsChangeNothing() {
        QFETCH(QString, kind);
        auto index = makeIndex(kind);
        QVERIFY(index);
        const std::vector<float> one = {1, 0, 0, 0};
        QVERIFY(index->add({4}, one.data()).ok());
        const std::vector<float> two = {0, 1, 0, 0, 0, 0, 1, 0};
        const float nan = std::numeric_limits<float>::quiet_NaN();
        const std::vector<float> withNan = {0, 1, 0, 0, nan, 0, 1, 0};
        const std::vector<float> withInf = {0, 1, 0, 0, std::numeric_limits<float>::infinity(),
                                            0, 1, 0};
        for (const auto& [ids, rows] :
             {std::pair{std::vector<std::int64_t>{6, 4}, two.data()},
              std::pair{std::vector<std::int64_t>{6, 6}, two.data()},
              std::pair{std::vector<std::int64_t>{6, 7}, withNan.data()},
              std::pair{std::vector<std::int64_t>{6, 7}, withInf.data()}}) {
            auto refused = index->add(ids, rows);
            QVERIFY(!refused.ok());
            QCOMPARE(int(refused.error().code), int(ErrorCode::InvalidArgument));
            QCOMPARE(index->size(), 1);
            QCOMPARE(index->ids(), (std::vector<std::int64_t>{4}));
            QVERIFY(!index->contains(6));
        }
        QVERIFY(index->add({}, nullptr).ok());
        QCOMPARE(index->size(), 1);
    }

    void badSearchesAreRefused_data() { kinds(); }
    void badSearchesAreRefused() {
        QFETCH(QString, kind);
        auto index = makeIndex(kind);
        QVERIFY(index);
        const std::vector<float> one = {1, 0, 0, 0};
        QVERIFY(index->add({1}, one.data()).ok());
        const float query[kDim] = {1, 0, 0, 0};
        const float nanQuery[kDim] = {1, std::numeric_limits<float>::quiet_NaN(), 0, 0};
        for (auto result :
             {index->search(query, -1), index->search(nullptr, 1), index->search(nanQuery, 1)}) {
            QVERIFY(!result.ok());
            QCOMPARE(int(result.error().code), int(ErrorCode::InvalidArgument));
        }
    }

    void removeAndAllowed_data() { kinds(); }
    void removeAndAllowed() {
        QFETCH(QString, kind);
        auto index = makeIndex(kind);
        QVERIFY(index);
        std::vector<float> rows;
        std::vector<std::int64_t> ids;
        for (int i = 0; i < 6; ++i) {
            ids.push_back(100 - 10 * i); // 100, 90, ... 50: rows not in id order
            rows.insert(rows.end(), {1, float(i), 0, 0});
        }
        QVERIFY(index->add(ids, rows.data()).ok());
        QCOMPARE(index->ids(), (std::vector<std::int64_t>{50, 60, 70, 80, 90, 100}));
        QVERIFY(index->remove({90, 12345, 90}).ok());
        QCOMPARE(index->ids(), (std::vector<std::int64_t>{50, 60, 70, 80, 100}));
        QVERIFY(!index->contains(90));
        QVERIFY(index->contains(80));

        const float query[kDim] = {1, 0, 0, 0}; // nearest: 100, then 90 (removed), 80 ...
        const std::vector<std::int64_t> allowed = {70, 90, 100, 70, 999};
        auto hits = index->search(query, 10, &allowed);
        QVERIFY(hits.ok());
        QCOMPARE(idsOf(*hits), (std::vector<std::int64_t>{100, 70}));
        const std::vector<std::int64_t> nothing;
        auto none = index->search(query, 10, &nothing);
        QVERIFY(none.ok() && none->empty());
        // A removed id can come back (the store never reuses one, but the index must not care).
        const std::vector<float> back = {0, 0, 0, 1};
        QVERIFY(index->add({90}, back.data()).ok());
        QCOMPARE(index->size(), 6);
    }

    // The FAISS scan against the double-precision brute force: the same ids in the same order,
    // scores within float rounding, over everything and over a subset.
    void faissAgreesWithTheExactIndex() {
        constexpr int kDimension = 48;
        constexpr int kRows = 2000;
        auto faiss = makeIndex(QStringLiteral("faiss"), kDimension);
        auto exact = makeIndex(QStringLiteral("exact"), kDimension);
        QVERIFY(faiss && exact);
        std::mt19937 random(20261205);
        std::normal_distribution<float> normal;
        std::vector<float> rows(std::size_t(kRows) * kDimension);
        for (float& value : rows)
            value = normal(random);
        std::vector<std::int64_t> ids(kRows);
        for (int i = 0; i < kRows; ++i)
            ids[std::size_t(i)] = std::int64_t(i) * 7 + 3;
        QVERIFY(faiss->add(ids, rows.data()).ok());
        QVERIFY(exact->add(ids, rows.data()).ok());
        std::vector<std::int64_t> subset;
        for (int i = 0; i < kRows; i += 3)
            subset.push_back(ids[std::size_t(i)]);
        for (int q = 0; q < 20; ++q) {
            std::vector<float> query(kDimension);
            for (float& value : query)
                value = normal(random);
            for (const std::vector<std::int64_t>* allowed :
                 {static_cast<decltype(&subset)>(nullptr), &subset}) {
                auto fast = faiss->search(query.data(), 25, allowed);
                auto all = exact->search(query.data(), kRows, allowed);
                QVERIFY(fast.ok() && all.ok());
                QCOMPARE(fast->size(), std::size_t(25));
                QHash<std::int64_t, float> exactScore;
                for (const ScoredId& hit : *all)
                    exactScore.insert(hit.id, hit.score);
                // Each FAISS score is the true one, and rank i holds a vector as good as the
                // true rank i (float rounding may swap two that are within 1e-5).
                for (std::size_t i = 0; i < fast->size(); ++i) {
                    const ScoredId& hit = (*fast)[i];
                    QVERIFY(exactScore.contains(hit.id));
                    QVERIFY2(std::abs(hit.score - exactScore.value(hit.id)) < 1e-5f,
                             qPrintable(QStringLiteral("passage %1: %2 vs %3")
                                            .arg(hit.id)
                                            .arg(hit.score)
                                            .arg(exactScore.value(hit.id))));
                    QVERIFY(std::abs(exactScore.value(hit.id) - (*all)[i].score) < 1e-5f);
                }
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestVectorIndexContract)
#include "test_vector_index_contract.moc"
