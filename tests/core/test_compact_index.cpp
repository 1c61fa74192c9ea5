// The compact cache's own scoring (faiss_compact_index.h) against FAISS's: the saved file's
// FAISS part is read back with faiss::read_index, and FAISS's search of that index (its own
// decoding of the 8-bit codes, its own probing of the lists) is the independent reference for
// the ids and approximate scores FaissCompactIndex returns, scanned or probed.

#include "semsearch/faiss_compact_index.h"

#include "clustered_vectors.h"

#include <faiss/IndexIVF.h>
#include <faiss/impl/io.h>
#include <faiss/index_io.h>

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <memory>
#include <random>

using namespace semsearch;

namespace {

constexpr int kDim = 48;
constexpr int kRows = 3000;

// 20 clusters, so that lists have neighbourhoods to find.
std::vector<float> clusteredRows(int count, std::uint32_t seed) {
    return test::clusteredVectors(count, kDim, 20, 0.7f, seed);
}

std::vector<float> unit(const float* row) {
    double norm = 0;
    for (int j = 0; j < kDim; ++j)
        norm += double(row[j]) * row[j];
    std::vector<float> out(row, row + kDim);
    for (float& v : out)
        v = float(v / std::sqrt(norm));
    return out;
}

// What FAISS reads from the FAISS part of a saved compact cache (after its 32-byte header).
std::unique_ptr<faiss::Index> faissPartOf(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return nullptr;
    const QByteArray bytes = file.readAll().mid(32);
    faiss::VectorIOReader reader;
    reader.data.assign(bytes.begin(), bytes.end());
    return std::unique_ptr<faiss::Index>(faiss::read_index(&reader));
}

} // namespace

class TestCompactIndex : public QObject {
    Q_OBJECT

    // Adds the rows with scattered ids, saves, and checks 20 queries' top 10 against FAISS's
    // search of the saved index (probing `probes` lists where it has lists).
    void agreesWithFaiss(FaissCompactIndex& index, int probes) {
        const std::vector<float> rows = clusteredRows(kRows, 1);
        std::vector<std::int64_t> ids(kRows);
        for (int i = 0; i < kRows; ++i)
            ids[std::size_t(i)] = std::int64_t(i) * 13 + 5;
        QVERIFY(index.add(ids, rows.data()).ok());
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("vectors.faiss"));
        QVERIFY(index.save(path).ok());
        std::unique_ptr<faiss::Index> reference = faissPartOf(path);
        QVERIFY(reference);
        if (auto* lists = dynamic_cast<faiss::IndexIVF*>(reference.get()))
            lists->nprobe = std::size_t(probes);

        const std::vector<float> queries = clusteredRows(20, 2);
        for (int q = 0; q < 20; ++q) {
            const float* query = queries.data() + std::size_t(q) * kDim;
            auto ours = index.search(query, 10);
            QVERIFY(ours.ok());
            QCOMPARE(int(ours->size()), 10);
            std::vector<float> scores(10);
            std::vector<faiss::Index::idx_t> labels(10);
            const std::vector<float> unitQuery = unit(query);
            reference->search(1, unitQuery.data(), 10, scores.data(), labels.data());
            for (int i = 0; i < 10; ++i) {
                // Equal scores within float rounding; ids equal unless two scores (nearly) tie.
                QVERIFY2(std::abs((*ours)[std::size_t(i)].score - scores[std::size_t(i)]) < 1e-4f,
                         qPrintable(QStringLiteral("query %1 rank %2: %3 vs FAISS %4")
                                        .arg(q)
                                        .arg(i)
                                        .arg((*ours)[std::size_t(i)].score)
                                        .arg(scores[std::size_t(i)])));
                const auto apart = [&](int j) {
                    return j < 0 || j > 9 ||
                           std::abs(scores[std::size_t(i)] - scores[std::size_t(j)]) > 1e-4f;
                };
                if (apart(i - 1) && apart(i + 1))
                    QCOMPARE((*ours)[std::size_t(i)].id, std::int64_t(labels[std::size_t(i)]));
            }
        }
    }

private Q_SLOTS:
    void scanScoresAsFaissDecodes() {
        const std::vector<float> sample = clusteredRows(2000, 3);
        auto index = FaissCompactIndex::createScan(kDim, sample.data(), 2000);
        QVERIFY(index.ok());
        agreesWithFaiss(**index, 0);
    }

    // Probing few lists (the approximate part) and all of them: the same lists found, the same
    // codes scored, as FAISS's own probing does.
    void probedListsScoreAsFaissProbes() {
        const std::vector<float> sample = clusteredRows(2000, 3);
        for (const int probes : {2, 32}) {
            auto index = FaissCompactIndex::createLists(kDim, 32, probes, sample.data(), 2000);
            QVERIFY(index.ok());
            QCOMPARE((*index)->probes(), probes);
            agreesWithFaiss(**index, probes);
        }
    }
};

QTEST_GUILESS_MAIN(TestCompactIndex)
#include "test_compact_index.moc"
