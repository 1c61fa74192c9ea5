#pragma once

// The BERT encoder plus sentence-transformers pooling, run through LibTorch. This header is
// torch-free on purpose: LibTorch headers cost tens of seconds per translation unit, so only
// torch_bert_encoder.cpp includes them.

#include "embed/weights/weights_file.h"
#include "semsearch/error.h"
#include "semsearch/model.h"
#include "semsearch/precision.h"
#include "semsearch/tokenizer.h"

#include <memory>
#include <vector>

namespace semsearch {

class TorchBertEncoder {
public:
    // Checks and wraps the weights of `weights` for `model`: every tensor BERT needs, named with
    // or without a "bert." prefix, of the right shape and a float dtype (F32 is used in place,
    // F16/BF16 are widened). Extra tensors (pooler.*, embeddings.position_ids) are ignored.
    // `threads` (>= 1) is set as LibTorch's process-wide intra-op thread count. `precision`
    // (Fp32, Bf16 or Int8) is how the dense layers compute (onednn_layers.h), and in Bf16 also
    // attention's two products (softmax stays fp32); the fast ones need
    // oneDNN's optimised kernels for this CPU (Unsupported otherwise). Fp32 runs on oneDNN where
    // it has optimised kernels, else on LibTorch alone, as it also does when
    // SEMSEARCH_ENCODER=libtorch (precision.h) forces that fallback.
    static Result<std::unique_ptr<TorchBertEncoder>> load(const ModelInfo& model,
                                                          const WeightsFile& weights, int threads,
                                                          Precision precision = Precision::Fp32);

    ~TorchBertEncoder();

    // Runs one batch: `batch[i]` is one text's ids ([CLS] ... [SEP], at most the model's
    // max_position_embeddings). The batch is padded to its longest member; padding never changes
    // another member's vector beyond float rounding. Writes each pooled (and, if the model says
    // so, L2-normalised) vector to `out[i]`, which must hold hidden_size floats. Calls
    // embeddingPausePoint() (pause_point.h) before each layer; a call made from there on this
    // encoder runs to its end, and neither call's vectors change.
    Result<void> encode(const std::vector<const std::vector<TokenId>*>& batch,
                        const std::vector<float*>& out);

private:
    struct Weights;
    explicit TorchBertEncoder(std::unique_ptr<Weights> weights);
    std::unique_ptr<Weights> m_weights;
};

} // namespace semsearch
