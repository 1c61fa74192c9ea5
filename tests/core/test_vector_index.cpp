// FaissVectorIndex against an independent reference: every expected result here is computed by
// a brute-force cosine in double precision over the same random vectors, never by the index.
// Damaged files must give a clear error naming the file, never a crash; a failed save must
// leave the previous file as it was.

#include "unprivileged_user.h"

#include "semsearch/faiss_vector_index.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstring>
#include <limits>
#include <random>
#include <set>
#include <thread>

#include <sys/resource.h>
#include <unistd.h>

using namespace semsearch;
using namespace semsearch::test;

namespace {

constexpr double kScoreTolerance = 1e-5;

// n random vectors of d values: normal components, and each vector scaled by a random factor
// over six orders of magnitude, so that only a correctly normalising index ranks them right.
struct Dataset {
    int d = 0;
    std::vector<std::int64_t> ids;
    std::vector<float> vectors;

    const float* row(std::size_t i) const { return vectors.data() + i * std::size_t(d); }
};

std::vector<float> randomVectors(std::size_t n, int d, std::mt19937_64& random) {
    std::normal_distribution<float> component;
    std::uniform_real_distribution<double> logScale(-3.0, 3.0);
    std::vector<float> values(n * std::size_t(d));
    for (std::size_t i = 0; i < n; ++i) {
        const float scale = float(std::pow(10.0, logScale(random)));
        for (int j = 0; j < d; ++j)
            values[i * std::size_t(d) + std::size_t(j)] = component(random) * scale;
    }
    return values;
}

// Ids are scattered and not in insertion order, so that the index cannot get ties or lookups
// right by confusing ids with row numbers.
Dataset randomDataset(std::size_t n, int d, std::uint64_t seed) {
    std::mt19937_64 random(seed);
    Dataset data;
    data.d = d;
    std::set<std::int64_t> used;
    std::uniform_int_distribution<std::int64_t> id(-1000000, 1000000000000);
    while (data.ids.size() < n) {
        const std::int64_t candidate = id(random);
        if (used.insert(candidate).second)
            data.ids.push_back(candidate);
    }
    data.vectors = randomVectors(n, d, random);
    return data;
}

double cosine(const float* a, const float* b, int d) {
    double ab = 0, aa = 0, bb = 0;
    for (int i = 0; i < d; ++i) {
        ab += double(a[i]) * double(b[i]);
        aa += double(a[i]) * double(a[i]);
        bb += double(b[i]) * double(b[i]);
    }
    return aa == 0 || bb == 0 ? 0.0 : ab / std::sqrt(aa * bb);
}

struct Expected {
    std::int64_t id;
    double score;
};

// The reference: cosine in double against every (allowed) vector, best first, ties by id.
std::vector<Expected> bruteForce(const Dataset& data, const float* query, int k,
                                 const std::set<std::int64_t>* allowed = nullptr) {
    std::vector<Expected> all;
    for (std::size_t i = 0; i < data.ids.size(); ++i)
        if (!allowed || allowed->count(data.ids[i]))
            all.push_back({data.ids[i], cosine(query, data.row(i), data.d)});
    std::sort(all.begin(), all.end(), [](const Expected& a, const Expected& b) {
        return a.score > b.score || (a.score == b.score && a.id < b.id);
    });
    all.resize(std::min(all.size(), std::size_t(k)));
    return all;
}

// Compares a search result with the reference. Position i must hold the reference's id, except
// where float rounding may legitimately swap two vectors whose true scores are within the
// tolerance; then the returned id's own true score must match the reference score there.
void expectMatches(const std::vector<ScoredId>& got, const std::vector<Expected>& expected,
                   const Dataset& data, const float* query) {
    QCOMPARE(got.size(), expected.size());
    std::set<std::int64_t> seen;
    for (std::size_t i = 0; i < got.size(); ++i) {
        QVERIFY2(seen.insert(got[i].id).second, "an id is returned twice");
        const auto row = std::find(data.ids.begin(), data.ids.end(), got[i].id);
        QVERIFY2(row != data.ids.end(), "an id that was never added");
        const double trueScore =
            cosine(query, data.row(std::size_t(row - data.ids.begin())), data.d);
        QVERIFY2(std::abs(got[i].score - trueScore) <= kScoreTolerance,
                 qPrintable(QStringLiteral("rank %1: score %2, true cosine %3")
                                .arg(i)
                                .arg(got[i].score)
                                .arg(trueScore)));
        if (got[i].id != expected[i].id)
            QVERIFY2(std::abs(trueScore - expected[i].score) <= kScoreTolerance,
                     qPrintable(QStringLiteral("rank %1: id %2 (cosine %3), expected id %4 "
                                               "(cosine %5)")
                                    .arg(i)
                                    .arg(got[i].id)
                                    .arg(trueScore)
                                    .arg(expected[i].id)
                                    .arg(expected[i].score)));
    }
}

std::unique_ptr<FaissVectorIndex> buildIndex(const Dataset& data) {
    auto index = FaissVectorIndex::create(data.d);
    if (!index)
        return nullptr;
    if (!(*index)->add(data.ids, data.vectors.data()))
        return nullptr;
    return std::move(index).value();
}

QByteArray readAll(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeAll(const QString& path, const QByteArray& bytes) {
    // Removed first: ext4 flushes a file truncated and rewritten in place at close
    // (auto_da_alloc), which made the truncation test take seconds.
    QFile::remove(path);
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) &&
           file.write(bytes) == bytes.size();
}

template <typename T> void poke(QByteArray& bytes, int offset, T value) {
    std::memcpy(bytes.data() + offset, &value, sizeof value);
}

bool sameResults(const std::vector<ScoredId>& a, const std::vector<ScoredId>& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](auto& x, auto& y) {
               return x.id == y.id && x.score == y.score;
           });
}

} // namespace

class TestVectorIndex : public QObject {
    Q_OBJECT

    // Loading `path` must fail with `code`, one line that names the file and says `problem`.
    void expectLoadError(const QString& path, int dimension, ErrorCode code,
                         const QString& problem = QString()) {
        auto loaded = FaissVectorIndex::load(path, dimension);
        QVERIFY2(!loaded.ok(), "a bad file was loaded");
        const QString message = loaded.error().message;
        QVERIFY2(message.startsWith(path + QStringLiteral(": ")),
                 qPrintable(QStringLiteral("'%1' does not start with the path").arg(message)));
        QVERIFY2(!message.contains(QLatin1Char('\n')), "an error message must be one line");
        QVERIFY2(problem.isEmpty() || message.contains(problem, Qt::CaseInsensitive),
                 qPrintable(QStringLiteral("'%1' does not say '%2'").arg(message, problem)));
        QCOMPARE(int(loaded.error().code), int(code));
    }

private Q_SLOTS:
    void searchMatchesBruteForce_data() {
        QTest::addColumn<int>("count");
        QTest::addColumn<int>("dimension");
        QTest::addColumn<int>("k");
        QTest::addColumn<int>("threads");
        QTest::newRow("1000x64 k10") << 1000 << 64 << 10 << 1;
        QTest::newRow("400x768 k50") << 400 << 768 << 50 << 0;
        // An odd width runs every kernel's tail code; k beyond the size returns everything.
        QTest::newRow("300x37 k1000") << 300 << 37 << 1000 << 1;
        QTest::newRow("3x5 k1") << 3 << 5 << 1 << 1;
        QTest::newRow("1x1 k3") << 1 << 1 << 3 << 1;
        // Large enough (4.6 M values) for the scan to be split over threads.
        QTest::newRow("6000x768 k20 4 threads") << 6000 << 768 << 20 << 4;
    }
    void searchMatchesBruteForce() {
        QFETCH(int, count);
        QFETCH(int, dimension);
        QFETCH(int, k);
        QFETCH(int, threads);
        const Dataset data = randomDataset(std::size_t(count), dimension, 42 + count);
        auto index = buildIndex(data);
        QVERIFY(index);
        index->setSearchThreads(threads);
        QCOMPARE(index->size(), std::int64_t(count));
        QCOMPARE(index->dimension(), dimension);

        std::mt19937_64 random(7);
        const std::vector<float> queries = randomVectors(5, dimension, random);
        for (int q = 0; q < 5; ++q) {
            const float* query = queries.data() + q * dimension;
            auto found = index->search(query, k);
            QVERIFY2(found.ok(), found.ok() ? "" : qPrintable(found.error().message));
            expectMatches(*found, bruteForce(data, query, k), data, query);
            if (QTest::currentTestFailed())
                return;
            // The thread count changes who computes a score, never the score.
            index->setSearchThreads(1);
            auto alone = index->search(query, k);
            index->setSearchThreads(threads);
            QVERIFY(alone.ok());
            QVERIFY(sameResults(*alone, *found));
        }
        // A stored vector as the query finds itself first.
        auto self = index->search(data.row(std::size_t(count / 2)), 1);
        QVERIFY(self.ok());
        QCOMPARE(self->front().id, data.ids[std::size_t(count / 2)]);
    }

    void scoresAreCosines() {
        const int d = 24;
        std::mt19937_64 random(3);
        const std::vector<float> v = randomVectors(1, d, random);
        const Dataset others = randomDataset(50, d, 99);
        auto index = buildIndex(others);
        QVERIFY(index);
        std::vector<float> copies;
        for (float scale : {1e-3f, 1.0f, 7.5f, 1e30f})
            for (float x : v)
                copies.push_back(x * scale);
        QVERIFY(index->add({-5, 17, 3, 1000000000001}, copies.data()).ok());

        std::vector<float> query(v);
        for (float& x : query)
            x *= -0.25f; // the opposite direction scores -1...
        auto opposite = index->search(query.data(), 100);
        QVERIFY(opposite.ok());
        QCOMPARE(opposite->size(), std::size_t(54));
        for (std::size_t i = 50; i < 54; ++i)
            QVERIFY(std::abs(opposite->at(i).score + 1.0f) <= kScoreTolerance);
        for (float& x : query)
            x *= -2.0f; // ...and the same direction 1, at any length
        auto same = index->search(query.data(), 4);
        QVERIFY(same.ok());
        std::set<std::int64_t> ids;
        for (const ScoredId& hit : *same) {
            QVERIFY2(std::abs(hit.score - 1.0f) <= kScoreTolerance,
                     qPrintable(QString::number(hit.score)));
            ids.insert(hit.id);
        }
        QCOMPARE(ids, (std::set<std::int64_t>{-5, 3, 17, 1000000000001}));
    }

    void tiesComeInIdOrder() {
        const int d = 8;
        const Dataset data = randomDataset(20, d, 5);
        auto index = buildIndex(data);
        QVERIFY(index);
        // Copies of row 0 tie with it exactly; added in descending id order, so that row order
        // and id order disagree.
        const std::vector<std::int64_t> copyIds = {9000, 50, 30, 10};
        std::vector<float> copies;
        for (std::size_t copy = 0; copy < copyIds.size(); ++copy)
            copies.insert(copies.end(), data.row(0), data.row(0) + d);
        QVERIFY(index->add(copyIds, copies.data()).ok());
        std::vector<std::int64_t> tied = copyIds;
        tied.push_back(data.ids[0]);
        std::sort(tied.begin(), tied.end());

        auto found = index->search(data.row(0), 3);
        QVERIFY(found.ok());
        QCOMPARE(found->size(), std::size_t(3));
        for (std::size_t i = 0; i < 3; ++i) {
            QCOMPARE(found->at(i).id, tied[i]);
            QVERIFY(found->at(i).score == found->at(0).score);
        }
    }

    void zeroVectorsScoreZero() {
        const int d = 16;
        const Dataset data = randomDataset(10, d, 11);
        auto index = buildIndex(data);
        QVERIFY(index);
        const std::vector<float> zero(d, 0.0f);
        QVERIFY(index->add({77}, zero.data()).ok());
        auto found = index->search(data.row(0), 11);
        QVERIFY(found.ok());
        const auto hit = std::find_if(found->begin(), found->end(),
                                      [](const ScoredId& s) { return s.id == 77; });
        QVERIFY(hit != found->end());
        QVERIFY(hit->score == 0.0f);

        // A zero query scores 0 against everything, so the order is by id alone.
        auto none = index->search(zero.data(), 5);
        QVERIFY(none.ok());
        std::vector<std::int64_t> all = data.ids;
        all.push_back(77);
        std::sort(all.begin(), all.end());
        QCOMPARE(none->size(), std::size_t(5));
        for (std::size_t i = 0; i < 5; ++i) {
            QVERIFY(none->at(i).score == 0.0f);
            QCOMPARE(none->at(i).id, all[i]);
        }
    }

    void removeRemoves() {
        const int d = 32;
        Dataset data = randomDataset(300, d, 21);
        auto index = buildIndex(data);
        QVERIFY(index);
        std::vector<std::int64_t> gone;
        for (std::size_t i = 0; i < data.ids.size(); i += 3)
            gone.push_back(data.ids[i]);
        std::vector<std::int64_t> request = gone;
        request.push_back(-123456789);   // never added: ignored
        request.push_back(gone.front()); // twice: harmless
        QVERIFY(index->remove(request).ok());
        QCOMPARE(index->size(), std::int64_t(data.ids.size() - gone.size()));

        Dataset rest;
        rest.d = d;
        for (std::size_t i = 0; i < data.ids.size(); ++i) {
            if (i % 3 == 0) {
                QVERIFY(!index->contains(data.ids[i]));
            } else {
                QVERIFY(index->contains(data.ids[i]));
                rest.ids.push_back(data.ids[i]);
                rest.vectors.insert(rest.vectors.end(), data.row(i), data.row(i) + d);
            }
        }
        std::vector<std::int64_t> sorted = rest.ids;
        std::sort(sorted.begin(), sorted.end());
        QCOMPARE(index->ids(), sorted);

        for (std::size_t q = 0; q < 6; ++q) {
            const float* query = data.row(q); // includes removed vectors as queries
            auto found = index->search(query, 25);
            QVERIFY(found.ok());
            expectMatches(*found, bruteForce(rest, query, 25), rest, query);
        }
        // A removed id can come back.
        QVERIFY(index->add({gone.front()}, data.row(0)).ok());
        auto back = index->search(data.row(0), 1);
        QVERIFY(back.ok());
        QCOMPARE(back->front().id, gone.front());
        QVERIFY(index->remove({}).ok());
    }

    void badAddsChangeNothing() {
        const int d = 4;
        const Dataset data = randomDataset(5, d, 8);
        auto index = buildIndex(data);
        QVERIFY(index);
        const std::vector<float> two(2 * d, 1.0f);

        auto present = index->add({data.ids[2], 999}, two.data());
        QVERIFY(!present.ok());
        QCOMPARE(int(present.error().code), int(ErrorCode::InvalidArgument));
        QVERIFY(present.error().message.contains(QString::number(data.ids[2])));

        auto twice = index->add({999, 999}, two.data());
        QVERIFY(!twice.ok());
        QCOMPARE(int(twice.error().code), int(ErrorCode::InvalidArgument));

        std::vector<float> nan = two;
        nan[d + 1] = std::numeric_limits<float>::quiet_NaN();
        auto notFinite = index->add({998, 999}, nan.data());
        QVERIFY(!notFinite.ok());
        QCOMPARE(int(notFinite.error().code), int(ErrorCode::InvalidArgument));

        auto noVectors = index->add({998}, nullptr);
        QVERIFY(!noVectors.ok());

        QCOMPARE(index->size(), std::int64_t(5));
        QVERIFY(!index->contains(998) && !index->contains(999));
        QVERIFY(index->add({}, nullptr).ok());
    }

    void badArguments() {
        QCOMPARE(int(FaissVectorIndex::create(0).error().code), int(ErrorCode::InvalidArgument));
        QCOMPARE(int(FaissVectorIndex::create(-3).error().code), int(ErrorCode::InvalidArgument));
        auto empty = FaissVectorIndex::create(3);
        QVERIFY(empty.ok());
        const float query[3] = {1, 2, 3};
        auto nothing = (*empty)->search(query, 10);
        QVERIFY(nothing.ok() && nothing->empty());
        QVERIFY((*empty)->ids().empty());

        const Dataset data = randomDataset(4, 3, 1);
        auto index = buildIndex(data);
        QVERIFY(index);
        QCOMPARE(int(index->search(query, -1).error().code), int(ErrorCode::InvalidArgument));
        QCOMPARE(int(index->search(nullptr, 1).error().code), int(ErrorCode::InvalidArgument));
        const float inf[3] = {1, std::numeric_limits<float>::infinity(), 0};
        QCOMPARE(int(index->search(inf, 1).error().code), int(ErrorCode::InvalidArgument));
        auto zeroK = index->search(query, 0);
        QVERIFY(zeroK.ok() && zeroK->empty());
    }

    void allowedSubsetMatchesBruteForce_data() {
        QTest::addColumn<int>("count");
        QTest::addColumn<int>("dimension");
        QTest::addColumn<int>("every");
        QTest::addColumn<int>("k");
        QTest::newRow("a tenth") << 2000 << 48 << 10 << 10;
        QTest::newRow("a half, 768") << 600 << 768 << 2 << 30;
        QTest::newRow("fewer than k") << 500 << 20 << 50 << 100;
        QTest::newRow("big, threaded") << 6000 << 768 << 1 << 15;
    }
    void allowedSubsetMatchesBruteForce() {
        QFETCH(int, count);
        QFETCH(int, dimension);
        QFETCH(int, every);
        QFETCH(int, k);
        const Dataset data = randomDataset(std::size_t(count), dimension, 1234 + count);
        auto index = buildIndex(data);
        QVERIFY(index);
        index->setSearchThreads(4);

        std::mt19937_64 random(99);
        std::set<std::int64_t> allowedSet;
        for (std::size_t i = 0; i < data.ids.size(); ++i)
            if (random() % std::uint64_t(every) == 0)
                allowedSet.insert(data.ids[i]);
        std::vector<std::int64_t> allowed(allowedSet.begin(), allowedSet.end());
        allowed.push_back(-987654321);                // not in the index: ignored
        std::vector<std::int64_t> shuffled = allowed; // order and repeats do not matter
        shuffled.insert(shuffled.end(), allowed.begin(), allowed.begin() + allowed.size() / 2);
        std::shuffle(shuffled.begin(), shuffled.end(), random);

        const std::vector<float> queries = randomVectors(4, dimension, random);
        for (int q = 0; q < 4; ++q) {
            const float* query = queries.data() + q * dimension;
            const auto expected = bruteForce(data, query, k, &allowedSet);
            auto found = index->search(query, k, &allowed);
            QVERIFY(found.ok());
            expectMatches(*found, expected, data, query);
            auto foundShuffled = index->search(query, k, &shuffled);
            QVERIFY(foundShuffled.ok());
            QVERIFY(sameResults(*found, *foundShuffled));
        }
        const std::vector<std::int64_t> none;
        auto empty = index->search(queries.data(), k, &none);
        QVERIFY(empty.ok() && empty->empty());
    }

    void concurrentSearchesAgree() {
        const Dataset data = randomDataset(3000, 128, 77);
        auto index = buildIndex(data);
        QVERIFY(index);
        std::mt19937_64 random(5);
        const std::vector<float> queries = randomVectors(8, 128, random);
        std::vector<std::vector<ScoredId>> expected;
        for (int q = 0; q < 8; ++q)
            expected.push_back(*index->search(queries.data() + q * 128, 10));

        std::vector<int> mismatches(4, 0);
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&, t] {
                for (int round = 0; round < 20; ++round)
                    for (int q = 0; q < 8; ++q) {
                        auto found = index->search(queries.data() + q * 128, 10);
                        if (!found.ok() || !sameResults(*found, expected[std::size_t(q)]))
                            ++mismatches[std::size_t(t)];
                    }
            });
        for (std::thread& thread : threads)
            thread.join();
        QCOMPARE(mismatches, std::vector<int>(4, 0));
    }

    void saveLoadRoundTrip() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("vectors.faiss"));
        const Dataset data = randomDataset(700, 96, 31);
        auto index = buildIndex(data);
        QVERIFY(index);
        QVERIFY(index->remove({data.ids[0], data.ids[5]}).ok());
        auto saved = index->save(path);
        QVERIFY2(saved.ok(), saved.ok() ? "" : qPrintable(saved.error().message));
        QVERIFY(!QFile::exists(path + QStringLiteral(".tmp")));

        auto loaded = FaissVectorIndex::load(path, 96);
        QVERIFY2(loaded.ok(), loaded.ok() ? "" : qPrintable(loaded.error().message));
        QCOMPARE((*loaded)->size(), index->size());
        QCOMPARE((*loaded)->dimension(), 96);
        QCOMPARE((*loaded)->ids(), index->ids());
        std::vector<std::int64_t> allowed(data.ids.begin(), data.ids.begin() + 100);
        std::sort(allowed.begin(), allowed.end());
        for (std::size_t q = 0; q < 5; ++q) {
            QVERIFY(sameResults(*(*loaded)->search(data.row(q * 7), 20),
                                *index->search(data.row(q * 7), 20)));
            QVERIFY(sameResults(*(*loaded)->search(data.row(q), 20, &allowed),
                                *index->search(data.row(q), 20, &allowed)));
        }
        // Saving over an existing file replaces it.
        QVERIFY((*loaded)->remove({data.ids[1]}).ok());
        QVERIFY((*loaded)->save(path).ok());
        auto again = FaissVectorIndex::load(path, 96);
        QVERIFY(again.ok());
        QCOMPARE((*again)->size(), index->size() - 1);

        // An empty index round-trips too.
        auto empty = FaissVectorIndex::create(5);
        QVERIFY(empty.ok());
        QVERIFY((*empty)->save(dir.filePath(QStringLiteral("empty.faiss"))).ok());
        auto emptyLoaded = FaissVectorIndex::load(dir.filePath(QStringLiteral("empty.faiss")), 5);
        QVERIFY(emptyLoaded.ok());
        QCOMPARE((*emptyLoaded)->size(), std::int64_t(0));
    }

    void loadMissingFile() {
        QTemporaryDir dir;
        expectLoadError(dir.filePath(QStringLiteral("nothing.faiss")), 8, ErrorCode::NotFound);
        expectLoadError(dir.path(), 8, ErrorCode::Corrupt); // a folder
        expectLoadError(dir.filePath(QStringLiteral("nothing.faiss")), 0,
                        ErrorCode::InvalidArgument);
    }

    // Every possible truncation of a small index file, and a few of a larger one.
    void loadTruncatedFile() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("vectors.faiss"));
        for (const auto& shape : {std::pair<int, int>{12, 6}, std::pair<int, int>{300, 128}}) {
            const Dataset data = randomDataset(std::size_t(shape.first), shape.second, 2);
            auto index = buildIndex(data);
            QVERIFY(index);
            QVERIFY(index->save(path).ok());
            const QByteArray whole = readAll(path);
            QVERIFY(!whole.isEmpty());
            const int step = whole.size() < 2000 ? 1 : 97;
            for (int length = 0; length < whole.size(); length += step) {
                QVERIFY(writeAll(path, whole.left(length)));
                expectLoadError(path, shape.second, ErrorCode::Corrupt);
                if (QTest::currentTestFailed())
                    qWarning("failed at length %d of %d", length, int(whole.size()));
                if (QTest::currentTestFailed())
                    return;
            }
            QVERIFY(writeAll(path, whole));
            QVERIFY(FaissVectorIndex::load(path, shape.second).ok());
        }
    }

    void loadDamagedFile_data() {
        QTest::addColumn<QString>("damage");
        QTest::addColumn<QString>("problem");
        for (const char* damage :
             {"random bytes", "IxM2 then random", "huge count", "huge dimension", "vector count",
              "id count", "L2 metric", "IDMap not IDMap2", "not flat", "metric field",
              "one byte more", "damaged vector", "NaN vector", "duplicate id"})
            QTest::newRow(damage) << QString::fromLatin1(damage) << QString();
    }
    void loadDamagedFile() {
        QFETCH(QString, damage);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("vectors.faiss"));
        const int d = 10;
        const Dataset data = randomDataset(40, d, 17);
        auto index = buildIndex(data);
        QVERIFY(index);
        QVERIFY(index->save(path).ok());
        QByteArray bytes = readAll(path);
        // Offsets per faiss' layout: two 37-byte headers, then the vector count and data, then
        // the id count and the ids.
        const int vectorData = 2 * 37 + 8;
        const int idData = vectorData + 40 * d * 4 + 8;
        QCOMPARE(bytes.size(), idData + 40 * 8);
        std::mt19937_64 random(1);
        QString problem;
        if (damage == QLatin1String("random bytes")) {
            for (char& c : bytes)
                c = char(random());
        } else if (damage == QLatin1String("IxM2 then random")) {
            for (int i = 4; i < bytes.size(); ++i)
                bytes[i] = char(random());
        } else if (damage == QLatin1String("huge count")) {
            // Consistent in both headers: FAISS alone would try to allocate 2^40 vectors.
            poke<std::int64_t>(bytes, 8, std::int64_t(1) << 40);
            poke<std::int64_t>(bytes, 37 + 8, std::int64_t(1) << 40);
            poke<std::uint64_t>(bytes, 74, (std::uint64_t(1) << 40) * d);
        } else if (damage == QLatin1String("huge dimension")) {
            poke<std::int32_t>(bytes, 4, 1 << 30);
            problem = QStringLiteral("dimension");
        } else if (damage == QLatin1String("vector count")) {
            poke<std::uint64_t>(bytes, 74, std::uint64_t(1) << 50);
        } else if (damage == QLatin1String("id count")) {
            poke<std::uint64_t>(bytes, idData - 8, 39);
        } else if (damage == QLatin1String("L2 metric")) {
            bytes.replace(37, 4, "IxF2");
        } else if (damage == QLatin1String("IDMap not IDMap2")) {
            bytes.replace(0, 4, "IxMp");
        } else if (damage == QLatin1String("not flat")) {
            bytes.replace(37, 4, "IHNf");
        } else if (damage == QLatin1String("metric field")) {
            poke<std::int32_t>(bytes, 37 + 33, 1);
        } else if (damage == QLatin1String("one byte more")) {
            bytes.append('\0');
        } else if (damage == QLatin1String("damaged vector")) {
            // The top exponent bit: a component below 1 becomes ~1e38.
            bytes[vectorData + 5 * d * 4 + 3] = char(bytes[vectorData + 5 * d * 4 + 3] ^ 0x40);
            problem = QStringLiteral("passage %1").arg(data.ids[5]);
        } else if (damage == QLatin1String("NaN vector")) {
            poke<float>(bytes, vectorData + 7 * d * 4, std::numeric_limits<float>::quiet_NaN());
            problem = QStringLiteral("passage %1").arg(data.ids[7]);
        } else if (damage == QLatin1String("duplicate id")) {
            poke<std::int64_t>(bytes, idData + 8, data.ids[0]);
            problem = QStringLiteral("twice");
        }
        QVERIFY(writeAll(path, bytes));
        expectLoadError(path, d, ErrorCode::Corrupt, problem);
    }

    void loadOtherDimension() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("vectors.faiss"));
        auto index = buildIndex(randomDataset(10, 16, 4));
        QVERIFY(index);
        QVERIFY(index->save(path).ok());
        expectLoadError(path, 32, ErrorCode::Mismatch, QStringLiteral("16-dimensional"));
        expectLoadError(path, 8, ErrorCode::Mismatch, QStringLiteral("16-dimensional"));
        QVERIFY(FaissVectorIndex::load(path, 16).ok());
    }

    // Each way a save can fail must leave the previous file byte for byte, no temporary file,
    // and an error that names the path.
    void failedSaveKeepsOldFile_data() {
        QTest::addColumn<QString>("failure");
        QTest::newRow("temporary name taken by a folder") << QStringLiteral("tmp is a folder");
        QTest::newRow("disk full") << QStringLiteral("file size limit");
        QTest::newRow("read-only folder") << QStringLiteral("read-only folder");
    }
    void failedSaveKeepsOldFile() {
        QFETCH(QString, failure);
        QTemporaryDir dir;
        const QString folder = dir.filePath(QStringLiteral("index"));
        QVERIFY(QDir().mkpath(folder));
        const QString path = folder + QStringLiteral("/vectors.faiss");
        const QString tmpPath = path + QStringLiteral(".tmp");
        auto old = buildIndex(randomDataset(3, 8, 1));
        QVERIFY(old && old->save(path).ok());
        const QByteArray oldBytes = readAll(path);
        QVERIFY(oldBytes.size() < 1024);
        auto bigger = buildIndex(randomDataset(200, 64, 2)); // ~53 kB

        // The save fails with a one-line error naming the file (and `cause`).
        const auto expectFailed = [&](const Result<void>& saved, const QString& cause = {}) {
            QVERIFY(!saved.ok());
            QCOMPARE(int(saved.error().code), int(ErrorCode::Io));
            QVERIFY2(saved.error().message.startsWith(path + QStringLiteral(": ")) &&
                         saved.error().message.contains(cause),
                     qPrintable(saved.error().message));
            QVERIFY(!saved.error().message.contains(QLatin1Char('\n')));
        };
        if (failure == QLatin1String("tmp is a folder")) {
            QVERIFY(QDir().mkdir(tmpPath));
            const Result<void> saved = bigger->save(path);
            QVERIFY(QDir().rmdir(tmpPath));
            expectFailed(saved);
        } else if (failure == QLatin1String("file size limit")) {
            // Writes past the limit fail with EFBIG (instead of the process being killed, with
            // SIGXFSZ ignored), as a full disk would fail them with ENOSPC.
            rlimit before{};
            QVERIFY(::getrlimit(RLIMIT_FSIZE, &before) == 0);
            rlimit limit = before;
            limit.rlim_cur = 4096;
            const auto oldHandler = std::signal(SIGXFSZ, SIG_IGN);
            QVERIFY(::setrlimit(RLIMIT_FSIZE, &limit) == 0);
            const Result<void> saved = bigger->save(path);
            ::setrlimit(RLIMIT_FSIZE, &before);
            std::signal(SIGXFSZ, oldHandler);
            expectFailed(saved, QString::fromLocal8Bit(std::strerror(EFBIG)));
        } else {
            // As a user: root would write into the read-only folder.
            QVERIFY(giveToUnprivilegedUser(dir.path()));
            QVERIFY(runAsUnprivilegedUser([&] {
                QVERIFY(QFile::setPermissions(folder, QFile::ReadOwner | QFile::ExeOwner));
                const Result<void> saved = bigger->save(path);
                QFile::setPermissions(folder,
                                      QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
                expectFailed(saved);
            }));
        }
        if (QTest::currentTestFailed())
            return;
        QCOMPARE(readAll(path), oldBytes);
        QVERIFY(!QFile::exists(tmpPath));
        QVERIFY(FaissVectorIndex::load(path, 8).ok());
    }

    void saveIntoMissingFolder() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("no/such/folder/vectors.faiss"));
        auto index = buildIndex(randomDataset(3, 8, 1));
        QVERIFY(index);
        auto saved = index->save(path);
        QVERIFY(!saved.ok());
        QCOMPARE(int(saved.error().code), int(ErrorCode::Io));
        QVERIFY(saved.error().message.startsWith(path + QStringLiteral(": ")));
    }
};

QTEST_GUILESS_MAIN(TestVectorIndex)
#include "test_vector_index.moc"
