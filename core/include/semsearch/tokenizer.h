#pragma once

// BERT WordPiece tokenizer, behaving exactly like Hugging Face transformers' slow
// `BertTokenizer` (4.33) as sentence-transformers drives it. Given the same vocab.txt and
// tokenizer_config.json it yields the same ids for every input, including accents, CJK, emoji,
// control characters and the empty string.
//
// The steps, in order (see tests/data/tiny-bert-max/reference/README.md for the reference):
//  1. Literal special tokens in their exact case ("[CLS]", "[SEP]", "[PAD]", "[MASK]", "[UNK]")
//     are split out whole and map straight to their ids; the text between them goes on below.
//  2. With do_lower_case, each code point is lower-cased on its own (full case mapping, so
//     U+0130 becomes "i" + U+0307 and there is no final-sigma rule).
//  3. Clean: drop U+0000, U+FFFD and every category C* code point except \t \n \r; map \t \n \r
//     and Zs to a space.
//  4. With tokenize_chinese_chars, put spaces around CJK ideographs.
//  5. NFC, then split on whitespace (Python str.split(): also U+2028/2029, U+001C-1F ...).
//  6. With strip_accents (or when it is unset and do_lower_case is on): NFD and drop Mn marks.
//  7. Split out every punctuation code point (ASCII symbols 33-47, 58-64, 91-96, 123-126, P*).
//  8. Greedy longest-match WordPiece with "##" continuations; a word over 100 code points, or one
//     with an unmatched part, becomes a single [UNK].
//
// Thread-safety: a loaded tokenizer is immutable; all const calls are safe from any thread.

#include "semsearch/error.h"

#include <QString>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace semsearch {

using TokenId = std::int32_t;

// The settings read from tokenizer_config.json; every default is BertTokenizer's.
struct TokenizerConfig {
    bool doLowerCase = true;
    // std::nullopt means "follow doLowerCase", as in transformers.
    std::optional<bool> stripAccents;
    bool tokenizeChineseChars = true;
};

class WordPieceTokenizer {
public:
    // Reads `vocab.txt` (one token per line, id = line number from 0, UTF-8, \n or \r\n) and, if
    // present, `tokenizer_config.json` from the model folder. Errors name the file: NotFound,
    // Corrupt (not UTF-8, bad JSON, a setting of the wrong type, missing [CLS]/[SEP]/[PAD]/
    // [UNK]), Unsupported (do_basic_tokenize false, never_split, extra special tokens, a model
    // with tokenizer.json but no vocab.txt), Io.
    static Result<WordPieceTokenizer> load(const QString& modelFolder);

    // Builds a tokenizer from an in-memory vocabulary (index = id). Fails with Corrupt when a
    // required special token is missing.
    static Result<WordPieceTokenizer> fromVocabulary(const std::vector<QString>& vocabulary,
                                                     const TokenizerConfig& config);

    // The word pieces of `text` with no special tokens added: transformers' tokenize().
    std::vector<QString> wordPieces(const QString& text) const;

    // [CLS] pieces... [SEP] as ids. When maxLength > 0 and the result would be longer, only the
    // first maxLength - 2 pieces are kept and [SEP] still ends the sequence (maxLength must then
    // be >= 2). maxLength == 0 means no truncation. The text is not stripped first: callers that
    // want sentence-transformers' behaviour strip it (leading/trailing whitespace never changes
    // the ids for BERT anyway).
    std::vector<TokenId> encode(const QString& text, std::size_t maxLength) const;

    std::size_t vocabularySize() const;
    TokenId padId() const;
    TokenId unknownId() const;
    TokenId clsId() const;
    TokenId sepId() const;
    const TokenizerConfig& config() const;

    // The token text for an id, or an empty string when out of range.
    QString tokenText(TokenId id) const;

    ~WordPieceTokenizer();
    WordPieceTokenizer(WordPieceTokenizer&&) noexcept;
    WordPieceTokenizer& operator=(WordPieceTokenizer&&) noexcept;

private:
    struct Data;
    explicit WordPieceTokenizer(std::shared_ptr<const Data> data);
    std::shared_ptr<const Data> m_data;
};

} // namespace semsearch
