#pragma once

// Readers for the reference files in tests/data/tiny-bert-max/reference/, which were produced by
// Hugging Face transformers 4.33.3 and sentence-transformers 2.2.2 (see the README there).

#include <QByteArray>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QString>

#include <vector>

namespace semsearch::test {

// How far an fp32 embedding may be from an upstream reference, per value. The encoder comes
// within 1.31e-6 of every reference here (the tiny model through both weight formats and the
// CLI, the pooling modes, both layouts); a wrong GELU stayed within 1e-4 on two models, so the
// bound sits at about 8x what the code reaches.
constexpr double kEmbeddingTolerance = 1e-5;

inline QString testDataPath(const QString& relative) {
    return QStringLiteral(SEMSEARCH_TEST_DATA "/") + relative;
}

inline QString tinyModelPath() {
    return testDataPath(QStringLiteral("tiny-bert-max"));
}

// One JSON object per non-empty line; an unreadable file or line yields an empty list, which the
// tests treat as a failure (they check the count).
inline std::vector<QJsonObject> readJsonLines(const QString& path) {
    std::vector<QJsonObject> records;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return records;
    for (const QByteArray& line : file.readAll().split('\n')) {
        if (line.trimmed().isEmpty())
            continue;
        const QJsonDocument doc = QJsonDocument::fromJson(line);
        if (!doc.isObject())
            return {};
        records.push_back(doc.object());
    }
    return records;
}

inline std::vector<QJsonObject> readReference(const QString& name) {
    return readJsonLines(tinyModelPath() + QStringLiteral("/reference/") + name);
}

// The reference texts from the exact UTF-8 bytes (text_utf8_hex), independent of any JSON
// string decoding.
inline std::vector<QString> referenceSentences() {
    std::vector<QString> texts;
    for (const QJsonObject& record : readReference(QStringLiteral("sentences.jsonl")))
        texts.push_back(QString::fromUtf8(QByteArray::fromHex(
            record.value(QStringLiteral("text_utf8_hex")).toString().toLatin1())));
    return texts;
}

inline std::vector<int> toIntVector(const QJsonValue& value) {
    std::vector<int> out;
    for (const QJsonValue& v : value.toArray())
        out.push_back(v.toInt());
    return out;
}

inline std::vector<float> toFloatVector(const QJsonValue& value) {
    std::vector<float> out;
    for (const QJsonValue& v : value.toArray())
        out.push_back(static_cast<float>(v.toDouble()));
    return out;
}

} // namespace semsearch::test
