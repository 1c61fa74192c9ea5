// semsearch-cli verify [--repair]: check an index; exit 1 when something is wrong.

#include "cli_support.h"
#include "command.h"
#include "semsearch/printable_text.h"

#include "semsearch/index_folder.h"
#include "semsearch/shared_index_location.h"
#include "semsearch/shared_index_verify.h"

#include <QCommandLineParser>
#include <QRegularExpression>

namespace semsearch::cli {

namespace {

// The report on stdout: notes, repairs, losses, problems, then a verdict.
QByteArray reportText(const VerifyReport& report) {
    QByteArray out;
    for (const QString& note : report.notes)
        out += QStringLiteral("note: %1\n").arg(escapedText(note)).toUtf8();
    for (const QString& done : report.repairs)
        out += QStringLiteral("repaired: %1\n").arg(escapedText(done)).toUtf8();
    if (report.vectorCacheRebuilt)
        out += "repaired: the vector index was rebuilt from the database\n";
    for (const QString& lost : report.losses)
        out += QStringLiteral("lost: %1\n").arg(escapedText(lost)).toUtf8();
    for (const QString& problem : report.problems)
        out += QStringLiteral("problem: %1\n").arg(escapedText(problem)).toUtf8();
    if (!report.ok())
        return out + "the index has problems\n";
    return out + (report.losses.isEmpty() ? "ok\n" : "ok now, but not everything could be kept\n");
}

// `path` as a shell word, quoted where it needs to be.
QString shellWord(const QString& path) {
    static const QRegularExpression plain(QStringLiteral("^[A-Za-z0-9_./+,:@%=-]+$"));
    if (plain.match(path).hasMatch())
        return path;
    return QLatin1Char('\'') + QString(path).replace(QLatin1Char('\''), QStringLiteral("'\\''")) +
           QLatin1Char('\'');
}

// The one line on stderr every failing command gives; the details went to stdout.
QString failureLine(IndexFolder& index, const VerifyReport& report, bool repaired) {
    if (!report.ok())
        return QStringLiteral("%1: %2 problems found (listed on standard output)%3")
            .arg(index.folder())
            .arg(report.problems.size())
            .arg(repaired ? QStringLiteral("; they could not be repaired")
                          : QStringLiteral("; run 'semsearch-cli verify --repair' to repair what "
                                           "can be repaired"));
    QStringList command = {QStringLiteral("semsearch-cli index")};
    if (auto sources = index.sources())
        for (const SourceRecord& source : *sources)
            command << shellWord(source.path);
    if (command.size() == 1)
        command << QStringLiteral("PATH...");
    return QStringLiteral("%1: repaired, but some of it was lost (listed on standard output); "
                          "index its folders again to restore it: %2")
        .arg(index.folder(), command.join(QLatin1Char(' ')));
}

// The line on stderr after a shared index was repaired with losses: the commands, one per
// machine, that put the removed documents back.
QString sharedLossLine(const QString& location, const SharedIndexRepair& repair) {
    QStringList commands;
    for (const auto& [source, machine] : repair.sourcesToIndexAgain)
        commands << QStringLiteral("on %1: semsearch-cli index --index %2 %3")
                        .arg(machine, shellWord(displayLocation(location)), shellWord(source));
    return QStringLiteral("%1: repaired, but %2 damaged documents were removed (listed on "
                          "standard output); index them again to restore them: %3")
        .arg(displayLocation(location))
        .arg(repair.losses.size())
        .arg(commands.join(QStringLiteral("; ")));
}

// verify [--repair] on a shared index: what the database breaks of writers' promises
// (shared_index_verify.h), and with --repair, what repairSharedIndex() mended first.
int verifyShared(const QString& location, bool repair) {
    VerifyReport report;
    SharedIndexRepair repaired;
    if (repair) {
        auto done = repairSharedIndex(location, thisMachineName());
        if (!done) {
            printError(done.error().message);
            return kExitFailure;
        }
        repaired = *done;
        report.repairs = repaired.repairs;
        report.losses = repaired.losses;
    }
    auto check = verifySharedIndex(location);
    if (!check) {
        printError(check.error().message);
        return kExitFailure;
    }
    report.notes = check->notes;
    report.problems = check->problems;
    writeOut(reportText(report));
    if (report.ok() && report.losses.isEmpty())
        return kExitOk;
    if (report.ok()) {
        printError(sharedLossLine(location, repaired));
        return kExitFailure;
    }
    printError(QStringLiteral("%1: %2 problems found (listed on standard output)%3")
                   .arg(displayLocation(location))
                   .arg(report.problems.size())
                   .arg(repair ? QStringLiteral("; they could not be repaired")
                               : QStringLiteral("; run 'semsearch-cli verify --repair' to repair "
                                                "what can be repaired")));
    return kExitFailure;
}

} // namespace

int runVerify(const QStringList& arguments) {
    QCommandLineParser parser;
    // --model is accepted so that scripts can pass one set of options to every command.
    parser.addOptions({indexOption(), modelOption()});
    const QCommandLineOption repair(
        QStringLiteral("repair"),
        QStringLiteral("Repair what can be repaired: rebuild the vector index file from the "
                       "database; replace a damaged database by every row that can still be "
                       "read (the damaged file is kept as index.sqlite.damaged), and say what "
                       "was lost. On a shared index: remove damaged documents (their machines "
                       "index them again) and mend the change log."));
    parser.addOption(repair);
    if (auto stop = parseArguments(parser, QStringLiteral("verify"),
                                   QStringLiteral("Check the database's integrity and that the "
                                                  "vector index agrees with it."),
                                   arguments))
        return *stop;
    if (const QString location = indexFolder(parser); isSharedIndexLocation(location))
        return verifyShared(location, parser.isSet(repair));
    auto index = openIndex(parser, parser.isSet(repair) ? IndexFolder::Mode::Write
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
    const bool healthy = report->ok() && report->losses.isEmpty();
    writeOut(reportText(*report));
    if (healthy)
        return kExitOk;
    printError(failureLine(**index, *report, parser.isSet(repair)));
    return kExitFailure;
}

} // namespace semsearch::cli
