#include "embed/bert_text_normalizer.h"

#include <QChar>
#include <QList>

#include <algorithm>
#include <string>

namespace semsearch {

namespace {

// U+0130 is the one code point whose full lower-case mapping (SpecialCasing.txt, unconditional)
// differs from QChar::toLower's simple mapping: Python gives "i" + U+0307. Checked against
// Python's str.lower() for every code point with Qt 6.4 (Unicode 14, as Python 3.11).
constexpr char32_t kCapitalIWithDotAbove = 0x130;
constexpr char32_t kCombiningDotAbove = 0x307;

// Below U+0300 no code point changes under NFC or composes with a neighbour, and below U+00C0
// none has a canonical decomposition; words under those bounds skip the normalisation calls,
// which allocate.
constexpr char16_t kFirstNfcSensitive = 0x300;
constexpr char16_t kFirstDecomposable = 0xC0;

constexpr char32_t kReplacementCharacter = 0xFFFD;

constexpr char32_t kCapitalSigma = 0x3A3;
constexpr char32_t kSmallSigma = 0x3C3;
constexpr char32_t kSmallFinalSigma = 0x3C2;

// Python's str.lower() of one code point without context: `out` receives one code point, or two
// for U+0130, and the count is returned.
int lowerCodePoint(char32_t cp, char32_t out[2]) {
    if (cp < 0x80) {
        out[0] = cp >= 'A' && cp <= 'Z' ? cp + ('a' - 'A') : cp;
        return 1;
    }
    if (cp == kCapitalIWithDotAbove) {
        out[0] = 'i';
        out[1] = kCombiningDotAbove;
        return 2;
    }
    out[0] = QChar::toLower(cp);
    return 1;
}

// Unicode's Case_Ignorable (DerivedCoreProperties.txt): categories Mn, Me, Cf, Lm and Sk, and
// the Word_Break classes MidLetter, MidNumLet and Single_Quote (WordBreakProperty.txt, Unicode
// 14). Qt has no query for either property.
bool isCaseIgnorable(char32_t cp) {
    switch (QChar::category(cp)) {
    case QChar::Mark_NonSpacing:
    case QChar::Mark_Enclosing:
    case QChar::Other_Format:
    case QChar::Letter_Modifier:
    case QChar::Symbol_Modifier:
        return true;
    default:
        break;
    }
    switch (cp) {
    case 0x27: // Single_Quote
    case 0x2E: // MidNumLet: . ‘ ’ ․ ﹒ ＇ ．
    case 0x2018:
    case 0x2019:
    case 0x2024:
    case 0xFE52:
    case 0xFF07:
    case 0xFF0E:
    case 0x3A: // MidLetter: : · · ՟ ״ ‧ ︓ ﹕ ：
    case 0xB7:
    case 0x387:
    case 0x55F:
    case 0x5F4:
    case 0x2027:
    case 0xFE13:
    case 0xFE55:
    case 0xFF1A:
        return true;
    default:
        return false;
    }
}

// Unicode's Cased: categories Lu, Ll and Lt plus Other_Lowercase and Other_Uppercase. Those
// with a case mapping (Roman numerals, circled letters) are found through it; the rest that are
// not also case-ignorable (and so never asked about) are listed.
bool isCased(char32_t cp) {
    switch (QChar::category(cp)) {
    case QChar::Letter_Uppercase:
    case QChar::Letter_Lowercase:
    case QChar::Letter_Titlecase:
        return true;
    default:
        break;
    }
    return QChar::toLower(cp) != cp || QChar::toUpper(cp) != cp || cp == 0xAA || cp == 0xBA ||
           (cp >= 0x1F130 && cp <= 0x1F149) || (cp >= 0x1F150 && cp <= 0x1F169) ||
           (cp >= 0x1F170 && cp <= 0x1F189);
}

// CPython's rule for U+03A3 (handle_capital_sigma): final when a cased letter precedes it and
// none follows, skipping case-ignorable code points both ways.
bool isFinalSigma(const QList<uint>& text, qsizetype at) {
    qsizetype before = at - 1;
    while (before >= 0 && isCaseIgnorable(text[before]))
        --before;
    if (before < 0 || !isCased(text[before]))
        return false;
    qsizetype after = at + 1;
    while (after < text.size() && isCaseIgnorable(text[after]))
        ++after;
    return after == text.size() || !isCased(text[after]);
}

bool isCjkIdeograph(char32_t cp) {
    // transformers' _is_chinese_char: the CJK Unified Ideographs blocks and compatibility
    // ideographs only; kana, Hangul and CJK punctuation are not included.
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
           (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

// Python's str.isspace() (Unicode 14): category Zs or bidi class WS, B or S. After the clean
// step only U+2028 and U+2029 of these are still in the text, but the full set keeps this
// honest.
bool isPythonSpace(char32_t cp) {
    return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0 ||
           cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
           cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

bool isPunctuation(char32_t cp) {
    // BERT counts every non-alphanumeric ASCII symbol as punctuation, not just category P*.
    if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) ||
        (cp >= 123 && cp <= 126))
        return true;
    if (cp < 0x80)
        return false;
    switch (QChar::category(cp)) {
    case QChar::Punctuation_Connector:
    case QChar::Punctuation_Dash:
    case QChar::Punctuation_Open:
    case QChar::Punctuation_Close:
    case QChar::Punctuation_InitialQuote:
    case QChar::Punctuation_FinalQuote:
    case QChar::Punctuation_Other:
        return true;
    default:
        return false;
    }
}

// Reads the code point at `i` and moves past it. A lone surrogate stands for itself, as it does
// in a Python str (it is category Cs and the clean step drops it).
char32_t nextCodePoint(QStringView text, qsizetype& i) {
    const char16_t unit = text[i].unicode();
    ++i;
    if (QChar::isHighSurrogate(unit) && i < text.size() && text[i].isLowSurrogate())
        return QChar::surrogateToUcs4(unit, text[i++].unicode());
    return unit;
}

void appendCodePoint(QString& out, char32_t cp) {
    if (QChar::requiresSurrogates(cp)) {
        out.append(QChar(QChar::highSurrogate(cp)));
        out.append(QChar(QChar::lowSurrogate(cp)));
    } else {
        out.append(QChar(static_cast<char16_t>(cp)));
    }
}

bool allBelow(QStringView text, char16_t bound) {
    return std::all_of(text.begin(), text.end(), [bound](QChar c) { return c.unicode() < bound; });
}

QStringView toView(std::u16string_view text) {
    return QStringView(text.data(), qsizetype(text.size()));
}

bool isSpecialToken(QStringView word) {
    return std::any_of(kBertSpecialTokens.begin(), kBertSpecialTokens.end(),
                       [word](std::u16string_view special) { return word == toView(special); });
}

// The index in kBertSpecialTokens of the special token that starts at `at`, or -1.
int specialTokenAt(QStringView text, qsizetype at) {
    const QStringView rest = text.sliced(at);
    for (std::size_t i = 0; i < kBertSpecialTokens.size(); ++i)
        if (rest.startsWith(toView(kBertSpecialTokens[i])))
            return int(i);
    return -1;
}

// transformers' _run_strip_accents after NFD: drop the non-spacing marks.
QString withoutNonSpacingMarks(const QString& decomposed) {
    QString out;
    out.reserve(decomposed.size());
    for (qsizetype i = 0; i < decomposed.size();) {
        const char32_t cp = nextCodePoint(decomposed, i);
        if (QChar::category(cp) != QChar::Mark_NonSpacing)
            appendCodePoint(out, cp);
    }
    return out;
}

bool splitOnPunctuation(QStringView word, BertWordSink& sink) {
    qsizetype runStart = 0;
    for (qsizetype i = 0; i < word.size();) {
        const qsizetype at = i;
        if (!isPunctuation(nextCodePoint(word, i)))
            continue;
        if (at > runStart && !sink.takeWord(word.sliced(runStart, at - runStart)))
            return false;
        if (!sink.takeWord(word.sliced(at, i - at)))
            return false;
        runStart = i;
    }
    return runStart == word.size() || sink.takeWord(word.sliced(runStart));
}

enum class CharClass { Drop, Space, Cjk, Keep };

} // namespace

QString pythonLower(QStringView text) {
    const QList<uint> codePoints = text.toUcs4();
    std::u32string lowered;
    lowered.reserve(std::size_t(codePoints.size()) + 1);
    for (qsizetype i = 0; i < codePoints.size(); ++i) {
        char32_t out[2];
        if (codePoints[i] == kCapitalSigma) {
            lowered.push_back(isFinalSigma(codePoints, i) ? kSmallFinalSigma : kSmallSigma);
            continue;
        }
        const int count = lowerCodePoint(char32_t(codePoints[i]), out);
        for (int k = 0; k < count; ++k)
            lowered.push_back(out[k]);
    }
    return QString::fromUcs4(lowered.data(), qsizetype(lowered.size()));
}

BertTextNormalizer::BertTextNormalizer(const TokenizerConfig& config)
    : m_lowerCase(config.doLowerCase),
      m_stripAccents(config.stripAccents.value_or(config.doLowerCase)),
      m_spaceCjk(config.tokenizeChineseChars) {}

bool BertTextNormalizer::splitWords(QStringView text, BertWordSink& sink) const {
    // Steps 1-4 (special tokens, lower, clean, whitespace, CJK spacing) look at one code point at
    // a time, so they run in one pass that cuts the text into words as it goes. Splitting before
    // NFC instead of after gives the same words: NFC never creates, removes or composes across
    // whitespace or a CJK ideograph.
    const auto classify = [this](char32_t cp) {
        if (cp == 0 || cp == kReplacementCharacter)
            return CharClass::Drop;
        if (cp == '\t' || cp == '\n' || cp == '\r' || cp == ' ')
            return CharClass::Space;
        if (cp < 0x80)
            return cp < 0x20 || cp == 0x7F ? CharClass::Drop : CharClass::Keep;
        switch (QChar::category(cp)) {
        case QChar::Other_Control:
        case QChar::Other_Format:
        case QChar::Other_Surrogate:
        case QChar::Other_PrivateUse:
        case QChar::Other_NotAssigned:
            return CharClass::Drop;
        case QChar::Separator_Space:
            return CharClass::Space;
        default:
            break;
        }
        if (m_spaceCjk && isCjkIdeograph(cp))
            return CharClass::Cjk;
        return isPythonSpace(cp) ? CharClass::Space : CharClass::Keep;
    };

    QString word;
    word.reserve(64);
    const auto finishWord = [&]() {
        if (word.isEmpty())
            return true;
        const bool kept = splitWord(word, sink);
        word.resize(0); // keeps the capacity for the next word
        return kept;
    };

    for (qsizetype i = 0; i < text.size();) {
        // Step 1: a literal special token, in exact case, ends the current word and goes out
        // whole. transformers cuts the text at special tokens before lower-casing it (it also
        // strips whitespace next to them, which cannot change the words).
        if (text[i] == u'[') {
            const int special = specialTokenAt(text, i);
            if (special >= 0) {
                if (!finishWord() || !sink.takeSpecialToken(std::size_t(special)))
                    return false;
                i += qsizetype(kBertSpecialTokens[std::size_t(special)].size());
                continue;
            }
        }
        char32_t lowered[2] = {nextCodePoint(text, i), 0};
        int count = 1;
        // One code point at a time, as transformers does before BasicTokenizer: no final-sigma
        // rule.
        if (m_lowerCase)
            count = lowerCodePoint(lowered[0], lowered);
        for (int k = 0; k < count; ++k) {
            switch (classify(lowered[k])) {
            case CharClass::Drop:
                break;
            case CharClass::Space:
                if (!finishWord())
                    return false;
                break;
            case CharClass::Cjk:
                if (!finishWord())
                    return false;
                appendCodePoint(word, lowered[k]);
                if (!finishWord())
                    return false;
                break;
            case CharClass::Keep:
                appendCodePoint(word, lowered[k]);
                break;
            }
        }
    }
    return finishWord();
}

bool BertTextNormalizer::splitWord(const QString& word, BertWordSink& sink) const {
    QString composed;
    const QString* current = &word;
    if (!allBelow(word, kFirstNfcSensitive)) {
        composed = word.normalized(QString::NormalizationForm_C);
        current = &composed;
    }
    if (isSpecialToken(*current))
        return sink.takeWord(*current);
    // BasicTokenizer lower-cases each word again here; after the per-code-point lowering above
    // that changes nothing (checked for every code point, including what NFC composes), so it is
    // not repeated.
    QString stripped;
    if (m_stripAccents && !allBelow(*current, kFirstDecomposable)) {
        stripped = withoutNonSpacingMarks(current->normalized(QString::NormalizationForm_D));
        current = &stripped;
    }
    return splitOnPunctuation(*current, sink);
}

} // namespace semsearch
