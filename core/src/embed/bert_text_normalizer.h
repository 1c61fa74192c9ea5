#pragma once

// The text half of BERT tokenisation: transformers' split on literal special tokens and its
// per-character lower-casing, then its BasicTokenizer (clean, whitespace, CJK spacing, NFC,
// whitespace split, accent stripping, punctuation split). It turns text into the special tokens
// and words that WordPiece then cuts into vocabulary pieces. Internal to semsearch_core.

#include "semsearch/tokenizer.h"

#include <QString>
#include <QStringView>

#include <array>
#include <cstddef>
#include <string_view>

namespace semsearch {

// The literal special tokens of a BERT vocabulary. In text they are split out in exact case
// before anything else happens, and a word equal to one is kept whole (transformers passes them
// to BasicTokenizer as never_split).
inline constexpr std::array<std::u16string_view, 5> kBertSpecialTokens = {
    u"[UNK]", u"[SEP]", u"[PAD]", u"[CLS]", u"[MASK]"};

// Receives the words and literal special tokens of a text in order; returning false stops the
// split early (encode() stops once it has enough pieces for the requested length, so the rest of
// a long text is never looked at).
class BertWordSink {
public:
    virtual ~BertWordSink() = default;
    virtual bool takeWord(QStringView word) = 0;
    // `index` is the token's position in kBertSpecialTokens.
    virtual bool takeSpecialToken(std::size_t index) = 0;
};

// Python's str.lower(), which sentence-transformers applies to every text when a model's
// sentence_bert_config.json says do_lower_case: each code point's full lower-case mapping (as
// transformers' per-character lower-casing) plus the final-sigma rule for U+03A3.
QString pythonLower(QStringView text);

class BertTextNormalizer {
public:
    explicit BertTextNormalizer(const TokenizerConfig& config);

    // Splits `text` into literal special tokens and words and hands each to `sink`. A word is
    // never empty and holds no whitespace. Returns false when the sink stopped the split. Safe to
    // call from several threads at once: all scratch space is local to the call.
    bool splitWords(QStringView text, BertWordSink& sink) const;

private:
    // Steps 5-7 for one whitespace-free word: NFC, accent stripping, punctuation split.
    bool splitWord(const QString& word, BertWordSink& sink) const;

    bool m_lowerCase;
    bool m_stripAccents;
    bool m_spaceCjk;
};

} // namespace semsearch
