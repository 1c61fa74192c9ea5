// bench_shared_index: what the shared index's data layer (semsearch_pg, core/src/shared_index/)
// and its searcher (core/src/shared_search/) cost at a size a team's corpus reaches. Synthetic
// passages: 768-d random unit vectors, a short text each, documents of 8 passages, all in one
// source.
//
//   bench_shared_index [--passages 100000] [--dim 768] [--batch 512] [--repeat 20]
//                      [--page-rows 256]
//
// Five figures, in the order they are run:
//   fill        N passages written in batches of --batch through SharedIndexBatch, one
//               transaction (and one change-log row) per batch, as an indexer commits;
//   cold start  a new searcher (own connection, empty cache) reads every passage's id and
//               vector into memory with exportPassages(), as it would to fill its cache;
//   catch-up    that searcher, now at the latest generation, while a writer commits one more
//               batch --repeat times: the writer's time for the batch and for its COMMIT, the
//               searcher's for changesSinceWithVectors() fetching it, and for a poll that finds
//               nothing new. Cold start runs before catch-up so that it reads exactly N passages
//               and leaves the searcher at the latest generation, as a real one would be.
//   keyword     sharedKeywordSearch() for the top 20 at the filled size (before catch-up adds
//               to it), --repeat times for each of three queries of the synthetic texts: a rare
//               word (a document's number: its 8 passages), a phrase that 1 in 8 passages
//               holds ("passage 3"), and a word every passage holds ("synthetic": all N are
//               ranked, the worst case), the last also with an excluded word;
//   float32     the previous searcher's cache for comparison: the cold start's vectors in a
//               float32 FaissVectorIndex, the heap it holds, its file size and load time;
//   searcher    the same through SharedIndexSearcher, as `search` runs it: a cold start that
//               fills the compact vector cache and saves it (its size on disk, the heap and
//               resident memory after it and after a second searcher loads it), a reopen that
//               loads it, catchUp() after a writer's batch (fetch and apply; the cache is saved
//               only once a tenth of it is unsaved; at most 5 times), and a top-10 search after
//               each.
//               Then the re-ranking's read alone: the float32 vectors of 200 random passages
//               in one query, as each search by meaning reads its candidates'.
//
// The bench starts a private PostgreSQL 15 (tests/support/postgres_server.h: initdb into a
// temporary folder, 127.0.0.1 only, run as uid 65534 when we are root) because nothing else
// may be assumed running on a machine that builds semsearch, and a shared server's other
// clients would make the figures meaningless. That server is the tests' one: fsync=off,
// synchronous_commit=off, full_page_writes=off, so COMMIT does not wait for the disk; a real
// server's commits cost at least one WAL flush more. Client and server share this machine's
// cores: the figures include the server's work, and no network.
//
// Output is plain "key: value" lines so a README can quote them.

#include "load_average.h"
#include "postgres_server.h"
#include "semsearch/faiss_vector_index.h"
#include "semsearch/reranked_vector_index.h"
#include "semsearch/shared_index_searcher.h"
#include "shared_index/pg_connection.h"
#include "shared_index/pg_schema.h"
#include "shared_index/shared_index_batch.h"
#include "shared_index/shared_index_reads.h"
#include "shared_index/shared_keyword_search.h"
#include "shared_index/source_lease.h"
#include "shared_search/server_vectors.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iterator>
#include <random>
#include <type_traits>
#include <vector>

using namespace semsearch;

using semsearch::bench::loadAverage;

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kPassagesPerDocument = 8;
const QString kSource = QStringLiteral("/bench/corpus");
const QString kMachine = QStringLiteral("bench-writer");

double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// A "VmRSS"/"VmHWM" line of /proc/self/status (in kB, i.e. KiB) in MB of 10^6 bytes, the
// unit of every other figure here.
double statusMb(const char* field) {
    QFile file(QStringLiteral("/proc/self/status"));
    if (!file.open(QIODevice::ReadOnly))
        return 0;
    const QByteArray prefix = QByteArray(field) + ':';
    for (QByteArray line = file.readLine(); !line.isEmpty(); line = file.readLine())
        if (line.startsWith(prefix))
            return line.mid(prefix.size()).trimmed().split(' ').value(0).toDouble() * 1024.0 / 1e6;
    return 0;
}

// Sets VmHWM back to the current RSS (Linux's clear_refs "5"), so that the peak measured
// afterwards is the cold start's own and not the fill's.
void resetPeakRss() {
    QFile file(QStringLiteral("/proc/self/clear_refs"));
    if (file.open(QIODevice::WriteOnly))
        file.write("5");
}

double percentile(std::vector<double> values, double p) {
    std::sort(values.begin(), values.end());
    const std::size_t rank = std::min(values.size() - 1, std::size_t(p * double(values.size())));
    return values[rank];
}

// Thrown rather than exiting on the spot, so that the server's destructor runs on the way out:
// it stops the server and removes its folder (hundreds of MB at 100k passages).
struct Failure {
    QString what;
};

[[noreturn]] void fail(const QString& what) {
    throw Failure{what};
}

template <typename T> T check(Result<T> result, const char* what) {
    if (!result)
        fail(QStringLiteral("%1: %2").arg(QLatin1String(what), result.error().message));
    if constexpr (!std::is_void_v<T>)
        return std::move(*result);
}

ModelIdentity benchModel(int dimension) {
    return ModelIdentity{QStringLiteral("bench-random"), dimension, QStringLiteral("mean"), true,
                         QString()};
}

// One batch's input, made before the clock starts: documents of kPassagesPerDocument passages
// with random unit vectors (Gaussian, normalised: uniform on the sphere, as normalised
// embeddings are spread).
struct Document {
    DocumentRecord record;
    std::vector<PassageRecord> passages;
    std::vector<float> vectors;
};

std::vector<Document> makeBatch(int passages, int dimension, std::int64_t& nextDocument,
                                std::mt19937& random) {
    std::normal_distribution<float> normal;
    std::vector<Document> documents;
    for (int made = 0; made < passages; made += kPassagesPerDocument) {
        Document document;
        const std::int64_t number = nextDocument++;
        document.record.path =
            QStringLiteral("%1/doc-%2.txt").arg(kSource).arg(number, 7, 10, QLatin1Char('0'));
        document.record.size = 4096;
        document.record.modifiedMs = 1'700'000'000'000 + number;
        document.record.contentHash = QByteArray::number(number).toHex();
        document.record.encoding = QStringLiteral("UTF-8");
        const int count = std::min(kPassagesPerDocument, passages - made);
        for (int i = 0; i < count; ++i) {
            PassageRecord passage;
            passage.byteStart = std::int64_t(i) * 512;
            passage.byteEnd = passage.byteStart + 511;
            passage.line = 1 + i * 10;
            passage.text = QStringLiteral("Document %1, passage %2: a short synthetic text that "
                                          "stands in for a paragraph of a real file.")
                               .arg(number)
                               .arg(i);
            document.passages.push_back(std::move(passage));
            double norm = 0;
            const std::size_t start = document.vectors.size();
            for (int d = 0; d < dimension; ++d) {
                const float value = normal(random);
                document.vectors.push_back(value);
                norm += double(value) * value;
            }
            const float scale = float(1.0 / std::sqrt(norm));
            for (std::size_t d = start; d < document.vectors.size(); ++d)
                document.vectors[d] *= scale;
        }
        documents.push_back(std::move(document));
    }
    return documents;
}

struct BatchTimes {
    double total = 0;  // seconds from BEGIN to COMMIT's return
    double commit = 0; // seconds of commit() alone (the change-log row and COMMIT)
    std::int64_t generation = 0;
};

BatchTimes writeBatch(PgConnection& writer, std::vector<Document>& documents, int dimension) {
    BatchTimes times;
    const auto start = Clock::now();
    auto batch = check(SharedIndexBatch::begin(writer, kMachine, benchModel(dimension)), "begin");
    for (Document& document : documents)
        check(batch.putDocument(kSource, document.record, document.passages, document.vectors),
              "putDocument");
    const auto commitStart = Clock::now();
    times.generation = check(batch.commit(), "commit");
    times.commit = secondsSince(commitStart);
    times.total = secondsSince(start);
    return times;
}

// A searcher's cache: what it keeps of each passage to search without the server.
struct Cache {
    std::vector<std::int64_t> ids;
    std::vector<float> vectors;
};

// The heap this process holds (glibc's mallinfo2: in use plus mmap'ed blocks), in MB: unlike
// VmRSS, it falls when memory is freed and does not count freed pages malloc keeps.
double heapMb() {
    const struct mallinfo2 info = ::mallinfo2();
    return double(info.uordblks + info.hblkhd) / 1e6;
}

// Bytes of the files in `folder` (not its subfolders), in MB.
double folderMb(const QString& folder) {
    double bytes = 0;
    for (const QFileInfo& file : QDir(folder).entryInfoList(QDir::Files))
        bytes += double(file.size());
    return bytes / 1e6;
}

// The previous searcher's cache for comparison: every vector in float32 in a FaissVectorIndex
// (what SharedIndexSearcher kept before it kept the compact cache), the heap it holds, its
// file, and the time to load that file. Frees `cache`'s vectors afterwards.
void float32CacheFigures(Cache& cache, int dimension) {
    QTemporaryDir folder;
    if (!folder.isValid())
        fail(QStringLiteral("no temporary folder for the float32 cache"));
    const QString path = folder.path() + QStringLiteral("/vectors.faiss");
    {
        // The vectors' buffer counts with its capacity: that is what freeing it gives back.
        const double buffer = double(cache.vectors.capacity()) * sizeof(float) / 1e6;
        const double before = heapMb();
        auto index = check(FaissVectorIndex::create(dimension), "float32 cache");
        check(index->add(cache.ids, cache.vectors.data()), "float32 cache add");
        std::vector<float>().swap(cache.vectors); // only the index's copy counts
        const double held = heapMb() - before + buffer;
        check(index->save(path), "float32 cache save");
        std::printf("\nfloat32_cache: %.0f MB on disk, +%.0f MB of heap held (the previous "
                    "searcher's cache)\n",
                    folderMb(folder.path()), held);
    }
    const auto start = Clock::now();
    auto loaded = check(FaissVectorIndex::load(path, dimension), "float32 cache load");
    std::printf("float32_cache_load: %.2f s for %lld vectors\n", secondsSince(start),
                static_cast<long long>(loaded->size()));
}

void printLatency(const char* name, const std::vector<double>& ms, const char* what) {
    std::printf("%s: p50 %.1f ms p95 %.1f ms (%s)\n", name, percentile(ms, 0.5),
                percentile(ms, 0.95), what);
}

// Keyword search's latency on the filled index: the searcher's own connection, top 20.
void measureKeywordSearch(PgConnection& searcher, std::int64_t documents, int repeat,
                          std::mt19937& random) {
    std::uniform_int_distribution<std::int64_t> document(0, documents - 1);
    std::uniform_int_distribution<int> ordinal(0, kPassagesPerDocument - 1);
    const auto time = [&](const char* name, const auto& makeQuery, const char* what) {
        std::vector<double> ms;
        std::size_t found = 0;
        for (int i = 0; i < repeat; ++i) {
            SharedKeywordQuery query = makeQuery();
            query.k = 20;
            const auto start = Clock::now();
            found += check(sharedKeywordSearch(searcher, query), "keyword search").size();
            ms.push_back(1000 * secondsSince(start));
        }
        if (found == 0)
            fail(QStringLiteral("the keyword query %1 found nothing").arg(QLatin1String(name)));
        printLatency(name, ms, what);
        std::printf("%s_found: %.1f passages per query on average\n", name, double(found) / repeat);
    };
    std::printf("\nkeyword repetitions: %d of each query, top 20\n", repeat);
    time(
        "keyword_rare_word",
        [&] {
            SharedKeywordQuery query;
            query.words << QString::number(document(random));
            return query;
        },
        "a document's number: its 8 passages match");
    time(
        "keyword_phrase",
        [&] {
            SharedKeywordQuery query;
            query.phrases << QStringLiteral("passage %1").arg(ordinal(random));
            return query;
        },
        "\"passage n\": 1 in 8 passages match");
    time(
        "keyword_common_word",
        [&] {
            SharedKeywordQuery query;
            query.words << QStringLiteral("synthetic");
            return query;
        },
        "every passage matches and is ranked");
    time(
        "keyword_common_word_excluding",
        [&] {
            SharedKeywordQuery query;
            query.words << QStringLiteral("synthetic");
            query.excluded << QString::number(document(random));
            return query;
        },
        "as above, less one document");
    std::printf("load_average: %s\n", qPrintable(loadAverage()));
}

// What the re-ranking of each search by meaning reads from the server: the float32 vectors of
// RerankedVectorIndex::kDefaultCandidates random passages in one query (readServerVectors).
void rerankReadFigures(PgConnection& connection, int dimension, int repeat, std::mt19937& random) {
    const std::vector<std::int64_t> all =
        check(connection.query("SELECT id FROM passages"), "passage ids").integers(0);
    std::vector<double> readMs;
    for (int i = 0; i < repeat; ++i) {
        std::vector<std::int64_t> ids;
        std::sample(all.begin(), all.end(), std::back_inserter(ids),
                    RerankedVectorIndex::kDefaultCandidates, random);
        std::vector<float> rows;
        const auto start = Clock::now();
        check(readServerVectors(connection, dimension, ids, rows), "candidates' vectors");
        readMs.push_back(1000 * secondsSince(start));
    }
    std::printf("searcher_rerank_read: p50 %.1f ms p95 %.1f ms (the float32 vectors of %d "
                "candidates in one query, as each search by meaning reads them)\n",
                percentile(readMs, 0.5), percentile(readMs, 0.95),
                RerankedVectorIndex::kDefaultCandidates);
}

// 4. The same through SharedIndexSearcher (shared_index_searcher.h), what `search` runs: a
// cold start that fills and saves the vector cache, a reopen that loads it, and a catch-up of
// one more batch (fetched and applied to the cache), each timed whole; then searches.
void searcherFigures(const QString& location, PgConnection& writer, int dimension, int batchSize,
                     int repeat, std::int64_t& nextDocument, std::mt19937& random) {
    QTemporaryDir folder;
    if (!folder.isValid())
        fail(QStringLiteral("no temporary folder for the vector cache"));
    const double rssBefore = statusMb("VmRSS");
    const double heapBefore = heapMb();
    auto start = Clock::now();
    auto searcher = check(SharedIndexSearcher::open(location, nullptr, folder.path()), "open");
    const double coldSeconds = secondsSince(start);
    const double rssOpen = statusMb("VmRSS") - rssBefore;
    const double heapOpen = heapMb() - heapBefore;
    start = Clock::now();
    auto reopened = check(SharedIndexSearcher::open(location, nullptr, folder.path()), "reopen");
    const double reopenSeconds = secondsSince(start);
    const double rssBoth = statusMb("VmRSS") - rssBefore;
    const double heapBoth = heapMb() - heapBefore;
    if (searcher->opening() != SharedIndexSearcher::Opening::Filled ||
        reopened->opening() != SharedIndexSearcher::Opening::UpToDate)
        fail(QStringLiteral("the searcher did not fill, then load, its cache"));
    std::printf("\nsearcher_cold_start: %.2f s for %lld passages (every vector read from the "
                "server, compact cache built and saved)\nsearcher_reopen: %.2f s (the saved cache "
                "loaded, nothing to apply)\n",
                coldSeconds, static_cast<long long>(searcher->size()), reopenSeconds);
    std::printf("searcher_cache: %.0f MB on disk (%s)\nsearcher_memory: heap held +%.0f MB by "
                "the cold-started searcher, +%.0f MB with the reopened second one; VmRSS +%.0f / "
                "+%.0f MB (VmRSS keeps the cold start's freed buffers)\n",
                folderMb(folder.path()), qPrintable(searcher->vectorIndexState().toText()),
                heapOpen, heapBoth, rssOpen, rssBoth);
    reopened.reset();
    std::vector<double> catchUpMs, searchMs;
    for (int i = 0; i < repeat; ++i) {
        auto documents = makeBatch(batchSize, dimension, nextDocument, random);
        writeBatch(writer, documents, dimension);
        start = Clock::now();
        if (check(searcher->catchUp(), "catchUp") != 1)
            fail(QStringLiteral("the catch-up did not apply the writer's one batch"));
        catchUpMs.push_back(1000 * secondsSince(start));
        SearchOptions options;
        options.limit = 10;
        const std::vector<float> query = makeBatch(1, dimension, nextDocument, random)[0].vectors;
        start = Clock::now();
        check(searcher->searchPassagesByVector(query.data(), options), "search");
        searchMs.push_back(1000 * secondsSince(start));
    }
    std::printf("searcher_catch_up: p50 %.0f ms p95 %.0f ms (catchUp() of one batch of %d: "
                "fetched and applied; saved only when a tenth of the cache is unsaved)\n",
                percentile(catchUpMs, 0.5), percentile(catchUpMs, 0.95), batchSize);
    std::printf("searcher_search: p50 %.1f ms p95 %.1f ms (top 10 passages with their text)\n",
                percentile(searchMs, 0.5), percentile(searchMs, 0.95));
    rerankReadFigures(writer, dimension, repeat * 4, random);
    std::printf("load_average: %s\n", qPrintable(loadAverage()));
}

// The five measurements, printed as they finish.
void run(int passages, int dimension, int batchSize, int repeat, int pageRows) {
    test::PostgresServer server;
    if (!server.isRunning())
        fail(QStringLiteral("no PostgreSQL server: ") + server.error());
    if (QString failed = server.runSql(QStringLiteral("CREATE DATABASE bench")); !failed.isEmpty())
        fail(failed);
    const QString location = server.location(QStringLiteral("bench"));
    auto writer = check(PgConnection::open(location), "writer connection");
    check(migrateSharedIndex(writer), "schema");
    auto lease = check(SourceLease::take(writer, kSource), "lease");
    {
        auto batch =
            check(SharedIndexBatch::begin(writer, kMachine, benchModel(dimension)), "begin");
        check(batch.addSource(kSource, 1), "addSource");
        check(batch.commit(), "commit");
    }
    std::mt19937 random(19);
    std::int64_t nextDocument = 0;
    const double vectorMb = double(dimension) * sizeof(float) / 1e6; // per passage

    // 1. Fill.
    double fillSeconds = 0;
    double fillCpuSeconds = 0; // this process's share (libpq, escaping parameters); the rest is
                               // the server's and the round trips' (a few per document)
    for (int written = 0; written < passages; written += batchSize) {
        auto documents =
            makeBatch(std::min(batchSize, passages - written), dimension, nextDocument, random);
        const std::clock_t cpuStart = std::clock();
        fillSeconds += writeBatch(writer, documents, dimension).total;
        fillCpuSeconds += double(std::clock() - cpuStart) / CLOCKS_PER_SEC;
    }
    const auto size = check(writer.query("SELECT pg_database_size(current_database()), "
                                         "pg_total_relation_size('passages')"),
                            "database size");
    std::printf("\npassages: %d (dim %d, %d per document, batches of %d)\n", passages, dimension,
                kPassagesPerDocument, batchSize);
    std::printf("fill: %.1f s, %.0f passages/s, %.1f MB of vectors/s (time in SharedIndexBatch "
                "only, generation excluded)\n",
                fillSeconds, passages / fillSeconds, passages * vectorMb / fillSeconds);
    std::printf("fill_client_cpu: %.1f s of the fill's %.1f s\n", fillCpuSeconds, fillSeconds);
    // The server's own work beside the writer's on the same cores: autovacuum of the tables the
    // fill grows (insert-triggered since PostgreSQL 13) and checkpoints.
    const auto background = check(
        writer.query("SELECT (SELECT coalesce(sum(autovacuum_count), 0) FROM pg_stat_all_tables "
                     "WHERE relname = 'passages' OR relid = (SELECT reltoastrelid FROM pg_class "
                     "WHERE relname = 'passages')), "
                     "(SELECT coalesce(sum(autoanalyze_count), 0) FROM pg_stat_user_tables), "
                     "(SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter)"),
        "server statistics");
    std::printf("fill_server_background: %lld autovacuum runs on passages and its TOAST table, "
                "%lld autoanalyze runs, %lld checkpoints\n",
                static_cast<long long>(background.integer(0, 0)),
                static_cast<long long>(background.integer(0, 1)),
                static_cast<long long>(background.integer(0, 2)));
    std::printf("database_mb: %.0f (passages table with its indexes and TOAST: %.0f; vectors "
                "alone %.0f)\n",
                double(size.integer(0, 0)) / 1e6, double(size.integer(0, 1)) / 1e6,
                passages * vectorMb);
    std::printf("load_average: %s\n", qPrintable(loadAverage()));

    // 3. Cold start (run before catch-up; see the top of this file).
    Cache cache;
    resetPeakRss();
    const double rssBefore = statusMb("VmRSS");
    const auto coldStart = Clock::now();
    auto searcher = check(PgConnection::open(location), "searcher connection");
    check(requireCurrentSharedIndex(searcher), "schema check");
    const int storedDimension = check(sharedDimension(searcher), "dimension");
    const auto counts = check(sharedCounts(searcher), "counts");
    cache.ids.reserve(std::size_t(counts.total.passages));
    cache.vectors.reserve(std::size_t(counts.total.passages) * std::size_t(storedDimension));
    const auto exportStart = Clock::now();
    const std::clock_t exportCpuStart = std::clock();
    std::int64_t generation =
        check(exportPassages(
                  searcher,
                  [&](const SharedPassage& passage, const float* vector) {
                      cache.ids.push_back(passage.passage.id);
                      cache.vectors.insert(cache.vectors.end(), vector, vector + storedDimension);
                      return true;
                  },
                  pageRows),
              "export");
    const double exportSeconds = secondsSince(exportStart);
    // This process's share: libpq receiving the rows and decoding the vectors' bytea (results
    // come in text form, hex-escaped). The rest is the server's and the wait between the two.
    const double exportCpuSeconds = double(std::clock() - exportCpuStart) / CLOCKS_PER_SEC;
    const double coldSeconds = secondsSince(coldStart);
    if (std::int64_t(cache.ids.size()) != passages)
        fail(QStringLiteral("the export read %1 passages, not %2")
                 .arg(cache.ids.size())
                 .arg(passages));
    std::printf("\ncold_start: %.2f s export of %zu passages (%.0f passages/s, %.1f MB of "
                "vectors/s, %d rows per fetch); %.2f s with connecting and the schema, dimension "
                "and count reads\n",
                exportSeconds, cache.ids.size(), double(cache.ids.size()) / exportSeconds,
                double(cache.ids.size()) * vectorMb / exportSeconds, pageRows, coldSeconds);
    std::printf("cold_start_client_cpu: %.2f s of the export's %.2f s\n", exportCpuSeconds,
                exportSeconds);
    std::printf("cold_start_rss_mb: peak +%.0f over %.0f (the cache's vectors: %.0f)\n",
                statusMb("VmHWM") - rssBefore, rssBefore,
                double(cache.vectors.size()) * sizeof(float) / 1e6);
    std::printf("load_average: %s\n", qPrintable(loadAverage()));

    // 4. Keyword search, at exactly N passages.
    measureKeywordSearch(searcher, nextDocument, repeat, random);

    // 2. Catch-up.
    std::vector<double> batchMs, commitMs, catchUpMs, idleMs;
    for (int i = 0; i < repeat; ++i) {
        auto documents = makeBatch(batchSize, dimension, nextDocument, random);
        const BatchTimes written = writeBatch(writer, documents, dimension);
        batchMs.push_back(1000 * written.total);
        commitMs.push_back(1000 * written.commit);
        auto start = Clock::now();
        auto changes = check(changesSinceWithVectors(searcher, generation), "catch-up");
        catchUpMs.push_back(1000 * secondsSince(start));
        if (changes.size() != 1 || changes[0].generation != written.generation ||
            std::int64_t(changes[0].added.size()) != batchSize ||
            changes[0].vectors.size() != std::size_t(batchSize) * std::size_t(dimension))
            fail(QStringLiteral("the catch-up did not return the writer's one batch"));
        cache.ids.insert(cache.ids.end(), changes[0].added.begin(), changes[0].added.end());
        cache.vectors.insert(cache.vectors.end(), changes[0].vectors.begin(),
                             changes[0].vectors.end());
        generation = changes[0].generation;
        start = Clock::now();
        if (!check(changesSinceWithVectors(searcher, generation), "poll").empty())
            fail(QStringLiteral("a poll after catching up found changes"));
        idleMs.push_back(1000 * secondsSince(start));
    }
    const auto line = printLatency;
    std::printf("\ncatch_up repetitions: %d batches of %d passages\n", repeat, batchSize);
    line("writer_batch", batchMs, "BEGIN to COMMIT's return: the puts, change-log row, COMMIT");
    line("writer_commit", commitMs, "commit() alone: the change-log row and COMMIT");
    line("searcher_catch_up", catchUpMs, "changesSinceWithVectors fetching that batch's vectors");
    line("searcher_idle_poll", idleMs, "changesSinceWithVectors when nothing is new");
    std::printf("load_average: %s\n", qPrintable(loadAverage()));
    float32CacheFigures(cache, dimension);
    cache = Cache();
    searcherFigures(location, writer, dimension, batchSize, std::min(repeat, 5), nextDocument,
                    random);
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Fill, cold start and catch-up costs of the shared index's data layer."));
    parser.addHelpOption();
    const QCommandLineOption passagesOption(QStringLiteral("passages"),
                                            QStringLiteral("Passages to fill the index with."),
                                            QStringLiteral("n"), QStringLiteral("100000"));
    const QCommandLineOption dimOption(QStringLiteral("dim"), QStringLiteral("Dimension."),
                                       QStringLiteral("n"), QStringLiteral("768"));
    const QCommandLineOption batchOption(QStringLiteral("batch"),
                                         QStringLiteral("Passages per committed batch."),
                                         QStringLiteral("n"), QStringLiteral("512"));
    const QCommandLineOption repeatOption(QStringLiteral("repeat"),
                                          QStringLiteral("Catch-up repetitions."),
                                          QStringLiteral("n"), QStringLiteral("20"));
    const QCommandLineOption pageOption(QStringLiteral("page-rows"),
                                        QStringLiteral("Rows per FETCH of the export."),
                                        QStringLiteral("n"), QStringLiteral("256"));
    parser.addOptions({passagesOption, dimOption, batchOption, repeatOption, pageOption});
    parser.process(app);
    const int passages = parser.value(passagesOption).toInt();
    const int dimension = parser.value(dimOption).toInt();
    const int batchSize = parser.value(batchOption).toInt();
    const int repeat = parser.value(repeatOption).toInt();
    const int pageRows = parser.value(pageOption).toInt();
    if (passages < 1 || dimension < 1 || batchSize < 1 || repeat < 1 || pageRows < 1) {
        std::fprintf(stderr, "bench_shared_index: bad arguments; see --help\n");
        return 1;
    }
    // Line by line: a long run read while it goes, or cut short, still shows its figures.
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    std::printf("command: %s\n", qPrintable(QCoreApplication::arguments().join(QLatin1Char(' '))));
    std::printf("load_average_start: %s\n", qPrintable(loadAverage()));
    try {
        run(passages, dimension, batchSize, repeat, pageRows);
    } catch (const Failure& failure) {
        std::fprintf(stderr, "bench_shared_index: %s\n", qPrintable(failure.what));
        return 1;
    }
    return 0;
}
