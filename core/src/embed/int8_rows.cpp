#include "embed/int8_rows.h"

#include <algorithm>
#include <cmath>

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

} // namespace

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
