// Indexing throughput on a real corpus, and end-to-end query latency at 10k and 100k passages.
//
//   bench_index --model DIR [--corpus DIR | --mixed] [--threads N] [--queries N]
//               [--sizes 10000,100000]
//
// Part 1 indexes --corpus (default /usr/share/common-licenses, plain-text licences that every
// Debian system has) into a fresh temporary index and reports files/s, passages/s, MB/s and the
// share of the time spent outside the embedder. With --mixed it indexes the same licences made
// into a folder of PDF (groff), HTML and DOCX (pandoc) and Markdown files, in turn, and reports
// the time spent waiting for semsearch-extract apart from embedding. Part 2 fills temporary indexes
// with N synthetic passages (random vectors: FAISS and SQLite do not care what the values mean) and
// times Searcher::searchDocuments and searchPassages end to end, query embedding included.

#include "synthetic_index.h"

#include "semsearch/indexer.h"
#include "semsearch/locations.h"
#include "semsearch/searcher.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <random>

using namespace semsearch;
using namespace semsearch::bench;

namespace {

void print(const char* key, double value, int decimals = 1) {
    std::printf("%s: %.*f\n", key, decimals, value);
}

// Runs `program` with `input` on stdin; false (with a message) when it fails.
bool runTool(const QString& program, const QStringList& arguments, const QByteArray& input) {
    QProcess process;
    process.start(program, arguments);
    process.write(input);
    process.closeWriteChannel();
    if (!process.waitForFinished(120000) || process.exitCode() != 0) {
        std::fprintf(stderr, "%s failed: %s\n", qPrintable(program),
                     process.readAllStandardError().constData());
        return false;
    }
    return true;
}

// The licences of `corpus` as PDF, HTML, DOCX and Markdown files in `folder`, in turn.
bool makeMixedFolder(const QString& corpus, const QString& folder) {
    const QStringList names = QDir(corpus).entryList(QDir::Files, QDir::Name);
    for (qsizetype i = 0; i < names.size(); ++i) {
        QFile file(corpus + QLatin1Char('/') + names[i]);
        if (!file.open(QIODevice::ReadOnly))
            continue;
        const QByteArray text = file.readAll();
        const QString base = folder + QLatin1Char('/') + names[i];
        bool made = true;
        switch (i % 4) {
        case 0: { // groff reads lines starting with . or ' as requests: escape them
            QByteArray troff = ".ll 6.5i\n.nf\n";
            for (QByteArray line : text.split('\n')) {
                line.replace('\\', "\\e");
                troff += (line.startsWith('.') || line.startsWith('\'') ? "\\&" : "") + line + '\n';
            }
            QProcess groff;
            groff.setStandardOutputFile(base + QStringLiteral(".pdf"));
            groff.start(QStringLiteral("groff"), {QStringLiteral("-Tpdf")});
            groff.write(troff);
            groff.closeWriteChannel();
            made = groff.waitForFinished(120000) && groff.exitCode() == 0;
            break;
        }
        case 1:
        case 2: {
            const QString format = i % 4 == 1 ? QStringLiteral("html") : QStringLiteral("docx");
            made = runTool(QStringLiteral("pandoc"),
                           {QStringLiteral("--from=markdown"), QStringLiteral("--standalone"),
                            QStringLiteral("--metadata=title:") + names[i],
                            QStringLiteral("--output=") + base + QLatin1Char('.') + format},
                           text);
            break;
        }
        default: {
            QFile markdown(base + QStringLiteral(".md"));
            made = markdown.open(QIODevice::WriteOnly) && markdown.write(text) == text.size();
        }
        }
        if (!made)
            return false;
    }
    return true;
}

bool indexCorpus(Embedder& embedder, const QString& corpus) {
    QTemporaryDir folder;
    auto index = IndexFolder::open(folder.path(), IndexFolder::Mode::Write);
    if (!index) {
        std::fprintf(stderr, "%s\n", qPrintable(index.error().message));
        return false;
    }
    IndexOptions options;
    options.extract.helperPath = QStringLiteral(SEMSEARCH_EXTRACT);
    Indexer indexer(**index, embedder, options);
    auto stats = indexer.run({corpus});
    if (!stats) {
        std::fprintf(stderr, "%s\n", qPrintable(stats.error().message));
        return false;
    }
    const IndexStats& s = *stats;
    const double passages = double(s.passagesEmbedded);
    std::printf("corpus: %s\n", qPrintable(corpus));
    print("files indexed", double(s.filesAdded + s.filesReused), 0);
    print("files skipped", double(s.filesSkipped), 0);
    print("passages", passages, 0);
    print("text MB", double(s.bytesRead) / 1e6, 3);
    print("index seconds", s.seconds, 2);
    print("embed seconds", s.embedSeconds, 2);
    print("extract seconds (semsearch-extract)", s.extractSeconds, 2);
    print("files/s", double(s.filesAdded + s.filesReused) / s.seconds, 2);
    print("passages/s", passages / s.seconds, 2);
    print("MB/s", double(s.bytesRead) / 1e6 / s.seconds, 4);
    print("share outside the embedder %", 100.0 * (s.seconds - s.embedSeconds) / s.seconds, 2);
    print("share waiting for semsearch-extract %", 100.0 * s.extractSeconds / s.seconds, 2);
    return true;
}

} // namespace

int main(int argc, char* argv[]) {
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption model(QStringLiteral("model"), QStringLiteral("Model folder."),
                                   QStringLiteral("DIR"));
    const QCommandLineOption corpus(QStringLiteral("corpus"), QStringLiteral("Folder to index."),
                                    QStringLiteral("DIR"),
                                    QStringLiteral("/usr/share/common-licenses"));
    const QCommandLineOption threads(QStringLiteral("threads"), QStringLiteral("0 = all cores."),
                                     QStringLiteral("N"), QStringLiteral("0"));
    const QCommandLineOption queries(QStringLiteral("queries"), QStringLiteral("Timed queries."),
                                     QStringLiteral("N"), QStringLiteral("100"));
    const QCommandLineOption sizes(QStringLiteral("sizes"),
                                   QStringLiteral("Synthetic index sizes (0 = skip)."),
                                   QStringLiteral("LIST"), QStringLiteral("10000,100000"));
    const QCommandLineOption skipCorpus(QStringLiteral("no-corpus"),
                                        QStringLiteral("Skip the indexing part."));
    const QCommandLineOption precisionOption(
        QStringLiteral("precision"),
        QStringLiteral("fp32, bf16, int8 or auto (the quality check is remembered in the "
                       "user's cache folder, as the programs do)."),
        QStringLiteral("MODE"), QStringLiteral("fp32"));
    const QCommandLineOption mixed(QStringLiteral("mixed"),
                                   QStringLiteral("Index the corpus made into PDF, HTML, DOCX "
                                                  "and Markdown files."));
    parser.addOptions({model, corpus, threads, queries, sizes, skipCorpus, precisionOption, mixed});
    parser.process(app);
    const auto precision = parsePrecision(parser.value(QStringLiteral("precision")));
    if (!precision) {
        std::fprintf(stderr, "--precision takes fp32, bf16, int8 or auto\n");
        return 2;
    }
    std::printf("command: %s\n", qPrintable(QCoreApplication::arguments().join(QLatin1Char(' '))));

    EmbedderOptions options;
    options.threads = parser.value(threads).toInt();
    options.precision = *precision;
    options.qualityCacheFolder = defaultCacheFolder();
    auto embedder = openEmbedder(parser.value(model), options);
    if (embedder)
        std::printf("precision: %s\n", qPrintable(precisionName((*embedder)->precision())));
    if (!embedder) {
        std::fprintf(stderr, "%s\n", qPrintable(embedder.error().message));
        return 1;
    }
    QTemporaryDir mixedFolder;
    QString indexed = parser.value(corpus);
    if (parser.isSet(mixed)) {
        QElapsedTimer making;
        making.start();
        if (!makeMixedFolder(indexed, mixedFolder.path()))
            return 1;
        std::printf("mixed folder made from %s in %.1f s\n", qPrintable(indexed),
                    making.elapsed() / 1000.0);
        indexed = mixedFolder.path();
    }
    if (!parser.isSet(skipCorpus) && !indexCorpus(**embedder, indexed))
        return 1;

    const QStringList queryTexts = {
        QStringLiteral("what happens if I modify the software"),
        QStringLiteral("warranty disclaimer"),
        QStringLiteral("can I sell copies"),
        QStringLiteral("patent rights granted to users"),
        QStringLiteral("how do I apply this license to my program"),
    };
    for (const QString& sizeText :
         parser.value(sizes).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const int count = sizeText.toInt();
        if (count <= 0)
            continue;
        QTemporaryDir folder;
        auto index = IndexFolder::open(folder.path(), IndexFolder::Mode::Write);
        QElapsedTimer fill;
        fill.start();
        if (!index || !fillSynthetic(**index, (*embedder)->model(), count)) {
            std::fprintf(stderr, "could not build the synthetic index of %d\n", count);
            return 1;
        }
        std::printf("synthetic passages: %d (built in %.1f s)\n", count, fill.elapsed() / 1000.0);
        Searcher searcher(**index, **embedder);
        for (bool passagesMode : {false, true}) {
            std::vector<double> ms;
            for (int i = 0; i < parser.value(queries).toInt() + 3; ++i) {
                QElapsedTimer clock;
                clock.start();
                const QString& query = queryTexts[i % queryTexts.size()];
                const bool ok = passagesMode ? searcher.searchPassages(query).ok()
                                             : searcher.searchDocuments(query).ok();
                if (!ok)
                    return 1;
                if (i >= 3) // the first queries warm caches
                    ms.push_back(clock.nsecsElapsed() / 1e6);
            }
            const char* mode = passagesMode ? "passages" : "documents";
            std::printf("query %s k=10 at %d: p50 %.1f ms, p95 %.1f ms\n", mode, count,
                        percentile(ms, 0.5), percentile(ms, 0.95));
        }
    }
    return 0;
}
