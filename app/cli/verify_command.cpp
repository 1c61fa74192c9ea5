// semsearch-cli verify [--repair]: check an index; exit 1 when something is wrong.

#include "cli_support.h"
#include "command.h"

#include "semsearch/index_folder.h"

#include <QCommandLineParser>

namespace semsearch::cli {

int runVerify(const QStringList& arguments) {
    QCommandLineParser parser;
    // --model is accepted so that scripts can pass one set of options to every command.
    parser.addOptions({indexOption(), modelOption()});
    const QCommandLineOption repair(
        QStringLiteral("repair"),
        QStringLiteral("Repair what can be repaired: rebuild the vector index file from the "
                       "database; replace a damaged database by every row that can still be "
                       "read (the damaged file is kept as index.sqlite.damaged), and say what "
                       "was lost."));
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
        out += QStringLiteral("note: %1\n").arg(note).toUtf8();
    for (const QString& done : report->repairs)
        out += QStringLiteral("repaired: %1\n").arg(done).toUtf8();
    if (report->vectorCacheRebuilt)
        out += "repaired: the vector index was rebuilt from the database\n";
    for (const QString& lost : report->losses)
        out += QStringLiteral("lost: %1\n").arg(lost).toUtf8();
    for (const QString& problem : report->problems)
        out += QStringLiteral("problem: %1\n").arg(problem).toUtf8();
    const bool healthy = report->ok() && report->losses.isEmpty();
    out += report->ok() ? (healthy ? "ok\n" : "ok now, but not everything could be kept\n")
                        : "the index has problems\n";
    writeOut(out);
    if (healthy)
        return kExitOk;
    // The one line on stderr every failing command gives; the details went to stdout.
    const QString folder = (*index)->folder();
    if (!report->ok()) {
        printError(QStringLiteral("%1: %2 problems found (listed on standard output)%3")
                       .arg(folder)
                       .arg(report->problems.size())
                       .arg(parser.isSet(repair) ? QStringLiteral("; they could not be repaired")
                                                 : QStringLiteral("; run 'semsearch-cli verify "
                                                                  "--repair' to repair what can "
                                                                  "be repaired")));
        return kExitFailure;
    }
    QStringList sources;
    if (auto recorded = (*index)->store().sources())
        for (const SourceRecord& source : *recorded)
            sources << source.path;
    printError(QStringLiteral("%1: repaired, but some of it was lost (listed on standard "
                              "output); index its folders again to restore it: %2")
                   .arg(folder, sources.isEmpty() ? QStringLiteral("semsearch-cli index PATH...")
                                                  : QStringLiteral("semsearch-cli index ") +
                                                        sources.join(QLatin1Char(' '))));
    return kExitFailure;
}

} // namespace semsearch::cli
