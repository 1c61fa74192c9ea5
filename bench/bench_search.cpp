// bench_search: how long does FaissVectorIndex take to answer one query, to be built, saved and
// loaded, at the sizes a desktop corpus reaches? Synthetic random vectors: an exact scan's cost
// does not depend on the values.
//
//   bench_search [--sizes 10000,100000] [--dim 768] [--queries 200] [--threads 0]
//                [--allowed-fraction 0.1] [--folder DIR]
//   bench_search --vectors 100000,1000000 [--hnsw] [--approximate-from N] [--dim 768]
//                [--queries 200] [--folder DIR] [--model DIR]
//   bench_search --model DIR [--hybrid-only] [--sizes ...]
//
// --vectors measures the compact cache and the approximate index instead (ann_bench.cpp; with
// --model also end to end, the query embedded); --model alone adds hybrid against semantic
// search (hybrid_latency.cpp).
//
// Each size is searched with 1 thread and with --threads (0 = one per hardware thread), for
// k = 10 and 100, over everything and over an allowed subset. Output is plain "key: value"
// lines so a README can quote them.

#include "ann_bench.h"
#include "hybrid_latency.h"
#include "load_average.h"

#include "semsearch/faiss_vector_index.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <thread>
#include <vector>

using semsearch::bench::loadAverage;

namespace {

using Clock = std::chrono::steady_clock;

double millisecondsSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Uniform in [-1, 1): fast enough to make 77 M values in well under a second.
std::vector<float> randomVectors(std::size_t count, std::uint64_t seed) {
    std::vector<float> values(count);
    std::uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
    for (float& value : values) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        value = float(state >> 40) / float(1u << 23) - 1.0f;
    }
    return values;
}

double percentile(std::vector<double> values, double p) {
    std::sort(values.begin(), values.end());
    const std::size_t rank = std::min(values.size() - 1, std::size_t(p * double(values.size())));
    return values[rank];
}

[[noreturn]] void fail(const QString& what) {
    std::fprintf(stderr, "bench_search: %s\n", qPrintable(what));
    std::exit(1);
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Query latency, build, save and load times of the vector index."));
    parser.addHelpOption();
    const QCommandLineOption sizesOption(QStringLiteral("sizes"),
                                         QStringLiteral("Comma-separated vector counts."),
                                         QStringLiteral("list"), QStringLiteral("10000,100000"));
    const QCommandLineOption dimOption(QStringLiteral("dim"), QStringLiteral("Dimension."),
                                       QStringLiteral("n"), QStringLiteral("768"));
    const QCommandLineOption queriesOption(QStringLiteral("queries"),
                                           QStringLiteral("Queries per measurement."),
                                           QStringLiteral("n"), QStringLiteral("200"));
    const QCommandLineOption threadsOption(
        QStringLiteral("threads"),
        QStringLiteral("Search threads to compare with 1 (0 = one per hardware thread)."),
        QStringLiteral("n"), QStringLiteral("0"));
    const QCommandLineOption fractionOption(QStringLiteral("allowed-fraction"),
                                            QStringLiteral("Share of ids in the filter."),
                                            QStringLiteral("f"), QStringLiteral("0.1"));
    const QCommandLineOption folderOption(
        QStringLiteral("folder"), QStringLiteral("Where to save the index (default: a temp dir)."),
        QStringLiteral("dir"));
    const QCommandLineOption vectorsOption(
        QStringLiteral("vectors"),
        QStringLiteral("Comma-separated passage counts for the approximate index benchmark."),
        QStringLiteral("list"));
    const QCommandLineOption fromOption(
        QStringLiteral("approximate-from"),
        QStringLiteral("With --vectors: passages from which the approximate index is used "
                       "(default: the application's, 200000)."),
        QStringLiteral("n"), QStringLiteral("200000"));
    const QCommandLineOption hnswOption(QStringLiteral("hnsw"),
                                        QStringLiteral("With --vectors: measure HNSW too."));
    const QCommandLineOption modelOption(
        QStringLiteral("model"),
        QStringLiteral("Also time hybrid against semantic document search (queries embedded with "
                       "this model) and measure the keyword index."),
        QStringLiteral("dir"));
    const QCommandLineOption hybridOnlyOption(QStringLiteral("hybrid-only"),
                                              QStringLiteral("With --model: skip the vector "
                                                             "index measurements."));
    parser.addOptions({sizesOption, dimOption, queriesOption, threadsOption, fractionOption,
                       folderOption, vectorsOption, fromOption, hnswOption, modelOption,
                       hybridOnlyOption});
    parser.process(app);
    if (parser.isSet(vectorsOption)) {
        // Line by line: a long run read while it goes, or cut short, still shows its figures.
        std::setvbuf(stdout, nullptr, _IOLBF, 0);
        std::printf("command: %s\n",
                    qPrintable(QCoreApplication::arguments().join(QLatin1Char(' '))));
        std::printf("load_average_start: %s\n", qPrintable(loadAverage()));
        semsearch::bench::VectorsBenchmark settings;
        settings.dim = parser.value(dimOption).toInt();
        settings.queries = parser.value(queriesOption).toInt();
        settings.hnsw = parser.isSet(hnswOption);
        settings.approximateFrom = parser.value(fromOption).toLongLong();
        settings.folder = parser.value(folderOption);
        settings.model = parser.value(modelOption);
        if (settings.dim < 1 || settings.queries < 1 || settings.approximateFrom < 1)
            fail(QStringLiteral("bad arguments; see --help"));
        for (const QString& size : parser.value(vectorsOption).split(QLatin1Char(','))) {
            const long long n = size.toLongLong();
            if (n < 1)
                fail(QStringLiteral("bad --vectors value '%1'").arg(size));
            if (semsearch::bench::runVectorsBenchmark(n, settings) != 0)
                fail(QStringLiteral("the benchmark at %1 vectors failed").arg(n));
            std::printf("load_average: %s\n", qPrintable(loadAverage()));
        }
        return 0;
    }

    std::vector<std::int64_t> sizes;
    for (const QString& size : parser.value(sizesOption).split(QLatin1Char(','))) {
        bool ok = false;
        sizes.push_back(size.toLongLong(&ok));
        if (!ok || sizes.back() < 1)
            fail(QStringLiteral("bad --sizes value '%1'").arg(size));
    }
    const int dim = parser.value(dimOption).toInt();
    const int queryCount = parser.value(queriesOption).toInt();
    const int threads = parser.value(threadsOption).toInt();
    const double fraction = parser.value(fractionOption).toDouble();
    if (dim < 1 || queryCount < 1 || threads < 0 || fraction <= 0 || fraction > 1)
        fail(QStringLiteral("bad arguments; see --help"));
    QTemporaryDir tempDir;
    const QString folder = parser.isSet(folderOption) ? parser.value(folderOption) : tempDir.path();
    const QString path = QDir(folder).filePath(QStringLiteral("bench_search.faiss"));

    std::printf("command: %s\n", qPrintable(QCoreApplication::arguments().join(QLatin1Char(' '))));
    std::printf("hardware_threads: %u\n", std::thread::hardware_concurrency());
    std::printf("load_average_start: %s\n", qPrintable(loadAverage()));
    std::printf("dim: %d\nqueries: %d\n", dim, queryCount);

    if (parser.isSet(modelOption)) {
        std::vector<long long> hybridSizes(sizes.begin(), sizes.end());
        if (!semsearch::bench::measureHybrid(parser.value(modelOption), hybridSizes, queryCount))
            return 1;
        if (parser.isSet(hybridOnlyOption)) {
            std::printf("\nload_average_end: %s\n", qPrintable(loadAverage()));
            return 0;
        }
    }
    const std::vector<float> queries = randomVectors(std::size_t(queryCount) * dim, 12345);
    for (const std::int64_t n : sizes) {
        const std::vector<float> vectors = randomVectors(std::size_t(n) * dim, std::uint64_t(n));
        // Scattered ids, as passage ids are after documents come and go.
        std::vector<std::int64_t> ids(static_cast<std::size_t>(n));
        for (std::int64_t i = 0; i < n; ++i)
            ids[std::size_t(i)] = i * 7 + 3;
        std::mt19937_64 random(1);
        std::vector<std::int64_t> allowed;
        for (std::int64_t id : ids)
            if (std::uniform_real_distribution<double>(0, 1)(random) < fraction)
                allowed.push_back(id);

        std::printf("\nn: %lld\n", static_cast<long long>(n));
        auto created = semsearch::FaissVectorIndex::create(dim);
        if (!created)
            fail(created.error().message);
        auto index = std::move(created).value();
        // Added in chunks of 4096, as IndexFolder rebuilds from the store.
        const Clock::time_point buildStart = Clock::now();
        for (std::int64_t first = 0; first < n; first += 4096) {
            const std::int64_t rows = std::min<std::int64_t>(4096, n - first);
            const std::vector<std::int64_t> chunk(ids.begin() + first, ids.begin() + first + rows);
            if (auto added = index->add(chunk, vectors.data() + first * dim); !added)
                fail(added.error().message);
        }
        std::printf("build_ms: %.1f\n", millisecondsSince(buildStart));

        for (const int searchThreads : {1, threads}) {
            if (searchThreads == threads && threads == 1)
                continue;
            index->setSearchThreads(searchThreads);
            for (const int k : {10, 100}) {
                for (const bool filtered : {false, true}) {
                    std::vector<double> times;
                    for (int q = -3; q < queryCount; ++q) { // 3 warm-up queries
                        const float* query = queries.data() + std::size_t(std::max(q, 0)) * dim;
                        const Clock::time_point start = Clock::now();
                        auto found = index->search(query, k, filtered ? &allowed : nullptr);
                        const double ms = millisecondsSince(start);
                        if (!found)
                            fail(found.error().message);
                        if (q >= 0)
                            times.push_back(ms);
                    }
                    const QString threadLabel =
                        searchThreads == 0 ? QStringLiteral("all") : QString::number(searchThreads);
                    const QString allowedLabel = filtered
                                                     ? QStringLiteral("%1 ids").arg(allowed.size())
                                                     : QStringLiteral("all");
                    std::printf("search_ms[threads=%s k=%d allowed=%s]: p50 %.2f p95 %.2f p99 "
                                "%.2f\n",
                                qPrintable(threadLabel), k, qPrintable(allowedLabel),
                                percentile(times, 0.50), percentile(times, 0.95),
                                percentile(times, 0.99));
                }
            }
        }

        const Clock::time_point saveStart = Clock::now();
        if (auto saved = index->save(path); !saved)
            fail(saved.error().message);
        std::printf("save_ms: %.1f\n", millisecondsSince(saveStart));
        std::printf("file_bytes: %lld\n", static_cast<long long>(QFileInfo(path).size()));
        index.reset();
        const Clock::time_point loadStart = Clock::now();
        auto loaded = semsearch::FaissVectorIndex::load(path, dim);
        if (!loaded)
            fail(loaded.error().message);
        std::printf("load_ms (file in page cache): %.1f\n", millisecondsSince(loadStart));
        QFile::remove(path);
    }
    std::printf("\nload_average_end: %s\n", qPrintable(loadAverage()));
    return 0;
}
