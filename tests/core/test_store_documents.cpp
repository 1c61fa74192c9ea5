// The store's documents and passages (SqliteDocuments): what goes in comes out bit for bit,
// replacements and removals leave nothing behind, ids are never reused, copies share vectors
// under new ids, and filters select by folder, extension and time.

#include "store_fixture.h"

class TestStoreDocuments : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void documentsPassagesAndVectorsRoundTrip() {
        QTemporaryDir dir;
        std::vector<std::int64_t> ids;
        const std::vector<float> vectors = vectorRows(3, 1);
        std::int64_t documentId = 0;
        {
            auto store = newStore(dir);
            QVERIFY(store);
            auto passages = passageList(3);
            auto id = store->documents().put(document(QStringLiteral("/home/u/notes/a.md")),
                                             passages, vectors);
            REQUIRE_OK(id);
            documentId = *id;
            ids = idsOf(passages);
            QCOMPARE(ids.size(), std::size_t(3));
            QVERIFY(ids[0] > 0 && ids[0] < ids[1] && ids[1] < ids[2]);
            for (int i = 0; i < 3; ++i) {
                QCOMPARE(passages[i].documentId, documentId);
                QCOMPARE(passages[i].ordinal, i);
            }
        }
        // Everything below is read back through a new connection: it was really written.
        auto reopened = SqliteStore::open(databasePath(dir));
        REQUIRE_OK(reopened);
        SqliteStore& store = **reopened;

        auto found = store.documents().find(QStringLiteral("/home/u/notes/a.md"));
        REQUIRE_OK(found);
        QVERIFY(found->has_value());
        const DocumentRecord& record = **found;
        QCOMPARE(record.id, documentId);
        QCOMPARE(record.path, QStringLiteral("/home/u/notes/a.md"));
        QCOMPARE(record.size, 1234);
        QCOMPARE(record.modifiedMs, 1000);
        QCOMPARE(record.changedMs, 1007);
        QCOMPARE(record.contentHash, QByteArray::fromHex("00ff10ee20dd"));
        QCOMPARE(record.encoding, QStringLiteral("UTF-8"));
        QCOMPARE(record.indexedAtMs, 5000);
        QCOMPARE(record.passageCount, 3);

        auto stored = store.documents().passagesOf(documentId);
        REQUIRE_OK(stored);
        QCOMPARE(stored->size(), std::size_t(3));
        for (int i = 0; i < 3; ++i) {
            const PassageRecord& passage = (*stored)[i];
            QCOMPARE(passage.id, ids[i]);
            QCOMPARE(passage.documentId, documentId);
            QCOMPARE(passage.ordinal, i);
            QCOMPARE(passage.byteStart, 100 * i);
            QCOMPARE(passage.byteEnd, 100 * i + 90);
            QCOMPARE(passage.line, 1 + 3 * i);
            QCOMPARE(passage.text, QStringLiteral("p %1: naïve café ✓ 🙂").arg(i));
        }

        auto read = store.documents().vectorsOf(ids);
        REQUIRE_OK(read);
        QVERIFY2(sameBits(*read, vectors), "vectors changed on the way through the store");

        // Reversed order in, reversed order out.
        auto reversed = store.documents().vectorsOf({ids[2], ids[0]});
        REQUIRE_OK(reversed);
        std::vector<float> expected(vectors.begin() + 2 * kDim, vectors.begin() + 3 * kDim);
        expected.insert(expected.end(), vectors.begin(), vectors.begin() + kDim);
        QVERIFY(sameBits(*reversed, expected));

        std::vector<std::int64_t> visited;
        std::vector<float> streamed;
        auto walked = store.documents().forEachVector([&](std::int64_t id, const float* vector) {
            visited.push_back(id);
            streamed.insert(streamed.end(), vector, vector + kDim);
            return true;
        });
        REQUIRE_OK(walked);
        QCOMPARE(visited, ids);
        QVERIFY(sameBits(streamed, vectors));

        // passages(): in the order asked, unknown ids left out.
        auto some = store.documents().passages({ids[2], 999999, ids[0]});
        REQUIRE_OK(some);
        QCOMPARE(some->size(), std::size_t(2));
        QCOMPARE((*some)[0].id, ids[2]);
        QCOMPARE((*some)[0].text, QStringLiteral("p 2: naïve café ✓ 🙂"));
        QCOMPARE((*some)[1].id, ids[0]);

        auto byIds = store.documents().byIds({424242, documentId});
        REQUIRE_OK(byIds);
        QCOMPARE(pathsOf(*byIds), QStringList{QStringLiteral("/home/u/notes/a.md")});

        auto byHash = store.documents().findByHash(QByteArray::fromHex("00ff10ee20dd"));
        REQUIRE_OK(byHash);
        QCOMPARE(pathsOf(*byHash), QStringList{QStringLiteral("/home/u/notes/a.md")});
        auto otherHash = store.documents().findByHash(QByteArray::fromHex("01"));
        REQUIRE_OK(otherHash);
        QVERIFY(otherHash->empty());

        auto unknown = store.documents().vectorsOf({ids[0], 999999});
        QVERIFY(!unknown.ok());
        QCOMPARE(int(unknown.error().code), int(ErrorCode::NotFound));
    }

    void forEachVectorStopsWhenAsked() {
        QTemporaryDir dir;
        auto store = newStore(dir);
        QVERIFY(store);
        auto passages = passageList(5);
        REQUIRE_OK(
            store->documents().put(document(QStringLiteral("/d/a")), passages, vectorRows(5, 2)));
        int calls = 0;
        auto walked = store->documents().forEachVector(
            [&](std::int64_t, const float*) { return ++calls < 2; });
        REQUIRE_OK(walked);
        QCOMPARE(calls, 2);
    }

    void emptyDocumentRoundTrip() {
        QTemporaryDir dir;
        auto store = newStore(dir);
        QVERIFY(store);
        std::vector<PassageRecord> none;
        auto id = store->documents().put(document(QStringLiteral("/d/empty.txt")), none, {});
        REQUIRE_OK(id);
        auto found = store->documents().find(QStringLiteral("/d/empty.txt"));
        REQUIRE_OK(found);
        QVERIFY(found->has_value());
        QCOMPARE((*found)->passageCount, 0);
        auto passages = store->documents().passagesOf(*id);
        REQUIRE_OK(passages);
        QVERIFY(passages->empty());
    }

    void replacingADocumentDeletesItsOldPassages() {
        QTemporaryDir dir;
        auto store = newStore(dir);
        QVERIFY(store);
        const QString path = QStringLiteral("/d/a.txt");
        auto first = passageList(3, QStringLiteral("old"));
        auto firstId = store->documents().put(document(path), first, vectorRows(3, 1));
        REQUIRE_OK(firstId);
        const std::vector<std::int64_t> oldIds = idsOf(first);

        auto second = passageList(2, QStringLiteral("new"));
        DocumentRecord changed = document(path, 7777);
        changed.size = 99;
        const std::vector<float> newVectors = vectorRows(2, 9);
        auto secondId = store->documents().put(changed, second, newVectors);
        REQUIRE_OK(secondId);
        QCOMPARE(*secondId, *firstId); // the document keeps its id

        auto gone = store->documents().passages(oldIds);
        REQUIRE_OK(gone);
        QVERIFY2(gone->empty(), "old passages survived the replacement");
        auto stored = store->documents().passagesOf(*secondId);
        REQUIRE_OK(stored);
        QCOMPARE(stored->size(), std::size_t(2));
        QCOMPARE((*stored)[0].text, QStringLiteral("new 0: naïve café ✓ 🙂"));
        QCOMPARE(idsOf(*stored), idsOf(second));
        auto vectors = store->documents().vectorsOf(idsOf(second));
        REQUIRE_OK(vectors);
        QVERIFY(sameBits(*vectors, newVectors));

        auto record = store->documents().find(path);
        REQUIRE_OK(record);
        QCOMPARE((*record)->passageCount, 2);
        QCOMPARE((*record)->size, 99);
        QCOMPARE((*record)->modifiedMs, 7777);
        auto counts = store->counts();
        REQUIRE_OK(counts);
        QCOMPARE(counts->documents, 1);
        QCOMPARE(counts->passages, 2);
        auto problems = store->check();
        REQUIRE_OK(problems);
        QCOMPARE(*problems, QStringList());
    }

    void passageIdsAreNeverReused() {
        QTemporaryDir dir;
        std::int64_t highest = 0;
        {
            auto store = newStore(dir);
            QVERIFY(store);
            auto passages = passageList(3);
            auto id = store->documents().put(document(QStringLiteral("/d/a")), passages,
                                             vectorRows(3, 1));
            REQUIRE_OK(id);
            const std::vector<std::int64_t> ids = idsOf(passages);
            auto removed = store->documents().remove(*id);
            REQUIRE_OK(removed);
            QCOMPARE(*removed, ids);
            highest = ids.back();

            // The removed rows held the largest ids: a plain rowid table would hand them out
            // again.
            auto next = passageList(3);
            REQUIRE_OK(
                store->documents().put(document(QStringLiteral("/d/b")), next, vectorRows(3, 2)));
            for (std::int64_t id : idsOf(next))
                QVERIFY2(id > highest, qPrintable(QStringLiteral("id %1 reused").arg(id)));
            highest = idsOf(next).back();
            // Replacing deletes the largest ids too.
            auto replaced = passageList(1);
            REQUIRE_OK(store->documents().put(document(QStringLiteral("/d/b")), replaced,
                                              vectorRows(1, 3)));
            QVERIFY(replaced[0].id > highest);
            highest = replaced[0].id;
            auto b = store->documents().find(QStringLiteral("/d/b"));
            REQUIRE_OK(b);
            REQUIRE_OK(store->documents().remove((*b)->id));
        }
        auto store = SqliteStore::open(databasePath(dir));
        REQUIRE_OK(store);
        auto later = passageList(2);
        REQUIRE_OK(
            (*store)->documents().put(document(QStringLiteral("/d/c")), later, vectorRows(2, 4)));
        QVERIFY2(later[0].id > highest, "an id was reused after reopening");
    }

    void removeDocument() {
        QTemporaryDir dir;
        auto store = newStore(dir);
        QVERIFY(store);
        auto passages = passageList(2);
        auto id =
            store->documents().put(document(QStringLiteral("/d/a")), passages, vectorRows(2, 1));
        REQUIRE_OK(id);
        auto removed = store->documents().remove(*id);
        REQUIRE_OK(removed);
        QCOMPARE(*removed, idsOf(passages));
        auto found = store->documents().find(QStringLiteral("/d/a"));
        REQUIRE_OK(found);
        QVERIFY(!found->has_value());
        auto counts = store->counts();
        REQUIRE_OK(counts);
        QCOMPARE(counts->passages, 0);

        auto again = store->documents().remove(*id);
        QVERIFY(!again.ok());
        QCOMPARE(int(again.error().code), int(ErrorCode::NotFound));
    }

    // Pages and sections (schema version 5): read with their passages, copied with them,
    // removed with them; only passages that have a place get a row.
    void placesRoundTripAndAreCopiedAndRemoved() {
        QTemporaryDir dir;
        auto store = newStore(dir);
        QVERIFY(store);
        std::vector<PassageRecord> passages = passageList(3);
        passages[0].page = 4;
        passages[1].section = QStringLiteral("Installation");
        passages[2].page = 12;
        passages[2].section = QStringLiteral("Usage");
        auto id = store->documents().put(document(QStringLiteral("/d/a.pdf")), passages,
                                         vectorRows(3, 1));
        REQUIRE_OK(id);
        auto check = [&](std::int64_t documentId) {
            auto read = store->documents().passagesOf(documentId);
            REQUIRE_OK(read);
            QCOMPARE(read->size(), std::size_t(3));
            QCOMPARE((*read)[0].page, 4);
            QCOMPARE((*read)[0].section, QString());
            QCOMPARE((*read)[1].page, 0);
            QCOMPARE((*read)[1].section, QStringLiteral("Installation"));
            QCOMPARE((*read)[2].page, 12);
            QCOMPARE((*read)[2].section, QStringLiteral("Usage"));
        };
        check(*id);
        auto copy = store->documents().putCopy(document(QStringLiteral("/d/b.pdf")), *id);
        REQUIRE_OK(copy);
        check(*copy);
        auto byId = store->documents().passages({passages[2].id});
        REQUIRE_OK(byId);
        QCOMPARE(byId->front().section, QStringLiteral("Usage"));
        RawDatabase raw(databasePath(dir));
        QCOMPARE(raw.integer("SELECT count(*) FROM passage_places"), 6);
        REQUIRE_OK(store->documents().remove(*id));
        QCOMPARE(raw.integer("SELECT count(*) FROM passage_places"), 3);
        auto problems = store->check();
        REQUIRE_OK(problems);
        QVERIFY2(problems->isEmpty(), qPrintable(problems->join(QLatin1Char('\n'))));
    }

    void documentsUnderTreatsThePrefixAsAFolder() {
        QTemporaryDir dir;
        auto store = newStore(dir);
        QVERIFY(store);
        // Inserted out of order; '-' and '.' sort before '/', 'c' after it.
        const QStringList paths = {
            QStringLiteral("/a/bc"), QStringLiteral("/a/b/d/e.txt"), QStringLiteral("/a/b.txt"),
            QStringLiteral("/a/b"),  QStringLiteral("/a/b-x/f"),     QStringLiteral("/a/b/c.txt"),
            QStringLiteral("/a/c"),  QStringLiteral("/a/b0"),        QStringLiteral("/z/é/ü.md"),
        };
        for (const QString& path : paths) {
            std::vector<PassageRecord> none;
            REQUIRE_OK(store->documents().put(document(path), none, {}));
        }
        auto under = [&](const QString& prefix) {
            auto documents = store->documents().under(prefix);
            return documents ? pathsOf(*documents) : QStringList{QStringLiteral("error")};
        };
        const QStringList inB = {QStringLiteral("/a/b"), QStringLiteral("/a/b/c.txt"),
                                 QStringLiteral("/a/b/d/e.txt")};
        QCOMPARE(under(QStringLiteral("/a/b")), inB);
        QCOMPARE(under(QStringLiteral("/a/b/")), inB);
        QCOMPARE(under(QStringLiteral("/a/bc")), QStringList{QStringLiteral("/a/bc")});
        QCOMPARE(under(QStringLiteral("/a/b/c.txt")), QStringList{QStringLiteral("/a/b/c.txt")});
        QCOMPARE(under(QStringLiteral("/a/b/d")), QStringList{QStringLiteral("/a/b/d/e.txt")});
        QCOMPARE(under(QStringLiteral("/z/é")), QStringList{QStringLiteral("/z/é/ü.md")});
        QCOMPARE(under(QStringLiteral("/nowhere")), QStringList());
        const QStringList all = {
            QStringLiteral("/a/b"),         QStringLiteral("/a/b-x/f"),
            QStringLiteral("/a/b.txt"),     QStringLiteral("/a/b/c.txt"),
            QStringLiteral("/a/b/d/e.txt"), QStringLiteral("/a/b0"),
            QStringLiteral("/a/bc"),        QStringLiteral("/a/c"),
            QStringLiteral("/z/é/ü.md"),
        };
        QCOMPARE(under(QString()), all);
        QCOMPARE(under(QStringLiteral("/")), all);
    }

    void copiedDocumentSharesVectorsUnderNewIds() {
        QTemporaryDir dir;
        auto store = newStore(dir);
        QVERIFY(store);
        auto passages = passageList(2);
        const std::vector<float> vectors = vectorRows(2, 5);
        auto source =
            store->documents().put(document(QStringLiteral("/d/original.md")), passages, vectors);
        REQUIRE_OK(source);
        auto copy =
            store->documents().putCopy(document(QStringLiteral("/d/renamed.md"), 4242), *source);
        REQUIRE_OK(copy);
        QVERIFY(*copy != *source);

        auto copied = store->documents().passagesOf(*copy);
        REQUIRE_OK(copied);
        QCOMPARE(copied->size(), std::size_t(2));
        for (int i = 0; i < 2; ++i) {
            const PassageRecord& passage = (*copied)[i];
            QVERIFY2(passage.id > passages[1].id, "a copy must get a new passage id");
            QCOMPARE(passage.documentId, *copy);
            QCOMPARE(passage.ordinal, i);
            QCOMPARE(passage.text, passages[i].text);
            QCOMPARE(passage.byteStart, passages[i].byteStart);
            QCOMPARE(passage.byteEnd, passages[i].byteEnd);
            QCOMPARE(passage.line, passages[i].line);
        }
        auto copiedVectors = store->documents().vectorsOf(idsOf(*copied));
        REQUIRE_OK(copiedVectors);
        QVERIFY(sameBits(*copiedVectors, vectors));
        auto record = store->documents().find(QStringLiteral("/d/renamed.md"));
        REQUIRE_OK(record);
        QCOMPARE((*record)->passageCount, 2);
        QCOMPARE((*record)->modifiedMs, 4242);

        // The source is untouched.
        auto original = store->documents().passagesOf(*source);
        REQUIRE_OK(original);
        QCOMPARE(idsOf(*original), idsOf(passages));

        // Copying a document onto itself renews its passage ids and keeps its vectors.
        auto self = store->documents().putCopy(document(QStringLiteral("/d/original.md")), *source);
        REQUIRE_OK(self);
        QCOMPARE(*self, *source);
        auto renewed = store->documents().passagesOf(*source);
        REQUIRE_OK(renewed);
        QCOMPARE(renewed->size(), std::size_t(2));
        auto renewedVectors = store->documents().vectorsOf(idsOf(*renewed));
        REQUIRE_OK(renewedVectors);
        QVERIFY(sameBits(*renewedVectors, vectors));

        auto missing = store->documents().putCopy(document(QStringLiteral("/d/x")), 987654);
        QVERIFY(!missing.ok());
        QCOMPARE(int(missing.error().code), int(ErrorCode::NotFound));
        auto problems = store->check();
        REQUIRE_OK(problems);
        QCOMPARE(*problems, QStringList());
    }

    void passageFilters() {
        QTemporaryDir dir;
        auto store = newStore(dir);
        QVERIFY(store);
        struct File {
            QString path;
            std::int64_t modifiedMs;
            std::vector<std::int64_t> ids;
        };
        std::vector<File> files = {
            {QStringLiteral("/r/a.md"), 1000, {}},     {QStringLiteral("/r/B.TXT"), 2000, {}},
            {QStringLiteral("/r/sub/c.md"), 3000, {}}, {QStringLiteral("/s/d.md"), 4000, {}},
            {QStringLiteral("/r/e.rst"), 5000, {}},    {QStringLiteral("/r/f.mad"), 6000, {}},
            {QStringLiteral("/rr/g.md"), 7000, {}},    {QStringLiteral("/r/h.m_d"), 8000, {}},
        };
        for (File& file : files) {
            auto passages = passageList(2);
            REQUIRE_OK(store->documents().put(document(file.path, file.modifiedMs), passages,
                                              vectorRows(2, 1)));
            file.ids = idsOf(passages);
        }
        // The ids of the named files (by index into `files`), ascending.
        auto idsOfFiles = [&](std::initializer_list<int> which) {
            std::vector<std::int64_t> ids;
            for (int i : which)
                ids.insert(ids.end(), files[i].ids.begin(), files[i].ids.end());
            std::sort(ids.begin(), ids.end());
            return ids;
        };
        auto select = [&](const PassageFilter& filter) {
            auto ids = store->documents().passageIds(filter);
            return ids ? *ids : std::vector<std::int64_t>{-1};
        };

        PassageFilter filter;
        QCOMPARE(select(filter), idsOfFiles({0, 1, 2, 3, 4, 5, 6, 7}));
        filter.pathPrefix = QStringLiteral("/r");
        QCOMPARE(select(filter), idsOfFiles({0, 1, 2, 4, 5, 7}));
        filter.pathPrefix = QStringLiteral("/r/sub/");
        QCOMPARE(select(filter), idsOfFiles({2}));

        filter = {};
        filter.extensions = {QStringLiteral("md")};
        QCOMPARE(select(filter), idsOfFiles({0, 2, 3, 6}));
        filter.extensions = {QStringLiteral("txt")}; // B.TXT: case is ignored
        QCOMPARE(select(filter), idsOfFiles({1}));
        filter.extensions = {QStringLiteral("md"), QStringLiteral("rst")};
        QCOMPARE(select(filter), idsOfFiles({0, 2, 3, 4, 6}));
        filter.extensions = {QStringLiteral("m_d")}; // '_' is no wildcard: f.mad stays out
        QCOMPARE(select(filter), idsOfFiles({7}));
        filter.extensions = {QStringLiteral("d")}; // a suffix of "md" is not the extension
        QCOMPARE(select(filter), std::vector<std::int64_t>());

        filter = {};
        filter.modifiedAfterMs = 2000;
        QCOMPARE(select(filter), idsOfFiles({1, 2, 3, 4, 5, 6, 7}));
        filter.modifiedBeforeMs = 4000;
        QCOMPARE(select(filter), idsOfFiles({1, 2}));
        filter.modifiedAfterMs = 0;
        QCOMPARE(select(filter), idsOfFiles({0, 1, 2}));

        filter = {};
        filter.pathPrefix = QStringLiteral("/r");
        filter.extensions = {QStringLiteral("md")};
        filter.modifiedAfterMs = 2000;
        QCOMPARE(select(filter), idsOfFiles({2}));
    }

    void putDocumentChecksItsArguments() {
        QTemporaryDir dir;
        auto bare = SqliteStore::open(databasePath(dir));
        REQUIRE_OK(bare);
        auto passages = passageList(1);
        auto noModel =
            (*bare)->documents().put(document(QStringLiteral("/d/a")), passages, vectorRows(1, 1));
        QVERIFY(!noModel.ok());
        QCOMPARE(int(noModel.error().code), int(ErrorCode::InvalidArgument));

        REQUIRE_OK((*bare)->metadata().setModelIdentity(testModel()));
        auto shortVectors = (*bare)->documents().put(document(QStringLiteral("/d/a")), passages,
                                                     std::vector<float>(kDim - 1, 1.0f));
        QVERIFY(!shortVectors.ok());
        QCOMPARE(int(shortVectors.error().code), int(ErrorCode::InvalidArgument));
        auto relative =
            (*bare)->documents().put(document(QStringLiteral("d/a")), passages, vectorRows(1, 1));
        QVERIFY(!relative.ok());
        QCOMPARE(int(relative.error().code), int(ErrorCode::InvalidArgument));
        auto counts = (*bare)->counts();
        REQUIRE_OK(counts);
        QCOMPARE(counts->documents, 0);
    }

    void updateDocumentStatChangesOnlyTheStat() {
        QTemporaryDir dir;
        auto store = newStore(dir);
        QVERIFY(store);
        auto passages = passageList(1);
        auto id =
            store->documents().put(document(QStringLiteral("/d/a")), passages, vectorRows(1, 1));
        REQUIRE_OK(id);
        DocumentRecord stat;
        stat.size = 555;
        stat.modifiedMs = 666;
        stat.changedMs = 777;
        stat.indexedAtMs = 888;
        stat.contentHash = "ignored";
        stat.encoding = QStringLiteral("ignored");
        REQUIRE_OK(store->documents().updateStat(*id, stat));
        auto found = store->documents().find(QStringLiteral("/d/a"));
        REQUIRE_OK(found);
        QCOMPARE((*found)->size, 555);
        QCOMPARE((*found)->modifiedMs, 666);
        QCOMPARE((*found)->changedMs, 777);
        QCOMPARE((*found)->indexedAtMs, 888);
        QCOMPARE((*found)->contentHash, QByteArray::fromHex("00ff10ee20dd"));
        QCOMPARE((*found)->encoding, QStringLiteral("UTF-8"));
        QCOMPARE((*found)->passageCount, 1);
        auto unknown = store->documents().updateStat(987654, stat);
        QVERIFY(!unknown.ok());
        QCOMPARE(int(unknown.error().code), int(ErrorCode::NotFound));
    }
};

QTEST_GUILESS_MAIN(TestStoreDocuments)
#include "test_store_documents.moc"
