// semsearch-cli verify [--repair]: check an index; exit 1 when something is wrong.

#include "cli_support.h"
#include "command.h"
#include "semsearch/printable_text.h"

#include "semsearch/index_folder.h"

#include <QCommandLineParser>

namespace semsearch::cli {

int runVerify(const QStringList& arguments) {
    QCommandLineParser parser;
    // --model is accepted so that scripts can pass one set of options to every command.
    parser.addOptions({indexOption(), modelOption()});
    const QCommandLineOption repair(
        QStringLiteral("repair"),
        QStringLiteral("Rebuild the vector index file from the database when it is damaged."));
    parser.addOption(repair);
    if (auto stop = parseArguments(parser, QStringLiteral("verify"),
                                   QStringLiteral("Check the database's integrity and that the "
                                                  "vector index agrees with it."),
                                   arguments))
        return *stop;
    auto index =
        IndexFolder::open(indexFolder(parser), parser.isSet(repair) ? IndexFolder::Mode::Write
                                                                    : IndexFolder::Mode::Read);
    if (!index) {
        printError(index.error().message);
        return kExitFailure;
    }
    auto report = (*index)->verify(parser.isSet(repair));
    if (!report) {
        printError(report.error().message);
        return kExitFailure;
    }
    QByteArray out;
    for (const QString& note : report->notes)
        out += QStringLiteral("note: %1\n").arg(escapedText(note)).toUtf8();
    if (report->vectorCacheRebuilt)
        out += "repaired: the vector index was rebuilt from the database\n";
    for (const QString& problem : report->problems)
        out += QStringLiteral("problem: %1\n").arg(escapedText(problem)).toUtf8();
    out += report->ok() ? "ok\n" : "the index has problems\n";
    writeOut(out);
    return report->ok() ? kExitOk : kExitFailure;
}

} // namespace semsearch::cli
