#pragma once

// Wraps a real embedder and counts what it is asked to embed, so tests can check that
// incremental indexing embeds only what changed.

#include "semsearch/embedder.h"

namespace semsearch::test {

class CountingEmbedder final : public Embedder {
public:
    explicit CountingEmbedder(std::unique_ptr<Embedder> inner) : m_inner(std::move(inner)) {}

    const ModelInfo& model() const override { return m_inner->model(); }
    const WordPieceTokenizer& tokenizer() const override { return m_inner->tokenizer(); }
    std::size_t maxSeqLength() const override { return m_inner->maxSeqLength(); }

    Result<EmbeddingMatrix> embed(const QStringList& texts) override {
        m_textsEmbedded += texts.size();
        return m_inner->embed(texts);
    }
    Result<EmbeddingMatrix> embedTokens(const std::vector<std::vector<TokenId>>& ids) override {
        m_textsEmbedded += qsizetype(ids.size());
        return m_inner->embedTokens(ids);
    }

    qsizetype textsEmbedded() const { return m_textsEmbedded; }
    void resetCount() { m_textsEmbedded = 0; }

private:
    std::unique_ptr<Embedder> m_inner;
    qsizetype m_textsEmbedded = 0;
};

} // namespace semsearch::test
