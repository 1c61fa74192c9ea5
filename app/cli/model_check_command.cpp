// semsearch-cli model check: runs the precision quality check again on this machine and prints
// its figures and the speed of each mode.

#include "cli_support.h"
#include "command.h"

#include "semsearch/index_folder.h"
#include "semsearch/index_precision.h"
#include "semsearch/locations.h"
#include "semsearch/precision_check.h"

#include <QCommandLineParser>

namespace semsearch::cli {

namespace {

QString verdict(const PrecisionCheck& check) {
    if (!check.unavailable.isEmpty())
        return QStringLiteral("unavailable: ") + check.unavailable;
    if (!check.quality)
        return QStringLiteral("reference");
    return (check.quality->passed ? QStringLiteral("passed: ") : QStringLiteral("FAILED: ")) +
           check.quality->figures();
}

QString speed(const PrecisionCheck& check) {
    if (!check.unavailable.isEmpty())
        return {};
    return QStringLiteral("; %1 texts/s, %2 tokens/s")
        .arg(check.textsPerSecond, 0, 'f', 1)
        .arg(check.tokensPerSecond, 0, 'f', 0);
}

// What auto takes, given the checks just made: the fastest fast mode that passed.
QString autoChoice(const std::vector<PrecisionCheck>& checks) {
    for (Precision wanted : {Precision::Int8, Precision::Bf16})
        for (const PrecisionCheck& check : checks)
            if (check.precision == wanted && check.quality && check.quality->passed)
                return precisionName(wanted);
    return QStringLiteral("fp32");
}

} // namespace

int runModelCheck(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.addOptions({modelOption(), indexOption()});
    const QCommandLineOption precision(
        QStringLiteral("precision"),
        QStringLiteral("Check only MODE (bf16 or int8) besides fp32 (default: every mode)."),
        QStringLiteral("MODE"));
    const QCommandLineOption threads(
        QStringLiteral("threads"),
        QStringLiteral("Compute threads (default 0: one per hardware thread)."),
        QStringLiteral("N"), QStringLiteral("0"));
    parser.addOptions({precision, threads});
    if (auto stop = parseArguments(
            parser, QStringLiteral("model check"),
            QStringLiteral("Embed the shipped calibration texts (and a sample of the index's "
                           "passages, if there is an index) in fp32 and in each fast precision, "
                           "compare them, remember the results for this model and CPU, and "
                           "print the figures and the speed of each mode."),
            arguments))
        return *stop;
    const auto threadCount = intOption(parser, QStringLiteral("threads"), 0);
    if (!threadCount)
        return kExitUsage;
    std::vector<Precision> modes = {Precision::Fp32, Precision::Bf16, Precision::Int8};
    if (parser.isSet(precision)) {
        const auto asked = parsePrecision(parser.value(precision));
        if (!asked || *asked == Precision::Fp32 || *asked == Precision::Auto) {
            printError(QStringLiteral("--precision takes bf16 or int8, not '%1'")
                           .arg(parser.value(precision)));
            return kExitUsage;
        }
        modes = {Precision::Fp32, *asked};
    }

    EmbedderOptions options;
    options.threads = *threadCount;
    options.qualityCacheFolder = defaultCacheFolder();
    if (auto index = IndexFolder::open(indexFolder(parser), IndexFolder::Mode::Read); index) {
        auto sample = passageSample(**index, kCheckedIndexPassages);
        if (!sample) {
            printError(sample.error().message);
            return kExitFailure;
        }
        options.extraCheckTexts = *sample;
    }
    const QString model = modelFolder(parser);
    auto checks = checkPrecisions(model, modes, options);
    if (!checks) {
        printError(checks.error().message);
        return kExitFailure;
    }
    QByteArray out = QStringLiteral("model: %1\ncpu:   %2\ntexts: %3 calibration texts + %4 "
                                    "passages of the index\n")
                         .arg(model, cpuDescription(probeCpuFeatures()))
                         .arg(calibrationTexts().size())
                         .arg(options.extraCheckTexts.size())
                         .toUtf8();
    bool askedFailed = false;
    for (const PrecisionCheck& check : *checks) {
        out += QStringLiteral("%1  %2%3\n")
                   .arg(precisionName(check.precision), verdict(check), speed(check))
                   .toUtf8();
        if (parser.isSet(precision) && check.precision != Precision::Fp32)
            askedFailed = !check.quality || !check.quality->passed;
    }
    if (!parser.isSet(precision))
        out += QStringLiteral("auto:  %1\n").arg(autoChoice(*checks)).toUtf8();
    writeOut(out);
    return askedFailed ? kExitFailure : kExitOk;
}

} // namespace semsearch::cli
