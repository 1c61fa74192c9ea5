// semsearch-cli status: what an index holds.

#include "cli_support.h"
#include "command.h"
#include "semsearch/printable_text.h"

#include "semsearch/index_folder.h"
#include "semsearch/shared_index_location.h"
#include "semsearch/shared_index_overview.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>

namespace semsearch::cli {

namespace {

QJsonValue vectorIndexJson(const std::optional<VectorIndexState>& state) {
    if (!state)
        return QJsonValue();
    return QJsonObject{{QStringLiteral("in_use"), state->kind == VectorIndexState::Kind::Lists
                                                      ? QStringLiteral("approximate")
                                                      : QStringLiteral("scan")},
                       {QStringLiteral("lists"), state->lists},
                       {QStringLiteral("probes"), state->probes},
                       {QStringLiteral("candidates"), state->candidates},
                       {QStringLiteral("recall_at_10"),
                        state->recallAt10 ? QJsonValue(*state->recallAt10) : QJsonValue()},
                       {QStringLiteral("measured_at_passages"), qint64(state->measuredAtPassages)},
                       {QStringLiteral("fell_back"), state->fellBack}};
}

QString vectorIndexText(const std::optional<VectorIndexState>& state) {
    if (!state)
        return QStringLiteral("not built yet");
    const QString recall = state->recallAt10
                               ? QStringLiteral("recall@10 %1 measured at %2 passages")
                                     .arg(*state->recallAt10, 0, 'f', 3)
                                     .arg(state->measuredAtPassages)
                               : QString();
    if (state->kind == VectorIndexState::Kind::Lists)
        return QStringLiteral("approximate (%1 lists, %2 probed, best %3 re-ranked exactly), %4")
            .arg(state->lists)
            .arg(state->probes)
            .arg(state->candidates)
            .arg(recall);
    const QString scan = QStringLiteral("every vector scanned (8-bit), best %1 re-ranked exactly")
                             .arg(state->candidates);
    if (state->fellBack)
        return scan + QStringLiteral("; the approximate index fell short (%1)").arg(recall);
    return scan;
}

QJsonValue modelJson(const std::optional<ModelIdentity>& model) {
    if (!model)
        return QJsonValue();
    return QJsonObject{{QStringLiteral("name"), model->name},
                       {QStringLiteral("dimension"), model->dimension},
                       {QStringLiteral("pooling"), model->pooling},
                       {QStringLiteral("normalize"), model->normalize},
                       {QStringLiteral("fingerprint"), model->weightsFingerprint}};
}

QString modelText(const std::optional<ModelIdentity>& model) {
    return model ? QStringLiteral("%1 (%2 dimensions, %3 pooling)")
                       .arg(escapedText(model->name))
                       .arg(model->dimension)
                       .arg(model->pooling)
                 : QStringLiteral("none yet");
}

// The server's pgvector, which semsearch does not use (README, "Shared index"): said so that an
// administrator who installed it knows why it sits idle.
QString pgvectorText(const SharedIndexOverview& overview) {
    const QString unused = QStringLiteral("not used: each searcher ranks on its own exact cache");
    if (!overview.pgvectorInstalled.isEmpty())
        return QStringLiteral("%1 installed (%2)").arg(overview.pgvectorInstalled, unused);
    if (!overview.pgvectorAvailable.isEmpty())
        return QStringLiteral("%1 available, not installed (%2)")
            .arg(overview.pgvectorAvailable, unused);
    return QStringLiteral("not on the server (not needed)");
}

QJsonObject pgvectorJson(const SharedIndexOverview& overview) {
    auto version = [](const QString& text) {
        return text.isEmpty() ? QJsonValue() : text;
    };
    return {{QStringLiteral("installed"), version(overview.pgvectorInstalled)},
            {QStringLiteral("available"), version(overview.pgvectorAvailable)},
            {QStringLiteral("used"), false}};
}

// status of a shared index on PostgreSQL: what it holds, and which machine indexes each source.
// Its JSON keeps the local index's keys where the values mean the same; the skipped files are
// only counted here ("skipped_count"), where the local index lists them ("skipped").
int sharedStatus(const QString& location, bool json) {
    auto read = readSharedIndexOverview(location);
    if (!read) {
        printError(read.error().message);
        return kExitFailure;
    }
    const SharedIndexOverview& overview = *read;
    QByteArray out;
    if (json) {
        QJsonArray sources;
        for (const SharedSourceOverview& source : overview.sources)
            sources.append(
                QJsonObject{{QStringLiteral("path"), source.source.path},
                            {QStringLiteral("machine"), source.machine},
                            {QStringLiteral("documents"), qint64(source.counts.documents)},
                            {QStringLiteral("passages"), qint64(source.counts.passages)},
                            {QStringLiteral("skipped_count"), qint64(source.counts.skipped)}});
        const QJsonObject object{
            {QStringLiteral("index"), overview.location},
            {QStringLiteral("shared"), true},
            {QStringLiteral("documents"), qint64(overview.totals.documents)},
            {QStringLiteral("passages"), qint64(overview.totals.passages)},
            {QStringLiteral("skipped_count"), qint64(overview.totals.skipped)},
            {QStringLiteral("generation"), qint64(overview.generation)},
            {QStringLiteral("model"), modelJson(overview.model)},
            {QStringLiteral("precision"),
             overview.precision ? precisionName(*overview.precision) : QJsonValue()},
            {QStringLiteral("pgvector"), pgvectorJson(overview)},
            {QStringLiteral("sources"), sources}};
        out = QJsonDocument(object).toJson(QJsonDocument::Compact) + '\n';
    } else {
        out +=
            QStringLiteral("index:     %1 (shared)\n").arg(escapedText(overview.location)).toUtf8();
        out += QStringLiteral("model:     %1\n").arg(modelText(overview.model)).toUtf8();
        out += QStringLiteral("precision: %1\n")
                   .arg(overview.precision ? precisionName(*overview.precision)
                                           : QStringLiteral("not recorded"))
                   .toUtf8();
        out += QStringLiteral("documents: %1\npassages:  %2\nskipped:   %3\ngeneration: %4\n")
                   .arg(numberText(overview.totals.documents), numberText(overview.totals.passages),
                        numberText(overview.totals.skipped), numberText(overview.generation))
                   .toUtf8();
        out += QStringLiteral("pgvector:  %1\n").arg(pgvectorText(overview)).toUtf8();
        for (const SharedSourceOverview& source : overview.sources)
            out += QStringLiteral("  %1 (indexed by %2): %3 documents, %4 passages\n")
                       .arg(escapedText(source.source.path), escapedText(source.machine),
                            numberText(source.counts.documents), numberText(source.counts.passages))
                       .toUtf8();
    }
    writeOut(out);
    return kExitOk;
}

} // namespace

int runStatus(const QStringList& arguments) {
    QCommandLineParser parser;
    // --model is accepted so that scripts can pass one set of options to every command.
    parser.addOptions({indexOption(), modelOption()});
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print JSON."));
    parser.addOption(json);
    if (auto stop = parseArguments(parser, QStringLiteral("status"),
                                   QStringLiteral("Show what the index holds: documents, "
                                                  "passages, skipped files, model, precision, "
                                                  "size, and how the vectors are searched (with "
                                                  "the measured recall)."),
                                   arguments))
        return *stop;

    if (const QString location = indexFolder(parser); isSharedIndexLocation(location))
        return sharedStatus(location, parser.isSet(json));
    auto index = openIndex(parser, IndexFolder::Mode::Read);
    if (!index) {
        printError(index.error().message);
        return kExitFailure;
    }
    auto read = (*index)->overview();
    if (!read) {
        printError(read.error().message);
        return kExitFailure;
    }
    const IndexOverview& overview = *read;
    auto vectorIndex = (*index)->vectorIndexState();
    if (!vectorIndex) {
        printError(vectorIndex.error().message);
        return kExitFailure;
    }
    // "none yet" before the first vectors: an empty index takes any precision.
    const QString precisionText =
        overview.precision ? precisionName(*overview.precision) : QString();

    QByteArray out;
    if (parser.isSet(json)) {
        QJsonObject object{{QStringLiteral("index"), (*index)->folder()},
                           {QStringLiteral("documents"), qint64(overview.totals.documents)},
                           {QStringLiteral("passages"), qint64(overview.totals.passages)},
                           {QStringLiteral("size_bytes"), qint64((*index)->sizeOnDisk())},
                           {QStringLiteral("precision"),
                            overview.precision ? QJsonValue(precisionText) : QJsonValue()}};
        if (overview.model)
            object.insert(QStringLiteral("model"), modelJson(overview.model));
        object.insert(QStringLiteral("vector_index"), vectorIndexJson(*vectorIndex));
        QJsonArray skippedArray;
        for (const SkippedRecord& record : overview.skipped)
            skippedArray.append(QJsonObject{{QStringLiteral("path"), record.path},
                                            {QStringLiteral("reason"), record.reason}});
        object.insert(QStringLiteral("skipped"), skippedArray);
        out = QJsonDocument(object).toJson(QJsonDocument::Compact) + '\n';
    } else {
        out += QStringLiteral("index:     %1\n").arg(escapedText((*index)->folder())).toUtf8();
        out += QStringLiteral("model:     %1\n").arg(modelText(overview.model)).toUtf8();
        out += QStringLiteral("precision: %1\n")
                   .arg(overview.precision ? precisionText : QStringLiteral("none yet"))
                   .toUtf8();
        out += QStringLiteral("search:    %1\n").arg(vectorIndexText(*vectorIndex)).toUtf8();
        out += QStringLiteral("documents: %1\npassages:  %2\nsize:      %3 MB\nskipped:   %4\n")
                   .arg(numberText(overview.totals.documents), numberText(overview.totals.passages),
                        QLocale().toString(double((*index)->sizeOnDisk()) / 1e6, 'f', 1),
                        numberText(std::int64_t(overview.skipped.size())))
                   .toUtf8();
        for (const SkippedRecord& record : overview.skipped)
            out += QStringLiteral("  %1: %2\n")
                       .arg(escapedText(record.path), escapedText(record.reason))
                       .toUtf8();
    }
    writeOut(out);
    return kExitOk;
}

} // namespace semsearch::cli
