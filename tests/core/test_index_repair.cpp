// An index folder with a damaged database: writers refuse before their first write, verify
// reports, and verify with repair keeps what can be kept, says what it lost, and leaves an index
// that the next run makes equal to a clean one. Damage is planted through a raw SQLite
// connection or by overwriting pages, as a failing disk or another program would.

#include "clean_index_comparison.h"
#include "reference_data.h"
#include "test_files.h"

#include "semsearch/indexer.h"

#include <sqlite3.h>

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstring>
#include <limits>

using namespace semsearch;
using namespace semsearch::test;

namespace {

// Runs one statement on a raw connection; false when it fails.
bool execRaw(const QString& database, const QByteArray& sql) {
    sqlite3* db = nullptr;
    bool ok = sqlite3_open(QFile::encodeName(database).constData(), &db) == SQLITE_OK &&
              sqlite3_exec(db, sql.constData(), nullptr, nullptr, nullptr) == SQLITE_OK;
    sqlite3_close(db);
    return ok;
}

// The number of the first page of `name`'s pages of type `type` (dbstat), 0 if none.
int firstPageOf(const QString& database, const char* name, const char* type) {
    sqlite3* db = nullptr;
    sqlite3_stmt* statement = nullptr;
    int page = 0;
    if (sqlite3_open(QFile::encodeName(database).constData(), &db) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT min(pageno) FROM dbstat WHERE name = ?1 AND pagetype = ?2",
                           -1, &statement, nullptr) == SQLITE_OK) {
        sqlite3_bind_text(statement, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(statement, 2, type, -1, SQLITE_STATIC);
        if (sqlite3_step(statement) == SQLITE_ROW)
            page = sqlite3_column_int(statement, 0);
    }
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return page;
}

// Overwrites page `page` (4096 bytes) with 0xFF: no valid b-tree page.
bool damagePage(const QString& database, int page) {
    QFile file(database);
    return page > 1 && file.open(QIODevice::ReadWrite) && file.seek(qint64(page - 1) * 4096) &&
           file.write(QByteArray(4096, '\xff')) == 4096;
}

} // namespace

class TestIndexRepair : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_docs;
    QString m_indexDir;
    std::unique_ptr<Embedder> m_embedder;

    std::unique_ptr<IndexFolder> open() {
        auto index = IndexFolder::open(m_indexDir, IndexFolder::Mode::Write);
        if (!index)
            qWarning("%s", qPrintable(index.error().message));
        return index ? std::move(index).value() : nullptr;
    }

    void indexDocs(IndexFolder& index) {
        Indexer indexer(index, *m_embedder);
        auto stats = indexer.run({m_docs});
        QVERIFY2(stats.ok(), stats ? "" : qPrintable(stats.error().message));
    }

    // Makes the first value of every vector of `path`'s document a NaN, behind the store's back
    // (its vector generation stays, so the saved cache still loads).
    void plantNaN(const QString& path) {
        const float nan = std::numeric_limits<float>::quiet_NaN();
        QByteArray bytes(4, '\0');
        std::memcpy(bytes.data(), &nan, 4);
        QVERIFY(execRaw(m_indexDir + QStringLiteral("/index.sqlite"),
                        "UPDATE passages SET vector = CAST(x'" + bytes.toHex() +
                            "' || substr(vector, 5) AS BLOB) WHERE document_id = (SELECT id "
                            "FROM documents WHERE path = '" +
                            path.toUtf8() + "')"));
    }

private Q_SLOTS:
    void init() {
        QVERIFY(m_tmp.isValid());
        const QString base = m_tmp.path() + QLatin1Char('/') + QTest::currentTestFunction();
        m_docs = base + QStringLiteral("/docs");
        m_indexDir = base + QStringLiteral("/index");
        for (int i = 0; i < 6; ++i)
            QVERIFY(writeFile(m_docs + QStringLiteral("/note%1.txt").arg(i),
                              "Note " + QByteArray::number(i) +
                                  " is about the garden. The roses need water.\n"));
        auto embedder = openEmbedder(tinyModelPath());
        QVERIFY(embedder.ok());
        m_embedder = std::move(embedder).value();
        auto index = open();
        QVERIFY(index);
        indexDocs(*index);
    }

    // Writing into a damaged database would make it worse: both writers refuse at once and
    // leave the file as it is.
    void writersRefuseADamagedDatabase() {
        const QString database = m_indexDir + QStringLiteral("/index.sqlite");
        QVERIFY(damagePage(database, firstPageOf(database, "documents", "leaf")));
        const QByteArray damaged = readFile(database);
        auto index = open();
        QVERIFY(index);
        Indexer indexer(*index, *m_embedder);
        auto stats = indexer.run({m_docs});
        QVERIFY(!stats.ok());
        QCOMPARE(int(stats.error().code), int(ErrorCode::Corrupt));
        QVERIFY2(stats.error().message.contains(database) &&
                     stats.error().message.contains(QStringLiteral("nothing was written")) &&
                     stats.error().message.contains(QStringLiteral("verify --repair")),
                 qPrintable(stats.error().message));
        auto removed = Indexer::removeFrom(*index, {m_docs});
        QVERIFY(!removed.ok());
        QCOMPARE(int(removed.error().code), int(ErrorCode::Corrupt));
        index.reset();
        QVERIFY(readFile(database) == damaged);
    }

    // A file with the content of a document whose stored vectors are damaged is embedded, not
    // given the damaged vectors (which the vector cache refuses, failing the run).
    void damagedVectorsAreNotReused() {
        plantNaN(m_docs + QStringLiteral("/note3.txt"));
        QVERIFY(QFile::copy(m_docs + QStringLiteral("/note3.txt"),
                            m_docs + QStringLiteral("/copy.txt")));
        auto index = open();
        QVERIFY(index);
        Indexer indexer(*index, *m_embedder);
        auto stats = indexer.run({m_docs + QStringLiteral("/copy.txt")});
        QVERIFY2(stats.ok(), stats ? "" : qPrintable(stats.error().message));
        QCOMPARE(stats->filesAdded, 1);
        QCOMPARE(stats->filesReused, 0);
    }

    // Bytes damaged inside a vector can still read as a valid blob; NaN or infinity then stops
    // every vector cache from being built. verify names the document; repair removes it and
    // the next run indexes it again.
    void vectorWithNaNIsFoundAndRepaired() {
        const QString victim = m_docs + QStringLiteral("/note3.txt");
        plantNaN(victim);
        {
            auto reader = IndexFolder::open(m_indexDir, IndexFolder::Mode::Read);
            QVERIFY(reader.ok());
            auto report = (*reader)->verify(false);
            QVERIFY(report.ok());
            QVERIFY(!report->ok());
            QVERIFY2(report->problems.join(QLatin1Char('\n')).contains(victim),
                     qPrintable(report->problems.join(QLatin1Char('\n'))));
        }
        auto index = open();
        QVERIFY(index);
        auto repaired = index->verify(true);
        QVERIFY2(repaired.ok(), repaired ? "" : qPrintable(repaired.error().message));
        QVERIFY2(repaired->ok(), qPrintable(repaired->problems.join(QLatin1Char('\n'))));
        QCOMPARE(repaired->losses.size(), 1);
        QVERIFY(repaired->losses.front().contains(victim));
        QVERIFY(repaired->vectorCacheRebuilt);
        auto again = index->verify(false);
        QVERIFY(again.ok() && again->ok() && again->losses.isEmpty());

        indexDocs(*index);
        const QStringList differences = differencesFromCleanIndex(*index, {m_docs}, *m_embedder);
        QVERIFY2(differences.isEmpty(), qPrintable(differences.join(QLatin1Char('\n'))));
    }

    // A page of the passages overwritten: repair salvages the rest, keeps the damaged file,
    // and the next run restores the lost documents.
    void damagedPageIsSalvagedAndTheNextRunCompletesIt() {
        const QString database = m_indexDir + QStringLiteral("/index.sqlite");
        QVERIFY(damagePage(database, firstPageOf(database, "passages", "leaf")));
        const QByteArray damaged = readFile(database);
        auto index = open();
        QVERIFY(index);
        auto report = index->verify(true);
        QVERIFY2(report.ok(), report ? "" : qPrintable(report.error().message));
        QVERIFY2(report->ok(), qPrintable(report->problems.join(QLatin1Char('\n'))));
        QVERIFY2(!report->repairs.isEmpty() &&
                     report->repairs.front().contains(QStringLiteral("index.sqlite.damaged")),
                 qPrintable(report->repairs.join(QLatin1Char('\n'))));
        QVERIFY(readFile(database + QStringLiteral(".damaged")) == damaged);
        QVERIFY(index->checkBeforeWriting().ok());

        indexDocs(*index);
        auto verified = index->verify(false);
        QVERIFY(verified.ok() && verified->ok());
        const QStringList differences = differencesFromCleanIndex(*index, {m_docs}, *m_embedder);
        QVERIFY2(differences.isEmpty(), qPrintable(differences.join(QLatin1Char('\n'))));
    }
};

QTEST_GUILESS_MAIN(TestIndexRepair)
#include "test_index_repair.moc"
