// semsearch-cli index PATH...: add and update files and folders.

#include "cli_support.h"
#include "command.h"
#include "interrupt.h"
#include "semsearch/printable_text.h"

#include "semsearch/indexer.h"
#include "semsearch/shared_index_location.h"
#include "semsearch/shared_index_reembed.h"
#include "semsearch/shared_index_writer.h"

#include <QCommandLineParser>
#include <QFileInfo>
#include <QLocale>

#include <cstdio>
#include <unistd.h>

namespace semsearch::cli {

namespace {

QString duration(double seconds) {
    if (seconds < 0)
        return QStringLiteral("?");
    const qint64 s = qint64(seconds + 0.5);
    if (s >= 3600)
        return QStringLiteral("%1h%2m").arg(s / 3600).arg((s % 3600) / 60, 2, 10, QLatin1Char('0'));
    if (s >= 60)
        return QStringLiteral("%1m%2s").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1s").arg(s);
}

// One status line on a terminal's stderr, rewritten in place.
void showProgress(const IndexProgress& p) {
    QString line;
    switch (p.stage) {
    case IndexProgress::Stage::Scanning:
        line = QStringLiteral("scanning folders…");
        break;
    case IndexProgress::Stage::Indexing:
        line = QStringLiteral("%1/%2, %3, %4 passages/s, ETA %5  %6")
                   .arg(numberText(p.filesDone), countText(p.filesTotal, "file", "files"),
                        countText(p.passagesDone, "passage", "passages"),
                        QLocale().toString(p.passagesPerSecond, 'f', 1), duration(p.secondsLeft),
                        escapedText(p.currentFile.section(QLatin1Char('/'), -1)));
        break;
    case IndexProgress::Stage::Removing:
        line = QStringLiteral("removing documents whose files are gone…");
        break;
    case IndexProgress::Stage::Saving:
        line = QStringLiteral("saving the vector index…");
        break;
    case IndexProgress::Stage::Done:
        std::fputs("\r\033[K", stderr);
        return;
    }
    std::fprintf(stderr, "\r\033[K%s", line.left(160).toLocal8Bit().constData());
    std::fflush(stderr);
}

// The run's summary, a sentence or one JSON object. One table feeds both, so they cannot drift
// apart. The first five counts share out the files (they add up to "files" unless the run was
// cancelled); "removed" counts documents whose files are gone, which are not among them. On a
// shared index, `shared` adds what was published and the last generation committed.
QByteArray summary(const IndexStats& s, bool json, const SharedIndexStats* shared = nullptr) {
    const std::pair<const char*, std::int64_t> counts[] = {
        {"added", s.filesAdded},         {"updated", s.filesUpdated}, {"reused", s.filesReused},
        {"unchanged", s.filesUnchanged}, {"skipped", s.filesSkipped},
    };
    if (json) {
        QByteArray out = "{\"files\":" + QByteArray::number(s.filesSeen);
        for (const auto& [name, value] : counts)
            out += ",\"" + QByteArray(name) + "\":" + QByteArray::number(value);
        return out + ",\"removed\":" + QByteArray::number(s.filesRemoved) +
               ",\"passages_embedded\":" + QByteArray::number(s.passagesEmbedded) +
               ",\"passages_reused\":" + QByteArray::number(s.passagesReused) +
               ",\"seconds\":" + QByteArray::number(s.seconds, 'f', 3) +
               ",\"cancelled\":" + (s.cancelled ? "true" : "false") +
               (shared ? ",\"published\":{\"documents\":" +
                             QByteArray::number(shared->documentsPublished) +
                             ",\"passages\":" + QByteArray::number(shared->passagesPublished) +
                             ",\"removed\":" + QByteArray::number(shared->documentsRemoved) +
                             "},\"generation\":" + QByteArray::number(shared->generation)
                       : QByteArray()) +
               "}\n";
    }
    QStringList parts;
    for (const auto& [name, value] : counts)
        parts << QStringLiteral("%1 %2").arg(numberText(value), QLatin1String(name));
    QByteArray out =
        QStringLiteral("%1: %2; %3 removed (gone); %4 in %5 s\n")
            .arg(countText(s.filesSeen, "file", "files"), parts.join(QStringLiteral(", ")),
                 numberText(s.filesRemoved),
                 countText(s.passagesEmbedded, "passage embedded", "passages embedded"),
                 QLocale().toString(s.seconds, 'f', 1))
            .toUtf8();
    if (shared)
        out += QStringLiteral("published %1 (%2), %3 removed; generation %4\n")
                   .arg(countText(shared->documentsPublished, "document", "documents"),
                        countText(shared->passagesPublished, "passage", "passages"),
                        numberText(shared->documentsRemoved), numberText(shared->generation))
                   .toUtf8();
    return out;
}

// Test-only: where to stop the process dead (see semsearch/abort_point.h), from
// SEMSEARCH_TEST_ABORT_AT; false, having said why, for a name that is no point.
bool readAbortPoint(IndexOptions& options) {
    const QString name = qEnvironmentVariable("SEMSEARCH_TEST_ABORT_AT");
    const std::optional<AbortPoint> point = abortPointFromName(name);
    if (!point) {
        printError(QStringLiteral("SEMSEARCH_TEST_ABORT_AT: no point '%1' (one of %2)")
                       .arg(name, abortPointNames().join(QStringLiteral(", "))));
        return false;
    }
    options.abortAt = *point;
    return true;
}

// --max-file-size, --include-hidden, --exclude and the test-only abort point; std::nullopt,
// having said why, when one cannot be read.
std::optional<IndexOptions> indexOptionsFrom(const QCommandLineParser& parser) {
    const auto maxMiB = intOption(parser, QStringLiteral("max-file-size"), 1);
    if (!maxMiB)
        return std::nullopt;
    IndexOptions options;
    if (!readAbortPoint(options))
        return std::nullopt;
    options.walk.maxFileBytes = qint64(*maxMiB) * 1024 * 1024;
    options.walk.includeHidden = parser.isSet(QStringLiteral("include-hidden"));
    options.walk.excludePatterns = parser.values(QStringLiteral("exclude"));
    return options;
}

// The model to index with. The index as it is now, if there is one, tells the precision and
// lends a sample of its passages to the quality check. Read-only, so that a model that fails to
// open leaves no new index behind.
Result<std::unique_ptr<Embedder>> openModelForIndexing(const QCommandLineParser& parser,
                                                       std::optional<Precision> precision,
                                                       bool reembedding) {
    // A shared index records its precision in the database; its writers make that one unless
    // told otherwise (a re-embed takes auto's choice, as for a local index).
    if (const QString location = indexFolder(parser); isSharedIndexLocation(location)) {
        if (!precision && !reembedding)
            precision = sharedIndexPrecisionFor(location, ModelUse::Index);
        return openModelFor(modelFolder(parser), nullptr, precision,
                            reembedding ? ModelUse::Reembed : ModelUse::Index);
    }
    auto existing = openIndex(parser, IndexFolder::Mode::Read);
    auto embedder = openModelFor(modelFolder(parser), existing ? existing->get() : nullptr,
                                 precision, reembedding ? ModelUse::Reembed : ModelUse::Index);
    if (!embedder) {
        // Reading the index's precision fails on a damaged database with SQLite's bare
        // complaint; the writer's own check says what it means and what to do.
        auto intact = existing ? existing->get()->checkBeforeWriting() : Result<void>();
        return intact ? embedder.error() : intact.error();
    }
    return embedder;
}

// Indexes the paths, or re-embeds the index.
Result<IndexStats> indexOrReembed(const QCommandLineParser& parser, Embedder& embedder,
                                  const IndexOptions& options, const ProgressCallback& progress,
                                  WorkControl& control) {
    if (parser.isSet(QStringLiteral("reembed")))
        return reembedIndex(indexFolder(parser), embedder, parser.positionalArguments(), options,
                            progress, &control);
    auto index = openIndex(parser, IndexFolder::Mode::Write);
    if (!index)
        return index.error();
    if (auto refusal =
            modelMismatch(**index, embedder.model(), modelFolder(parser), ModelUse::Index))
        return makeError(ErrorCode::Mismatch, *refusal);
    Indexer indexer(**index, embedder, options);
    return indexer.run(parser.positionalArguments(), progress, &control);
}

// index on a shared index: the working copies and their publication (shared_index_writer.h).
int indexShared(const QCommandLineParser& parser, Embedder& embedder, const IndexOptions& options,
                const ProgressCallback& progress, WorkControl& control, bool showing) {
    SharedWriteOptions shared;
    shared.index = options;
    shared.machine = thisMachineName();
    auto stats = indexIntoSharedIndex(indexFolder(parser), embedder, parser.positionalArguments(),
                                      shared, progress, &control);
    if (showing)
        std::fputs("\r\033[K", stderr);
    if (!stats) {
        printError(stats.error().message);
        return kExitFailure;
    }
    writeOut(summary(stats->index, parser.isSet(QStringLiteral("json")), &*stats));
    if (stats->index.cancelled) {
        printError(QStringLiteral("interrupted; what was indexed so far is published, run the "
                                  "same command again to continue"));
        return kExitFailure;
    }
    return kExitOk;
}

// The summary of a re-embed of a shared index, a sentence or one JSON object.
QByteArray reembedSummary(const SharedReembedStats& s, Precision precision, bool json) {
    if (json)
        return "{\"passages\":" + QByteArray::number(s.passages) +
               ",\"passages_embedded\":" + QByteArray::number(s.passagesEmbedded) +
               ",\"precision\":\"" + precisionName(precision).toLatin1() +
               "\",\"unchanged\":" + (s.unchanged ? "true" : "false") +
               ",\"seconds\":" + QByteArray::number(s.seconds, 'f', 3) +
               ",\"cancelled\":" + (s.cancelled ? "true" : "false") +
               ",\"generation\":" + QByteArray::number(s.generation) + "}\n";
    if (s.unchanged)
        return QStringLiteral("%1 already in %2: nothing to re-embed\n")
            .arg(countText(s.passages, "passage", "passages"), precisionName(precision))
            .toUtf8();
    return QStringLiteral("%1 of %2 embedded in %3 s, now in %4; generation %5\n")
        .arg(countText(s.passagesEmbedded, "passage", "passages"), numberText(s.passages),
             QLocale().toString(s.seconds, 'f', 1), precisionName(precision),
             numberText(s.generation))
        .toUtf8();
}

// One status line on a terminal's stderr while a shared index is re-embedded.
void showReembedProgress(const IndexProgress& p) {
    std::fprintf(stderr, "\r\033[K%s",
                 QStringLiteral("re-embedding: %1/%2 passages, %3 passages/s")
                     .arg(numberText(p.passagesDone), numberText(p.filesTotal),
                          QLocale().toString(p.passagesPerSecond, 'f', 1))
                     .toLocal8Bit()
                     .constData());
    std::fflush(stderr);
}

// index --reembed on a shared index: its stored passages embedded anew
// (shared_index_reembed.h).
int reembedShared(const QCommandLineParser& parser, Embedder& embedder, const IndexOptions& options,
                  WorkControl& control, bool showing) {
    SharedWriteOptions shared;
    shared.index = options;
    shared.machine = thisMachineName();
    auto stats = reembedSharedIndex(
        indexFolder(parser), embedder, shared,
        showing ? ProgressCallback(showReembedProgress) : ProgressCallback(), &control);
    if (showing)
        std::fputs("\r\033[K", stderr);
    if (!stats) {
        printError(stats.error().message);
        return kExitFailure;
    }
    writeOut(reembedSummary(*stats, embedder.precision(), parser.isSet(QStringLiteral("json"))));
    if (stats->cancelled) {
        printError(QStringLiteral("interrupted; the index is unchanged, still in its old "
                                  "precision; run the same command again to continue "
                                  "re-embedding"));
        return kExitFailure;
    }
    return kExitOk;
}

} // namespace

int runIndex(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.addOptions({indexOption(), modelOption()});
    const QCommandLineOption quiet(QStringLiteral("quiet"), QStringLiteral("No progress."));
    const QCommandLineOption json(QStringLiteral("json"),
                                  QStringLiteral("Print the summary as one JSON object."));
    const QCommandLineOption maxSize(QStringLiteral("max-file-size"),
                                     QStringLiteral("Skip files larger than N MiB (default 20)."),
                                     QStringLiteral("N"), QStringLiteral("20"));
    const QCommandLineOption hidden(QStringLiteral("include-hidden"),
                                    QStringLiteral("Also index hidden files and folders."));
    const QCommandLineOption exclude(
        QStringLiteral("exclude"),
        QStringLiteral("Skip files and folders whose name matches PATTERN (repeatable)."),
        QStringLiteral("PATTERN"));
    const QCommandLineOption reembed(
        QStringLiteral("reembed"),
        QStringLiteral("Switch the index to the model of --model and the precision of "
                       "--precision: every document it holds (and "
                       "PATH..., if given) is embedded again into a new index beside it, which "
                       "replaces the old one only when complete. Until then the old index is "
                       "untouched; Ctrl-C keeps it, and the same command continues later."));
    parser.addOptions({quiet, json, maxSize, hidden, exclude, reembed,
                       precisionOption(QStringLiteral("the index's, else auto; with --reembed "
                                                      "auto"))});
    parser.addPositionalArgument(QStringLiteral("PATH"), QStringLiteral("Files and folders."),
                                 QStringLiteral("PATH..."));
    if (auto stop = parseArguments(
            parser, QStringLiteral("index"),
            QStringLiteral("Add files and folders to the index, or bring them up to date: new "
                           "and changed files are embedded, files that are gone are removed."),
            arguments))
        return *stop;
    const bool reembedding = parser.isSet(reembed);
    const bool sharedIndex = isSharedIndexLocation(indexFolder(parser));
    if (reembedding && sharedIndex && !parser.positionalArguments().isEmpty()) {
        printError(displayLocation(indexFolder(parser)) +
                   QStringLiteral(": index --reembed on a shared index embeds its stored "
                                  "passages anew and takes no PATH; index the paths first"));
        return kExitUsage;
    }
    if (parser.positionalArguments().isEmpty() && !reembedding) {
        printError(QStringLiteral("index needs at least one PATH"));
        return kExitUsage;
    }
    const std::optional<IndexOptions> options = indexOptionsFrom(parser);
    if (!options)
        return kExitUsage;
    const auto precision = askedPrecision(parser);
    if (!precision) {
        printError(precision.error().message);
        return kExitUsage;
    }

    // Check the paths before opening (and so creating) the index.
    for (const QString& path : parser.positionalArguments()) {
        if (!QFileInfo::exists(path)) {
            printError(path + QStringLiteral(": no such file or folder"));
            return kExitFailure;
        }
    }

    // From here on Ctrl-C asks the work to stop after the current batch.
    WorkControl control;
    InterruptGuard interrupt(control);
    const bool showing = !parser.isSet(quiet) && isatty(STDERR_FILENO);
    const ProgressCallback progress = showing ? ProgressCallback(showProgress) : ProgressCallback();
    auto embedder = openModelForIndexing(parser, *precision, reembedding);
    if (!embedder) {
        printError(embedder.error().message);
        return kExitFailure;
    }
    if (sharedIndex && reembedding)
        return reembedShared(parser, **embedder, *options, control, showing);
    if (sharedIndex)
        return indexShared(parser, **embedder, *options, progress, control, showing);
    Result<IndexStats> stats = indexOrReembed(parser, **embedder, *options, progress, control);
    if (showing)
        std::fputs("\r\033[K", stderr);
    if (!stats) {
        printError(stats.error().message);
        return kExitFailure;
    }
    const IndexStats& s = *stats;
    writeOut(summary(s, parser.isSet(json)));
    if (s.cancelled) {
        printError(reembedding
                       ? QStringLiteral("interrupted; the index is unchanged, still with its old "
                                        "model; run the same command again to continue "
                                        "re-embedding")
                       : QStringLiteral("interrupted; what was indexed so far is kept, run the "
                                        "same command again to continue"));
        return kExitFailure;
    }
    return kExitOk;
}

} // namespace semsearch::cli
