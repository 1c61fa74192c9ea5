// bestSentences (sentence emphasis) against a brute force worked out here: every passage's
// sentences cut by hand, each embedded on its own, its cosine with the query summed in double,
// and the ties rule applied to those scores. The tiny model's vectors are random but fixed, so
// which sentences win is whatever the arithmetic says; the test checks that the function and the
// brute force agree, and that the passages chosen make the choice matter (some sentences lose).

#include "reference_data.h"
#include "semsearch/searcher.h"

#include <QTest>

#include <cmath>

using namespace semsearch;
using namespace semsearch::test;

namespace {

double cosine(const float* a, const float* b, std::size_t dim) {
    double dot = 0, na = 0, nb = 0;
    for (std::size_t i = 0; i < dim; ++i) {
        dot += double(a[i]) * double(b[i]);
        na += double(a[i]) * double(a[i]);
        nb += double(b[i]) * double(b[i]);
    }
    return dot / std::sqrt(na * nb);
}

// A passage and its sentences, written out by hand.
struct Passage {
    QString text;
    QStringList sentences; // each occurs in `text` once, in this order
};

} // namespace

class TestSearcher : public QObject {
    Q_OBJECT

    std::unique_ptr<Embedder> m_embedder;

    std::vector<float> embedOne(const QString& text) {
        auto vectors = m_embedder->embed({text});
        return vectors ? vectors->values : std::vector<float>();
    }

private Q_SLOTS:
    void initTestCase() {
        auto embedder = openEmbedder(tinyModelPath());
        QVERIFY2(embedder.ok(), embedder.ok() ? "" : qPrintable(embedder.error().message));
        m_embedder = std::move(embedder).value();
    }

    void bestSentencesMatchBruteForce_data() {
        QTest::addColumn<QString>("query");
        QTest::newRow("cats") << QStringLiteral("where does the cat sleep");
        QTest::newRow("taxes") << QStringLiteral("deadline for the tax return");
        QTest::newRow("baking") << QStringLiteral("how to bake a cake");
    }
    void bestSentencesMatchBruteForce() {
        QFETCH(QString, query);
        // Hard-wrapped prose (a line break inside a sentence keeps it one sentence, as the
        // passage splitter sees it), surrounding whitespace, one-sentence passages.
        const std::vector<Passage> passages = {
            {QStringLiteral("Cats sleep for most of the day. They like warm places near "
                            "windows.\nDogs bark at\nthe postman every morning. Fish swim."),
             {QStringLiteral("Cats sleep for most of the day."),
              QStringLiteral("They like warm places near windows."),
              QStringLiteral("Dogs bark at\nthe postman every morning."),
              QStringLiteral("Fish swim.")}},
            {QStringLiteral("  The tax return is due at the end of April.  Keep every receipt! "
                            "Does the office open on Saturday? Whisk the eggs with sugar.  "),
             {QStringLiteral("The tax return is due at the end of April."),
              QStringLiteral("Keep every receipt!"),
              QStringLiteral("Does the office open on Saturday?"),
              QStringLiteral("Whisk the eggs with sugar.")}},
            {QStringLiteral("Fold in the flour and bake for forty minutes."),
             {QStringLiteral("Fold in the flour and bake for forty minutes.")}},
        };
        const std::vector<float> q = embedOne(query);
        QCOMPARE(q.size(), m_embedder->dimension());

        QStringList texts;
        for (const Passage& passage : passages)
            texts << passage.text;
        auto best = bestSentences(*m_embedder, q.data(), texts);
        QVERIFY2(best.ok(), best.ok() ? "" : qPrintable(best.error().message));
        QCOMPARE(best->size(), passages.size());

        int losers = 0;
        for (std::size_t p = 0; p < passages.size(); ++p) {
            struct Expected {
                qsizetype start, end;
                double score;
            };
            std::vector<Expected> scored;
            double top = -2;
            qsizetype from = 0;
            for (const QString& sentence : passages[p].sentences) {
                const qsizetype start = passages[p].text.indexOf(sentence, from);
                QVERIFY(start >= 0);
                from = start + sentence.size();
                const std::vector<float> v = embedOne(sentence);
                QCOMPARE(v.size(), q.size());
                scored.push_back({start, from, cosine(q.data(), v.data(), q.size())});
                top = std::max(top, scored.back().score);
            }
            std::vector<Expected> expected;
            for (const Expected& e : scored)
                if (e.score >= top - kBestSentenceTies)
                    expected.push_back(e);
            losers += int(scored.size() - expected.size());

            const std::vector<SentenceMatch>& actual = (*best)[p];
            QCOMPARE(actual.size(), expected.size());
            for (std::size_t i = 0; i < expected.size(); ++i) {
                QCOMPARE(actual[i].start, expected[i].start);
                QCOMPARE(actual[i].end, expected[i].end);
                // One batch against one text per call: float rounding only.
                QVERIFY2(std::fabs(actual[i].score - expected[i].score) <= 1e-5,
                         qPrintable(QStringLiteral("passage %1 sentence %2: %3 vs %4")
                                        .arg(p)
                                        .arg(i)
                                        .arg(actual[i].score)
                                        .arg(expected[i].score)));
            }
        }
        QVERIFY2(losers > 0, "every sentence tied: the passages do not test the choice");
    }

    void passagesWithoutSentencesGetNone() {
        const std::vector<float> q = embedOne(QStringLiteral("anything"));
        auto none = bestSentences(*m_embedder, q.data(), {});
        QVERIFY(none.ok());
        QVERIFY(none->empty());
        auto blank = bestSentences(*m_embedder, q.data(),
                                   {QStringLiteral(" \n\t "), QStringLiteral("One sentence.")});
        QVERIFY(blank.ok());
        QCOMPARE(blank->size(), std::size_t(2));
        QVERIFY((*blank)[0].empty());
        QCOMPARE((*blank)[1].size(), std::size_t(1));
        QCOMPARE((*blank)[1][0].start, qsizetype(0));
        QCOMPARE((*blank)[1][0].end, qsizetype(13));
    }
};

QTEST_GUILESS_MAIN(TestSearcher)
#include "test_searcher.moc"
