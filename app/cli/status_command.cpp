// semsearch-cli status: what an index holds.

#include "cli_support.h"
#include "command.h"
#include "semsearch/printable_text.h"

#include "semsearch/index_folder.h"
#include "semsearch/index_precision.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>

namespace semsearch::cli {

int runStatus(const QStringList& arguments) {
    QCommandLineParser parser;
    // --model is accepted so that scripts can pass one set of options to every command.
    parser.addOptions({indexOption(), modelOption()});
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print JSON."));
    parser.addOption(json);
    if (auto stop = parseArguments(parser, QStringLiteral("status"),
                                   QStringLiteral("Show what the index holds: documents, "
                                                  "passages, skipped files, model, precision, "
                                                  "size."),
                                   arguments))
        return *stop;

    auto index = IndexFolder::open(indexFolder(parser), IndexFolder::Mode::Read);
    if (!index) {
        printError(index.error().message);
        return kExitFailure;
    }
    SqliteStore& store = (*index)->store();
    auto counts = store.counts();
    auto model = store.modelIdentity();
    auto skipped = store.skippedFiles();
    auto precision = indexPrecision(store);
    if (!counts || !model || !skipped || !precision) {
        printError(!counts    ? counts.error().message
                   : !model   ? model.error().message
                   : !skipped ? skipped.error().message
                              : precision.error().message);
        return kExitFailure;
    }
    // "none yet" before the first vectors: an empty index takes any precision.
    const QString precisionText = *precision ? precisionName(**precision) : QString();

    QByteArray out;
    if (parser.isSet(json)) {
        QJsonObject object{
            {QStringLiteral("index"), (*index)->folder()},
            {QStringLiteral("documents"), qint64(counts->documents)},
            {QStringLiteral("passages"), qint64(counts->passages)},
            {QStringLiteral("size_bytes"), qint64((*index)->sizeOnDisk())},
            {QStringLiteral("precision"), *precision ? QJsonValue(precisionText) : QJsonValue()}};
        if (*model)
            object.insert(
                QStringLiteral("model"),
                QJsonObject{{QStringLiteral("name"), (*model)->name},
                            {QStringLiteral("dimension"), (*model)->dimension},
                            {QStringLiteral("pooling"), (*model)->pooling},
                            {QStringLiteral("normalize"), (*model)->normalize},
                            {QStringLiteral("fingerprint"), (*model)->weightsFingerprint}});
        QJsonArray skippedArray;
        for (const SkippedRecord& record : *skipped)
            skippedArray.append(QJsonObject{{QStringLiteral("path"), record.path},
                                            {QStringLiteral("reason"), record.reason}});
        object.insert(QStringLiteral("skipped"), skippedArray);
        out = QJsonDocument(object).toJson(QJsonDocument::Compact) + '\n';
    } else {
        out += QStringLiteral("index:     %1\n").arg(escapedText((*index)->folder())).toUtf8();
        out += QStringLiteral("model:     %1\n")
                   .arg(*model ? QStringLiteral("%1 (%2 dimensions, %3 pooling)")
                                     .arg(escapedText((*model)->name))
                                     .arg((*model)->dimension)
                                     .arg((*model)->pooling)
                               : QStringLiteral("none yet"))
                   .toUtf8();
        out += QStringLiteral("precision: %1\n")
                   .arg(*precision ? precisionText : QStringLiteral("none yet"))
                   .toUtf8();
        out += QStringLiteral("documents: %1\npassages:  %2\nsize:      %3 MB\nskipped:   %4\n")
                   .arg(numberText(counts->documents), numberText(counts->passages),
                        QLocale().toString(double((*index)->sizeOnDisk()) / 1e6, 'f', 1),
                        numberText(std::int64_t(skipped->size())))
                   .toUtf8();
        for (const SkippedRecord& record : *skipped)
            out += QStringLiteral("  %1: %2\n")
                       .arg(escapedText(record.path), escapedText(record.reason))
                       .toUtf8();
    }
    writeOut(out);
    return kExitOk;
}

} // namespace semsearch::cli
