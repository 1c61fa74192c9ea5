#pragma once

// Turns texts into sentence vectors: exactly what sentence-transformers' encode() returns for the
// same model folder, within float32 rounding (<= 1e-5 per component; typically ~1e-6).
//
// Array convention, used across semsearch: a matrix is rows x dim float32 in row-major order, and
// row i belongs to input i.

#include "semsearch/error.h"
#include "semsearch/model.h"
#include "semsearch/precision.h"
#include "semsearch/tokenizer.h"

#include <QString>
#include <QStringList>

#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

namespace semsearch {

struct EmbedderOptions {
    // Texts per forward pass. Inputs are sorted by token count and each batch is padded only to
    // its longest member, so larger batches cost little padding. Must be >= 1.
    int batchSize = 32;
    // Compute threads for LibTorch. 0 = one per hardware thread. LibTorch itself starts with one
    // thread on some machines, so the embedder always sets this explicitly. It is a process-wide
    // setting in LibTorch: the last embedder opened wins.
    int threads = 0;
    // Tokens per text including [CLS] and [SEP]; 0 = the model's max_seq_length.
    int maxSeqLength = 0;
    // The arithmetic (precision.h). Fp32 is the reference path. A fast mode asked for by name
    // must run on this CPU and pass the quality check (precision_check.h) for this model, else
    // openEmbedder fails (Unsupported) with one line saying why; Auto takes the fastest mode
    // that does, else Fp32, quietly.
    Precision precision = Precision::Fp32;
    // Where quality check results are remembered (precision_check.h); empty: nowhere, so every
    // open that needs a fast mode runs the check again.
    QString qualityCacheFolder;
    // Texts the quality check compares on top of the shipped calibration set: a sample of the
    // passages of the index the embedder is for.
    QStringList extraCheckTexts;
};

struct EmbeddingMatrix {
    std::size_t rows = 0;
    std::size_t dim = 0;
    std::vector<float> values; // rows * dim, row-major

    const float* row(std::size_t i) const { return values.data() + i * dim; }
};

class Embedder {
public:
    virtual ~Embedder() = default;

    virtual const ModelInfo& model() const = 0;
    virtual const WordPieceTokenizer& tokenizer() const = 0;
    std::size_t dimension() const { return static_cast<std::size_t>(model().dimension()); }
    // The number of tokens (with [CLS] and [SEP]) each text is cut to.
    virtual std::size_t maxSeqLength() const = 0;
    // The arithmetic this embedder runs in: never Auto (openEmbedder resolves it).
    virtual Precision precision() const { return Precision::Fp32; }
    // For a fast precision, the quality check figures that admitted it (remembered or fresh).
    virtual std::optional<PrecisionQuality> precisionQuality() const { return std::nullopt; }

    // Embeds `texts` (leading/trailing whitespace is stripped first, and the text lower-cased
    // when ModelInfo::lowerCaseInput says so, as sentence-transformers does). Row i of the
    // result is texts[i]'s vector, whatever else is in the call. An empty list gives a 0 x dim
    // matrix. Not thread-safe: one embedder serves one thread at a time.
    virtual Result<EmbeddingMatrix> embed(const QStringList& texts) = 0;

    // The same for texts already turned into ids (each starting with [CLS] and ending with
    // [SEP], at most maxSeqLength() long).
    virtual Result<EmbeddingMatrix> embedTokens(const std::vector<std::vector<TokenId>>& ids) = 0;
};

// Opens the model folder: reads its description (readModelInfo), its tokenizer and its weights
// (model.safetensors, else pytorch_model.bin; memory-mapped). Errors name the file and the
// problem: a missing file (neither weights file: NotFound naming both), a truncated or corrupt
// weights file, a .bin whose pickle asks for anything but tensors (Unsupported, nothing is run),
// a tensor missing or of the wrong shape or dtype, fewer encoder layers than config.json says;
// for a fast precision asked for by name, a CPU without the instructions it needs or a model
// that fails the quality check (Unsupported, with the figures). What a crafted weights file can
// make it allocate is bounded by what config.json's model needs (pytorch_bin_file.h); when
// memory runs out all the same (a model too large for the machine), the result is Io "not
// enough memory", never an exception.
Result<std::unique_ptr<Embedder>> openEmbedder(const QString& modelFolder,
                                               const EmbedderOptions& options = {});

} // namespace semsearch
