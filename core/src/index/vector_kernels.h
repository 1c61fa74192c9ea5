#pragma once

// The arithmetic of the vector scan: a dot product picked for this CPU at run time, and the
// checks and scaling every stored vector and query goes through.

#include <cstddef>

namespace semsearch {

using DotFunction = float (*)(const float* a, const float* b, std::size_t d);

// The fastest dot product this CPU runs (AVX-512, AVX2 with FMA, else FAISS' own), picked on
// first use. A scan fetches it once and calls it per row.
DotFunction dotKernel();

inline float dot(const float* a, const float* b, std::size_t d) {
    return dotKernel()(a, b, d);
}

bool allFinite(const float* values, std::size_t count);

// Scales `in` to unit length into `out`. The norm is summed in double so that neither huge
// (squares overflowing float) nor tiny (squares underflowing) values lose the direction; an
// all-zero vector stays zero.
void normalise(const float* in, std::size_t d, float* out);

} // namespace semsearch
