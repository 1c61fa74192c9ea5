// Incremental indexing against a clean index of the same files: contents moved between files in
// one run (swaps, rotations, copies over files that change themselves), reuse that cannot be
// made, edits that keep a file's size, and the skipped-file records.

#include "clean_index_comparison.h"
#include "counting_embedder.h"
#include "reference_data.h"
#include "test_files.h"

#include "semsearch/indexer.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

using namespace semsearch;
using namespace semsearch::test;

namespace {

const QByteArray kAlpha = "Alpha particles are helium nuclei. They stop in a sheet of paper.\n";
const QByteArray kBeta = "Beta decay turns a neutron into a proton. An electron leaves.\n";
const QByteArray kGamma = "Gamma rays are light of very short wavelength. Lead stops them.\n";

} // namespace

class TestIndexerChanges : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_docs;
    QString m_indexDir;
    std::unique_ptr<CountingEmbedder> m_embedder;
    std::unique_ptr<Embedder> m_reference; // builds the clean indexes, uncounted
    std::unique_ptr<IndexFolder> m_index;
    qint64 m_clock = 0; // the next mtime handed out, in seconds since the epoch

    QString doc(const QString& name) const { return m_docs + QLatin1Char('/') + name; }

    // Writes `bytes` and gives the file an mtime no other write in this test had, so that a
    // change is never hidden by the file system's clock resolution.
    void put(const QString& name, const QByteArray& bytes) {
        QVERIFY(writeFile(doc(name), bytes));
        QFile file(doc(name));
        QVERIFY(file.open(QIODevice::ReadWrite));
        QVERIFY(file.setFileTime(QDateTime::fromSecsSinceEpoch(++m_clock),
                                 QFileDevice::FileModificationTime));
    }

    // One indexing run, which must succeed, then the index must verify and equal a clean index.
    IndexStats indexAndCompare() {
        Indexer indexer(*m_index, *m_embedder);
        auto stats = indexer.run({m_docs});
        if (!stats) {
            QTest::qFail(qPrintable(stats.error().message), __FILE__, __LINE__);
            return {};
        }
        auto report = m_index->verify(false);
        if (!report || !report->ok()) {
            QTest::qFail(report ? qPrintable(report->problems.join(u'\n'))
                                : qPrintable(report.error().message),
                         __FILE__, __LINE__);
            return {};
        }
        const QStringList differences = differencesFromCleanIndex(*m_index, {m_docs}, *m_reference);
        if (!differences.isEmpty())
            QTest::qFail(qPrintable(differences.join(u'\n')), __FILE__, __LINE__);
        return *stats;
    }

    // Rewrites the stored record of `name` as if its content had been read at `readAtMs` (and
    // had the hash `contentHash`, unless that is empty).
    void restamp(const QString& name, qint64 readAtMs, const QByteArray& contentHash = {}) {
        SqliteStore& store = m_index->store();
        auto found = store.documents().find(doc(name));
        QVERIFY(found.ok() && found->has_value());
        DocumentRecord record = **found;
        record.indexedAtMs = readAtMs;
        if (!contentHash.isEmpty())
            record.contentHash = contentHash;
        auto passages = store.documents().passagesOf(record.id);
        QVERIFY(passages.ok());
        std::vector<std::int64_t> ids;
        for (const PassageRecord& passage : *passages)
            ids.push_back(passage.id);
        auto vectors = store.documents().vectorsOf(ids);
        QVERIFY(vectors.ok());
        auto put = store.documents().put(record, *passages, *vectors);
        QVERIFY2(put.ok(), put ? "" : qPrintable(put.error().message));
    }

    // The file's times as stat(2) gives them, in ms.
    static qint64 changedMs(const QString& path) {
        return QFileInfo(path).metadataChangeTime().toMSecsSinceEpoch();
    }

private Q_SLOTS:
    void init() {
        QVERIFY(m_tmp.isValid());
        const QString base = m_tmp.path() + QLatin1Char('/') + QTest::currentTestFunction();
        m_docs = base + QStringLiteral("/docs");
        m_indexDir = base + QStringLiteral("/index");
        QVERIFY(QDir().mkpath(m_docs));
        m_clock = QDateTime::currentSecsSinceEpoch() - 100000;
        auto embedder = openEmbedder(tinyModelPath());
        QVERIFY(embedder.ok());
        m_embedder = std::make_unique<CountingEmbedder>(std::move(embedder).value());
        auto reference = openEmbedder(tinyModelPath());
        QVERIFY(reference.ok());
        m_reference = std::move(reference).value();
        auto index = IndexFolder::open(m_indexDir, IndexFolder::Mode::Write);
        QVERIFY2(index.ok(), index ? "" : qPrintable(index.error().message));
        m_index = std::move(index).value();
    }

    void cleanup() { m_index.reset(); }

    // The audit's case: the next run failed with "no document with id 1 to copy passages
    // from", and so did every later one.
    void swappedContentsReuseTheirVectors() {
        put(QStringLiteral("a.txt"), kAlpha);
        put(QStringLiteral("b.txt"), kBeta);
        indexAndCompare();
        put(QStringLiteral("a.txt"), kBeta);
        put(QStringLiteral("b.txt"), kAlpha);
        m_embedder->resetCount();
        const IndexStats stats = indexAndCompare();
        QCOMPARE(stats.filesReused, 2);
        QCOMPARE(m_embedder->textsEmbedded(), 0);
        // And the run after that has nothing to do.
        QCOMPARE(indexAndCompare().filesUnchanged, 2);
    }

    void rotatedContentsReuseTheirVectors() {
        put(QStringLiteral("a.txt"), kAlpha);
        put(QStringLiteral("b.txt"), kBeta);
        put(QStringLiteral("c.txt"), kGamma);
        indexAndCompare();
        put(QStringLiteral("a.txt"), kGamma);
        put(QStringLiteral("b.txt"), kAlpha);
        put(QStringLiteral("c.txt"), kBeta);
        m_embedder->resetCount();
        QCOMPARE(indexAndCompare().filesReused, 3);
        QCOMPARE(m_embedder->textsEmbedded(), 0);
    }

    void copyOverAFileThatThenChanges() {
        put(QStringLiteral("a.txt"), kAlpha);
        put(QStringLiteral("b.txt"), kBeta);
        indexAndCompare();
        put(QStringLiteral("b.txt"), kAlpha); // cp a.txt b.txt
        put(QStringLiteral("a.txt"), kGamma); // then a.txt is edited
        const IndexStats stats = indexAndCompare();
        QCOMPARE(stats.filesReused, 1);
        QCOMPARE(stats.filesUpdated, 1);
    }

    void emptyFileGainsTextWhileAnotherIsEmptied() {
        put(QStringLiteral("a.txt"), kAlpha);
        put(QStringLiteral("empty.txt"), QByteArray());
        indexAndCompare();
        put(QStringLiteral("empty.txt"), kAlpha);
        put(QStringLiteral("a.txt"), QByteArray());
        indexAndCompare();
        put(QStringLiteral("a.txt"), kAlpha);
        put(QStringLiteral("empty.txt"), QByteArray());
        indexAndCompare();
    }

    // The content's source is replaced by a binary file in the same batch: its vectors are
    // still there to reuse.
    void sourceOfAReuseTurnsBinary() {
        put(QStringLiteral("a.txt"), kAlpha);
        indexAndCompare();
        put(QStringLiteral("a.txt"), QByteArray("\0\1\2\3", 4));
        put(QStringLiteral("b.txt"), kAlpha);
        m_embedder->resetCount();
        QCOMPARE(indexAndCompare().filesReused, 1);
        QCOMPARE(m_embedder->textsEmbedded(), 0);
    }

    // Reuse within one batch: two new files with the same content are embedded once.
    void twinsInOneBatchAreEmbeddedOnce() {
        put(QStringLiteral("a.txt"), kAlpha);
        put(QStringLiteral("b.txt"), kAlpha);
        put(QStringLiteral("c.txt"), kBeta);
        const IndexStats stats = indexAndCompare();
        QCOMPARE(stats.filesAdded, 2);
        QCOMPARE(stats.filesReused, 1);
        auto document = m_index->store().documents().find(doc(QStringLiteral("c.txt")));
        QVERIFY(document.ok() && document->has_value());
        auto twin = m_index->store().documents().find(doc(QStringLiteral("a.txt")));
        QVERIFY(twin.ok() && twin->has_value());
        QCOMPARE(m_embedder->textsEmbedded(),
                 qsizetype((*document)->passageCount + (*twin)->passageCount));
    }

    // A skip record lasts as long as the file is skipped: not after it is gone or indexed.
    void skipRecordsFollowTheFiles() {
        put(QStringLiteral("a.txt"), kAlpha);
        put(QStringLiteral("blob.bin"), QByteArray("\0\1\2\3", 4));
        put(QStringLiteral("later.txt"), QByteArray("\0\1", 2));
        QCOMPARE(indexAndCompare().filesSkipped, 2);
        QVERIFY(QFile::remove(doc(QStringLiteral("blob.bin"))));
        put(QStringLiteral("later.txt"), kBeta);
        const IndexStats stats = indexAndCompare();
        QCOMPARE(stats.filesSkipped, 0);
        QCOMPARE(stats.filesAdded, 1);
        auto skipped = m_index->store().skipped().all();
        QVERIFY(skipped.ok());
        QVERIFY(skipped->empty());
    }

    // A file deleted while the run goes on is not recorded as skipped ("not found" stayed in
    // the list for good), and its document goes.
    void fileDeletedDuringTheRun() {
        put(QStringLiteral("a.txt"), kAlpha);
        put(QStringLiteral("b.txt"), kBeta);
        put(QStringLiteral("c.txt"), kGamma);
        indexAndCompare();
        put(QStringLiteral("a.txt"), kBeta + kGamma);
        put(QStringLiteral("c.txt"), kGamma + kAlpha);
        put(QStringLiteral("d.txt"), kAlpha + kBeta);
        IndexOptions options;
        options.filesPerBatch = 1;
        Indexer indexer(*m_index, *m_embedder, options);
        bool deleted = false;
        auto stats = indexer.run({m_docs}, [&](const IndexProgress& progress) {
            if (progress.stage == IndexProgress::Stage::Indexing && !deleted)
                deleted = QFile::remove(doc(QStringLiteral("c.txt"))) &&
                          QFile::remove(doc(QStringLiteral("d.txt")));
        });
        QVERIFY2(stats.ok(), stats ? "" : qPrintable(stats.error().message));
        QVERIFY(deleted);
        QCOMPARE(stats->filesSeen, 4);
        QCOMPARE(stats->filesUpdated, 1);
        QCOMPARE(stats->filesUnchanged, 1);
        QCOMPARE(stats->filesSkipped, 2);
        QCOMPARE(stats->filesRemoved, 1); // c.txt's document; d.txt had none
        auto skipped = m_index->store().skipped().all();
        QVERIFY(skipped.ok());
        QVERIFY(skipped->empty());
        indexAndCompare();
    }

    // added + updated + reused + unchanged + skipped = files seen, whatever the mix; a document
    // dropped because its file is gone counts as removed, apart from them.
    void countsAddUp() {
        put(QStringLiteral("a.txt"), kAlpha);
        put(QStringLiteral("b.txt"), kBeta);
        put(QStringLiteral(".hidden.txt"), kGamma);
        put(QStringLiteral("blob.bin"), QByteArray("\0\1\2\3", 4));
        put(QStringLiteral(".git/config"), kGamma);
        IndexStats stats = indexAndCompare();
        QCOMPARE(stats.filesSeen, 5);
        QCOMPARE(stats.filesAdded, 2);
        QCOMPARE(stats.filesSkipped, 3);

        put(QStringLiteral("a.txt"), QByteArray("\0\0", 2)); // now binary
        put(QStringLiteral("c.txt"), kBeta);                 // a copy
        QVERIFY(QFile::remove(doc(QStringLiteral("blob.bin"))));
        stats = indexAndCompare();
        QCOMPARE(stats.filesSeen, 5);
        QCOMPARE(stats.filesReused, 1);
        QCOMPARE(stats.filesUnchanged, 1);
        QCOMPARE(stats.filesSkipped, 3);
        QCOMPARE(stats.filesRemoved, 0);
        QCOMPARE(stats.filesAdded + stats.filesUpdated + stats.filesReused + stats.filesUnchanged +
                     stats.filesSkipped,
                 stats.filesSeen);

        QVERIFY(QFile::remove(doc(QStringLiteral("c.txt"))));
        stats = indexAndCompare();
        QCOMPARE(stats.filesSeen, 4);
        QCOMPARE(stats.filesRemoved, 1);
    }

    // An edit that keeps the size but not the mtime. (The audit planted "unchanged when the
    // size is" in a copy of the indexer and the whole suite passed.) The stored read time is
    // moved an hour on, so that only the times, not the closeness of the read, tell.
    void sameSizeEditWithANewMtime() {
        put(QStringLiteral("a.txt"), kAlpha);
        indexAndCompare();
        restamp(QStringLiteral("a.txt"), changedMs(doc(QStringLiteral("a.txt"))) + 3600000);
        QByteArray edited = kAlpha;
        edited.replace("helium", "hélum");
        QCOMPARE(edited.size(), kAlpha.size());
        put(QStringLiteral("a.txt"), edited);
        QCOMPARE(indexAndCompare().filesUpdated, 1);
    }

    // An edit that keeps the size and sets the mtime back (touch -d, a copy keeping times):
    // the status-change time moved, and no program can set that back.
    void sameSizeEditWithTheMtimeSetBack() {
        put(QStringLiteral("a.txt"), kAlpha);
        indexAndCompare();
        const QString path = doc(QStringLiteral("a.txt"));
        const QDateTime mtime = QFileInfo(path).lastModified();
        restamp(QStringLiteral("a.txt"), changedMs(path) + 3600000);
        QByteArray edited = kAlpha;
        edited.replace("paper", "glass");
        QVERIFY(writeFile(path, edited));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadWrite));
        QVERIFY(file.setFileTime(mtime, QFileDevice::FileModificationTime));
        file.close();
        QCOMPARE(QFileInfo(path).lastModified(), mtime);
        QCOMPARE(QFileInfo(path).size(), qint64(kAlpha.size()));
        QCOMPARE(indexAndCompare().filesUpdated, 1);
    }

    // An edit in the same clock tick as the read leaves size and both times as read. Made here
    // by giving the stored record another hash, as if the index had read the content before
    // that edit: a file changed within 3 s of its read is read again, so the run puts it right.
    void fileChangedCloseToItsReadIsReadAgain() {
        put(QStringLiteral("a.txt"), kAlpha);
        indexAndCompare();
        const qint64 changed = changedMs(doc(QStringLiteral("a.txt")));
        restamp(QStringLiteral("a.txt"), changed + 1000, QByteArray(32, 'x'));
        const IndexStats stats = indexAndCompare();
        QCOMPARE(stats.filesUpdated, 1);
        QCOMPARE(stats.bytesRead, qint64(kAlpha.size()));
    }

    // The other side of the rule: a file whose times lie well before its read is not read.
    void fileOlderThanItsReadIsNotRead() {
        put(QStringLiteral("a.txt"), kAlpha);
        indexAndCompare();
        const qint64 changed = changedMs(doc(QStringLiteral("a.txt")));
        restamp(QStringLiteral("a.txt"), changed + 3000, QByteArray(32, 'x'));
        Indexer indexer(*m_index, *m_embedder);
        auto stats = indexer.run({m_docs});
        QVERIFY(stats.ok());
        QCOMPARE(stats->filesUnchanged, 1);
        QCOMPARE(stats->bytesRead, 0);
        auto stored = m_index->store().documents().find(doc(QStringLiteral("a.txt")));
        QVERIFY(stored.ok() && stored->has_value());
        QCOMPARE((*stored)->contentHash, QByteArray(32, 'x')); // trusted, so never looked at
    }
};

QTEST_GUILESS_MAIN(TestIndexerChanges)
#include "test_indexer_changes.moc"
