// The claim stage of an indexing run (core/src/pipeline/index_claim.h): the checks before
// anything is read, and what a claimed index records.

#include "reference_data.h"
#include "stage_fixture.h"

#include "pipeline/index_claim.h"
#include "semsearch/model_identity.h"

#include <QtTest>

using namespace semsearch;
using namespace semsearch::test;

class TestIndexClaim : public QObject {
    Q_OBJECT

    std::unique_ptr<Embedder> m_embedder;

    QStringList sourcePaths(SqliteStore& store) {
        QStringList paths;
        auto sources = store.sources().all();
        if (sources)
            for (const SourceRecord& source : *sources)
                paths << source.path;
        return paths;
    }

private Q_SLOTS:
    void initTestCase() {
        auto embedder = openEmbedder(tinyModelPath());
        QVERIFY2(embedder.ok(), embedder ? "" : qPrintable(embedder.error().message));
        m_embedder = std::move(embedder).value();
    }

    void claimRecordsModelAndCleanSources() {
        StageFixture fixture;
        QVERIFY(fixture.open(modelIdentity(m_embedder->model())));
        QVERIFY(fixture.put(QStringLiteral("sub/a.txt"), "alpha"));
        const QString messy = fixture.docs() + QStringLiteral("/sub/../sub/");
        auto roots = claimIndex(fixture.index(), *m_embedder, {messy});
        QVERIFY2(roots.ok(), roots ? "" : qPrintable(roots.error().message));
        QCOMPARE(*roots, QStringList({fixture.docs() + QStringLiteral("/sub")}));
        QCOMPARE(sourcePaths(fixture.store()), *roots);
        auto identity = fixture.store().metadata().modelIdentity();
        QVERIFY(identity.ok() && identity->has_value());
        QVERIFY(sameVectors(**identity, modelIdentity(m_embedder->model())));
    }

    void missingPathChangesNothing() {
        StageFixture fixture;
        QVERIFY(fixture.open(modelIdentity(m_embedder->model())));
        QVERIFY(fixture.put(QStringLiteral("a.txt"), "alpha"));
        const QString missing = fixture.doc(QStringLiteral("nowhere"));
        auto roots = claimIndex(fixture.index(), *m_embedder, {fixture.docs(), missing});
        QVERIFY(!roots.ok());
        QCOMPARE(roots.error().code, ErrorCode::NotFound);
        QVERIFY(roots.error().message.contains(missing));
        QVERIFY(sourcePaths(fixture.store()).isEmpty());
    }

    void indexOfAnotherModelRefusesIt() {
        StageFixture fixture;
        QVERIFY(fixture.open(StageFixture::smallModel()));
        QVERIFY(fixture.put(QStringLiteral("a.txt"), "alpha"));
        auto roots = claimIndex(fixture.index(), *m_embedder, {fixture.docs()});
        QVERIFY(!roots.ok());
        QCOMPARE(roots.error().code, ErrorCode::Mismatch);
        QVERIFY(roots.error().message.contains(QStringLiteral("'stage-test'")));
        QVERIFY(sourcePaths(fixture.store()).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestIndexClaim)
#include "test_index_claim.moc"
