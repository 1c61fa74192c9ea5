#pragma once

// Document ranking by brute force, the independent reference for document search: every
// passage's cosine with the query in double precision, a document's score is its best passage's,
// documents best first. Nothing here calls the searcher or the vector cache, so a search that
// looks at too few passages, loses documents or scores them by anything but their best passage
// disagrees with it.

#include <QHash>
#include <QString>
#include <QStringList>

#include <algorithm>
#include <cmath>
#include <vector>

namespace semsearch::test {

// One stored passage: its document, a key naming it within the document (an id, a byte
// offset), and its vector.
struct PassageVector {
    QString path;
    QString key;
    std::vector<float> vector;
};

struct RankedPassage {
    QString key;
    double score = 0;
};

struct RankedDocument {
    QString path;
    double score = 0;                    // its best passage's
    std::vector<RankedPassage> passages; // all of them, best first
};

inline double cosine(const std::vector<float>& a, const std::vector<float>& b) {
    if (a.size() != b.size() || a.empty())
        return NAN;
    double dot = 0, na = 0, nb = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        dot += double(a[i]) * b[i];
        na += double(a[i]) * a[i];
        nb += double(b[i]) * b[i];
    }
    return dot / std::sqrt(na * nb);
}

// Every document with a passage, best first.
inline std::vector<RankedDocument> rankDocuments(const std::vector<PassageVector>& passages,
                                                 const std::vector<float>& query) {
    std::vector<RankedDocument> documents;
    QHash<QString, std::size_t> position;
    for (const PassageVector& passage : passages) {
        auto found = position.find(passage.path);
        if (found == position.end()) {
            found = position.insert(passage.path, documents.size());
            documents.push_back({passage.path, -INFINITY, {}});
        }
        documents[found.value()].passages.push_back({passage.key, cosine(passage.vector, query)});
    }
    for (RankedDocument& document : documents) {
        std::sort(document.passages.begin(), document.passages.end(),
                  [](const RankedPassage& a, const RankedPassage& b) { return a.score > b.score; });
        document.score = document.passages.front().score;
    }
    std::sort(documents.begin(), documents.end(),
              [](const RankedDocument& a, const RankedDocument& b) { return a.score > b.score; });
    return documents;
}

// How many of the best document's passages outrank every other document's best. When they are
// more than a search looks at first, only a search that looks further finds the others.
inline std::size_t passagesAheadOfTheRest(const std::vector<RankedDocument>& ranking) {
    if (ranking.size() < 2)
        return ranking.empty() ? 0 : ranking.front().passages.size();
    const std::vector<RankedPassage>& first = ranking.front().passages;
    return std::size_t(std::count_if(first.begin(), first.end(), [&](const RankedPassage& p) {
        return p.score > ranking[1].score;
    }));
}

// What a search reported for one document: its path and score, and its passages' keys and
// scores in the order given.
struct ReportedDocument {
    QString path;
    double score = 0;
    std::vector<RankedPassage> passages;
};

// Compares a search's answer for `limit` documents with up to `perDocument` passages each
// against the brute-force ranking. Ties are allowed to come in either order: the answer must
// hold min(limit, documents) distinct documents whose scores are the reference's best scores in
// order, each document's score must be its own best passage's, and its passages must be its
// best ones, each with its own score. Returns "" when they agree, else the first difference.
inline QString compareRanking(const std::vector<RankedDocument>& expected,
                              const std::vector<ReportedDocument>& reported, int limit,
                              int perDocument, double tolerance = 1e-5) {
    const std::size_t want = std::min(std::size_t(limit), expected.size());
    if (reported.size() != want)
        return QStringLiteral("%1 documents instead of %2").arg(reported.size()).arg(want);
    QHash<QString, const RankedDocument*> byPath;
    for (const RankedDocument& document : expected)
        byPath.insert(document.path, &document);
    QStringList seen;
    for (std::size_t i = 0; i < reported.size(); ++i) {
        const ReportedDocument& got = reported[i];
        const RankedDocument* truth = byPath.value(got.path);
        const QString where = QStringLiteral("result %1 (%2): ").arg(i).arg(got.path);
        if (!truth || seen.contains(got.path))
            return where + QStringLiteral("unknown or repeated document");
        seen << got.path;
        if (std::fabs(got.score - expected[i].score) > tolerance)
            return where + QStringLiteral("score %1, but the %2th best document scores %3")
                               .arg(got.score)
                               .arg(i + 1)
                               .arg(expected[i].score);
        if (std::fabs(got.score - truth->score) > tolerance)
            return where + QStringLiteral("score %1, but its best passage scores %2")
                               .arg(got.score)
                               .arg(truth->score);
        const std::size_t passages = std::min(std::size_t(perDocument), truth->passages.size());
        if (got.passages.size() != passages)
            return where + QStringLiteral("%1 passages instead of %2")
                               .arg(got.passages.size())
                               .arg(passages);
        for (std::size_t j = 0; j < passages; ++j) {
            const auto own =
                std::find_if(truth->passages.begin(), truth->passages.end(),
                             [&](const RankedPassage& p) { return p.key == got.passages[j].key; });
            if (own == truth->passages.end() ||
                std::fabs(own->score - got.passages[j].score) > tolerance ||
                std::fabs(truth->passages[j].score - got.passages[j].score) > tolerance)
                return where + QStringLiteral("passage %1 (%2, score %3) is not its %4th best "
                                              "(score %5)")
                                   .arg(j)
                                   .arg(got.passages[j].key)
                                   .arg(got.passages[j].score)
                                   .arg(j + 1)
                                   .arg(truth->passages[j].score);
        }
    }
    return QString();
}

} // namespace semsearch::test
