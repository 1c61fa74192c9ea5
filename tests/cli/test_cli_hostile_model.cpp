// semsearch-cli against crafted models and a hostile server, run the way the audit ran them and
// under an address-space limit, so that a regression fails here (an abort, a crash) instead of
// filling the machine's memory: the audit's crafted pytorch_model.bin files, a model too large
// for the memory left, and escape sequences from a server or a model file. Each ends with one
// plain line on stderr and exit status 1.

#include "cli_runner.h"
#include "hub_fixtures.h"
#include "local_hub_server.h"
#include "model_folder_fixture.h"
#include "reference_data.h"
#include "test_files.h"
#include "torch_bin_writer.h"

#include "semsearch/model.h"

#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/resource.h>

using namespace semsearch;
using namespace semsearch::test;

namespace {

// semsearch-cli needs about 0.9 GB of address space for the tiny model on a 2-core machine
// (LibTorch's and OpenBLAS's libraries, thread stacks and malloc arenas); 2.5 GB leaves room for
// that and for a 1 GiB file mapping, and is far below what the crafted files would take. Two
// malloc arenas keep the need from growing by 64 MB per core on larger machines.
constexpr rlim_t kAddressSpace = rlim_t(2560) << 20;

// Runs semsearch-cli with its address space limited to kAddressSpace.
RunResult runLimited(const QStringList& arguments) {
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("MALLOC_ARENA_MAX"), QStringLiteral("2"));
    return runCli(arguments, {}, environment, [] {
        const rlimit limit{kAddressSpace, kAddressSpace};
        ::setrlimit(RLIMIT_AS, &limit);
    });
}

// The audit's second: one huge shape tuple, memoized, taken by 300 tensors. The audit's had 4
// million entries, which the pickle reader's cap on objects now refuses by itself; 2 million
// stay under that cap, and copied per tensor would still take 9.6 GB.
QByteArray sharedShapeBin() {
    constexpr int kRank = 2000000;
    PickleBuilder p;
    p.emptyOrderedDict().mark();
    QByteArray ones;
    ones.reserve(2 * kRank);
    for (int d = 0; d < kRank; ++d)
        ones.append("K\x01", 2); // BININT1 1
    for (int i = 0; i < 300; ++i) {
        p.string("t" + QByteArray::number(i)).global("torch._utils", "_rebuild_tensor_v2").mark();
        p.mark().string("storage").global("torch", "FloatStorage").string("0").string("cpu");
        p.integer(1).tuple().op('Q').integer(0);
        if (i == 0)
            p.mark().raw(ones).tuple().op('q').raw(QByteArray(1, '\1')); // BINPUT 1
        else
            p.op('h').raw(QByteArray(1, '\1')); // BINGET 1
        p.op('h').raw(QByteArray(1, '\1')).op('\x89').emptyOrderedDict().tuple().op('R');
    }
    return writeZip({{"archive/data.pkl", p.op('u').finish()},
                     {"archive/data/0", floatBytes({1.0f})},
                     {"archive/byteorder", "little"}});
}

// A pytorch_model.bin at `path` whose one tensor is a transposed view of a 1 GiB storage of
// zeros, written as a sparse file (the zeros take no disk): a legitimate model too large for
// the address space left. The storage's CRC is not checked by the reader, so it is left 0.
bool writeLargeSparseBin(const QString& path) {
    constexpr std::int64_t kSide = 16384; // 16384^2 floats = 1 GiB
    constexpr std::uint64_t kStorageBytes = std::uint64_t(kSide * kSide) * 4;
    PickleBuilder p;
    p.emptyOrderedDict().mark();
    p.string("big").tensor("FloatStorage", "0", std::int32_t(kSide * kSide), 0,
                           {std::int32_t(kSide), std::int32_t(kSide)}, {1, std::int32_t(kSide)});
    const QByteArray pickle = p.op('u').finish();
    auto le = PickleBuilder::le;
    struct Entry {
        QByteArray name;
        std::uint64_t size;
        std::uint32_t crc;
        std::uint64_t offset;
    };
    const std::vector<Entry> entries = {
        {"archive/data.pkl", std::uint64_t(pickle.size()),
         zipCrc32(reinterpret_cast<const unsigned char*>(pickle.constData()),
                  std::size_t(pickle.size())),
         0},
        {"archive/data/0", kStorageBytes, 0, 0},
    };
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    QByteArray directory;
    std::uint64_t offset = 0;
    for (const Entry& entry : entries) {
        const QByteArray header = le(0x04034b50, 4) + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 4) +
                                  le(entry.crc, 4) + le(entry.size, 4) + le(entry.size, 4) +
                                  le(entry.name.size(), 2) + le(0, 2) + entry.name;
        directory += le(0x02014b50, 4) + le(20, 2) + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 4) +
                     le(entry.crc, 4) + le(entry.size, 4) + le(entry.size, 4) +
                     le(entry.name.size(), 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 2) +
                     le(0, 4) + le(offset, 4) + entry.name;
        if (!file.seek(qint64(offset)) || file.write(header) != header.size())
            return false;
        if (entry.name.endsWith(".pkl") && file.write(pickle) != pickle.size())
            return false;
        offset += std::uint64_t(header.size()) + entry.size;
    }
    const QByteArray end = le(0x06054b50, 4) + le(0, 2) + le(0, 2) + le(entries.size(), 2) +
                           le(entries.size(), 2) + le(directory.size(), 4) + le(offset, 4) +
                           le(0, 2);
    return file.seek(qint64(offset)) &&
           file.write(directory + end) == directory.size() + end.size();
}

} // namespace

class TestCliHostileModel : public QObject {
    Q_OBJECT

    LocalHubServer m_hub;

    // A copy of the tiny model whose weights are only `bin`.
    static bool binOnly(ModelFolderCopy& model, const QByteArray& bin) {
        return model.isValid() &&
               QFile::remove(model.filePath(QStringLiteral("model.safetensors"))) &&
               model.write(QStringLiteral("pytorch_model.bin"), bin);
    }

    // One line on stderr saying `problem`, naming the weights file, exit status 1: no abort.
    static void expectOneLineRefusal(const RunResult& result, const QString& problem) {
        QVERIFY2(result.exitCode != -1, "semsearch-cli crashed or was killed");
        QCOMPARE(result.exitCode, 1);
        QVERIFY2(isOneLine(result.err), result.err.constData());
        QVERIFY2(result.err.contains("pytorch_model.bin"), result.err.constData());
        QVERIFY2(QString::fromUtf8(result.err).contains(problem), result.err.constData());
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_hub.start());
        HubRepository hostile = tinyModelRepository();
        hostile.errorMessage = "\x1b[2K\x1b]8;;http://evil.example/\x1b\\click here\x1b]8;;\x1b\\";
        m_hub.addRepository(QStringLiteral("test/hostile-message"), hostile);
    }

    // The tiny model itself loads within the limit: the limit is not what refuses the others.
    void tinyModelLoadsWithinTheLimit() {
        const RunResult result =
            runLimited({QStringLiteral("model"), QStringLiteral("info"), tinyModelPath()});
        QVERIFY2(result.exitCode == 0, result.err.constData());
        QVERIFY(result.out.contains("opens:"));
    }

    void transposedViewsAreRefused() {
        ModelFolderCopy model;
        // The audit's first file: 2,000 transposed views of one 4 MiB storage (8 GB of copies).
        QVERIFY(binOnly(model, transposedViewsBin(2000, 1024)));
        expectOneLineRefusal(
            runLimited({QStringLiteral("model"), QStringLiteral("info"), model.path()}),
            QStringLiteral("strided view"));
    }

    void sharedHugeShapeIsRefused() {
        ModelFolderCopy model;
        QVERIFY(binOnly(model, sharedShapeBin()));
        expectOneLineRefusal(
            runLimited({QStringLiteral("model"), QStringLiteral("info"), model.path()}),
            QStringLiteral("a tensor has 2000000 dimensions"));
    }

    // A model that needs more memory than is left: one line, not an abort.
    void modelLargerThanTheMemoryLeftIsOneLine() {
        ModelFolderCopy model;
        QVERIFY(model.isValid());
        QVERIFY(QFile::remove(model.filePath(QStringLiteral("model.safetensors"))));
        QVERIFY(writeLargeSparseBin(model.filePath(QStringLiteral("pytorch_model.bin"))));
        // A config whose model needs at least the 1 GiB the file's tensor holds.
        QVERIFY(model.setJson(QStringLiteral("config.json"), QStringLiteral("vocab_size"),
                              kMaxVocabSize));
        QVERIFY(model.setJson(QStringLiteral("config.json"), QStringLiteral("hidden_size"), 64));
        QVERIFY(model.setJson(QStringLiteral("1_Pooling/config.json"),
                              QStringLiteral("word_embedding_dimension"), 64));
        const RunResult result =
            runLimited({QStringLiteral("model"), QStringLiteral("info"), model.path()});
        QVERIFY2(result.exitCode != -1, "semsearch-cli crashed or was killed");
        QCOMPARE(result.exitCode, 1);
        QVERIFY2(isOneLine(result.err), result.err.constData());
        QVERIFY2(result.err.contains("not enough memory to load the model"),
                 result.err.constData());
    }

    // ---- what reaches the terminal -------------------------------------------------------

    void serverTextReachesStderrInert() {
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        for (const char* name : {"http_proxy", "https_proxy", "all_proxy", "HF_TOKEN"})
            environment.remove(QLatin1String(name));
        environment.insert(QStringLiteral("HF_ENDPOINT"), m_hub.endpoint());
        QTemporaryDir dir;
        const RunResult result =
            runCli({QStringLiteral("model"), QStringLiteral("download"),
                    QStringLiteral("test/hostile-message"), QStringLiteral("--dir"),
                    dir.filePath(QStringLiteral("m")), QStringLiteral("--quiet")},
                   {}, environment);
        QCOMPARE(result.exitCode, 1);
        QVERIFY2(isOneLine(result.err), result.err.constData());
        QVERIFY2(result.err.contains("click here"), result.err.constData());
        QVERIFY2(!result.err.contains('\x1b'), result.err.constData());
    }

    void modelFileTextReachesStderrInert() {
        ModelFolderCopy model;
        QVERIFY(model.isValid());
        QVERIFY(model.setJson(QStringLiteral("config.json"), QStringLiteral("model_type"),
                              QStringLiteral("\x1b]0;owned\x07\rroberta")));
        const RunResult result =
            runCli({QStringLiteral("model"), QStringLiteral("info"), model.path()});
        QCOMPARE(result.exitCode, 1);
        QVERIFY2(isOneLine(result.err), result.err.constData());
        QVERIFY2(result.err.contains("roberta"), result.err.constData());
        QVERIFY2(!result.err.contains('\x1b') && !result.err.contains('\r') &&
                     !result.err.contains('\x07'),
                 result.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestCliHostileModel)
#include "test_cli_hostile_model.moc"
