// pytorch_model.bin: the tiny model's .bin, written by torch itself, must read exactly like its
// model.safetensors (written by the safetensors library) and embed like the sentence-transformers
// reference; hand-built archives cover what torch writes in other situations (OrderedDict state
// dicts, shared storages, strided views, ZIP64) and what a hostile or damaged file may hold.

#include "model_folder_fixture.h"
#include "reference_data.h"
#include "torch_bin_writer.h"

#include "embed/weights/pytorch_bin_file.h"
#include "embed/weights/safetensors_file.h"
#include "embed/weights/state_dict_pickle.h"
#include "semsearch/embedder.h"
#include "shared/zip_archive.h"

#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstring>

using namespace semsearch;
using namespace semsearch::test;

namespace {

QString tinyBinPath() {
    return tinyModelPath() + QStringLiteral("/pytorch_model.bin");
}

QByteArray readAll(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeAll(const QString& path, const QByteArray& bytes) {
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) &&
           file.write(bytes) == bytes.size();
}

std::vector<float> floatsOf(const TensorView& view) {
    std::vector<float> values(view.byteSize / sizeof(float));
    std::memcpy(values.data(), view.data, values.size() * sizeof(float));
    return values;
}

// The reference token ids and the sentence-transformers embeddings of the tiny model.
struct Reference {
    std::vector<std::vector<TokenId>> ids;
    std::vector<std::vector<float>> embeddings;
};

Reference tinyReference() {
    Reference reference;
    for (const QJsonObject& record : readReference(QStringLiteral("tokens.jsonl"))) {
        const std::vector<int> row = toIntVector(record.value(QStringLiteral("input_ids")));
        reference.ids.emplace_back(row.begin(), row.end());
    }
    for (const QJsonObject& record : readReference(QStringLiteral("embeddings.jsonl")))
        reference.embeddings.push_back(toFloatVector(record.value(QStringLiteral("embedding"))));
    return reference;
}

double maxAbsDiff(const EmbeddingMatrix& a, const EmbeddingMatrix& b) {
    if (a.rows != b.rows || a.dim != b.dim)
        return INFINITY;
    double worst = 0;
    for (std::size_t i = 0; i < a.values.size(); ++i)
        worst = std::max(worst, std::fabs(double(a.values[i]) - double(b.values[i])));
    return worst;
}

double maxAbsDiff(const EmbeddingMatrix& m, const std::vector<std::vector<float>>& reference) {
    if (m.rows != reference.size())
        return INFINITY;
    double worst = 0;
    for (std::size_t i = 0; i < m.rows; ++i) {
        if (reference[i].size() != m.dim)
            return INFINITY;
        for (std::size_t j = 0; j < m.dim; ++j)
            worst = std::max(worst, std::fabs(double(m.row(i)[j]) - double(reference[i][j])));
    }
    return worst;
}

// A copy of the tiny model whose weights are only the .bin given (the tiny one by default).
struct BinOnlyModel {
    ModelFolderCopy folder;
    bool ok = false;
    explicit BinOnlyModel(const QByteArray& bin = readAll(tinyBinPath())) {
        ok = folder.isValid() && !bin.isEmpty() &&
             QFile::remove(folder.filePath(QStringLiteral("model.safetensors"))) &&
             folder.write(QStringLiteral("pytorch_model.bin"), bin);
    }
    QString binPath() const { return folder.filePath(QStringLiteral("pytorch_model.bin")); }
};

Result<EmbeddingMatrix> embedReferenceIds(const QString& modelFolder, const Reference& reference) {
    auto embedder = openEmbedder(modelFolder);
    if (!embedder)
        return embedder.error();
    return (*embedder)->embedTokens(reference.ids);
}

// A small archive, as torch.save(model.state_dict()) lays it out, with every feature a reader
// must get right: an OrderedDict with its _metadata attribute set by BUILD, memoized globals,
// several tensors viewing one storage at different offsets, a transposed (strided) view, a
// stride on an extent-1 dimension that does not matter, and a float16 storage.
QByteArray handBuiltPickle() {
    PickleBuilder p;
    p.emptyOrderedDict().op('q').raw(QByteArray(1, '\0')).mark(); // BINPUT 0
    p.string("a").tensor("FloatStorage", "0", 12, 0, {2, 3}, {3, 1});
    p.string("b").tensor("FloatStorage", "0", 12, 6, {3}, {1});
    p.string("transposed").tensor("FloatStorage", "0", 12, 0, {3, 2}, {1, 3});
    p.string("row").tensor("FloatStorage", "0", 12, 9, {1, 3}, {100, 1});
    p.string("half").tensor("HalfStorage", "1", 2, 0, {2}, {1});
    p.op('u'); // SETITEMS
    // BUILD with the state {'_metadata': OrderedDict()}
    p.op('}').string("_metadata").emptyOrderedDict().op('s').op('b');
    return p.finish();
}

std::vector<std::pair<std::string, QByteArray>> handBuiltEntries(const QByteArray& pickle,
                                                                 const std::string& folder) {
    std::vector<float> values(12);
    for (int i = 0; i < 12; ++i)
        values[std::size_t(i)] = float(i) + 0.5f;
    // float16 1.0 and -2.0
    const QByteArray halves = QByteArray::fromHex("003c00c0");
    return {{folder + "/data.pkl", pickle},
            {folder + "/data/0", floatBytes(values)},
            {folder + "/data/1", halves},
            {folder + "/version", "3\n"},
            {folder + "/byteorder", "little"}};
}

QByteArray handBuiltBin(const ZipWriteOptions& options = {},
                        const std::string& folder = "archive") {
    return writeZip(handBuiltEntries(handBuiltPickle(), folder), options);
}

// A state dict whose only entry is `pickleTail`'s value, in an otherwise valid archive.
QByteArray binWithPickle(const QByteArray& pickle) {
    return writeZip(handBuiltEntries(pickle, "archive"));
}

} // namespace

class TestPytorchBin : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

    int m_fileCount = 0;

    // A fresh name each time: rewriting one file in place makes ext4 flush it to disk first
    // (auto_da_alloc), which took seconds over the many damaged copies here.
    QString writeTemp(const QString& name, const QByteArray& bytes) {
        const QString path =
            m_dir.filePath(QString::number(++m_fileCount) + QLatin1Char('-') + name);
        return writeAll(path, bytes) ? path : QString();
    }

    // The file must be refused with one line that names it and says `problem`.
    void expectRefused(const QString& path, ErrorCode code, const QString& problem) {
        QVERIFY(!path.isEmpty());
        auto read = readPytorchBin(path);
        QVERIFY2(!read.ok(), "a bad .bin was accepted");
        const QString message = read.error().message;
        QVERIFY2(message.startsWith(path), qPrintable(message));
        QVERIFY2(message.contains(problem), qPrintable(message + " does not say " + problem));
        QVERIFY2(!message.contains(QLatin1Char('\n')), qPrintable(message));
        QCOMPARE(int(read.error().code), int(code));
    }

    // Whatever the damage, the reader returns a value or a one-line error naming the file.
    void expectNoCrash(const QString& path, int* failures = nullptr) {
        auto read = readPytorchBin(path);
        QFile::remove(path);
        if (read.ok())
            return;
        if (failures)
            ++*failures;
        QVERIFY2(read.error().message.startsWith(path), qPrintable(read.error().message));
        QVERIFY2(!read.error().message.contains(QLatin1Char('\n')),
                 qPrintable(read.error().message));
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    // The standard check value of CRC-32/ISO-HDLC.
    void crc32CheckValue() {
        const char* text = "123456789";
        QCOMPARE(zipCrc32(reinterpret_cast<const unsigned char*>(text), 9), 0xCBF43926u);
    }

    // torch's and the safetensors library's files of the same weights hold the same tensors.
    void tinyBinHoldsWhatSafetensorsHolds() {
        auto bin = readPytorchBin(tinyBinPath());
        QVERIFY2(bin.ok(), bin.ok() ? "" : qPrintable(bin.error().message));
        auto safetensors = readSafetensors(tinyModelPath() + QStringLiteral("/model.safetensors"));
        QVERIFY(safetensors.ok());
        QCOMPARE(bin->tensors().size(), std::size_t(39));
        QCOMPARE(bin->tensors().size(), safetensors->tensors().size());
        for (const auto& [name, expected] : safetensors->tensors()) {
            const TensorView* got = bin->find(name);
            QVERIFY2(got, name.c_str());
            QCOMPARE(got->dtype, expected.dtype);
            QCOMPARE(got->shape, expected.shape);
            QCOMPARE(got->byteSize, expected.byteSize);
            QVERIFY2(std::memcmp(got->data, expected.data, expected.byteSize) == 0, name.c_str());
        }
    }

    void binOnlyModelEmbedsLikeSafetensors() {
        const Reference reference = tinyReference();
        QCOMPARE(reference.ids.size(), std::size_t(65));
        QCOMPARE(reference.embeddings.size(), std::size_t(65));
        BinOnlyModel model;
        QVERIFY(model.ok);
        auto fromBin = embedReferenceIds(model.folder.path(), reference);
        QVERIFY2(fromBin.ok(), fromBin.ok() ? "" : qPrintable(fromBin.error().message));
        auto fromSafetensors = embedReferenceIds(tinyModelPath(), reference);
        QVERIFY(fromSafetensors.ok());
        QVERIFY(maxAbsDiff(*fromBin, *fromSafetensors) <= 1e-6);
        const double diff = maxAbsDiff(*fromBin, reference.embeddings);
        QVERIFY2(diff <= kEmbeddingTolerance, qPrintable(QString::number(diff)));

        // Texts, not just ids, go through the same path.
        auto embedder = openEmbedder(model.folder.path());
        QVERIFY(embedder.ok());
        auto texts = (*embedder)->embed({QStringLiteral("This framework generates embeddings.")});
        QVERIFY(texts.ok());
        QCOMPARE(texts->dim, std::size_t(32));
    }

    // model.safetensors wins when both exist; the fingerprint tells the files apart.
    void safetensorsIsPreferredAndFingerprintsDiffer() {
        auto both = openEmbedder(tinyModelPath());
        QVERIFY(both.ok());
        BinOnlyModel model;
        QVERIFY(model.ok);
        auto binOnly = openEmbedder(model.folder.path());
        QVERIFY(binOnly.ok());
        // SHA-256 over the file size, the header and 16 samples of 64 KiB, computed for the
        // tiny model.safetensors with Python's hashlib. Indexes store this value: it must not
        // change.
        QCOMPARE(
            (*both)->model().weightsFingerprint,
            QStringLiteral("4fc569e91ffcc1bdf267b89b4b6f2d85dd5a112b60dece2b10cbc4072b45625e"));
        const QString binFingerprint = (*binOnly)->model().weightsFingerprint;
        QCOMPARE(binFingerprint.size(), 64);
        QVERIFY(binFingerprint != (*both)->model().weightsFingerprint);
        auto again = readPytorchBin(model.binPath());
        QVERIFY(again.ok());
        QCOMPARE(again->fingerprint(), binFingerprint);
    }

    void neitherWeightsFile() {
        ModelFolderCopy model;
        QVERIFY(model.isValid());
        QVERIFY(QFile::remove(model.filePath(QStringLiteral("model.safetensors"))));
        auto embedder = openEmbedder(model.path());
        QVERIFY(!embedder.ok());
        QCOMPARE(int(embedder.error().code), int(ErrorCode::NotFound));
        QVERIFY(embedder.error().message.contains(QStringLiteral("model.safetensors")));
        QVERIFY(embedder.error().message.contains(QStringLiteral("pytorch_model.bin")));
        QVERIFY(embedder.error().message.contains(model.path()));
    }

    void shapeDisagreesWithConfig() {
        BinOnlyModel model;
        QVERIFY(model.ok);
        QVERIFY(model.folder.setJson("config.json", QStringLiteral("intermediate_size"), 65));
        auto embedder = openEmbedder(model.folder.path());
        QVERIFY(!embedder.ok());
        QCOMPARE(int(embedder.error().code), int(ErrorCode::Corrupt));
        QVERIFY2(embedder.error().message.startsWith(model.binPath()),
                 qPrintable(embedder.error().message));
        QVERIFY(embedder.error().message.contains(
            QStringLiteral("has shape [64, 32], expected [65, 32] from config.json")));
    }

    void handBuiltArchive_data() {
        QTest::addColumn<bool>("zip64");
        QTest::addColumn<QString>("folder");
        QTest::newRow("zip") << false << QStringLiteral("archive");
        QTest::newRow("zip64") << true << QStringLiteral("archive");
        QTest::newRow("folder named after the file") << false << QStringLiteral("my_model");
    }
    void handBuiltArchive() {
        QFETCH(bool, zip64);
        QFETCH(QString, folder);
        ZipWriteOptions options;
        options.zip64 = zip64;
        const QString path =
            writeTemp(QStringLiteral("hand.bin"), handBuiltBin(options, folder.toStdString()));
        auto read = readPytorchBin(path);
        QVERIFY2(read.ok(), read.ok() ? "" : qPrintable(read.error().message));
        QCOMPARE(read->tensors().size(), std::size_t(5));
        const TensorView* a = read->find("a");
        const TensorView* b = read->find("b");
        const TensorView* transposed = read->find("transposed");
        const TensorView* row = read->find("row");
        const TensorView* half = read->find("half");
        QVERIFY(a && b && transposed && row && half);
        QCOMPARE(a->shape, (std::vector<std::int64_t>{2, 3}));
        QCOMPARE(floatsOf(*a), (std::vector<float>{0.5f, 1.5f, 2.5f, 3.5f, 4.5f, 5.5f}));
        QCOMPARE(floatsOf(*b), (std::vector<float>{6.5f, 7.5f, 8.5f}));
        QCOMPARE(transposed->shape, (std::vector<std::int64_t>{3, 2}));
        QCOMPARE(floatsOf(*transposed), (std::vector<float>{0.5f, 3.5f, 1.5f, 4.5f, 2.5f, 5.5f}));
        QCOMPARE(floatsOf(*row), (std::vector<float>{9.5f, 10.5f, 11.5f}));
        QCOMPARE(half->dtype, TensorDType::F16);
        QCOMPARE(QByteArray(reinterpret_cast<const char*>(half->data), qsizetype(half->byteSize)),
                 QByteArray::fromHex("003c00c0"));
    }

    // Weights named "bert.*" (BertForMaskedLM and friends), in an OrderedDict with an int64
    // position_ids buffer, as older transformers saved them: the model still embeds exactly.
    void prefixedNamesFromAnOrderedDict() {
        auto source = readSafetensors(tinyModelPath() + QStringLiteral("/model.safetensors"));
        QVERIFY(source.ok());
        std::vector<std::pair<std::string, QByteArray>> entries;
        PickleBuilder p;
        p.emptyOrderedDict().mark();
        int key = 0;
        for (const auto& [name, view] : source->tensors()) {
            QCOMPARE(view.dtype, TensorDType::F32);
            const QByteArray storageKey = QByteArray::number(key++);
            std::vector<std::int32_t> shape, stride(view.shape.size(), 1);
            for (std::int64_t d : view.shape)
                shape.push_back(std::int32_t(d));
            for (std::size_t d = shape.size(); d > 1; --d)
                stride[d - 2] = stride[d - 1] * shape[d - 1];
            p.string(QByteArray("bert.") + name.c_str())
                .tensor("FloatStorage", storageKey, std::int32_t(view.elementCount()), 0, shape,
                        stride);
            entries.push_back(
                {"pytorch_model/data/" + storageKey.toStdString(),
                 QByteArray(reinterpret_cast<const char*>(view.data), qsizetype(view.byteSize))});
        }
        std::vector<std::int64_t> positions(512);
        for (int i = 0; i < 512; ++i)
            positions[std::size_t(i)] = i;
        p.string("bert.embeddings.position_ids")
            .tensor("LongStorage", "positions", 512, 0, {1, 512}, {512, 1});
        entries.push_back({"pytorch_model/data/positions",
                           QByteArray(reinterpret_cast<const char*>(positions.data()), 512 * 8)});
        entries.push_back({"pytorch_model/data.pkl", p.op('u').finish()});

        BinOnlyModel model(writeZip(entries));
        QVERIFY(model.ok);
        const Reference reference = tinyReference();
        auto vectors = embedReferenceIds(model.folder.path(), reference);
        QVERIFY2(vectors.ok(), vectors.ok() ? "" : qPrintable(vectors.error().message));
        const double diff = maxAbsDiff(*vectors, reference.embeddings);
        QVERIFY2(diff <= kEmbeddingTolerance, qPrintable(QString::number(diff)));
    }

    // Globals other than the state dict's few are refused before anything could run them: the
    // command below would create `witness` if it ever ran.
    void forbiddenGlobals_data() {
        QTest::addColumn<QByteArray>("module");
        QTest::addColumn<QByteArray>("name");
        QTest::newRow("os.system") << QByteArray("os") << QByteArray("system");
        QTest::newRow("posix.system") << QByteArray("posix") << QByteArray("system");
        QTest::newRow("builtins.eval") << QByteArray("builtins") << QByteArray("eval");
        QTest::newRow("__builtin__.getattr") << QByteArray("__builtin__") << QByteArray("getattr");
        QTest::newRow("subprocess.Popen") << QByteArray("subprocess") << QByteArray("Popen");
        QTest::newRow("torch._utils._rebuild_parameter")
            << QByteArray("torch._utils") << QByteArray("_rebuild_parameter");
        QTest::newRow("torch.ComplexFloatStorage")
            << QByteArray("torch") << QByteArray("ComplexFloatStorage");
    }
    void forbiddenGlobals() {
        QFETCH(QByteArray, module);
        QFETCH(QByteArray, name);
        const QString witness = m_dir.filePath(QStringLiteral("witness"));
        PickleBuilder p;
        p.op('}').mark().string("embeddings.word_embeddings.weight");
        p.global(module.constData(), name.constData())
            .string("touch " + witness.toUtf8())
            .op('\x85') // TUPLE1
            .op('R');
        const QString path =
            writeTemp(QStringLiteral("evil.bin"), binWithPickle(p.op('u').finish()));
        expectRefused(path, ErrorCode::Unsupported,
                      QStringLiteral("refused the global '%1.%2'")
                          .arg(QString::fromLatin1(module), QString::fromLatin1(name)));
        QVERIFY(!QFile::exists(witness));
    }

    // A forbidden global hidden where torch puts a tensor's backward hooks.
    void forbiddenGlobalInsideATensor() {
        PickleBuilder p;
        p.op('}').mark().string("w");
        p.global("torch._utils", "_rebuild_tensor_v2").mark();
        p.mark().string("storage").global("torch", "FloatStorage").string("0").string("cpu");
        p.integer(12).tuple().op('Q').integer(0).ints({12}).ints({1}).op('\x89');
        p.global("builtins", "eval").string("1").op('\x85').op('R');
        p.tuple().op('R').op('u');
        const QString path = writeTemp(QStringLiteral("hooks.bin"), binWithPickle(p.finish()));
        expectRefused(path, ErrorCode::Unsupported, QStringLiteral("'builtins.eval'"));
    }

    void damagedArchives_data() {
        QTest::addColumn<QByteArray>("bin");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("problem");
        const auto corrupt = int(ErrorCode::Corrupt);
        const auto unsupported = int(ErrorCode::Unsupported);
        const QByteArray pickle = handBuiltPickle();
        auto entries = handBuiltEntries(pickle, "archive");

        auto withoutStorage = entries;
        withoutStorage.erase(withoutStorage.begin() + 1);
        QTest::newRow("storage missing from the zip")
            << writeZip(withoutStorage) << corrupt
            << QStringLiteral("tensor 'a': its storage 'archive/data/0' is missing");

        auto shortStorage = entries;
        shortStorage[1].second.chop(4);
        QTest::newRow("storage too small for its tensor")
            << writeZip(shortStorage) << corrupt
            << QStringLiteral("holds 44 bytes, too few for 12 elements of F32");

        PickleBuilder past;
        past.op('}').mark().string("w").tensor("FloatStorage", "0", 12, 8, {5}, {1}).op('u');
        QTest::newRow("view past the end of its storage")
            << binWithPickle(past.finish()) << corrupt
            << QStringLiteral("tensor 'w': its view reaches past the end of its storage");

        PickleBuilder strided;
        strided.op('}').mark().string("w").tensor("FloatStorage", "0", 12, 0, {3, 4}, {1, 4});
        QTest::newRow("strided view past the end")
            << binWithPickle(strided.op('u').finish()) << corrupt
            << QStringLiteral("reaches past the end");

        PickleBuilder repeated;
        repeated.op('}').mark().string("w").tensor("FloatStorage", "0", 12, 0, {100}, {0});
        QTest::newRow("stride 0 over more elements than the storage")
            << binWithPickle(repeated.op('u').finish()) << unsupported
            << QStringLiteral("views that repeat elements are not supported");

        PickleBuilder twoTypes;
        twoTypes.op('}').mark();
        twoTypes.string("x").tensor("FloatStorage", "0", 12, 0, {12}, {1});
        twoTypes.string("y").tensor("HalfStorage", "0", 24, 0, {24}, {1});
        QTest::newRow("one storage read as two dtypes")
            << binWithPickle(twoTypes.op('u').finish()) << corrupt
            << QStringLiteral("also read as another dtype");

        ZipWriteOptions deflated;
        deflated.method = 8;
        QTest::newRow("compressed entries") << writeZip(entries, deflated) << unsupported
                                            << QStringLiteral("is compressed (method 8)");

        QByteArray badCrc = writeZip(entries);
        const qsizetype pickleAt = badCrc.indexOf(pickle);
        badCrc[pickleAt + 10] = char(badCrc[pickleAt + 10] ^ 0x01);
        QTest::newRow("pickle fails its CRC")
            << badCrc << corrupt << QStringLiteral("archive/data.pkl fails its CRC-32 check");

        auto bigEndian = entries;
        bigEndian[4].second = "big";
        QTest::newRow("big-endian") << writeZip(bigEndian) << unsupported
                                    << QStringLiteral("byte order 'big' is not supported");

        QTest::newRow("legacy torch format")
            << QByteArray::fromHex("80028a0a6cfc9c46f9206aa85019") + QByteArray(100, 'x')
            << unsupported << QStringLiteral("legacy format");
        QTest::newRow("not a zip")
            << QByteArray(300, 'A') << corrupt << QStringLiteral("not a torch zip archive");
        QTest::newRow("empty file")
            << QByteArray() << corrupt << QStringLiteral("not a torch zip archive");
        QTest::newRow("no data.pkl") << writeZip({{"archive/data/0", "abcd"}}) << corrupt
                                     << QStringLiteral("the archive has no data.pkl");
        QTest::newRow("duplicate entries")
            << writeZip({entries[0], entries[1], entries[1]}) << corrupt
            << QStringLiteral("holds 'archive/data/0' twice");

        QTest::newRow("a list instead of a dict")
            << binWithPickle(PickleBuilder().op(']').finish()) << unsupported
            << QStringLiteral("does not hold a dict of tensors");
        PickleBuilder notTensor;
        notTensor.op('}').string("step").integer(3).op('s');
        QTest::newRow("a value that is not a tensor")
            << binWithPickle(notTensor.finish()) << unsupported
            << QStringLiteral("entry 'step' is not a tensor");
        QTest::newRow("no STOP") << binWithPickle(PickleBuilder().op('}').finish().chopped(1))
                                 << corrupt << QStringLiteral("ends before its STOP opcode");
        QTest::newRow("protocol 4") << binWithPickle(QByteArray("\x80\x04}.", 4)) << unsupported
                                    << QStringLiteral("pickle protocol 4 is not supported");
        QTest::newRow("an opcode outside the allow-list")
            << binWithPickle(PickleBuilder().op('}').op('\x93').finish()) << unsupported
            << QStringLiteral("opcode 0x93 is not accepted");
        QTest::newRow("memo read before it is set")
            << binWithPickle(PickleBuilder().op('h').raw("\x07").finish()) << corrupt
            << QStringLiteral("memo entry 7, which was never set");
        QTest::newRow("pop below a mark")
            << binWithPickle(PickleBuilder().op('}').mark().op('\x85').finish()) << corrupt
            << QStringLiteral("takes more items than the stack holds");
        QTest::newRow("huge integer")
            << binWithPickle(PickleBuilder().op('\x8a').raw("\x09").finish()) << unsupported
            << QStringLiteral("an integer of 9 bytes is too large");
    }
    void damagedArchives() {
        QFETCH(QByteArray, bin);
        QFETCH(int, code);
        QFETCH(QString, problem);
        expectRefused(writeTemp(QStringLiteral("damaged.bin"), bin), ErrorCode(code), problem);
    }

    // Cut anywhere, a .bin is refused: every offset of the hand-built one, and spread-out
    // offsets plus its whole structural tail for torch's file.
    void truncatedAtManyOffsets() {
        const QByteArray small = handBuiltBin();
        for (qsizetype length = 0; length < small.size(); ++length)
            expectRefusedQuietly(writeTemp(QStringLiteral("cut.bin"), small.left(length)));
        const QByteArray tiny = readAll(tinyBinPath());
        QVERIFY(tiny.size() > 4'000'000);
        std::vector<qsizetype> lengths = {1, 2, 3, 4, 29, 30, 31, 64, 100, 4000, 4200};
        for (qsizetype i = 1; i < 24; ++i)
            lengths.push_back(tiny.size() * i / 24);
        for (qsizetype back = 1; back < 3000; back += 97)
            lengths.push_back(tiny.size() - back);
        for (qsizetype length : lengths)
            expectRefusedQuietly(writeTemp(QStringLiteral("cut.bin"), tiny.left(length)));
    }

    // Random byte flips never crash or read out of bounds: all over the hand-built archive, and
    // in the pickle, local headers and directory of torch's file.
    void flippedBytes() {
        QRandomGenerator random(20240601);
        const QByteArray small = handBuiltBin();
        int failures = 0;
        for (int i = 0; i < 1500; ++i) {
            QByteArray bin = small;
            const int flips = 1 + int(random.bounded(3));
            for (int k = 0; k < flips; ++k)
                bin[random.bounded(bin.size())] = char(random.bounded(256));
            expectNoCrash(writeTemp(QStringLiteral("flipped.bin"), bin), &failures);
        }
        QVERIFY2(failures > 1000, qPrintable(QString::number(failures))); // most flips are caught

        const QByteArray tiny = readAll(tinyBinPath());
        const qsizetype tail = 3000; // the central directory and end record
        for (int i = 0; i < 40; ++i) {
            QByteArray bin = tiny;
            const qsizetype at =
                i % 2 ? random.bounded(4200) : tiny.size() - 1 - random.bounded(tail);
            bin[at] = char(bin[at] ^ (1 + random.bounded(255)));
            expectNoCrash(writeTemp(QStringLiteral("flipped.bin"), bin));
        }
    }

    // The pickle reader on its own, past the CRC that guards it in a file: torch's pickle with
    // random flips, insertions and cuts gives a state dict or an error, never a crash.
    void pickleFuzz() {
        auto bin = readAll(tinyBinPath());
        auto archive = ZipArchive::read(reinterpret_cast<const unsigned char*>(bin.constData()),
                                        std::size_t(bin.size()));
        QVERIFY(archive.ok());
        const ZipEntry* entry = archive->find("pytorch_model/data.pkl");
        QVERIFY(entry);
        const QByteArray pickle = bin.mid(qsizetype(entry->dataOffset), qsizetype(entry->size));
        auto clean = readStateDictPickle(reinterpret_cast<const unsigned char*>(pickle.constData()),
                                         std::size_t(pickle.size()));
        QVERIFY(clean.ok());
        QCOMPARE(clean->size(), std::size_t(39));
        QCOMPARE(clean->front().name, std::string("embeddings.word_embeddings.weight"));
        QCOMPARE(clean->front().shape, (std::vector<std::int64_t>{30522, 32}));

        QRandomGenerator random(7);
        int failures = 0;
        for (int i = 0; i < 8000; ++i) {
            QByteArray damaged = pickle;
            switch (random.bounded(3)) {
            case 0:
                for (int k = 0; k < 1 + int(random.bounded(4)); ++k)
                    damaged[random.bounded(damaged.size())] = char(random.bounded(256));
                break;
            case 1:
                damaged.insert(random.bounded(damaged.size()), char(random.bounded(256)));
                break;
            default:
                damaged.truncate(random.bounded(damaged.size()));
            }
            auto read =
                readStateDictPickle(reinterpret_cast<const unsigned char*>(damaged.constData()),
                                    std::size_t(damaged.size()));
            if (!read.ok()) {
                ++failures;
                QVERIFY(!read.error().message.contains(QLatin1Char('\n')));
            }
        }
        QVERIFY2(failures > 2000, qPrintable(QString::number(failures)));
    }

    // The ZIP reader on its own over torch's file with its directory and end record damaged.
    void zipDirectoryFuzz() {
        QByteArray bin = readAll(tinyBinPath());
        QVERIFY(bin.size() > 3000);
        const auto* bytes = reinterpret_cast<const unsigned char*>(bin.constData());
        QRandomGenerator random(99);
        int failures = 0;
        for (int i = 0; i < 5000; ++i) {
            std::vector<std::pair<qsizetype, char>> saved;
            for (int k = 0; k < 1 + int(random.bounded(3)); ++k) {
                const qsizetype at = bin.size() - 1 - random.bounded(3000);
                saved.push_back({at, bin[at]});
                bin[at] = char(random.bounded(256));
            }
            auto read = ZipArchive::read(bytes, std::size_t(bin.size()));
            if (read.ok()) {
                for (const ZipEntry& entry : read->entries())
                    QVERIFY(entry.dataOffset + entry.size <= std::uint64_t(bin.size()));
            } else {
                ++failures;
            }
            for (auto it = saved.rbegin(); it != saved.rend(); ++it)
                bin[it->first] = it->second;
        }
        QVERIFY2(failures > 1000, qPrintable(QString::number(failures)));
    }

private:
    void expectRefusedQuietly(const QString& path) {
        auto read = readPytorchBin(path);
        QFile::remove(path);
        QVERIFY2(!read.ok(), qPrintable(path + QStringLiteral(": a truncated .bin was accepted")));
        QVERIFY2(read.error().message.startsWith(path), qPrintable(read.error().message));
        QVERIFY2(!read.error().message.contains(QLatin1Char('\n')),
                 qPrintable(read.error().message));
    }
};

QTEST_GUILESS_MAIN(TestPytorchBin)
#include "test_pytorch_bin.moc"
