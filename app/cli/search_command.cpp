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

#include <optional>

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

QJsonObject passageJson(const PassageHit& hit, bool withPath) {
    QJsonObject object;
    if (withPath)
        object.insert(QStringLiteral("path"), hit.path);
    object.insert(QStringLiteral("score"), double(hit.score));
    object.insert(QStringLiteral("text"), hit.text);
    object.insert(QStringLiteral("line"), hit.line);
    object.insert(QStringLiteral("start"), qint64(hit.byteStart));
    object.insert(QStringLiteral("end"), qint64(hit.byteEnd));
    QJsonArray matches;
    for (const KeywordMatch& match : hit.keywordMatches)
        matches.append(QJsonObject{{QStringLiteral("start"), qint64(match.byteStart)},
                                   {QStringLiteral("end"), qint64(match.byteEnd)}});
    object.insert(QStringLiteral("keywordHits"), matches);
    return object;
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

// One line of a passage for the terminal: whitespace runs as one space, other control
// characters escaped (escapedText).
QString snippet(const QString& text) {
    QString flat = text.simplified();
    flat = flat.size() > 200 ? flat.left(199) + QChar(0x2026) : flat;
    return escapedText(flat);
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
    const QCommandLineOption mode(
        QStringLiteral("mode"),
        QStringLiteral("hybrid (meaning and keywords, the default), semantic or "
                       "keyword."),
        QStringLiteral("MODE"), QStringLiteral("hybrid"));
    const QCommandLineOption like(QStringLiteral("like"),
                                  QStringLiteral("Find the documents closest in meaning to FILE "
                                                 "instead of a QUERY."),
                                  QStringLiteral("FILE"));
    parser.addOptions({count, passages, json, under, ext, after, before, mode, like,
                       precisionOption(QStringLiteral("the index's, else auto"))});
    parser.addPositionalArgument(QStringLiteral("QUERY"),
                                 QStringLiteral("What to look for: words, \"a phrase\", -word "
                                                "to leave out documents holding it."));
    if (auto stop = parseArguments(parser, QStringLiteral("search"),
                                   QStringLiteral("Find the passages that match QUERY by meaning "
                                                  "and by keywords."),
                                   arguments))
        return *stop;
    const QString query = parser.positionalArguments().join(QLatin1Char(' ')).trimmed();
    if (query.isEmpty() && !parser.isSet(like)) {
        printError(QStringLiteral("search needs a QUERY (or --like FILE)"));
        return kExitUsage;
    }
    if (!query.isEmpty() && parser.isSet(like)) {
        printError(QStringLiteral("search takes a QUERY or --like FILE, not both"));
        return kExitUsage;
    }
    if (parser.isSet(like) && parser.isSet(passages)) {
        printError(QStringLiteral("--like finds documents; it does not take --passages"));
        return kExitUsage;
    }
    const auto searchMode = parseMode(parser.value(mode));
    if (!searchMode) {
        printError(QStringLiteral("--mode takes hybrid, semantic or keyword, not '%1'")
                       .arg(parser.value(mode)));
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
    options.mode = *searchMode;
    if (parser.isSet(under))
        options.filter.pathPrefix =
            QDir::cleanPath(QFileInfo(parser.value(under)).absoluteFilePath());
    for (const QString& e : parser.value(ext).split(QLatin1Char(','), Qt::SkipEmptyParts))
        options.filter.extensions << e.trimmed().toLower().remove(QLatin1Char('.'));
    for (const auto& [option, target] : {std::pair{&after, &options.filter.modifiedAfterMs},
                                         std::pair{&before, &options.filter.modifiedBeforeMs}}) {
        if (!parser.isSet(*option))
            continue;
        *target = parseDate(parser.value(*option));
        if (*target < 0) {
            printError(QStringLiteral("--%1 takes a date like 2024-05-31, not '%2'")
                           .arg(option->names().first(), parser.value(*option)));
            return kExitUsage;
        }
    }

    auto index = IndexFolder::open(indexFolder(parser), IndexFolder::Mode::Read);
    if (!index) {
        printError(index.error().message);
        return kExitFailure;
    }
    auto embedder = openModelFor(modelFolder(parser), index->get(), *precision, ModelUse::Search);
    if (!embedder) {
        printError(embedder.error().message);
        return kExitFailure;
    }
    if (auto refusal =
            modelMismatch(**index, (*embedder)->model(), modelFolder(parser), ModelUse::Search)) {
        printError(*refusal);
        return kExitFailure;
    }
    Searcher searcher(**index, **embedder);

    // {"query": QUERY, "results": ...}, or {"like": FILE, ...} for --like.
    const QString asked = parser.isSet(like) ? QStringLiteral("like") : QStringLiteral("query");
    const QString askedValue = parser.isSet(like) ? parser.value(like) : query;
    QByteArray out;
    if (parser.isSet(passages)) {
        auto hits = searcher.searchPassages(query, options);
        if (!hits) {
            printError(hits.error().message);
            return kExitFailure;
        }
        if (parser.isSet(json)) {
            QJsonArray results;
            for (const PassageHit& hit : *hits)
                results.append(passageJson(hit, true));
            out = QJsonDocument(
                      QJsonObject{{asked, askedValue}, {QStringLiteral("results"), results}})
                      .toJson(QJsonDocument::Compact) +
                  '\n';
        } else {
            for (const PassageHit& hit : *hits)
                out += QStringLiteral("%1  %2:%3\n      %4\n")
                           .arg(hit.score, 0, 'f', 3)
                           .arg(escapedText(hit.path))
                           .arg(hit.line)
                           .arg(snippet(hit.text))
                           .toUtf8();
        }
    } else {
        auto hits = parser.isSet(like) ? searcher.similarDocuments(parser.value(like), options)
                                       : searcher.searchDocuments(query, options);
        if (!hits) {
            printError(hits.error().message);
            return kExitFailure;
        }
        if (parser.isSet(json)) {
            QJsonArray results;
            for (const DocumentHit& document : *hits) {
                QJsonArray passageArray;
                for (const PassageHit& hit : document.passages)
                    passageArray.append(passageJson(hit, false));
                results.append(QJsonObject{{QStringLiteral("path"), document.path},
                                           {QStringLiteral("score"), double(document.score)},
                                           {QStringLiteral("passages"), passageArray},
                                           {QStringLiteral("duplicates"),
                                            QJsonArray::fromStringList(document.duplicates)}});
            }
            out = QJsonDocument(
                      QJsonObject{{asked, askedValue}, {QStringLiteral("results"), results}})
                      .toJson(QJsonDocument::Compact) +
                  '\n';
        } else {
            for (const DocumentHit& document : *hits) {
                out += QStringLiteral("%1  %2\n")
                           .arg(document.score, 0, 'f', 3)
                           .arg(escapedText(document.path))
                           .toUtf8();
                for (const QString& copy : document.duplicates)
                    out += QStringLiteral("      also in %1\n").arg(escapedText(copy)).toUtf8();
                for (const PassageHit& hit : document.passages)
                    out += QStringLiteral("      %1: %2\n")
                               .arg(hit.line)
                               .arg(snippet(hit.text))
                               .toUtf8();
            }
            if (hits->empty())
                out = "no results\n";
        }
    }
    if (!writeOut(out) || std::fflush(stdout) != 0) {
        printError(QStringLiteral("cannot write to stdout"));
        return kExitFailure;
    }
    return kExitOk;
}

} // namespace semsearch::cli
