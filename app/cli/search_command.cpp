// semsearch-cli search QUERY: documents (or passages) ranked by meaning.

#include "cli_support.h"
#include "command.h"
#include "semsearch/printable_text.h"

#include "semsearch/searcher.h"

#include <QCommandLineParser>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

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

// A text position (UTF-16 code units) as Unicode code points, how JSON readers such as Python
// and jq index a string.
qint64 codePoints(const QString& text, qsizetype position) {
    return QStringView(text).first(position).toUcs4().size();
}

QJsonObject passageJson(const PassageHit& hit, bool withPath,
                        const std::vector<SentenceMatch>& sentences) {
    QJsonObject object;
    if (withPath)
        object.insert(QStringLiteral("path"), hit.path);
    object.insert(QStringLiteral("score"), double(hit.score));
    object.insert(QStringLiteral("text"), hit.text);
    object.insert(QStringLiteral("line"), hit.line);
    object.insert(QStringLiteral("start"), qint64(hit.byteStart));
    object.insert(QStringLiteral("end"), qint64(hit.byteEnd));
    // Where known: documents with pages (PDF) or headings (Markdown, HTML, DOCX, ODT, EPUB).
    if (hit.page > 0)
        object.insert(QStringLiteral("page"), hit.page);
    if (!hit.section.isEmpty())
        object.insert(QStringLiteral("section"), hit.section);
    QJsonArray best;
    for (const SentenceMatch& sentence : sentences)
        best.append(QJsonObject{{QStringLiteral("start"), codePoints(hit.text, sentence.start)},
                                {QStringLiteral("end"), codePoints(hit.text, sentence.end)},
                                {QStringLiteral("score"), double(sentence.score)}});
    object.insert(QStringLiteral("best_sentences"), best);
    return object;
}

// The sentences of each passage that match the query best (bestSentences), in order.
Result<std::vector<std::vector<SentenceMatch>>>
sentencesOf(Embedder& embedder, const QString& query, const std::vector<const PassageHit*>& hits) {
    auto vector = embedder.embed({query});
    if (!vector)
        return vector.error();
    QStringList texts;
    for (const PassageHit* hit : hits)
        texts << hit->text;
    return bestSentences(embedder, vector->row(0), texts);
}

QByteArray answerJson(const QString& query, const QJsonArray& results) {
    return QJsonDocument(
               QJsonObject{{QStringLiteral("query"), query}, {QStringLiteral("results"), results}})
               .toJson(QJsonDocument::Compact) +
           '\n';
}

// `search --passages --json`.
Result<QByteArray> passagesJson(Embedder& embedder, const QString& query,
                                const std::vector<PassageHit>& hits) {
    std::vector<const PassageHit*> passages;
    for (const PassageHit& hit : hits)
        passages.push_back(&hit);
    auto sentences = sentencesOf(embedder, query, passages);
    if (!sentences)
        return sentences.error();
    QJsonArray results;
    for (std::size_t i = 0; i < hits.size(); ++i)
        results.append(passageJson(hits[i], true, (*sentences)[i]));
    return answerJson(query, results);
}

// `search --json`.
Result<QByteArray> documentsJson(Embedder& embedder, const QString& query,
                                 const std::vector<DocumentHit>& hits) {
    std::vector<const PassageHit*> passages;
    for (const DocumentHit& document : hits)
        for (const PassageHit& hit : document.passages)
            passages.push_back(&hit);
    auto sentences = sentencesOf(embedder, query, passages);
    if (!sentences)
        return sentences.error();
    QJsonArray results;
    std::size_t next = 0;
    for (const DocumentHit& document : hits) {
        QJsonArray passageArray;
        for (const PassageHit& hit : document.passages)
            passageArray.append(passageJson(hit, false, (*sentences)[next++]));
        results.append(QJsonObject{{QStringLiteral("path"), document.path},
                                   {QStringLiteral("score"), double(document.score)},
                                   {QStringLiteral("passages"), passageArray}});
    }
    return answerJson(query, results);
}

// One line of a passage for the terminal: whitespace runs as one space, other control
// characters escaped (escapedText).
QString snippet(const QString& text) {
    QString flat = text.simplified();
    flat = flat.size() > 200 ? flat.left(199) + QChar(0x2026) : flat;
    return escapedText(flat);
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

// The passages as printed: JSON, or a line of score, path and line number, then the text.
Result<QByteArray> passagesOutput(Embedder& embedder, const QString& query,
                                  const std::vector<PassageHit>& hits, bool json) {
    if (json)
        return passagesJson(embedder, query, hits);
    QByteArray out;
    for (const PassageHit& hit : hits)
        out += QStringLiteral("%1  %2:%3\n      %4\n")
                   .arg(hit.score, 0, 'f', 3)
                   .arg(escapedText(hit.path))
                   .arg(hit.line)
                   .arg(snippet(hit.text))
                   .toUtf8();
    return out;
}

// The documents as printed: JSON, or a line of score and path, then a line per passage.
Result<QByteArray> documentsOutput(Embedder& embedder, const QString& query,
                                   const std::vector<DocumentHit>& hits, bool json) {
    if (json)
        return documentsJson(embedder, query, hits);
    if (hits.empty())
        return QByteArray("no results\n");
    QByteArray out;
    for (const DocumentHit& document : hits) {
        out += QStringLiteral("%1  %2\n")
                   .arg(document.score, 0, 'f', 3)
                   .arg(escapedText(document.path))
                   .toUtf8();
        for (const PassageHit& hit : document.passages)
            out += QStringLiteral("      %1: %2\n").arg(hit.line).arg(snippet(hit.text)).toUtf8();
    }
    return out;
}

// The search itself, on an index and model that can be opened; the output to print, or the
// error's message.
Result<QByteArray> searchOutput(const QCommandLineParser& parser, const QString& query,
                                const SearchOptions& options, std::optional<Precision> precision) {
    auto index = IndexFolder::open(indexFolder(parser), IndexFolder::Mode::Read);
    if (!index)
        return index.error();
    auto embedder = openModelFor(modelFolder(parser), index->get(), precision, ModelUse::Search);
    if (!embedder)
        return embedder.error();
    if (auto refusal =
            modelMismatch(**index, (*embedder)->model(), modelFolder(parser), ModelUse::Search))
        return makeError(ErrorCode::Mismatch, *refusal);
    Searcher searcher(**index, **embedder);
    const bool json = parser.isSet(QStringLiteral("json"));
    if (parser.isSet(QStringLiteral("passages"))) {
        auto hits = searcher.searchPassages(query, options);
        if (!hits)
            return hits.error();
        return passagesOutput(**embedder, query, *hits, json);
    }
    auto hits = searcher.searchDocuments(query, options);
    if (!hits)
        return hits.error();
    return documentsOutput(**embedder, query, *hits, json);
}

} // namespace

int runSearch(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.addOptions({indexOption(), modelOption()});
    const QCommandLineOption count(QStringList{QStringLiteral("k"), QStringLiteral("limit")},
                                   QStringLiteral("How many results (default 10)."),
                                   QStringLiteral("N"), QStringLiteral("10"));
    const QCommandLineOption passages(
        QStringLiteral("passages"),
        QStringLiteral("Return the top passages themselves instead of documents."));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print JSON."));
    const QCommandLineOption under(QStringLiteral("path"),
                                   QStringLiteral("Only files at or below PATH."),
                                   QStringLiteral("PATH"));
    const QCommandLineOption ext(QStringLiteral("ext"),
                                 QStringLiteral("Only files with these extensions, e.g. md,txt."),
                                 QStringLiteral("LIST"));
    const QCommandLineOption after(QStringLiteral("after"),
                                   QStringLiteral("Only files modified after DATE (YYYY-MM-DD)."),
                                   QStringLiteral("DATE"));
    const QCommandLineOption before(QStringLiteral("before"),
                                    QStringLiteral("Only files modified before DATE (YYYY-MM-DD)."),
                                    QStringLiteral("DATE"));
    parser.addOptions({count, passages, json, under, ext, after, before,
                       precisionOption(QStringLiteral("the index's, else auto"))});
    parser.addPositionalArgument(QStringLiteral("QUERY"), QStringLiteral("What to look for."));
    if (auto stop = parseArguments(parser, QStringLiteral("search"),
                                   QStringLiteral("Find the passages closest in meaning to "
                                                  "QUERY."),
                                   arguments))
        return *stop;
    const QString query = parser.positionalArguments().join(QLatin1Char(' ')).trimmed();
    if (query.isEmpty()) {
        printError(QStringLiteral("search needs a QUERY"));
        return kExitUsage;
    }
    const auto limit = intOption(parser, QStringLiteral("k"), 1);
    const auto precision = askedPrecision(parser);
    if (!limit)
        return kExitUsage;
    if (!precision) {
        printError(precision.error().message);
        return kExitUsage;
    }

    SearchOptions options;
    options.limit = *limit;
    const std::optional<SearchFilter> filter = filterFrom(parser);
    if (!filter)
        return kExitUsage;
    options.filter = *filter;

    auto out = searchOutput(parser, query, options, *precision);
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
