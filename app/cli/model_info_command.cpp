// semsearch-cli model list / model info: the models on disk and what each one is.

#include "cli_support.h"
#include "command.h"

#include "semsearch/embedder.h"
#include "semsearch/locations.h"
#include "semsearch/printable_text.h"

#include <QCommandLineParser>
#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <utility>
#include <vector>

namespace semsearch::cli {

namespace {

// What a model folder holds, as far as it can be read.
struct ModelSummary {
    QString folder;
    QString name;
    std::optional<ModelInfo> info; // readModelInfo's, with the fingerprint once opened
    QString architecture;          // config.json's "architectures", else its model_type
    QString weightsFile;           // model.safetensors, pytorch_model.bin or empty
    bool lowerCase = false;
    bool opens = false;
    QString problem; // why it does not open
    std::vector<std::pair<QString, qint64>> files;
    qint64 sizeBytes = 0;
};

// Reads the folder; with `open`, also opens the embedder (the weights' fingerprint, and the
// proof that the model loads).
ModelSummary summarize(const QString& folder, bool open) {
    ModelSummary summary;
    summary.folder = QFileInfo(folder).absoluteFilePath();
    summary.name = QFileInfo(summary.folder).fileName();
    QDirIterator it(summary.folder, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        it.next();
        const qint64 size = it.fileInfo().size();
        summary.files.emplace_back(QDir(summary.folder).relativeFilePath(it.filePath()), size);
        summary.sizeBytes += size;
    }
    std::sort(summary.files.begin(), summary.files.end());
    for (const char* weights : {"model.safetensors", "pytorch_model.bin"})
        if (summary.weightsFile.isEmpty() &&
            QFileInfo::exists(summary.folder + QLatin1Char('/') + QLatin1String(weights)))
            summary.weightsFile = QLatin1String(weights);

    auto info = readModelInfo(summary.folder);
    if (!info) {
        summary.problem = info.error().message;
        return summary;
    }
    summary.info = *info;
    summary.architecture = info->architecture;
    if (!open)
        return summary;
    auto embedder = openEmbedder(summary.folder);
    if (!embedder) {
        summary.problem = embedder.error().message;
        return summary;
    }
    summary.opens = true;
    summary.info = (*embedder)->model();
    summary.lowerCase = (*embedder)->tokenizer().config().doLowerCase;
    return summary;
}

QString megabytes(qint64 bytes) {
    return QStringLiteral("%1 MB").arg(double(bytes) / 1e6, 0, 'f', 1);
}

QJsonObject summaryJson(const ModelSummary& s) {
    QJsonObject object{{QStringLiteral("name"), s.name},
                       {QStringLiteral("folder"), s.folder},
                       {QStringLiteral("size_bytes"), s.sizeBytes},
                       {QStringLiteral("opens"), s.opens}};
    if (!s.problem.isEmpty())
        object.insert(QStringLiteral("problem"), s.problem);
    if (s.info) {
        object.insert(QStringLiteral("dimension"), s.info->dimension());
        object.insert(QStringLiteral("pooling"), poolingName(s.info->pooling));
        object.insert(QStringLiteral("normalize"), s.info->normalize);
    }
    return object;
}

} // namespace

int runModelList(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.addOption(modelOption());
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print JSON."));
    parser.addOption(json);
    if (auto stop = parseArguments(parser, QStringLiteral("model list"),
                                   QStringLiteral("List the models in %1 and the one --model "
                                                  "(or $SEMSEARCH_MODEL) names: dimension, "
                                                  "pooling, size, and whether each opens.")
                                       .arg(QDir::toNativeSeparators(defaultModelsFolder())),
                                   arguments))
        return *stop;

    const QString selected = QFileInfo(modelFolder(parser)).absoluteFilePath();
    QStringList folders;
    const QDir models(defaultModelsFolder());
    // Hidden folders are staging areas (.partial): not models yet.
    for (const QString& name : models.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name))
        folders << models.absoluteFilePath(name);
    if (QFileInfo(selected).isDir() && !folders.contains(selected))
        folders << selected;

    std::vector<ModelSummary> summaries;
    for (const QString& folder : folders)
        summaries.push_back(summarize(folder, true));

    QByteArray out;
    if (parser.isSet(json)) {
        QJsonArray list;
        for (const ModelSummary& s : summaries) {
            QJsonObject object = summaryJson(s);
            object.insert(QStringLiteral("selected"), s.folder == selected);
            list.append(object);
        }
        out = QJsonDocument(QJsonObject{{QStringLiteral("models_folder"), models.absolutePath()},
                                        {QStringLiteral("selected"), selected},
                                        {QStringLiteral("models"), list}})
                  .toJson(QJsonDocument::Compact) +
              '\n';
    } else if (summaries.empty()) {
        out = QStringLiteral("no models in %1; get one with 'semsearch-cli model download'\n")
                  .arg(QDir::toNativeSeparators(models.absolutePath()))
                  .toUtf8();
    } else {
        out = QStringLiteral("  %1 %2 %3 %4 %5 %6\n")
                  .arg(QStringLiteral("NAME"), -30)
                  .arg(QStringLiteral("DIM"), 5)
                  .arg(QStringLiteral("POOLING"), -8)
                  .arg(QStringLiteral("SIZE"), 10)
                  .arg(QStringLiteral("OPENS"), -6)
                  .arg(QStringLiteral("FOLDER"))
                  .toUtf8();
        for (const ModelSummary& s : summaries)
            out += QStringLiteral("%1 %2 %3 %4 %5 %6 %7\n")
                       .arg(s.folder == selected ? QLatin1Char('*') : QLatin1Char(' '))
                       .arg(printableText(s.name), -30)
                       .arg(s.info ? QString::number(s.info->dimension()) : QStringLiteral("?"), 5)
                       .arg(s.info ? poolingName(s.info->pooling) : QStringLiteral("?"), -8)
                       .arg(megabytes(s.sizeBytes), 10)
                       .arg(s.opens ? QStringLiteral("yes") : QStringLiteral("no"), -6)
                       .arg(printableText(QDir::toNativeSeparators(s.folder)))
                       .toUtf8();
        out += "* the model commands use (--model, $SEMSEARCH_MODEL or the default)\n";
        for (const ModelSummary& s : summaries)
            if (!s.problem.isEmpty())
                out += QStringLiteral("%1: %2\n")
                           .arg(printableText(s.name), printableText(s.problem))
                           .toUtf8();
    }
    writeOut(out);
    return kExitOk;
}

int runModelInfo(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.addOption(modelOption());
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print JSON."));
    parser.addOption(json);
    parser.addPositionalArgument(QStringLiteral("DIR"),
                                 QStringLiteral("Model folder (default: as --model)."),
                                 QStringLiteral("[DIR]"));
    if (auto stop = parseArguments(parser, QStringLiteral("model info"),
                                   QStringLiteral("Describe a model folder: architecture, "
                                                  "sizes, pooling, files, and whether it opens."),
                                   arguments))
        return *stop;
    if (parser.positionalArguments().size() > 1) {
        printError(QStringLiteral("model info takes one DIR"));
        return kExitUsage;
    }
    const QString folder = parser.positionalArguments().isEmpty()
                               ? modelFolder(parser)
                               : parser.positionalArguments().constFirst();
    const ModelSummary s = summarize(folder, true);
    if (!s.info) {
        printError(s.problem);
        return kExitFailure;
    }
    const ModelInfo& m = *s.info;
    const BertConfig& b = m.bert;
    QByteArray out;
    if (parser.isSet(json)) {
        QJsonObject object = summaryJson(s);
        QJsonArray files;
        for (const auto& [path, size] : s.files)
            files.append(
                QJsonObject{{QStringLiteral("path"), path}, {QStringLiteral("size"), size}});
        const std::pair<const char*, QJsonValue> fields[] = {
            {"architecture", s.architecture},
            {"layers", b.numLayers},
            {"hidden_size", b.hiddenSize},
            {"heads", b.numHeads},
            {"intermediate_size", b.intermediateSize},
            {"vocab_size", b.vocabSize},
            {"max_position_embeddings", b.maxPositions},
            {"max_seq_length", m.maxSeqLength},
            {"lower_case", s.lowerCase},
            {"weights_file", s.weightsFile},
            {"weights_fingerprint", m.weightsFingerprint},
            {"files", files},
        };
        for (const auto& [key, value] : fields)
            object.insert(QLatin1String(key), value);
        out = QJsonDocument(object).toJson(QJsonDocument::Compact) + '\n';
    } else {
        const auto yesNo = [](bool value) {
            return value ? QStringLiteral("yes") : QStringLiteral("no");
        };
        const std::pair<const char*, QString> rows[] = {
            {"folder", QDir::toNativeSeparators(s.folder)},
            {"architecture", s.architecture},
            {"layers", QString::number(b.numLayers)},
            {"hidden size",
             QStringLiteral("%1 (vectors of %2 floats)").arg(b.hiddenSize).arg(m.dimension())},
            {"heads", QString::number(b.numHeads)},
            {"intermediate", QString::number(b.intermediateSize)},
            {"vocabulary", QStringLiteral("%1 word pieces").arg(b.vocabSize)},
            {"max length",
             QStringLiteral("%1 tokens (positions: %2)").arg(m.maxSeqLength).arg(b.maxPositions)},
            {"pooling", poolingName(m.pooling)},
            {"normalised", yesNo(m.normalize)},
            {"lower-case", s.opens ? yesNo(s.lowerCase) : QStringLiteral("?")},
            {"weights", s.weightsFile.isEmpty() ? QStringLiteral("none") : s.weightsFile},
            {"fingerprint",
             m.weightsFingerprint.isEmpty() ? QStringLiteral("?") : m.weightsFingerprint},
            {"opens", s.opens ? QStringLiteral("yes") : QStringLiteral("no")},
            {"size", megabytes(s.sizeBytes)},
        };
        for (const auto& [label, value] : rows)
            out += QStringLiteral("%1 %2\n")
                       .arg(QLatin1String(label) + QLatin1Char(':'), -14)
                       .arg(printableText(value))
                       .toUtf8();
        out += "files:\n";
        for (const auto& [path, size] : s.files)
            out += QStringLiteral("  %1 %2\n").arg(printableText(path), -36).arg(size, 12).toUtf8();
    }
    writeOut(out);
    if (!s.opens) {
        printError(s.problem);
        return kExitFailure;
    }
    return kExitOk;
}

} // namespace semsearch::cli
