// The dot-product kernels of the vector scan.
//
// One query against many rows is limited by arithmetic, not memory, with Debian's FAISS: it is
// built for baseline x86-64 (SSE2), and its fvec_inner_product scans 100,000 x 768 floats in
// 62 ms (5 GB/s) on the AVX-512 development machine (IndexFlat::search with one query: 57 ms).
// The AVX-512 kernel below takes 23 ms (13 GB/s), and two threads 11 ms. (faiss' BLAS path only
// starts at 20 queries, and IndexFlat::search parallelises over queries, so neither helps a
// single query.) The kernels are picked at run time, so the binary still runs on any
// x86-64; elsewhere FAISS' own kernel is used.

#include "index/vector_kernels.h"

#include <faiss/utils/distances.h>

#include <cmath>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define SEMSEARCH_X86_KERNELS 1
#endif

namespace semsearch {

namespace {

float dotFaiss(const float* a, const float* b, std::size_t d) {
    return faiss::fvec_inner_product(a, b, d);
}

#ifdef SEMSEARCH_X86_KERNELS
__attribute__((target("avx512f"))) float dotAvx512(const float* a, const float* b, std::size_t d) {
    // Four accumulators hide the FMA latency; a single one would halve the speed.
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    std::size_t i = 0;
    for (; i + 64 <= d; i += 64) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
        s2 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32), s2);
        s3 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48), s3);
    }
    for (; i + 16 <= d; i += 16)
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
    if (i < d) {
        const __mmask16 mask = __mmask16((1u << (d - i)) - 1);
        s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, a + i), _mm512_maskz_loadu_ps(mask, b + i),
                             s1);
    }
    // Summed through memory: GCC 12 warns about _mm512_undefined_ps() inside every AVX-512
    // horizontal-sum intrinsic (a false positive); 16 scalar adds cost nothing next to 768 FMAs.
    alignas(64) float lanes[16];
    _mm512_store_ps(lanes, _mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
    float sum = 0;
    for (float lane : lanes)
        sum += lane;
    return sum;
}

__attribute__((target("avx2,fma"))) float dotAvx2(const float* a, const float* b, std::size_t d) {
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    std::size_t i = 0;
    for (; i + 32 <= d; i += 32) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
        s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
        s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
    }
    for (; i + 8 <= d; i += 8)
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    const __m256 s = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_movehdup_ps(h));
    float sum = _mm_cvtss_f32(h);
    for (; i < d; ++i)
        sum += a[i] * b[i];
    return sum;
}

// uint8 -> int32 -> float, 16 (AVX-512) or 8 (AVX2) at a time; macros, not lambdas, because a
// lambda does not inherit its function's target attribute. The AVX-512 conversions are the
// zero-masked forms with every lane set, the same instructions: the plain ones start from
// _mm512_undefined_*(), which GCC 12 at -O2 reports as maybe uninitialized (a false positive
// that -Werror turns into a failed build).
#define widen16(p)                                                                                 \
    _mm512_maskz_cvtepi32_ps(                                                                      \
        __mmask16(0xffff),                                                                         \
        _mm512_maskz_cvtepu8_epi32(__mmask16(0xffff),                                              \
                                   _mm_loadu_si128(reinterpret_cast<const __m128i*>(p))))
#define widen8(p)                                                                                  \
    _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))))

// Four accumulators as in dotAvx512.
__attribute__((target("avx512f"))) float codeDotAvx512(const float* w, const unsigned char* c,
                                                       std::size_t d) {
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    std::size_t i = 0;
    for (; i + 64 <= d; i += 64) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(w + i), widen16(c + i), s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(w + i + 16), widen16(c + i + 16), s1);
        s2 = _mm512_fmadd_ps(_mm512_loadu_ps(w + i + 32), widen16(c + i + 32), s2);
        s3 = _mm512_fmadd_ps(_mm512_loadu_ps(w + i + 48), widen16(c + i + 48), s3);
    }
    for (; i + 16 <= d; i += 16)
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(w + i), widen16(c + i), s0);
    alignas(64) float lanes[16];
    _mm512_store_ps(lanes, _mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
    float sum = 0;
    for (float lane : lanes)
        sum += lane;
    for (; i < d; ++i)
        sum += w[i] * float(c[i]);
    return sum;
}

__attribute__((target("avx2,fma"))) float codeDotAvx2(const float* w, const unsigned char* c,
                                                      std::size_t d) {
    __m256 s0 = _mm256_setzero_ps(), s1 = s0;
    std::size_t i = 0;
    for (; i + 16 <= d; i += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i), widen8(c + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 8), widen8(c + i + 8), s1);
    }
    alignas(32) float lanes[8];
    _mm256_store_ps(lanes, _mm256_add_ps(s0, s1));
    float sum = 0;
    for (float lane : lanes)
        sum += lane;
    for (; i < d; ++i)
        sum += w[i] * float(c[i]);
    return sum;
}
#undef widen16
#undef widen8
#endif

float codeDotPlain(const float* w, const unsigned char* c, std::size_t d) {
    float sum = 0;
    for (std::size_t i = 0; i < d; ++i)
        sum += w[i] * float(c[i]);
    return sum;
}

CodeDotFunction pickCodeDot() {
#ifdef SEMSEARCH_X86_KERNELS
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f"))
        return codeDotAvx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return codeDotAvx2;
#endif
    return codeDotPlain;
}

DotFunction pickDot() {
#ifdef SEMSEARCH_X86_KERNELS
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f"))
        return dotAvx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return dotAvx2;
#endif
    return dotFaiss;
}

} // namespace

DotFunction dotKernel() {
    static const DotFunction kernel = pickDot();
    return kernel;
}

CodeDotFunction codeDotKernel() {
    static const CodeDotFunction kernel = pickCodeDot();
    return kernel;
}

bool allFinite(const float* values, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i)
        if (!std::isfinite(values[i]))
            return false;
    return true;
}

void normalise(const float* in, std::size_t d, float* out) {
    double sum = 0;
    for (std::size_t i = 0; i < d; ++i)
        sum += double(in[i]) * double(in[i]);
    const double scale = sum > 0 ? 1.0 / std::sqrt(sum) : 0.0;
    for (std::size_t i = 0; i < d; ++i)
        out[i] = float(double(in[i]) * scale);
}

} // namespace semsearch
