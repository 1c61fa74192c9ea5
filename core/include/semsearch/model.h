#pragma once

// A sentence-transformers model folder as downloaded from the Hugging Face hub, for models with a
// BERT encoder (bert-base-nli-max-tokens, all-MiniLM-L6-v2, bge-small, ...):
//
//   config.json                 BertConfig: sizes, activation, layer-norm eps
//   modules.json                the module pipeline: Transformer, Pooling, optionally Normalize
//   sentence_bert_config.json   max_seq_length (default: tokenizer_config.json's
//                               model_max_length, capped by max_position_embeddings) and
//                               do_lower_case (texts lower-cased before tokenizing)
//   config_sentence_transformers.json   optional; a default prompt is refused
//   1_Pooling/config.json       which pooling (path as named in modules.json)
//   vocab.txt, tokenizer_config.json, special_tokens_map.json   the tokenizer
//   model.safetensors           the weights (tensor names with or without a "bert." prefix),
//   or pytorch_model.bin        used only when there is no model.safetensors
//
// readModelInfo() reads and checks the small JSON files only; the weights are read by the
// embedder. Every error names the file and the problem.

#include "semsearch/error.h"

#include <QString>

namespace semsearch {

enum class Pooling {
    Max,  // max over non-padding tokens (padding set to -1e9 first): bert-base-nli-max-tokens
    Mean, // mean over non-padding tokens: all-MiniLM-L6-v2
    Cls,  // the [CLS] token's vector: bge-small
};

QString poolingName(Pooling pooling); // "max", "mean", "cls"

struct BertConfig {
    int vocabSize = 0;
    int hiddenSize = 0;
    int numLayers = 0;
    int numHeads = 0;
    int intermediateSize = 0;
    int maxPositions = 512;
    int typeVocabSize = 2;
    double layerNormEps = 1e-12;
};

struct ModelInfo {
    QString folder; // absolute path of the model folder
    QString name;   // the folder's name, e.g. "bert-base-nli-max-tokens"
    BertConfig bert;
    Pooling pooling = Pooling::Max;
    bool normalize = false; // a Normalize module follows pooling: vectors have unit L2 norm
    int maxSeqLength = 128; // tokens per text including [CLS] and [SEP]
    // sentence_bert_config.json's do_lower_case: sentence-transformers lower-cases every text
    // with Python's str.lower() before the tokenizer sees it (bge-small-en-v1.5 says so). This
    // is on top of the tokenizer's own do_lower_case, and differs from it: literal special
    // tokens such as "[MASK]" stop being special, and a final capital sigma becomes U+03C2.
    bool lowerCaseInput = false;
    // Identifies the weights file: a SHA-256 over its size, its own index of the tensors (the
    // safetensors header, or the pickled state dict of a pytorch_model.bin) and 16 samples of
    // 64 KiB spread over its data. Empty until the embedder has opened them. An index records it
    // so that vectors of two models never mix; the same weights in the other format count as
    // another model (a re-embed is offered, never a silent mix).
    QString weightsFingerprint;
    int dimension() const { return bert.hiddenSize; }
};

// Reads config.json, modules.json, sentence_bert_config.json, the pooling config and, where
// present, config_sentence_transformers.json and tokenizer_config.json's model_max_length, of
// the model in `folder`. Fails with NotFound (missing folder or file), Corrupt (bad JSON,
// missing or impossible sizes) or Unsupported (a non-BERT architecture, an activation other than
// exact GELU, a pooling mode other than max/mean/cls, several pooling modes at once, an unknown
// module, the encoder in a subfolder (the old 0_BERT/ layout), a default prompt).
Result<ModelInfo> readModelInfo(const QString& folder);

} // namespace semsearch
