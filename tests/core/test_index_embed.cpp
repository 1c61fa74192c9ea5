// The embed stage of an indexing run (core/src/pipeline/index_embed.h): one call to the
// embedder per batch, and each file handed the rows of its own passages.

#include "reference_data.h"

#include "pipeline/index_embed.h"

#include <QtTest>

using namespace semsearch;
using semsearch::test::tinyModelPath;

namespace {

// The tiny model's tokenizer and shape, with vectors that say which text they belong to:
// every value of row i of a call is 100 * call + i.
class NumberingEmbedder final : public Embedder {
public:
    explicit NumberingEmbedder(std::unique_ptr<Embedder> inner) : m_inner(std::move(inner)) {}
    const ModelInfo& model() const override { return m_inner->model(); }
    const WordPieceTokenizer& tokenizer() const override { return m_inner->tokenizer(); }
    std::size_t maxSeqLength() const override { return m_inner->maxSeqLength(); }
    Result<EmbeddingMatrix> embed(const QStringList& texts) override {
        if (m_fail)
            return makeError(ErrorCode::Io, QStringLiteral("embedder failed"));
        EmbeddingMatrix matrix;
        matrix.rows = std::size_t(texts.size());
        matrix.dim = dimension();
        for (std::size_t i = 0; i < matrix.rows; ++i)
            matrix.values.insert(matrix.values.end(), matrix.dim, float(100 * m_calls + int(i)));
        ++m_calls;
        return matrix;
    }
    Result<EmbeddingMatrix> embedTokens(const std::vector<std::vector<TokenId>>&) override {
        return makeError(ErrorCode::Unsupported, QStringLiteral("not in this test"));
    }
    int calls() const { return m_calls; }
    void fail() { m_fail = true; }

private:
    std::unique_ptr<Embedder> m_inner;
    int m_calls = 0;
    bool m_fail = false;
};

PreparedFile fileWith(PreparedFile::Action action, int passages) {
    PreparedFile file;
    file.action = action;
    for (int p = 0; p < passages; ++p) {
        PassageRecord passage;
        passage.text = QStringLiteral("passage %1").arg(p);
        file.passages.push_back(passage);
    }
    return file;
}

} // namespace

class TestIndexEmbed : public QObject {
    Q_OBJECT

    std::unique_ptr<NumberingEmbedder> m_embedder;

    std::vector<float> rows(std::initializer_list<int> values) const {
        std::vector<float> expected;
        for (int value : values)
            expected.insert(expected.end(), m_embedder->dimension(), float(value));
        return expected;
    }

    // Embed a.txt (2 passages), Reuse (vectors already there), Embed (1), ReuseFromBatch of
    // the first: texts [a0, a1, c0].
    static PreparedBatch mixedBatch(std::size_t dim) {
        PreparedBatch batch;
        batch.files.push_back(fileWith(PreparedFile::Action::Embed, 2));
        batch.files.push_back(fileWith(PreparedFile::Action::Reuse, 1));
        batch.files.back().vectors.assign(dim, -1.0f);
        batch.files.push_back(fileWith(PreparedFile::Action::Embed, 1));
        batch.files.back().firstText = 2;
        batch.files.push_back(fileWith(PreparedFile::Action::ReuseFromBatch, 0));
        batch.files.back().batchSource = 0;
        batch.texts = {QStringLiteral("a0"), QStringLiteral("a1"), QStringLiteral("c0")};
        return batch;
    }

private Q_SLOTS:
    void init() {
        auto embedder = openEmbedder(tinyModelPath());
        QVERIFY2(embedder.ok(), embedder ? "" : qPrintable(embedder.error().message));
        m_embedder = std::make_unique<NumberingEmbedder>(std::move(embedder).value());
    }

    void eachFileGetsTheRowsOfItsPassages() {
        PreparedBatch batch = mixedBatch(m_embedder->dimension());
        auto seconds = embedBatch(*m_embedder, batch);
        QVERIFY2(seconds.ok(), seconds ? "" : qPrintable(seconds.error().message));
        QVERIFY(*seconds >= 0);
        QCOMPARE(m_embedder->calls(), 1);
        QCOMPARE(batch.files[0].vectors, rows({0, 1}));
        QCOMPARE(batch.files[1].vectors, std::vector<float>(m_embedder->dimension(), -1.0f));
        QCOMPARE(batch.files[2].vectors, rows({2}));
        QCOMPARE(batch.files[3].vectors, rows({0, 1}));
        QCOMPARE(batch.files[3].passages.size(), std::size_t(2));
        QCOMPARE(batch.files[3].passages[1].text, QStringLiteral("passage 1"));
    }

    void embedderErrorIsReturned() {
        PreparedBatch batch = mixedBatch(m_embedder->dimension());
        m_embedder->fail();
        auto seconds = embedBatch(*m_embedder, batch);
        QVERIFY(!seconds.ok());
        QCOMPARE(seconds.error().message, QStringLiteral("embedder failed"));
        QVERIFY(batch.files[0].vectors.empty());
    }
};

QTEST_GUILESS_MAIN(TestIndexEmbed)
#include "test_index_embed.moc"
