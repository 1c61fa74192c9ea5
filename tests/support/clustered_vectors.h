#pragma once

// Synthetic clustered vectors for the vector index tests: a random centre per cluster (fixed
// seed 7, so every call of a test shares the centres) plus normal noise of `spread` per value.
// Approximate indexes need neighbourhoods to find; uniform random vectors have none.

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace semsearch::test {

// `count` rows of `dim` values, row-major; `seed` picks the rows' clusters and noise.
inline std::vector<float> clusteredVectors(int count, int dim, int clusters, float spread,
                                           std::uint32_t seed) {
    std::mt19937 random(7);
    std::normal_distribution<float> normal;
    std::vector<float> centres(std::size_t(clusters) * std::size_t(dim));
    for (float& v : centres)
        v = normal(random);
    std::mt19937 noise(seed);
    std::vector<float> rows(std::size_t(count) * std::size_t(dim));
    for (int i = 0; i < count; ++i) {
        const std::size_t cluster = std::size_t(noise() % std::uint32_t(clusters));
        for (std::size_t j = 0; j < std::size_t(dim); ++j)
            rows[std::size_t(i) * std::size_t(dim) + j] =
                centres[cluster * std::size_t(dim) + j] + spread * normal(noise);
    }
    return rows;
}

// The cosine of two vectors of `dim` values in double precision: the tests' own reference,
// apart from the code under test.
inline double trueCosine(const float* a, const float* b, int dim) {
    double ab = 0, aa = 0, bb = 0;
    for (int i = 0; i < dim; ++i) {
        ab += double(a[i]) * b[i];
        aa += double(a[i]) * a[i];
        bb += double(b[i]) * b[i];
    }
    return ab / std::sqrt(aa * bb);
}

} // namespace semsearch::test
