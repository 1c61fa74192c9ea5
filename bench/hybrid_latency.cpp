#include "hybrid_latency.h"

#include "synthetic_index.h"

#include "semsearch/embedder.h"
#include "semsearch/searcher.h"

#include "semsearch/store.h"

#include <QFile>
#include <QFileInfo>
#include <QStringList>
#include <QTemporaryDir>

#include <chrono>
#include <cstdio>
#include <random>

namespace semsearch::bench {

namespace {

using Clock = std::chrono::steady_clock;

QStringList corpusSentences() {
    QFile file(QStringLiteral(SEMSEARCH_BENCH_CORPUS));
    QStringList sentences;
    if (file.open(QIODevice::ReadOnly))
        sentences = QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    return sentences;
}

// Gives every passage of the synthetic index three corpus sentences (in one transaction), so
// that the keyword index holds words with a natural spread of frequencies.
bool giveRealText(IndexFolder& index, const QStringList& sentences, std::mt19937& random) {
    SqliteStore& store = index.store();
    auto documents = store.documents().under(QString());
    if (!documents || !store.begin())
        return false;
    std::uniform_int_distribution<int> pick(0, int(sentences.size()) - 1);
    for (const DocumentRecord& document : *documents) {
        auto passages = store.documents().passagesOf(document.id);
        std::vector<std::int64_t> ids;
        for (const PassageRecord& passage : *passages)
            ids.push_back(passage.id);
        auto vectors = store.documents().vectorsOf(ids);
        if (!passages || !vectors)
            return false;
        for (PassageRecord& passage : *passages)
            passage.text = sentences[pick(random)] + QLatin1Char(' ') + sentences[pick(random)] +
                           QLatin1Char(' ') + sentences[pick(random)];
        if (!store.documents().put(document, *passages, *vectors))
            return false;
    }
    return store.commit().ok() && index.saveVectors().ok();
}

std::int64_t databaseBytes(IndexFolder& index) {
    return QFileInfo(index.databasePath()).size() +
           QFileInfo(index.databasePath() + QStringLiteral("-wal")).size();
}

} // namespace

QStringList corpusQueries(int count) {
    const QStringList sentences = corpusSentences();
    std::mt19937 random(7);
    std::uniform_int_distribution<int> pick(0, int(sentences.size()) - 1);
    QStringList queries;
    for (int i = 0; i < count && !sentences.isEmpty(); ++i) {
        const QStringList words = sentences[pick(random)].split(QLatin1Char(' '));
        const int at =
            std::uniform_int_distribution<int>(0, std::max(0, int(words.size()) - 3))(random);
        queries << words.mid(at, 3).join(QLatin1Char(' '));
    }
    return queries;
}

bool measureHybrid(const QString& modelFolder, const std::vector<long long>& sizes, int queries) {
    auto embedder = openEmbedder(modelFolder);
    if (!embedder) {
        std::fprintf(stderr, "bench_search: %s\n", qPrintable(embedder.error().message));
        return false;
    }
    const QStringList sentences = corpusSentences();
    const QStringList queryTexts = corpusQueries(queries);
    std::mt19937 random(7);
    for (const long long n : sizes) {
        QTemporaryDir dir;
        auto index = IndexFolder::open(dir.path(), IndexFolder::Mode::Write);
        if (!index || !fillSynthetic(**index, (*embedder)->model(), int(n)) ||
            !giveRealText(**index, sentences, random)) {
            std::fprintf(stderr, "bench_search: cannot build the %lld-passage index\n", n);
            return false;
        }
        auto keywordBytes = (*index)->store().keywords().sizeBytes();
        std::printf("\nhybrid_n: %lld\nmodel: %s (dimension %d)\n", n, qPrintable(modelFolder),
                    (*embedder)->model().dimension());
        std::printf("database_bytes: %lld\nkeyword_index_bytes: %lld\n",
                    static_cast<long long>(databaseBytes(**index)),
                    static_cast<long long>(keywordBytes ? *keywordBytes : -1));
        Searcher searcher(**index, **embedder);
        // Interleaved, so that the modes see the same machine load.
        constexpr SearchMode kModes[] = {SearchMode::Semantic, SearchMode::Hybrid,
                                         SearchMode::Keyword};
        constexpr const char* kModeNames[] = {"semantic", "hybrid", "keyword"};
        std::vector<double> times[3];
        for (int q = -3; q < queries; ++q) {
            for (int mode = 0; mode < 3; ++mode) {
                SearchOptions options;
                options.mode = kModes[mode];
                const Clock::time_point start = Clock::now();
                auto hits = searcher.searchDocuments(queryTexts[std::max(q, 0)], options);
                const double ms =
                    std::chrono::duration<double, std::milli>(Clock::now() - start).count();
                if (!hits) {
                    std::fprintf(stderr, "bench_search: %s\n", qPrintable(hits.error().message));
                    return false;
                }
                if (q >= 0)
                    times[mode].push_back(ms);
            }
        }
        for (int mode = 0; mode < 3; ++mode)
            std::printf("query_ms[%s documents k=10]: p50 %.2f p95 %.2f\n", kModeNames[mode],
                        percentile(times[mode], 0.5), percentile(times[mode], 0.95));
        std::printf("hybrid_minus_semantic_ms: p50 %.2f p95 %.2f\n",
                    percentile(times[1], 0.5) - percentile(times[0], 0.5),
                    percentile(times[1], 0.95) - percentile(times[0], 0.95));
    }
    return true;
}

} // namespace semsearch::bench
