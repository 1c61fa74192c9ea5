#pragma once

// Symmetric int8 quantization per row, for the int8 dense layers (onednn_layers.h): oneDNN 2.6
// has no fast kernel that computes per-row scales on the fly, so activations are quantized per
// token row here (and the weights, once, per output channel). Large inputs are spread over the
// OpenMP threads oneDNN uses too.

#include <cstdint>

namespace semsearch {

// Symmetric int8 per row: scales[r] = max |x[r, :]| / 127 (1 for an all-zero row) and
// q[r, c] = round-half-even(x[r, c] / scales[r]), in -127..127. x and q are row-major.
void quantizeRows(const float* x, std::int64_t rows, std::int64_t cols, std::int8_t* q,
                  float* scales);

} // namespace semsearch
