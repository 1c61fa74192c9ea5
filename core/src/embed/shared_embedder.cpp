#include "semsearch/shared_embedder.h"

#include "embed/pause_point.h"

#include <algorithm>
#include <numeric>

namespace semsearch {

SharedEmbedder::Turn::Turn(SharedEmbedder& owner, Priority priority) : m_owner(owner) {
    std::unique_lock<std::mutex> lock(owner.m_mutex);
    if (priority == Priority::Query) {
        ++owner.m_queriesWaiting;
        owner.m_changed.wait(lock, [&] { return !owner.m_busy; });
        --owner.m_queriesWaiting;
    } else {
        owner.m_changed.wait(lock, [&] { return !owner.m_busy && owner.m_queriesWaiting == 0; });
    }
    owner.m_busy = true;
}

SharedEmbedder::Turn::~Turn() {
    {
        std::lock_guard<std::mutex> lock(m_owner.m_mutex);
        m_owner.m_busy = false;
    }
    m_owner.m_changed.notify_all();
}

void SharedEmbedder::letQueriesGo() {
    std::unique_lock<std::mutex> lock(m_mutex);
    if (m_queriesWaiting == 0)
        return;
    m_busy = false;
    m_changed.notify_all();
    m_changed.wait(lock, [&] { return !m_busy && m_queriesWaiting == 0; });
    m_busy = true;
}

SharedEmbedder::SharedEmbedder(std::unique_ptr<Embedder> model, int chunkTokens)
    : m_model(std::move(model)), m_chunkTokens(std::max(1, chunkTokens)) {}

class SharedEmbedderClient final : public Embedder {
public:
    SharedEmbedderClient(std::shared_ptr<SharedEmbedder> shared, SharedEmbedder::Priority priority)
        : m_shared(std::move(shared)), m_priority(priority) {}

    const ModelInfo& model() const override { return m_shared->model().model(); }
    const WordPieceTokenizer& tokenizer() const override { return m_shared->model().tokenizer(); }
    std::size_t maxSeqLength() const override { return m_shared->model().maxSeqLength(); }
    Precision precision() const override { return m_shared->model().precision(); }
    std::optional<PrecisionQuality> precisionQuality() const override {
        return m_shared->model().precisionQuality();
    }

    Result<EmbeddingMatrix> embed(const QStringList& texts) override {
        if (m_priority == SharedEmbedder::Priority::Query)
            return m_shared->withModel(m_priority,
                                       [&](Embedder& model) { return model.embed(texts); });
        // Counted by tokenizing once more: tokenizing runs at ~300,000 sentences/s against ~60
        // embedded (bench_embed), so it costs nothing worth saving.
        std::vector<std::size_t> tokens;
        for (const QString& text : texts)
            tokens.push_back(tokenizer().encode(text.trimmed(), maxSeqLength()).size());
        return inChunks(tokens, [&](Embedder& model, const std::vector<std::size_t>& rows) {
            QStringList part;
            for (std::size_t row : rows)
                part << texts[qsizetype(row)];
            return model.embed(part);
        });
    }

    Result<EmbeddingMatrix> embedTokens(const std::vector<std::vector<TokenId>>& ids) override {
        if (m_priority == SharedEmbedder::Priority::Query)
            return m_shared->withModel(m_priority,
                                       [&](Embedder& model) { return model.embedTokens(ids); });
        std::vector<std::size_t> tokens;
        for (const auto& sequence : ids)
            tokens.push_back(sequence.size());
        return inChunks(tokens, [&](Embedder& model, const std::vector<std::size_t>& rows) {
            std::vector<std::vector<TokenId>> part;
            for (std::size_t row : rows)
                part.push_back(ids[row]);
            return model.embedTokens(part);
        });
    }

private:
    // Background work in chunks of about chunkTokens() tokens (`tokens`: each text's count), so
    // that a query waits for one chunk at most, and within a chunk, at the encoder's next pause
    // point (before each layer) for the queries waiting then to embed. The texts are taken shortest
    // first, so that each chunk holds texts of about the same length and pads little: chunks of
    // texts in their own order ran at half the speed (bench/bench_window). Each text is embedded on
    // its own, so neither the order nor the chunking changes a vector.
    template <typename EmbedRows>
    Result<EmbeddingMatrix> inChunks(const std::vector<std::size_t>& tokens,
                                     EmbedRows&& embedRows) {
        std::vector<std::size_t> order(tokens.size());
        std::iota(order.begin(), order.end(), std::size_t(0));
        std::stable_sort(order.begin(), order.end(),
                         [&](std::size_t a, std::size_t b) { return tokens[a] < tokens[b]; });
        EmbeddingMatrix all;
        all.dim = dimension();
        all.rows = tokens.size();
        all.values.resize(all.rows * all.dim);
        const std::size_t budget = std::size_t(m_shared->chunkTokens());
        for (std::size_t from = 0; from < order.size();) {
            // At least one text, however long, then more while they fit the budget.
            std::vector<std::size_t> rows{order[from]};
            std::size_t used = tokens[order[from]];
            for (++from; from < order.size() && used + tokens[order[from]] <= budget; ++from) {
                used += tokens[order[from]];
                rows.push_back(order[from]);
            }
            auto part = m_shared->withModel(m_priority, [&](Embedder& model) {
                const ScopedPausePoint pause([this] { m_shared->letQueriesGo(); });
                return embedRows(model, rows);
            });
            if (!part)
                return part.error();
            for (std::size_t i = 0; i < rows.size(); ++i)
                std::copy(part->row(i), part->row(i) + all.dim,
                          all.values.begin() + std::ptrdiff_t(rows[i] * all.dim));
        }
        return all;
    }

    std::shared_ptr<SharedEmbedder> m_shared;
    SharedEmbedder::Priority m_priority;
};

int SharedEmbedder::queriesWaiting() {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_queriesWaiting;
}

std::unique_ptr<Embedder> SharedEmbedder::client(Priority priority) {
    return std::make_unique<SharedEmbedderClient>(shared_from_this(), priority);
}

} // namespace semsearch
