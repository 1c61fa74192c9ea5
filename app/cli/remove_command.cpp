// semsearch-cli remove PATH...: drop files and folders from the index.

#include "cli_support.h"
#include "command.h"

#include "semsearch/indexer.h"
#include "semsearch/shared_index_location.h"
#include "semsearch/shared_index_writer.h"

#include <QCommandLineParser>

namespace semsearch::cli {

namespace {

// remove on a shared index: one batch in the database (shared_index_writer.h).
int removeShared(const QString& location, const QStringList& paths) {
    SharedWriteOptions options;
    options.machine = thisMachineName();
    auto removed = removeFromSharedIndex(location, paths, options);
    if (!removed) {
        printError(removed.error().message);
        return kExitFailure;
    }
    writeOut((countText(removed->documentsRemoved, "document", "documents") +
              QStringLiteral(" removed; generation %1\n").arg(numberText(removed->generation)))
                 .toUtf8());
    return kExitOk;
}

} // namespace

int runRemove(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.addOptions({indexOption(), modelOption()});
    parser.addPositionalArgument(QStringLiteral("PATH"),
                                 QStringLiteral("Files and folders (they need not exist)."),
                                 QStringLiteral("PATH..."));
    if (auto stop =
            parseArguments(parser, QStringLiteral("remove"),
                           QStringLiteral("Remove files and folders from the index."), arguments))
        return *stop;
    if (parser.positionalArguments().isEmpty()) {
        printError(QStringLiteral("remove needs at least one PATH"));
        return kExitUsage;
    }
    if (const QString location = indexFolder(parser); isSharedIndexLocation(location))
        return removeShared(location, parser.positionalArguments());
    auto index = openIndex(parser, IndexFolder::Mode::Write);
    if (!index) {
        printError(index.error().message);
        return kExitFailure;
    }
    auto removed = Indexer::removeFrom(**index, parser.positionalArguments());
    if (!removed) {
        printError(removed.error().message);
        return kExitFailure;
    }
    writeOut(
        (countText(*removed, "document", "documents") + QStringLiteral(" removed\n")).toUtf8());
    return kExitOk;
}

} // namespace semsearch::cli
