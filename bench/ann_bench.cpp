// bench_search --vectors N: the compact cache and the approximate index at N passages, through
// IndexFolder as a searcher uses it (re-ranking reads the store), beside today's exact scan of
// float32 vectors (FaissVectorIndex), which also gives the exact top 10 recall is counted
// against. With --hnsw, FAISS's HNSW over the same 8-bit codes is measured too (the
// alternative the approximate index was chosen against; FAISS is linked here for that alone).
//
// Synthetic clustered vectors (random centres plus noise): uniform random vectors have no
// neighbourhoods, so no approximate index could find them and recall would say nothing.

#include "ann_bench.h"

#include "hybrid_latency.h"
#include "synthetic_index.h"

#include "semsearch/embedder.h"
#include "semsearch/faiss_vector_index.h"
#include "semsearch/index_folder.h"
#include "semsearch/model_identity.h"
#include "semsearch/searcher.h"

#include <faiss/IndexHNSW.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>

#include <chrono>
#include <cstdio>
#include <malloc.h>
#include <random>

namespace semsearch::bench {

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double residentMb() {
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray& line : status.readAll().split('\n'))
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toDouble() / 1024.0;
    return -1;
}

// Row i of a clustered set: centre (i * 7919 mod clusters) plus noise, from seeds only, so any
// row can be made again without keeping them all.
struct Clustered {
    int dim;
    int clusters;
    std::vector<float> centres;
    Clustered(int d, int c) : dim(d), clusters(c), centres(std::size_t(d) * std::size_t(c)) {
        std::mt19937 random(11);
        std::normal_distribution<float> normal;
        for (float& v : centres)
            v = normal(random);
    }
    void row(std::uint64_t seed, float* out) const {
        std::mt19937_64 random(seed);
        std::normal_distribution<float> normal;
        const std::size_t c = std::size_t(random() % std::uint64_t(clusters));
        for (int j = 0; j < dim; ++j)
            out[j] = centres[c * std::size_t(dim) + std::size_t(j)] + 0.6f * normal(random);
    }
};

bool fillClustered(IndexFolder& index, const Clustered& data, std::int64_t count,
                   const ModelIdentity& identity) {
    SqliteStore& store = index.store();
    if (!store.begin() || !store.metadata().setModelIdentity(identity))
        return false;
    constexpr int kPerDocument = 20;
    std::vector<float> vectors(std::size_t(kPerDocument) * std::size_t(data.dim));
    for (std::int64_t at = 0; at < count; at += kPerDocument) {
        DocumentRecord document;
        document.path = QStringLiteral("/synthetic/%1/doc%2.txt").arg(at / 20000).arg(at);
        document.size = 4000;
        document.contentHash = QByteArray::number(qint64(at)).leftJustified(32, '#');
        const int n = int(std::min<std::int64_t>(kPerDocument, count - at));
        std::vector<PassageRecord> passages(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) {
            passages[std::size_t(i)].ordinal = i;
            passages[std::size_t(i)].text = QStringLiteral("passage %1").arg(at + i);
            data.row(std::uint64_t(at + i), vectors.data() + std::size_t(i) * data.dim);
        }
        vectors.resize(std::size_t(n) * std::size_t(data.dim));
        if (!store.documents().put(document, passages, vectors))
            return false;
        vectors.resize(std::size_t(kPerDocument) * std::size_t(data.dim));
        // Commit in slices: one transaction over gigabytes would hold them all in the WAL.
        if ((at / kPerDocument) % 5000 == 4999 && (!store.commit() || !store.begin()))
            return false;
    }
    return store.commit().ok();
}

int failWith(const QString& message) {
    std::fprintf(stderr, "bench_search: %s\n", qPrintable(message));
    return 1;
}

// The identity the index records: the model's, so that Searcher accepts its queries, else a
// synthetic one.
Result<ModelIdentity> identityFor(const VectorsBenchmark& settings) {
    if (settings.model.isEmpty())
        return ModelIdentity{QStringLiteral("synthetic"), settings.dim, QStringLiteral("mean"),
                             true, QString()};
    auto embedder = openEmbedder(settings.model);
    if (!embedder)
        return embedder.error();
    if ((*embedder)->model().dimension() != settings.dim)
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("--model %1 makes vectors of %2 values, not --dim %3")
                             .arg(settings.model)
                             .arg((*embedder)->model().dimension())
                             .arg(settings.dim));
    return modelIdentity((*embedder)->model());
}

// The index folder at `path` holding `n` clustered passages: reused when it already does (with
// the same identity), else filled anew. Its vector cache is deleted either way, so that the
// build that follows is measured.
Result<void> prepareStore(const QString& path, const Clustered& data, std::int64_t n,
                          const ModelIdentity& identity) {
    {
        auto writer = IndexFolder::open(path, IndexFolder::Mode::Write);
        if (!writer)
            return writer.error();
        auto counts = (*writer)->store().counts();
        auto recorded = (*writer)->model();
        if (counts && counts->passages == n && recorded && *recorded &&
            sameVectors(**recorded, identity)) {
            std::printf("store: reused %s\n", qPrintable(path));
        } else {
            writer->reset();
            QDir(path).removeRecursively();
            writer = IndexFolder::open(path, IndexFolder::Mode::Write);
            if (!writer)
                return writer.error();
            const Clock::time_point start = Clock::now();
            if (!fillClustered(**writer, data, n, identity))
                return makeError(ErrorCode::Io, path + QStringLiteral(": cannot fill the store"));
            std::printf("fill_ms (store %lld passages in SQLite): %.0f\n",
                        static_cast<long long>(n), msSince(start));
        }
    }
    QFile::remove(QDir(path).filePath(QStringLiteral("vectors.faiss")));
    return {};
}

struct Timings {
    double p50 = 0, p95 = 0;
    std::vector<std::vector<std::int64_t>> top10;
};

template <typename Search>
Timings timeQueries(const std::vector<float>& queries, int dim, Search&& search) {
    Timings t;
    std::vector<double> ms;
    const std::size_t n = queries.size() / std::size_t(dim);
    for (std::size_t q = 0; q < n; ++q) {
        const Clock::time_point start = Clock::now();
        std::vector<std::int64_t> ids = search(queries.data() + q * std::size_t(dim));
        ms.push_back(msSince(start));
        t.top10.push_back(std::move(ids));
    }
    t.p50 = percentile(ms, 0.5);
    t.p95 = percentile(ms, 0.95);
    return t;
}

double recallAt10(const Timings& found, const Timings& exact) {
    std::size_t hits = 0, wanted = 0;
    for (std::size_t q = 0; q < exact.top10.size(); ++q) {
        for (std::int64_t id : exact.top10[q])
            hits += std::count(found.top10[q].begin(), found.top10[q].end(), id) != 0;
        wanted += exact.top10[q].size();
    }
    return wanted ? double(hits) / double(wanted) : 1.0;
}

std::vector<std::int64_t> idsOf(const Result<std::vector<ScoredId>>& hits) {
    std::vector<std::int64_t> ids;
    if (hits)
        for (const ScoredId& hit : *hits)
            ids.push_back(hit.id);
    return ids;
}

void measureHnsw(IndexFolder& index, int dim, const std::vector<float>& queries,
                 const Timings& exact) {
    faiss::IndexHNSWSQ hnsw(dim, faiss::ScalarQuantizer::QT_8bit, 32, faiss::METRIC_INNER_PRODUCT);
    std::vector<float> all;
    std::vector<std::int64_t> ids;
    (void)index.store().documents().forEachVector([&](std::int64_t id, const float* v) {
        ids.push_back(id);
        all.insert(all.end(), v, v + dim);
        return true;
    });
    for (std::size_t i = 0; i < ids.size(); ++i) {
        double norm = 0;
        for (int j = 0; j < dim; ++j)
            norm += double(all[i * dim + j]) * all[i * dim + j];
        for (int j = 0; j < dim; ++j)
            all[i * dim + j] = float(all[i * dim + j] / std::sqrt(norm));
    }
    const Clock::time_point start = Clock::now();
    hnsw.train(faiss::Index::idx_t(ids.size()), all.data());
    hnsw.add(faiss::Index::idx_t(ids.size()), all.data());
    std::printf("hnsw_build_ms: %.0f\n", msSince(start));
    for (int ef : {64, 128}) {
        hnsw.hnsw.efSearch = ef;
        const Timings found = timeQueries(queries, dim, [&](const float* q) {
            std::vector<float> d(10);
            std::vector<faiss::Index::idx_t> rows(10);
            std::vector<float> unit(q, q + dim);
            double norm = 0;
            for (float v : unit)
                norm += double(v) * v;
            for (float& v : unit)
                v = float(v / std::sqrt(norm));
            hnsw.search(1, unit.data(), 10, d.data(), rows.data());
            std::vector<std::int64_t> out;
            for (auto row : rows)
                if (row >= 0)
                    out.push_back(ids[std::size_t(row)]);
            return out;
        });
        std::printf("hnsw_ef%d: p50 %.2f ms p95 %.2f ms recall_at_10 %.3f (no re-ranking)\n", ef,
                    found.p50, found.p95, recallAt10(found, exact));
    }
}

// The writer's build of the cache (training, adding, the recall guard, the atomic save), timed.
Result<double> buildCache(const QString& path, const VectorIndexOptions& options) {
    auto writer = IndexFolder::open(path, IndexFolder::Mode::Write);
    if (!writer)
        return writer.error();
    (*writer)->setVectorIndexOptions(options);
    const Clock::time_point start = Clock::now();
    auto built = (*writer)->vectors();
    const double buildMs = msSince(start);
    if (!built)
        return built.error();
    auto state = (*writer)->vectorIndexState();
    std::printf("build_ms (train, add, recall guard, save): %.0f\nindex: %s\n", buildMs,
                state && *state ? qPrintable((*state)->toText()) : "?");
    return buildMs;
}

struct CompactFigures {
    Timings timings;
    double rssMb = 0;
};

// A reader's search of the cache: candidates plus exact re-ranking from the store.
Result<CompactFigures> measureCompact(const QString& path, const VectorIndexOptions& options,
                                      const std::vector<float>& queries, int dim) {
    malloc_trim(0);
    const double rssBefore = residentMb();
    auto reader = IndexFolder::open(path, IndexFolder::Mode::Read);
    if (!reader)
        return reader.error();
    (*reader)->setVectorIndexOptions(options);
    const Clock::time_point loadStart = Clock::now();
    auto vectors = (*reader)->vectors();
    if (!vectors)
        return vectors.error();
    if (!*vectors)
        return makeError(ErrorCode::Internal, path + QStringLiteral(": no vector cache"));
    std::printf("load_ms (file in page cache): %.0f\n", msSince(loadStart));
    CompactFigures figures;
    figures.timings =
        timeQueries(queries, dim, [&](const float* q) { return idsOf((*vectors)->search(q, 10)); });
    figures.rssMb = residentMb();
    std::printf("rss_mb: %.0f (before loading the index: %.0f)\n", figures.rssMb, rssBefore);
    std::printf("compact_cache: p50 %.2f ms p95 %.2f ms (vector part: candidates + exact "
                "re-ranking from SQLite)\n",
                figures.timings.p50, figures.timings.p95);
    return figures;
}

// End to end as `search --mode semantic` runs a query: embedding it with the model, the vector
// part, reading the passages and documents. The model's own memory is not the cache's, so
// this runs after the resident memory is measured.
Result<Timings> measureEndToEnd(const QString& path, const VectorIndexOptions& options,
                                const QString& model, int queryCount) {
    auto reader = IndexFolder::open(path, IndexFolder::Mode::Read);
    if (!reader)
        return reader.error();
    (*reader)->setVectorIndexOptions(options);
    auto embedder = openEmbedder(model);
    if (!embedder)
        return embedder.error();
    Searcher searcher(**reader, **embedder);
    SearchOptions semantic;
    semantic.mode = SearchMode::Semantic;
    const QStringList texts = corpusQueries(queryCount);
    std::vector<double> endToEnd, embedding;
    for (int q = -3; q < int(texts.size()); ++q) { // 3 warm-up queries
        const QString& text = texts[std::max(q, 0)];
        Clock::time_point start = Clock::now();
        if (auto embedded = (*embedder)->embed({text}); !embedded)
            return embedded.error();
        const double embedMs = msSince(start);
        start = Clock::now();
        auto hits = searcher.searchDocuments(text, semantic);
        if (!hits)
            return hits.error();
        if (q >= 0) {
            endToEnd.push_back(msSince(start));
            embedding.push_back(embedMs);
        }
    }
    Timings t;
    t.p50 = percentile(endToEnd, 0.5);
    t.p95 = percentile(endToEnd, 0.95);
    std::printf("end_to_end: p50 %.2f ms p95 %.2f ms (semantic document search, top 10, of "
                "which embedding the query: p50 %.2f ms), rss with the model %.0f MB\n",
                t.p50, t.p95, percentile(embedding, 0.5), residentMb());
    return t;
}

// Today's exact scan: every float32 vector in memory (FaissVectorIndex), two threads.
Result<Timings> measureExact(IndexFolder& store, int dim, const std::vector<float>& queries) {
    auto flat = FaissVectorIndex::create(dim);
    if (!flat)
        return flat.error();
    const Clock::time_point start = Clock::now();
    std::vector<std::int64_t> ids;
    std::vector<float> rows;
    Result<void> added;
    const auto flush = [&] {
        if (added && !ids.empty())
            added = (*flat)->add(ids, rows.data());
        ids.clear();
        rows.clear();
    };
    auto visited = store.store().documents().forEachVector([&](std::int64_t id, const float* v) {
        ids.push_back(id);
        rows.insert(rows.end(), v, v + dim);
        if (ids.size() == 4096)
            flush();
        return added.ok();
    });
    flush();
    if (!visited)
        return visited.error();
    if (!added)
        return added.error();
    const double buildMs = msSince(start);
    const Timings exact =
        timeQueries(queries, dim, [&](const float* q) { return idsOf((*flat)->search(q, 10)); });
    std::printf("exact_float32_scan: p50 %.2f ms p95 %.2f ms, build (read and add) %.0f ms, "
                "rss %.0f MB with its %.0f MB of vectors in memory\n",
                exact.p50, exact.p95, buildMs, residentMb(),
                double((*flat)->size()) * dim * 4 / 1e6);
    return exact;
}

QString folderFor(std::int64_t n, const VectorsBenchmark& settings, QTemporaryDir& temporary) {
    if (settings.folder.isEmpty())
        return temporary.path();
    return QDir(settings.folder)
        .filePath(QStringLiteral("bench_ann-%1-%2").arg(n).arg(settings.dim));
}

} // namespace

int runVectorsBenchmark(std::int64_t n, const VectorsBenchmark& settings) {
    VectorIndexOptions options;
    options.approximateFrom = settings.approximateFrom;
    const int dim = settings.dim;
    QTemporaryDir temporary(QDir::tempPath() + QStringLiteral("/bench_ann-XXXXXX"));
    const QString path = folderFor(n, settings, temporary);
    const Clustered data(dim, 1000);
    std::printf("\nvectors: %lld (dim %d, 1000 clusters)\n", static_cast<long long>(n), dim);
    auto identity = identityFor(settings);
    if (!identity)
        return failWith(identity.error().message);
    if (auto prepared = prepareStore(path, data, n, *identity); !prepared)
        return failWith(prepared.error().message);
    auto buildMs = buildCache(path, options);
    if (!buildMs)
        return failWith(buildMs.error().message);

    std::vector<float> queries(std::size_t(settings.queries) * std::size_t(dim));
    for (int q = 0; q < settings.queries; ++q)
        data.row(std::uint64_t(n) * 7 + std::uint64_t(q), queries.data() + std::size_t(q) * dim);
    auto compact = measureCompact(path, options, queries, dim);
    if (!compact)
        return failWith(compact.error().message);
    const double diskMb = double(QFileInfo(path + QStringLiteral("/vectors.faiss")).size()) / 1e6;
    std::printf("disk_mb: vectors.faiss %.0f, index.sqlite %.0f\n", diskMb,
                double(QFileInfo(path + QStringLiteral("/index.sqlite")).size()) / 1e6);
    malloc_trim(0);
    Timings endToEnd;
    if (!settings.model.isEmpty()) {
        auto measured = measureEndToEnd(path, options, settings.model, settings.queries);
        if (!measured)
            return failWith(measured.error().message);
        endToEnd = *measured;
        malloc_trim(0);
    }

    auto store = IndexFolder::open(path, IndexFolder::Mode::Read);
    if (!store)
        return failWith(store.error().message);
    auto exact = measureExact(**store, dim, queries);
    if (!exact)
        return failWith(exact.error().message);
    malloc_trim(0);
    const double recall = recallAt10(compact->timings, *exact);
    std::printf("recall_at_10: %.4f (compact cache against the exact float32 scan, %d clustered "
                "queries)\n",
                recall, settings.queries);
    if (settings.hnsw)
        measureHnsw(**store, dim, queries, *exact);
    const auto orNull = [&](double ms) {
        return settings.model.isEmpty() ? QByteArray("null") : QByteArray::number(ms, 'f', 2);
    };
    std::printf("{\"vectors\": %lld, \"p50_ms\": %.2f, \"p95_ms\": %.2f, \"recall_at_10\": "
                "%.4f, \"rss_mb\": %.0f, \"build_ms\": %.0f, \"disk_mb\": %.0f, "
                "\"end_to_end_p50_ms\": %s, \"end_to_end_p95_ms\": %s, \"exact_p50_ms\": %.2f, "
                "\"exact_p95_ms\": %.2f}\n",
                static_cast<long long>(n), compact->timings.p50, compact->timings.p95, recall,
                compact->rssMb, *buildMs, diskMb, orNull(endToEnd.p50).constData(),
                orNull(endToEnd.p95).constData(), exact->p50, exact->p95);
    std::fflush(stdout);
    return 0;
}

} // namespace semsearch::bench
