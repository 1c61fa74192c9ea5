#pragma once

// Makes a model that int8 cannot run well and bf16 can: in every layer one channel of the
// attention's value projection is scaled up 1000 times, and the attention output layer ignores
// that channel (its weight column set to 0). In fp32 and bf16 the huge channel is multiplied by
// zeros and changes nothing else; int8 quantizes each token row of the attention context with
// one scale, which the huge channel sets, so every other channel of the row rounds to 0. This
// is the failure real transformers show with outlier activation channels, made extreme.

#include <QByteArray>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtEndian>

#include <cstring>

namespace semsearch::test {

// Edits the F32 tensors of the safetensors file at `path` in place; false when the file is not
// as expected (a test then fails on it). `hidden` is the model's hidden size.
inline bool plantInt8Outliers(const QString& path, int layers, int hidden, int channel = 3) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return false;
    QByteArray bytes = file.readAll();
    file.close();
    const quint64 headerSize = qFromLittleEndian<quint64>(bytes.constData());
    const QJsonObject header =
        QJsonDocument::fromJson(bytes.mid(8, qsizetype(headerSize))).object();
    const qsizetype dataStart = qsizetype(8 + headerSize);
    auto tensor = [&](const QString& name) -> float* {
        const QJsonObject entry = header.value(name).toObject();
        if (entry.value(QStringLiteral("dtype")).toString() != QLatin1String("F32"))
            return nullptr;
        const qsizetype offset =
            entry.value(QStringLiteral("data_offsets")).toArray().at(0).toInt();
        return reinterpret_cast<float*>(bytes.data() + dataStart + offset);
    };
    for (int layer = 0; layer < layers; ++layer) {
        const QString p = QStringLiteral("encoder.layer.%1.attention.").arg(layer);
        float* value = tensor(p + QStringLiteral("self.value.weight")); // [hidden, hidden]
        float* valueBias = tensor(p + QStringLiteral("self.value.bias"));
        float* output = tensor(p + QStringLiteral("output.dense.weight")); // [hidden, hidden]
        if (!value || !valueBias || !output)
            return false;
        for (int k = 0; k < hidden; ++k)
            value[channel * hidden + k] *= 1000.0f; // row `channel`: the output channel
        valueBias[channel] = 1000.0f * (valueBias[channel] + 0.05f);
        for (int n = 0; n < hidden; ++n)
            output[n * hidden + channel] = 0.0f; // column `channel`: the input channel
    }
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) &&
           file.write(bytes) == bytes.size();
}

} // namespace semsearch::test
