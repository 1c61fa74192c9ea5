// What the window feels while it works: how long a search waits when indexing runs at the same
// time, and how long a reader takes to see a writer's commit.
//
//   bench_window --model DIR [--queries N] [--size N] [--batch N]
//
// Part 1: query embedding latency through SharedEmbedder, idle and while another thread embeds
// corpus sentences without pause in chunks of 32 (what IndexingSession does). Part 2: a reader
// holding the vectors of a synthetic index of --size passages sees a commit of --batch new
// passages: the catch-up it does now, against loading the saved cache and rebuilding it from
// SQLite (what a reader did before).

#include "synthetic_index.h"

#include "semsearch/locations.h"
#include "semsearch/shared_embedder.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>

#include <atomic>
#include <cstdio>
#include <thread>

using namespace semsearch;
using namespace semsearch::bench;

namespace {

QStringList corpusSentences() {
    QFile file(QStringLiteral(SEMSEARCH_BENCH_CORPUS));
    QStringList lines;
    if (file.open(QIODevice::ReadOnly))
        lines = QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    return lines;
}

std::vector<double> timeQueries(Embedder& search, int count, int pauseMs) {
    const QStringList queries = {QStringLiteral("when should I water the roses"),
                                 QStringLiteral("notes from the planning meeting"),
                                 QStringLiteral("how long does the bread bake")};
    std::vector<double> ms;
    for (int i = 0; i < count + 2; ++i) {
        QElapsedTimer clock;
        clock.start();
        if (!search.embed({queries[i % queries.size()]}))
            return {};
        if (i >= 2)
            ms.push_back(clock.nsecsElapsed() / 1e6);
        // A typist's pause between searches, so the background work gets going again.
        std::this_thread::sleep_for(std::chrono::milliseconds(pauseMs));
    }
    return ms;
}

bool queryWhileIndexing(std::unique_ptr<Embedder> model, int queries, int pauseMs,
                        int chunkTokens) {
    auto shared = chunkTokens > 0 ? std::make_shared<SharedEmbedder>(std::move(model), chunkTokens)
                                  : std::make_shared<SharedEmbedder>(std::move(model));
    std::printf("chunks of %d tokens\n", shared->chunkTokens());
    auto search = shared->client(SharedEmbedder::Priority::Query);
    auto indexing = shared->client(SharedEmbedder::Priority::Background);
    const QStringList sentences = corpusSentences();
    if (sentences.size() < 64) {
        std::fprintf(stderr, "corpus not found: %s\n", SEMSEARCH_BENCH_CORPUS);
        return false;
    }
    const std::vector<double> idle = timeQueries(*search, queries, pauseMs);
    std::atomic<bool> stop{false};
    std::atomic<std::int64_t> embedded{0};
    std::atomic<std::int64_t> tokens{0};
    std::thread background([&] {
        for (qsizetype at = 0; !stop; at = (at + 256) % (sentences.size() - 256)) {
            const QStringList part = sentences.mid(at, 256);
            if (!indexing->embed(part))
                continue;
            embedded += part.size();
            for (const QString& text : part)
                tokens += std::int64_t(
                    indexing->tokenizer().encode(text.trimmed(), indexing->maxSeqLength()).size());
        }
    });
    QElapsedTimer busyClock;
    busyClock.start();
    const std::vector<double> busy = timeQueries(*search, queries, pauseMs);
    const double busySeconds = busyClock.elapsed() / 1000.0;
    stop = true;
    background.join();
    if (idle.empty() || busy.empty())
        return false;
    std::printf("query embedding idle: p50 %.1f ms, p95 %.1f ms\n", percentile(idle, 0.5),
                percentile(idle, 0.95));
    std::printf("query embedding while indexing: p50 %.1f ms, p95 %.1f ms, max %.1f ms\n",
                percentile(busy, 0.5), percentile(busy, 0.95), percentile(busy, 1.0));
    std::printf("indexing meanwhile (chunks of %d tokens): %.1f sentences/s, %.0f tokens/s\n",
                shared->chunkTokens(), double(embedded) / busySeconds,
                double(tokens) / busySeconds);
    return true;
}

bool readerSeesCommit(const ModelInfo& model, int size, int batch) {
    QTemporaryDir folder;
    auto writer = IndexFolder::open(folder.path(), IndexFolder::Mode::Write);
    if (!writer || !fillSynthetic(**writer, model, size))
        return false;
    auto reader = IndexFolder::open(folder.path(), IndexFolder::Mode::Read);
    if (!reader || !(*reader)->vectors())
        return false;
    if (!fillSynthetic(**writer, model, batch, size))
        return false;

    QElapsedTimer clock;
    clock.start();
    bool rebuilt = true;
    if (!(*reader)->vectors(&rebuilt) || rebuilt)
        return false;
    // The first catch-up after a load also grows the vector storage once (by half).
    const double firstCatchUp = clock.nsecsElapsed() / 1e6;
    if (!fillSynthetic(**writer, model, batch, size + batch))
        return false;
    clock.restart();
    if (!(*reader)->vectors(&rebuilt) || rebuilt)
        return false;
    const double catchUp = clock.nsecsElapsed() / 1e6;

    clock.restart();
    auto fresh = IndexFolder::open(folder.path(), IndexFolder::Mode::Read);
    if (!fresh || !(*fresh)->vectors(&rebuilt) || rebuilt)
        return false;
    const double load = clock.nsecsElapsed() / 1e6;

    if (!QFile::remove((*writer)->vectorIndexPath()))
        return false;
    clock.restart();
    auto rebuilding = IndexFolder::open(folder.path(), IndexFolder::Mode::Read);
    if (!rebuilding || !(*rebuilding)->vectors(&rebuilt) || !rebuilt)
        return false;
    const double rebuild = clock.nsecsElapsed() / 1e6;
    std::printf("reader sees a commit of %d passages in an index of %d: catch-up %.1f ms "
                "(the first after loading %.1f ms), load the saved cache %.1f ms, rebuild from "
                "SQLite %.1f ms\n",
                batch, size, catchUp, firstCatchUp, load, rebuild);
    return true;
}

} // namespace

int main(int argc, char* argv[]) {
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption modelOption(QStringLiteral("model"), QStringLiteral("Model folder."),
                                         QStringLiteral("DIR"));
    const QCommandLineOption queries(QStringLiteral("queries"), QStringLiteral("Timed queries."),
                                     QStringLiteral("N"), QStringLiteral("40"));
    const QCommandLineOption size(QStringLiteral("size"), QStringLiteral("Index size."),
                                  QStringLiteral("N"), QStringLiteral("100000"));
    const QCommandLineOption batch(QStringLiteral("batch"), QStringLiteral("Passages committed."),
                                   QStringLiteral("N"), QStringLiteral("512"));
    const QCommandLineOption pause(QStringLiteral("pause"),
                                   QStringLiteral("Milliseconds between queries."),
                                   QStringLiteral("MS"), QStringLiteral("150"));
    const QCommandLineOption precisionOption(
        QStringLiteral("precision"),
        QStringLiteral("fp32, bf16, int8 or auto, the window's default (the quality check is "
                       "remembered in the user's cache folder, as the programs do)."),
        QStringLiteral("MODE"), QStringLiteral("auto"));
    const QCommandLineOption chunk(QStringLiteral("chunk-tokens"),
                                   QStringLiteral("Tokens per chunk of background work (default: "
                                                  "the window's)."),
                                   QStringLiteral("N"), QStringLiteral("0"));
    parser.addOptions({modelOption, queries, size, batch, pause, precisionOption, chunk});
    parser.process(app);
    const auto precision = parsePrecision(parser.value(QStringLiteral("precision")));
    if (!precision) {
        std::fprintf(stderr, "--precision takes fp32, bf16, int8 or auto\n");
        return 2;
    }
    std::printf("command: %s\n", qPrintable(QCoreApplication::arguments().join(QLatin1Char(' '))));

    EmbedderOptions options;
    options.precision = *precision;
    options.qualityCacheFolder = defaultCacheFolder();
    auto model = openEmbedder(parser.value(modelOption), options);
    if (model)
        std::printf("precision: %s\n", qPrintable(precisionName((*model)->precision())));
    if (!model) {
        std::fprintf(stderr, "%s\n", qPrintable(model.error().message));
        return 1;
    }
    const ModelInfo info = (*model)->model();
    if (!queryWhileIndexing(std::move(model).value(), parser.value(queries).toInt(),
                            parser.value(pause).toInt(), parser.value(chunk).toInt()))
        return 1;
    if (!readerSeesCommit(info, parser.value(size).toInt(), parser.value(batch).toInt())) {
        std::fprintf(stderr, "the reader part failed\n");
        return 1;
    }
    return 0;
}
