#include "semsearch/tokenizer.h"

#include "embed/bert_text_normalizer.h"
#include "embed/model_file.h"
#include "embed/model_json.h"
#include "semsearch/model.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringDecoder>

#include <algorithm>
#include <array>
#include <limits>
#include <string_view>
#include <type_traits>
#include <unordered_map>

namespace semsearch {

namespace {

// transformers' WordpieceTokenizer.max_input_chars_per_word, in code points.
constexpr qsizetype kMaxCodePointsPerWord = 100;
constexpr std::u16string_view kContinuationPrefix = u"##";

constexpr std::size_t kUnkIndex = 0; // positions in kBertSpecialTokens
constexpr std::size_t kSepIndex = 1;
constexpr std::size_t kPadIndex = 2;
constexpr std::size_t kClsIndex = 3;
constexpr std::size_t kMaskIndex = 4;

QStringView toView(std::u16string_view text) {
    return QStringView(text.data(), qsizetype(text.size()));
}

std::u16string_view toStdView(QStringView text) {
    return std::u16string_view(text.utf16(), std::size_t(text.size()));
}

// vocab.txt as transformers' load_vocab reads it: Python text mode, so "\n", "\r\n" and a lone
// "\r" all end a line, a last line without a newline still counts, and nothing else is stripped.
// A leading byte-order mark stays part of the first token, as with Python's "utf-8" codec.
Result<std::vector<QString>> readVocabulary(const QString& path) {
    auto read = readModelFile(path, kMaxVocabularyBytes);
    if (!read)
        return read.error();
    const QByteArray& bytes = *read;

    const auto flags =
        QStringConverter::Flag::Stateless | QStringConverter::Flag::ConvertInitialBom;
    QStringDecoder decoder(QStringConverter::Utf8, flags);
    const QString text = decoder.decode(bytes);
    if (decoder.hasError()) {
        // Rare path: decode line by line to tell the user where the bad bytes are. A byte
        // sequence can never be broken by "\n", which is plain ASCII.
        const QList<QByteArray> lines = bytes.split('\n');
        for (qsizetype line = 0; line < lines.size(); ++line) {
            QStringDecoder lineDecoder(QStringConverter::Utf8, flags);
            // decode() is lazy: it converts only when its result becomes a QString.
            const QString decoded = lineDecoder.decode(lines[line]);
            if (lineDecoder.hasError())
                return makeError(ErrorCode::Corrupt,
                                 path +
                                     QStringLiteral(": line %1 is not valid UTF-8").arg(line + 1));
        }
        return makeError(ErrorCode::Corrupt, path + QStringLiteral(": not valid UTF-8"));
    }

    std::vector<QString> vocabulary;
    vocabulary.reserve(std::size_t(std::count(bytes.begin(), bytes.end(), '\n')) + 1);
    qsizetype lineStart = 0;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text[i];
        if (c != u'\n' && c != u'\r')
            continue;
        vocabulary.push_back(text.sliced(lineStart, i - lineStart));
        if (c == u'\r' && i + 1 < text.size() && text[i + 1] == u'\n')
            ++i;
        lineStart = i + 1;
    }
    if (lineStart < text.size())
        vocabulary.push_back(text.sliced(lineStart));
    return vocabulary;
}

// tokenizer_config.json. Settings that would change the ids in ways this tokenizer does not
// implement are refused (Unsupported) rather than ignored, since silently different ids would
// give wrong embeddings with no visible error.
Result<TokenizerConfig> readTokenizerConfig(const QString& path) {
    auto json = ModelJson::read(path);
    if (!json)
        return json.error();
    const QJsonObject& c = json->object();
    TokenizerConfig config;

    auto lowerCase = json->flag("do_lower_case", config.doLowerCase);
    if (!lowerCase)
        return lowerCase.error();
    config.doLowerCase = *lowerCase;
    auto chinese = json->flag("tokenize_chinese_chars", config.tokenizeChineseChars);
    if (!chinese)
        return chinese.error();
    config.tokenizeChineseChars = *chinese;
    const QJsonValue strip = c.value(QStringLiteral("strip_accents"));
    if (strip.isBool())
        config.stripAccents = strip.toBool();
    else if (!strip.isNull() && !strip.isUndefined())
        return makeError(ErrorCode::Corrupt,
                         path + QStringLiteral(": 'strip_accents' must be true, false or null"));

    auto basic = json->flag("do_basic_tokenize", true);
    if (!basic)
        return basic.error();
    if (!*basic)
        return makeError(ErrorCode::Unsupported,
                         path + QStringLiteral(": do_basic_tokenize false is not supported"));
    for (const char* key : {"never_split", "additional_special_tokens"}) {
        const QJsonValue value = c.value(QLatin1String(key));
        if (!value.isNull() && !value.isUndefined() &&
            !(value.isArray() && value.toArray().isEmpty()))
            return makeError(ErrorCode::Unsupported,
                             path +
                                 QStringLiteral(": '%1' is not supported").arg(QLatin1String(key)));
    }
    // Special tokens are plain strings or, from older transformers, AddedToken objects.
    const std::array<std::pair<const char*, std::size_t>, 5> specialKeys = {
        {{"unk_token", kUnkIndex},
         {"sep_token", kSepIndex},
         {"pad_token", kPadIndex},
         {"cls_token", kClsIndex},
         {"mask_token", kMaskIndex}}};
    for (const auto& [key, index] : specialKeys) {
        const QJsonValue value = c.value(QLatin1String(key));
        if (value.isUndefined())
            continue;
        const QString token = value.isObject()
                                  ? value.toObject().value(QStringLiteral("content")).toString()
                                  : value.toString();
        const QStringView expected = toView(kBertSpecialTokens[index]);
        if (token != expected)
            return makeError(ErrorCode::Unsupported,
                             path + QStringLiteral(": %1 must be '%2'")
                                        .arg(QLatin1String(key), expected.toString()));
    }
    return config;
}

} // namespace

struct WordPieceTokenizer::Data {
    explicit Data(const TokenizerConfig& c) : config(c), normalizer(c) {}
    // The maps hold views into `arena`; a copy would point into the original.
    Data(const Data&) = delete;
    Data& operator=(const Data&) = delete;

    TokenizerConfig config;
    BertTextNormalizer normalizer;
    std::vector<QString> vocabulary; // index = id
    std::u16string arena;            // all token texts back to back; never resized after setup
    // Pieces that start a word, by their text, and "##" pieces by the text after "##", so that a
    // lookup needs neither a prefix nor a copy. As in Python's dict, a later duplicate line wins.
    std::unordered_map<std::u16string_view, TokenId> wordStarts;
    std::unordered_map<std::u16string_view, TokenId> continuations;
    // For each of kBertSpecialTokens: its text and the id it takes when found literally in text
    // ([UNK]'s when the vocabulary lacks it, as convert_tokens_to_ids does).
    std::array<QString, kBertSpecialTokens.size()> specialTexts;
    std::array<TokenId, kBertSpecialTokens.size()> specialIds{};
};

namespace {

// The helpers below take the tokenizer's private Data as a template parameter, which lets them
// live outside the class without naming it.

// Cuts each word into the longest vocabulary pieces, left to right, and hands (id, text) to
// `emit`, which returns false to stop. Literal special tokens go out as they are.
template <typename TokenizerData, typename Emit> class WordPieceSink final : public BertWordSink {
public:
    WordPieceSink(const TokenizerData& data, Emit& emit) : m_data(data), m_emit(emit) {}

    bool takeWord(QStringView word) override {
        // Code point boundaries: Python counts and slices code points, not UTF-16 units.
        m_bounds.clear();
        for (qsizetype i = 0; i < word.size();) {
            m_bounds.push_back(i);
            i += (word[i].isHighSurrogate() && i + 1 < word.size() && word[i + 1].isLowSurrogate())
                     ? 2
                     : 1;
        }
        m_bounds.push_back(word.size());
        const std::size_t length = m_bounds.size() - 1;
        const TokenId unk = m_data.specialIds[kUnkIndex];
        if (qsizetype(length) > kMaxCodePointsPerWord)
            return emitId(unk);

        m_pieces.clear();
        const std::u16string_view text = toStdView(word);
        for (std::size_t start = 0; start < length;) {
            const auto& map = start == 0 ? m_data.wordStarts : m_data.continuations;
            std::size_t end = length;
            TokenId found = -1;
            for (; end > start; --end) {
                const auto it = map.find(text.substr(std::size_t(m_bounds[start]),
                                                     std::size_t(m_bounds[end] - m_bounds[start])));
                if (it != map.end()) {
                    found = it->second;
                    break;
                }
            }
            if (found < 0)
                return emitId(unk); // one unmatched part makes the whole word [UNK]
            m_pieces.push_back(found);
            start = end;
        }
        for (TokenId id : m_pieces)
            if (!emitId(id))
                return false;
        return true;
    }

    bool takeSpecialToken(std::size_t index) override {
        return m_emit(m_data.specialIds[index], m_data.specialTexts[index]);
    }

private:
    bool emitId(TokenId id) { return m_emit(id, m_data.vocabulary[std::size_t(id)]); }

    const TokenizerData& m_data;
    Emit& m_emit;
    std::vector<qsizetype> m_bounds;
    std::vector<TokenId> m_pieces;
};

template <typename TokenizerData, typename Emit>
void tokenize(const TokenizerData& data, QStringView text, Emit&& emit) {
    WordPieceSink<TokenizerData, std::remove_reference_t<Emit>> sink(data, emit);
    (void)data.normalizer.splitWords(text, sink);
}

} // namespace

WordPieceTokenizer::WordPieceTokenizer(std::shared_ptr<const Data> data)
    : m_data(std::move(data)) {}
WordPieceTokenizer::~WordPieceTokenizer() = default;
WordPieceTokenizer::WordPieceTokenizer(WordPieceTokenizer&&) noexcept = default;
WordPieceTokenizer& WordPieceTokenizer::operator=(WordPieceTokenizer&&) noexcept = default;

Result<WordPieceTokenizer> WordPieceTokenizer::load(const QString& modelFolder) {
    TokenizerConfig config;
    const QString configPath = modelFolder + QStringLiteral("/tokenizer_config.json");
    if (QFile::exists(configPath)) {
        auto read = readTokenizerConfig(configPath);
        if (!read)
            return read.error();
        config = *read;
    }
    const QString vocabPath = modelFolder + QStringLiteral("/vocab.txt");
    if (!QFile::exists(vocabPath) && QFile::exists(modelFolder + QStringLiteral("/tokenizer.json")))
        return makeError(ErrorCode::Unsupported,
                         vocabPath + QStringLiteral(": not found; the model has only "
                                                    "tokenizer.json, and semsearch reads the "
                                                    "WordPiece vocabulary from vocab.txt"));
    auto vocabulary = readVocabulary(vocabPath);
    if (!vocabulary)
        return vocabulary.error();
    auto tokenizer = fromVocabulary(*vocabulary, config);
    if (!tokenizer)
        return makeError(tokenizer.error().code,
                         vocabPath + QStringLiteral(": ") + tokenizer.error().message);
    return tokenizer;
}

Result<WordPieceTokenizer>
WordPieceTokenizer::fromVocabulary(const std::vector<QString>& vocabulary,
                                   const TokenizerConfig& config) {
    if (vocabulary.size() > std::size_t(std::numeric_limits<TokenId>::max()))
        return makeError(ErrorCode::Corrupt, QStringLiteral("the vocabulary has too many tokens"));
    auto data = std::make_shared<Data>(config);
    data->vocabulary = vocabulary;

    std::size_t totalLength = 0;
    for (const QString& token : vocabulary)
        totalLength += std::size_t(token.size());
    data->arena.reserve(totalLength); // no reallocation below, so the views stay valid
    std::vector<std::size_t> offsets;
    offsets.reserve(vocabulary.size());
    for (const QString& token : vocabulary) {
        offsets.push_back(data->arena.size());
        data->arena.append(toStdView(token));
    }
    data->wordStarts.reserve(vocabulary.size());
    data->continuations.reserve(vocabulary.size() / 4);
    const std::u16string_view arena = data->arena;
    for (std::size_t id = 0; id < vocabulary.size(); ++id) {
        const std::u16string_view token =
            arena.substr(offsets[id], std::size_t(vocabulary[id].size()));
        data->wordStarts.insert_or_assign(token, TokenId(id));
        if (token.size() > kContinuationPrefix.size() &&
            token.substr(0, kContinuationPrefix.size()) == kContinuationPrefix)
            data->continuations.insert_or_assign(token.substr(kContinuationPrefix.size()),
                                                 TokenId(id));
    }

    // [MASK] may be absent: it only matters when it appears literally in text.
    for (std::size_t index : {kUnkIndex, kSepIndex, kPadIndex, kClsIndex}) {
        if (data->wordStarts.count(kBertSpecialTokens[index]) == 0)
            return makeError(ErrorCode::Corrupt,
                             QStringLiteral("the vocabulary has no '%1' token")
                                 .arg(toView(kBertSpecialTokens[index]).toString()));
    }
    const TokenId unk = data->wordStarts.at(kBertSpecialTokens[kUnkIndex]);
    for (std::size_t index = 0; index < kBertSpecialTokens.size(); ++index) {
        data->specialTexts[index] = toView(kBertSpecialTokens[index]).toString();
        const auto it = data->wordStarts.find(kBertSpecialTokens[index]);
        data->specialIds[index] = it == data->wordStarts.end() ? unk : it->second;
    }
    return WordPieceTokenizer(std::move(data));
}

std::vector<QString> WordPieceTokenizer::wordPieces(const QString& text) const {
    std::vector<QString> pieces;
    tokenize(*m_data, text, [&pieces](TokenId, const QString& piece) {
        pieces.push_back(piece); // shares the vocabulary's string, no copy
        return true;
    });
    return pieces;
}

std::vector<TokenId> WordPieceTokenizer::encode(const QString& text, std::size_t maxLength) const {
    // Room for pieces between [CLS] and [SEP]. A maxLength below 2 breaks the contract; it still
    // gets the shortest well-formed sequence rather than one without [SEP].
    const std::size_t room = maxLength == 0 ? std::numeric_limits<std::size_t>::max()
                                            : std::max<std::size_t>(maxLength, 2) - 2;
    std::vector<TokenId> ids;
    ids.push_back(clsId());
    if (room > 0) {
        // Stopping at the limit matters for long documents: the rest is never normalised.
        tokenize(*m_data, text, [&ids, room](TokenId id, const QString&) {
            ids.push_back(id);
            return ids.size() - 1 < room;
        });
    }
    ids.push_back(sepId());
    return ids;
}

std::size_t WordPieceTokenizer::vocabularySize() const {
    return m_data->vocabulary.size();
}
TokenId WordPieceTokenizer::padId() const {
    return m_data->specialIds[kPadIndex];
}
TokenId WordPieceTokenizer::unknownId() const {
    return m_data->specialIds[kUnkIndex];
}
TokenId WordPieceTokenizer::clsId() const {
    return m_data->specialIds[kClsIndex];
}
TokenId WordPieceTokenizer::sepId() const {
    return m_data->specialIds[kSepIndex];
}
const TokenizerConfig& WordPieceTokenizer::config() const {
    return m_data->config;
}

QString WordPieceTokenizer::tokenText(TokenId id) const {
    if (id < 0 || std::size_t(id) >= m_data->vocabulary.size())
        return QString();
    return m_data->vocabulary[std::size_t(id)];
}

} // namespace semsearch
