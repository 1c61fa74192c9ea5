// TorchBertEmbedder: tokenizes, sorts by length, batches and hands each batch to the LibTorch
// encoder. No LibTorch headers here; see torch_bert_encoder.h.

#include "embed/torch_bert_embedder.h"

#include "embed/bert_text_normalizer.h"
#include "embed/bert_weights.h"
#include "embed/torch_bert_encoder.h"

#include <QFileInfo>

#include <algorithm>
#include <new>
#include <numeric>
#include <thread>

namespace semsearch {

namespace {

class TorchBertEmbedder final : public Embedder {
public:
    TorchBertEmbedder(const OpenedModel& opened, std::unique_ptr<TorchBertEncoder> encoder,
                      Precision precision)
        : m_model(opened.model), m_tokenizer(opened.tokenizer), m_encoder(std::move(encoder)),
          m_batchSize(static_cast<std::size_t>(opened.batchSize)),
          m_maxSeqLength(opened.maxSeqLength), m_precision(precision) {}

    const ModelInfo& model() const override { return m_model; }
    const WordPieceTokenizer& tokenizer() const override { return *m_tokenizer; }
    std::size_t maxSeqLength() const override { return m_maxSeqLength; }
    Precision precision() const override { return m_precision; }

    Result<EmbeddingMatrix> embed(const QStringList& texts) override {
        std::vector<std::vector<TokenId>> ids;
        ids.reserve(static_cast<std::size_t>(texts.size()));
        // sentence-transformers strips each text (Python str.strip()) before tokenizing, then
        // lower-cases it if the model says so.
        for (const QString& text : texts) {
            const QString stripped = text.trimmed();
            ids.push_back(m_tokenizer->encode(
                m_model.lowerCaseInput ? pythonLower(stripped) : stripped, m_maxSeqLength));
        }
        return embedTokens(ids);
    }

    Result<EmbeddingMatrix> embedTokens(const std::vector<std::vector<TokenId>>& ids) override {
        EmbeddingMatrix matrix;
        matrix.rows = ids.size();
        matrix.dim = dimension();
        matrix.values.assign(matrix.rows * matrix.dim, 0.0f);
        for (std::size_t i = 0; i < ids.size(); ++i) {
            if (ids[i].size() < 2 || ids[i].size() > m_maxSeqLength)
                return makeError(ErrorCode::InvalidArgument,
                                 QStringLiteral("text %1 has %2 tokens; expected 2 to %3")
                                     .arg(i)
                                     .arg(ids[i].size())
                                     .arg(m_maxSeqLength));
        }

        // Longest first, so each batch is padded only to lengths close to its own; a stable sort
        // keeps equal-length inputs in input order.
        std::vector<std::size_t> order(ids.size());
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            return ids[a].size() > ids[b].size();
        });

        std::vector<const std::vector<TokenId>*> batch;
        std::vector<float*> out;
        for (std::size_t start = 0; start < order.size(); start += m_batchSize) {
            const std::size_t end = std::min(order.size(), start + m_batchSize);
            batch.clear();
            out.clear();
            for (std::size_t k = start; k < end; ++k) {
                batch.push_back(&ids[order[k]]);
                out.push_back(matrix.values.data() + order[k] * matrix.dim);
            }
            if (auto done = m_encoder->encode(batch, out); !done)
                return done.error();
        }
        return matrix;
    }

private:
    ModelInfo m_model;
    std::shared_ptr<const WordPieceTokenizer> m_tokenizer;
    std::unique_ptr<TorchBertEncoder> m_encoder;
    std::size_t m_batchSize;
    std::size_t m_maxSeqLength;
    Precision m_precision;
};

} // namespace

Result<OpenedModel> openModelFolder(const QString& modelFolder, const EmbedderOptions& options) {
    if (options.batchSize < 1)
        return makeError(
            ErrorCode::InvalidArgument,
            QStringLiteral("batch size must be at least 1, not %1").arg(options.batchSize));
    if (options.threads < 0 || options.maxSeqLength < 0 || options.maxSeqLength == 1)
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("threads must be >= 0 and max sequence length 0 or >= 2"));
    auto model = readModelInfo(modelFolder);
    if (!model)
        return model.error();
    auto tokenizer = WordPieceTokenizer::load(model->folder);
    if (!tokenizer)
        return tokenizer.error();
    if (tokenizer->vocabularySize() > static_cast<std::size_t>(model->bert.vocabSize))
        return makeError(ErrorCode::Corrupt,
                         model->folder + QStringLiteral("/vocab.txt: %1 tokens, but config.json "
                                                        "says vocab_size %2")
                                             .arg(tokenizer->vocabularySize())
                                             .arg(model->bert.vocabSize));

    // Strided tensors of a .bin are copied; never more than the config's model needs.
    auto weights = WeightsFile::openInFolder(model->folder, bertWeightBytes(model->bert));
    if (!weights)
        return weights.error();
    if (auto layers = checkLayerCount(*model, *weights); !layers)
        return layers.error();
    model->weightsFingerprint = weights->fingerprint();

    const int threads = options.threads > 0
                            ? options.threads
                            : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    const std::size_t maxSeqLength = static_cast<std::size_t>(
        options.maxSeqLength > 0 ? std::min(options.maxSeqLength, model->bert.maxPositions)
                                 : model->maxSeqLength);
    return OpenedModel{std::move(model).value(),
                       std::make_shared<const WordPieceTokenizer>(std::move(tokenizer).value()),
                       std::move(weights).value(),
                       threads,
                       options.batchSize,
                       maxSeqLength};
}

Result<std::unique_ptr<Embedder>> makeTorchBertEmbedder(const OpenedModel& opened,
                                                        Precision precision) {
    auto encoder = TorchBertEncoder::load(opened.model, opened.weights, opened.threads, precision);
    if (!encoder)
        return encoder.error();
    return std::unique_ptr<Embedder>(
        new TorchBertEmbedder(opened, std::move(encoder).value(), precision));
}

} // namespace semsearch
