// WordPieceTokenizer against the reference ids of transformers 4.33.3's slow BertTokenizer
// (tests/data/tiny-bert-max/reference/tokens.jsonl), plus truncation, load errors and
// hand-checked cases whose expected ids are looked up in vocab.txt by token text.

#include "reference_data.h"
#include "semsearch/tokenizer.h"

#include <QFile>
#include <QHash>
#include <QStringList>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <optional>
#include <thread>
#include <type_traits>

using namespace semsearch;
using namespace semsearch::test;

namespace {

constexpr std::size_t kReferenceCount = 65;
constexpr std::size_t kLongSentence = 43; // 221 ids untruncated
constexpr std::size_t kMaxSeqLength = 128;

// encode() returns TokenId; the reference readers return int.
static_assert(std::is_same_v<TokenId, int>);

QString idsText(const std::vector<int>& ids) {
    QStringList parts;
    for (int id : ids)
        parts.append(QString::number(id));
    return parts.join(u' ');
}

QStringList toStringList(const std::vector<QString>& pieces) {
    return QStringList(pieces.begin(), pieces.end());
}

QStringList toStringList(const QJsonValue& value) {
    QStringList out;
    for (const QJsonValue& v : value.toArray())
        out.append(v.toString());
    return out;
}

// Python's str.strip(): the characters for which str.isspace() is true (Unicode 14).
QString pythonStrip(const QString& text) {
    const auto isSpace = [](char16_t c) {
        return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
               c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
               c == 0x202F || c == 0x205F || c == 0x3000;
    };
    qsizetype begin = 0;
    qsizetype end = text.size();
    while (begin < end && isSpace(text[begin].unicode()))
        ++begin;
    while (end > begin && isSpace(text[end - 1].unicode()))
        --end;
    return text.mid(begin, end - begin);
}

// vocab.txt read here, independently of the tokenizer, to look ids up by token text.
QHash<QString, int> readVocabFile(const QString& path) {
    QHash<QString, int> vocab;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return vocab;
    const QList<QByteArray> lines = file.readAll().split('\n');
    for (qsizetype i = 0; i < lines.size(); ++i) {
        if (i == lines.size() - 1 && lines[i].isEmpty())
            break; // after the final newline
        vocab.insert(QString::fromUtf8(lines[i]), int(i));
    }
    return vocab;
}

bool writeFile(const QString& path, const QByteArray& content) {
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(content) == content.size();
}

QByteArray readFile(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

std::vector<QString> smallVocabulary(std::initializer_list<const char16_t*> extra) {
    std::vector<QString> vocabulary = {QStringLiteral("[PAD]"), QStringLiteral("[UNK]"),
                                       QStringLiteral("[CLS]"), QStringLiteral("[SEP]")};
    for (const char16_t* token : extra)
        vocabulary.push_back(QString::fromUtf16(token));
    return vocabulary;
}

} // namespace

class TestTokenizer : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();

    void referenceFilesAreComplete();
    void referenceIds_data();
    void referenceIds();
    void referenceWordPieces_data();
    void referenceWordPieces();

    void specialIdsAndAccessors();
    void truncationKeepsFirstPiecesAndSep();
    void truncationToSmallLengths();
    void encodeFromSeveralThreads();

    void literalSpecialTokensInExactCase();
    void greekAndTurkishLowerCasePerCodePoint();
    void accentStrippingFollowsConfig();
    void caseSensitiveConfig();
    void greedyLongestMatchAndWholeWordUnknown();
    void wordLengthLimitCountsCodePoints();
    void neverSplitWhenNotLowerCasing();
    void missingMaskBecomesUnknown();
    void composesBeforeMatching();
    void cjkIdeographsAreWords();

    void loadMissingVocabulary();
    void loadVocabularyNotUtf8();
    void loadVocabularyMissingSpecialTokens();
    void loadVocabularyWithCrLf();
    void loadConfigInvalidJson();
    void loadConfigUnsupportedOrMistyped();
    void fromVocabularyMissingSep();

private:
    // The id of `token` in the real vocab.txt, or -1 (which no tokenizer output equals).
    int vocabId(const QString& token) const { return m_vocab.value(token, -1); }
    std::vector<int> vocabIds(const QStringList& tokens) const {
        std::vector<int> ids;
        for (const QString& token : tokens)
            ids.push_back(vocabId(token));
        return ids;
    }
    QString copyModelTo(const QTemporaryDir& dir, const QByteArray& config) const;

    std::optional<WordPieceTokenizer> m_tokenizer;
    std::vector<QString> m_texts;
    std::vector<QJsonObject> m_tokens;
    QHash<QString, int> m_vocab;
};

void TestTokenizer::initTestCase() {
    auto loaded = WordPieceTokenizer::load(tinyModelPath());
    QVERIFY2(loaded.ok(), qPrintable(loaded.ok() ? QString() : loaded.error().message));
    m_tokenizer.emplace(std::move(loaded).value());
    m_texts = referenceSentences();
    m_tokens = readReference(QStringLiteral("tokens.jsonl"));
    m_vocab = readVocabFile(tinyModelPath() + QStringLiteral("/vocab.txt"));
}

void TestTokenizer::referenceFilesAreComplete() {
    QCOMPARE(m_texts.size(), kReferenceCount);
    QCOMPARE(m_tokens.size(), kReferenceCount);
    QCOMPARE(m_vocab.size(), 30522);
    for (std::size_t i = 0; i < kReferenceCount; ++i) {
        QCOMPARE(m_tokens[i].value(QStringLiteral("index")).toInt(), int(i));
        // The JSON text and the hex bytes must agree, or the records are out of step.
        QCOMPARE(m_tokens[i].value(QStringLiteral("text")).toString(), m_texts[i]);
    }
}

void TestTokenizer::referenceIds_data() {
    QTest::addColumn<int>("index");
    for (std::size_t i = 0; i < m_tokens.size(); ++i)
        QTest::addRow("%zu", i) << int(i);
}

void TestTokenizer::referenceIds() {
    QFETCH(int, index);
    const QString& text = m_texts[std::size_t(index)];
    const QJsonObject& record = m_tokens[std::size_t(index)];
    const std::vector<int> full = toIntVector(record.value(QStringLiteral("input_ids_full")));
    const std::vector<int> truncated = toIntVector(record.value(QStringLiteral("input_ids")));
    QVERIFY(!full.empty());

    QCOMPARE(idsText(m_tokenizer->encode(text, 0)), idsText(full));
    // sentence-transformers strips first; per the README stripping never changes these ids.
    QCOMPARE(idsText(m_tokenizer->encode(pythonStrip(text), kMaxSeqLength)), idsText(truncated));
    QCOMPARE(idsText(m_tokenizer->encode(text, kMaxSeqLength)), idsText(truncated));
}

void TestTokenizer::referenceWordPieces_data() {
    referenceIds_data();
}

void TestTokenizer::referenceWordPieces() {
    QFETCH(int, index);
    const QString& text = m_texts[std::size_t(index)];
    const QJsonObject& record = m_tokens[std::size_t(index)];
    QCOMPARE(toStringList(m_tokenizer->wordPieces(text)),
             toStringList(record.value(QStringLiteral("wordpieces"))));
}

void TestTokenizer::specialIdsAndAccessors() {
    QCOMPARE(m_tokenizer->padId(), vocabId(QStringLiteral("[PAD]")));
    QCOMPARE(m_tokenizer->unknownId(), vocabId(QStringLiteral("[UNK]")));
    QCOMPARE(m_tokenizer->clsId(), vocabId(QStringLiteral("[CLS]")));
    QCOMPARE(m_tokenizer->sepId(), vocabId(QStringLiteral("[SEP]")));
    QCOMPARE(m_tokenizer->vocabularySize(), std::size_t(30522));
    QCOMPARE(m_tokenizer->tokenText(vocabId(QStringLiteral("hello"))), QStringLiteral("hello"));
    QCOMPARE(m_tokenizer->tokenText(vocabId(QStringLiteral("##ello"))), QStringLiteral("##ello"));
    QVERIFY(m_tokenizer->tokenText(-1).isEmpty());
    QVERIFY(m_tokenizer->tokenText(30522).isEmpty());
    // tokenizer_config.json of the tiny model: lower case on, strip_accents null, CJK on.
    QCOMPARE(m_tokenizer->config().doLowerCase, true);
    QVERIFY(!m_tokenizer->config().stripAccents.has_value());
    QCOMPARE(m_tokenizer->config().tokenizeChineseChars, true);
    QCOMPARE(idsText(m_tokenizer->encode(QString(), 0)),
             idsText(vocabIds({QStringLiteral("[CLS]"), QStringLiteral("[SEP]")})));
}

void TestTokenizer::truncationKeepsFirstPiecesAndSep() {
    const QString& text = m_texts[kLongSentence];
    const std::vector<int> reference =
        toIntVector(m_tokens[kLongSentence].value(QStringLiteral("input_ids_full")));
    QCOMPARE(m_tokens[kLongSentence].value(QStringLiteral("num_tokens_full")).toInt(), 221);
    QCOMPARE(reference.size(), std::size_t(221));

    const std::vector<TokenId> truncated = m_tokenizer->encode(text, kMaxSeqLength);
    QCOMPARE(truncated.size(), kMaxSeqLength);
    // [CLS] + the first 126 pieces + [SEP].
    std::vector<int> expected(reference.begin(), reference.begin() + 127);
    expected.push_back(vocabId(QStringLiteral("[SEP]")));
    QCOMPARE(idsText(truncated), idsText(expected));

    // A limit equal to the full length truncates nothing; one less drops the last piece.
    QCOMPARE(idsText(m_tokenizer->encode(text, reference.size())), idsText(reference));
    std::vector<int> oneShort(reference.begin(), reference.end() - 2);
    oneShort.push_back(vocabId(QStringLiteral("[SEP]")));
    QCOMPARE(idsText(m_tokenizer->encode(text, reference.size() - 1)), idsText(oneShort));
}

void TestTokenizer::truncationToSmallLengths() {
    const QString& text = m_texts[kLongSentence];
    const std::vector<int> reference =
        toIntVector(m_tokens[kLongSentence].value(QStringLiteral("input_ids_full")));
    QVERIFY(reference.size() > 5);
    const int sep = vocabId(QStringLiteral("[SEP]"));

    std::vector<int> five(reference.begin(), reference.begin() + 4);
    five.push_back(sep);
    QCOMPARE(idsText(m_tokenizer->encode(text, 5)), idsText(five));
    QCOMPARE(idsText(m_tokenizer->encode(text, 3)), idsText({reference[0], reference[1], sep}));
    QCOMPARE(idsText(m_tokenizer->encode(text, 2)), idsText({reference[0], sep}));

    // A short text is not padded up to the limit.
    QCOMPARE(idsText(m_tokenizer->encode(QStringLiteral("Hello"), 5)),
             idsText(vocabIds(
                 {QStringLiteral("[CLS]"), QStringLiteral("hello"), QStringLiteral("[SEP]")})));
    // A special token cut off by the limit is dropped like any other piece.
    QCOMPARE(idsText(m_tokenizer->encode(QStringLiteral("hello [MASK] world"), 3)),
             idsText(vocabIds(
                 {QStringLiteral("[CLS]"), QStringLiteral("hello"), QStringLiteral("[SEP]")})));
}

void TestTokenizer::encodeFromSeveralThreads() {
    QCOMPARE(m_texts.size(), kReferenceCount);
    std::atomic<int> mismatches{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int round = 0; round < 5; ++round)
                for (std::size_t i = 0; i < m_texts.size(); ++i) {
                    const std::size_t k = (i + std::size_t(t) * 16) % m_texts.size();
                    const std::vector<TokenId> ids = m_tokenizer->encode(m_texts[k], 0);
                    const std::vector<int> expected =
                        toIntVector(m_tokens[k].value(QStringLiteral("input_ids_full")));
                    if (!std::equal(ids.begin(), ids.end(), expected.begin(), expected.end()))
                        ++mismatches;
                }
        });
    }
    for (std::thread& thread : threads)
        thread.join();
    QCOMPARE(mismatches.load(), 0);
}

void TestTokenizer::literalSpecialTokensInExactCase() {
    QCOMPARE(idsText(m_tokenizer->encode(QStringLiteral("hello[MASK]world"), 0)),
             idsText(vocabIds({QStringLiteral("[CLS]"), QStringLiteral("hello"),
                               QStringLiteral("[MASK]"), QStringLiteral("world"),
                               QStringLiteral("[SEP]")})));
    // Lower case is not special: it is punctuation and a word.
    QCOMPARE(toStringList(m_tokenizer->wordPieces(QStringLiteral("[mask]"))),
             QStringList({QStringLiteral("["), QStringLiteral("mask"), QStringLiteral("]")}));
    // A literal [PAD] is id 0 like any other special token.
    QCOMPARE(idsText(m_tokenizer->encode(QStringLiteral("[PAD]"), 0)),
             idsText({vocabId(QStringLiteral("[CLS]")), 0, vocabId(QStringLiteral("[SEP]"))}));
    QCOMPARE(toStringList(m_tokenizer->wordPieces(QStringLiteral("x[UNK][SEP]"))),
             QStringList({QStringLiteral("x"), QStringLiteral("[UNK]"), QStringLiteral("[SEP]")}));
    // A special token is matched before the surrounding text is lower-cased or cleaned.
    QCOMPARE(toStringList(m_tokenizer->wordPieces(QStringLiteral("[[CLS]]"))),
             QStringList({QStringLiteral("["), QStringLiteral("[CLS]"), QStringLiteral("]")}));
}

void TestTokenizer::greekAndTurkishLowerCasePerCodePoint() {
    // No final sigma: each capital is lowered on its own.
    QCOMPARE(toStringList(m_tokenizer->wordPieces(QStringLiteral("ΟΔΟΣ"))),
             QStringList({QStringLiteral("ο"), QStringLiteral("##δ"), QStringLiteral("##ο"),
                          QStringLiteral("##σ")}));
    // U+0130 lowers to "i" + U+0307, and accent stripping removes the U+0307.
    QCOMPARE(toStringList(m_tokenizer->wordPieces(QString(QChar(0x130)))),
             QStringList({QStringLiteral("i")}));

    // Without accent stripping the U+0307 stays and must be matched as a continuation.
    const QString dot = QString(QChar(0x307));
    TokenizerConfig keepAccents;
    keepAccents.stripAccents = false;
    auto tokenizer =
        WordPieceTokenizer::fromVocabulary(smallVocabulary({u"i", u"##\u0307"}), keepAccents);
    QVERIFY(tokenizer.ok());
    QCOMPARE(toStringList(tokenizer->wordPieces(QString(QChar(0x130)))),
             QStringList({QStringLiteral("i"), QStringLiteral("##") + dot}));
    QCOMPARE(idsText(tokenizer->encode(QString(QChar(0x130)), 0)), idsText({2, 4, 5, 3}));
}

void TestTokenizer::accentStrippingFollowsConfig() {
    QCOMPARE(idsText(m_tokenizer->encode(QStringLiteral("Café"), 0)),
             idsText(vocabIds(
                 {QStringLiteral("[CLS]"), QStringLiteral("cafe"), QStringLiteral("[SEP]")})));

    // strip_accents false keeps "é": "caf" matches but "##é" is not in the vocabulary, so the
    // whole word is [UNK].
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString folder = copyModelTo(dir, R"({"do_lower_case": true, "strip_accents": false})");
    QVERIFY(!folder.isEmpty());
    auto tokenizer = WordPieceTokenizer::load(folder);
    QVERIFY2(tokenizer.ok(), qPrintable(tokenizer.ok() ? QString() : tokenizer.error().message));
    QCOMPARE(tokenizer->config().stripAccents, std::optional<bool>(false));
    QVERIFY(vocabId(QStringLiteral("caf")) >= 0);
    QCOMPARE(vocabId(QStringLiteral("##é")), -1);
    QCOMPARE(idsText(tokenizer->encode(QStringLiteral("Café"), 0)),
             idsText(vocabIds(
                 {QStringLiteral("[CLS]"), QStringLiteral("[UNK]"), QStringLiteral("[SEP]")})));
}

void TestTokenizer::caseSensitiveConfig() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString folder = copyModelTo(dir, R"({"do_lower_case": false, "strip_accents": null})");
    QVERIFY(!folder.isEmpty());
    auto tokenizer = WordPieceTokenizer::load(folder);
    QVERIFY2(tokenizer.ok(), qPrintable(tokenizer.ok() ? QString() : tokenizer.error().message));
    QCOMPARE(tokenizer->config().doLowerCase, false);
    // The uncased vocabulary has no "H", so "Hello" is one [UNK]; "hello" still matches.
    QCOMPARE(vocabId(QStringLiteral("H")), -1);
    QCOMPARE(idsText(tokenizer->encode(QStringLiteral("Hello hello"), 0)),
             idsText(vocabIds({QStringLiteral("[CLS]"), QStringLiteral("[UNK]"),
                               QStringLiteral("hello"), QStringLiteral("[SEP]")})));
    // Without lower-casing accents are kept too (strip_accents null follows do_lower_case).
    QCOMPARE(toStringList(tokenizer->wordPieces(QStringLiteral("café"))),
             QStringList({QStringLiteral("[UNK]")}));
}

void TestTokenizer::greedyLongestMatchAndWholeWordUnknown() {
    auto tokenizer = WordPieceTokenizer::fromVocabulary(
        smallVocabulary({u"un", u"##aff", u"##able", u"##a", u"a", u"aff", u","}),
        TokenizerConfig());
    QVERIFY(tokenizer.ok());
    // ids: [PAD]0 [UNK]1 [CLS]2 [SEP]3 un4 ##aff5 ##able6 ##a7 a8 aff9 ,10
    QCOMPARE(idsText(tokenizer->encode(QStringLiteral("UnAffable"), 0)), idsText({2, 4, 5, 6, 3}));
    // One unmatched tail makes the whole word [UNK], not just the tail.
    QCOMPARE(idsText(tokenizer->encode(QStringLiteral("unaffablex"), 0)), idsText({2, 1, 3}));
    // Punctuation splits words; a word start never uses "##" pieces.
    QCOMPARE(idsText(tokenizer->encode(QStringLiteral("aff,able"), 0)), idsText({2, 9, 10, 1, 3}));
    // Control and zero-width characters are deleted, gluing the text around them.
    QCOMPARE(idsText(tokenizer->encode(QString::fromUtf16(u"un\u200baff\u0007able"), 0)),
             idsText({2, 4, 5, 6, 3}));
    QCOMPARE(idsText(tokenizer->encode(QString::fromUtf16(u"\u3000 \t"), 0)), idsText({2, 3}));
}

void TestTokenizer::wordLengthLimitCountsCodePoints() {
    auto tokenizer = WordPieceTokenizer::fromVocabulary(
        smallVocabulary({u"a", u"##a", u"\U0001F600", u"##\U0001F600"}), TokenizerConfig());
    QVERIFY(tokenizer.ok());
    // 100 code points is still a word; 101 is a single [UNK].
    std::vector<int> hundred = {2, 4};
    hundred.insert(hundred.end(), 99, 5);
    hundred.push_back(3);
    QCOMPARE(idsText(tokenizer->encode(QString(100, u'a'), 0)), idsText(hundred));
    QCOMPARE(idsText(tokenizer->encode(QString(101, u'a'), 0)), idsText({2, 1, 3}));

    // 100 emoji are 200 UTF-16 units but 100 code points.
    QString emoji;
    for (int i = 0; i < 100; ++i)
        emoji += QString::fromUtf16(u"\U0001F600");
    std::vector<int> hundredEmoji = {2, 6};
    hundredEmoji.insert(hundredEmoji.end(), 99, 7);
    hundredEmoji.push_back(3);
    QCOMPARE(idsText(tokenizer->encode(emoji, 0)), idsText(hundredEmoji));
    QCOMPARE(idsText(tokenizer->encode(emoji + QString::fromUtf16(u"\U0001F600"), 0)),
             idsText({2, 1, 3}));
}

void TestTokenizer::neverSplitWhenNotLowerCasing() {
    // transformers passes the special tokens to BasicTokenizer as never_split: a word that only
    // becomes "[CLS]" once the clean step deletes a zero-width space is kept whole instead of
    // being split at its brackets. With lower-casing it would be "[cls]" and split.
    TokenizerConfig cased;
    cased.doLowerCase = false;
    auto tokenizer =
        WordPieceTokenizer::fromVocabulary(smallVocabulary({u"[", u"]", u"CL", u"##S"}), cased);
    QVERIFY(tokenizer.ok());
    QCOMPARE(idsText(tokenizer->encode(QString::fromUtf16(u"[CL\u200bS]"), 0)), idsText({2, 2, 3}));
    QCOMPARE(idsText(tokenizer->encode(QString::fromUtf16(u"[CL S]"), 0)),
             idsText({2, 4, 6, 1, 5, 3}));
}

void TestTokenizer::composesBeforeMatching() {
    // NFC runs before the split: a decomposed "e" + U+0301 is matched as the one code point "é"
    // when accents are kept.
    TokenizerConfig keepAccents;
    keepAccents.stripAccents = false;
    auto tokenizer = WordPieceTokenizer::fromVocabulary(
        smallVocabulary({u"caf", u"##\u00e9", u"##e"}), keepAccents);
    QVERIFY(tokenizer.ok());
    QCOMPARE(idsText(tokenizer->encode(QString::fromUtf16(u"cafe\u0301"), 0)),
             idsText({2, 4, 5, 3}));
    QCOMPARE(idsText(tokenizer->encode(QString::fromUtf16(u"caf\u00e9"), 0)),
             idsText({2, 4, 5, 3}));
}

void TestTokenizer::cjkIdeographsAreWords() {
    // Each CJK ideograph is its own word, so no "##" piece follows one.
    QCOMPARE(toStringList(m_tokenizer->wordPieces(QString::fromUtf16(u"\u4e2d\u6587"))),
             QStringList({QString::fromUtf16(u"\u4e2d"), QString::fromUtf16(u"\u6587")}));
    // A compatibility ideograph counts too, and NFC then maps U+F900 to U+8C48.
    auto tokenizer = WordPieceTokenizer::fromVocabulary(
        smallVocabulary({u"a", u"b", u"\u8c48", u"##b"}), TokenizerConfig());
    QVERIFY(tokenizer.ok());
    QCOMPARE(idsText(tokenizer->encode(QString::fromUtf16(u"a\uf900b"), 0)),
             idsText({2, 4, 6, 5, 3}));

    // With tokenize_chinese_chars false they stay inside the word: "中" then "##文".
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString folder = copyModelTo(dir, R"({"tokenize_chinese_chars": false})");
    QVERIFY(!folder.isEmpty());
    auto noCjk = WordPieceTokenizer::load(folder);
    QVERIFY2(noCjk.ok(), qPrintable(noCjk.ok() ? QString() : noCjk.error().message));
    QCOMPARE(toStringList(noCjk->wordPieces(QString::fromUtf16(u"\u4e2d\u6587"))),
             QStringList({QString::fromUtf16(u"\u4e2d"), QString::fromUtf16(u"##\u6587")}));
    QVERIFY(vocabId(QString::fromUtf16(u"##\u6587")) >= 0);
}

void TestTokenizer::missingMaskBecomesUnknown() {
    // [MASK] is not required; written in text it is still split out, and has no id but [UNK]'s.
    auto tokenizer =
        WordPieceTokenizer::fromVocabulary(smallVocabulary({u"x", u"mask"}), TokenizerConfig());
    QVERIFY(tokenizer.ok());
    QCOMPARE(idsText(tokenizer->encode(QStringLiteral("x[MASK]x"), 0)), idsText({2, 4, 1, 4, 3}));
    QCOMPARE(toStringList(tokenizer->wordPieces(QStringLiteral("x[MASK]"))),
             QStringList({QStringLiteral("x"), QStringLiteral("[MASK]")}));
}

void TestTokenizer::loadMissingVocabulary() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    auto tokenizer = WordPieceTokenizer::load(dir.path());
    QVERIFY(!tokenizer.ok());
    QCOMPARE(tokenizer.error().code, ErrorCode::NotFound);
    QVERIFY2(tokenizer.error().message.contains(dir.path() + QStringLiteral("/vocab.txt")),
             qPrintable(tokenizer.error().message));

    auto missingFolder = WordPieceTokenizer::load(dir.path() + QStringLiteral("/no-such-model"));
    QVERIFY(!missingFolder.ok());
    QCOMPARE(missingFolder.error().code, ErrorCode::NotFound);
}

void TestTokenizer::loadVocabularyNotUtf8() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(writeFile(dir.filePath(QStringLiteral("vocab.txt")),
                      QByteArray("[PAD]\n[UNK]\n[CLS]\n[SEP]\ncaf\xe9\n")));
    auto tokenizer = WordPieceTokenizer::load(dir.path());
    QVERIFY(!tokenizer.ok());
    QCOMPARE(tokenizer.error().code, ErrorCode::Corrupt);
    QVERIFY2(tokenizer.error().message.contains(QStringLiteral("vocab.txt")),
             qPrintable(tokenizer.error().message));
    QVERIFY2(tokenizer.error().message.contains(QStringLiteral("line 5")),
             qPrintable(tokenizer.error().message));
}

void TestTokenizer::loadVocabularyMissingSpecialTokens() {
    const struct {
        QByteArray vocab;
        QString missing;
    } cases[] = {
        {"[PAD]\n[CLS]\n[SEP]\nhello\n", QStringLiteral("[UNK]")},
        {"[PAD]\n[UNK]\n[SEP]\nhello\n", QStringLiteral("[CLS]")},
        {"", QStringLiteral("[UNK]")},
    };
    for (const auto& c : cases) {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QVERIFY(writeFile(dir.filePath(QStringLiteral("vocab.txt")), c.vocab));
        auto tokenizer = WordPieceTokenizer::load(dir.path());
        QVERIFY(!tokenizer.ok());
        QCOMPARE(tokenizer.error().code, ErrorCode::Corrupt);
        QVERIFY2(tokenizer.error().message.contains(QStringLiteral("vocab.txt")),
                 qPrintable(tokenizer.error().message));
        QVERIFY2(tokenizer.error().message.contains(c.missing),
                 qPrintable(tokenizer.error().message));
    }
}

void TestTokenizer::loadVocabularyWithCrLf() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QByteArray vocab = readFile(tinyModelPath() + QStringLiteral("/vocab.txt"));
    QVERIFY(!vocab.isEmpty());
    vocab.replace("\n", "\r\n");
    QVERIFY(writeFile(dir.filePath(QStringLiteral("vocab.txt")), vocab));
    auto tokenizer = WordPieceTokenizer::load(dir.path());
    QVERIFY2(tokenizer.ok(), qPrintable(tokenizer.ok() ? QString() : tokenizer.error().message));
    QCOMPARE(tokenizer->vocabularySize(), std::size_t(30522));
    QCOMPARE(m_texts.size(), kReferenceCount);
    QCOMPARE(idsText(tokenizer->encode(m_texts[0], 0)),
             idsText(toIntVector(m_tokens[0].value(QStringLiteral("input_ids_full")))));
}

void TestTokenizer::loadConfigInvalidJson() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString folder = copyModelTo(dir, R"({"do_lower_case": true,)");
    QVERIFY(!folder.isEmpty());
    auto tokenizer = WordPieceTokenizer::load(folder);
    QVERIFY(!tokenizer.ok());
    QCOMPARE(tokenizer.error().code, ErrorCode::Corrupt);
    QVERIFY2(tokenizer.error().message.contains(QStringLiteral("tokenizer_config.json")),
             qPrintable(tokenizer.error().message));
}

void TestTokenizer::loadConfigUnsupportedOrMistyped() {
    const struct {
        QByteArray config;
        ErrorCode code;
    } cases[] = {
        {R"({"do_lower_case": "yes"})", ErrorCode::Corrupt},
        {R"({"strip_accents": 1})", ErrorCode::Corrupt},
        {R"([true])", ErrorCode::Corrupt},
        {R"({"do_basic_tokenize": false})", ErrorCode::Unsupported},
        {R"({"never_split": ["[FOO]"]})", ErrorCode::Unsupported},
        {R"({"unk_token": "<unk>"})", ErrorCode::Unsupported},
    };
    for (const auto& c : cases) {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString folder = copyModelTo(dir, c.config);
        QVERIFY(!folder.isEmpty());
        auto tokenizer = WordPieceTokenizer::load(folder);
        QVERIFY2(!tokenizer.ok(), c.config.constData());
        QCOMPARE(tokenizer.error().code, c.code);
        QVERIFY2(tokenizer.error().message.contains(QStringLiteral("tokenizer_config.json")),
                 qPrintable(tokenizer.error().message));
    }

    // Older transformers write special tokens as AddedToken objects; those are fine.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString folder = copyModelTo(
        dir, R"({"unk_token": {"__type": "AddedToken", "content": "[UNK]", "lstrip": false},
                 "never_split": null, "tokenize_chinese_chars": false})");
    auto tokenizer = WordPieceTokenizer::load(folder);
    QVERIFY2(tokenizer.ok(), qPrintable(tokenizer.ok() ? QString() : tokenizer.error().message));
    QCOMPARE(tokenizer->config().tokenizeChineseChars, false);
}

void TestTokenizer::fromVocabularyMissingSep() {
    auto tokenizer = WordPieceTokenizer::fromVocabulary(
        {QStringLiteral("[PAD]"), QStringLiteral("[UNK]"), QStringLiteral("[CLS]")},
        TokenizerConfig());
    QVERIFY(!tokenizer.ok());
    QCOMPARE(tokenizer.error().code, ErrorCode::Corrupt);
    QVERIFY2(tokenizer.error().message.contains(QStringLiteral("[SEP]")),
             qPrintable(tokenizer.error().message));
}

// A model folder in `dir` with the real vocab.txt and the given tokenizer_config.json; empty on
// failure.
QString TestTokenizer::copyModelTo(const QTemporaryDir& dir, const QByteArray& config) const {
    if (!QFile::copy(tinyModelPath() + QStringLiteral("/vocab.txt"),
                     dir.filePath(QStringLiteral("vocab.txt"))))
        return QString();
    if (!writeFile(dir.filePath(QStringLiteral("tokenizer_config.json")), config))
        return QString();
    return dir.path();
}

QTEST_APPLESS_MAIN(TestTokenizer)
#include "test_tokenizer.moc"
