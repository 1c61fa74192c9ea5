#include "semsearch/model.h"

#include "embed/model_file.h"
#include "embed/model_json.h"
#include "semsearch/printable_text.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>

namespace semsearch {

namespace {

// A value from a model's file, quoted in a message: shown, never acted on, and kept short.
QString quoted(const QString& value) {
    constexpr qsizetype kMaxQuotedCharacters = 100;
    return printableText(value, kMaxQuotedCharacters);
}

Result<BertConfig> readBertConfig(const ModelJson& json) {
    const QJsonObject& c = json.object();
    const QString& path = json.path();
    const QString modelType = c.value(QStringLiteral("model_type")).toString();
    if (modelType != QLatin1String("bert"))
        return makeError(ErrorCode::Unsupported,
                         path + QStringLiteral(": model_type '%1' is not supported; semsearch "
                                               "runs BERT encoders only")
                                    .arg(quoted(modelType)));
    // transformers' "gelu" is the exact erf form; the tanh approximations differ by ~1e-3.
    const QString activation = c.value(QStringLiteral("hidden_act")).toString();
    if (activation != QLatin1String("gelu"))
        return makeError(ErrorCode::Unsupported,
                         path + QStringLiteral(": hidden_act '%1' is not supported (only 'gelu')")
                                    .arg(quoted(activation)));
    const QString positions =
        c.value(QStringLiteral("position_embedding_type")).toString(QStringLiteral("absolute"));
    if (positions != QLatin1String("absolute"))
        return makeError(ErrorCode::Unsupported,
                         path + QStringLiteral(": position_embedding_type '%1' is not supported")
                                    .arg(quoted(positions)));

    BertConfig config;
    struct Field {
        const char* key;
        int* target;
        int maximum;
        int fallback;
    };
    const Field fields[] = {
        {"vocab_size", &config.vocabSize, kMaxVocabSize, 0},
        {"hidden_size", &config.hiddenSize, kMaxHiddenSize, 0},
        {"num_hidden_layers", &config.numLayers, kMaxLayers, 0},
        {"num_attention_heads", &config.numHeads, kMaxHiddenSize, 0},
        {"intermediate_size", &config.intermediateSize, kMaxIntermediateSize, 0},
        {"max_position_embeddings", &config.maxPositions, kMaxPositions, 512},
        {"type_vocab_size", &config.typeVocabSize, kMaxTypeVocabSize, 2},
    };
    for (const Field& field : fields) {
        auto value = json.positiveInteger(field.key, field.maximum, field.fallback);
        if (!value)
            return value.error();
        *field.target = *value;
    }
    if (config.hiddenSize % config.numHeads != 0)
        return makeError(ErrorCode::Corrupt,
                         path + QStringLiteral(": hidden_size %1 is not a multiple of "
                                               "num_attention_heads %2")
                                    .arg(config.hiddenSize)
                                    .arg(config.numHeads));
    config.layerNormEps = c.value(QStringLiteral("layer_norm_eps")).toDouble(1e-12);
    return config;
}

struct Modules {
    QString poolingPath;
    bool normalize = false;
};

// A module's folder, which must stay inside the model folder: by its name, and where it leads
// when it is a symbolic link.
Result<QString> moduleFolder(const QString& folder, const QString& modulesPath,
                             const QString& named) {
    const std::optional<QString> relative = moduleFolderInModel(named);
    if (!relative)
        return makeError(ErrorCode::Corrupt,
                         modulesPath + QStringLiteral(": names a module folder outside the model "
                                                      "folder: '%1'")
                                           .arg(quoted(named)));
    const QString canonicalModel = QFileInfo(folder).canonicalFilePath();
    const QString canonical = QFileInfo(folder + QLatin1Char('/') + *relative).canonicalFilePath();
    if (!canonical.isEmpty() && canonical != canonicalModel &&
        !canonical.startsWith(canonicalModel + QLatin1Char('/')))
        return makeError(ErrorCode::Corrupt,
                         modulesPath + QStringLiteral(": the module folder '%1' is a symbolic "
                                                      "link that leads outside the model folder")
                                           .arg(quoted(named)));
    return *relative;
}

Result<Modules> readModules(const QString& folder) {
    const QString path = folder + QStringLiteral("/modules.json");
    auto bytes = readModelFile(path, kMaxModelJsonBytes);
    if (!bytes)
        return bytes.error();
    const QJsonDocument doc = QJsonDocument::fromJson(*bytes);
    if (!doc.isArray())
        return makeError(ErrorCode::Corrupt,
                         path + QStringLiteral(": expected a JSON array of modules"));

    Modules modules;
    bool haveTransformer = false;
    for (const QJsonValue& value : doc.array()) {
        const QJsonObject module = value.toObject();
        const QString type = module.value(QStringLiteral("type")).toString();
        const QString shortType = type.section(QLatin1Char('.'), -1);
        if (shortType == QLatin1String("Transformer")) {
            // Older sentence-transformers kept the encoder's files in a subfolder (0_BERT/,
            // 0_Transformer/); semsearch reads them from the model folder itself.
            const QString subfolder = module.value(QStringLiteral("path")).toString();
            if (!subfolder.isEmpty())
                return makeError(ErrorCode::Unsupported,
                                 path + QStringLiteral(": the Transformer module lives in the "
                                                       "subfolder '%1'; semsearch needs its files "
                                                       "(config.json, vocab.txt, weights) in the "
                                                       "model folder itself")
                                            .arg(quoted(subfolder)));
            haveTransformer = true;
        } else if (shortType == QLatin1String("Pooling")) {
            auto pooling =
                moduleFolder(folder, path, module.value(QStringLiteral("path")).toString());
            if (!pooling)
                return pooling.error();
            modules.poolingPath = *pooling;
        } else if (shortType == QLatin1String("Normalize")) {
            modules.normalize = true;
        } else {
            return makeError(
                ErrorCode::Unsupported,
                path + QStringLiteral(": module type '%1' is not supported").arg(quoted(type)));
        }
    }
    if (!haveTransformer || modules.poolingPath.isEmpty())
        return makeError(ErrorCode::Corrupt,
                         path + QStringLiteral(": needs a Transformer and a Pooling module"));
    return modules;
}

Result<Pooling> readPooling(const QString& folder, const QString& poolingPath, int hiddenSize) {
    const QString path = folder + QLatin1Char('/') + poolingPath + QStringLiteral("/config.json");
    auto json = readModelJsonObject(path);
    if (!json)
        return json.error();
    const QJsonObject& c = *json;
    const int dimension = c.value(QStringLiteral("word_embedding_dimension")).toInt(hiddenSize);
    if (dimension != hiddenSize)
        return makeError(ErrorCode::Corrupt,
                         path + QStringLiteral(": word_embedding_dimension %1 does not match "
                                               "hidden_size %2 in config.json")
                                    .arg(dimension)
                                    .arg(hiddenSize));
    const bool cls = c.value(QStringLiteral("pooling_mode_cls_token")).toBool();
    const bool mean = c.value(QStringLiteral("pooling_mode_mean_tokens")).toBool();
    const bool max = c.value(QStringLiteral("pooling_mode_max_tokens")).toBool();
    // Other modes (mean_sqrt_len_tokens, weightedmean, lasttoken) are not implemented, and
    // several at once would concatenate vectors: refuse rather than silently pool differently.
    QStringList others;
    for (auto it = c.begin(); it != c.end(); ++it) {
        const QString key = it.key();
        if (key.startsWith(QLatin1String("pooling_mode")) && it.value().toBool() &&
            key != QLatin1String("pooling_mode_cls_token") &&
            key != QLatin1String("pooling_mode_mean_tokens") &&
            key != QLatin1String("pooling_mode_max_tokens"))
            others << key;
    }
    if (!others.isEmpty())
        return makeError(ErrorCode::Unsupported,
                         path + QStringLiteral(": pooling mode %1 is not supported (max, mean or "
                                               "cls only)")
                                    .arg(others.join(QStringLiteral(", "))));
    const int chosen = int(cls) + int(mean) + int(max);
    if (chosen != 1)
        return makeError(
            ErrorCode::Unsupported,
            path + QStringLiteral(": exactly one pooling mode must be on (found %1)").arg(chosen));
    return max ? Pooling::Max : mean ? Pooling::Mean : Pooling::Cls;
}

struct SentenceSettings {
    int maxSeqLength = 0;
    bool lowerCaseInput = false;
};

// What sentence-transformers' Transformer module does to a text before the encoder sees it.
Result<SentenceSettings> readSentenceSettings(const QString& folder, int maxPositions) {
    SentenceSettings settings;
    const QString stPath = folder + QStringLiteral("/sentence_bert_config.json");
    ModelJson stConfig(stPath);
    if (QFileInfo::exists(stPath)) {
        auto json = ModelJson::read(stPath);
        if (!json)
            return json.error();
        stConfig = std::move(json).value();
    }
    auto lowerCase = stConfig.flag("do_lower_case", false);
    if (!lowerCase)
        return lowerCase.error();
    settings.lowerCaseInput = *lowerCase;

    // max_seq_length from here; without it, sentence-transformers takes the smaller of the
    // encoder's limit and the tokenizer's model_max_length.
    int limit = maxPositions;
    const QString tokenizerPath = folder + QStringLiteral("/tokenizer_config.json");
    if (!stConfig.object().contains(QStringLiteral("max_seq_length")) &&
        QFileInfo::exists(tokenizerPath)) {
        auto tokenizerConfig = readModelJsonObject(tokenizerPath);
        if (!tokenizerConfig)
            return tokenizerConfig.error();
        // transformers writes 1e30 for "no limit"; that stays above any encoder's.
        const double modelMax =
            tokenizerConfig->value(QStringLiteral("model_max_length")).toDouble(maxPositions);
        if (modelMax >= 2 && modelMax < limit)
            limit = static_cast<int>(modelMax);
    }
    auto length = stConfig.positiveInteger("max_seq_length", kMaxPositions, limit);
    if (!length)
        return length.error();
    settings.maxSeqLength = std::min(*length, maxPositions);
    if (settings.maxSeqLength < 2)
        return makeError(ErrorCode::Corrupt,
                         stPath + QStringLiteral(": max_seq_length must be at least 2"));

    // A default prompt would be prepended to every text; semsearch embeds texts as given.
    const QString promptsPath = folder + QStringLiteral("/config_sentence_transformers.json");
    if (QFileInfo::exists(promptsPath)) {
        auto json = readModelJsonObject(promptsPath);
        if (!json)
            return json.error();
        const QJsonValue prompt = json->value(QStringLiteral("default_prompt_name"));
        if (!prompt.isNull() && !prompt.isUndefined())
            return makeError(ErrorCode::Unsupported,
                             promptsPath + QStringLiteral(": a default prompt ('%1') is not "
                                                          "supported")
                                               .arg(quoted(prompt.toString())));
    }
    return settings;
}

// "BertModel (bert)": the first of "architectures", with model_type; or model_type alone.
QString architectureOf(const QJsonObject& config) {
    const QJsonArray architectures = config.value(QStringLiteral("architectures")).toArray();
    const QString type = config.value(QStringLiteral("model_type")).toString();
    if (architectures.isEmpty())
        return type;
    return QStringLiteral("%1 (%2)").arg(architectures.at(0).toString(), type);
}

} // namespace

QString poolingName(Pooling pooling) {
    switch (pooling) {
    case Pooling::Max:
        return QStringLiteral("max");
    case Pooling::Mean:
        return QStringLiteral("mean");
    case Pooling::Cls:
        return QStringLiteral("cls");
    }
    return {};
}

qint64 modelFileByteLimit(const QString& relativePath) {
    return relativePath == QLatin1String("vocab.txt") ||
                   relativePath.endsWith(QLatin1String("/vocab.txt"))
               ? kMaxVocabularyBytes
               : kMaxModelJsonBytes;
}

std::optional<QString> moduleFolderInModel(const QString& path) {
    for (const QChar c : path)
        if (c.unicode() < 0x20 || c.unicode() == 0x7f)
            return std::nullopt;
    if (QDir::isAbsolutePath(path))
        return std::nullopt;
    const QString cleaned = QDir::cleanPath(path);
    if (cleaned.isEmpty() || cleaned == QLatin1String("."))
        return QString();
    if (cleaned == QLatin1String("..") || cleaned.startsWith(QLatin1String("../")))
        return std::nullopt;
    return cleaned;
}

Result<ModelInfo> readModelInfo(const QString& folder) {
    const QFileInfo folderInfo(folder);
    if (!folderInfo.isDir())
        return makeError(ErrorCode::NotFound, folder + QStringLiteral(": model folder not found"));
    ModelInfo info;
    info.folder = folderInfo.absoluteFilePath();
    info.name = QDir(info.folder).dirName();

    const QString configPath = info.folder + QStringLiteral("/config.json");
    auto config = ModelJson::read(configPath);
    if (!config)
        return config.error();
    auto bert = readBertConfig(*config);
    if (!bert)
        return bert.error();
    info.bert = *bert;
    info.architecture = architectureOf(config->object());

    auto modules = readModules(info.folder);
    if (!modules)
        return modules.error();
    info.normalize = modules->normalize;
    auto pooling = readPooling(info.folder, modules->poolingPath, info.bert.hiddenSize);
    if (!pooling)
        return pooling.error();
    info.pooling = *pooling;

    auto settings = readSentenceSettings(info.folder, info.bert.maxPositions);
    if (!settings)
        return settings.error();
    info.maxSeqLength = settings->maxSeqLength;
    info.lowerCaseInput = settings->lowerCaseInput;
    return info;
}

} // namespace semsearch
