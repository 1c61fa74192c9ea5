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

SharedEmbedder::SharedEmbedder(std::unique_ptr<Embedder> model, int chunkTexts)
    : m_model(std::move(model)), m_chunkTexts(std::max(1, chunkTexts)) {}

namespace {

class SharedEmbedderClient final : public Embedder {
public:
    SharedEmbedderClient(std::shared_ptr<SharedEmbedder> shared, SharedEmbedder::Priority priority)
        : m_shared(std::move(shared)), m_priority(priority) {}

    const ModelInfo& model() const override { return m_shared->model().model(); }
    const WordPieceTokenizer& tokenizer() const override { return m_shared->model().tokenizer(); }
    std::size_t maxSeqLength() const override { return m_shared->model().maxSeqLength(); }

    Result<EmbeddingMatrix> embed(const QStringList& texts) override {
        return inChunks(std::size_t(texts.size()),
                        [&](Embedder& model, std::size_t from, std::size_t count) {
                            return model.embed(texts.mid(qsizetype(from), qsizetype(count)));
                        });
    }

    Result<EmbeddingMatrix> embedTokens(const std::vector<std::vector<TokenId>>& ids) override {
        return inChunks(ids.size(), [&](Embedder& model, std::size_t from, std::size_t count) {
            return model.embedTokens(std::vector<std::vector<TokenId>>(
                ids.begin() + std::ptrdiff_t(from), ids.begin() + std::ptrdiff_t(from + count)));
        });
    }

private:
    // Queries run in one turn (they are short); background work in chunks, so a query waits
    // for one chunk at most. Embedding is per text, so chunking changes no vector.
    template <typename EmbedRange>
    Result<EmbeddingMatrix> inChunks(std::size_t total, EmbedRange&& embedRange) {
        const std::size_t chunk = m_priority == SharedEmbedder::Priority::Query
                                      ? std::max<std::size_t>(total, 1)
                                      : std::size_t(m_shared->chunkTexts());
        EmbeddingMatrix all;
        all.dim = dimension();
        all.values.reserve(total * all.dim);
        for (std::size_t from = 0; from < total; from += chunk) {
            const std::size_t count = std::min(chunk, total - from);
            auto part = m_shared->withModel(
                m_priority, [&](Embedder& model) { return embedRange(model, from, count); });
            if (!part)
                return part.error();
            all.values.insert(all.values.end(), part->values.begin(), part->values.end());
            all.rows += part->rows;
        }
        return all;
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
