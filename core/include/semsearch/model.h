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
//
// What a model folder can and cannot make semsearch do: its files are only read, never run
// (the pickle in pytorch_model.bin is read by a restricted reader that builds tensors and
// nothing else); the small files are read only up to the limits below; module folders named in
// modules.json must stay inside the model folder (moduleFolderInModel; a symbolic link that
// leads out is refused); every size in config.json is bounded and checked against the weights
// before anything of that size is allocated. The model's files themselves may be symbolic links
// (as in the Hugging Face cache).

#include "semsearch/error.h"

#include <QString>

#include <optional>

namespace semsearch {

// The most bytes semsearch reads of a model's small files, locally and while downloading; a
// larger file is refused (Corrupt) without being read. Far above any real model's (bert-base's
// vocab.txt is 232 kB, its JSON files under 1 kB), far below what would strain memory.
constexpr qint64 kMaxModelJsonBytes = qint64(2) << 20;   // config.json, modules.json, ...
constexpr qint64 kMaxVocabularyBytes = qint64(16) << 20; // vocab.txt
// The limit for the file at `relativePath` in a model folder ("vocab.txt",
// "1_Pooling/config.json").
qint64 modelFileByteLimit(const QString& relativePath);

// A module's folder as modules.json names it, made relative to the model folder: "" for the
// model folder itself ("", "."), "1_Pooling" for "1_Pooling/" or "./1_Pooling". std::nullopt
// when it would lead outside the model folder ("..", "../x", "a/../../x", an absolute path) or
// holds a control character. The download and readModelInfo apply the same rule; readModelInfo
// also refuses a module folder that is a symbolic link leading out of the model folder.
std::optional<QString> moduleFolderInModel(const QString& path);

enum class Pooling {
    Max,  // max over non-padding tokens (padding set to -1e9 first): bert-base-nli-max-tokens
    Mean, // mean over non-padding tokens: all-MiniLM-L6-v2
    Cls,  // the [CLS] token's vector: bge-small
};

QString poolingName(Pooling pooling); // "max", "mean", "cls"

// Every size in config.json must be a positive integer no larger than these (far above any
// BERT's: bert-large has 24 layers, 1024 wide, a vocabulary of 30522), so that a damaged or
// crafted config cannot make semsearch plan an absurd model.
constexpr int kMaxVocabSize = 1 << 22;
constexpr int kMaxHiddenSize = 1 << 14;
constexpr int kMaxLayers = 256;
constexpr int kMaxIntermediateSize = 1 << 16;
constexpr int kMaxPositions = 1 << 16;
constexpr int kMaxTypeVocabSize = 1 << 10;

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
    // config.json's "architectures" (its first) with its model_type, e.g. "BertModel (bert)";
    // as the file says it, for display only (pass it through printableText()).
    QString architecture;
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
// missing or impossible sizes, a size above the limits above, a file larger than
// modelFileByteLimit(), a module folder outside the model folder) or Unsupported (a non-BERT
// architecture, an activation other than exact GELU, a pooling mode other than max/mean/cls,
// several pooling modes at once, an unknown module, the encoder in a subfolder (the old 0_BERT/
// layout), a default prompt).
Result<ModelInfo> readModelInfo(const QString& folder);

} // namespace semsearch
