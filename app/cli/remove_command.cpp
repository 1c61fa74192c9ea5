// semsearch-cli remove PATH...: drop files and folders from the index.

#include "cli_support.h"
#include "command.h"

#include "semsearch/indexer.h"

#include <QCommandLineParser>

namespace semsearch::cli {

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
