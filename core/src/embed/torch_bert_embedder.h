#pragma once

// The embedder behind openEmbedder, in pieces, so that the precision choice (embedder_open.cpp)
// can open a model folder once and build embedders of several precisions on it. No LibTorch
// headers here; see torch_bert_encoder.h.

#include "embed/weights/weights_file.h"
#include "semsearch/embedder.h"

#include <memory>
#include <optional>

namespace semsearch {

// What every precision shares: the model's description, tokenizer and mapped weights, and the
// options already checked and resolved (threads >= 1, maxSeqLength within the model's).
struct OpenedModel {
    ModelInfo model;
    std::shared_ptr<const WordPieceTokenizer> tokenizer; // shared by the embedders made of it
    WeightsFile weights;
    int threads = 1;
    int batchSize = 32;
    std::size_t maxSeqLength = 0;
};

// Checks `options` (InvalidArgument), reads the folder's description and tokenizer and maps its
// weights, with openEmbedder's errors.
Result<OpenedModel> openModelFolder(const QString& folder, const EmbedderOptions& options);

// An embedder of `opened` in `precision` (Fp32, Bf16 or Int8), as it is: the caller checks the
// CPU and the quality.
Result<std::unique_ptr<Embedder>> makeTorchBertEmbedder(const OpenedModel& opened,
                                                        Precision precision);

} // namespace semsearch
