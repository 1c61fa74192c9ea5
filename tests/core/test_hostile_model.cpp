// A model folder written by someone else (a shared models folder, a crafted repository): what
// its files can make semsearch do is bounded. Sizes in config.json are bounded and checked
// against the weights, module folders stay inside the model, small files are read only up to a
// limit, error messages never quote a file's bytes raw, and a crafted pytorch_model.bin cannot
// make the reader fill the memory. Each case is refused with one line naming the file.

#include "model_folder_fixture.h"
#include "reference_data.h"
#include "torch_bin_writer.h"

#include "embed/weights/pytorch_bin_file.h"
#include "embed/weights/safetensors_file.h"
#include "semsearch/embedder.h"
#include "semsearch/model.h"

#include <QJsonArray>
#include <QTemporaryDir>
#include <QtTest>

#include <cstring>

using namespace semsearch;
using namespace semsearch::test;

namespace {

// A result's error message, for a test's failure report.
template <typename T> QString failureOf(const Result<T>& result) {
    return result.ok() ? QStringLiteral("(no error)") : result.error().message;
}

bool writeAll(const QString& path, const QByteArray& bytes) {
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) &&
           file.write(bytes) == bytes.size();
}

// modules.json of the tiny model with the Pooling module's folder named `poolingPath`.
QByteArray modulesWithPooling(const QString& poolingPath) {
    const QJsonArray modules{
        QJsonObject{
            {QStringLiteral("idx"), 0},
            {QStringLiteral("name"), QStringLiteral("0")},
            {QStringLiteral("path"), QString()},
            {QStringLiteral("type"), QStringLiteral("sentence_transformers.models.Transformer")}},
        QJsonObject{
            {QStringLiteral("idx"), 1},
            {QStringLiteral("name"), QStringLiteral("1")},
            {QStringLiteral("path"), poolingPath},
            {QStringLiteral("type"), QStringLiteral("sentence_transformers.models.Pooling")}},
    };
    return QJsonDocument(modules).toJson();
}

// A pytorch_model.bin whose `tensors` tensors all take one `rank`-entry shape tuple (all 1s),
// pickled once and then fetched from the memo, as the audit's crafted file did.
QByteArray sharedShapeBin(int tensors, int rank) {
    PickleBuilder p;
    p.emptyOrderedDict().mark();
    for (int i = 0; i < tensors; ++i) {
        p.string("t" + QByteArray::number(i)).global("torch._utils", "_rebuild_tensor_v2").mark();
        p.mark().string("storage").global("torch", "FloatStorage").string("0").string("cpu");
        p.integer(1).tuple().op('Q').integer(0);
        if (i == 0) {
            p.mark();
            for (int d = 0; d < rank; ++d)
                p.op('K').raw(QByteArray(1, '\1'));     // BININT1 1
            p.tuple().op('q').raw(QByteArray(1, '\1')); // BINPUT 1
        } else {
            p.op('h').raw(QByteArray(1, '\1')); // BINGET 1: the shape
        }
        p.op('h').raw(QByteArray(1, '\1')); // the same tuple as strides
        p.op('\x89').emptyOrderedDict().tuple().op('R');
    }
    return writeZip({{"archive/data.pkl", p.op('u').finish()},
                     {"archive/data/0", floatBytes({1.0f})},
                     {"archive/byteorder", "little"}});
}

// A safetensors file holding one float32 tensor of the given shape (all extents 1).
QByteArray safetensorsOfRank(int rank) {
    QJsonArray shape;
    for (int d = 0; d < rank; ++d)
        shape.append(1);
    const QJsonObject header{
        {QStringLiteral("t"), QJsonObject{{QStringLiteral("dtype"), QStringLiteral("F32")},
                                          {QStringLiteral("shape"), shape},
                                          {QStringLiteral("data_offsets"), QJsonArray{0, 4}}}}};
    const QByteArray json = QJsonDocument(header).toJson(QJsonDocument::Compact);
    return PickleBuilder::le(std::uint64_t(json.size()), 8) + json + floatBytes({1.0f});
}

} // namespace

class TestHostileModel : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

    // The model at `folder` is refused with one line that says `problem` (and names `file`).
    static void expectRefused(const QString& folder, ErrorCode code, const QString& file,
                              const QString& problem) {
        auto embedder = openEmbedder(folder);
        const QString message = failureOf(embedder);
        QVERIFY2(!embedder.ok(), "the model was accepted");
        QVERIFY2(message.contains(file), qPrintable(message + " does not name " + file));
        QVERIFY2(message.contains(problem), qPrintable(message + " does not say " + problem));
        QVERIFY2(!message.contains(QLatin1Char('\n')), qPrintable(message));
        QCOMPARE(int(embedder.error().code), int(code));
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    // ---- config.json: every size bounded, and checked against the weights -----------------

    void configSizesAreBounded_data() {
        QTest::addColumn<QString>("key");
        QTest::addColumn<double>("value");
        QTest::addColumn<int>("maximum");
        QTest::newRow("num_hidden_layers, INT_MAX")
            << QStringLiteral("num_hidden_layers") << 2147483647.0 << kMaxLayers;
        QTest::newRow("num_hidden_layers")
            << QStringLiteral("num_hidden_layers") << double(kMaxLayers + 1) << kMaxLayers;
        QTest::newRow("vocab_size")
            << QStringLiteral("vocab_size") << double(kMaxVocabSize + 1) << kMaxVocabSize;
        QTest::newRow("hidden_size")
            << QStringLiteral("hidden_size") << double(kMaxHiddenSize + 1) << kMaxHiddenSize;
        QTest::newRow("intermediate_size")
            << QStringLiteral("intermediate_size") << double(kMaxIntermediateSize + 1)
            << kMaxIntermediateSize;
        QTest::newRow("max_position_embeddings") << QStringLiteral("max_position_embeddings")
                                                 << double(kMaxPositions + 1) << kMaxPositions;
        QTest::newRow("type_vocab_size") << QStringLiteral("type_vocab_size")
                                         << double(kMaxTypeVocabSize + 1) << kMaxTypeVocabSize;
    }

    void configSizesAreBounded() {
        QFETCH(QString, key);
        QFETCH(double, value);
        QFETCH(int, maximum);
        ModelFolderCopy model;
        QVERIFY(model.isValid());
        QVERIFY(model.setJson(QStringLiteral("config.json"), key, value));
        auto info = readModelInfo(model.path());
        QVERIFY2(!info.ok(), "an absurd size was accepted");
        QCOMPARE(int(info.error().code), int(ErrorCode::Corrupt));
        const QString message = info.error().message;
        QVERIFY2(message.startsWith(model.filePath(QStringLiteral("config.json"))),
                 qPrintable(message));
        QVERIFY2(message.contains(key) &&
                     message.contains(QStringLiteral("at most %1").arg(maximum)),
                 qPrintable(message));
    }

    // A plausible layer count the weights do not have is refused by name, before the encoder
    // is built, for both weight formats.
    void layerCountIsCheckedAgainstTheWeights_data() {
        QTest::addColumn<QString>("weights");
        QTest::newRow("safetensors") << QStringLiteral("model.safetensors");
        QTest::newRow("pytorch_model.bin") << QStringLiteral("pytorch_model.bin");
    }

    void layerCountIsCheckedAgainstTheWeights() {
        QFETCH(QString, weights);
        ModelFolderCopy model(tinyModelPath());
        QVERIFY(model.isValid());
        if (weights == QLatin1String("pytorch_model.bin"))
            QVERIFY(QFile::remove(model.filePath(QStringLiteral("model.safetensors"))));
        QVERIFY(
            model.setJson(QStringLiteral("config.json"), QStringLiteral("num_hidden_layers"), 200));
        QVERIFY(readModelInfo(model.path()).ok()); // within the bounds: only the weights can tell
        expectRefused(model.path(), ErrorCode::Corrupt, weights,
                      QStringLiteral("num_hidden_layers is 200, but"));
        expectRefused(model.path(), ErrorCode::Corrupt, QStringLiteral("config.json"),
                      QStringLiteral("holds encoder layers 0 to 1 only"));
    }

    // ---- modules.json: module folders stay inside the model -------------------------------

    void moduleFolderRule_data() {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("expected"); // "(refused)" when it leads out
        const QString refused = QStringLiteral("(refused)");
        QTest::newRow("empty") << QString() << QString();
        QTest::newRow("dot") << QStringLiteral(".") << QString();
        QTest::newRow("plain") << QStringLiteral("1_Pooling") << QStringLiteral("1_Pooling");
        QTest::newRow("dotted") << QStringLiteral("./1_Pooling/") << QStringLiteral("1_Pooling");
        QTest::newRow("down and up") << QStringLiteral("a/../b") << QStringLiteral("b");
        QTest::newRow("dots in a name") << QStringLiteral("..pool") << QStringLiteral("..pool");
        QTest::newRow("parent") << QStringLiteral("..") << refused;
        QTest::newRow("two up") << QStringLiteral("../../x") << refused;
        QTest::newRow("down then out") << QStringLiteral("a/../../x") << refused;
        QTest::newRow("absolute") << QStringLiteral("/etc") << refused;
        QTest::newRow("control character") << QStringLiteral("pool\x1b[2K") << refused;
    }

    void moduleFolderRule() {
        QFETCH(QString, path);
        QFETCH(QString, expected);
        const std::optional<QString> folder = moduleFolderInModel(path);
        QCOMPARE(folder ? *folder : QStringLiteral("(refused)"), expected);
    }

    void poolingFolderOutsideTheModelIsRefused_data() {
        QTest::addColumn<bool>("absolute");
        QTest::newRow("../outside") << false;
        QTest::newRow("absolute path") << true;
    }

    void poolingFolderOutsideTheModelIsRefused() {
        QFETCH(bool, absolute);
        ModelFolderCopy model;
        QVERIFY(model.isValid());
        // A valid pooling config beside the model: followed, the model would load.
        const QString outside = QFileInfo(model.path()).absolutePath() + QStringLiteral("/pool");
        QVERIFY(writeAll(outside + QStringLiteral("/config.json"),
                         model.read(QStringLiteral("1_Pooling/config.json"))));
        const QString named = absolute ? outside : QStringLiteral("../pool");
        QVERIFY(model.write(QStringLiteral("modules.json"), modulesWithPooling(named)));
        auto info = readModelInfo(model.path());
        QVERIFY2(!info.ok(), "a pooling folder outside the model was followed");
        QCOMPARE(int(info.error().code), int(ErrorCode::Corrupt));
        QVERIFY2(info.error().message.contains(QStringLiteral("modules.json: names a module "
                                                              "folder outside the model folder")),
                 qPrintable(info.error().message));
    }

    void poolingFolderLinkedOutsideIsRefused() {
        ModelFolderCopy model;
        QVERIFY(model.isValid());
        const QString outside = QFileInfo(model.path()).absolutePath() + QStringLiteral("/pool");
        QVERIFY(writeAll(outside + QStringLiteral("/config.json"),
                         model.read(QStringLiteral("1_Pooling/config.json"))));
        QVERIFY(QDir(model.filePath(QStringLiteral("1_Pooling"))).removeRecursively());
        QVERIFY(QFile::link(outside, model.filePath(QStringLiteral("1_Pooling"))));
        auto info = readModelInfo(model.path());
        QVERIFY2(!info.ok(), "a pooling folder linked outside the model was followed");
        QVERIFY2(info.error().message.contains(QStringLiteral("is a symbolic link that leads "
                                                              "outside the model folder")),
                 qPrintable(info.error().message));
    }

    // Links that stay inside the model (as the Hugging Face cache makes them) are fine.
    void poolingFolderLinkedInsideIsAccepted() {
        ModelFolderCopy model;
        QVERIFY(model.isValid());
        QVERIFY(QDir().rename(model.filePath(QStringLiteral("1_Pooling")),
                              model.filePath(QStringLiteral("pooling-real"))));
        QVERIFY(QFile::link(QStringLiteral("pooling-real"),
                            model.filePath(QStringLiteral("1_Pooling"))));
        auto info = readModelInfo(model.path());
        QVERIFY2(info.ok(), qPrintable(failureOf(info)));
        QCOMPARE(info->pooling, Pooling::Max);
    }

    // ---- small files are read only up to their limit ---------------------------------------

    void oversizedSmallFilesAreNotRead_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<qint64>("limit");
        for (const char* name : {"config.json", "modules.json", "1_Pooling/config.json",
                                 "sentence_bert_config.json", "tokenizer_config.json"})
            QTest::newRow(name) << QString::fromLatin1(name) << kMaxModelJsonBytes;
        QTest::newRow("vocab.txt") << QStringLiteral("vocab.txt") << kMaxVocabularyBytes;
    }

    void oversizedSmallFilesAreNotRead() {
        QFETCH(QString, file);
        QFETCH(qint64, limit);
        QCOMPARE(modelFileByteLimit(file), limit);
        ModelFolderCopy model;
        QVERIFY(model.isValid());
        // A sparse file: large to read, nothing on disk.
        QFile big(model.filePath(file));
        QVERIFY(big.resize(limit + 1));
        expectRefused(model.path(), ErrorCode::Corrupt, model.filePath(file),
                      QStringLiteral("larger than the %1 MiB").arg(limit >> 20));
    }

    void specialFileIsNotRead() {
        ModelFolderCopy model;
        QVERIFY(model.isValid());
        QVERIFY(QFile::remove(model.filePath(QStringLiteral("config.json"))));
        QVERIFY(QFile::link(QStringLiteral("/dev/null"),
                            model.filePath(QStringLiteral("config.json"))));
        expectRefused(model.path(), ErrorCode::Corrupt, QStringLiteral("config.json"),
                      QStringLiteral("not a regular file"));
    }

    // ---- what error messages quote ---------------------------------------------------------

    // model.safetensors links to a private file: the message says what it is not, and quotes
    // none of its bytes (the first 8 were once shown as a number).
    void linkedWeightsFileIsNotQuoted() {
        ModelFolderCopy model;
        QVERIFY(model.isValid());
        const QByteArray secret = "password=hunter2-correct-horse-battery\n";
        const QString secretPath = m_dir.filePath(QStringLiteral("secret.txt"));
        QVERIFY(writeAll(secretPath, secret));
        QVERIFY(QFile::remove(model.filePath(QStringLiteral("model.safetensors"))));
        QVERIFY(QFile::link(secretPath, model.filePath(QStringLiteral("model.safetensors"))));
        auto embedder = openEmbedder(model.path());
        QVERIFY(!embedder.ok());
        const QString message = embedder.error().message;
        QVERIFY2(message.contains(QStringLiteral("not a safetensors file")), qPrintable(message));
        std::uint64_t firstEight = 0;
        std::memcpy(&firstEight, secret.constData(), 8);
        QVERIFY2(!message.contains(QString::number(firstEight)), qPrintable(message));
        QVERIFY2(!message.contains(QStringLiteral("hunter2")), qPrintable(message));
    }

    // A value quoted from a model's file cannot act on the terminal that shows the message.
    void quotedValuesAreMadePrintable() {
        ModelFolderCopy model;
        QVERIFY(model.isValid());
        QVERIFY(model.setJson(QStringLiteral("config.json"), QStringLiteral("model_type"),
                              QStringLiteral("\x1b]0;owned\x07roberta\x1b[2K")));
        auto info = readModelInfo(model.path());
        QVERIFY(!info.ok());
        const QString message = info.error().message;
        QVERIFY2(message.contains(QStringLiteral("roberta")), qPrintable(message));
        QVERIFY2(!message.contains(QChar(0x1b)) && !message.contains(QChar(0x07)),
                 qPrintable(message));
    }

    // ---- pytorch_model.bin and safetensors: memory and rank --------------------------------

    // 64 transposed views of one 1 MiB storage would need 64 MiB of dense copies from a 1 MB
    // file: refused at the first copy past the file's size (the audit's file had 2,000 views
    // of 4 MiB: 8 GB).
    void stridedCopiesAreBoundedByTheFile() {
        const QString path = m_dir.filePath(QStringLiteral("views.bin"));
        QVERIFY(writeAll(path, transposedViewsBin(64, 512)));
        auto read = readPytorchBin(path);
        QVERIFY2(!read.ok(), "64 MiB of copies from a 1 MB file were made");
        QCOMPARE(int(read.error().code), int(ErrorCode::Corrupt));
        QVERIFY2(read.error().message.startsWith(path) &&
                     read.error().message.contains(QStringLiteral("strided view")),
                 qPrintable(read.error().message));
        // One such view is a plain transposed tensor, and fine.
        const QString one = m_dir.filePath(QStringLiteral("one-view.bin"));
        QVERIFY(writeAll(one, transposedViewsBin(1, 512)));
        QVERIFY2(readPytorchBin(one).ok(), qPrintable(failureOf(readPytorchBin(one))));
    }

    // Opened as a model, the copies are bounded by what config.json's model needs: the tiny
    // model needs well under 1 MB, so a 4 MiB transposed tensor is refused before it is copied.
    void stridedCopiesAreBoundedByTheConfig() {
        ModelFolderCopy model;
        QVERIFY(model.isValid());
        QVERIFY(QFile::remove(model.filePath(QStringLiteral("model.safetensors"))));
        QVERIFY(model.write(QStringLiteral("pytorch_model.bin"), transposedViewsBin(1, 1024)));
        QVERIFY(readPytorchBin(model.filePath(QStringLiteral("pytorch_model.bin"))).ok());
        expectRefused(model.path(), ErrorCode::Corrupt, QStringLiteral("pytorch_model.bin"),
                      QStringLiteral("more than the model needs"));
    }

    // One shape tuple of 100,000 dimensions, memoized and taken by 50 tensors (the audit's
    // had 4 million, taken by 300: a copy of it per tensor exhausted the memory).
    void hugeShapeTupleIsRefused() {
        const QString path = m_dir.filePath(QStringLiteral("shape.bin"));
        QVERIFY(writeAll(path, sharedShapeBin(50, 100000)));
        auto read = readPytorchBin(path);
        QVERIFY2(!read.ok(), "a tensor of 100,000 dimensions was accepted");
        QCOMPARE(int(read.error().code), int(ErrorCode::Unsupported));
        QVERIFY2(read.error().message.contains(
                     QStringLiteral("a tensor has 100000 dimensions; at most 8 are supported")),
                 qPrintable(read.error().message));
        // Eight dimensions are still read.
        const QString eight = m_dir.filePath(QStringLiteral("eight.bin"));
        QVERIFY(writeAll(eight, sharedShapeBin(2, 8)));
        QVERIFY2(readPytorchBin(eight).ok(), qPrintable(failureOf(readPytorchBin(eight))));
    }

    void safetensorsRankIsBounded() {
        const QString nine = m_dir.filePath(QStringLiteral("nine.safetensors"));
        QVERIFY(writeAll(nine, safetensorsOfRank(9)));
        auto read = readSafetensors(nine);
        QVERIFY2(!read.ok(), "a tensor of 9 dimensions was accepted");
        QVERIFY2(read.error().message.contains(QStringLiteral("9 dimensions; at most 8")),
                 qPrintable(read.error().message));
        const QString eight = m_dir.filePath(QStringLiteral("eight.safetensors"));
        QVERIFY(writeAll(eight, safetensorsOfRank(8)));
        QVERIFY2(readSafetensors(eight).ok(), qPrintable(failureOf(readSafetensors(eight))));
    }
};

QTEST_GUILESS_MAIN(TestHostileModel)
#include "test_hostile_model.moc"
