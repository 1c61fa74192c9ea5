// semsearch-cli index PATH...: add and update files and folders.

#include "cli_support.h"
#include "command.h"
#include "interrupt.h"

#include "semsearch/indexer.h"

#include <QCommandLineParser>
#include <QFileInfo>

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
        line = QStringLiteral("%1/%2 files, %3 passages, %4 passages/s, ETA %5  %6")
                   .arg(p.filesDone)
                   .arg(p.filesTotal)
                   .arg(p.passagesDone)
                   .arg(p.passagesPerSecond, 0, 'f', 1)
                   .arg(duration(p.secondsLeft), p.currentFile.section(QLatin1Char('/'), -1));
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
    parser.addOptions({quiet, json, maxSize, hidden, exclude});
    parser.addPositionalArgument(QStringLiteral("PATH"), QStringLiteral("Files and folders."),
                                 QStringLiteral("PATH..."));
    if (auto stop = parseArguments(
            parser, QStringLiteral("index"),
            QStringLiteral("Add files and folders to the index, or bring them up to date: new "
                           "and changed files are embedded, files that are gone are removed."),
            arguments))
        return *stop;
    if (parser.positionalArguments().isEmpty()) {
        printError(QStringLiteral("index needs at least one PATH"));
        return kExitUsage;
    }
    const auto maxMiB = intOption(parser, QStringLiteral("max-file-size"), 1);
    if (!maxMiB)
        return kExitUsage;

    // Check the paths before opening (and so creating) the index.
    for (const QString& path : parser.positionalArguments()) {
        if (!QFileInfo::exists(path)) {
            printError(path + QStringLiteral(": no such file or folder"));
            return kExitFailure;
        }
    }

    IndexOptions options;
    options.walk.maxFileBytes = qint64(*maxMiB) * 1024 * 1024;
    options.walk.includeHidden = parser.isSet(hidden);
    options.walk.excludePatterns = parser.values(exclude);

    // From here on Ctrl-C asks the work to stop after the current batch.
    WorkControl control;
    InterruptGuard interrupt(control);
    auto index = IndexFolder::open(indexFolder(parser), IndexFolder::Mode::Write);
    if (!index) {
        printError(index.error().message);
        return kExitFailure;
    }
    auto embedder = openEmbedder(modelFolder(parser));
    if (!embedder) {
        printError(embedder.error().message);
        return kExitFailure;
    }

    const bool showing = !parser.isSet(quiet) && isatty(STDERR_FILENO);
    Indexer indexer(**index, **embedder, options);
    auto stats =
        indexer.run(parser.positionalArguments(),
                    showing ? ProgressCallback(showProgress) : ProgressCallback(), &control);
    if (showing)
        std::fputs("\r\033[K", stderr);
    if (!stats) {
        printError(stats.error().message);
        return kExitFailure;
    }
    const IndexStats& s = *stats;
    QByteArray out;
    if (parser.isSet(json)) {
        out = QStringLiteral("{\"files\":%1,\"added\":%2,\"updated\":%3,\"reused\":%4,"
                             "\"unchanged\":%5,\"skipped\":%6,\"removed\":%7,"
                             "\"passages_embedded\":%8,\"passages_reused\":%9,")
                  .arg(s.filesSeen)
                  .arg(s.filesAdded)
                  .arg(s.filesUpdated)
                  .arg(s.filesReused)
                  .arg(s.filesUnchanged)
                  .arg(s.filesSkipped)
                  .arg(s.filesRemoved)
                  .arg(s.passagesEmbedded)
                  .arg(s.passagesReused)
                  .toUtf8() +
              QStringLiteral("\"seconds\":%1,\"cancelled\":%2}\n")
                  .arg(s.seconds, 0, 'f', 3)
                  .arg(s.cancelled ? QStringLiteral("true") : QStringLiteral("false"))
                  .toUtf8();
    } else {
        out = QStringLiteral("%1 files: %2 added, %3 updated, %4 reused, %5 unchanged, %6 "
                             "skipped, %7 removed; %8 passages embedded in %9 s\n")
                  .arg(s.filesSeen)
                  .arg(s.filesAdded)
                  .arg(s.filesUpdated)
                  .arg(s.filesReused)
                  .arg(s.filesUnchanged)
                  .arg(s.filesSkipped)
                  .arg(s.filesRemoved)
                  .arg(s.passagesEmbedded)
                  .arg(s.seconds, 0, 'f', 1)
                  .toUtf8();
    }
    writeOut(out);
    if (s.cancelled) {
        printError(QStringLiteral("interrupted; what was indexed so far is kept, run the same "
                                  "command again to continue"));
        return kExitFailure;
    }
    return kExitOk;
}

} // namespace semsearch::cli
