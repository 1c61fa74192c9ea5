// splitPassages on texts built so that the right passages are known: repeated sentences of a
// known word-piece count, hard-wrapped prose, paragraph breaks of every kind, overlong sentences
// and words. Every result is also checked against invariants computed here independently: each
// byte range, sliced from the raw file and decoded by Qt, gives back the passage; lines are
// counted here; every non-space character is in exactly one passage; counts fit the limit.

#include "reference_data.h"
#include "semsearch/extract.h"
#include "semsearch/tokenizer.h"

#include <QFile>
#include <QRandomGenerator>
#include <QStringDecoder>
#include <QTemporaryDir>
#include <QTest>

#include <optional>
#include <thread>

using namespace semsearch;
using namespace semsearch::test;

Q_DECLARE_METATYPE(semsearch::TextEncoding)

namespace {

QString decodeIndependently(const QByteArray& bytes, TextEncoding encoding) {
    const auto flags =
        QStringConverter::Flag::Stateless | QStringConverter::Flag::ConvertInitialBom;
    switch (encoding) {
    case TextEncoding::Utf8:
    case TextEncoding::Utf8WithBom:
        return QStringDecoder(QStringConverter::Utf8, flags).decode(bytes);
    case TextEncoding::Utf16LE:
        return QStringDecoder(QStringConverter::Utf16LE, flags).decode(bytes);
    case TextEncoding::Utf16BE:
        return QStringDecoder(QStringConverter::Utf16BE, flags).decode(bytes);
    case TextEncoding::Latin1:
        return QString::fromLatin1(bytes); // tests keep to 0x00-0x7F and 0xA0-0xFF
    }
    return {};
}

QByteArray encodeAs(const QString& text, TextEncoding encoding) {
    const auto utf16 = [&](bool littleEndian) {
        QByteArray bytes = littleEndian ? QByteArray("\xFF\xFE") : QByteArray("\xFE\xFF");
        for (QChar c : text) {
            const char low = char(c.unicode() & 0xFF);
            const char high = char(c.unicode() >> 8);
            bytes.append(littleEndian ? low : high);
            bytes.append(littleEndian ? high : low);
        }
        return bytes;
    };
    switch (encoding) {
    case TextEncoding::Utf8:
        return text.toUtf8();
    case TextEncoding::Utf8WithBom:
        return QByteArray("\xEF\xBB\xBF") + text.toUtf8();
    case TextEncoding::Utf16LE:
        return utf16(true);
    case TextEncoding::Utf16BE:
        return utf16(false);
    case TextEncoding::Latin1:
        return text.toLatin1();
    }
    return {};
}

// 1-based line of `position` (-1: the end of the text), counted the simplest way.
int lineOf(const QString& text, qsizetype position) {
    QString before = position < 0 ? text : text.left(position);
    before.replace(QStringLiteral("\r\n"), QStringLiteral("\n"));
    before.replace(QLatin1Char('\r'), QLatin1Char('\n'));
    return int(before.count(QLatin1Char('\n'))) + 1;
}

QString withoutSpaces(const QString& text) {
    QString out;
    for (QChar c : text) {
        if (!c.isSpace())
            out.append(c);
    }
    return out;
}

// Breaks lines at the last space before `width` columns; spaces become newlines one for one,
// so every position stays where it was.
QString hardWrap(QString text, qsizetype width) {
    qsizetype lineStart = 0;
    qsizetype lastSpace = -1;
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (text[i] == QLatin1Char(' '))
            lastSpace = i;
        if (i - lineStart >= width && lastSpace > lineStart) {
            text[lastSpace] = QLatin1Char('\n');
            lineStart = lastSpace + 1;
        }
    }
    return text;
}

const QStringList kWords = {
    QStringLiteral("river"),  QStringLiteral("stone"),    QStringLiteral("light"),
    QStringLiteral("garden"), QStringLiteral("window"),   QStringLiteral("morning"),
    QStringLiteral("quiet"),  QStringLiteral("mountain"), QStringLiteral("paper"),
    QStringLiteral("summer"), QStringLiteral("table"),    QStringLiteral("green"),
};

QString wordRun(int count, int offset = 0) {
    QStringList words;
    for (int i = 0; i < count; ++i)
        words.append(kWords[(i + offset) % kWords.size()]);
    return words.join(QLatin1Char(' '));
}

} // namespace

class TestPassageSplitter : public QObject {
    Q_OBJECT

    std::optional<WordPieceTokenizer> m_tokenizer;
    QTemporaryDir m_dir;
    int m_counter = 0;

    std::size_t pieces(const QString& text) const {
        return m_tokenizer->encode(text, 0).size() - 2;
    }

    // The document as readDocument gives it for a file holding `raw`.
    DocumentText load(const QByteArray& raw) {
        const QString path = m_dir.filePath(QStringLiteral("doc%1.txt").arg(++m_counter));
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly) || file.write(raw) != raw.size())
            return {};
        file.close();
        auto document = readDocument(path);
        return document.ok() ? *document : DocumentText{};
    }

    // Splits `text` stored with `encoding`, checks every invariant, returns the passages.
    std::vector<PassageSpan> split(const QString& text, std::size_t maxTokens,
                                   TextEncoding encoding = TextEncoding::Utf8) {
        const QByteArray raw = encodeAs(text, encoding);
        const DocumentText document = load(raw);
        if (document.text != text || document.encoding != encoding) {
            QTest::qFail("the test file did not read back as written", __FILE__, __LINE__);
            return {};
        }
        std::vector<PassageSpan> passages = splitPassages(document, *m_tokenizer, maxTokens);
        checkInvariants(document, raw, passages, std::max<std::size_t>(maxTokens, 3));
        return passages;
    }

    void checkInvariants(const DocumentText& document, const QByteArray& raw,
                         const std::vector<PassageSpan>& passages, std::size_t maxTokens) {
        const QString& text = document.text;
        qsizetype previousEnd = 0;
        qsizetype previousStart = 0;
        int previousLine = 1;
        QString covered;
        for (const PassageSpan& p : passages) {
            const QString where = QStringLiteral("passage at %1: '%2'").arg(p.start).arg(p.text);
            QVERIFY2(p.start >= previousEnd && p.start < p.end && p.end <= text.size(),
                     qPrintable(where));
            // Between passages there is only whitespace: nothing was dropped.
            QVERIFY2(withoutSpaces(text.mid(previousEnd, p.start - previousEnd)).isEmpty(),
                     qPrintable(where));
            QCOMPARE(p.text, text.mid(p.start, p.end - p.start));
            QVERIFY2(!p.text.front().isSpace() && !p.text.back().isSpace(), qPrintable(where));
            const std::size_t tokens = m_tokenizer->encode(p.text, 0).size();
            QCOMPARE(std::size_t(p.tokenCount), tokens);
            QVERIFY2(tokens <= maxTokens, qPrintable(where));
            QCOMPARE(decodeIndependently(raw.mid(p.byteStart, p.byteEnd - p.byteStart),
                                         document.encoding),
                     p.text);
            // Counted from the previous passage's start, which is never inside a \r\n.
            const int line =
                previousLine + lineOf(text.mid(previousStart, p.start - previousStart), -1) - 1;
            QCOMPARE(p.line, line);
            previousLine = line;
            previousStart = p.start;
            covered += withoutSpaces(p.text);
            previousEnd = p.end;
        }
        QVERIFY(withoutSpaces(text.mid(previousEnd)).isEmpty());
        QCOMPARE(covered, withoutSpaces(text));
    }

    static QStringList texts(const std::vector<PassageSpan>& passages) {
        QStringList out;
        for (const PassageSpan& p : passages)
            out.append(p.text);
        return out;
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        auto tokenizer = WordPieceTokenizer::load(tinyModelPath());
        QVERIFY2(tokenizer.ok(), tokenizer.ok() ? "" : qPrintable(tokenizer.error().message));
        m_tokenizer.emplace(std::move(*tokenizer));
    }

    void packsWholeSentencesUpToTheLimit() {
        const QString sentence = QStringLiteral("The cat sat on the mat.");
        const std::size_t c = pieces(sentence);
        QCOMPARE(c, std::size_t(7)); // the cat sat on the mat .
        const QString text = QStringList(10, sentence).join(QLatin1Char(' '));
        const QString three = QStringList(3, sentence).join(QLatin1Char(' '));
        const QString two = QStringList(2, sentence).join(QLatin1Char(' '));

        const auto byThree = split(text, 2 + 3 * c);
        QCOMPARE(texts(byThree), QStringList({three, three, three, sentence}));
        QCOMPARE(byThree[1].start, 3 * (sentence.size() + 1));
        QCOMPARE(byThree[0].tokenCount, int(2 + 3 * c));

        const auto byTwo = split(text, 2 + 3 * c - 1);
        QCOMPARE(texts(byTwo), QStringList(5, two));
    }

    void hardWrappedSentencesStayWhole() {
        // A short sentence, a long one, a short one; the long one fits alone, and with either
        // short one it does not. Wrapping at 28 columns puts line breaks inside the long one: if
        // they counted as sentence ends, its first lines would join the short sentence before.
        QStringList sentences = {QStringLiteral("A short start."), wordRun(18) + u'.',
                                 QStringLiteral("A short end.")};
        sentences[1][0] = sentences[1][0].toUpper(); // "word. word" is no sentence break
        const std::size_t longest = pieces(sentences[1]);
        QVERIFY(pieces(sentences[0]) + pieces(wordRun(4)) < longest);
        const QString wrapped = hardWrap(sentences.join(QLatin1Char(' ')), 28);
        QVERIFY(wrapped.count(QLatin1Char('\n')) >= 4);

        const auto passages = split(wrapped, 2 + longest);
        QCOMPARE(passages.size(), std::size_t(3));
        qsizetype start = 0; // wrapping replaced spaces one for one: positions are unchanged
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(passages[i].start, start);
            QCOMPARE(passages[i].text, wrapped.mid(start, sentences[i].size()));
            start += sentences[i].size() + 1;
        }
        QVERIFY(passages[1].text.count(QLatin1Char('\n')) >= 2);
    }

    void blankLinesSeparatePassages() {
        const QString text = QStringLiteral(
            "# Heading\n\nFirst sentence here. Second one.\n   \t\n- item one\r\n\r\n- item two"
            "\n\n\n\nClosing line\fAfter the page break.\u2029Last.\r\rEnd");
        const auto passages = split(text, 128);
        QCOMPARE(texts(passages), QStringList({"# Heading", "First sentence here. Second one.",
                                               "- item one", "- item two", "Closing line",
                                               "After the page break.", "Last.", "End"}));
        const std::vector<int> lines = {1, 3, 5, 7, 11, 11, 11, 13};
        for (std::size_t i = 0; i < passages.size(); ++i)
            QCOMPARE(passages[i].line, lines[i]);
    }

    void singleLineBreakDoesNotSeparate() {
        const QString text = QStringLiteral("Heading\nText follows here.\n- one\n- two");
        QCOMPARE(texts(split(text, 128)), QStringList({text}));
    }

    void lineNumbersWithMixedLineEndings() {
        const QString text = QStringLiteral("one.\r\n\r\ntwo.\r\rthree.\n\nfour. five.");
        const auto passages = split(text, 4); // one sentence (two pieces) per passage
        QCOMPARE(texts(passages), QStringList({"one.", "two.", "three.", "four.", "five."}));
        const std::vector<int> lines = {1, 3, 5, 7, 7};
        for (std::size_t i = 0; i < passages.size(); ++i)
            QCOMPARE(passages[i].line, lines[i]);
    }

    void longSentenceWithoutPunctuation() {
        const QString text = wordRun(2000);
        for (const QString& word : kWords)
            QCOMPARE(pieces(word), std::size_t(1)); // so the sizes below are known
        constexpr std::size_t kMax = 32;
        const auto passages = split(text, kMax);
        QCOMPARE(passages.size(), std::size_t(67)); // 2000 words, 30 per passage
        QStringList words;
        for (std::size_t i = 0; i < passages.size(); ++i) {
            words += passages[i].text.split(QLatin1Char(' '));
            if (i + 1 < passages.size())
                QCOMPARE(passages[i].tokenCount, int(kMax));
        }
        QCOMPARE(words, text.split(QLatin1Char(' ')));
    }

    void longWrappedSentenceIsCutAtLineBreaks() {
        const QString text = hardWrap(wordRun(2000, 5), 60);
        const auto passages = split(text, 64);
        QVERIFY(passages.size() > 20);
        for (const PassageSpan& p : passages) {
            QVERIFY(p.start == 0 || text[p.start - 1] == QLatin1Char('\n'));
            QVERIFY(p.end == text.size() || text[p.end] == QLatin1Char('\n'));
            // A line here has at most 12 pieces, so a passage that the next line did not fit
            // into holds more than 64 - 12 - 2.
            if (&p != &passages.back())
                QVERIFY2(p.tokenCount > 64 - 14, "a passage holds as many whole lines as fit");
        }
    }

    void overlongWordIsCutBetweenCharacters() {
        // One word by Unicode's rules ("_" joins words), 201 pieces for BERT ("_" is
        // punctuation to it): "e" "_" "e" ... "z". Each "e" carries a combining acute accent
        // that must stay with its letter.
        const QString word = QStringLiteral("e\u0301_").repeated(100) + QStringLiteral("z");
        QCOMPARE(pieces(word), std::size_t(201));
        const QString text = QStringLiteral("Before it. ") + word + QStringLiteral(" after");
        const auto passages = split(text, 16);
        QVERIFY(passages.size() >= 201 / 14);
        QCOMPARE(passages.front().text, QStringLiteral("Before it."));
        for (std::size_t i = 1; i + 1 < passages.size(); ++i) {
            QVERIFY(word.contains(passages[i].text));
            QVERIFY(passages[i].text.front() != QChar(0x0301));
        }
    }

    void veryLongPlainWordIsOneUnknownPiece() {
        // BERT turns a word over 100 characters into one [UNK]: nothing to cut.
        const QString text =
            QStringLiteral("Here is ") + QString(150, QLatin1Char('x')) + QStringLiteral(" ok.");
        const auto passages = split(text, 16);
        QCOMPARE(texts(passages), QStringList({text}));
        QCOMPARE(passages.front().tokenCount, 2 + 5); // here is [UNK] ok .
    }

    void packedPassagesAreCountedForReal() {
        // Word pieces of a whole are not always the sum of its parts' when parts touch without
        // a space. With this vocabulary "a", "😀" and "bcd" are one piece each, but "a😀bcd" is
        // a ##😀 ##b ##c ##d: five. Unicode puts word boundaries around the emoji, the tokenizer
        // does not, so the split must confirm the estimate (3 + 2 <= 6) with a real count.
        const std::vector<QString> vocabulary = {
            QStringLiteral("[PAD]"), QStringLiteral("[UNK]"),
            QStringLiteral("[CLS]"), QStringLiteral("[SEP]"),
            QStringLiteral("a"),     QStringLiteral("\U0001F600"),
            QStringLiteral("bcd"),   QStringLiteral("##\U0001F600"),
            QStringLiteral("##b"),   QStringLiteral("##c"),
            QStringLiteral("##d")};
        auto tokenizer = WordPieceTokenizer::fromVocabulary(vocabulary, TokenizerConfig{});
        QVERIFY(tokenizer.ok());
        const QString text = QStringLiteral("a\U0001F600bcd");
        QCOMPARE(tokenizer->encode(text, 0).size(), std::size_t(7));
        QCOMPARE(tokenizer->encode(QStringLiteral("bcd"), 0).size(), std::size_t(3));

        const DocumentText document = load(text.toUtf8());
        const auto passages = splitPassages(document, *tokenizer, 6);
        QCOMPARE(texts(passages),
                 QStringList({QStringLiteral("a\U0001F600"), QStringLiteral("bcd")}));
        QCOMPARE(passages[0].tokenCount, 4);
        QCOMPARE(passages[1].tokenCount, 3);
    }

    void smallestLimits_data() {
        QTest::addColumn<int>("maxTokens");
        QTest::newRow("0") << 0;
        QTest::newRow("1") << 1;
        QTest::newRow("3") << 3;
    }
    void smallestLimits() {
        QFETCH(int, maxTokens);
        const QString text = QStringLiteral("Hello, world! How are you?");
        const auto passages = split(text, std::size_t(maxTokens)); // below 3 counts as 3
        QCOMPARE(texts(passages),
                 QStringList({"Hello", ",", "world", "!", "How", "are", "you", "?"}));
    }

    void whitespaceGivesNoPassage() {
        QVERIFY(split(QString(), 128).empty());
        QVERIFY(split(QStringLiteral(" \n\t\r\n  \u00A0\n\u2029\f"), 128).empty());
    }

    void ignoredCharactersAreStillCovered() {
        const auto alone = split(QStringLiteral("\u200B"), 128);
        QCOMPARE(alone.size(), std::size_t(1));
        QCOMPARE(alone.front().tokenCount, 2);
    }

    void encodings_data() {
        QTest::addColumn<TextEncoding>("encoding");
        QTest::addColumn<QString>("text");
        const QString unicode = QStringLiteral(
            "Caf\u00E9 prices rose by 5\u20AC today. The \U0001F600 face is an emoji.\r\n"
            "\u4E2D\u6587\u6587\u672C\u3002Another line follows\r\nhere.\r\n\r\n"
            "Second paragraph with na\u00EFve r\u00E9sum\u00E9 words. Short.");
        const QString latin = QStringLiteral(
            "Caf\u00E9 prices rose by \u00BD today. Gr\u00FC\u00DFe aus K\u00F6ln.\r\n\r\n"
            "Na\u00EFve r\u00E9sum\u00E9 words follow here. Short.");
        QTest::newRow("UTF-8") << TextEncoding::Utf8 << unicode;
        QTest::newRow("UTF-8 BOM") << TextEncoding::Utf8WithBom << unicode;
        QTest::newRow("UTF-16LE") << TextEncoding::Utf16LE << unicode;
        QTest::newRow("UTF-16BE") << TextEncoding::Utf16BE << unicode;
        QTest::newRow("Latin-1") << TextEncoding::Latin1 << latin;
    }
    void encodings() {
        QFETCH(TextEncoding, encoding);
        QFETCH(QString, text);
        for (std::size_t maxTokens : {std::size_t(128), std::size_t(12), std::size_t(5)}) {
            const auto passages = split(text, maxTokens, encoding);
            if (QTest::currentTestFailed())
                return;
            QVERIFY(!passages.empty());
        }
    }

    void largeMixedDocument() {
        // Seeded, so the same text every run: sentences, wraps, blank lines, CRLF, long words.
        QRandomGenerator random(20240229);
        QString text;
        const QStringList extras = {QStringLiteral("na\u00EFve"),   QStringLiteral("\u4E2D\u6587"),
                                    QStringLiteral("x\U0001F600y"), QStringLiteral("e.g."),
                                    QStringLiteral("3.14"),         QStringLiteral("don't")};
        while (text.size() < 300000) {
            const int words = int(random.bounded(1, 60));
            QStringList sentence;
            for (int i = 0; i < words; ++i) {
                const quint32 pick = random.bounded(100);
                if (pick < 5)
                    sentence.append(extras[int(random.bounded(extras.size()))]);
                else if (pick == 5)
                    sentence.append(QString(int(random.bounded(20, 400)), QLatin1Char('q')));
                else if (pick == 6)
                    sentence.append(QStringLiteral("a-").repeated(int(random.bounded(5, 80))));
                else
                    sentence.append(kWords[int(random.bounded(kWords.size()))]);
            }
            text += sentence.join(QLatin1Char(' '));
            const QStringList ends = {QStringLiteral(". "),        QStringLiteral("? "),
                                      QStringLiteral(".\n"),       QStringLiteral("\n\n"),
                                      QStringLiteral(".\r\n\r\n"), QStringLiteral("! ")};
            text += ends[int(random.bounded(ends.size()))];
        }
        text = hardWrap(text, 72);
        for (std::size_t maxTokens : {std::size_t(128), std::size_t(20)}) {
            const auto passages = split(text, maxTokens);
            if (QTest::currentTestFailed())
                return;
            QVERIFY(passages.size() > 100);
        }
    }

    void deterministicAcrossThreads() {
        const QString text =
            hardWrap(QStringList(200, QStringLiteral("One sentence here. ") + wordRun(40) +
                                          QStringLiteral("! Then a question? \n\n"))
                         .join(QString()),
                     70);
        const DocumentText document = load(text.toUtf8());
        QCOMPARE(document.text, text);
        const auto expected = texts(splitPassages(document, *m_tokenizer, 24));
        QVERIFY(expected.size() > 200);
        std::vector<QStringList> results(4);
        std::vector<std::thread> threads;
        for (auto& result : results) {
            threads.emplace_back(
                [&] { result = texts(splitPassages(document, *m_tokenizer, 24)); });
        }
        for (auto& thread : threads)
            thread.join();
        for (const auto& result : results)
            QCOMPARE(result, expected);
    }

    // splitSentences: the sentences written out by hand, as the splitter's rules find them.
    void sentencesOfAText() {
        const QString text = QStringLiteral(
            "  First one. Hard-wrapped\nsecond one,\r\nstill second? Third!\n\nA heading\n\n"
            "Last line without a stop\fNext page. \t");
        const QStringList expected = {QStringLiteral("First one."),
                                      QStringLiteral("Hard-wrapped\nsecond one,\r\nstill second?"),
                                      QStringLiteral("Third!"),
                                      QStringLiteral("A heading"),
                                      QStringLiteral("Last line without a stop"),
                                      QStringLiteral("Next page.")};
        QStringList actual;
        qsizetype previousEnd = 0;
        for (const SentenceSpan& sentence : splitSentences(text)) {
            QVERIFY(sentence.start >= previousEnd && sentence.end > sentence.start);
            previousEnd = sentence.end;
            actual << text.sliced(sentence.start, sentence.end - sentence.start);
        }
        QCOMPARE(actual, expected);
        QVERIFY(splitSentences(QStringLiteral(" \n\t\n ")).empty());
        QVERIFY(splitSentences(QString()).empty());
    }

    // The passages are packed from exactly these sentences: each passage's text, split on its
    // own, gives sentences that tile the passage.
    void passagesAreMadeOfWholeSentences() {
        const QString text = hardWrap(QStringList(30, QStringLiteral("One sentence here. ") +
                                                          QStringLiteral("Then a question? "))
                                          .join(QString()),
                                      50);
        const DocumentText document = load(text.toUtf8());
        const std::vector<SentenceSpan> sentences = splitSentences(document.text);
        std::size_t next = 0;
        for (const PassageSpan& passage : splitPassages(document, *m_tokenizer, 24)) {
            QVERIFY(next < sentences.size());
            QCOMPARE(sentences[next].start, passage.start);
            while (next < sentences.size() && sentences[next].end < passage.end)
                ++next;
            QVERIFY(next < sentences.size());
            QCOMPARE(sentences[next].end, passage.end);
            ++next;
        }
        QCOMPARE(next, sentences.size());
    }
};

QTEST_GUILESS_MAIN(TestPassageSplitter)
#include "test_passage_splitter.moc"
