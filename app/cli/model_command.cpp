// semsearch-cli model download|list|info: get a model from the Hugging Face hub and see which
// models are on disk. list and info live in model_info_command.cpp.

#include "cli_support.h"
#include "command.h"
#include "interrupt.h"

#include "semsearch/locations.h"
#include "semsearch/model_download.h"
#include "semsearch/printable_text.h"

#include <QCommandLineParser>
#include <QDir>
#include <QEventLoop>
#include <QFileInfo>
#include <QTimer>

#include <cstdio>
#include <unistd.h>

namespace semsearch::cli {

namespace {

QString megabytes(std::int64_t bytes) {
    return QStringLiteral("%1 MB").arg(double(bytes) / 1e6, 0, 'f', 1);
}

// One status line on a terminal's stderr, rewritten in place.
void showProgress(const ModelDownloadProgress& p) {
    // The file's path comes from the repository's modules.json.
    QString line = QStringLiteral("[%1/%2] %3  ")
                       .arg(p.fileNumber)
                       .arg(p.fileCount)
                       .arg(printableText(p.file, 80));
    if (p.verifying) {
        line += QStringLiteral("checking SHA-256…");
    } else {
        line += p.fileBytesTotal > 0
                    ? QStringLiteral("%1 / %2 (%3%)")
                          .arg(megabytes(p.fileBytesDone), megabytes(p.fileBytesTotal))
                          .arg(100 * p.fileBytesDone / p.fileBytesTotal)
                    : megabytes(p.fileBytesDone);
        if (p.bytesPerSecond > 0) {
            line += QStringLiteral(", %1/s").arg(megabytes(std::int64_t(p.bytesPerSecond)));
            if (p.fileBytesTotal > p.fileBytesDone)
                line +=
                    QStringLiteral(", %1 s left")
                        .arg(qint64(double(p.fileBytesTotal - p.fileBytesDone) / p.bytesPerSecond) +
                             1);
        }
    }
    std::fprintf(stderr, "\r\033[K%s", line.left(160).toLocal8Bit().constData());
    std::fflush(stderr);
}

// Runs the download on this (the main) thread's event loop until it finishes; Ctrl-C cancels
// it. A local event loop is fine here: the command line has nothing else to serve.
ModelDownloadResult download(const ModelDownloadOptions& options, bool showing) {
    WorkControl control;
    InterruptGuard interrupt(control);
    ModelDownload download(options);
    QEventLoop loop;
    ModelDownloadResult result;
    QObject::connect(&download, &ModelDownload::finished, &loop,
                     [&](const ModelDownloadResult& finished) {
                         result = finished;
                         loop.quit();
                     });
    if (showing)
        QObject::connect(&download, &ModelDownload::progress, &loop, showProgress);
    // The signal handler may only set a flag; this turns it into a cancel.
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        if (control.isCancelled())
            download.cancel();
    });
    poll.start(100);
    download.start();
    loop.exec();
    if (showing)
        std::fputs("\r\033[K", stderr);
    return result;
}

int runDownload(const QStringList& arguments) {
    QCommandLineParser parser;
    const QCommandLineOption revision(QStringLiteral("revision"),
                                      QStringLiteral("Branch, tag or commit (default: main)."),
                                      QStringLiteral("REV"), QStringLiteral("main"));
    const QCommandLineOption dir(QStringLiteral("dir"),
                                 QStringLiteral("Where to put the model (default: %1/<name>).")
                                     .arg(QDir::toNativeSeparators(defaultModelsFolder())),
                                 QStringLiteral("DIR"));
    const QCommandLineOption force(
        QStringLiteral("force"),
        QStringLiteral("Replace a model already in DIR, once the new one is complete."));
    const QCommandLineOption quiet(QStringLiteral("quiet"), QStringLiteral("No progress."));
    parser.addOptions({revision, dir, force, quiet});
    parser.addPositionalArgument(QStringLiteral("REPO"),
                                 QStringLiteral("Hub repository, owner/name (default: %1).")
                                     .arg(QLatin1String(kDefaultModelRepository)),
                                 QStringLiteral("[REPO]"));
    if (auto stop = parseArguments(
            parser, QStringLiteral("model download"),
            QStringLiteral("Download a sentence-transformers model from the Hugging Face hub "
                           "($HF_ENDPOINT, else https://huggingface.co; $HF_TOKEN for gated "
                           "models; proxies from http_proxy/https_proxy). An interrupted "
                           "download resumes when run again."),
            arguments))
        return *stop;
    if (parser.positionalArguments().size() > 1) {
        printError(QStringLiteral("model download takes one REPO (see 'semsearch-cli model "
                                  "download --help')"));
        return kExitUsage;
    }

    ModelDownloadOptions options;
    applyHubEnvironment(options);
    if (!parser.positionalArguments().isEmpty())
        options.repository = parser.positionalArguments().constFirst();
    options.revision = parser.value(revision);
    options.targetFolder = parser.value(dir);
    options.replaceExisting = parser.isSet(force);
    const QString target = modelDownloadTarget(options);
    if (QFileInfo(target).isDir() && !options.replaceExisting &&
        !QDir(target).isEmpty(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot)) {
        printError(target + QStringLiteral(": a model folder is already there; pass --force to "
                                           "replace it, or --dir for another folder"));
        return kExitFailure;
    }

    const bool showing = !parser.isSet(quiet) && isatty(STDERR_FILENO);
    const ModelDownloadResult result = download(options, showing);
    if (!result.ok()) {
        printError(result.error->message);
        return kExitFailure;
    }
    QString done =
        QStringLiteral("%1 (revision %2) is in %3 (%4 fetched)\n")
            .arg(options.repository, options.revision, QDir::toNativeSeparators(result.folder),
                 megabytes(result.bytesReceived));
    if (QDir::cleanPath(result.folder) != QDir::cleanPath(defaultModelFolder()))
        done += QStringLiteral("use it with --model %1 or SEMSEARCH_MODEL\n")
                    .arg(QDir::toNativeSeparators(result.folder));
    writeOut(done.toUtf8());
    return kExitOk;
}

void printModelUsage(std::FILE* out) {
    std::fprintf(out, "Usage: semsearch-cli model SUBCOMMAND [OPTIONS]\n\n"
                      "Subcommands:\n"
                      "  download [REPO]  Download a model from the Hugging Face hub\n"
                      "  list             List the models on disk\n"
                      "  info [DIR]       Describe a model folder\n"
                      "  check            Check the fast precisions against fp32 on this "
                      "machine\n\n"
                      "Run 'semsearch-cli model SUBCOMMAND --help' for its options.\n");
}

} // namespace

int runModel(const QStringList& arguments) {
    const QString sub = arguments.value(0);
    if (sub == QLatin1String("--help") || sub == QLatin1String("-h") ||
        sub == QLatin1String("help")) {
        printModelUsage(stdout);
        return kExitOk;
    }
    if (sub == QLatin1String("download"))
        return runDownload(arguments.mid(1));
    if (sub == QLatin1String("list"))
        return runModelList(arguments.mid(1));
    if (sub == QLatin1String("info"))
        return runModelInfo(arguments.mid(1));
    if (sub == QLatin1String("check"))
        return runModelCheck(arguments.mid(1));
    if (sub.isEmpty())
        printModelUsage(stderr);
    else
        printError(QStringLiteral("unknown model subcommand '%1' (see 'semsearch-cli model "
                                  "--help')")
                       .arg(sub));
    return kExitUsage;
}

} // namespace semsearch::cli
