// Indexing a folder of documents of every format with the tiny model: each is indexed and
// searchable with its page or section; hostile files (a reader that crashes, hangs or floods
// memory, damaged files) cost one skip each with its reason, the run completes and the index
// verifies.

#include "document_tools.h"
#include "model_folder_fixture.h"
#include "test_files.h"

#include "semsearch/indexer.h"
#include "semsearch/searcher.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

using namespace semsearch;

namespace {

const QByteArray kMarkdown = "# Gardening\n\nTomatoes need six hours of sun every day.\n";

} // namespace

class TestIndexerDocuments : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_docs;
    std::unique_ptr<Embedder> m_embedder;

    void write(const QString& name, const QByteArray& bytes) {
        QVERIFY(test::writeFile(m_docs + QLatin1Char('/') + name, bytes));
    }

private Q_SLOTS:
    void initTestCase() {
        qputenv("SEMSEARCH_EXTRACT_TEST_TRIGGERS", "1");
        m_docs = m_dir.filePath(QStringLiteral("docs"));
        auto embedder = openEmbedder(test::tinyModelPath());
        QVERIFY(embedder.ok());
        m_embedder = std::move(embedder).value();

        const test::ToolRun pdf = test::groffPdf(".PP\nThe cat sleeps on the warm sofa.\n.bp\n"
                                                 ".PP\nThe train to Oslo leaves at nine.\n");
        QVERIFY2(pdf.ok, qPrintable(pdf.problem));
        write(QStringLiteral("travel.pdf"), pdf.out);
        QVERIFY(test::pandoc("# Budget\n\nQuarterly revenue grew by four percent.\n",
                             QStringLiteral("docx"), m_docs + QStringLiteral("/report.docx"))
                    .ok);
        write(QStringLiteral("page.html"),
              "<html><head><title>Recipes</title><script>var x = 1;</script></head><body>"
              "<h2>Bread</h2><p>Knead the dough for ten minutes.</p></body></html>");
        write(QStringLiteral("notes.md"), kMarkdown);
        write(QStringLiteral("crash.pdf"), "%PDF-1.4\nsemsearch-test-crash\n");
        write(QStringLiteral("hang.pdf"), "%PDF-1.4\nsemsearch-test-hang\n");
        write(QStringLiteral("flood.pdf"), "%PDF-1.4\nsemsearch-test-flood\n");
        write(QStringLiteral("truncated.docx"), test::readFile(m_docs + "/report.docx").left(300));
        write(QStringLiteral("damaged.odt"), "PK\x03\x04 not really");
    }

    void indexesEveryFormatAndSkipsHostileFiles() {
        auto index =
            IndexFolder::open(m_dir.filePath(QStringLiteral("index")), IndexFolder::Mode::Write);
        QVERIFY(index.ok());
        IndexOptions options;
        options.extract.helperPath = QStringLiteral(SEMSEARCH_EXTRACT);
        // Long enough for the real documents on a busy machine; the hang waits it out once.
        options.extract.timeoutMs = 5000;
        options.extract.memoryLimitBytes = qint64(256) << 20;
        Indexer indexer(**index, *m_embedder, options);
        auto stats = indexer.run({m_docs});
        QVERIFY2(stats.ok(), stats.ok() ? "" : qPrintable(stats.error().message));
        QCOMPARE(stats->filesAdded, 4);
        QCOMPARE(stats->filesSkipped, 5);
        QVERIFY(stats->extractSeconds > 0);

        SqliteStore& store = (*index)->store();
        auto skipped = store.skipped().all();
        QVERIFY(skipped.ok());
        QStringList reasons;
        for (const SkippedRecord& record : *skipped)
            reasons << record.path.section(QLatin1Char('/'), -1) + QStringLiteral(": ") +
                           record.reason;
        QCOMPARE(reasons, QStringList({
                              QStringLiteral("crash.pdf: the PDF reader crashed (signal 11)"),
                              QStringLiteral("damaged.odt: damaged ZIP archive: 15 bytes is "
                                             "too short for a ZIP archive"),
                              QStringLiteral("flood.pdf: ") + test::kFloodProblem,
                              QStringLiteral("hang.pdf: the PDF reader took longer than 5 s"),
                              QStringLiteral("truncated.docx: damaged ZIP archive: no ZIP "
                                             "end-of-directory record; the file is truncated "
                                             "or not a ZIP archive"),
                          }));
        auto problems = store.check();
        QVERIFY(problems.ok());
        QVERIFY2(problems->isEmpty(), qPrintable(problems->join(QLatin1Char('\n'))));

        auto pdf = store.documents().find(m_docs + QStringLiteral("/travel.pdf"));
        QVERIFY(pdf.ok() && pdf->has_value());
        QCOMPARE((*pdf)->encoding, QStringLiteral("pdf"));

        // Each passage is found with where it came from.
        Searcher searcher(**index, *m_embedder);
        SearchOptions search;
        search.limit = 1;
        auto expectPlace = [&](const char* passage, int page, const char* section) {
            auto hits = searcher.searchPassages(QString::fromUtf8(passage), search);
            QVERIFY(hits.ok() && !hits->empty());
            QVERIFY2(hits->front().text.contains(QString::fromUtf8(passage)),
                     qPrintable(hits->front().text));
            QCOMPARE(hits->front().page, page);
            QCOMPARE(hits->front().section, QString::fromUtf8(section));
        };
        expectPlace("The train to Oslo leaves at nine.", 2, "");
        expectPlace("The cat sleeps on the warm sofa.", 1, "");
        expectPlace("Quarterly revenue grew by four percent.", 0, "Budget");
        expectPlace("Knead the dough for ten minutes.", 0, "Bread");
        expectPlace("Tomatoes need six hours of sun every day.", 0, "Gardening");
    }

    // Keyword search reads what the readers extracted, not the files' bytes: a word only in a
    // PDF's text layer or an HTML page's body is found in its passage, with its page, and its
    // byte range points at the word in the extracted text (in the file for Markdown, past the
    // markup left out before it); a word only in the page's script is not found at all.
    void keywordSearchFindsTheDocumentsWords() {
        const QString docs = m_dir.filePath(QStringLiteral("keywords"));
        QVERIFY(QDir().mkpath(docs));
        // Markup before the word in its passage: the word's bytes in the file lie past it.
        QVERIFY(test::writeFile(docs + QStringLiteral("/links.md"),
                                "Plant [basil](https://example.org/basil) near the *tomatoes* "
                                "in spring.\n"));
        for (const char* name : {"travel.pdf", "page.html", "notes.md"})
            QVERIFY(QFile::copy(m_docs + QLatin1Char('/') + name, docs + QLatin1Char('/') + name));
        auto index = IndexFolder::open(m_dir.filePath(QStringLiteral("keyword-index")),
                                       IndexFolder::Mode::Write);
        QVERIFY(index.ok());
        IndexOptions options;
        options.extract.helperPath = QStringLiteral(SEMSEARCH_EXTRACT);
        Indexer indexer(**index, *m_embedder, options);
        auto stats = indexer.run({docs});
        QVERIFY2(stats.ok(), stats.ok() ? "" : qPrintable(stats.error().message));
        QCOMPARE(stats->filesAdded, 4);

        ReadOptions read;
        read.extractor.helperPath = QStringLiteral(SEMSEARCH_EXTRACT);
        DocumentReader reader(read);
        Searcher searcher(**index, *m_embedder);
        SearchOptions search;
        search.mode = SearchMode::Keyword;
        auto expectWord = [&](const char* word, const char* file, int page) {
            auto hits = searcher.searchPassages(QString::fromUtf8(word), search);
            QVERIFY2(hits.ok(), hits.ok() ? "" : qPrintable(hits.error().message));
            QCOMPARE(hits->size(), std::size_t(1));
            const PassageHit& hit = hits->front();
            QCOMPARE(QFileInfo(hit.path).fileName(), QString::fromUtf8(file));
            QCOMPARE(hit.page, page);
            QCOMPARE(hit.keywordMatches.size(), std::size_t(1));
            const KeywordMatch& match = hit.keywordMatches.front();
            QCOMPARE(hit.text.mid(match.start, match.end - match.start), QString::fromUtf8(word));
            // The byte range counts as the passage's does: in the extracted text as UTF-8
            // (PDF, HTML) or in the file (Markdown).
            auto document = reader.read(hit.path);
            QVERIFY(document.ok());
            const QByteArray bytes = document->format == DocumentFormat::Markdown
                                         ? test::readFile(hit.path)
                                         : document->text.toUtf8();
            QCOMPARE(bytes.mid(match.byteStart, match.byteEnd - match.byteStart), QByteArray(word));
        };
        expectWord("Oslo", "travel.pdf", 2);
        expectWord("Knead", "page.html", 0);
        expectWord("Recipes", "page.html", 0);
        expectWord("hours", "notes.md", 0);
        expectWord("spring", "links.md", 0);
        auto script = searcher.searchPassages(QStringLiteral("var"), search);
        QVERIFY(script.ok());
        QVERIFY(script->empty());

        // A Markdown file changed since it was indexed: its matches' bytes can no longer be
        // worked out, and each gets its passage's range, which still holds it.
        QVERIFY(test::writeFile(docs + QStringLiteral("/links.md"),
                                "Plant *basil* and [mint](https://example.org) in spring.\n"));
        auto stale = searcher.searchPassages(QStringLiteral("spring"), search);
        QVERIFY(stale.ok());
        QCOMPARE(stale->size(), std::size_t(1));
        const PassageHit& hit = stale->front();
        QCOMPARE(hit.keywordMatches.size(), std::size_t(1));
        QCOMPARE(hit.keywordMatches.front().byteStart, hit.byteStart);
        QCOMPARE(hit.keywordMatches.front().byteEnd, hit.byteEnd);
    }
};

QTEST_GUILESS_MAIN(TestIndexerDocuments)
#include "test_indexer_documents.moc"
