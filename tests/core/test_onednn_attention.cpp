// BERT's self-attention as OneDnnAttention runs it (onednn_layers.h), in fp32 and with its two
// products in bf16, against softmax(Q K^T / sqrt(head size) + mask) V computed here in double
// from the same QKV rows: heads read from the right columns, the scale, the padding mask and
// the context written back in [tokens, hidden] order.

#include "embed/onednn_layers.h"
#include "semsearch/precision.h"

#include <QtTest>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

using namespace semsearch;

namespace {

constexpr std::int64_t kHeads = 4, kHeadSize = 64, kHidden = kHeads * kHeadSize;
constexpr std::int64_t kBatch = 3, kTokens = 7;
const std::int64_t kLengths[kBatch] = {7, 4, 1}; // real tokens of each text; the rest padding

struct Inputs {
    std::vector<float> qkv;      // [batch * tokens, 3 * hidden]
    std::vector<float> maskBias; // [batch, tokens]
};

Inputs randomInputs() {
    std::mt19937 generator(13);
    std::normal_distribution<float> normal;
    Inputs in;
    in.qkv.resize(kBatch * kTokens * 3 * kHidden);
    for (float& v : in.qkv)
        v = normal(generator);
    for (std::int64_t b = 0; b < kBatch; ++b)
        for (std::int64_t t = 0; t < kTokens; ++t)
            in.maskBias.push_back(t < kLengths[b] ? 0.0f : std::numeric_limits<float>::lowest());
    return in;
}

// The context of every token (padding included: it attends to the real tokens too), in double.
std::vector<double> referenceContext(const Inputs& in) {
    std::vector<double> context(kBatch * kTokens * kHidden);
    auto at = [&](std::int64_t b, std::int64_t t, std::int64_t part, std::int64_t h,
                  std::int64_t d) {
        return double(in.qkv[(b * kTokens + t) * 3 * kHidden + part * kHidden + h * kHeadSize + d]);
    };
    for (std::int64_t b = 0; b < kBatch; ++b)
        for (std::int64_t h = 0; h < kHeads; ++h)
            for (std::int64_t i = 0; i < kTokens; ++i) {
                std::vector<double> weights(kLengths[b]); // padded keys get none
                double largest = -INFINITY, total = 0;
                for (std::int64_t j = 0; j < kLengths[b]; ++j) {
                    double score = 0;
                    for (std::int64_t d = 0; d < kHeadSize; ++d)
                        score += at(b, i, 0, h, d) * at(b, j, 1, h, d);
                    weights[j] = score / std::sqrt(double(kHeadSize));
                    largest = std::max(largest, weights[j]);
                }
                for (double& w : weights)
                    total += (w = std::exp(w - largest));
                for (std::int64_t d = 0; d < kHeadSize; ++d) {
                    double sum = 0;
                    for (std::int64_t j = 0; j < kLengths[b]; ++j)
                        sum += weights[j] / total * at(b, j, 2, h, d);
                    context[(b * kTokens + i) * kHidden + h * kHeadSize + d] = sum;
                }
            }
    return context;
}

// bfloat16 as the attention takes and gives it in bf16: a float's upper half, rounded to
// nearest even (no NaNs here).
std::uint16_t toBfloat16(float value) {
    std::uint32_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    bits += 0x7fffu + ((bits >> 16) & 1u);
    return static_cast<std::uint16_t>(bits >> 16);
}

float fromBfloat16(std::uint16_t half) {
    const std::uint32_t bits = std::uint32_t(half) << 16;
    float value;
    std::memcpy(&value, &bits, sizeof value);
    return value;
}

// The largest difference from the reference, or a failure message. In bf16 the QKV rows go in
// and the context comes out in bfloat16.
Result<double> largestError(Precision products) {
    auto attention = OneDnnAttention::create(kHeads, kHeadSize, nullptr, products);
    if (!attention)
        return attention.error();
    const Inputs in = randomInputs();
    std::vector<float> scores(kBatch * kHeads * kTokens * kTokens);
    std::vector<float> context(kBatch * kTokens * kHidden);
    const bool bf16 = products == Precision::Bf16;
    std::vector<std::uint16_t> qkvBf16, contextBf16(bf16 ? context.size() : 0);
    for (float v : bf16 ? in.qkv : std::vector<float>())
        qkvBf16.push_back(toBfloat16(v));
    const void* qkv = bf16 ? static_cast<const void*>(qkvBf16.data()) : in.qkv.data();
    void* out = bf16 ? static_cast<void*>(contextBf16.data()) : context.data();
    if (auto done =
            attention->forward(qkv, in.maskBias.data(), kBatch, kTokens, scores.data(), out);
        !done)
        return done.error();
    for (std::size_t k = 0; k < contextBf16.size(); ++k)
        context[k] = fromBfloat16(contextBf16[k]);
    const std::vector<double> expected = referenceContext(in);
    double worst = 0;
    for (std::size_t k = 0; k < expected.size(); ++k)
        worst = std::max(worst, std::fabs(context[k] - expected[k]));
    return worst;
}

} // namespace

class TestOneDnnAttention : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void fp32MatchesTheReference() {
        auto error = largestError(Precision::Fp32);
        if (!error && error.error().code == ErrorCode::Unsupported)
            QSKIP(qPrintable(error.error().message)); // the encoder then runs LibTorch's
        QVERIFY2(error.ok(), error.ok() ? "" : qPrintable(error.error().message));
        QVERIFY2(*error < 1e-5, qPrintable(QString::number(*error)));
    }

    // Q, K, V, the probabilities and the context rounded to bfloat16 (8 significant bits, a
    // relative error of up to 2^-9 each), fp32 sums: on values of about 1 the context is off by a
    // few thousandths, while a head, a mask or a scale gone wrong is off by tenths or more.
    void bf16MatchesTheReferenceWithinItsRounding() {
        if (!checkCpuRuns(Precision::Bf16, probeCpuFeatures()).ok())
            QSKIP("this CPU has no bf16 (the refusal is tested in test_precision)");
        auto error = largestError(Precision::Bf16);
        QVERIFY2(error.ok(), error.ok() ? "" : qPrintable(error.error().message));
        QVERIFY2(*error < 0.02, qPrintable(QString::number(*error)));
        // And it did run in bf16: fp32 products would be within float rounding.
        QVERIFY2(*error > 1e-4, qPrintable(QString::number(*error)));
    }

    void otherPrecisionsAreRefused() {
        auto int8 = OneDnnAttention::create(kHeads, kHeadSize, nullptr, Precision::Int8);
        QVERIFY(!int8.ok());
        QCOMPARE(int8.error().code, ErrorCode::InvalidArgument);
    }
};

QTEST_GUILESS_MAIN(TestOneDnnAttention)
#include "test_onednn_attention.moc"
