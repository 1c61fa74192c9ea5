// The embedder against sentence-transformers' own output for the tiny model, and against the
// Hugging Face hidden states for the other pooling modes.

#include "model_folder_fixture.h"
#include "reference_data.h"

#include "semsearch/embedder.h"

#include <QJsonArray>
#include <QtTest>

#include <cmath>

using namespace semsearch;
using namespace semsearch::test;

namespace {

// Largest |a - b| over a row of the matrix against a reference vector; +inf on a size mismatch.
double maxAbsDiff(const EmbeddingMatrix& m, std::size_t row, const std::vector<float>& ref) {
    if (row >= m.rows || ref.size() != m.dim)
        return INFINITY;
    double worst = 0;
    for (std::size_t j = 0; j < m.dim; ++j)
        worst = std::max(worst, std::fabs(double(m.row(row)[j]) - double(ref[j])));
    return worst;
}

QStringList toStringList(const std::vector<QString>& texts) {
    return QStringList(texts.begin(), texts.end());
}

// The last hidden layer of a reference record: T rows of `hidden` floats.
std::vector<std::vector<float>> lastHiddenState(const QJsonObject& record) {
    std::vector<std::vector<float>> rows;
    const QJsonArray layers = record.value(QStringLiteral("hidden_states")).toArray();
    for (const QJsonValue& token : layers.last().toArray())
        rows.push_back(toFloatVector(token));
    return rows;
}

} // namespace

class TestEmbedder : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        m_sentences = referenceSentences();
        QCOMPARE(m_sentences.size(), std::size_t(65));
        for (const QJsonObject& record : readReference(QStringLiteral("embeddings.jsonl")))
            m_expected.push_back(toFloatVector(record.value(QStringLiteral("embedding"))));
        QCOMPARE(m_expected.size(), m_sentences.size());
    }

    void modelInfoIsReadFromTheFolder() {
        auto info = readModelInfo(tinyModelPath());
        QVERIFY2(info.ok(), info.ok() ? "" : qPrintable(info.error().message));
        QCOMPARE(info->bert.hiddenSize, 32);
        QCOMPARE(info->bert.numLayers, 2);
        QCOMPARE(info->bert.numHeads, 4);
        QCOMPARE(info->bert.intermediateSize, 64);
        QCOMPARE(info->pooling, Pooling::Max);
        QCOMPARE(info->normalize, false);
        QCOMPARE(info->maxSeqLength, 128);
    }

    void matchesSentenceTransformers_data() {
        QTest::addColumn<int>("batchSize");
        QTest::newRow("batch 1") << 1;
        QTest::newRow("batch 8") << 8;
        QTest::newRow("batch 32") << 32;
        QTest::newRow("one batch") << 100;
    }
    void matchesSentenceTransformers() {
        QFETCH(int, batchSize);
        EmbedderOptions options;
        options.batchSize = batchSize;
        auto embedder = openEmbedder(tinyModelPath(), options);
        QVERIFY2(embedder.ok(), embedder.ok() ? "" : qPrintable(embedder.error().message));
        auto vectors = (*embedder)->embed(toStringList(m_sentences));
        QVERIFY2(vectors.ok(), vectors.ok() ? "" : qPrintable(vectors.error().message));
        QCOMPARE(vectors->rows, m_sentences.size());
        QCOMPARE(vectors->dim, std::size_t(32));
        for (std::size_t i = 0; i < m_sentences.size(); ++i) {
            const double diff = maxAbsDiff(*vectors, i, m_expected[i]);
            QVERIFY2(diff <= kEmbeddingTolerance,
                     qPrintable(QStringLiteral("sentence %1: max abs diff %2").arg(i).arg(diff)));
        }
    }

    // The encoder alone, fed the reference token ids: independent of the tokenizer.
    void embedTokensMatchesReference() {
        auto embedder = openEmbedder(tinyModelPath());
        QVERIFY(embedder.ok());
        std::vector<std::vector<TokenId>> ids;
        for (const QJsonObject& record : readReference(QStringLiteral("tokens.jsonl"))) {
            const std::vector<int> row = toIntVector(record.value(QStringLiteral("input_ids")));
            ids.emplace_back(row.begin(), row.end());
        }
        QCOMPARE(ids.size(), m_expected.size());
        auto vectors = (*embedder)->embedTokens(ids);
        QVERIFY(vectors.ok());
        for (std::size_t i = 0; i < ids.size(); ++i)
            QVERIFY2(maxAbsDiff(*vectors, i, m_expected[i]) <= kEmbeddingTolerance,
                     qPrintable(QString::number(i)));
    }

    // A sentence's vector must not depend on what else shares its batch.
    void vectorsDoNotDependOnTheBatch() {
        auto embedder = openEmbedder(tinyModelPath());
        QVERIFY(embedder.ok());
        const QString longText = m_sentences[0].repeated(12); // longer than any sentence here
        for (std::size_t i = 0; i < m_sentences.size(); i += 7) {
            auto alone = (*embedder)->embed({m_sentences[i]});
            auto mixed = (*embedder)->embed({longText, m_sentences[i], longText.left(200)});
            QVERIFY(alone.ok() && mixed.ok());
            const std::vector<float> aloneRow(alone->row(0), alone->row(0) + alone->dim);
            const double diff = maxAbsDiff(*mixed, 1, aloneRow);
            QVERIFY2(diff <= 1e-5, qPrintable(QStringLiteral("sentence %1: %2").arg(i).arg(diff)));
        }
    }

    void emptyInputGivesEmptyMatrix() {
        auto embedder = openEmbedder(tinyModelPath());
        QVERIFY(embedder.ok());
        auto vectors = (*embedder)->embed({});
        QVERIFY(vectors.ok());
        QCOMPARE(vectors->rows, std::size_t(0));
        QCOMPARE(vectors->dim, std::size_t(32));
    }

    void rejectsBadOptions() {
        EmbedderOptions options;
        options.batchSize = 0;
        auto embedder = openEmbedder(tinyModelPath(), options);
        QVERIFY(!embedder.ok());
        QCOMPARE(embedder.error().code, ErrorCode::InvalidArgument);
    }

    // Mean, CLS and max pooling (with and without Normalize) computed from the Hugging Face
    // hidden states of the reference, for the same weights configured with each pooling.
    void poolingModes_data() {
        QTest::addColumn<QString>("mode");
        QTest::addColumn<bool>("normalize");
        QTest::newRow("mean") << QStringLiteral("mean") << false;
        QTest::newRow("mean + Normalize") << QStringLiteral("mean") << true;
        QTest::newRow("cls") << QStringLiteral("cls") << false;
        QTest::newRow("cls + Normalize") << QStringLiteral("cls") << true;
        QTest::newRow("max + Normalize") << QStringLiteral("max") << true;
    }
    void poolingModes() {
        QFETCH(QString, mode);
        QFETCH(bool, normalize);
        ModelFolderCopy model;
        QVERIFY(model.isValid());
        const QString pooling = QStringLiteral("1_Pooling/config.json");
        QVERIFY(model.setJson(pooling, QStringLiteral("pooling_mode_max_tokens"), mode == "max"));
        QVERIFY(model.setJson(pooling, QStringLiteral("pooling_mode_mean_tokens"), mode == "mean"));
        QVERIFY(model.setJson(pooling, QStringLiteral("pooling_mode_cls_token"), mode == "cls"));
        if (normalize) {
            QJsonArray modules = QJsonDocument::fromJson(model.read("modules.json")).array();
            modules.append(QJsonObject{{"idx", 2},
                                       {"name", "2"},
                                       {"path", "2_Normalize"},
                                       {"type", "sentence_transformers.models.Normalize"}});
            QVERIFY(model.write("modules.json", QJsonDocument(modules).toJson()));
        }
        auto embedder = openEmbedder(model.path());
        QVERIFY2(embedder.ok(), embedder.ok() ? "" : qPrintable(embedder.error().message));

        const auto records = readReference(QStringLiteral("debug_hidden_states.jsonl"));
        QCOMPARE(records.size(), std::size_t(3));
        for (const QJsonObject& record : records) {
            const auto hidden = lastHiddenState(record);
            QVERIFY(!hidden.empty());
            std::vector<float> expected(hidden[0].size(), 0.0f);
            for (std::size_t j = 0; j < expected.size(); ++j) {
                if (mode == "cls") {
                    expected[j] = hidden[0][j];
                } else if (mode == "mean") {
                    double sum = 0;
                    for (const auto& token : hidden)
                        sum += token[j];
                    expected[j] = float(sum / double(hidden.size()));
                } else {
                    expected[j] = -INFINITY;
                    for (const auto& token : hidden)
                        expected[j] = std::max(expected[j], token[j]);
                }
            }
            if (normalize) {
                double norm = 0;
                for (float v : expected)
                    norm += double(v) * v;
                for (float& v : expected)
                    v = float(v / std::sqrt(norm));
            }
            const std::vector<int> row = toIntVector(record.value(QStringLiteral("input_ids")));
            auto vectors = (*embedder)->embedTokens({std::vector<TokenId>(row.begin(), row.end())});
            QVERIFY(vectors.ok());
            const double diff = maxAbsDiff(*vectors, 0, expected);
            QVERIFY2(diff <= kEmbeddingTolerance,
                     qPrintable(QStringLiteral("max abs diff %1").arg(diff)));
        }
    }

private:
    std::vector<QString> m_sentences;
    std::vector<std::vector<float>> m_expected;
};

QTEST_GUILESS_MAIN(TestEmbedder)
#include "test_embedder.moc"
