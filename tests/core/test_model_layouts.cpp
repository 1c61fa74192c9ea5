// Sentence-transformers models other than the seed one: tiny random models in the layouts of
// all-MiniLM-L6-v2 (mean pooling + Normalize, max_seq_length 256, model.safetensors) and
// bge-small-en-v1.5 (CLS pooling + Normalize, do_lower_case at the sentence-transformers level,
// a float16 pytorch_model.bin), against the embeddings of an independent numpy BERT that
// tests/data/make_layout_models.py checks against the Hugging Face reference first. Also
// Python's str.lower(), which that lower-casing must follow, and the folder settings around it.

#include "model_folder_fixture.h"
#include "reference_data.h"

#include "embed/bert_text_normalizer.h"
#include "semsearch/embedder.h"

#include <QJsonArray>
#include <QtTest>

#include <cmath>

using namespace semsearch;
using namespace semsearch::test;

namespace {

struct LayoutRecord {
    QString text;
    std::vector<TokenId> ids;
    bool textGivesTheseIds = false;
    std::vector<float> embedding;
};

std::vector<LayoutRecord> readLayoutReference(const QString& layout) {
    std::vector<LayoutRecord> records;
    for (const QJsonObject& json :
         readJsonLines(testDataPath(layout + QStringLiteral("/reference/embeddings.jsonl")))) {
        LayoutRecord record;
        record.text = QString::fromUtf8(
            QByteArray::fromHex(json.value(QStringLiteral("text_utf8_hex")).toString().toLatin1()));
        const std::vector<int> ids = toIntVector(json.value(QStringLiteral("input_ids")));
        record.ids.assign(ids.begin(), ids.end());
        record.textGivesTheseIds = json.value(QStringLiteral("text_gives_these_ids")).toBool();
        record.embedding = toFloatVector(json.value(QStringLiteral("embedding")));
        records.push_back(std::move(record));
    }
    return records;
}

double maxAbsDiff(const float* row, const std::vector<float>& expected, std::size_t dim) {
    if (expected.size() != dim)
        return INFINITY;
    double worst = 0;
    for (std::size_t j = 0; j < dim; ++j)
        worst = std::max(worst, std::fabs(double(row[j]) - double(expected[j])));
    return worst;
}

QString fromHex(const QJsonValue& value) {
    return QString::fromUtf8(QByteArray::fromHex(value.toString().toLatin1()));
}

// The code point ranges of a final_sigma.json list, as a lookup.
class CodePointSet {
public:
    explicit CodePointSet(const QJsonArray& ranges) {
        for (const QJsonValue& range : ranges)
            m_ranges.push_back({char32_t(range.toArray().at(0).toInteger()),
                                char32_t(range.toArray().at(1).toInteger())});
    }
    bool contains(char32_t cp) const { // the ranges are sorted and disjoint
        auto it = std::upper_bound(
            m_ranges.begin(), m_ranges.end(), cp,
            [](char32_t value, const std::pair<char32_t, char32_t>& r) { return value < r.first; });
        return it != m_ranges.begin() && cp <= std::prev(it)->second;
    }
    bool isEmpty() const { return m_ranges.empty(); }

private:
    std::vector<std::pair<char32_t, char32_t>> m_ranges;
};

} // namespace

class TestModelLayouts : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void readsTheLayout_data() {
        QTest::addColumn<QString>("layout");
        QTest::addColumn<int>("hidden");
        QTest::addColumn<int>("layers");
        QTest::addColumn<int>("heads");
        QTest::addColumn<int>("intermediate");
        QTest::addColumn<int>("pooling");
        QTest::addColumn<int>("maxSeqLength");
        QTest::addColumn<bool>("lowerCaseInput");
        QTest::newRow("all-MiniLM-L6-v2 layout") << QStringLiteral("tiny-minilm-layout") << 24 << 2
                                                 << 6 << 96 << int(Pooling::Mean) << 256 << false;
        QTest::newRow("bge-small-en-v1.5 layout") << QStringLiteral("tiny-bge-layout") << 16 << 3
                                                  << 2 << 64 << int(Pooling::Cls) << 512 << true;
    }
    void readsTheLayout() {
        QFETCH(QString, layout);
        QFETCH(int, hidden);
        QFETCH(int, layers);
        QFETCH(int, heads);
        QFETCH(int, intermediate);
        QFETCH(int, pooling);
        QFETCH(int, maxSeqLength);
        QFETCH(bool, lowerCaseInput);
        auto info = readModelInfo(testDataPath(layout));
        QVERIFY2(info.ok(), info.ok() ? "" : qPrintable(info.error().message));
        QCOMPARE(info->bert.hiddenSize, hidden);
        QCOMPARE(info->dimension(), hidden);
        QCOMPARE(info->bert.numLayers, layers);
        QCOMPARE(info->bert.numHeads, heads);
        QCOMPARE(info->bert.intermediateSize, intermediate);
        QCOMPARE(int(info->pooling), pooling);
        QCOMPARE(info->normalize, true);
        QCOMPARE(info->maxSeqLength, maxSeqLength);
        QCOMPARE(info->lowerCaseInput, lowerCaseInput);
    }

    void embedsLikeTheNumpyReference_data() {
        QTest::addColumn<QString>("layout");
        QTest::addColumn<int>("batchSize");
        QTest::addColumn<int>("dimension");
        QTest::newRow("MiniLM layout, batches of 32")
            << QStringLiteral("tiny-minilm-layout") << 32 << 24;
        QTest::newRow("MiniLM layout, batches of 5")
            << QStringLiteral("tiny-minilm-layout") << 5 << 24;
        QTest::newRow("bge layout, batches of 32") << QStringLiteral("tiny-bge-layout") << 32 << 16;
        QTest::newRow("bge layout, batches of 5") << QStringLiteral("tiny-bge-layout") << 5 << 16;
    }
    // The encoder alone, fed the Hugging Face token ids.
    void embedsLikeTheNumpyReference() {
        QFETCH(QString, layout);
        QFETCH(int, batchSize);
        QFETCH(int, dimension);
        const std::vector<LayoutRecord> records = readLayoutReference(layout);
        QVERIFY(records.size() >= 65);
        EmbedderOptions options;
        options.batchSize = batchSize;
        auto embedder = openEmbedder(testDataPath(layout), options);
        QVERIFY2(embedder.ok(), embedder.ok() ? "" : qPrintable(embedder.error().message));
        QCOMPARE((*embedder)->dimension(), std::size_t(dimension));
        std::vector<std::vector<TokenId>> ids;
        for (const LayoutRecord& record : records)
            ids.push_back(record.ids);
        auto vectors = (*embedder)->embedTokens(ids);
        QVERIFY2(vectors.ok(), vectors.ok() ? "" : qPrintable(vectors.error().message));
        QCOMPARE(vectors->dim, std::size_t(dimension));
        for (std::size_t i = 0; i < records.size(); ++i) {
            const double diff = maxAbsDiff(vectors->row(i), records[i].embedding, vectors->dim);
            QVERIFY2(diff <= kEmbeddingTolerance,
                     qPrintable(QStringLiteral("record %1: max abs diff %2").arg(i).arg(diff)));
            double norm = 0;
            for (std::size_t j = 0; j < vectors->dim; ++j)
                norm += double(vectors->row(i)[j]) * vectors->row(i)[j];
            QVERIFY2(std::fabs(std::sqrt(norm) - 1.0) <= 1e-5, qPrintable(QString::number(norm)));
        }
    }

    // From text: the tokenizer, the layout's max_seq_length and, for bge, sentence-transformers'
    // lower-casing. "hello[MASK]world" is the witness for the latter: lower-cased first, its
    // [MASK] is no special token any more, and only the lower-cased ids match the reference.
    void embedsTextsLikeTheNumpyReference_data() {
        QTest::addColumn<QString>("layout");
        QTest::newRow("MiniLM layout") << QStringLiteral("tiny-minilm-layout");
        QTest::newRow("bge layout") << QStringLiteral("tiny-bge-layout");
    }
    void embedsTextsLikeTheNumpyReference() {
        QFETCH(QString, layout);
        std::vector<LayoutRecord> records = readLayoutReference(layout);
        records.erase(std::remove_if(records.begin(), records.end(),
                                     [](const LayoutRecord& r) { return !r.textGivesTheseIds; }),
                      records.end());
        QVERIFY(records.size() >= 60);
        auto embedder = openEmbedder(testDataPath(layout));
        QVERIFY(embedder.ok());
        QStringList texts;
        for (const LayoutRecord& record : records)
            texts << record.text;
        auto vectors = (*embedder)->embed(texts);
        QVERIFY(vectors.ok());
        for (std::size_t i = 0; i < records.size(); ++i) {
            const double diff = maxAbsDiff(vectors->row(i), records[i].embedding, vectors->dim);
            QVERIFY2(
                diff <= kEmbeddingTolerance,
                qPrintable(QStringLiteral("'%1': max abs diff %2").arg(records[i].text).arg(diff)));
        }
        // The witness: with lower-casing its ids hold no [MASK] (103), and those ids give a
        // clearly different vector from the [MASK] ones.
        const bool lowerCases = layout == QLatin1String("tiny-bge-layout");
        const std::vector<LayoutRecord> all = readLayoutReference(layout);
        std::vector<const LayoutRecord*> witness;
        for (const LayoutRecord& record : all)
            if (record.text == QLatin1String("hello[MASK]world"))
                witness.push_back(&record);
        QCOMPARE(witness.size(), std::size_t(lowerCases ? 2 : 1));
        const LayoutRecord& used = *witness.back();
        QVERIFY(used.textGivesTheseIds);
        QCOMPARE(std::count(used.ids.begin(), used.ids.end(), 103), lowerCases ? 0 : 1);
        if (lowerCases)
            QVERIFY(maxAbsDiff(used.embedding.data(), witness.front()->embedding,
                               used.embedding.size()) > 1e-2);
    }

    // Python's str.lower() on the reference sentences and on capital sigmas in context.
    void pythonLowerMatchesPython() {
        const auto records = readJsonLines(
            testDataPath(QStringLiteral("tiny-bge-layout/reference/lowercase.jsonl")));
        QVERIFY(records.size() >= 90);
        for (const QJsonObject& record : records) {
            const QString text = fromHex(record.value(QStringLiteral("text_utf8_hex")));
            const QString expected = fromHex(record.value(QStringLiteral("lower_utf8_hex")));
            QCOMPARE(pythonLower(text), expected);
        }
    }

    // The final-sigma rule asks whether the characters around U+03A3 are cased or
    // case-ignorable; Python's answer for every code point, probed from both sides.
    void finalSigmaContextMatchesPython() {
        QFile file(testDataPath(QStringLiteral("tiny-bge-layout/reference/final_sigma.json")));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QJsonObject json = QJsonDocument::fromJson(file.readAll()).object();
        const CodePointSet afterIsFinal(json.value(QStringLiteral("after_is_final")).toArray());
        const CodePointSet beforeIsFinal(json.value(QStringLiteral("before_is_final")).toArray());
        QVERIFY(!afterIsFinal.isEmpty() && !beforeIsFinal.isEmpty());
        QStringList mismatches;
        for (char32_t cp = 0; cp <= 0x10FFFF; ++cp) {
            if (cp >= 0xD800 && cp <= 0xDFFF)
                continue;
            const QString c = QString::fromUcs4(&cp, 1);
            const QString after = pythonLower(QStringLiteral("A\u03A3") + c);
            const QString before = pythonLower(QStringLiteral("A") + c + QStringLiteral("\u03A3"));
            const bool gotAfter = after.at(1) == QChar(0x3C2);
            const bool gotBefore = before.back() == QChar(0x3C2);
            if (gotAfter != afterIsFinal.contains(cp) || gotBefore != beforeIsFinal.contains(cp))
                mismatches << QString::number(cp, 16);
        }
        QVERIFY2(mismatches.isEmpty(),
                 qPrintable(QStringLiteral("%1 code points differ from Python: %2")
                                .arg(mismatches.size())
                                .arg(mismatches.mid(0, 20).join(QLatin1Char(' ')))));
    }

    // Without max_seq_length, sentence-transformers takes the smaller of the encoder's limit and
    // the tokenizer's model_max_length.
    void maxSeqLengthFallsBackToTheTokenizer() {
        ModelFolderCopy model(testDataPath(QStringLiteral("tiny-minilm-layout")));
        QVERIFY(model.isValid());
        QVERIFY(model.write(QStringLiteral("sentence_bert_config.json"), "{}"));
        QVERIFY(model.setJson(QStringLiteral("tokenizer_config.json"),
                              QStringLiteral("model_max_length"), 64));
        auto info = readModelInfo(model.path());
        QVERIFY(info.ok());
        QCOMPARE(info->maxSeqLength, 64);
        QCOMPARE(info->lowerCaseInput, false);
        QVERIFY(model.setJson(QStringLiteral("tokenizer_config.json"),
                              QStringLiteral("model_max_length"), 1e30));
        info = readModelInfo(model.path());
        QVERIFY(info.ok());
        QCOMPARE(info->maxSeqLength, 512);
    }

    void refusedFolders_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("key");
        QTest::addColumn<QJsonValue>("value");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("problem");
        QTest::newRow("a default prompt")
            << QStringLiteral("config_sentence_transformers.json")
            << QStringLiteral("default_prompt_name") << QJsonValue(QStringLiteral("query"))
            << int(ErrorCode::Unsupported) << QStringLiteral("a default prompt ('query')");
        QTest::newRow("do_lower_case not a bool")
            << QStringLiteral("sentence_bert_config.json") << QStringLiteral("do_lower_case")
            << QJsonValue(QStringLiteral("yes")) << int(ErrorCode::Corrupt)
            << QStringLiteral("'do_lower_case' must be true or false");
    }
    void refusedFolders() {
        QFETCH(QString, file);
        QFETCH(QString, key);
        QFETCH(QJsonValue, value);
        QFETCH(int, code);
        QFETCH(QString, problem);
        ModelFolderCopy model(testDataPath(QStringLiteral("tiny-bge-layout")));
        QVERIFY(model.isValid());
        QVERIFY(model.setJson(file, key, value));
        expectRefused(model.path(), ErrorCode(code), file, problem);
    }

    // Older sentence-transformers folders keep the encoder in 0_BERT/ or 0_Transformer/.
    void encoderInASubfolder() {
        ModelFolderCopy model(testDataPath(QStringLiteral("tiny-minilm-layout")));
        QVERIFY(model.isValid());
        QJsonArray modules = QJsonDocument::fromJson(model.read("modules.json")).array();
        QJsonObject transformer = modules[0].toObject();
        transformer.insert(QStringLiteral("path"), QStringLiteral("0_Transformer"));
        modules[0] = transformer;
        QVERIFY(model.write("modules.json", QJsonDocument(modules).toJson()));
        expectRefused(model.path(), ErrorCode::Unsupported, QStringLiteral("modules.json"),
                      QStringLiteral("subfolder '0_Transformer'"));
    }

    // A repository with only the fast tokenizer's tokenizer.json.
    void tokenizerJsonWithoutVocabulary() {
        ModelFolderCopy model(testDataPath(QStringLiteral("tiny-minilm-layout")));
        QVERIFY(model.isValid());
        QVERIFY(QFile::remove(model.filePath(QStringLiteral("vocab.txt"))));
        QVERIFY(model.write(QStringLiteral("tokenizer.json"),
                            "{\"model\": {\"type\": \"WordPiece\"}}"));
        expectRefused(model.path(), ErrorCode::Unsupported, QStringLiteral("vocab.txt"),
                      QStringLiteral("has only tokenizer.json"));
    }

private:
    void expectRefused(const QString& folder, ErrorCode code, const QString& file,
                       const QString& problem) {
        auto embedder = openEmbedder(folder);
        QVERIFY2(!embedder.ok(), "the folder was accepted");
        const QString message = embedder.error().message;
        QVERIFY2(message.contains(file), qPrintable(message));
        QVERIFY2(message.contains(problem), qPrintable(message));
        QVERIFY2(!message.contains(QLatin1Char('\n')), qPrintable(message));
        QCOMPARE(int(embedder.error().code), int(code));
    }
};

QTEST_GUILESS_MAIN(TestModelLayouts)
#include "test_model_layouts.moc"
