#include "store/keyword_tokenizer.h"

#include "store/sqlite_statement.h"

#include <sqlite3.h>

#include <memory>
#include <vector>

namespace semsearch {

namespace {

// FTS5's own unicode61, created twice: `whole` keeps '_' and '.' inside tokens, so identifiers
// come out in one piece; `parts` is plain unicode61 and cuts the pieces of one identifier into
// the same words a query for them is cut into.
struct SemsearchTokenizer {
    fts5_tokenizer unicode61{};
    Fts5Tokenizer* whole = nullptr;
    Fts5Tokenizer* parts = nullptr;

    ~SemsearchTokenizer() {
        if (whole)
            unicode61.xDelete(whole);
        if (parts)
            unicode61.xDelete(parts);
    }
};

struct TokenizeCall {
    SemsearchTokenizer* tokenizer;
    void* context;
    int flags;
    const char* text;
    int (*emit)(void*, int, const char*, int, int, int);
};

bool isJoiner(char c) {
    return c == '_' || c == '.';
}
bool isLower(char c) {
    return c >= 'a' && c <= 'z';
}
bool isUpper(char c) {
    return c >= 'A' && c <= 'Z';
}

// Whether an identifier part ends before original[i]: at a joiner, or at a CamelCase boundary
// ("camelCase" before 'C'; "HTTPServer" before the 'S' that starts a lower-case run).
bool startsPart(const char* original, int i, int length) {
    const char previous = original[i - 1];
    const char current = original[i];
    if (isLower(previous) && isUpper(current))
        return true;
    return isUpper(previous) && isUpper(current) && i + 1 < length && isLower(original[i + 1]);
}

// The pieces of an identifier as [start, end) offsets into `original`; one piece for a plain
// word.
std::vector<std::pair<int, int>> identifierParts(const char* original, int length) {
    std::vector<std::pair<int, int>> pieces;
    int start = 0;
    for (int i = 0; i <= length; ++i) {
        const bool end = i == length || isJoiner(original[i]);
        if (end || (i > start && startsPart(original, i, length))) {
            if (i > start)
                pieces.emplace_back(start, i);
            start = end ? i + 1 : i;
        }
    }
    return pieces;
}

struct PartCall {
    TokenizeCall* call;
    int offset; // of the part in the text being tokenized
};

int emitPart(void* context, int, const char* token, int length, int start, int end) {
    auto* part = static_cast<PartCall*>(context);
    return part->call->emit(part->call->context, FTS5_TOKEN_COLOCATED, token, length,
                            part->offset + start, part->offset + end);
}

int emitWhole(void* context, int flags, const char* token, int length, int start, int end) {
    auto* call = static_cast<TokenizeCall*>(context);
    // '_' and '.' are ASCII and folded to themselves, so trimming them from the folded token
    // trims the same bytes from the original.
    while (length > 0 && isJoiner(token[0])) {
        ++token, --length, ++start;
    }
    while (length > 0 && isJoiner(token[length - 1])) {
        --length, --end;
    }
    if (length == 0)
        return SQLITE_OK;
    if (int rc = call->emit(call->context, flags, token, length, start, end); rc != SQLITE_OK)
        return rc;
    // A query looks identifiers up whole; only stored text also gets their parts.
    if (call->flags & FTS5_TOKENIZE_QUERY)
        return SQLITE_OK;
    const auto pieces = identifierParts(call->text + start, end - start);
    if (pieces.size() < 2)
        return SQLITE_OK;
    for (const auto& [from, to] : pieces) {
        PartCall part{call, start + from};
        const int rc =
            call->tokenizer->unicode61.xTokenize(call->tokenizer->parts, &part, call->flags,
                                                 call->text + start + from, to - from, emitPart);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

int createTokenizer(void* api, const char**, int, Fts5Tokenizer** out) {
    auto* fts5 = static_cast<fts5_api*>(api);
    auto tokenizer = std::make_unique<SemsearchTokenizer>();
    void* unicodeData = nullptr;
    int rc = fts5->xFindTokenizer(fts5, "unicode61", &unicodeData, &tokenizer->unicode61);
    if (rc != SQLITE_OK)
        return rc;
    const char* wholeArguments[] = {"remove_diacritics", "2", "tokenchars", "_."};
    const char* partArguments[] = {"remove_diacritics", "2"};
    rc = tokenizer->unicode61.xCreate(unicodeData, wholeArguments, 4, &tokenizer->whole);
    if (rc != SQLITE_OK)
        return rc;
    rc = tokenizer->unicode61.xCreate(unicodeData, partArguments, 2, &tokenizer->parts);
    if (rc != SQLITE_OK)
        return rc;
    *out = reinterpret_cast<Fts5Tokenizer*>(tokenizer.release());
    return SQLITE_OK;
}

void deleteTokenizer(Fts5Tokenizer* tokenizer) {
    delete reinterpret_cast<SemsearchTokenizer*>(tokenizer);
}

int tokenize(Fts5Tokenizer* handle, void* context, int flags, const char* text, int length,
             int (*emit)(void*, int, const char*, int, int, int)) {
    auto* tokenizer = reinterpret_cast<SemsearchTokenizer*>(handle);
    TokenizeCall call{tokenizer, context, flags, text, emit};
    return tokenizer->unicode61.xTokenize(tokenizer->whole, &call, flags, text, length, emitWhole);
}

// The documented way to reach FTS5's C API: a pointer handed out through SELECT fts5(?1).
fts5_api* fts5Of(sqlite3* db) {
    fts5_api* api = nullptr;
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &statement, nullptr) == SQLITE_OK) {
        sqlite3_bind_pointer(statement, 1, &api, "fts5_api_ptr", nullptr);
        sqlite3_step(statement);
    }
    sqlite3_finalize(statement);
    return api;
}

int collectToken(void* context, int flags, const char* token, int length, int, int) {
    if (!(flags & FTS5_TOKEN_COLOCATED))
        static_cast<QStringList*>(context)->append(QString::fromUtf8(token, length));
    return SQLITE_OK;
}

} // namespace

Result<void> registerKeywordTokenizer(sqlite3* db, const QString& file) {
    fts5_api* api = fts5Of(db);
    if (!api)
        return makeError(ErrorCode::Unsupported,
                         file + QStringLiteral(": this SQLite has no FTS5, which the keyword "
                                               "index needs"));
    fts5_tokenizer methods{createTokenizer, deleteTokenizer, tokenize};
    const int rc = api->xCreateTokenizer(api, kKeywordTokenizerName, api, &methods, nullptr);
    if (rc != SQLITE_OK)
        return sqliteError(db, rc, file, QStringLiteral("cannot set up the keyword tokenizer"));
    return {};
}

Result<QStringList> keywordQueryTokens(sqlite3* db, const QString& text, const QString& file) {
    fts5_api* api = fts5Of(db);
    void* data = nullptr;
    fts5_tokenizer methods{};
    Fts5Tokenizer* tokenizer = nullptr;
    int rc = api ? api->xFindTokenizer(api, kKeywordTokenizerName, &data, &methods) : SQLITE_ERROR;
    if (rc == SQLITE_OK)
        rc = methods.xCreate(data, nullptr, 0, &tokenizer);
    QStringList tokens;
    if (rc == SQLITE_OK) {
        const QByteArray utf8 = text.toUtf8();
        rc = methods.xTokenize(tokenizer, &tokens, FTS5_TOKENIZE_QUERY, utf8.constData(),
                               int(utf8.size()), collectToken);
        methods.xDelete(tokenizer);
    }
    if (rc != SQLITE_OK)
        return sqliteError(db, rc, file, QStringLiteral("cannot cut a query into words"));
    return tokens;
}

} // namespace semsearch
