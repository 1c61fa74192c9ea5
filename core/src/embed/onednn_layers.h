#pragma once

// The two parts of a BERT layer that LibTorch runs slowly on Debian, run by oneDNN directly on
// the dense row-major float buffers of the caller's tensors. This header is dnnl- and torch-free
// on purpose (see torch_bert_encoder.h); only onednn_layers.cpp includes dnnl.hpp.

#include "semsearch/error.h"
#include "semsearch/precision.h"

#include <cstddef>
#include <cstdint>
#include <memory>

namespace semsearch {

// Working memory oneDNN's kernels need during a call (int8's int32 accumulators, blocks of
// activations), kept across calls. Left to oneDNN, it is allocated and freed at every call, and
// each call then touches fresh pages: on the virtual machines measured, page faults took a fifth
// of the int8 encoder's time. It grows to the largest call seen and never shrinks. Share one
// among the layers one thread runs in turn (an encoder's); never between threads.
class OneDnnScratchpad {
public:
    OneDnnScratchpad() = default;
    OneDnnScratchpad(const OneDnnScratchpad&) = delete;
    OneDnnScratchpad& operator=(const OneDnnScratchpad&) = delete;

    // The blocks a call works in, each grown on its own: oneDNN's scratchpad, the layers'
    // input in their product's type (int8: quantized; bf16: rounded), int8's row scales and the
    // product's int32 accumulators, which as one block per layer would take tens of megabytes for
    // each of bert-base's 48 layers, and bf16 attention's probabilities.
    enum class Block { OneDnn, Input, RowScales, Accumulators, Probabilities };
    static constexpr int kBlocks = 5;

    // At least `bytes` of `block`, 64-byte aligned; valid until the next reserve of that block.
    // Throws std::bad_alloc.
    void* reserve(std::size_t bytes, Block block = Block::OneDnn);

private:
    struct Free {
        void operator()(void* data) const;
    };
    std::unique_ptr<void, Free> m_data[kBlocks];
    std::size_t m_bytes[kBlocks] = {};
};

// The type of the activations a layer reads or writes: float, or bfloat16 (the upper 16 bits of
// a float, rounded to nearest even, held as std::uint16_t). In a bf16 encoder a product that
// feeds another product writes bfloat16 straight from its registers and the next one reads it as
// it is: the rounding pass over the activations this spares (a oneDNN reorder before each bf16
// product) took 7% of the bf16 encoder's oneDNN time (DNNL_VERBOSE=1, bert-base shapes, 2
// threads, 2026-12-06). Rounded once either way, the values are the same.
enum class Activations { Fp32, Bf16 };

// A dense layer y = x W^T + b. The weight is reordered once into the blocked layout oneDNN's
// matmul prefers, and activations stay plain row-major, so a call costs the matrix product and
// nothing else: no conversion of x and y into and out of oneDNN's own tensor type, which is what
// at::mkldnn_linear needs on dense tensors.
//
// In bf16 the weight is stored as bfloat16 and x is rounded to bfloat16 on the way in; the
// product accumulates in fp32 and the bias and post-op work in fp32. In int8 the weight is
// quantized once, symmetric per output channel (scale = max |row| / 127), and x per row at
// every call (int8_rows.h); oneDNN computes the bare int32 product, and our own epilogue
// (dequantizeRows) scales it back to fp32 and adds the bias and the post-op. x and y are fp32 in
// every mode.
class OneDnnLinear {
public:
    // Work fused into the product's epilogue, on the values still in registers.
    enum class PostOp {
        None,
        GeluErf,     // y = gelu(x W^T + b), the exact erf form, as BERT's intermediate layer
        AddToOutput, // y = x W^T + b + y: y holds the residual on entry
    };

    // Copies `weight` ([out, in], row-major) and `bias` ([out]); neither needs to outlive the
    // call. `precision` is Fp32, Bf16 or Int8 (Auto: InvalidArgument). Fails (Unsupported) when
    // oneDNN has no optimised kernel for this CPU and precision (only its slow reference one):
    // the caller then keeps its own path, or refuses the precision.
    // `scratchpad` (null: one of its own) is where its kernels work. `input` and `output` say
    // the type of x and y; bfloat16 ones need Precision::Bf16, and a bfloat16 y cannot hold the
    // residual of PostOp::AddToOutput (InvalidArgument).
    static Result<OneDnnLinear> create(const float* weight, const float* bias, std::int64_t out,
                                       std::int64_t in, PostOp postOp,
                                       Precision precision = Precision::Fp32,
                                       std::shared_ptr<OneDnnScratchpad> scratchpad = nullptr,
                                       Activations input = Activations::Fp32,
                                       Activations output = Activations::Fp32);

    OneDnnLinear(OneDnnLinear&&) noexcept;
    OneDnnLinear& operator=(OneDnnLinear&&) noexcept;
    ~OneDnnLinear();

    // x: [rows, in], y: [rows, out], both row-major and dense, of the types create() was given;
    // they must not overlap. Runs on the calling thread's OpenMP thread count. Not thread-safe
    // (it caches one primitive per row count), like the encoder that owns it.
    Result<void> forward(const void* x, std::int64_t rows, void* y);

private:
    struct Impl;
    explicit OneDnnLinear(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

// BERT's multi-head self-attention, softmax(Q K^T / sqrt(head size) + mask) V per head, on
// strided views of the fused QKV projection: the heads are never copied out of it, and the
// context is written straight into [tokens, hidden] order. The scale and the mask are fused into
// the score product.
//
// `products` says how the two matrix products compute. Fp32: all in fp32, the softmax in place.
// Bf16: the QKV rows come in bfloat16 (the projection writes them so: Activations), both
// products take bfloat16 and accumulate in fp32; the scores, their scale and mask and the softmax
// stay fp32, and the softmax writes its probabilities in bfloat16 for the second product; the
// context comes out in bfloat16, for the next product. Measured on bert-base shapes, one thread
// (2026-12-06): attention's products in fp32 were 10% of the bf16 encoder's oneDNN time
// (DNNL_VERBOSE), and each of them took 1.0-1.8 times as long in fp32 as in bf16 (32 texts of 24
// tokens, 8 of 128).
class OneDnnAttention {
public:
    // `products` is Fp32 or Bf16 (anything else: InvalidArgument). Fails (Unsupported) when
    // oneDNN has no optimised kernel for this CPU and those products (only its slow reference
    // one): the caller then keeps its own path. `scratchpad` as for OneDnnLinear.
    static Result<OneDnnAttention> create(std::int64_t heads, std::int64_t headSize,
                                          std::shared_ptr<OneDnnScratchpad> scratchpad = nullptr,
                                          Precision products = Precision::Fp32);

    OneDnnAttention(OneDnnAttention&&) noexcept;
    OneDnnAttention& operator=(OneDnnAttention&&) noexcept;
    ~OneDnnAttention();

    // qkv:      [batch * tokens, 3 * hidden], each row the query, key and value projections of a
    //           token, each `heads` x `headSize` (hidden = heads x headSize); float in fp32,
    //           bfloat16 in bf16 (see Activations)
    // maskBias: [batch, tokens], added to every score of that key: 0 for real tokens, the lowest
    //           float for padding
    // scores:   scratch, batch x heads x tokens x tokens floats (the probabilities too, in fp32)
    // context:  [batch * tokens, hidden], the output; float in fp32, bfloat16 in bf16
    // All row-major and dense. Runs on the calling thread's OpenMP thread count. Not thread-safe
    // (it caches primitives per batch shape), like the encoder that owns it.
    Result<void> forward(const void* qkv, const float* maskBias, std::int64_t batch,
                         std::int64_t tokens, float* scores, void* context);

private:
    struct Impl;
    explicit OneDnnAttention(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

} // namespace semsearch
