// Indexing and searching end to end with the tiny model: incremental updates, renames,
// deletions, cancellation, the vector cache as a cache, and exact passage search.

#include "brute_force_ranking.h"
#include "counting_embedder.h"
#include "model_folder_fixture.h"
#include "reference_data.h"
#include "stored_passages.h"
#include "test_files.h"

#include "semsearch/indexer.h"
#include "semsearch/searcher.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace semsearch;
using namespace semsearch::test;

namespace {

// Sets a file's mtime explicitly: tests run faster than the file system's clock ticks.
void setModified(const QString& path, const QDateTime& when) {
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadWrite));
    QVERIFY(file.setFileTime(when, QFileDevice::FileModificationTime));
}

const QByteArray kCats =
    "Cats sleep for most of the day. They like warm places near the window.\n\n"
    "A cat purrs when it is content.\n";
const QByteArray kTaxes = "The tax return is due at the end of April. Keep the receipts for "
                          "seven years.\n";
const QByteArray kRecipe = "Whisk the eggs with sugar until pale. Fold in the flour gently.\n"
                           "Bake for twenty minutes.\n";

// `count` paragraphs (one passage each) that say nearly what `query` says, so that their
// passages outrank every other document's best by far.
QByteArray echoes(const QByteArray& query, int count) {
    QByteArray text;
    for (int i = 0; i < count; ++i)
        text += query + " Entry " + QByteArray::number(i) + ".\n\n";
    return text;
}

// A search's documents as the brute-force comparison reads them, passages keyed by their id.
std::vector<ReportedDocument> reported(const std::vector<DocumentHit>& hits) {
    std::vector<ReportedDocument> documents;
    for (const DocumentHit& hit : hits) {
        documents.push_back({hit.path, hit.score, {}});
        for (const PassageHit& passage : hit.passages)
            documents.back().passages.push_back(
                {QString::number(passage.passageId), passage.score});
    }
    return documents;
}

} // namespace

class TestIndexer : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_docs;
    QString m_indexDir;
    std::unique_ptr<CountingEmbedder> m_embedder;

    std::unique_ptr<IndexFolder> openIndex(IndexFolder::Mode mode = IndexFolder::Mode::Write) {
        auto index = IndexFolder::open(m_indexDir, mode);
        if (!index)
            qWarning() << index.error().message;
        return index ? std::move(index).value() : nullptr;
    }

    // Indexes m_docs; a failed run fails the test.
    IndexStats indexAll(IndexFolder& index, IndexOptions options = {}) {
        Indexer indexer(index, *m_embedder, options);
        auto stats = indexer.run({m_docs});
        if (!stats) {
            QTest::qFail(qPrintable(QStringLiteral("indexing failed: ") + stats.error().message),
                         __FILE__, __LINE__);
            return IndexStats{};
        }
        return *stats;
    }

private Q_SLOTS:
    void init() {
        QVERIFY(m_tmp.isValid());
        const QString base = m_tmp.path() + QLatin1Char('/') + QTest::currentTestFunction();
        m_docs = base + QStringLiteral("/docs");
        m_indexDir = base + QStringLiteral("/index");
        QVERIFY(writeFile(m_docs + QStringLiteral("/cats.txt"), kCats));
        QVERIFY(writeFile(m_docs + QStringLiteral("/notes/taxes.md"), kTaxes));
        QVERIFY(writeFile(m_docs + QStringLiteral("/notes/recipe.txt"), kRecipe));
        auto embedder = openEmbedder(tinyModelPath());
        QVERIFY(embedder.ok());
        m_embedder = std::make_unique<CountingEmbedder>(std::move(embedder).value());
    }

    void indexesAndFindsPassagesWithExactByteRanges() {
        auto index = openIndex();
        QVERIFY(index);
        const IndexStats stats = indexAll(*index);
        QCOMPARE(stats.filesSeen, 3);
        QCOMPARE(stats.filesAdded, 3);
        QVERIFY(stats.passagesEmbedded >= 3);
        QCOMPARE(qsizetype(stats.passagesEmbedded), m_embedder->textsEmbedded());

        Searcher searcher(*index, *m_embedder);
        SearchOptions options;
        options.limit = 100;
        auto hits = searcher.searchPassages(QStringLiteral("sleeping cats"), options);
        QVERIFY(hits.ok());
        QCOMPARE(qint64(hits->size()), stats.passagesEmbedded);
        for (const PassageHit& hit : *hits) {
            // The byte range, cut from the file itself, is the passage text.
            const QByteArray bytes = readFile(hit.path);
            QCOMPARE(QString::fromUtf8(bytes.mid(hit.byteStart, hit.byteEnd - hit.byteStart)),
                     hit.text);
            QCOMPARE(bytes.left(hit.byteStart).count('\n') + 1, hit.line);
        }
    }

    void secondRunEmbedsNothing() {
        auto index = openIndex();
        QVERIFY(index);
        indexAll(*index);
        m_embedder->resetCount();
        const IndexStats again = indexAll(*index);
        QCOMPARE(again.filesUnchanged, 3);
        QCOMPARE(again.passagesEmbedded, 0);
        QCOMPARE(m_embedder->textsEmbedded(), 0);
    }

    void changedFileIsReembeddedAlone() {
        auto index = openIndex();
        QVERIFY(index);
        indexAll(*index);
        m_embedder->resetCount();
        const QString recipe = m_docs + QStringLiteral("/notes/recipe.txt");
        QVERIFY(writeFile(recipe, kRecipe + "Let it cool before slicing.\n"));
        setModified(recipe, QDateTime::currentDateTime().addSecs(60));
        // A touched file with the same content is not embedded either.
        setModified(m_docs + QStringLiteral("/cats.txt"), QDateTime::currentDateTime().addSecs(90));

        const IndexStats stats = indexAll(*index);
        QCOMPARE(stats.filesUpdated, 1);
        QCOMPARE(stats.filesUnchanged, 2);
        auto document = index->store().documents().find(recipe);
        QVERIFY(document.ok() && document->has_value());
        QCOMPARE(qint64(m_embedder->textsEmbedded()), qint64((*document)->passageCount));
        QCOMPARE(stats.passagesEmbedded, (*document)->passageCount);
    }

    void renamedFileReusesItsVectors() {
        auto index = openIndex();
        QVERIFY(index);
        indexAll(*index);
        m_embedder->resetCount();
        QVERIFY(QFile::rename(m_docs + QStringLiteral("/cats.txt"),
                              m_docs + QStringLiteral("/pets.txt")));
        const IndexStats stats = indexAll(*index);
        QCOMPARE(stats.filesReused, 1);
        QCOMPARE(stats.filesRemoved, 1);
        QCOMPARE(m_embedder->textsEmbedded(), 0);
        auto old = index->store().documents().find(m_docs + QStringLiteral("/cats.txt"));
        QVERIFY(old.ok() && !old->has_value());

        Searcher searcher(*index, *m_embedder);
        auto hits = searcher.searchDocuments(QStringLiteral("a cat purrs"));
        QVERIFY(hits.ok());
        QStringList paths;
        for (const DocumentHit& hit : *hits)
            paths << hit.path;
        QVERIFY(paths.contains(m_docs + QStringLiteral("/pets.txt")));
        QVERIFY(!paths.contains(m_docs + QStringLiteral("/cats.txt")));
    }

    void deletedFileDisappearsFromResults() {
        auto index = openIndex();
        QVERIFY(index);
        indexAll(*index);
        QVERIFY(QFile::remove(m_docs + QStringLiteral("/notes/taxes.md")));
        const IndexStats stats = indexAll(*index);
        QCOMPARE(stats.filesRemoved, 1);
        Searcher searcher(*index, *m_embedder);
        SearchOptions options;
        options.limit = 100;
        auto hits = searcher.searchPassages(QStringLiteral("tax return receipts"), options);
        QVERIFY(hits.ok());
        QVERIFY(!hits->empty());
        for (const PassageHit& hit : *hits)
            QVERIFY(!hit.path.endsWith(QStringLiteral("taxes.md")));
    }

    void rebuiltVectorCacheGivesIdenticalResults() {
        std::vector<PassageHit> before;
        {
            auto index = openIndex();
            QVERIFY(index);
            indexAll(*index);
            Searcher searcher(*index, *m_embedder);
            auto hits = searcher.searchPassages(QStringLiteral("baking a cake"));
            QVERIFY(hits.ok());
            before = *hits;
            QVERIFY(!before.empty()); // else the comparison below would hold for nothing
            QVERIFY(QFile::exists(index->vectorIndexPath()));
        }
        QVERIFY(QFile::remove(m_indexDir + QStringLiteral("/vectors.faiss")));
        auto index = openIndex(IndexFolder::Mode::Read);
        QVERIFY(index);
        bool rebuilt = false;
        QVERIFY(index->vectors(&rebuilt).ok());
        QVERIFY(rebuilt);
        Searcher searcher(*index, *m_embedder);
        auto after = searcher.searchPassages(QStringLiteral("baking a cake"));
        QVERIFY(after.ok());
        QCOMPARE(after->size(), before.size());
        for (std::size_t i = 0; i < before.size(); ++i) {
            QCOMPARE(after->at(i).passageId, before[i].passageId);
            QCOMPARE(after->at(i).score, before[i].score);
        }
    }

    // Exact top-k: the same ids as a brute-force cosine over every stored vector.
    void passageSearchEqualsBruteForce() {
        auto index = openIndex();
        QVERIFY(index);
        for (int i = 0; i < 12; ++i)
            QVERIFY(writeFile(m_docs + QStringLiteral("/more/%1.txt").arg(i),
                              QByteArray("Note number ") + QByteArray::number(i) +
                                  " is about topic " + QByteArray::number(i * 7 % 5) +
                                  ". It has a second sentence.\n"));
        indexAll(*index);
        const QString query = QStringLiteral("a note about a topic");
        auto queryVector = m_embedder->embed({query});
        QVERIFY(queryVector.ok());
        std::vector<std::pair<double, std::int64_t>> expected;
        auto visited =
            index->store().documents().forEachVector([&](std::int64_t id, const float* v) {
                double dot = 0, nq = 0, nv = 0;
                for (std::size_t j = 0; j < queryVector->dim; ++j) {
                    dot += double(v[j]) * queryVector->values[j];
                    nq += double(queryVector->values[j]) * queryVector->values[j];
                    nv += double(v[j]) * v[j];
                }
                expected.emplace_back(-dot / std::sqrt(nq * nv), id);
                return true;
            });
        QVERIFY(visited.ok());
        std::sort(expected.begin(), expected.end());
        Searcher searcher(*index, *m_embedder);
        SearchOptions options;
        options.limit = 7;
        auto hits = searcher.searchPassages(query, options);
        QVERIFY(hits.ok());
        QCOMPARE(hits->size(), std::size_t(7));
        for (std::size_t i = 0; i < hits->size(); ++i) {
            QCOMPARE(hits->at(i).passageId, expected[i].second);
            QVERIFY(std::fabs(hits->at(i).score + expected[i].first) < 1e-5);
        }
    }

    // Document search against brute force over every stored vector: a document scores its best
    // passage. One document's hundreds of passages all outrank the other documents' best, and
    // must not hide them (a search that ranked only the first few dozen passages would return
    // that document alone).
    void documentSearchEqualsBruteForce_data() {
        QTest::addColumn<int>("limit");
        QTest::newRow("fewer than the documents") << 5;
        QTest::newRow("more than the documents") << 50;
    }
    void documentSearchEqualsBruteForce() {
        QFETCH(int, limit);
        const QByteArray query = "The lighthouse keeper counts the ships that pass at night.";
        QVERIFY(writeFile(m_docs + QStringLiteral("/keeper.txt"), echoes(query, 220)));
        for (int i = 0; i < 10; ++i)
            QVERIFY(writeFile(m_docs + QStringLiteral("/other/%1.txt").arg(i),
                              "Report " + QByteArray::number(i) + " covers harbour fees for " +
                                  QByteArray::number(1990 + i * 3) + ". It lists boats.\n"));
        auto index = openIndex();
        QVERIFY(index);
        indexAll(*index);

        auto queryVector = m_embedder->embed({QString::fromUtf8(query)});
        QVERIFY(queryVector.ok());
        auto stored = storedPassages(index->store());
        QVERIFY2(stored.ok(), stored.ok() ? "" : qPrintable(stored.error().message));
        const std::vector<RankedDocument> expected = rankDocuments(*stored, queryVector->values);
        QCOMPARE(expected.size(), std::size_t(14));
        // The premise: the long document comes first, and far more of its passages than a
        // search would look at first outrank every other document.
        QCOMPARE(expected.front().path, m_docs + QStringLiteral("/keeper.txt"));
        QCOMPARE(expected.front().passages.size(), std::size_t(220));
        const std::size_t ahead = passagesAheadOfTheRest(expected);
        QVERIFY2(ahead >= 200, qPrintable(QString::number(ahead)));

        Searcher searcher(*index, *m_embedder);
        SearchOptions options;
        options.limit = limit;
        options.passagesPerDocument = 3;
        auto hits = searcher.searchDocuments(QString::fromUtf8(query), options);
        QVERIFY2(hits.ok(), hits.ok() ? "" : qPrintable(hits.error().message));
        const QString difference = compareRanking(expected, reported(*hits), limit, 3);
        QVERIFY2(difference.isEmpty(), qPrintable(difference));
    }

    void filtersNarrowTheSearch() {
        auto index = openIndex();
        QVERIFY(index);
        indexAll(*index);
        Searcher searcher(*index, *m_embedder);
        SearchOptions options;
        options.limit = 100;
        options.filter.extensions = {QStringLiteral("md")};
        auto hits = searcher.searchPassages(QStringLiteral("anything"), options);
        QVERIFY(hits.ok());
        QVERIFY(!hits->empty());
        for (const PassageHit& hit : *hits)
            QVERIFY(hit.path.endsWith(QStringLiteral(".md")));
        options.filter = {};
        options.filter.pathPrefix = m_docs + QStringLiteral("/notes");
        auto documents = searcher.searchDocuments(QStringLiteral("anything"), options);
        QVERIFY(documents.ok());
        QCOMPARE(documents->size(), std::size_t(2));
    }

    void binaryAndOversizedFilesAreSkippedWithReasons() {
        QVERIFY(writeFile(m_docs + QStringLiteral("/image.bin"), QByteArray("PNG\0\0\0data", 11)));
        QVERIFY(writeFile(m_docs + QStringLiteral("/big.txt"), QByteArray(2 * 1024 * 1024, 'a')));
        auto index = openIndex();
        QVERIFY(index);
        IndexOptions options;
        options.walk.maxFileBytes = 1024 * 1024;
        const IndexStats stats = indexAll(*index, options);
        QCOMPARE(stats.filesAdded, 3);
        QCOMPARE(stats.filesSkipped, 2);
        auto skipped = index->store().skipped().all();
        QVERIFY(skipped.ok());
        QCOMPARE(skipped->size(), std::size_t(2));
        QCOMPARE(skipped->at(0).path, m_docs + QStringLiteral("/big.txt"));
        QVERIFY2(skipped->at(0).reason.contains(QStringLiteral("larger")),
                 qPrintable(skipped->at(0).reason));
        QCOMPARE(skipped->at(1).path, m_docs + QStringLiteral("/image.bin"));
        QVERIFY2(skipped->at(1).reason.contains(QStringLiteral("binary")),
                 qPrintable(skipped->at(1).reason));
    }

    void anotherModelIsRefused() {
        auto index = openIndex();
        QVERIFY(index);
        indexAll(*index);
        ModelFolderCopy other;
        QVERIFY(other.setJson(QStringLiteral("1_Pooling/config.json"),
                              QStringLiteral("pooling_mode_max_tokens"), false));
        QVERIFY(other.setJson(QStringLiteral("1_Pooling/config.json"),
                              QStringLiteral("pooling_mode_mean_tokens"), true));
        auto otherEmbedder = openEmbedder(other.path());
        QVERIFY(otherEmbedder.ok());
        Indexer indexer(*index, **otherEmbedder);
        auto stats = indexer.run({m_docs});
        QVERIFY(!stats.ok());
        QCOMPARE(int(stats.error().code), int(ErrorCode::Mismatch));
        QVERIFY(stats.error().message.contains(QStringLiteral("max pooling")));
        auto counts = index->store().counts();
        QVERIFY(counts.ok());
        QCOMPARE(counts->documents, 3);
    }

    void secondWriterIsTurnedAway() {
        auto writer = openIndex();
        QVERIFY(writer);
        auto second = IndexFolder::open(m_indexDir, IndexFolder::Mode::Write);
        QVERIFY(!second.ok());
        QCOMPARE(int(second.error().code), int(ErrorCode::Busy));
        QVERIFY(second.error().message.contains(m_indexDir));
        // Readers are always welcome.
        indexAll(*writer);
        auto reader = IndexFolder::open(m_indexDir, IndexFolder::Mode::Read);
        QVERIFY(reader.ok());
    }

    void indexedPathsBecomeSources() {
        auto index = openIndex();
        QVERIFY(index);
        WorkControl control;
        control.cancel();
        Indexer indexer(*index, *m_embedder);
        auto cancelled = indexer.run({m_docs + QStringLiteral("/notes")}, {}, &control);
        QVERIFY(cancelled.ok());
        auto sources = index->store().sources().all();
        QVERIFY(sources.ok());
        QCOMPARE(sources->size(), std::size_t(1));
        QCOMPARE(sources->front().path, m_docs + QStringLiteral("/notes"));
        QCOMPARE(sources->front().indexedMs, 0); // the run did not complete

        const qint64 before = QDateTime::currentMSecsSinceEpoch();
        indexAll(*index); // the parent folder replaces it
        sources = index->store().sources().all();
        QVERIFY(sources.ok());
        QCOMPARE(sources->size(), std::size_t(1));
        QCOMPARE(sources->front().path, m_docs);
        QVERIFY(sources->front().indexedMs >= before);

        auto removed = Indexer::removeFrom(*index, {m_docs});
        QVERIFY(removed.ok());
        QCOMPARE(*removed, 3);
        sources = index->store().sources().all();
        QVERIFY(sources.ok());
        QVERIFY(sources->empty());
    }

    void readerCatchesUpWithoutRebuilding() {
        // Enough unchanged files that the change is a small part of the index.
        for (int i = 0; i < 20; ++i)
            QVERIFY(writeFile(m_docs + QStringLiteral("/more/%1.txt").arg(i),
                              "Note " + QByteArray::number(i) + " is about gardening.\n"));
        auto writer = openIndex();
        QVERIFY(writer);
        indexAll(*writer);
        auto opened = IndexFolder::open(m_indexDir, IndexFolder::Mode::Read);
        QVERIFY(opened.ok());
        IndexFolder& reader = **opened;
        auto first = reader.vectors();
        QVERIFY(first.ok());

        // The writer changes one file, adds one and deletes one, then commits.
        QVERIFY(writeFile(m_docs + QStringLiteral("/cats.txt"), kCats + "Kittens play.\n"));
        QVERIFY(writeFile(m_docs + QStringLiteral("/new.txt"), "Dogs bark at the mail.\n"));
        QVERIFY(QFile::remove(m_docs + QStringLiteral("/notes/taxes.md")));
        indexAll(*writer);

        bool rebuilt = true;
        auto caughtUp = reader.vectors(&rebuilt);
        QVERIFY(caughtUp.ok());
        QVERIFY(!rebuilt);
        // The reader now holds exactly the store's passages, with the store's vectors.
        auto storedIds = writer->store().documents().passageIds({});
        QVERIFY(storedIds.ok() && storedIds->size() > 20);
        QCOMPARE((*caughtUp)->ids(), *storedIds);
        auto writerVectors = writer->vectors();
        QVERIFY(writerVectors.ok());
        auto stored = writer->store().documents().vectorsOf(*storedIds);
        QVERIFY(stored.ok());
        const std::size_t dim = m_embedder->dimension();
        for (std::size_t i = 0; i < storedIds->size(); ++i) {
            auto best = (*caughtUp)->search(stored->data() + i * dim, 1);
            QVERIFY(best.ok());
            QCOMPARE(best->front().id, (*storedIds)[i]);
            QVERIFY(std::abs(best->front().score - 1.0f) < 1e-5f);
        }
    }

    void cancelledRunKeepsWhatWasCommittedAndResumes() {
        for (int i = 0; i < 30; ++i)
            QVERIFY(
                writeFile(m_docs + QStringLiteral("/many/%1.txt").arg(i, 2, 10, QLatin1Char('0')),
                          "File " + QByteArray::number(i) + " talks about something.\n"));
        auto index = openIndex();
        QVERIFY(index);
        IndexOptions options;
        options.filesPerBatch = 5;
        WorkControl control;
        int batches = 0;
        Indexer indexer(*index, *m_embedder, options);
        auto stats = indexer.run(
            {m_docs},
            [&](const IndexProgress& p) {
                if (p.stage == IndexProgress::Stage::Indexing && ++batches == 2)
                    control.cancel();
            },
            &control);
        QVERIFY(stats.ok());
        QVERIFY(stats->cancelled);
        QCOMPARE(stats->filesAdded, 10);
        auto report = index->verify(false);
        QVERIFY(report.ok());
        QVERIFY2(report->ok(), qPrintable(report->problems.join(QLatin1Char('\n'))));

        m_embedder->resetCount();
        const IndexStats resumed = indexAll(*index);
        QCOMPARE(resumed.filesAdded, 33 - 10);
        QCOMPARE(resumed.filesUnchanged, 10);
        auto counts = index->store().counts();
        QVERIFY(counts.ok());
        QCOMPARE(counts->documents, 33);
    }
};

QTEST_GUILESS_MAIN(TestIndexer)
#include "test_indexer.moc"
