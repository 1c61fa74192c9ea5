#include "semsearch/shared_embedder.h"

#include <algorithm>

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

SharedEmbedder::SharedEmbedder(std::unique_ptr<Embedder> model, int chunkTokens)
    : m_model(std::move(model)), m_chunkTokens(std::max(1, chunkTokens)) {}

namespace {

class SharedEmbedderClient final : public Embedder {
public:
    SharedEmbedderClient(std::shared_ptr<SharedEmbedder> shared, SharedEmbedder::Priority priority)
        : m_shared(std::move(shared)), m_priority(priority) {}

    const ModelInfo& model() const override { return m_shared->model().model(); }
    const WordPieceTokenizer& tokenizer() const override { return m_shared->model().tokenizer(); }
    std::size_t maxSeqLength() const override { return m_shared->model().maxSeqLength(); }

    Result<EmbeddingMatrix> embed(const QStringList& texts) override {
        std::vector<std::size_t> tokens;
        if (m_priority == SharedEmbedder::Priority::Background)
            for (const QString& text : texts)
                tokens.push_back(tokenizer().encode(text.trimmed(), maxSeqLength()).size());
        return inChunks(tokens, std::size_t(texts.size()),
                        [&](Embedder& model, std::size_t from, std::size_t count) {
                            return model.embed(texts.mid(qsizetype(from), qsizetype(count)));
                        });
    }

    Result<EmbeddingMatrix> embedTokens(const std::vector<std::vector<TokenId>>& ids) override {
        std::vector<std::size_t> tokens;
        for (const auto& sequence : ids)
            tokens.push_back(sequence.size());
        return inChunks(
            tokens, ids.size(), [&](Embedder& model, std::size_t from, std::size_t count) {
                return model.embedTokens(
                    std::vector<std::vector<TokenId>>(ids.begin() + std::ptrdiff_t(from),
                                                      ids.begin() + std::ptrdiff_t(from + count)));
            });
    }

private:
    // Queries run in one turn (they are short); background work in chunks of about
    // chunkTokens() tokens (`tokens`: each text's count), so that a query waits for one chunk
    // at most. Embedding is per text, so chunking changes no vector.
    template <typename EmbedRange>
    Result<EmbeddingMatrix> inChunks(const std::vector<std::size_t>& tokens, std::size_t total,
                                     EmbedRange&& embedRange) {
        EmbeddingMatrix all;
        all.dim = dimension();
        all.values.reserve(total * all.dim);
        for (std::size_t from = 0; from < total;) {
            const std::size_t end = chunkEnd(tokens, from, total);
            auto part = m_shared->withModel(
                m_priority, [&](Embedder& model) { return embedRange(model, from, end - from); });
            if (!part)
                return part.error();
            all.values.insert(all.values.end(), part->values.begin(), part->values.end());
            all.rows += part->rows;
            from = end;
        }
        return all;
    }

    // One past the last text of the chunk that starts at `from`: at least one text, however
    // long, then more while they fit the budget.
    std::size_t chunkEnd(const std::vector<std::size_t>& tokens, std::size_t from,
                         std::size_t total) const {
        if (m_priority == SharedEmbedder::Priority::Query)
            return total;
        const std::size_t budget = std::size_t(m_shared->chunkTokens());
        std::size_t end = from + 1;
        for (std::size_t used = tokens[from]; end < total && used + tokens[end] <= budget; ++end)
            used += tokens[end];
        return end;
    }

    std::shared_ptr<SharedEmbedder> m_shared;
    SharedEmbedder::Priority m_priority;
};

} // namespace

int SharedEmbedder::queriesWaiting() {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_queriesWaiting;
}

std::unique_ptr<Embedder> SharedEmbedder::client(Priority priority) {
    return std::make_unique<SharedEmbedderClient>(shared_from_this(), priority);
}

} // namespace semsearch
