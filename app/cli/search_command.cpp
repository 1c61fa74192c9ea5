// semsearch-cli search QUERY: documents (or passages) ranked by meaning and by keywords, or
// --like FILE: the documents closest in meaning to a file (on a shared index, FILE#N: to a
// stored passage). What it prints: search_output.h.

#include "cli_support.h"
#include "command.h"
#include "search_output.h"

#include "semsearch/searcher.h"
#include "semsearch/shared_index_location.h"
#include "semsearch/shared_index_searcher.h"

#include <QCommandLineParser>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>

#include <optional>

#include <unistd.h>

namespace semsearch::cli {

namespace {

// Dates as YYYY-MM-DD (local midnight) or full ISO 8601 date-times; -1 when unreadable.
std::int64_t parseDate(const QString& text) {
    QDateTime when = QDateTime::fromString(text, Qt::ISODate);
    if (!when.isValid()) {
        const QDate day = QDate::fromString(text, Qt::ISODate);
        if (day.isValid())
            when = day.startOfDay();
    }
    return when.isValid() ? when.toMSecsSinceEpoch() : -1;
}

std::optional<SearchMode> parseMode(const QString& text) {
    if (text == QLatin1String("hybrid"))
        return SearchMode::Hybrid;
    if (text == QLatin1String("semantic"))
        return SearchMode::Semantic;
    if (text == QLatin1String("keyword"))
        return SearchMode::Keyword;
    return std::nullopt;
}

// --color WHEN: auto marks on a terminal unless NO_COLOR is set (no-color.org), as grep
// --color=auto does; std::nullopt for another word.
std::optional<bool> parseMarks(const QString& when) {
    if (when == QLatin1String("always"))
        return true;
    if (when == QLatin1String("never"))
        return false;
    if (when == QLatin1String("auto"))
        return isatty(STDOUT_FILENO) && qEnvironmentVariableIsEmpty("NO_COLOR");
    return std::nullopt;
}

// The filter of --path, --ext, --after and --before; std::nullopt, having said why, for a date
// that cannot be read.
std::optional<SearchFilter> filterFrom(const QCommandLineParser& parser) {
    SearchFilter filter;
    if (parser.isSet(QStringLiteral("path")))
        filter.pathPrefix =
            QDir::cleanPath(QFileInfo(parser.value(QStringLiteral("path"))).absoluteFilePath());
    for (const QString& e :
         parser.value(QStringLiteral("ext")).split(QLatin1Char(','), Qt::SkipEmptyParts))
        filter.extensions << e.trimmed().toLower().remove(QLatin1Char('.'));
    for (const auto& [name, target] :
         {std::pair{QStringLiteral("after"), &filter.modifiedAfterMs},
          std::pair{QStringLiteral("before"), &filter.modifiedBeforeMs}}) {
        if (!parser.isSet(name))
            continue;
        *target = parseDate(parser.value(name));
        if (*target < 0) {
            printError(QStringLiteral("--%1 takes a date like 2024-05-31, not '%2'")
                           .arg(name, parser.value(name)));
            return std::nullopt;
        }
    }
    return filter;
}

// The query, --like, --mode and --color as a request; std::nullopt, having said why, for a
// usage error.
std::optional<SearchRequest> requestFrom(const QCommandLineParser& parser) {
    SearchRequest request;
    request.query = parser.positionalArguments().join(QLatin1Char(' ')).trimmed();
    request.like = parser.value(QStringLiteral("like"));
    request.passages = parser.isSet(QStringLiteral("passages"));
    request.json = parser.isSet(QStringLiteral("json"));
    request.options.exact = parser.isSet(QStringLiteral("exact"));
    QString problem;
    const auto mode = parseMode(parser.value(QStringLiteral("mode")));
    const auto marks = parseMarks(parser.value(QStringLiteral("color")));
    if (request.query.isEmpty() && request.like.isEmpty())
        problem = QStringLiteral("search needs a QUERY (or --like FILE)");
    else if (!request.query.isEmpty() && !request.like.isEmpty())
        problem = QStringLiteral("search takes a QUERY or --like FILE, not both");
    else if (!request.like.isEmpty() && request.passages)
        problem = QStringLiteral("--like finds documents; it does not take --passages");
    else if (!mode)
        problem = QStringLiteral("--mode takes hybrid, semantic or keyword, not '%1'")
                      .arg(parser.value(QStringLiteral("mode")));
    else if (request.options.exact && *mode == SearchMode::Keyword && request.like.isEmpty())
        problem = QStringLiteral("--exact compares vectors; --mode keyword uses none");
    else if (!marks)
        problem = QStringLiteral("--color takes auto, always or never, not '%1'")
                      .arg(parser.value(QStringLiteral("color")));
    if (!problem.isEmpty()) {
        printError(problem);
        return std::nullopt;
    }
    request.options.mode = *mode;
    request.marks = *marks;
    return request;
}

// --like PATH#ORDINAL on a shared index: the document's path as the index records it (it may
// be another machine's) and the passage's 0-based ordinal; std::nullopt without "#N".
std::optional<std::pair<QString, int>> likedPassage(const QString& like) {
    const qsizetype hash = like.lastIndexOf(QLatin1Char('#'));
    bool ok = false;
    const int ordinal = hash > 0 ? like.mid(hash + 1).toInt(&ok) : 0;
    if (!ok || ordinal < 0)
        return std::nullopt;
    return std::pair{like.left(hash), ordinal};
}

// "More like this" on a shared index: from a passage's stored vector (no model needed).
Result<QByteArray> sharedLikeOutput(SharedIndexSearcher& searcher, const QString& location,
                                    const SearchRequest& request) {
    const auto passage = likedPassage(request.like);
    if (!passage)
        return makeError(ErrorCode::InvalidArgument,
                         displayLocation(location) +
                             QStringLiteral(": --like on a shared index takes a passage, "
                                            "PATH#ORDINAL (the document's path as the index "
                                            "records it, the passage's number from 0), not '%1'")
                                 .arg(request.like));
    auto hits = searcher.similarToPassage(passage->first, passage->second, request.options);
    if (!hits)
        return hits.error();
    return documentsOutput(nullptr, request, *hits);
}

// The search on a shared index at `location`: by meaning from the vector cache of this machine,
// brought up to date first, by keywords on the server, or both (shared_index_searcher.h); a
// keyword search and --like PATH#ORDINAL load no model.
Result<QByteArray> sharedSearchOutput(const QString& location, const QCommandLineParser& parser,
                                      const SearchRequest& request,
                                      std::optional<Precision> precision) {
    std::unique_ptr<Embedder> embedder;
    if (request.options.mode != SearchMode::Keyword && request.like.isEmpty()) {
        // Queries in the precision of the index's vectors, as for a local index.
        if (!precision)
            precision = sharedIndexPrecisionFor(location, ModelUse::Search);
        auto opened = openModelFor(modelFolder(parser), nullptr, precision, ModelUse::Search);
        if (!opened)
            return opened.error();
        embedder = std::move(opened).value();
    }
    auto searcher = SharedIndexSearcher::open(location, embedder.get());
    if (!searcher)
        return searcher.error();
    if (!request.like.isEmpty())
        return sharedLikeOutput(**searcher, location, request);
    if (request.passages) {
        auto hits = (*searcher)->searchPassages(request.query, request.options);
        if (!hits)
            return hits.error();
        return passagesOutput(embedder.get(), request, *hits);
    }
    auto hits = (*searcher)->searchDocuments(request.query, request.options);
    if (!hits)
        return hits.error();
    return documentsOutput(embedder.get(), request, *hits);
}

// The search itself, on an index (and a model, unless a keyword search needs none) that can
// be opened; the output to print, or the error's message.
Result<QByteArray> searchOutput(const QCommandLineParser& parser, const SearchRequest& request,
                                std::optional<Precision> precision) {
    auto index = openIndex(parser, IndexFolder::Mode::Read);
    if (!index)
        return index.error();
    // Keyword search reads only the database: no model to load (seconds with a large one).
    std::unique_ptr<Embedder> embedder;
    if (request.options.mode != SearchMode::Keyword || !request.like.isEmpty()) {
        auto opened = openModelFor(modelFolder(parser), index->get(), precision, ModelUse::Search);
        if (!opened)
            return opened.error();
        embedder = std::move(opened).value();
        if (auto refusal =
                modelMismatch(**index, embedder->model(), modelFolder(parser), ModelUse::Search))
            return makeError(ErrorCode::Mismatch, *refusal);
    }
    Searcher searcher = embedder ? Searcher(**index, *embedder) : Searcher(**index);
    if (request.passages) {
        auto hits = searcher.searchPassages(request.query, request.options);
        if (!hits)
            return hits.error();
        return passagesOutput(embedder.get(), request, *hits);
    }
    auto hits = request.like.isEmpty() ? searcher.searchDocuments(request.query, request.options)
                                       : searcher.similarDocuments(request.like, request.options);
    if (!hits)
        return hits.error();
    return documentsOutput(embedder.get(), request, *hits);
}

// The options of `search`, added to `parser`.
void addSearchOptions(QCommandLineParser& parser) {
    parser.addOptions({indexOption(), modelOption()});
    parser.addOptions({
        {{QStringLiteral("k"), QStringLiteral("limit")},
         QStringLiteral("How many results (default 10)."),
         QStringLiteral("N"),
         QStringLiteral("10")},
        {QStringLiteral("passages"),
         QStringLiteral("Return the top passages themselves instead of documents.")},
        {QStringLiteral("json"), QStringLiteral("Print JSON.")},
        {QStringLiteral("path"), QStringLiteral("Only files at or below PATH."),
         QStringLiteral("PATH")},
        {QStringLiteral("ext"), QStringLiteral("Only files with these extensions, e.g. md,txt."),
         QStringLiteral("LIST")},
        {QStringLiteral("after"), QStringLiteral("Only files modified after DATE (YYYY-MM-DD)."),
         QStringLiteral("DATE")},
        {QStringLiteral("before"), QStringLiteral("Only files modified before DATE (YYYY-MM-DD)."),
         QStringLiteral("DATE")},
        {QStringLiteral("mode"),
         QStringLiteral("hybrid (meaning and keywords, the default), semantic or keyword."),
         QStringLiteral("MODE"), QStringLiteral("hybrid")},
        {QStringLiteral("like"),
         QStringLiteral("Find the documents closest in meaning to FILE instead of a QUERY (on a "
                        "shared index: FILE#N, passage N, from 0, of an indexed document)."),
         QStringLiteral("FILE")},
        {QStringLiteral("exact"),
         QStringLiteral("Compare the query with every stored full-precision vector instead of "
                        "using the vector index (slower: about a second per 100,000 passages).")},
        {QStringLiteral("color"),
         QStringLiteral("Mark the query's words in the text output: auto (on a terminal, "
                        "unless NO_COLOR is set; the default), always or never."),
         QStringLiteral("WHEN"), QStringLiteral("auto")},
        precisionOption(QStringLiteral("the index's, else auto")),
    });
    parser.addPositionalArgument(QStringLiteral("QUERY"),
                                 QStringLiteral("What to look for: words, \"a phrase\", -word "
                                                "to leave out documents holding it."));
}

} // namespace

int runSearch(const QStringList& arguments) {
    QCommandLineParser parser;
    addSearchOptions(parser);
    if (auto stop = parseArguments(parser, QStringLiteral("search"),
                                   QStringLiteral("Find the passages that match QUERY by meaning "
                                                  "and by keywords."),
                                   arguments))
        return *stop;
    std::optional<SearchRequest> request = requestFrom(parser);
    if (!request)
        return kExitUsage;
    const auto limit = intOption(parser, QStringLiteral("k"), 1);
    const auto precision = askedPrecision(parser);
    if (!limit)
        return kExitUsage;
    if (!precision) {
        printError(precision.error().message);
        return kExitUsage;
    }
    request->options.limit = *limit;
    const std::optional<SearchFilter> filter = filterFrom(parser);
    if (!filter)
        return kExitUsage;
    request->options.filter = *filter;

    const QString location = indexFolder(parser);
    auto out = isSharedIndexLocation(location)
                   ? sharedSearchOutput(location, parser, *request, *precision)
                   : searchOutput(parser, *request, *precision);
    if (!out) {
        printError(out.error().message);
        return kExitFailure;
    }
    if (!writeOut(*out) || std::fflush(stdout) != 0) {
        printError(QStringLiteral("cannot write to stdout"));
        return kExitFailure;
    }
    return kExitOk;
}

} // namespace semsearch::cli
