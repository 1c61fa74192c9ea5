#include "embed/int8_rows.h"

#include <algorithm>
#include <cmath>
#include <cstring>

// Compiled with -fopenmp (core/CMakeLists.txt). Each function is cloned for AVX-512, AVX2 and
// plain x86-64 and the right one picked at load time, so the `omp simd` loops run as wide as
// the CPU allows on a binary built for any x86-64.
#define SEMSEARCH_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

namespace semsearch {

namespace {

// Adding and subtracting 1.5 * 2^23 rounds a float of magnitude < 2^22 to the nearest integer,
// ties to even (the FPU's default mode), in a form every vector width has.
constexpr float kRoundingMagic = 12582912.0f;

// Below this many values one thread is quicker: a parallel region costs a few microseconds, and
// on a busy machine a whole scheduler slice whenever the other thread is not running (measured:
// 20 ms for a 768 x 768 input at load 14, against 1.4 ms on one thread).
constexpr std::int64_t kParallelValues = std::int64_t(1) << 21;

#define SEMSEARCH_INLINE inline __attribute__((always_inline))

// e^x for x in [-40, 0], to a few float roundings: x = n ln 2 + r with |r| <= ln 2 / 2 (ln 2 in
// two parts, so that n ln 2 is exact), e^r by its Taylor series to r^7 (error < 1e-8), 2^n by
// building the float's exponent. libm's expf is not vectorized without -ffast-math.
SEMSEARCH_INLINE float expNonPositive(float x) {
    const float n = (x * 1.44269504f + kRoundingMagic) - kRoundingMagic;
    const float r = (x - n * 0.693145752f) - n * 1.42860677e-6f;
    float p = 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    const std::int32_t bits = (static_cast<std::int32_t>(n) + 127) * (1 << 23);
    float twoToN;
    std::memcpy(&twoToN, &bits, sizeof twoToN);
    return p * twoToN;
}

// gelu(v) = v / 2 (1 + erf(v / sqrt 2)), with erf from Abramowitz and Stegun 7.1.26 (absolute
// error <= 1.5e-7): 1 - erf(z) = t (a1 + t (a2 + ...)) e^(-z^2), t = 1 / (1 + p z), z >= 0. For
// v < 0 the factor 1 + erf is that tail itself, so it keeps its relative accuracy.
SEMSEARCH_INLINE float geluErf(float v) {
    const float z = std::min(std::fabs(v) * 0.707106781f, 6.0f); // erf(6) is 1 in float
    const float t = 1.0f / (1.0f + 0.3275911f * z);
    float poly = 1.061405429f;
    poly = poly * t - 1.453152027f;
    poly = poly * t + 1.421413741f;
    poly = poly * t - 0.284496736f;
    poly = poly * t + 0.254829592f;
    const float tail = poly * t * expNonPositive(-z * z);
    return 0.5f * v * (v < 0.0f ? tail : 2.0f - tail);
}

// Rows [first, end) of dequantizeRows, inlined into each kernel below so that each is vectorized
// for its own instruction set. No OpenMP region in here: GCC outlines those before it inlines,
// and the outlined loop would lose the kernel's instruction set.
SEMSEARCH_INLINE void dequantizeBlock(const Int8Product& p, Int8Epilogue epilogue,
                                      std::int64_t first, std::int64_t end, float* y) {
    const std::int64_t cols = p.cols;
    const float* columnScales = p.columnScales;
    const float* bias = p.bias;
    for (std::int64_t r = first; r < end; ++r) {
        const std::int32_t* acc = p.accumulators + r * cols;
        const float rowScale = p.rowScales[r];
        float* out = y + r * cols;
        switch (epilogue) {
        case Int8Epilogue::None:
#pragma omp simd
            for (std::int64_t c = 0; c < cols; ++c)
                out[c] = static_cast<float>(acc[c]) * (rowScale * columnScales[c]) + bias[c];
            break;
        case Int8Epilogue::GeluErf:
#pragma omp simd
            for (std::int64_t c = 0; c < cols; ++c)
                out[c] =
                    geluErf(static_cast<float>(acc[c]) * (rowScale * columnScales[c]) + bias[c]);
            break;
        case Int8Epilogue::AddToOutput:
#pragma omp simd
            for (std::int64_t c = 0; c < cols; ++c)
                out[c] += static_cast<float>(acc[c]) * (rowScale * columnScales[c]) + bias[c];
            break;
        }
    }
}

void dequantizeBlockPortable(const Int8Product& p, Int8Epilogue epilogue, std::int64_t first,
                             std::int64_t end, float* y) {
    dequantizeBlock(p, epilogue, first, end, y);
}

__attribute__((target("avx512f"))) void dequantizeBlockAvx512(const Int8Product& p,
                                                              Int8Epilogue epilogue,
                                                              std::int64_t first, std::int64_t end,
                                                              float* y) {
    dequantizeBlock(p, epilogue, first, end, y);
}

using DequantizeBlock = void (*)(const Int8Product&, Int8Epilogue, std::int64_t, std::int64_t,
                                 float*);

void dequantizeInParallel(DequantizeBlock kernel, const Int8Product& p, Int8Epilogue epilogue,
                          float* y) {
#pragma omp parallel for schedule(static) if (p.rows * p.cols >= kParallelValues)
    for (std::int64_t r = 0; r < p.rows; ++r)
        kernel(p, epilogue, r, r + 1, y);
}

} // namespace

void dequantizeRowsPortable(const Int8Product& product, Int8Epilogue epilogue, float* y) {
    dequantizeInParallel(dequantizeBlockPortable, product, epilogue, y);
}

void dequantizeRowsAvx512(const Int8Product& product, Int8Epilogue epilogue, float* y) {
    dequantizeInParallel(dequantizeBlockAvx512, product, epilogue, y);
}

bool cpuRunsAvx512Epilogue() {
    // libgcc's probe also checks that the operating system saves the AVX-512 registers.
    static const bool runs = __builtin_cpu_supports("avx512f");
    return runs;
}

void dequantizeRows(const Int8Product& product, Int8Epilogue epilogue, float* y) {
    dequantizeInParallel(cpuRunsAvx512Epilogue() ? dequantizeBlockAvx512 : dequantizeBlockPortable,
                         product, epilogue, y);
}

SEMSEARCH_CLONES
void quantizeRows(const float* x, std::int64_t rows, std::int64_t cols, std::int8_t* q,
                  float* scales) {
#pragma omp parallel for schedule(static) if (rows * cols >= kParallelValues)
    for (std::int64_t r = 0; r < rows; ++r) {
        const float* in = x + r * cols;
        std::int8_t* out = q + r * cols;
        float largest = 0.0f;
#pragma omp simd reduction(max : largest)
        for (std::int64_t c = 0; c < cols; ++c)
            largest = std::max(largest, std::fabs(in[c]));
        const float scale = largest > 0.0f ? largest / 127.0f : 1.0f;
        const float inverse = 1.0f / scale;
        scales[r] = scale;
        // |in[c]| <= largest, so |in[c] * inverse| <= 127 up to one rounding, and rounds to at
        // most 127: no clamp needed (a clamp's branches kept GCC from vectorizing the loop).
#pragma omp simd
        for (std::int64_t c = 0; c < cols; ++c) {
            const float v = (in[c] * inverse + kRoundingMagic) - kRoundingMagic;
            out[c] = static_cast<std::int8_t>(static_cast<std::int32_t>(v));
        }
    }
}

} // namespace semsearch
