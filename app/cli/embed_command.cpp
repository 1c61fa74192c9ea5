// semsearch-cli embed: texts on stdin, one JSON array of floats per text on stdout.

#include "cli_support.h"
#include "command.h"

#include "semsearch/embedder.h"
#include "semsearch/locations.h"

#include <QCommandLineParser>

#include <cstdio>

namespace semsearch::cli {

namespace {

// Texts read and embedded per round, so that output streams on long inputs. Results do not
// depend on it: each text's vector is independent of its batch.
constexpr int kTextsPerRound = 2048;

} // namespace

int runEmbed(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.addOption(modelOption());
    const QCommandLineOption jsonl(QStringLiteral("jsonl"),
                                   QStringLiteral("Read each line as one JSON string."));
    const QCommandLineOption batchSize(QStringLiteral("batch-size"),
                                       QStringLiteral("Texts per forward pass (default 32)."),
                                       QStringLiteral("N"), QStringLiteral("32"));
    const QCommandLineOption threads(
        QStringLiteral("threads"),
        QStringLiteral("Compute threads (default 0: one per hardware thread)."),
        QStringLiteral("N"), QStringLiteral("0"));
    parser.addOptions({jsonl, batchSize, threads, precisionOption(QStringLiteral("fp32"))});
    if (auto stop = parseArguments(
            parser, QStringLiteral("embed"),
            QStringLiteral("Embed texts read from stdin (one per line) and print one JSON array "
                           "of floats per text, in input order."),
            arguments))
        return *stop;
    if (!parser.positionalArguments().isEmpty()) {
        printError(QStringLiteral("embed takes no arguments, texts come on stdin"));
        return kExitUsage;
    }

    EmbedderOptions options;
    const auto batch = intOption(parser, QStringLiteral("batch-size"), 1);
    const auto threadCount = intOption(parser, QStringLiteral("threads"), 0);
    if (!batch || !threadCount)
        return kExitUsage;
    options.batchSize = *batch;
    options.threads = *threadCount;
    const auto precision = askedPrecision(parser);
    if (!precision) {
        printError(precision.error().message);
        return kExitUsage;
    }
    // A reference tool: fp32, the path that matches sentence-transformers, unless asked.
    options.precision = precision->value_or(Precision::Fp32);
    options.qualityCacheFolder = defaultCacheFolder();

    auto embedder = openEmbedder(modelFolder(parser), options);
    if (!embedder) {
        printError(embedder.error().message);
        return kExitFailure;
    }
    TextReader reader(stdin, parser.isSet(jsonl));
    QByteArray buffer;
    for (;;) {
        auto texts = reader.next(kTextsPerRound);
        if (!texts) {
            printError(texts.error().message);
            return kExitFailure;
        }
        if (texts->isEmpty())
            break;
        auto vectors = (*embedder)->embed(*texts);
        if (!vectors) {
            printError(vectors.error().message);
            return kExitFailure;
        }
        for (std::size_t i = 0; i < vectors->rows; ++i) {
            buffer.clear();
            appendJsonVector(buffer, vectors->row(i), vectors->dim);
            buffer.append('\n');
            writeOut(buffer);
        }
    }
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
        printError(QStringLiteral("cannot write to stdout"));
        return kExitFailure;
    }
    return kExitOk;
}

} // namespace semsearch::cli
