#pragma once

// The row-wise work around an int8 matrix product that oneDNN 2.6 cannot fuse into it: its fast
// (brgemm) int8 kernels take only constant per-column output scales, and a per-row scale as a
// post-op sends them to the reference kernel, hundreds of times slower. So activations are
// quantized per token row here, and the row scale (with the bias and the residual) applied to
// the product's float output here. Rows are spread over the OpenMP threads oneDNN uses too.

#include <cstdint>

namespace semsearch {

// Symmetric int8 per row: scales[r] = max |x[r, :]| / 127 (1 for an all-zero row) and
// q[r, c] = round-half-even(x[r, c] / scales[r]), in -127..127. x and q are row-major.
void quantizeRows(const float* x, std::int64_t rows, std::int64_t cols, std::int8_t* q,
                  float* scales);

// y[r, c] = product[r, c] * rowScales[r] + bias[c], plus y[r, c] itself when `accumulate`
// (a residual held in y). product and y may be the same buffer only without `accumulate`.
void finishRows(const float* product, const float* rowScales, const float* bias, std::int64_t rows,
                std::int64_t cols, bool accumulate, float* y);

} // namespace semsearch
