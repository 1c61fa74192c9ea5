// SharedIndexSearcher against a private PostgreSQL 15 (postgres_server.h), the index written
// through SharedIndexBatch with vectors of the tiny model: results equal brute-force cosine over
// the vectors the test wrote; the cache fills once, then only applies the changes committed
// since (observable through opening() and cache.json's generation); a damaged, foreign or
// lagging cache is refilled or replayed with the same results, as is a cache of the earlier
// float32 format; inverted lists forced on a small index keep recall@10 against the brute force
// and take new passages without retraining; a read-only role searches.

#include "postgres_server.h"
#include "shared_index_writes.h"

#include "semsearch/faiss_compact_index.h"
#include "semsearch/faiss_vector_index.h"
#include "semsearch/shared_index_searcher.h"
#include "shared_index/pg_schema.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <set>

using namespace semsearch;
using namespace semsearch::test;

namespace {

QString tinyModelPath() {
    return QStringLiteral(SEMSEARCH_TEST_DATA "/tiny-bert-max");
}

// Twelve documents in two sources of two machines, three passages each, of distinct text.
std::vector<TestDocument> documentsUnder(const QString& source, int count, const QString& tag) {
    static const QStringList topics = {QStringLiteral("river boats and harbour cranes"),
                                       QStringLiteral("apple pie with cinnamon"),
                                       QStringLiteral("quantum spin of electrons"),
                                       QStringLiteral("the tax return deadline"),
                                       QStringLiteral("mountain hiking in the alps"),
                                       QStringLiteral("compiler warnings as errors"),
                                       QStringLiteral("violin lessons on tuesday"),
                                       QStringLiteral("garden tomatoes and basil")};
    std::vector<TestDocument> documents;
    for (int d = 0; d < count; ++d) {
        TestDocument document{source + QStringLiteral("/%1-%2.md").arg(tag).arg(d), {}};
        for (int p = 0; p < 3; ++p)
            document.passages << QStringLiteral("%1, note %2 part %3 (%4)")
                                     .arg(topics[(d * 3 + p) % topics.size()])
                                     .arg(d)
                                     .arg(p)
                                     .arg(tag);
        documents.push_back(document);
    }
    return documents;
}

QJsonObject cacheHeader(const QString& folder) {
    QFile file(folder + QStringLiteral("/cache.json"));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll()).object();
}

std::int64_t cachedGeneration(const QString& folder) {
    return cacheHeader(folder).value(QStringLiteral("generation")).toInteger(-1);
}

} // namespace

class TestSharedIndexSearcher : public QObject {
    Q_OBJECT

    std::unique_ptr<PostgresServer> m_server;
    std::unique_ptr<Embedder> m_embedder;
    WrittenIndex m_written;
    QString m_location;

    std::vector<float> queryVector(const QString& text) {
        auto vectors = m_embedder->embed({text});
        return vectors ? vectors->values : std::vector<float>();
    }

    // The searcher's top passages for `query` equal the brute force over what the test wrote
    // (restricted by `keep`): same ids in the same order, scores within 1e-5.
    void checkPassages(SharedIndexSearcher& searcher, const QString& query, int limit,
                       const SearchOptions& options = {},
                       const std::function<bool(const WrittenPassage&)>& keep = {}) {
        const std::vector<float> vector = queryVector(query);
        QVERIFY(!vector.empty());
        SearchOptions asked = options;
        asked.limit = limit;
        auto hits = searcher.searchPassagesByVector(vector.data(), asked);
        QVERIFY2(hits.ok(), hits ? "" : qPrintable(hits.error().message));
        const std::vector<RankedId> expected = bruteForce(m_written, vector, keep);
        QCOMPARE(hits->size(), std::min<std::size_t>(std::size_t(limit), expected.size()));
        for (std::size_t i = 0; i < hits->size(); ++i) {
            const PassageHit& hit = (*hits)[i];
            QCOMPARE(hit.passageId, expected[i].id);
            QVERIFY2(std::abs(hit.score - expected[i].score) < 1e-5,
                     qPrintable(QStringLiteral("%1 vs %2").arg(hit.score).arg(expected[i].score)));
            const WrittenPassage& written = m_written.at(hit.passageId);
            QCOMPARE(hit.path, written.path);
            QCOMPARE(hit.text, written.text);
            QCOMPARE(hit.machine, written.machine);
        }
    }

    // recall@10 of text queries against the brute force over the written vectors is at least
    // `minimum`, and every score returned is the exact cosine.
    void checkRecall(SharedIndexSearcher& searcher, double minimum) {
        std::size_t wanted = 0;
        std::size_t found = 0;
        for (const QString& text :
             {QStringLiteral("boats"), QStringLiteral("pie"), QStringLiteral("electrons"),
              QStringLiteral("tax"), QStringLiteral("hiking"), QStringLiteral("compiler"),
              QStringLiteral("violin"), QStringLiteral("tomatoes")}) {
            const std::vector<float> vector = queryVector(text);
            SearchOptions ten;
            ten.limit = 10;
            auto hits = searcher.searchPassagesByVector(vector.data(), ten);
            QVERIFY2(hits.ok(), hits ? "" : qPrintable(hits.error().message));
            const std::vector<RankedId> expected = bruteForce(m_written, vector);
            std::map<std::int64_t, double> exact;
            for (const RankedId& ranked : expected)
                exact[ranked.id] = ranked.score;
            for (std::size_t i = 0; i < 10 && i < expected.size(); ++i, ++wanted)
                for (const PassageHit& hit : *hits)
                    found += hit.passageId == expected[i].id ? 1 : 0;
            for (const PassageHit& hit : *hits)
                QVERIFY(std::abs(hit.score - exact.at(hit.passageId)) < 1e-5);
        }
        QVERIFY2(double(found) >= minimum * double(wanted),
                 qPrintable(QStringLiteral("%1 of %2").arg(found).arg(wanted)));
    }

    QString commit(const QString& machine, const QString& source,
                   const std::vector<TestDocument>& documents) {
        return commitDocuments(m_location, machine, source, documents, *m_embedder, m_written);
    }

private Q_SLOTS:
    void initTestCase() {
        m_server = std::make_unique<PostgresServer>();
        QVERIFY2(m_server->isRunning(), qPrintable(m_server->error()));
        QCOMPARE(m_server->runSql(QStringLiteral("CREATE DATABASE team; CREATE DATABASE empty")),
                 QString());
        m_location = m_server->location(QStringLiteral("team"));
        auto connection = PgConnection::open(m_location);
        QVERIFY2(connection.ok(), connection ? "" : qPrintable(connection.error().message));
        QVERIFY(migrateSharedIndex(*connection).ok());
        auto embedder = openEmbedder(tinyModelPath());
        QVERIFY2(embedder.ok(), embedder ? "" : qPrintable(embedder.error().message));
        m_embedder = std::move(embedder).value();
        QCOMPARE(commit(QStringLiteral("alpha"), QStringLiteral("/share/docs"),
                        documentsUnder(QStringLiteral("/share/docs"), 8, QStringLiteral("doc"))),
                 QString());
        QCOMPARE(commit(QStringLiteral("beta"), QStringLiteral("/share/notes"),
                        documentsUnder(QStringLiteral("/share/notes"), 4, QStringLiteral("note"))),
                 QString());
    }

    // A new cache is filled from the export, then searched; its top-k is the brute force's,
    // for every k, with and without a path filter; documents group the brute force by path.
    void searchEqualsBruteForce() {
        QTemporaryDir cache;
        auto searcher = SharedIndexSearcher::open(m_location, m_embedder.get(), cache.path());
        QVERIFY2(searcher.ok(), searcher ? "" : qPrintable(searcher.error().message));
        QCOMPARE((*searcher)->opening(), SharedIndexSearcher::Opening::Filled);
        QCOMPARE((*searcher)->size(), std::int64_t(m_written.size()));
        QCOMPARE((*searcher)->generation(), std::int64_t(2));
        QCOMPARE(cachedGeneration(cache.path()), std::int64_t(2));
        for (int limit : {1, 5, 10, 100})
            checkPassages(**searcher, QStringLiteral("boats in the harbour"), limit);
        SearchOptions underNotes;
        underNotes.filter.pathPrefix = QStringLiteral("/share/notes");
        checkPassages(**searcher, QStringLiteral("cinnamon pie"), 10, underNotes,
                      [](const WrittenPassage& passage) {
                          return passage.path.startsWith(QStringLiteral("/share/notes/"));
                      });

        // Extensions and dates: every document here is a .md file modified at 1000 ms.
        SearchOptions filtered;
        filtered.filter.extensions = {QStringLiteral("MD")};
        filtered.filter.modifiedBeforeMs = 1001;
        checkPassages(**searcher, QStringLiteral("tax deadline"), 10, filtered);
        for (const auto& exclude : {std::pair{QStringLiteral("txt"), std::int64_t(0)},
                                    std::pair{QStringLiteral("md"), std::int64_t(1001)}}) {
            SearchOptions none;
            none.filter.extensions = {exclude.first};
            none.filter.modifiedAfterMs = exclude.second;
            const std::vector<float> vector = queryVector(QStringLiteral("tax deadline"));
            auto hits = (*searcher)->searchPassagesByVector(vector.data(), none);
            QVERIFY(hits.ok());
            QVERIFY(hits->empty());
        }

        const std::vector<float> query = queryVector(QStringLiteral("electron spin"));
        SearchOptions options;
        options.limit = 4;
        options.passagesPerDocument = 2;
        auto documents = (*searcher)->searchDocumentsByVector(query.data(), options);
        QVERIFY(documents.ok());
        QStringList expectedPaths;
        std::map<QString, std::vector<std::int64_t>> expectedPassages;
        for (const RankedId& ranked : bruteForce(m_written, query)) {
            const QString& path = m_written.at(ranked.id).path;
            if (!expectedPaths.contains(path))
                expectedPaths << path;
            if (expectedPassages[path].size() < 2)
                expectedPassages[path].push_back(ranked.id);
        }
        QCOMPARE(documents->size(), std::size_t(4));
        for (std::size_t d = 0; d < documents->size(); ++d) {
            const DocumentHit& document = (*documents)[d];
            QCOMPARE(document.path, expectedPaths[qsizetype(d)]);
            QCOMPARE(document.passages.size(), std::size_t(2));
            for (std::size_t p = 0; p < 2; ++p)
                QCOMPARE(document.passages[p].passageId, expectedPassages[document.path][p]);
            QCOMPARE(document.score, document.passages[0].score);
        }

        auto again = SharedIndexSearcher::open(m_location, m_embedder.get(), cache.path());
        QVERIFY(again.ok());
        QCOMPARE((*again)->opening(), SharedIndexSearcher::Opening::UpToDate);
        QCOMPARE((*again)->size(), std::int64_t(m_written.size()));
    }

    // After a commit that adds a document, one that replaces one and one that removes one, a
    // searcher opening the same cache applies exactly those three changes, as does catchUp() of
    // a searcher opened before them; both then find exactly the new state.
    void catchUpAppliesOnlyTheNewChanges() {
        QTemporaryDir cache;
        auto before = SharedIndexSearcher::open(m_location, m_embedder.get(), cache.path());
        QVERIFY(before.ok());
        const std::int64_t start = (*before)->generation();
        QCOMPARE(cachedGeneration(cache.path()), start);

        QCOMPARE(commit(QStringLiteral("beta"), QStringLiteral("/share/notes"),
                        {{QStringLiteral("/share/notes/new.md"),
                          {QStringLiteral("harbour cranes lifting boats"),
                           QStringLiteral("a brand new note about tax")}}}),
                 QString());
        QCOMPARE(commit(QStringLiteral("alpha"), QStringLiteral("/share/docs"),
                        {{QStringLiteral("/share/docs/doc-0.md"),
                          {QStringLiteral("the replaced text speaks of violins")}}}),
                 QString());
        QCOMPARE(removeDocument(m_location, QStringLiteral("alpha"), QStringLiteral("/share/docs"),
                                QStringLiteral("/share/docs/doc-1.md"), *m_embedder, m_written),
                 QString());

        auto after = SharedIndexSearcher::open(m_location, m_embedder.get(), cache.path());
        QVERIFY2(after.ok(), after ? "" : qPrintable(after.error().message));
        QCOMPARE((*after)->opening(), SharedIndexSearcher::Opening::CaughtUp);
        QCOMPARE((*after)->changesAppliedAtOpen(), 3);
        QCOMPARE((*after)->generation(), start + 3);
        QCOMPARE(cachedGeneration(cache.path()), start + 3);
        QCOMPARE((*after)->size(), std::int64_t(m_written.size()));
        checkPassages(**after, QStringLiteral("boats in the harbour"), 100);

        auto applied = (*before)->catchUp();
        QVERIFY(applied.ok());
        QCOMPARE(*applied, 3);
        QCOMPARE((*before)->generation(), start + 3);
        checkPassages(**before, QStringLiteral("violin"), 100);
        applied = (*before)->catchUp();
        QVERIFY(applied.ok());
        QCOMPARE(*applied, 0);
        // Whatever catchUp() left unsaved is saved when the searcher closes.
        QCOMPARE(commit(QStringLiteral("beta"), QStringLiteral("/share/notes"),
                        {{QStringLiteral("/share/notes/after.md"), {QStringLiteral("one more")}}}),
                 QString());
        applied = (*before)->catchUp();
        QVERIFY(applied.ok());
        QCOMPARE(*applied, 1);
        (*before).reset();
        QCOMPARE(cachedGeneration(cache.path()), start + 4);
    }

    // Garbage in either file, a cache of another model: refilled, results right. A cache.json
    // that lags its vectors (a crash between the two writes): the changes are applied again,
    // results right.
    void damagedForeignOrLaggingCacheIsRepaired() {
        QTemporaryDir cache;
        QVERIFY(SharedIndexSearcher::open(m_location, m_embedder.get(), cache.path()).ok());
        const QString vectors = cache.path() + QStringLiteral("/vectors.faiss");
        const QString header = cache.path() + QStringLiteral("/cache.json");
        QFile file(header);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray goodHeader = file.readAll();
        file.close();

        const auto reopen = [&](SharedIndexSearcher::Opening expected) {
            auto searcher = SharedIndexSearcher::open(m_location, m_embedder.get(), cache.path());
            QVERIFY2(searcher.ok(), searcher ? "" : qPrintable(searcher.error().message));
            QCOMPARE((*searcher)->opening(), expected);
            checkPassages(**searcher, QStringLiteral("garden tomatoes"), 100);
        };
        const auto overwrite = [](const QString& path, const QByteArray& bytes) {
            QFile target(path);
            QVERIFY(target.open(QIODevice::WriteOnly | QIODevice::Truncate));
            QCOMPARE(target.write(bytes), bytes.size());
        };
        overwrite(vectors, QByteArray(4000, '\x5a'));
        reopen(SharedIndexSearcher::Opening::Filled);
        overwrite(header, "{not json");
        reopen(SharedIndexSearcher::Opening::Filled);
        QJsonObject foreign = QJsonDocument::fromJson(goodHeader).object();
        QJsonObject model = foreign.value(QStringLiteral("model")).toObject();
        model.insert(QStringLiteral("fingerprint"), QStringLiteral("another-model"));
        foreign.insert(QStringLiteral("model"), model);
        overwrite(header, QJsonDocument(foreign).toJson());
        reopen(SharedIndexSearcher::Opening::Filled);

        // Lagging: the vectors of now, cache.json of two generations ago.
        QJsonObject lagging = QJsonDocument::fromJson(goodHeader).object();
        const std::int64_t now = lagging.value(QStringLiteral("generation")).toInteger();
        QVERIFY(now >= 2);
        lagging.insert(QStringLiteral("generation"), qint64(now - 2));
        overwrite(header, QJsonDocument(lagging).toJson());
        reopen(SharedIndexSearcher::Opening::CaughtUp);
        QCOMPARE(cachedGeneration(cache.path()), now);
    }

    // A cache folder of the earlier format (cache.json format 1 beside a float32
    // FaissVectorIndex, as the previous version saved it, here at the current generation) is
    // refilled, not an error, and saved in the compact format.
    void oldFormatCacheIsRefilled() {
        QTemporaryDir cache;
        QVERIFY(SharedIndexSearcher::open(m_location, m_embedder.get(), cache.path()).ok());
        QJsonObject header = cacheHeader(cache.path());
        QCOMPARE(header.value(QStringLiteral("format")).toInt(), 2);
        header.insert(QStringLiteral("format"), 1);
        header.remove(QStringLiteral("vectorIndex"));
        const int dimension = header.value(QStringLiteral("model"))
                                  .toObject()
                                  .value(QStringLiteral("dimension"))
                                  .toInt();
        auto old = FaissVectorIndex::create(dimension);
        QVERIFY(old.ok());
        for (const auto& [id, passage] : m_written)
            QVERIFY((*old)->add({id}, passage.vector.data()).ok());
        QVERIFY((*old)->save(cache.path() + QStringLiteral("/vectors.faiss")).ok());
        QFile file(cache.path() + QStringLiteral("/cache.json"));
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(QJsonDocument(header).toJson());
        file.close();

        auto searcher = SharedIndexSearcher::open(m_location, m_embedder.get(), cache.path());
        QVERIFY2(searcher.ok(), searcher ? "" : qPrintable(searcher.error().message));
        QCOMPARE((*searcher)->opening(), SharedIndexSearcher::Opening::Filled);
        checkPassages(**searcher, QStringLiteral("river boats"), 100);
        QCOMPARE(cacheHeader(cache.path()).value(QStringLiteral("format")).toInt(), 2);
        auto compact =
            FaissCompactIndex::load(cache.path() + QStringLiteral("/vectors.faiss"), dimension);
        QVERIFY2(compact.ok(), compact ? "" : qPrintable(compact.error().message));
        QCOMPARE((*compact)->size(), std::int64_t(m_written.size()));
    }

    // Inverted lists forced on this small index (approximateFrom below its size, one list
    // probed at first): the recall guard measures and retunes them, and recall@10 of text
    // queries against the brute force over the written vectors reaches the minimum; scores are
    // exact. A commit of a few passages is added to the lists (the measurement stays that of
    // the build), a reopened searcher loads the lists, and growth beyond regrowthFraction
    // builds and measures them again.
    void listsKeepRecallAndCatchUp() {
        QTemporaryDir cache;
        VectorIndexOptions options;
        options.approximateFrom = 16;
        options.testFirstProbes = 1;
        options.candidates = 10;
        auto searcher =
            SharedIndexSearcher::open(m_location, m_embedder.get(), cache.path(), options);
        QVERIFY2(searcher.ok(), searcher ? "" : qPrintable(searcher.error().message));
        const VectorIndexState state = (*searcher)->vectorIndexState();
        QCOMPARE(state.kind, VectorIndexState::Kind::Lists);
        QVERIFY(state.lists > 1);
        QVERIFY(state.recallAt10.has_value());
        QVERIFY(*state.recallAt10 >= options.minimumRecall);
        QCOMPARE(state.measuredAtPassages, std::int64_t(m_written.size()));

        checkRecall(**searcher, options.minimumRecall);

        QCOMPARE(commit(QStringLiteral("beta"), QStringLiteral("/share/notes"),
                        {{QStringLiteral("/share/notes/lists.md"),
                          {QStringLiteral("the harbour cranes of the lists")}}}),
                 QString());
        auto applied = (*searcher)->catchUp();
        QVERIFY(applied.ok());
        QCOMPARE(*applied, 1);
        QCOMPARE((*searcher)->size(), std::int64_t(m_written.size()));
        QCOMPARE((*searcher)->vectorIndexState().measuredAtPassages, state.measuredAtPassages);
        // Its own text finds the new passage first: it went into the list of its nearest centroid.
        const std::vector<float> own =
            queryVector(QStringLiteral("the harbour cranes of the lists"));
        SearchOptions one;
        one.limit = 1;
        auto first = (*searcher)->searchPassagesByVector(own.data(), one);
        QVERIFY(first.ok() && first->size() == 1);
        QCOMPARE(first->front().path, QStringLiteral("/share/notes/lists.md"));
        QVERIFY(std::abs(first->front().score - 1.0f) < 1e-5);
        (*searcher).reset();

        auto reopened =
            SharedIndexSearcher::open(m_location, m_embedder.get(), cache.path(), options);
        QVERIFY(reopened.ok());
        QCOMPARE((*reopened)->opening(), SharedIndexSearcher::Opening::UpToDate);
        QCOMPARE((*reopened)->vectorIndexState().kind, VectorIndexState::Kind::Lists);

        std::vector<TestDocument> more =
            documentsUnder(QStringLiteral("/share/notes"), 4, QStringLiteral("grown"));
        QCOMPARE(commit(QStringLiteral("beta"), QStringLiteral("/share/notes"), more), QString());
        QVERIFY((*reopened)->catchUp().ok());
        QCOMPARE((*reopened)->vectorIndexState().measuredAtPassages,
                 std::int64_t(m_written.size()));
        checkRecall(**reopened, options.minimumRecall);
    }

    // A role that may only read searches (filling its cache needs SELECT only); the wrong
    // model is refused naming both; a database without an index is NotFound.
    void readOnlyRoleModelAndMissingIndex() {
        QCOMPARE(m_server->runSql(
                     QStringLiteral("CREATE ROLE reader LOGIN; GRANT SELECT ON ALL TABLES IN "
                                    "SCHEMA public TO reader"),
                     QStringLiteral("team")),
                 QString());
        QTemporaryDir cache;
        auto reader = SharedIndexSearcher::open(
            m_server->location(QStringLiteral("team"), QStringLiteral("reader")), m_embedder.get(),
            cache.path());
        QVERIFY2(reader.ok(), reader ? "" : qPrintable(reader.error().message));
        checkPassages(**reader, QStringLiteral("compiler warnings"), 10);

        auto other = openEmbedder(QStringLiteral(SEMSEARCH_TEST_DATA "/tiny-bge-layout"));
        QVERIFY2(other.ok(), other ? "" : qPrintable(other.error().message));
        auto refused = SharedIndexSearcher::open(m_location, other->get(), cache.path());
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().code, ErrorCode::Mismatch);
        QVERIFY2(refused.error().message.contains(QStringLiteral("tiny-bert-max")) &&
                     refused.error().message.contains(QStringLiteral("tiny-bge-layout")),
                 qPrintable(refused.error().message));

        auto empty = SharedIndexSearcher::open(m_server->location(QStringLiteral("empty")),
                                               m_embedder.get(), cache.path());
        QVERIFY(!empty.ok());
        QCOMPARE(empty.error().code, ErrorCode::NotFound);
    }

    // Keyword search finds exactly the passages holding the word (plain string search over
    // what the test wrote), with no model too; hybrid puts them first (each is in both
    // rankings, the others only in one); -word leaves out every document holding it.
    void keywordsHybridAndExclusions() {
        QTemporaryDir cache;
        auto searcher = SharedIndexSearcher::open(m_location, m_embedder.get(), cache.path());
        QVERIFY(searcher.ok());
        std::set<std::int64_t> holding;
        std::set<QString> paths;
        std::set<QString> excludedPaths;
        for (const auto& [id, passage] : m_written) {
            paths.insert(passage.path);
            if (passage.text.contains(QStringLiteral("cinnamon")))
                holding.insert(id);
            if (passage.text.contains(QStringLiteral("alps")))
                excludedPaths.insert(passage.path);
        }
        QVERIFY(!holding.empty() && !excludedPaths.empty());
        const auto idsOf = [](const std::vector<PassageHit>& hits) {
            std::set<std::int64_t> ids;
            for (const PassageHit& hit : hits)
                ids.insert(hit.passageId);
            return ids;
        };
        SearchOptions keyword;
        keyword.mode = SearchMode::Keyword;
        keyword.limit = 1000;
        auto found = (*searcher)->searchPassages(QStringLiteral("Cinnamon"), keyword);
        QVERIFY2(found.ok(), found ? "" : qPrintable(found.error().message));
        QCOMPARE(idsOf(*found), holding);
        auto modelless = SharedIndexSearcher::open(m_location, nullptr, cache.path());
        QVERIFY(modelless.ok());
        auto withoutModel = (*modelless)->searchPassages(QStringLiteral("cinnamon"), keyword);
        QVERIFY(withoutModel.ok());
        QCOMPARE(idsOf(*withoutModel), holding);

        SearchOptions hybrid;
        hybrid.mode = SearchMode::Hybrid;
        hybrid.limit = int(holding.size());
        auto fused = (*searcher)->searchPassages(QStringLiteral("cinnamon"), hybrid);
        QVERIFY2(fused.ok(), fused ? "" : qPrintable(fused.error().message));
        QCOMPARE(idsOf(*fused), holding);

        for (SearchMode mode : {SearchMode::Semantic, SearchMode::Hybrid, SearchMode::Keyword}) {
            SearchOptions options;
            options.mode = mode;
            options.limit = 100;
            auto documents = (*searcher)->searchDocuments(QStringLiteral("hiking -alps"), options);
            QVERIFY2(documents.ok(), documents ? "" : qPrintable(documents.error().message));
            for (const DocumentHit& document : *documents)
                QVERIFY2(!excludedPaths.count(document.path), qPrintable(document.path));
            if (mode == SearchMode::Semantic)
                QCOMPARE(documents->size(), paths.size() - excludedPaths.size());
        }
    }
};

QTEST_GUILESS_MAIN(TestSharedIndexSearcher)
#include "test_shared_index_searcher.moc"
