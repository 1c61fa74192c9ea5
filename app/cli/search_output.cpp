#include "search_output.h"

#include "semsearch/printable_text.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSysInfo>

namespace semsearch::cli {

namespace {

constexpr qsizetype kSnippetCharacters = 200;
// grep --color's default for a match: bold red; then back to normal.
constexpr char kMarkStart[] = "\x1b[1;31m";
constexpr char kMarkEnd[] = "\x1b[0m";

// A text position (UTF-16 code units) as Unicode code points, how JSON readers such as Python
// and jq index a string.
qint64 codePoints(const QString& text, qsizetype position) {
    return QStringView(text).first(position).toUcs4().size();
}

QJsonObject passageJson(const PassageHit& hit, bool withPath,
                        const std::vector<SentenceMatch>& sentences) {
    QJsonObject object;
    if (withPath) {
        object.insert(QStringLiteral("path"), hit.path);
        if (!hit.machine.isEmpty())
            object.insert(QStringLiteral("machine"), hit.machine);
    }
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
    QJsonArray matches;
    for (const KeywordMatch& match : hit.keywordMatches)
        matches.append(QJsonObject{{QStringLiteral("start"), qint64(match.byteStart)},
                                   {QStringLiteral("end"), qint64(match.byteEnd)}});
    object.insert(QStringLiteral("keyword_hits"), matches);
    return object;
}

// The sentences of each passage that match the query best (bestSentences), in order; none
// without a model or a query (keyword mode, --like).
Result<std::vector<std::vector<SentenceMatch>>>
sentencesOf(Embedder* embedder, const QString& query, const std::vector<const PassageHit*>& hits) {
    if (!embedder || query.isEmpty())
        return std::vector<std::vector<SentenceMatch>>(hits.size());
    auto vector = embedder->embed({query});
    if (!vector)
        return vector.error();
    QStringList texts;
    for (const PassageHit* hit : hits)
        texts << hit->text;
    return bestSentences(*embedder, vector->row(0), texts);
}

QByteArray answerJson(const SearchRequest& request, const QJsonArray& results) {
    const bool like = !request.like.isEmpty();
    return QJsonDocument(QJsonObject{{like ? QStringLiteral("like") : QStringLiteral("query"),
                                      like ? request.like : request.query},
                                     {QStringLiteral("results"), results}})
               .toJson(QJsonDocument::Compact) +
           '\n';
}

Result<QByteArray> passagesJson(Embedder* embedder, const SearchRequest& request,
                                const std::vector<PassageHit>& hits) {
    std::vector<const PassageHit*> passages;
    for (const PassageHit& hit : hits)
        passages.push_back(&hit);
    auto sentences = sentencesOf(embedder, request.query, passages);
    if (!sentences)
        return sentences.error();
    QJsonArray results;
    for (std::size_t i = 0; i < hits.size(); ++i)
        results.append(passageJson(hits[i], true, (*sentences)[i]));
    return answerJson(request, results);
}

Result<QByteArray> documentsJson(Embedder* embedder, const SearchRequest& request,
                                 const std::vector<DocumentHit>& hits) {
    std::vector<const PassageHit*> passages;
    for (const DocumentHit& document : hits)
        for (const PassageHit& hit : document.passages)
            passages.push_back(&hit);
    auto sentences = sentencesOf(embedder, request.query, passages);
    if (!sentences)
        return sentences.error();
    QJsonArray results;
    std::size_t next = 0;
    for (const DocumentHit& document : hits) {
        QJsonArray passageArray;
        for (const PassageHit& hit : document.passages)
            passageArray.append(passageJson(hit, false, (*sentences)[next++]));
        QJsonObject result{
            {QStringLiteral("path"), document.path},
            {QStringLiteral("score"), double(document.score)},
            {QStringLiteral("passages"), passageArray},
            {QStringLiteral("duplicates"), QJsonArray::fromStringList(document.duplicates)}};
        if (!document.machine.isEmpty())
            result.insert(QStringLiteral("machine"), document.machine);
        results.append(result);
    }
    return answerJson(request, results);
}

// " (on MACHINE)" after a path that another machine indexed; nothing for this machine's own
// files or a local index.
QString elsewhere(const QString& machine) {
    if (machine.isEmpty() || machine == QSysInfo::machineHostName())
        return QString();
    return QStringLiteral(" (on %1)").arg(escapedText(machine));
}

} // namespace

QString snippetLine(const QString& text, const std::vector<KeywordMatch>& matches, bool marks) {
    // The text flattened (whitespace runs as one space, trimmed), each character remembering
    // whether a match covers it.
    QString flat;
    std::vector<bool> marked;
    std::size_t next = 0; // the first match that may still cover a position
    bool pendingSpace = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        while (next < matches.size() && matches[next].end <= i)
            ++next;
        const bool inMatch = next < matches.size() && matches[next].start <= i;
        if (text[i].isSpace()) {
            pendingSpace = !flat.isEmpty();
            continue;
        }
        if (pendingSpace) {
            flat += QLatin1Char(' ');
            // A space inside a phrase is part of the match.
            marked.push_back(inMatch && !marked.empty() && marked.back());
            pendingSpace = false;
        }
        flat += text[i];
        marked.push_back(inMatch);
    }
    const bool cut = flat.size() > kSnippetCharacters;
    if (cut) {
        flat.truncate(kSnippetCharacters - 1);
        marked.resize(std::size_t(flat.size()));
    }
    QString line;
    for (qsizetype start = 0; start < flat.size();) {
        qsizetype end = start;
        while (end < flat.size() && marked[std::size_t(end)] == marked[std::size_t(start)])
            ++end;
        const QString run = escapedText(QStringView(flat).mid(start, end - start));
        line += marks && marked[std::size_t(start)]
                    ? QLatin1String(kMarkStart) + run + QLatin1String(kMarkEnd)
                    : run;
        start = end;
    }
    return cut ? line + QChar(0x2026) : line;
}

Result<QByteArray> passagesOutput(Embedder* embedder, const SearchRequest& request,
                                  const std::vector<PassageHit>& hits) {
    if (request.json)
        return passagesJson(embedder, request, hits);
    QByteArray out;
    for (const PassageHit& hit : hits)
        out += QStringLiteral("%1  %2:%3%4\n      %5\n")
                   .arg(hit.score, 0, 'f', 3)
                   .arg(escapedText(hit.path))
                   .arg(hit.line)
                   .arg(elsewhere(hit.machine))
                   .arg(snippetLine(hit.text, hit.keywordMatches, request.marks))
                   .toUtf8();
    return out;
}

Result<QByteArray> documentsOutput(Embedder* embedder, const SearchRequest& request,
                                   const std::vector<DocumentHit>& hits) {
    if (request.json)
        return documentsJson(embedder, request, hits);
    if (hits.empty())
        return QByteArray("no results\n");
    QByteArray out;
    for (const DocumentHit& document : hits) {
        out += QStringLiteral("%1  %2%3\n")
                   .arg(document.score, 0, 'f', 3)
                   .arg(escapedText(document.path))
                   .arg(elsewhere(document.machine))
                   .toUtf8();
        for (const QString& copy : document.duplicates)
            out += QStringLiteral("      also in %1\n").arg(escapedText(copy)).toUtf8();
        for (const PassageHit& hit : document.passages)
            out += QStringLiteral("      %1: %2\n")
                       .arg(hit.line)
                       .arg(snippetLine(hit.text, hit.keywordMatches, request.marks))
                       .toUtf8();
    }
    return out;
}

} // namespace semsearch::cli
