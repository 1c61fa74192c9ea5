// Search by keywords and by both meaning and keywords, with the tiny model (whose vectors are
// random, so anything these tests find by a word was found by the keyword index): the query
// language, rank fusion, identifiers, duplicates folding, "more like this" and keyword match
// ranges.

#include "model_folder_fixture.h"
#include "test_files.h"

#include "semsearch/indexer.h"
#include "semsearch/searcher.h"

#include "pipeline/rank_fusion.h"
#include "pipeline/search_query.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace semsearch;
using namespace semsearch::test;

namespace {

// Prose with many shared words and none of the rare ones the tests look for.
QByteArray prose(int seed) {
    static const char* const sentences[] = {
        "The committee met on a grey morning to discuss the budget.",
        "A small boat drifted along the river past the old mill.",
        "Fresh bread was sold at the market before the rain began.",
        "The children painted the fence while their parents watched.",
        "An engineer checked the bridge for cracks after the storm.",
        "The library stayed open late during the examination weeks.",
        "Farmers gathered the harvest and stored it in the barn.",
        "The orchestra rehearsed the symphony twice before the concert.",
    };
    QByteArray text;
    for (int i = 0; i < 3; ++i)
        text += QByteArray(sentences[(seed * 3 + i) % 8]) + ' ';
    return text + "Note " + QByteArray::number(seed) + ".\n"; // no two notes are identical
}

QStringList paths(const std::vector<DocumentHit>& hits) {
    QStringList list;
    for (const DocumentHit& hit : hits)
        list << QFileInfo(hit.path).fileName();
    return list;
}

} // namespace

class TestKeywordSearch : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_docs;
    std::unique_ptr<Embedder> m_embedder;
    std::unique_ptr<IndexFolder> m_index;

    // Indexes `files` (name -> content) into a fresh index.
    void indexFiles(const std::map<QString, QByteArray>& files) {
        const QString base = m_tmp.path() + QLatin1Char('/') + QTest::currentTestFunction();
        m_docs = base + QStringLiteral("/docs");
        for (const auto& [name, content] : files)
            QVERIFY(writeFile(m_docs + QLatin1Char('/') + name, content));
        auto index = IndexFolder::open(base + QStringLiteral("/index"), IndexFolder::Mode::Write);
        QVERIFY2(index.ok(), index ? "" : qPrintable(index.error().message));
        m_index = std::move(index).value();
        Indexer indexer(*m_index, *m_embedder);
        auto stats = indexer.run({m_docs});
        QVERIFY2(stats.ok(), stats ? "" : qPrintable(stats.error().message));
    }

    std::vector<DocumentHit> search(const QString& query, SearchMode mode, int limit = 10) {
        Searcher searcher(*m_index, *m_embedder);
        SearchOptions options;
        options.mode = mode;
        options.limit = limit;
        auto hits = searcher.searchDocuments(query, options);
        if (!hits) {
            qWarning() << hits.error().message;
            return {};
        }
        return std::move(hits).value();
    }

    // Passages found by keywords alone; fails the test on an error.
    std::vector<PassageHit> keywordPassages(const QString& query) {
        Searcher searcher(*m_index, *m_embedder);
        SearchOptions options;
        options.mode = SearchMode::Keyword;
        auto hits = searcher.searchPassages(query, options);
        if (!hits) {
            qWarning() << hits.error().message;
            return {};
        }
        return std::move(hits).value();
    }

    std::map<QString, QByteArray> corpus() {
        std::map<QString, QByteArray> files;
        for (int i = 0; i < 12; ++i)
            files[QStringLiteral("note%1.txt").arg(i, 2, 10, QLatin1Char('0'))] = prose(i);
        return files;
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_tmp.isValid());
        auto embedder = openEmbedder(tinyModelPath());
        QVERIFY(embedder.ok());
        m_embedder = std::move(embedder).value();
    }

    void parserReadsPhrasesExclusionsAndPlainWords() {
        const SearchQuery query =
            parseSearchQuery(QStringLiteral("error  \"disk full\" -backup x-ray -\"old news\""));
        QCOMPARE(query.words, (QStringList{QStringLiteral("error"), QStringLiteral("x-ray")}));
        QCOMPARE(query.phrases, QStringList{QStringLiteral("disk full")});
        QCOMPARE(query.excluded,
                 (QStringList{QStringLiteral("backup"), QStringLiteral("old news")}));
        QCOMPARE(query.semanticText, QStringLiteral("error disk full x-ray"));
        // No syntax: embedded as typed.
        QCOMPARE(parseSearchQuery(QStringLiteral("the note about backups")).semanticText,
                 QStringLiteral("the note about backups"));
        // Stray quotes and dashes are plain characters, never errors.
        const SearchQuery stray = parseSearchQuery(QStringLiteral("5\" screen - -- open"));
        QCOMPARE(stray.words, (QStringList{QStringLiteral("5"), QStringLiteral("screen"),
                                           QStringLiteral("open")}));
        QVERIFY(stray.phrases.isEmpty());
        QVERIFY(stray.excluded.isEmpty());
    }

    void fusionAddsReciprocalRanksAndPutsPhrasesFirst() {
        // semantic: 1 2 3; keyword: 3 4. Scores: 3 = 1/63 + 1/61, 1 = 1/61, 4 = 2 = 1/62 with
        // the tie to the keyword hit.
        auto fused = fuseRankings({1, 2, 3}, {3, 4});
        std::vector<std::int64_t> order;
        for (const FusedItem& item : fused)
            order.push_back(item.id);
        QCOMPARE(order, (std::vector<std::int64_t>{3, 1, 4, 2}));
        QVERIFY(std::fabs(fused[0].score - (1.0 / 63 + 1.0 / 61)) < 1e-12);
        // A phrase lifts an item above any score.
        auto lifted = fuseRankings({1, 2, 3}, {3, 4}, {{2, 1}});
        QCOMPARE(lifted.front().id, std::int64_t(2));
    }

    void rareWordRanksItsFileFirstInHybridMode() {
        auto files = corpus();
        files[QStringLiteral("note05.txt")] =
            prose(5) + "The xylophone was tuned by hand before the recital.\n";
        indexFiles(files);
        const QString query = QStringLiteral("xylophone tuning");
        // The tiny model's vectors are random: by meaning alone the file is not first.
        QVERIFY(paths(search(query, SearchMode::Semantic)).indexOf(QStringLiteral("note05.txt")) >
                0);
        QCOMPARE(paths(search(query, SearchMode::Hybrid)).value(0), QStringLiteral("note05.txt"));
        QCOMPARE(paths(search(query, SearchMode::Keyword)), QStringList{"note05.txt"});
        // A word in no document changes nothing about the keyword ranking.
        QCOMPARE(paths(search(QStringLiteral("xylophone qwzvtk"), SearchMode::Keyword)),
                 paths(search(QStringLiteral("xylophone"), SearchMode::Keyword)));
        QCOMPARE(paths(search(QStringLiteral("bridge qwzvtk"), SearchMode::Keyword)),
                 paths(search(QStringLiteral("bridge"), SearchMode::Keyword)));
    }

    void quotedPhraseFindsOnlyTheFileHoldingIt() {
        auto files = corpus();
        files[QStringLiteral("a.txt")] = "The storm came before the bridge was checked.\n";
        files[QStringLiteral("b.txt")] = "They checked the bridge after the storm.\n";
        files[QStringLiteral("c.txt")] = "Bridge, storm, after: words without order.\n";
        indexFiles(files);
        // The reference: the files whose text holds the phrase, found by plain byte search.
        QStringList holding;
        for (const auto& [name, content] : files)
            if (content.toLower().contains("after the storm"))
                holding << name;
        QVERIFY(holding.contains("b.txt") && !holding.contains("a.txt"));
        const QString phrase = QStringLiteral("\"after the storm\"");
        QVERIFY(search(QStringLiteral("after the storm"), SearchMode::Keyword, 20).size() >
                std::size_t(holding.size()));
        QStringList keyword = paths(search(phrase, SearchMode::Keyword, 20));
        keyword.sort();
        QCOMPARE(keyword, holding);
        const QStringList hybrid = paths(search(phrase, SearchMode::Hybrid, 20));
        QStringList first = hybrid.mid(0, holding.size());
        first.sort();
        QCOMPARE(first, holding);
        QVERIFY(hybrid.size() > holding.size()); // the rest still ranked by meaning, below
    }

    void excludedWordLeavesOutDocumentsInEveryMode() {
        auto files = corpus();
        files[QStringLiteral("zebra.txt")] = "The bridge near the zebra enclosure was painted.\n";
        indexFiles(files);
        for (SearchMode mode : {SearchMode::Hybrid, SearchMode::Semantic, SearchMode::Keyword}) {
            QVERIFY(paths(search(QStringLiteral("bridge"), mode, 20)).contains("zebra.txt"));
            const QStringList left = paths(search(QStringLiteral("bridge -Zebra"), mode, 20));
            QVERIFY(!left.isEmpty());
            QVERIFY2(!left.contains("zebra.txt"), qPrintable(left.join(' ')));
        }
        // The limit still counts results that are there: excluded ones take no place.
        QCOMPARE(search(QStringLiteral("bridge -zebra"), SearchMode::Semantic, 12).size(),
                 std::size_t(12));
    }

    void identifiersAreFoundWholeAndByTheirParts() {
        auto files = corpus();
        files[QStringLiteral("code.txt")] =
            "Call parse_config_file, then HttpServerFactory; fixed in v1.2.3. Quite an élan.\n";
        files[QStringLiteral("prose.txt")] =
            "Parse the config file, start the http server factory, version v1 2 3.\n";
        indexFiles(files);
        auto keyword = [&](const char* query) {
            QStringList found = paths(search(QString::fromUtf8(query), SearchMode::Keyword));
            found.sort();
            return found;
        };
        const QStringList code{"code.txt"};
        const QStringList both{"code.txt", "prose.txt"};
        QCOMPARE(keyword("parse_config_file"), code);
        QCOMPARE(keyword("HttpServerFactory"), code);
        QCOMPARE(keyword("httpserverfactory"), code);
        QCOMPARE(keyword("v1.2.3"), code);
        QCOMPARE(keyword("config"), both);
        QCOMPARE(keyword("server"), both);
        QCOMPARE(keyword("ÉLAN"), code);
        QCOMPARE(keyword("end."), QStringList{}); // "end" is in no file
    }

    void strayQuotesAndDashesAreNeverAnError() {
        indexFiles(corpus());
        Searcher searcher(*m_index, *m_embedder);
        for (const char* query : {"\"", "\"unclosed bridge", "-", "--", "a - b", "\"\"", "-\"",
                                  "***", "bridge\"", "-bridge", "\"\" -"}) {
            for (SearchMode mode :
                 {SearchMode::Hybrid, SearchMode::Semantic, SearchMode::Keyword}) {
                SearchOptions options;
                options.mode = mode;
                auto documents = searcher.searchDocuments(QString::fromUtf8(query), options);
                QVERIFY2(documents.ok(), query);
                auto passages = searcher.searchPassages(QString::fromUtf8(query), options);
                QVERIFY2(passages.ok(), query);
            }
        }
        QCOMPARE(paths(search(QStringLiteral("\"unclosed bridge"), SearchMode::Keyword)),
                 paths(search(QStringLiteral("unclosed bridge"), SearchMode::Keyword)));
    }

    void identicalCopiesFoldIntoOneResult() {
        auto files = corpus();
        files[QStringLiteral("x/report.txt")] = "Quarterly report on the lighthouse repairs.\n";
        files[QStringLiteral("y/report copy.txt")] = files[QStringLiteral("x/report.txt")];
        files[QStringLiteral("z/report.txt")] = files[QStringLiteral("x/report.txt")];
        indexFiles(files);
        for (SearchMode mode : {SearchMode::Hybrid, SearchMode::Semantic, SearchMode::Keyword}) {
            const auto hits = search(QStringLiteral("lighthouse report"), mode, 15);
            int reports = 0;
            for (const DocumentHit& hit : hits) {
                if (!hit.path.contains(QLatin1String("report")))
                    continue;
                ++reports;
                QStringList all = hit.duplicates;
                all << hit.path;
                all.sort();
                QCOMPARE(all, (QStringList{m_docs + "/x/report.txt", m_docs + "/y/report copy.txt",
                                           m_docs + "/z/report.txt"}));
                QVERIFY(std::is_sorted(hit.duplicates.begin(), hit.duplicates.end()));
            }
            QCOMPARE(reports, 1);
            if (mode != SearchMode::Keyword)
                QCOMPARE(hits.size(), std::size_t(13)); // 12 notes and the report, once
        }
    }

    void moreLikeThisRanksANearCopyFirstAndNeverTheFile() {
        auto files = corpus();
        QByteArray base;
        for (int i = 0; i < 6; ++i)
            base += prose(i) + '\n';
        files[QStringLiteral("base.txt")] = base;
        files[QStringLiteral("copy/base.txt")] = base;
        files[QStringLiteral("near.txt")] = base + "One more line about the weather.\n";
        indexFiles(files);
        Searcher searcher(*m_index, *m_embedder);
        auto like = searcher.similarDocuments(m_docs + QStringLiteral("/base.txt"));
        QVERIFY2(like.ok(), like ? "" : qPrintable(like.error().message));
        QVERIFY(!like->empty());
        QCOMPARE(like->front().path, m_docs + QStringLiteral("/near.txt"));
        for (const DocumentHit& hit : *like) {
            QVERIFY(!hit.path.endsWith(QLatin1String("/base.txt")));
            QVERIFY(!hit.duplicates.join(' ').contains(QLatin1String("base.txt")));
        }
        // A file that is not indexed is read and embedded as the indexer would.
        const QString outside = m_tmp.path() + QStringLiteral("/outside.txt");
        QVERIFY(writeFile(outside, base + "A different last line entirely.\n"));
        auto fromOutside = searcher.similarDocuments(outside);
        QVERIFY(fromOutside.ok());
        QVERIFY(fromOutside->front().score > 0.99f);
        QVERIFY(fromOutside->front().path.endsWith(QLatin1String("base.txt")) ||
                fromOutside->front().path.endsWith(QLatin1String("near.txt")));
        auto missing = searcher.similarDocuments(m_tmp.path() + QStringLiteral("/nope.txt"));
        QVERIFY(!missing.ok());
        QVERIFY(missing.error().message.contains(QLatin1String("nope.txt")));
    }

    // A word in most passages ("the") is left out of the ranking while a rarer one remains,
    // and so it is not marked either: marked everywhere, it would hide the match that counts.
    void wordsTooCommonToRankAreNotMarked() {
        auto files = corpus();
        files[QStringLiteral("zebra.txt")] = "The zebra crossed the road.\n";
        indexFiles(files);
        const auto hits = keywordPassages(QStringLiteral("the zebra"));
        QCOMPARE(hits.size(), std::size_t(1));
        const PassageHit& hit = hits.front();
        QCOMPARE(hit.keywordMatches.size(), std::size_t(1));
        const KeywordMatch& match = hit.keywordMatches.front();
        QCOMPARE(hit.text.mid(match.start, match.end - match.start), QStringLiteral("zebra"));
        // Alone, the common word is what the user asked for, and is marked.
        const auto alone = keywordPassages(QStringLiteral("the"));
        QVERIFY(!alone.empty());
        QVERIFY(!alone.front().keywordMatches.empty());
    }

    void keywordMatchesAreTextPositionsAndFileByteOffsets() {
        auto files = corpus();
        files[QStringLiteral("utf8.txt")] = "Caf\xc3\xa9 na\xc3\xafve: the Zebra and the zebra.\n";
        files[QStringLiteral("latin1.txt")] = "\xe9t\xe9 \xe0 la plage, zebra crossing.\n";
        indexFiles(files);
        const auto hits = keywordPassages(QStringLiteral("zebra"));
        QCOMPARE(hits.size(), std::size_t(2));
        for (const PassageHit& hit : hits) {
            const QByteArray bytes = readFile(hit.path);
            const int expected = hit.path.endsWith(QLatin1String("utf8.txt")) ? 2 : 1;
            QCOMPARE(int(hit.keywordMatches.size()), expected);
            for (const KeywordMatch& match : hit.keywordMatches) {
                QCOMPARE(hit.text.mid(match.start, match.end - match.start).toLower(),
                         QStringLiteral("zebra"));
                QCOMPARE(bytes.mid(match.byteStart, match.byteEnd - match.byteStart).toLower(),
                         QByteArray("zebra"));
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestKeywordSearch)
#include "test_keyword_search.moc"
