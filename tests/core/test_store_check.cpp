// The store's health checks and salvage: check() finds planted damage, quick_check finds
// damaged pages, and salvage keeps every whole document of a damaged file and reports the rest.

#include "store_fixture.h"

class TestStoreCheck : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void checkFindsPlantedDamage() {
        QTemporaryDir dir;
        std::vector<std::int64_t> ids;
        std::int64_t damagedDocument = 0;
        {
            auto store = newStore(dir);
            QVERIFY(store);
            for (int d = 0; d < 4; ++d) {
                auto passages = passageList(3);
                auto id = store->documents().put(document(QStringLiteral("/d/%1.txt").arg(d)),
                                                 passages, vectorRows(3, d));
                REQUIRE_OK(id);
                if (d == 1)
                    damagedDocument = *id;
                const auto more = idsOf(passages);
                ids.insert(ids.end(), more.begin(), more.end());
            }
            auto healthy = store->check();
            REQUIRE_OK(healthy);
            QCOMPARE(*healthy, QStringList());
        }
        {
            RawDatabase raw(databasePath(dir));
            const QByteArray shortVector =
                "UPDATE passages SET vector = x'0000803f' WHERE id = " + QByteArray::number(ids[0]);
            QVERIFY(raw.exec(shortVector.constData()));
            const QByteArray wrongCount =
                "UPDATE documents SET passage_count = 5 WHERE path = '/d/2.txt'";
            QVERIFY(raw.exec(wrongCount.constData()));
            const QByteArray wrongOrdinal =
                "UPDATE passages SET ordinal = 7 WHERE id = " + QByteArray::number(ids[4]);
            QVERIFY(raw.exec(wrongOrdinal.constData()));
            // Ordinals 0, 0, 2: the right count, least and greatest, yet one is missing.
            const QByteArray duplicateOrdinal =
                "UPDATE passages SET ordinal = 0 WHERE id = " + QByteArray::number(ids[10]);
            QVERIFY(raw.exec(duplicateOrdinal.constData()));
        }
        auto store = SqliteStore::open(databasePath(dir));
        REQUIRE_OK(store);
        auto problems = (*store)->check();
        REQUIRE_OK(problems);
        QVERIFY2(problems->size() == 4, qPrintable(problems->join(QLatin1Char('\n'))));
        const QString all = problems->join(QLatin1Char('\n'));
        QVERIFY2(all.contains(QStringLiteral("passage %1 ").arg(ids[0])) &&
                     all.contains(QStringLiteral("4 bytes")),
                 qPrintable(all));
        QVERIFY2(all.contains(QStringLiteral("/d/2.txt")) &&
                     all.contains(QStringLiteral("records 5 passages but has 3")),
                 qPrintable(all));
        QVERIFY2(all.contains(QStringLiteral("document %1 ").arg(damagedDocument)) &&
                     all.contains(QStringLiteral("ordinals")),
                 qPrintable(all));
        QVERIFY2(all.contains(QStringLiteral("/d/3.txt): passage ordinals")), qPrintable(all));
        for (const QString& line : *problems)
            QVERIFY(line.contains(databasePath(dir)));

        // Reading the damaged vector fails with Corrupt instead of handing out garbage.
        auto vectors = (*store)->documents().vectorsOf({ids[0]});
        QVERIFY(!vectors.ok());
        QCOMPARE(int(vectors.error().code), int(ErrorCode::Corrupt));
        auto walked =
            (*store)->documents().forEachVector([](std::int64_t, const float*) { return true; });
        QVERIFY(!walked.ok());
        QCOMPARE(int(walked.error().code), int(ErrorCode::Corrupt));
    }

    // The 4 passages of document `d` of fillForSalvage: the last three with a page and a
    // section (long enough to fill a few pages of passage_places), the first with neither.
    static std::vector<PassageRecord> salvagePassages(int d) {
        auto passages = passageList(4, QStringLiteral("doc%1").arg(d));
        for (int i = 1; i < 4; ++i) {
            passages[std::size_t(i)].page = d * 10 + i;
            passages[std::size_t(i)].section =
                QStringLiteral("Section %1.%2 ").arg(d).arg(i) + QString(60, QLatin1Char('s'));
        }
        return passages;
    }

    // A store of 120 documents "/d/000.txt" ... of 4 passages each (salvagePassages), one
    // source and one skip record, closed (so its WAL is folded into the file and dbstat sees
    // the final pages).
    void fillForSalvage(const QTemporaryDir& dir, QString longText = {}) {
        auto store = newStore(dir);
        QVERIFY(store);
        REQUIRE_OK(store->begin());
        for (int d = 0; d < 120; ++d) {
            auto passages = salvagePassages(d);
            if (d == 60 && !longText.isEmpty())
                passages[2].text = longText; // spills into overflow pages
            REQUIRE_OK(store->documents().put(
                document(QStringLiteral("/d/%1.txt").arg(d, 3, 10, QLatin1Char('0'))), passages,
                vectorRows(4, d)));
        }
        REQUIRE_OK(store->sources().add(QStringLiteral("/d")));
        REQUIRE_OK(store->skipped().record(QStringLiteral("/d/x.bin"), QStringLiteral("binary")));
        REQUIRE_OK(store->commit());
    }

    // Every document of `salvaged` holds exactly what the original store held for it.
    void expectSameAsBefore(SqliteStore& salvaged, int expectedDocuments) {
        auto kept = salvaged.documents().under(QString());
        REQUIRE_OK(kept);
        QCOMPARE(int(kept->size()), expectedDocuments);
        for (const DocumentRecord& record : *kept) {
            const int d = QFileInfo(record.path).baseName().toInt();
            const auto passages = salvagePassages(d);
            auto stored = salvaged.documents().passagesOf(record.id);
            REQUIRE_OK(stored);
            QCOMPARE(stored->size(), std::size_t(4));
            for (std::size_t i = 0; i < 4; ++i) {
                if (!(d == 60 && i == 2))
                    QCOMPARE((*stored)[i].text, passages[i].text);
                QCOMPARE((*stored)[i].page, passages[i].page);
                QCOMPARE((*stored)[i].section, passages[i].section);
            }
            auto vectors = salvaged.documents().vectorsOf(idsOf(*stored));
            REQUIRE_OK(vectors);
            QVERIFY(sameBits(*vectors, vectorRows(4, d)));
        }
    }

    void quickCheckFindsDamage() {
        QTemporaryDir dir;
        fillForSalvage(dir);
        {
            auto store = SqliteStore::open(databasePath(dir));
            REQUIRE_OK(store);
            auto healthy = (*store)->quickCheck();
            REQUIRE_OK(healthy);
            QCOMPARE(*healthy, QString());
        }
        const std::vector<int> leaves = pagesOf(databasePath(dir), "passages", "leaf");
        QVERIFY(leaves.size() > 4);
        QVERIFY(damagePage(databasePath(dir), leaves[leaves.size() / 2]));
        auto store = SqliteStore::open(databasePath(dir));
        REQUIRE_OK(store);
        auto damaged = (*store)->quickCheck();
        REQUIRE_OK(damaged);
        QVERIFY2(!damaged->isEmpty() && !damaged->contains(QLatin1Char('\n')),
                 qPrintable(*damaged));
    }

    // A damaged stretch of the passages: the documents that lost a passage are left out and
    // named, every other one is kept bit for bit, also those after the damage.
    void salvageKeepsEveryWholeDocument() {
        QTemporaryDir dir;
        fillForSalvage(dir);
        std::int64_t largestId = 0;
        std::int64_t generation = 0;
        {
            RawDatabase raw(databasePath(dir));
            largestId = raw.integer("SELECT max(id) FROM passages");
            generation = raw.integer("SELECT value FROM meta WHERE key = 'vector_generation'");
        }
        const std::vector<int> leaves = pagesOf(databasePath(dir), "passages", "leaf");
        QVERIFY(leaves.size() > 4);
        QVERIFY(damagePage(databasePath(dir), leaves[leaves.size() / 2]));
        const QString salvagedPath = dir.filePath(QStringLiteral("salvaged.sqlite"));
        auto report = SqliteStore::salvage(databasePath(dir), salvagedPath);
        REQUIRE_OK(report);
        QVERIFY(report->lostAnything());
        QVERIFY(!report->droppedDocuments.isEmpty());
        QVERIFY(report->droppedDocuments.size() < 20);
        QCOMPARE(report->documents + report->droppedDocuments.size(), 120);
        QCOMPARE(report->passages, report->documents * 4);
        QCOMPARE(report->sources, 1);
        QCOMPARE(report->skipped, 1);
        QCOMPARE(report->unreadableDocuments, 0);
        QVERIFY2(report->unreadable.size() == 1 &&
                     report->unreadable.front().startsWith(QStringLiteral("passages: rows")),
                 qPrintable(report->unreadable.join(QLatin1Char('\n'))));

        auto salvaged = SqliteStore::open(salvagedPath);
        REQUIRE_OK(salvaged);
        auto problems = (*salvaged)->check();
        REQUIRE_OK(problems);
        QCOMPARE(*problems, QStringList());
        expectSameAsBefore(**salvaged, int(report->documents));
        for (const QString& path : report->droppedDocuments) {
            auto gone = (*salvaged)->documents().find(path);
            REQUIRE_OK(gone);
            QVERIFY(!gone->has_value());
        }
        auto model = (*salvaged)->metadata().modelIdentity();
        REQUIRE_OK(model);
        QVERIFY(model->has_value() &&
                (*model)->weightsFingerprint == testModel().weightsFingerprint);
        // Every cache is rebuilt, and no passage id comes back.
        auto newGeneration = (*salvaged)->metadata().vectorGeneration();
        REQUIRE_OK(newGeneration);
        QVERIFY(*newGeneration > generation);
        auto saved = (*salvaged)->metadata().savedIndexGeneration();
        REQUIRE_OK(saved);
        QVERIFY(!saved->has_value());
        auto passages = passageList(1);
        REQUIRE_OK((*salvaged)->documents().put(document(QStringLiteral("/d/new.txt")), passages,
                                                vectorRows(1, 9)));
        QVERIFY(passages.front().id > largestId);
    }

    // Damage to an index b-tree only: every row is still in its table, so nothing is lost.
    void salvageAfterDamageToAnIndexLosesNothing() {
        QTemporaryDir dir;
        fillForSalvage(dir);
        const std::vector<int> pages = pagesOf(databasePath(dir), "passages_by_document", "leaf");
        QVERIFY(!pages.empty());
        QVERIFY(damagePage(databasePath(dir), pages.front()));
        {
            auto store = SqliteStore::open(databasePath(dir));
            REQUIRE_OK(store);
            auto problems = (*store)->check();
            REQUIRE_OK(problems);
            QVERIFY(!problems->isEmpty());
        }
        const QString salvagedPath = dir.filePath(QStringLiteral("salvaged.sqlite"));
        auto report = SqliteStore::salvage(databasePath(dir), salvagedPath);
        REQUIRE_OK(report);
        QVERIFY2(!report->lostAnything(), qPrintable(report->unreadable.join(QLatin1Char('\n'))));
        auto salvaged = SqliteStore::open(salvagedPath);
        REQUIRE_OK(salvaged);
        expectSameAsBefore(**salvaged, 120);
    }

    // A damaged stretch of the passages' places: the documents that may have lost a place are
    // left out and named (kept, they would show no page until their files change), the others
    // keep every place.
    void salvageDropsDocumentsThatLostAPlace() {
        QTemporaryDir dir;
        fillForSalvage(dir);
        const std::vector<int> leaves = pagesOf(databasePath(dir), "passage_places", "leaf");
        QVERIFY(leaves.size() > 4);
        QVERIFY(damagePage(databasePath(dir), leaves[leaves.size() / 2]));
        const QString salvagedPath = dir.filePath(QStringLiteral("salvaged.sqlite"));
        auto report = SqliteStore::salvage(databasePath(dir), salvagedPath);
        REQUIRE_OK(report);
        QVERIFY2(report->unreadable.size() == 1 &&
                     report->unreadable.front().startsWith(QStringLiteral("passage_places: rows")),
                 qPrintable(report->unreadable.join(QLatin1Char('\n'))));
        QVERIFY(!report->droppedDocuments.isEmpty());
        QVERIFY(report->droppedDocuments.size() < 40);
        QCOMPARE(report->documents + report->droppedDocuments.size(), 120);
        QCOMPARE(report->passages, report->documents * 4);
        auto salvaged = SqliteStore::open(salvagedPath);
        REQUIRE_OK(salvaged);
        auto problems = (*salvaged)->check();
        REQUIRE_OK(problems);
        QCOMPARE(*problems, QStringList());
        expectSameAsBefore(**salvaged, int(report->documents));
        RawDatabase raw(salvagedPath);
        QCOMPARE(raw.integer("SELECT count(*) FROM passage_places"), report->documents * 3);
    }

    // Bytes overwritten inside a passage's text: SQLite cannot tell (no checksums), but the
    // text is no longer UTF-8, so its document is left out and named; the others are kept.
    void salvageDropsDocumentsWithGarbledText() {
        QTemporaryDir dir;
        fillForSalvage(dir);
        {
            QFile file(databasePath(dir));
            QVERIFY(file.open(QIODevice::ReadWrite));
            const QByteArray bytes = file.readAll();
            const QByteArray text = salvagePassages(42)[2].text.toUtf8();
            const qsizetype at = bytes.indexOf(text);
            QVERIFY(at > 0 && bytes.indexOf(text, at + 1) < 0);
            QVERIFY(file.seek(at + 1));
            QCOMPARE(file.write(QByteArray(3, '\xFF')), qint64(3));
        }
        const QString salvagedPath = dir.filePath(QStringLiteral("salvaged.sqlite"));
        auto report = SqliteStore::salvage(databasePath(dir), salvagedPath);
        REQUIRE_OK(report);
        QCOMPARE(report->droppedDocuments, QStringList{QStringLiteral("/d/042.txt")});
        QCOMPARE(report->documents, 119);
        auto salvaged = SqliteStore::open(salvagedPath);
        REQUIRE_OK(salvaged);
        expectSameAsBefore(**salvaged, 119);
    }

    // Unreadable document rows: their passages survive but cannot be placed.
    void salvageCountsDocumentsWhoseRowsAreUnreadable() {
        QTemporaryDir dir;
        fillForSalvage(dir);
        const std::vector<int> leaves = pagesOf(databasePath(dir), "documents", "leaf");
        QVERIFY(leaves.size() >= 2);
        QVERIFY(damagePage(databasePath(dir), leaves.front()));
        const QString salvagedPath = dir.filePath(QStringLiteral("salvaged.sqlite"));
        auto report = SqliteStore::salvage(databasePath(dir), salvagedPath);
        REQUIRE_OK(report);
        QVERIFY(report->unreadableDocuments > 0);
        QCOMPARE(report->orphanedPassages, report->unreadableDocuments * 4);
        QCOMPARE(report->documents + report->unreadableDocuments, 120);
        QVERIFY(report->droppedDocuments.isEmpty());
        auto salvaged = SqliteStore::open(salvagedPath);
        REQUIRE_OK(salvaged);
        expectSameAsBefore(**salvaged, int(report->documents));
    }

    // One row whose overflow pages are damaged: that row alone is lost, the scan goes on.
    void salvageStepsOverADamagedRow() {
        QTemporaryDir dir;
        // Long enough for a chain of overflow pages: damage to any page but the last breaks the
        // chain, which SQLite notices. (Damage inside a page's bytes, or to the last one, it
        // cannot notice: it keeps no checksums.)
        fillForSalvage(dir, QString(20000, QLatin1Char('w')));
        const std::vector<int> overflow = pagesOf(databasePath(dir), "passages", "overflow");
        QVERIFY(!overflow.empty());
        QVERIFY(damagePage(databasePath(dir), overflow.front()));
        const QString salvagedPath = dir.filePath(QStringLiteral("salvaged.sqlite"));
        auto report = SqliteStore::salvage(databasePath(dir), salvagedPath);
        REQUIRE_OK(report);
        QCOMPARE(report->droppedDocuments, QStringList{QStringLiteral("/d/060.txt")});
        QVERIFY2(report->unreadable.size() == 1 &&
                     report->unreadable.front().startsWith(QStringLiteral("passages: the row")),
                 qPrintable(report->unreadable.join(QLatin1Char('\n'))));
        auto salvaged = SqliteStore::open(salvagedPath);
        REQUIRE_OK(salvaged);
        expectSameAsBefore(**salvaged, 119);
    }

    // Without the model identity no vector can be trusted: every document is left out, the
    // sources and skip records stay, and the next indexing run starts the vectors afresh.
    void salvageWithoutTheModelIdentityKeepsNoVectors() {
        QTemporaryDir dir;
        fillForSalvage(dir);
        const std::vector<int> pages = pagesOf(databasePath(dir), "meta", "leaf");
        QCOMPARE(pages.size(), std::size_t(1));
        QVERIFY(damagePage(databasePath(dir), pages.front()));
        const QString salvagedPath = dir.filePath(QStringLiteral("salvaged.sqlite"));
        auto report = SqliteStore::salvage(databasePath(dir), salvagedPath);
        REQUIRE_OK(report);
        QVERIFY(report->modelIdentityLost);
        QCOMPARE(report->droppedDocuments.size(), 120);
        QCOMPARE(report->documents, 0);
        QCOMPARE(report->sources, 1);
        QCOMPARE(report->skipped, 1);
        auto salvaged = SqliteStore::open(salvagedPath);
        REQUIRE_OK(salvaged);
        auto model = (*salvaged)->metadata().modelIdentity();
        REQUIRE_OK(model);
        QVERIFY(!model->has_value());
        auto problems = (*salvaged)->check();
        REQUIRE_OK(problems);
        QCOMPARE(*problems, QStringList());
    }

    void salvageOfAFileThatIsNoDatabaseRecoversNothing() {
        QTemporaryDir dir;
        QFile file(databasePath(dir));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray(8192, 'x'));
        file.close();
        const QString salvagedPath = dir.filePath(QStringLiteral("salvaged.sqlite"));
        auto report = SqliteStore::salvage(databasePath(dir), salvagedPath);
        QVERIFY(!report.ok());
        expectError(report.error(), ErrorCode::Corrupt, databasePath(dir),
                    QStringLiteral("nothing can be recovered"));
        QVERIFY(!QFile::exists(salvagedPath));
    }

    void checkFindsOrphanedPassages() {
        QTemporaryDir dir;
        {
            auto store = newStore(dir);
            QVERIFY(store);
            auto passages = passageList(2);
            REQUIRE_OK(store->documents().put(document(QStringLiteral("/d/a")), passages,
                                              vectorRows(2, 1)));
        }
        {
            RawDatabase raw(databasePath(dir)); // foreign keys are off on a raw connection
            QVERIFY(raw.exec("DELETE FROM documents"));
        }
        auto store = SqliteStore::open(databasePath(dir));
        REQUIRE_OK(store);
        auto problems = (*store)->check();
        REQUIRE_OK(problems);
        QVERIFY2(problems->size() == 2, qPrintable(problems->join(QLatin1Char('\n'))));
        QVERIFY(problems->join(QLatin1Char('\n')).contains(QStringLiteral("missing row")));
    }
};

QTEST_GUILESS_MAIN(TestStoreCheck)
#include "test_store_check.moc"
