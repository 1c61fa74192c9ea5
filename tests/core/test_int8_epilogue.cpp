// The int8 dense layer's own epilogue (int8_rows.h) and the whole int8 layer (onednn_layers.h)
// against scalar references in double precision written out here: the int32 product scaled per
// row and per column, plus the bias, then GELU (std::erf) or the residual.

#include "embed/int8_rows.h"
#include "embed/onednn_layers.h"
#include "semsearch/precision.h"

#include <QtTest>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

using namespace semsearch;

namespace {

double gelu(double v) {
    return 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)));
}

double reference(double v, Int8Epilogue epilogue, double residual) {
    switch (epilogue) {
    case Int8Epilogue::None:
        return v;
    case Int8Epilogue::GeluErf:
        return gelu(v);
    case Int8Epilogue::AddToOutput:
        return v + residual;
    }
    return 0;
}

// Float rounding of the sum, plus the erf approximation's 1.5e-7 for GELU.
bool close(double actual, double expected, double magnitude) {
    return std::fabs(actual - expected) <= 1e-6 * (1.0 + magnitude);
}

using Kernel = void (*)(const Int8Product&, Int8Epilogue, float*);

// A product whose values before the epilogue span -12..12, with some exactly 0 and some far out
// (+-40, where GELU is x or 0): every branch of GELU's approximation.
struct RandomProduct {
    std::int64_t rows, cols;
    std::vector<std::int32_t> accumulators;
    std::vector<float> rowScales, columnScales, bias, residual;

    RandomProduct(std::int64_t r, std::int64_t c, unsigned seed) : rows(r), cols(c) {
        std::mt19937 generator(seed);
        std::uniform_int_distribution<std::int32_t> acc(-400000, 400000);
        std::uniform_real_distribution<float> scale(1e-3f, 4e-3f), small(-1.0f, 1.0f);
        for (std::int64_t i = 0; i < rows * cols; ++i) {
            accumulators.push_back(acc(generator));
            residual.push_back(small(generator) * 3.0f);
        }
        for (std::int64_t i = 0; i < rows; ++i)
            rowScales.push_back(scale(generator) * 10.0f);
        for (std::int64_t i = 0; i < cols; ++i) {
            columnScales.push_back(scale(generator));
            bias.push_back(small(generator));
        }
        accumulators[0] = 0;
        bias[0] = 0.0f; // v = 0 exactly
        accumulators[1] = 2000000;
        accumulators[2] = -2000000;
    }
    Int8Product operands() const {
        return {
            accumulators.data(), rowScales.data(), columnScales.data(), bias.data(), rows, cols};
    }
    double value(std::int64_t r, std::int64_t c) const {
        return double(accumulators[r * cols + c]) * rowScales[r] * columnScales[c] + bias[c];
    }
};

// Runs `kernel` on `p` and compares every value with the double-precision reference.
void checkKernel(Kernel kernel, const RandomProduct& p, Int8Epilogue epilogue) {
    std::vector<float> y = p.residual;
    kernel(p.operands(), epilogue, y.data());
    for (std::int64_t r = 0; r < p.rows; ++r)
        for (std::int64_t c = 0; c < p.cols; ++c) {
            const double v = p.value(r, c);
            const double expected = reference(v, epilogue, p.residual[r * p.cols + c]);
            const double actual = y[r * p.cols + c];
            QVERIFY2(close(actual, expected, std::fabs(v) + std::fabs(expected)),
                     qPrintable(QStringLiteral("row %1, column %2: %3 for %4 (v = %5)")
                                    .arg(r)
                                    .arg(c)
                                    .arg(actual, 0, 'g', 9)
                                    .arg(expected, 0, 'g', 9)
                                    .arg(v, 0, 'g', 9)));
        }
}

} // namespace

class TestInt8Epilogue : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void kernelsMatchTheReference_data() {
        QTest::addColumn<int>("epilogue");
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("cols");
        // 37 columns: vector bodies and their remainders; 1024 x 2048: the parallel path.
        QTest::newRow("none") << int(Int8Epilogue::None) << 5 << 37;
        QTest::newRow("gelu") << int(Int8Epilogue::GeluErf) << 5 << 37;
        QTest::newRow("residual") << int(Int8Epilogue::AddToOutput) << 5 << 37;
        QTest::newRow("gelu, many rows") << int(Int8Epilogue::GeluErf) << 1024 << 2048;
    }

    void kernelsMatchTheReference() {
        QFETCH(int, epilogue);
        QFETCH(int, rows);
        QFETCH(int, cols);
        const RandomProduct p(rows, cols, 11);
        const auto e = static_cast<Int8Epilogue>(epilogue);
        checkKernel(dequantizeRowsPortable, p, e);
        if (QTest::currentTestFailed())
            return;
        checkKernel(dequantizeRows, p, e);
        if (QTest::currentTestFailed())
            return;
        if (!cpuRunsAvx512Epilogue())
            QSKIP("this CPU has no AVX-512: the portable kernel is the one that runs");
        checkKernel(dequantizeRowsAvx512, p, e);
    }

    // GELU over a fine sweep, where the erf approximation is weakest (around |v| = 1..3).
    void geluMatchesErfEverywhere() {
        const std::int64_t cols = 4001;
        std::vector<std::int32_t> acc;
        for (std::int64_t c = 0; c < cols; ++c)
            acc.push_back(static_cast<std::int32_t>(c - cols / 2));
        const float rowScale = 1.0f, columnScale = 1.0f / 200.0f; // -10 .. 10
        const std::vector<float> columnScales(cols, columnScale), bias(cols, 0.0f);
        std::vector<float> y(cols);
        const Int8Product p{acc.data(), &rowScale, columnScales.data(), bias.data(), 1, cols};
        for (Kernel kernel : {dequantizeRowsPortable, dequantizeRows}) {
            kernel(p, Int8Epilogue::GeluErf, y.data());
            for (std::int64_t c = 0; c < cols; ++c) {
                const double v = double(acc[c]) * columnScale;
                QVERIFY2(std::fabs(y[c] - gelu(v)) <= 2e-7 * (1.0 + std::fabs(v)),
                         qPrintable(QStringLiteral("gelu(%1) = %2, expected %3")
                                        .arg(v)
                                        .arg(y[c], 0, 'g', 9)
                                        .arg(gelu(v), 0, 'g', 9)));
            }
        }
    }

    // The whole int8 layer: x and W quantized as documented, the exact integer product, then
    // the epilogue's formula, against OneDnnLinear with its weights in oneDNN's blocked layout.
    void theInt8LayerMatchesTheReference_data() {
        QTest::addColumn<int>("postOp");
        QTest::newRow("none") << int(OneDnnLinear::PostOp::None);
        QTest::newRow("gelu") << int(OneDnnLinear::PostOp::GeluErf);
        QTest::newRow("residual") << int(OneDnnLinear::PostOp::AddToOutput);
    }

    void theInt8LayerMatchesTheReference() {
        QFETCH(int, postOp);
        if (!checkCpuRuns(Precision::Int8, probeCpuFeatures()).ok())
            QSKIP("this CPU has no int8 (the refusal is tested in test_precision)");
        const std::int64_t in = 96, out = 40;
        std::mt19937 generator(5);
        std::normal_distribution<float> normal;
        std::vector<float> weight(in * out), bias(out), x, residual;
        for (float& w : weight)
            w = normal(generator) * 0.1f;
        for (float& b : bias)
            b = normal(generator);
        const auto op = static_cast<OneDnnLinear::PostOp>(postOp);
        auto layer = OneDnnLinear::create(weight.data(), bias.data(), out, in, op, Precision::Int8);
        QVERIFY2(layer.ok(), layer.ok() ? "" : qPrintable(layer.error().message));
        for (std::int64_t rows : {1, 7, 64}) { // each a primitive of its own, one weight
            x.resize(rows * in);
            residual.resize(rows * out);
            for (float& v : x)
                v = normal(generator);
            for (float& v : residual)
                v = normal(generator);
            std::vector<float> y = residual;
            QVERIFY(layer->forward(x.data(), rows, y.data()).ok());

            std::vector<std::int8_t> xq(rows * in), wq(in * out);
            std::vector<float> xs(rows), ws(out);
            quantizeRows(x.data(), rows, in, xq.data(), xs.data());
            quantizeRows(weight.data(), out, in, wq.data(), ws.data());
            const Int8Epilogue epilogue =
                op == OneDnnLinear::PostOp::GeluErf       ? Int8Epilogue::GeluErf
                : op == OneDnnLinear::PostOp::AddToOutput ? Int8Epilogue::AddToOutput
                                                          : Int8Epilogue::None;
            for (std::int64_t r = 0; r < rows; ++r)
                for (std::int64_t o = 0; o < out; ++o) {
                    std::int64_t sum = 0;
                    for (std::int64_t k = 0; k < in; ++k)
                        sum += std::int64_t(xq[r * in + k]) * wq[o * in + k];
                    const double v = double(sum) * xs[r] * ws[o] + bias[o];
                    const double expected = reference(v, epilogue, residual[r * out + o]);
                    QVERIFY2(close(y[r * out + o], expected, std::fabs(v) + std::fabs(expected)),
                             qPrintable(QStringLiteral("%1 rows, row %2, output %3: %4, "
                                                       "expected %5")
                                            .arg(rows)
                                            .arg(r)
                                            .arg(o)
                                            .arg(y[r * out + o])
                                            .arg(expected)));
                }
        }
    }
};

QTEST_GUILESS_MAIN(TestInt8Epilogue)
#include "test_int8_epilogue.moc"
