#include "semsearch/model.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace semsearch {

namespace {

Result<QJsonObject> readJsonObject(const QString& path) {
    QFile file(path);
    if (!file.exists())
        return makeError(ErrorCode::NotFound, path + QStringLiteral(": file not found"));
    if (!file.open(QIODevice::ReadOnly))
        return makeError(ErrorCode::Io,
                         path + QStringLiteral(": cannot read: ") + file.errorString());
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return makeError(ErrorCode::Corrupt,
                         path + QStringLiteral(": invalid JSON at offset %1: %2")
                                    .arg(parseError.offset)
                                    .arg(parseError.errorString()));
    if (!doc.isObject())
        return makeError(ErrorCode::Corrupt, path + QStringLiteral(": expected a JSON object"));
    return doc.object();
}

// A positive integer field; `fallback` (when > 0) stands in for a missing key.
Result<int> readSize(const QJsonObject& object, const char* key, const QString& path,
                     int fallback = 0) {
    const QJsonValue value = object.value(QLatin1String(key));
    if (value.isUndefined() && fallback > 0)
        return fallback;
    const double number = value.toDouble(-1);
    if (!value.isDouble() || number < 1 || number > 1e8 || number != static_cast<int>(number))
        return makeError(
            ErrorCode::Corrupt,
            path + QStringLiteral(": '%1' must be a positive integer").arg(QLatin1String(key)));
    return static_cast<int>(number);
}

Result<BertConfig> readBertConfig(const QString& folder) {
    const QString path = folder + QStringLiteral("/config.json");
    auto json = readJsonObject(path);
    if (!json)
        return json.error();
    const QJsonObject& c = *json;
    const QString modelType = c.value(QStringLiteral("model_type")).toString();
    if (modelType != QLatin1String("bert"))
        return makeError(ErrorCode::Unsupported,
                         path + QStringLiteral(": model_type '%1' is not supported; semsearch "
                                               "runs BERT encoders only")
                                    .arg(modelType));
    // transformers' "gelu" is the exact erf form; the tanh approximations differ by ~1e-3.
    const QString activation = c.value(QStringLiteral("hidden_act")).toString();
    if (activation != QLatin1String("gelu"))
        return makeError(
            ErrorCode::Unsupported,
            path +
                QStringLiteral(": hidden_act '%1' is not supported (only 'gelu')").arg(activation));
    const QString positions =
        c.value(QStringLiteral("position_embedding_type")).toString(QStringLiteral("absolute"));
    if (positions != QLatin1String("absolute"))
        return makeError(
            ErrorCode::Unsupported,
            path +
                QStringLiteral(": position_embedding_type '%1' is not supported").arg(positions));

    BertConfig config;
    struct Field {
        const char* key;
        int* target;
        int fallback;
    };
    const Field fields[] = {
        {"vocab_size", &config.vocabSize, 0},
        {"hidden_size", &config.hiddenSize, 0},
        {"num_hidden_layers", &config.numLayers, 0},
        {"num_attention_heads", &config.numHeads, 0},
        {"intermediate_size", &config.intermediateSize, 0},
        {"max_position_embeddings", &config.maxPositions, 512},
        {"type_vocab_size", &config.typeVocabSize, 2},
    };
    for (const Field& field : fields) {
        auto value = readSize(c, field.key, path, field.fallback);
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

Result<Modules> readModules(const QString& folder) {
    const QString path = folder + QStringLiteral("/modules.json");
    QFile file(path);
    if (!file.exists())
        return makeError(ErrorCode::NotFound, path + QStringLiteral(": file not found"));
    if (!file.open(QIODevice::ReadOnly))
        return makeError(ErrorCode::Io,
                         path + QStringLiteral(": cannot read: ") + file.errorString());
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parseError);
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
                                            .arg(subfolder));
            haveTransformer = true;
        } else if (shortType == QLatin1String("Pooling")) {
            modules.poolingPath = module.value(QStringLiteral("path")).toString();
        } else if (shortType == QLatin1String("Normalize")) {
            modules.normalize = true;
        } else {
            return makeError(ErrorCode::Unsupported,
                             path +
                                 QStringLiteral(": module type '%1' is not supported").arg(type));
        }
    }
    if (!haveTransformer || modules.poolingPath.isEmpty())
        return makeError(ErrorCode::Corrupt,
                         path + QStringLiteral(": needs a Transformer and a Pooling module"));
    return modules;
}

Result<Pooling> readPooling(const QString& folder, const QString& poolingPath, int hiddenSize) {
    const QString path = folder + QLatin1Char('/') + poolingPath + QStringLiteral("/config.json");
    auto json = readJsonObject(path);
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
    QJsonObject stConfig;
    if (QFileInfo::exists(stPath)) {
        auto json = readJsonObject(stPath);
        if (!json)
            return json.error();
        stConfig = *json;
    }
    const QJsonValue lowerCase = stConfig.value(QStringLiteral("do_lower_case"));
    if (!lowerCase.isUndefined() && !lowerCase.isBool())
        return makeError(ErrorCode::Corrupt,
                         stPath + QStringLiteral(": 'do_lower_case' must be true or false"));
    settings.lowerCaseInput = lowerCase.toBool(false);

    // max_seq_length from here; without it, sentence-transformers takes the smaller of the
    // encoder's limit and the tokenizer's model_max_length.
    int limit = maxPositions;
    const QString tokenizerPath = folder + QStringLiteral("/tokenizer_config.json");
    if (!stConfig.contains(QStringLiteral("max_seq_length")) && QFileInfo::exists(tokenizerPath)) {
        auto tokenizerConfig = readJsonObject(tokenizerPath);
        if (!tokenizerConfig)
            return tokenizerConfig.error();
        // transformers writes 1e30 for "no limit"; that stays above any encoder's.
        const double modelMax =
            tokenizerConfig->value(QStringLiteral("model_max_length")).toDouble(maxPositions);
        if (modelMax >= 2 && modelMax < limit)
            limit = static_cast<int>(modelMax);
    }
    auto length = readSize(stConfig, "max_seq_length", stPath, limit);
    if (!length)
        return length.error();
    settings.maxSeqLength = std::min(*length, maxPositions);
    if (settings.maxSeqLength < 2)
        return makeError(ErrorCode::Corrupt,
                         stPath + QStringLiteral(": max_seq_length must be at least 2"));

    // A default prompt would be prepended to every text; semsearch embeds texts as given.
    const QString promptsPath = folder + QStringLiteral("/config_sentence_transformers.json");
    if (QFileInfo::exists(promptsPath)) {
        auto json = readJsonObject(promptsPath);
        if (!json)
            return json.error();
        const QJsonValue prompt = json->value(QStringLiteral("default_prompt_name"));
        if (!prompt.isNull() && !prompt.isUndefined())
            return makeError(ErrorCode::Unsupported,
                             promptsPath + QStringLiteral(": a default prompt ('%1') is not "
                                                          "supported")
                                               .arg(prompt.toString()));
    }
    return settings;
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

Result<ModelInfo> readModelInfo(const QString& folder) {
    const QFileInfo folderInfo(folder);
    if (!folderInfo.isDir())
        return makeError(ErrorCode::NotFound, folder + QStringLiteral(": model folder not found"));
    ModelInfo info;
    info.folder = folderInfo.absoluteFilePath();
    info.name = QDir(info.folder).dirName();

    auto bert = readBertConfig(info.folder);
    if (!bert)
        return bert.error();
    info.bert = *bert;

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
