#pragma once

// The int8 rows around an int8 dense layer's product (onednn_layers.h): activations quantized
// per token row on the way in (oneDNN 2.6 has no fast kernel that computes per-row scales on the
// fly), and the int32 product turned back into fp32 on the way out, with the bias and the
// layer's activation or residual in the same pass (the epilogue). The weights are quantized once,
// per output channel, by quantizeRows as well. Large inputs are spread over the OpenMP threads
// oneDNN uses too.

#include <cstdint>

namespace semsearch {

// Symmetric int8 per row: scales[r] = max |x[r, :]| / 127 (1 for an all-zero row) and
// q[r, c] = round-half-even(x[r, c] / scales[r]), in -127..127. x and q are row-major.
void quantizeRows(const float* x, std::int64_t rows, std::int64_t cols, std::int8_t* q,
                  float* scales);

// What follows the product in the epilogue.
enum class Int8Epilogue {
    None,        // y = v
    GeluErf,     // y = gelu(v), the exact erf form (computed to ~2e-7 of erf), as in BERT
    AddToOutput, // y = v + y: y holds the residual on entry
};

// The operands of dequantizeRows; all row-major and dense.
struct Int8Product {
    const std::int32_t* accumulators; // [rows, cols]: the int8 product x_q W_q^T
    const float* rowScales;           // [rows]: x's scales (quantizeRows)
    const float* columnScales;        // [cols]: the weight's scales, per output channel
    const float* bias;                // [cols]
    std::int64_t rows;
    std::int64_t cols;
};

// y[r, c] = epilogue(accumulators[r, c] * rowScales[r] * columnScales[c] + bias[c]), on the
// widest of the kernels below that this CPU runs (probed at run time, never assumed). y must not
// overlap the operands.
void dequantizeRows(const Int8Product& product, Int8Epilogue epilogue, float* y);

// The kernels dequantizeRows chooses from, for tests. They compute the same formulas in the same
// order; the AVX-512 one only differs by the vector instructions' fused multiply-adds.
void dequantizeRowsPortable(const Int8Product& product, Int8Epilogue epilogue, float* y);
void dequantizeRowsAvx512(const Int8Product& product, Int8Epilogue epilogue, float* y);
// Whether this CPU runs dequantizeRowsAvx512 (AVX-512 F).
bool cpuRunsAvx512Epilogue();

} // namespace semsearch
