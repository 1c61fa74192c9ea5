// Broken model folders must give a clear error that names the file and the problem, never a
// crash. Each case damages one thing in a fresh copy of the tiny model.

#include "model_folder_fixture.h"

#include "embed/weights/safetensors_file.h"
#include "semsearch/embedder.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace semsearch;
using namespace semsearch::test;

namespace {

QByteArray littleEndian64(quint64 value) {
    QByteArray bytes(8, '\0');
    for (int i = 0; i < 8; ++i)
        bytes[i] = char((value >> (8 * i)) & 0xff);
    return bytes;
}

} // namespace

class TestModelFolder : public QObject {
    Q_OBJECT

    // Opens the damaged model and checks the error's code, that it names `file`, and that it
    // says `problem`.
    void expectError(const ModelFolderCopy& model, ErrorCode code, const QString& file,
                     const QString& problem) {
        auto embedder = openEmbedder(model.path());
        QVERIFY2(!embedder.ok(), "a damaged model folder was accepted");
        const QString message = embedder.error().message;
        QVERIFY2(message.contains(file),
                 qPrintable(QStringLiteral("'%1' does not name %2").arg(message, file)));
        QVERIFY2(message.contains(problem, Qt::CaseInsensitive),
                 qPrintable(QStringLiteral("'%1' does not say '%2'").arg(message, problem)));
        QVERIFY2(!message.contains(QLatin1Char('\n')), "an error message must be one line");
        QCOMPARE(int(embedder.error().code), int(code));
    }

private Q_SLOTS:
    void intactCopyOpens() {
        ModelFolderCopy model;
        QVERIFY(model.isValid());
        auto embedder = openEmbedder(model.path());
        QVERIFY2(embedder.ok(), embedder.ok() ? "" : qPrintable(embedder.error().message));
    }

    void missingFolder() {
        auto embedder = openEmbedder(QStringLiteral("/nonexistent/semsearch-model"));
        QVERIFY(!embedder.ok());
        QCOMPARE(int(embedder.error().code), int(ErrorCode::NotFound));
        QVERIFY(embedder.error().message.contains(QStringLiteral("/nonexistent/semsearch-model")));
    }

    void missingFile_data() {
        QTest::addColumn<QString>("file");
        QTest::newRow("config.json") << QStringLiteral("config.json");
        QTest::newRow("modules.json") << QStringLiteral("modules.json");
        QTest::newRow("pooling config") << QStringLiteral("1_Pooling/config.json");
        QTest::newRow("vocab.txt") << QStringLiteral("vocab.txt");
        QTest::newRow("model.safetensors") << QStringLiteral("model.safetensors");
    }
    void missingFile() {
        QFETCH(QString, file);
        ModelFolderCopy model;
        QVERIFY(model.isValid());
        QVERIFY(QFile::remove(model.filePath(file)));
        expectError(model, ErrorCode::NotFound, file, QStringLiteral("not found"));
    }

    void truncatedWeights() {
        ModelFolderCopy model;
        const QByteArray weights = model.read("model.safetensors");
        QVERIFY(weights.size() > 1000);
        QVERIFY(model.write("model.safetensors", weights.left(weights.size() / 2)));
        expectError(model, ErrorCode::Corrupt, QStringLiteral("model.safetensors"),
                    QStringLiteral("truncated"));
    }

    void emptyWeights() {
        ModelFolderCopy model;
        QVERIFY(model.write("model.safetensors", QByteArray()));
        expectError(model, ErrorCode::Corrupt, QStringLiteral("model.safetensors"),
                    QStringLiteral("too short"));
    }

    void headerPointsPastTheEnd() {
        ModelFolderCopy model;
        QByteArray weights = model.read("model.safetensors");
        weights.replace(0, 8, littleEndian64(quint64(weights.size()) * 4));
        QVERIFY(model.write("model.safetensors", weights));
        expectError(model, ErrorCode::Corrupt, QStringLiteral("model.safetensors"),
                    QStringLiteral("past the end"));
    }

    void headerIsNotJson() {
        ModelFolderCopy model;
        QByteArray weights = model.read("model.safetensors");
        weights.replace(8, 20, QByteArray(20, '\x7f'));
        QVERIFY(model.write("model.safetensors", weights));
        expectError(model, ErrorCode::Corrupt, QStringLiteral("model.safetensors"),
                    QStringLiteral("not a JSON object"));
    }

    void notSafetensorsAtAll() {
        ModelFolderCopy model;
        QVERIFY(model.write("model.safetensors", QByteArray(4096, 'A')));
        expectError(model, ErrorCode::Corrupt, QStringLiteral("model.safetensors"),
                    QStringLiteral("past the end"));
    }

    // The header says a tensor holds more bytes than its shape needs.
    void tensorSizeDisagreesWithShape() {
        ModelFolderCopy model;
        QByteArray weights = model.read("model.safetensors");
        const QByteArray from = "\"shape\":[32],\"data_offsets\":[0,128]";
        const QByteArray to = "\"shape\":[31],\"data_offsets\":[0,128]";
        QVERIFY(weights.indexOf(from) > 0);
        weights.replace(weights.indexOf(from), from.size(), to);
        QVERIFY(model.write("model.safetensors", weights));
        expectError(model, ErrorCode::Corrupt, QStringLiteral("embeddings.LayerNorm.bias"),
                    QStringLiteral("shape and dtype need"));
    }

    // A shape whose element count is 2^64: counted in 64 bits it would wrap around to 0 and
    // pass as a tensor of 0 bytes. The file must hold more than 2^64 / 1e12 bytes (extents
    // above 1e12 are refused on their own), so its data is 32 MiB of holes.
    void shapeLargerThanAnyFile() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("model.safetensors"));
        QByteArray header = R"({"t":{"dtype":"F32","shape":[33554432,549755813888],)"
                            R"("data_offsets":[0,0]}})";
        while (header.size() % 8)
            header.append(' ');
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        QVERIFY(file.write(littleEndian64(quint64(header.size())) + header) > 0);
        QVERIFY(file.resize(file.size() + 32 * 1024 * 1024));
        file.close();
        auto weights = readSafetensors(path);
        QVERIFY(!weights.ok());
        QCOMPARE(int(weights.error().code), int(ErrorCode::Corrupt));
        QVERIFY2(weights.error().message.contains(QStringLiteral("shape is larger than the file")),
                 qPrintable(weights.error().message));
    }

    // config.json promises a wider feed-forward layer than the weights hold.
    void wrongTensorShape() {
        ModelFolderCopy model;
        QVERIFY(model.setJson("config.json", QStringLiteral("intermediate_size"), 65));
        expectError(model, ErrorCode::Corrupt, QStringLiteral("model.safetensors"),
                    QStringLiteral("encoder.layer.0.intermediate.dense.weight' has shape [64, 32], "
                                   "expected [65, 32]"));
    }

    void missingTensor() {
        ModelFolderCopy model;
        QByteArray weights = model.read("model.safetensors");
        const QByteArray from = "encoder.layer.1.output.dense.weight";
        QVERIFY(weights.indexOf(from) > 0);
        weights.replace(weights.indexOf(from), from.size(), "encoder.layer.1.output.dense.weighX");
        QVERIFY(model.write("model.safetensors", weights));
        expectError(model, ErrorCode::Corrupt, QStringLiteral("model.safetensors"),
                    QStringLiteral("'encoder.layer.1.output.dense.weight' is missing"));
    }

    void nonUtf8Vocabulary() {
        ModelFolderCopy model;
        QByteArray vocab = model.read("vocab.txt");
        vocab.append("caf\xe9\n"); // Latin-1, not UTF-8
        QVERIFY(model.write("vocab.txt", vocab));
        expectError(model, ErrorCode::Corrupt, QStringLiteral("vocab.txt"),
                    QStringLiteral("UTF-8"));
    }

    void unknownPooling() {
        ModelFolderCopy model;
        QVERIFY(model.setJson("1_Pooling/config.json", QStringLiteral("pooling_mode_max_tokens"),
                              false));
        QVERIFY(model.setJson("1_Pooling/config.json",
                              QStringLiteral("pooling_mode_mean_sqrt_len_tokens"), true));
        expectError(model, ErrorCode::Unsupported, QStringLiteral("1_Pooling/config.json"),
                    QStringLiteral("pooling_mode_mean_sqrt_len_tokens"));
    }

    void noPoolingMode() {
        ModelFolderCopy model;
        QVERIFY(model.setJson("1_Pooling/config.json", QStringLiteral("pooling_mode_max_tokens"),
                              false));
        expectError(model, ErrorCode::Unsupported, QStringLiteral("1_Pooling/config.json"),
                    QStringLiteral("exactly one pooling mode"));
    }

    void tanhGeluIsRefused() {
        ModelFolderCopy model;
        QVERIFY(model.setJson("config.json", QStringLiteral("hidden_act"), "gelu_new"));
        expectError(model, ErrorCode::Unsupported, QStringLiteral("config.json"),
                    QStringLiteral("gelu_new"));
    }

    void configIsNotJson() {
        ModelFolderCopy model;
        QVERIFY(model.write("config.json", "{\"hidden_size\": 32,"));
        expectError(model, ErrorCode::Corrupt, QStringLiteral("config.json"),
                    QStringLiteral("invalid JSON"));
    }

    void unknownModule() {
        ModelFolderCopy model;
        QByteArray modules = model.read("modules.json");
        modules.replace("models.Pooling", "models.Dense");
        QVERIFY(model.write("modules.json", modules));
        expectError(model, ErrorCode::Unsupported, QStringLiteral("modules.json"),
                    QStringLiteral("models.Dense"));
    }

    // Tensor names as older checkpoints write them ("bert." prefix) load too.
    void bertPrefixedNamesLoad() {
        ModelFolderCopy model;
        QByteArray weights = model.read("model.safetensors");
        // Rebuild the header with every tensor name prefixed; the data stays where it is.
        quint64 headerSize = 0;
        for (int i = 7; i >= 0; --i)
            headerSize = (headerSize << 8) | quint8(weights[i]);
        QJsonObject header = QJsonDocument::fromJson(weights.mid(8, int(headerSize))).object();
        QJsonObject renamed;
        for (auto it = header.begin(); it != header.end(); ++it)
            renamed.insert(it.key() == QLatin1String("__metadata__") ? it.key()
                                                                     : "bert." + it.key(),
                           it.value());
        QByteArray newHeader = QJsonDocument(renamed).toJson(QJsonDocument::Compact);
        while (newHeader.size() % 8)
            newHeader.append(' ');
        QVERIFY(model.write("model.safetensors", littleEndian64(quint64(newHeader.size())) +
                                                     newHeader + weights.mid(8 + int(headerSize))));
        auto embedder = openEmbedder(model.path());
        QVERIFY2(embedder.ok(), embedder.ok() ? "" : qPrintable(embedder.error().message));
        auto plain = openEmbedder(tinyModelPath());
        QVERIFY(plain.ok());
        const QStringList texts = {QStringLiteral("The weights are the same either way.")};
        auto a = (*embedder)->embed(texts);
        auto b = (*plain)->embed(texts);
        QVERIFY(a.ok() && b.ok());
        QCOMPARE(a->values, b->values);
    }
};

QTEST_GUILESS_MAIN(TestModelFolder)
#include "test_model_folder.moc"
