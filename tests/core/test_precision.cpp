// The fast precisions (bf16, int8) against the upstream fp32 reference, the quality check that
// guards them, its cache, the CPU probe's environment override, and the LibTorch fallback
// encoder forced from the environment (issue 20).

#include "model_folder_fixture.h"
#include "outlier_model.h"
#include "reference_data.h"

#include "embed/int8_rows.h"
#include "semsearch/precision_check.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <random>

using namespace semsearch;
using namespace semsearch::test;

namespace {

// Sets an environment variable for one scope, restoring the old state after.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const QByteArray& value)
        : m_name(name), m_had(qEnvironmentVariableIsSet(name)), m_old(qgetenv(name)) {
        qputenv(name, value);
    }
    ~ScopedEnv() {
        if (m_had)
            qputenv(m_name, m_old);
        else
            qunsetenv(m_name);
    }

private:
    const char* m_name;
    bool m_had;
    QByteArray m_old;
};

double cosine(const float* a, const float* b, std::size_t n) {
    double ab = 0, aa = 0, bb = 0;
    for (std::size_t i = 0; i < n; ++i) {
        ab += double(a[i]) * b[i];
        aa += double(a[i]) * a[i];
        bb += double(b[i]) * b[i];
    }
    return ab / std::sqrt(aa * bb);
}

QString message(const Error& error) {
    return error.message;
}

EmbedderOptions withPrecision(Precision precision, const QString& cache, int batchSize = 32) {
    EmbedderOptions options;
    options.precision = precision;
    options.qualityCacheFolder = cache;
    options.batchSize = batchSize;
    return options;
}

bool cpuRuns(Precision precision) {
    return checkCpuRuns(precision, probeCpuFeatures()).ok();
}

EmbeddingMatrix randomMatrix(std::size_t rows, std::size_t dim, unsigned seed) {
    std::mt19937 generator(seed);
    std::normal_distribution<float> normal;
    EmbeddingMatrix m;
    m.rows = rows;
    m.dim = dim;
    for (std::size_t i = 0; i < rows * dim; ++i)
        m.values.push_back(normal(generator));
    return m;
}

} // namespace

class TestPrecision : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_cache.isValid());
        m_sentences = referenceSentences();
        for (const QJsonObject& record : readReference(QStringLiteral("embeddings.jsonl")))
            m_expected.push_back(toFloatVector(record.value(QStringLiteral("embedding"))));
        QCOMPARE(m_expected.size(), m_sentences.size());
        QVERIFY(calibrationTexts().size() >= 250);
    }

    void namesRoundTrip() {
        for (Precision p : {Precision::Fp32, Precision::Bf16, Precision::Int8, Precision::Auto})
            QCOMPARE(parsePrecision(precisionName(p).toUpper()), std::optional<Precision>(p));
        QVERIFY(!parsePrecision(QStringLiteral("fp16")));
    }

    // Each fast mode embeds the upstream reference sentences close to sentence-transformers'
    // fp32 vectors, within its threshold, and really runs its own arithmetic (not fp32's).
    void fastModesAgreeWithTheUpstreamReference_data() {
        QTest::addColumn<int>("mode");
        QTest::addColumn<double>("minMeanCosine");
        QTest::newRow("bf16") << int(Precision::Bf16) << kBf16MinMeanCosine;
        QTest::newRow("int8") << int(Precision::Int8) << kInt8MinMeanCosine;
    }
    void fastModesAgreeWithTheUpstreamReference() {
        QFETCH(int, mode);
        QFETCH(double, minMeanCosine);
        const auto precision = Precision(mode);
        if (!cpuRuns(precision))
            QSKIP("this CPU cannot run the mode (the refusal is tested below)");
        auto embedder = openEmbedder(tinyModelPath(), withPrecision(precision, m_cache.path()));
        QVERIFY2(embedder.ok(), embedder.ok() ? "" : qPrintable(message(embedder.error())));
        QCOMPARE((*embedder)->precision(), precision);
        QVERIFY((*embedder)->precisionQuality().has_value());
        QVERIFY((*embedder)->precisionQuality()->passed);
        auto vectors = (*embedder)->embed(QStringList(m_sentences.begin(), m_sentences.end()));
        QVERIFY(vectors.ok());
        double sum = 0, largestDiff = 0;
        for (std::size_t i = 0; i < m_sentences.size(); ++i) {
            sum += cosine(vectors->row(i), m_expected[i].data(), vectors->dim);
            for (std::size_t j = 0; j < vectors->dim; ++j)
                largestDiff =
                    std::max(largestDiff, std::fabs(double(vectors->row(i)[j]) - m_expected[i][j]));
        }
        const double mean = sum / double(m_sentences.size());
        QVERIFY2(mean >= minMeanCosine, qPrintable(QString::number(mean, 'f', 6)));
        // fp32 reaches ~1e-6 here; a fast mode that fell back to fp32 would too.
        QVERIFY2(largestDiff > 1e-4, qPrintable(QString::number(largestDiff)));
    }

    void vectorsDoNotDependOnTheBatchInAnyMode_data() {
        QTest::addColumn<int>("mode");
        QTest::newRow("fp32") << int(Precision::Fp32);
        QTest::newRow("bf16") << int(Precision::Bf16);
        QTest::newRow("int8") << int(Precision::Int8);
    }
    void vectorsDoNotDependOnTheBatchInAnyMode() {
        QFETCH(int, mode);
        const auto precision = Precision(mode);
        if (!cpuRuns(precision))
            QSKIP("this CPU cannot run the mode");
        auto embedder = openEmbedder(tinyModelPath(), withPrecision(precision, m_cache.path()));
        QVERIFY(embedder.ok());
        const QString longText = m_sentences[0].repeated(12);
        for (std::size_t i = 0; i < m_sentences.size(); i += 7) {
            auto alone = (*embedder)->embed({m_sentences[i]});
            auto mixed = (*embedder)->embed({longText, m_sentences[i], longText.left(200)});
            QVERIFY(alone.ok() && mixed.ok());
            double diff = 0;
            for (std::size_t j = 0; j < alone->dim; ++j)
                diff = std::max(diff, std::fabs(double(alone->row(0)[j]) - mixed->row(1)[j]));
            QVERIFY2(diff <= 1e-5, qPrintable(QStringLiteral("sentence %1: %2").arg(i).arg(diff)));
        }
    }

    // Symmetric per row: the largest magnitude maps to 127, halves round to even.
    void rowsAreQuantizedSymmetrically() {
        const float x[] = {1.0f, -0.5f, 0.25f, 0.0f, 0.0f, 0.0f,
                           0.0f, 0.0f,  -2.0f, 1.0f, 0.0f, 0.0f};
        std::int8_t q[12];
        float scales[3];
        quantizeRows(x, 3, 4, q, scales);
        const std::int8_t expected[] = {127, -64, 32, 0, 0, 0, 0, 0, -127, 64, 0, 0};
        for (int i = 0; i < 12; ++i)
            QCOMPARE(int(q[i]), int(expected[i])); // -63.5 -> -64 and 63.5 -> 64 (ties to even)
        QCOMPARE(scales[0], 1.0f / 127.0f);
        QCOMPARE(scales[1], 1.0f); // an all-zero row
        QCOMPARE(scales[2], 2.0f / 127.0f);
    }

    // The figures, computed here by brute force on matrices whose answers are known.
    void comparisonFigures() {
        const EmbeddingMatrix reference = randomMatrix(40, 16, 7);
        auto same = compareWithReference(reference, reference, Precision::Int8);
        QVERIFY(same.ok());
        QCOMPARE(same->texts, 40);
        QVERIFY(std::fabs(same->meanCosine - 1.0) < 1e-12);
        QVERIFY(std::fabs(same->neighbourOverlap - 1.0) < 1e-12);
        QVERIFY(same->passed);

        // Row 0 negated: its cosine is -1, the others 1; rows' neighbourhoods change too.
        EmbeddingMatrix flipped = reference;
        for (std::size_t j = 0; j < 16; ++j)
            flipped.values[j] = -flipped.values[j];
        auto q = compareWithReference(reference, flipped, Precision::Bf16);
        QVERIFY(q.ok());
        QVERIFY(std::fabs(q->minCosine + 1.0) < 1e-9);
        QVERIFY(std::fabs(q->meanCosine - 38.0 / 40.0) < 1e-9);
        QVERIFY(!q->passed); // 0.95 < 0.999

        // Rows shuffled: each text gets another text's vector, so neighbourhoods are random.
        EmbeddingMatrix shuffled = reference;
        for (std::size_t i = 0; i < 40; ++i)
            std::copy(reference.row((i + 17) % 40), reference.row((i + 17) % 40) + 16,
                      shuffled.values.begin() + std::ptrdiff_t(i * 16));
        auto random = compareWithReference(reference, shuffled, Precision::Int8);
        QVERIFY(random.ok());
        QVERIFY(random->neighbourOverlap < 0.5);
        QVERIFY(!random->passed);

        QVERIFY(!compareWithReference(reference, randomMatrix(40, 8, 1), Precision::Int8).ok());
        QVERIFY(!compareWithReference(randomMatrix(5, 8, 1), randomMatrix(5, 8, 2), Precision::Int8)
                     .ok());
    }

    void cacheIsPerModelModeAndCpu() {
        QTemporaryDir cache;
        PrecisionQuality q;
        q.precision = Precision::Int8;
        q.texts = 300;
        q.meanCosine = 0.995;
        q.minCosine = 0.97;
        q.neighbourOverlap = 0.9;
        q.passed = true;
        q.tokensPerSecond = 1234.5;
        const QString folder = cache.path() + QStringLiteral("/semsearch");
        QVERIFY(rememberQuality(folder, QStringLiteral("abc"), QStringLiteral("cpu A"), q).ok());
        QVERIFY(QFileInfo(folder).permissions() ==
                (QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner |
                 QFileDevice::ReadUser | QFileDevice::WriteUser | QFileDevice::ExeUser));
        auto back = rememberedQuality(folder, QStringLiteral("abc"), QStringLiteral("cpu A"),
                                      Precision::Int8);
        QVERIFY(back.has_value());
        QCOMPARE(back->texts, 300);
        QCOMPARE(back->meanCosine, 0.995);
        QCOMPARE(back->passed, true);
        QCOMPARE(back->tokensPerSecond, 1234.5);
        QVERIFY(!rememberedQuality(folder, QStringLiteral("abd"), QStringLiteral("cpu A"),
                                   Precision::Int8));
        QVERIFY(!rememberedQuality(folder, QStringLiteral("abc"), QStringLiteral("cpu B"),
                                   Precision::Int8));
        QVERIFY(!rememberedQuality(folder, QStringLiteral("abc"), QStringLiteral("cpu A"),
                                   Precision::Bf16));
        QFile damaged(folder + QStringLiteral("/precision-checks.json"));
        QVERIFY(damaged.open(QIODevice::WriteOnly) && damaged.write("{not json") > 0);
        damaged.close();
        QVERIFY(!rememberedQuality(folder, QStringLiteral("abc"), QStringLiteral("cpu A"),
                                   Precision::Int8));
    }

    // A remembered failure is believed: no check runs, the mode is refused with the remembered
    // figures, and auto passes over it.
    void rememberedResultsAreUsed() {
        if (!cpuRuns(Precision::Int8) || !cpuRuns(Precision::Bf16))
            QSKIP("needs a CPU with both fast modes");
        QTemporaryDir cache;
        auto info = openEmbedder(tinyModelPath());
        QVERIFY(info.ok());
        PrecisionQuality failed;
        failed.precision = Precision::Int8;
        failed.texts = 123;
        failed.meanCosine = 0.5;
        failed.minCosine = 0.25;
        failed.neighbourOverlap = 0.125;
        QVERIFY(rememberQuality(cache.path(), (*info)->model().weightsFingerprint,
                                cpuDescription(probeCpuFeatures()), failed)
                    .ok());
        auto refused = openEmbedder(tinyModelPath(), withPrecision(Precision::Int8, cache.path()));
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().code, ErrorCode::Unsupported);
        QVERIFY2(refused.error().message.contains(QStringLiteral("mean cosine 0.50000")) &&
                     refused.error().message.contains(QStringLiteral("over 123 texts")),
                 qPrintable(refused.error().message));
        auto chosen = openEmbedder(tinyModelPath(), withPrecision(Precision::Auto, cache.path()));
        QVERIFY(chosen.ok());
        QCOMPARE((*chosen)->precision(), Precision::Bf16);
        auto listed = rememberedQualities(tinyModelPath(), cache.path());
        QVERIFY(listed.ok());
        QCOMPARE(listed->size(), std::size_t(2)); // int8 as planted, bf16 from auto's check
    }

    // auto runs the fastest mode that passed, by the speeds remembered with the checks (planted
    // here, so nothing is timed): whichever is faster wins, not a fixed order.
    void autoRunsTheFastestPassingMode_data() {
        QTest::addColumn<double>("int8Speed");
        QTest::addColumn<double>("bf16Speed");
        QTest::addColumn<int>("expected");
        QTest::newRow("bf16 faster") << 100.0 << 200.0 << int(Precision::Bf16);
        QTest::newRow("int8 faster") << 300.0 << 200.0 << int(Precision::Int8);
    }
    void autoRunsTheFastestPassingMode() {
        QFETCH(double, int8Speed);
        QFETCH(double, bf16Speed);
        QFETCH(int, expected);
        if (!cpuRuns(Precision::Int8) || !cpuRuns(Precision::Bf16))
            QSKIP("needs a CPU with both fast modes");
        QTemporaryDir cache;
        auto info = openEmbedder(tinyModelPath());
        QVERIFY(info.ok());
        for (auto [precision, speed] :
             {std::pair(Precision::Int8, int8Speed), std::pair(Precision::Bf16, bf16Speed)}) {
            PrecisionQuality passed;
            passed.precision = precision;
            passed.texts = 300;
            passed.meanCosine = 0.9999;
            passed.minCosine = 0.999;
            passed.neighbourOverlap = 1.0;
            passed.passed = true;
            passed.tokensPerSecond = speed;
            QVERIFY(rememberQuality(cache.path(), (*info)->model().weightsFingerprint,
                                    cpuDescription(probeCpuFeatures()), passed)
                        .ok());
        }
        auto chosen = openEmbedder(tinyModelPath(), withPrecision(Precision::Auto, cache.path()));
        QVERIFY(chosen.ok());
        QCOMPARE((*chosen)->precision(), Precision(expected));
        QVERIFY((*chosen)->precisionQuality().has_value());
        QCOMPARE((*chosen)->precisionQuality()->tokensPerSecond,
                 expected == int(Precision::Int8) ? int8Speed : bf16Speed);
    }

    // A check run afresh measures the mode's speed and remembers it with the figures.
    void theCheckMeasuresTheSpeed() {
        if (!cpuRuns(Precision::Int8))
            QSKIP("this CPU has no int8");
        QTemporaryDir cache;
        auto embedder = openEmbedder(tinyModelPath(), withPrecision(Precision::Int8, cache.path()));
        QVERIFY(embedder.ok());
        QVERIFY((*embedder)->precisionQuality()->tokensPerSecond > 0.0);
        auto remembered = rememberedQuality(cache.path(), (*embedder)->model().weightsFingerprint,
                                            cpuDescription(probeCpuFeatures()), Precision::Int8);
        QVERIFY(remembered.has_value());
        QCOMPARE(remembered->tokensPerSecond, (*embedder)->precisionQuality()->tokensPerSecond);
    }

    // A model made to break int8 is refused for int8 with the figures, and auto takes the next
    // mode. bf16 keeps it.
    void anOutlierModelIsRefusedForInt8() {
        if (!cpuRuns(Precision::Int8))
            QSKIP("this CPU has no int8");
        ModelFolderCopy model;
        QVERIFY(model.isValid());
        QVERIFY(plantInt8Outliers(model.filePath(QStringLiteral("model.safetensors")), 2, 32));
        QTemporaryDir cache;
        auto refused = openEmbedder(model.path(), withPrecision(Precision::Int8, cache.path()));
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().code, ErrorCode::Unsupported);
        const QString text = refused.error().message;
        QVERIFY2(text.startsWith(QStringLiteral("int8 is not accurate enough with the model")) &&
                     text.contains(QStringLiteral("mean cosine")) &&
                     text.contains(QStringLiteral("10-nearest overlap")),
                 qPrintable(text));
        auto chosen = openEmbedder(model.path(), withPrecision(Precision::Auto, cache.path()));
        QVERIFY(chosen.ok());
        QCOMPARE((*chosen)->precision(),
                 cpuRuns(Precision::Bf16) ? Precision::Bf16 : Precision::Fp32);
        if (cpuRuns(Precision::Bf16)) {
            auto bf16 = openEmbedder(model.path(), withPrecision(Precision::Bf16, cache.path()));
            QVERIFY2(bf16.ok(), bf16.ok() ? "" : qPrintable(message(bf16.error())));
        }
    }

    // An older CPU, pretended through the environment: a named fast mode gets one clear line,
    // auto quietly runs fp32.
    void aPretendedOldCpuRefusesFastModes() {
        const ScopedEnv old("SEMSEARCH_CPU_FEATURES", "none");
        QVERIFY(!probeCpuFeatures().runsBf16() && !probeCpuFeatures().runsInt8());
        auto bf16 = openEmbedder(tinyModelPath(), withPrecision(Precision::Bf16, m_cache.path()));
        QVERIFY(!bf16.ok());
        QCOMPARE(bf16.error().message,
                 QStringLiteral("bf16 needs AVX512_BF16 or AMX; this CPU has neither"));
        auto int8 = openEmbedder(tinyModelPath(), withPrecision(Precision::Int8, m_cache.path()));
        QVERIFY(!int8.ok());
        QCOMPARE(int8.error().message,
                 QStringLiteral("int8 needs AVX512_VNNI, AVX_VNNI or AMX; this CPU has none of "
                                "them"));
        auto chosen = openEmbedder(tinyModelPath(), withPrecision(Precision::Auto, m_cache.path()));
        QVERIFY(chosen.ok());
        QCOMPARE((*chosen)->precision(), Precision::Fp32);
    }

    void theProbeIsNarrowedNotWidened() {
        const CpuFeatures real = probeCpuFeatures();
        const ScopedEnv only("SEMSEARCH_CPU_FEATURES", "avx512_vnni,amx_bf16");
        const CpuFeatures narrowed = probeCpuFeatures();
        QVERIFY(!narrowed.avx512Bf16);
        QCOMPARE(narrowed.avx512Vnni, real.avx512Vnni);
        QCOMPARE(narrowed.amxBf16, real.amxBf16);
    }

    // The LibTorch encoder, the fallback when oneDNN has no optimised kernel, forced from the
    // environment: the same reference as the main path, and no fast mode on it.
    void theLibTorchFallbackMatchesTheReference() {
        const ScopedEnv forced("SEMSEARCH_ENCODER", "libtorch");
        auto embedder = openEmbedder(tinyModelPath());
        QVERIFY(embedder.ok());
        auto vectors = (*embedder)->embed(QStringList(m_sentences.begin(), m_sentences.end()));
        QVERIFY(vectors.ok());
        for (std::size_t i = 0; i < m_sentences.size(); ++i)
            for (std::size_t j = 0; j < vectors->dim; ++j)
                QVERIFY2(std::fabs(vectors->row(i)[j] - m_expected[i][j]) <= 1e-5,
                         qPrintable(QStringLiteral("sentence %1").arg(i)));
        auto bf16 = openEmbedder(tinyModelPath(), withPrecision(Precision::Bf16, m_cache.path()));
        if (cpuRuns(Precision::Bf16)) {
            QVERIFY(!bf16.ok());
            QVERIFY2(bf16.error().message.contains(QStringLiteral("SEMSEARCH_ENCODER=libtorch")),
                     qPrintable(bf16.error().message));
        }
        auto chosen = openEmbedder(tinyModelPath(), withPrecision(Precision::Auto, m_cache.path()));
        QVERIFY(chosen.ok());
        QCOMPARE((*chosen)->precision(), Precision::Fp32);
    }

    // bert-base's shapes (768 wide, 12 heads, 3072 inner, 12 layers) with random weights: the
    // fast modes pass their thresholds there too. Random weights prove the arithmetic, not a
    // real model's quality; that is what the check on the user's model is for.
    void aBertBaseShapedModelPasses() {
#ifndef SEMSEARCH_MAKE_RANDOM_BERT
        QSKIP("built without the benchmark programs (SEMSEARCH_BUILD_BENCH=OFF)");
#else
        QTemporaryDir dir;
        const QString model = dir.path() + QStringLiteral("/bert-base-random");
        QProcess make;
        make.start(QStringLiteral(SEMSEARCH_MAKE_RANDOM_BERT), {model});
        QVERIFY(make.waitForFinished(-1) && make.exitCode() == 0);
        // Every fourth calibration text, compared here with compareWithReference: a full check
        // per mode on bert-base takes minutes on a busy 2-core machine. The embedders open
        // through a remembered pass, so that they embed exactly what is compared.
        QStringList texts;
        const QStringList all = calibrationTexts();
        for (qsizetype i = 0; i < all.size(); i += 4)
            texts << all[i];
        auto fp32 = openEmbedder(model);
        QVERIFY(fp32.ok());
        auto reference = (*fp32)->embed(texts);
        QVERIFY(reference.ok());
        const QString fingerprint = (*fp32)->model().weightsFingerprint;
        fp32->reset();
        for (Precision precision : {Precision::Bf16, Precision::Int8}) {
            if (!cpuRuns(precision))
                continue;
            PrecisionQuality admitted;
            admitted.precision = precision;
            admitted.texts = 1;
            admitted.passed = true;
            QVERIFY(rememberQuality(dir.path(), fingerprint, cpuDescription(probeCpuFeatures()),
                                    admitted)
                        .ok());
            auto embedder = openEmbedder(model, withPrecision(precision, dir.path()));
            QVERIFY2(embedder.ok(), embedder.ok() ? "" : qPrintable(message(embedder.error())));
            QCOMPARE((*embedder)->precision(), precision);
            auto vectors = (*embedder)->embed(texts);
            QVERIFY(vectors.ok());
            auto q = compareWithReference(*reference, *vectors, precision);
            QVERIFY(q.ok());
            qInfo("%s: %s; fp32 vectors of different texts: mean cosine %.4f",
                  qPrintable(precisionName(precision)), qPrintable(q->figures()), q->spreadCosine);
            QVERIFY(q->passed);
            // The agreement must be far tighter than how alike different texts are, or the
            // figures would say nothing.
            QVERIFY(1.0 - q->meanCosine < (1.0 - q->spreadCosine) / 20.0);
        }
#endif
    }

private:
    QTemporaryDir m_cache;
    std::vector<QString> m_sentences;
    std::vector<std::vector<float>> m_expected;
};

QTEST_GUILESS_MAIN(TestPrecision)
#include "test_precision.moc"
