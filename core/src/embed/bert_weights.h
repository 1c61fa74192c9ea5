#pragma once

// What config.json says a BERT's weights are, checked against what a weights file holds before
// anything of the config's sizes is allocated. LibTorch-free.

#include "embed/weights/weights_file.h"
#include "semsearch/model.h"

#include <cstdint>

namespace semsearch {

// The bytes of float32 weights a BERT of `config` has: embeddings and their LayerNorm, and every
// encoder layer (the pooler, which sentence-transformers does not use, is not counted). Exact
// for any config readModelInfo() accepts (its bounds keep it far below 2^64).
std::uint64_t bertWeightBytes(const BertConfig& config);

// Corrupt, naming both files, when the weights hold fewer encoder layers ("encoder.layer.<i>.",
// with or without a "bert." prefix) than config.json's num_hidden_layers. Extra layers are
// accepted and unused, as transformers does. Each tensor's shape is checked where it is loaded.
Result<void> checkLayerCount(const ModelInfo& model, const WeightsFile& weights);

} // namespace semsearch
