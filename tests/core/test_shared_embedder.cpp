// One model shared by a searching and an indexing thread: the vectors are those of the model
// itself, and a query goes ahead of background work that is already under way.

#include "reference_data.h"

#include "embed/pause_point.h"
#include "semsearch/shared_embedder.h"

#include <QtTest>

#include <atomic>
#include <cmath>
#include <mutex>
#include <thread>

using namespace semsearch;
using namespace semsearch::test;

namespace {

// Records the order of calls; the first call waits until the test lets it go.
class RecordingEmbedder final : public Embedder {
public:
    explicit RecordingEmbedder(std::unique_ptr<Embedder> inner) : m_inner(std::move(inner)) {}
    const ModelInfo& model() const override { return m_inner->model(); }
    const WordPieceTokenizer& tokenizer() const override { return m_inner->tokenizer(); }
    std::size_t maxSeqLength() const override { return m_inner->maxSeqLength(); }
    Result<EmbeddingMatrix> embed(const QStringList& texts) override {
        if (m_calls.fetch_add(1) == 0) {
            m_firstStarted = true;
            while (!m_releaseFirst)
                std::this_thread::yield();
        }
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_order += texts;
            m_calls_texts.push_back(texts);
        }
        return m_inner->embed(texts);
    }
    Result<EmbeddingMatrix> embedTokens(const std::vector<std::vector<TokenId>>& ids) override {
        return m_inner->embedTokens(ids);
    }

    std::atomic<bool> m_firstStarted{false};
    std::atomic<bool> m_releaseFirst{false};
    std::atomic<int> m_calls{0};
    std::mutex m_mutex;
    QStringList m_order;
    std::vector<QStringList> m_calls_texts; // what each call to the model embedded

private:
    std::unique_ptr<Embedder> m_inner;
};

// Background work that reaches a pause point in the middle of its call, as the encoder does
// between layers, once the test lets it; records what ran in which order.
class PausingEmbedder final : public Embedder {
public:
    explicit PausingEmbedder(std::unique_ptr<Embedder> inner) : m_inner(std::move(inner)) {}
    const ModelInfo& model() const override { return m_inner->model(); }
    const WordPieceTokenizer& tokenizer() const override { return m_inner->tokenizer(); }
    std::size_t maxSeqLength() const override { return m_inner->maxSeqLength(); }
    Result<EmbeddingMatrix> embed(const QStringList& texts) override {
        if (texts != QStringList{QStringLiteral("background")}) {
            record(QStringLiteral("query"));
            return m_inner->embed(texts);
        }
        record(QStringLiteral("background starts"));
        m_backgroundStarted = true;
        while (!m_reachPausePoint)
            std::this_thread::yield();
        embeddingPausePoint();
        record(QStringLiteral("background ends"));
        return m_inner->embed(texts);
    }
    Result<EmbeddingMatrix> embedTokens(const std::vector<std::vector<TokenId>>& ids) override {
        return m_inner->embedTokens(ids);
    }
    QStringList order() {
        std::lock_guard<std::mutex> lock(m_mutex);
        return m_order;
    }

    std::atomic<bool> m_backgroundStarted{false};
    std::atomic<bool> m_reachPausePoint{false};

private:
    void record(const QString& what) {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_order << what;
    }
    std::unique_ptr<Embedder> m_inner;
    std::mutex m_mutex;
    QStringList m_order;
};

double maxDifference(const EmbeddingMatrix& a, const EmbeddingMatrix& b) {
    if (a.rows != b.rows || a.dim != b.dim)
        return INFINITY;
    double worst = 0;
    for (std::size_t i = 0; i < a.values.size(); ++i)
        worst = std::max(worst, std::abs(double(a.values[i]) - b.values[i]));
    return worst;
}

} // namespace

class TestSharedEmbedder : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void concurrentClientsGiveTheModelsVectors() {
        auto plain = openEmbedder(tinyModelPath());
        auto model = openEmbedder(tinyModelPath());
        QVERIFY(plain.ok() && model.ok());
        auto shared = std::make_shared<SharedEmbedder>(std::move(model).value(), 3);
        auto search = shared->client(SharedEmbedder::Priority::Query);
        auto background = shared->client(SharedEmbedder::Priority::Background);
        QCOMPARE(search->dimension(), (*plain)->dimension());

        QStringList many;
        for (int i = 0; i < 40; ++i)
            many << QStringLiteral("Sentence number %1 about the garden and its trees.").arg(i);
        const QStringList queries = {QStringLiteral("where do trees grow"),
                                     QStringLiteral("a quiet garden")};
        auto expectedMany = (*plain)->embed(many);
        auto expectedQueries = (*plain)->embed(queries);
        QVERIFY(expectedMany.ok() && expectedQueries.ok());

        Result<EmbeddingMatrix> gotMany = EmbeddingMatrix{};
        std::thread indexing([&] { gotMany = background->embed(many); });
        std::vector<Result<EmbeddingMatrix>> gotQueries;
        for (int i = 0; i < 5; ++i)
            gotQueries.push_back(search->embed(queries));
        indexing.join();
        QVERIFY(gotMany.ok());
        QCOMPARE(gotMany->rows, std::size_t(40));
        QVERIFY(maxDifference(*gotMany, *expectedMany) < 1e-5);
        for (const auto& got : gotQueries) {
            QVERIFY(got.ok());
            QVERIFY(maxDifference(*got, *expectedQueries) < 1e-5);
        }
        auto none = background->embed({});
        QVERIFY(none.ok());
        QCOMPARE(none->rows, std::size_t(0));
        QCOMPARE(none->dim, (*plain)->dimension());
    }

    void backgroundChunksKeepToTheTokenBudget() {
        auto model = openEmbedder(tinyModelPath());
        QVERIFY(model.ok());
        auto recording = std::make_unique<RecordingEmbedder>(std::move(model).value());
        RecordingEmbedder* recorder = recording.get();
        recorder->m_releaseFirst = true;
        constexpr std::size_t kBudget = 24;
        auto shared = std::make_shared<SharedEmbedder>(std::move(recording), int(kBudget));
        auto background = shared->client(SharedEmbedder::Priority::Background);
        QStringList texts;
        for (int i = 0; i < 30; ++i)
            texts << QStringLiteral("word ").repeated(1 + (i * 7) % 23).trimmed();
        auto got = background->embed(texts);
        QVERIFY(got.ok());
        QCOMPARE(got->rows, std::size_t(30));

        auto tokensOf = [&](const QString& text) {
            return shared->model().tokenizer().encode(text, shared->model().maxSeqLength()).size();
        };
        QStringList seen;
        for (std::size_t call = 0; call < recorder->m_calls_texts.size(); ++call) {
            const QStringList& chunk = recorder->m_calls_texts[call];
            std::size_t used = 0;
            for (const QString& text : chunk)
                used += tokensOf(text);
            // Within the budget, unless one text alone is over it; and greedy: the next text
            // would not have fitted.
            QVERIFY(chunk.size() == 1 || used <= kBudget);
            if (call + 1 < recorder->m_calls_texts.size())
                QVERIFY(used + tokensOf(recorder->m_calls_texts[call + 1].front()) > kBudget);
            seen += chunk;
        }
        // Every text once, shortest first (so chunks pad little).
        QCOMPARE(seen.size(), texts.size());
        for (qsizetype i = 1; i < seen.size(); ++i)
            QVERIFY(tokensOf(seen[i - 1]) <= tokensOf(seen[i]));
        QStringList sortedSeen = seen, sortedTexts = texts;
        sortedSeen.sort();
        sortedTexts.sort();
        QCOMPARE(sortedSeen, sortedTexts);
        QVERIFY(recorder->m_calls_texts.size() > 1);
        // Whatever the order of work, row i is text i's vector.
        auto plain = openEmbedder(tinyModelPath());
        QVERIFY(plain.ok());
        auto expected = (*plain)->embed(texts);
        QVERIFY(expected.ok());
        QVERIFY(maxDifference(*got, *expected) < 1e-5);
    }

    void queryGoesAheadOfBackgroundChunks() {
        auto model = openEmbedder(tinyModelPath());
        QVERIFY(model.ok());
        auto recording = std::make_unique<RecordingEmbedder>(std::move(model).value());
        RecordingEmbedder* recorder = recording.get();
        auto shared = std::make_shared<SharedEmbedder>(std::move(recording), 1);
        auto search = shared->client(SharedEmbedder::Priority::Query);
        auto background = shared->client(SharedEmbedder::Priority::Background);

        // Texts of one token each: the background takes them in this order.
        const QStringList chunks = {QStringLiteral("one"), QStringLiteral("two"),
                                    QStringLiteral("three"), QStringLiteral("four")};
        std::thread indexing([&] { (void)background->embed(chunks); });
        while (!recorder->m_firstStarted)
            std::this_thread::yield();
        std::thread query([&] { (void)search->embed({QStringLiteral("q")}); });
        while (shared->queriesWaiting() == 0)
            std::this_thread::yield();
        recorder->m_releaseFirst = true;
        indexing.join();
        query.join();
        // The chunk under way finishes; the query comes next; the rest of the chunks follow.
        QCOMPARE(recorder->m_order,
                 QStringList({QStringLiteral("one"), QStringLiteral("q"), QStringLiteral("two"),
                              QStringLiteral("three"), QStringLiteral("four")}));
    }

    void queryEmbedsAtTheChunksNextPausePoint() {
        auto model = openEmbedder(tinyModelPath());
        QVERIFY(model.ok());
        auto pausing = std::make_unique<PausingEmbedder>(std::move(model).value());
        PausingEmbedder* embedder = pausing.get();
        auto shared = std::make_shared<SharedEmbedder>(std::move(pausing));
        auto search = shared->client(SharedEmbedder::Priority::Query);
        auto background = shared->client(SharedEmbedder::Priority::Background);

        std::atomic<bool> indexed{false}, searched{false};
        std::thread indexing(
            [&] { indexed = background->embed({QStringLiteral("background")}).ok(); });
        while (!embedder->m_backgroundStarted)
            std::this_thread::yield();
        std::thread query([&] { searched = search->embed({QStringLiteral("q")}).ok(); });
        while (shared->queriesWaiting() == 0)
            std::this_thread::yield();
        embedder->m_reachPausePoint = true;
        indexing.join();
        query.join();
        QVERIFY(indexed && searched);
        // The query ran inside the background chunk, at its pause point, not after it.
        QCOMPARE(embedder->order(),
                 QStringList({QStringLiteral("background starts"), QStringLiteral("query"),
                              QStringLiteral("background ends")}));
        // With no query waiting, the pause point lets the chunk go on at once.
        embedder->m_reachPausePoint = true;
        QVERIFY(background->embed({QStringLiteral("background")}).ok());
    }

    // The encoder pauses before each layer; a call made there on the same model (what a query
    // does through SharedEmbedder) leaves both calls' vectors as they are without the pause.
    void encoderRunsAnotherCallAtItsPausePoints() {
        auto plain = openEmbedder(tinyModelPath());
        EmbedderOptions batchesOfFour;
        batchesOfFour.batchSize = 4;
        auto model = openEmbedder(tinyModelPath(), batchesOfFour);
        QVERIFY(plain.ok() && model.ok());
        QStringList texts;
        for (int i = 0; i < 10; ++i)
            texts << QStringLiteral("a passage ") + QStringLiteral("word ").repeated(i * 3);
        const QStringList queries = {QStringLiteral("where do trees grow"),
                                     QStringLiteral("a much longer query with many more words "
                                                    "than any passage of this batch has at all")};
        auto expectedTexts = (*plain)->embed(texts);
        auto expectedQueries = (*plain)->embed(queries);
        QVERIFY(expectedTexts.ok() && expectedQueries.ok());

        int pauses = 0;
        std::vector<Result<EmbeddingMatrix>> queried;
        Result<EmbeddingMatrix> got = EmbeddingMatrix{};
        {
            const ScopedPausePoint pause([&] {
                ++pauses;
                queried.push_back((*model)->embed(queries));
            });
            got = (*model)->embed(texts);
        }
        QVERIFY(got.ok());
        // 10 texts in batches of 4: 3 batches of the model's layers.
        QCOMPARE(pauses, 3 * (*plain)->model().bert.numLayers);
        QVERIFY(maxDifference(*got, *expectedTexts) < 1e-6);
        for (const auto& vectors : queried) {
            QVERIFY(vectors.ok());
            QVERIFY(maxDifference(*vectors, *expectedQueries) < 1e-6);
        }
        // Uninstalled with its scope.
        QVERIFY((*model)->embed(texts).ok());
        QCOMPARE(pauses, 3 * (*plain)->model().bert.numLayers);
    }
};

QTEST_GUILESS_MAIN(TestSharedEmbedder)
#include "test_shared_embedder.moc"
