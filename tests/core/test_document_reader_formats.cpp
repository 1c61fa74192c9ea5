// DocumentReader: which reader takes a file, Markdown in this process with exact byte offsets,
// and the other formats through the semsearch-extract helper process, whose every failure
// (crash, hang, memory flood, a missing program) costs one file and is followed by a fresh
// helper.

#include "document_tools.h"
#include "generous_wait.h"
#include "model_folder_fixture.h"
#include "test_files.h"
#include "torch_bin_writer.h"

#include "semsearch/extract.h"

#include <QCryptographicHash>
#include <QRegularExpression>
#include <QStringDecoder>
#include <QTemporaryDir>
#include <QTest>

using namespace semsearch;

namespace {

const QByteArray kMarkdown = "Intro line before any heading.\n"
                             "\n"
                             "# Installation Guide\n"
                             "\n"
                             "Run the **installer** and follow [the steps](https://example.com/x) "
                             "on screen. Caf\xC3\xA9 _au lait_ is `optional`.\n"
                             "<!-- a comment\n"
                             "over two lines -->\n"
                             "Usage\n"
                             "-----\n"
                             "\n"
                             "| Key | Meaning |\n"
                             "|-----|---------|\n"
                             "| q   | quit    |\n"
                             "\n"
                             "> Quoted words stay.\n"
                             "\n"
                             "1. First step.\n"
                             "- [x] Done item.\n"
                             "\n"
                             "```sh\n"
                             "make install\n"
                             "```\n"
                             "[ref]: https://example.com/reference\n";

ReadOptions withHelper(int timeoutMs = 30000, qint64 memory = qint64(1) << 30) {
    ReadOptions options;
    options.extractor.helperPath = QStringLiteral(SEMSEARCH_EXTRACT);
    options.extractor.timeoutMs = timeoutMs;
    options.extractor.memoryLimitBytes = memory;
    return options;
}

QStringList wordsOf(const QString& text) {
    static const QRegularExpression nonWord(QStringLiteral("[^\\p{L}\\p{N}]+"));
    return text.split(nonWord, Qt::SkipEmptyParts);
}

} // namespace

class TestDocumentReaderFormats : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

    QString write(const QString& name, const QByteArray& bytes) {
        const QString path = m_dir.filePath(name);
        if (!test::writeFile(path, bytes))
            qWarning() << "cannot write" << path;
        return path;
    }

    QString pdf() {
        const test::ToolRun run = test::groffPdf(".PP\nThe cat sleeps on the warm sofa.\n.bp\n"
                                                 ".PP\nThe train leaves at nine.\n");
        if (!run.ok)
            qWarning().noquote() << run.problem;
        return write(QStringLiteral("good.pdf"), run.out);
    }

private Q_SLOTS:
    void initTestCase() {
        // The helper's test-only triggers (app/extract/main.cpp); children inherit it.
        qputenv("SEMSEARCH_EXTRACT_TEST_TRIGGERS", "1");
    }

    void formatByContentThenExtension_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<DocumentFormat>("format");
        QTest::newRow("pdf named txt")
            << "a.txt" << QByteArray("%PDF-1.7\n...") << DocumentFormat::Pdf;
        QTest::newRow("html by doctype")
            << "page.txt" << QByteArray("\xEF\xBB\xBF  <!DOCTYPE HTML><p>x")
            << DocumentFormat::Html;
        QTest::newRow("html by tag")
            << "page" << QByteArray("\n<html lang=en>") << DocumentFormat::Html;
        QTest::newRow("epub by mimetype")
            << "book.zip" << test::writeZip({{"mimetype", "application/epub+zip"}, {"a", "b"}})
            << DocumentFormat::Epub;
        QTest::newRow("odt by mimetype")
            << "x.bin" << test::writeZip({{"mimetype", "application/vnd.oasis.opendocument.text"}})
            << DocumentFormat::Odt;
        QTest::newRow("docx by layout")
            << "report" << test::writeZip({{"word/document.xml", "<w/>"}}) << DocumentFormat::Docx;
        QTest::newRow("other zip named txt")
            << "a.txt" << test::writeZip({{"a", "b"}}) << DocumentFormat::PlainText;
        QTest::newRow("random named pdf")
            << "x.PDF" << QByteArray("\x01\x02") << DocumentFormat::Pdf;
        QTest::newRow("random named docx") << "x.docx" << QByteArray("abc") << DocumentFormat::Docx;
        QTest::newRow("markdown") << "notes.Markdown" << QByteArray("# x")
                                  << DocumentFormat::Markdown;
        QTest::newRow("htm") << "old.htm" << QByteArray("hello") << DocumentFormat::Html;
        QTest::newRow("text") << "notes.txt" << QByteArray("<p>hi") << DocumentFormat::PlainText;
    }

    void formatByContentThenExtension() {
        QFETCH(QString, name);
        QFETCH(QByteArray, bytes);
        QFETCH(DocumentFormat, format);
        QCOMPARE(detectFormat(name, bytes), format);
    }

    void markdownLeavesMarkupOutWithExactOffsets() {
        const QString path = write(QStringLiteral("guide.md"), kMarkdown);
        DocumentReader reader(withHelper());
        auto document = reader.read(path);
        QVERIFY2(document.ok(), document.ok() ? "" : qPrintable(document.error().message));
        QCOMPARE(document->format, DocumentFormat::Markdown);
        QCOMPARE(reader.helperStarts(), 0); // read in this process
        const QString& text = document->text;
        for (const char* markup : {"**", "](", "https", "<!--", "comment", "|", "---", "```", "[x]",
                                   "> ", "# ", "`", "_au", "ref]"})
            QVERIFY2(!text.contains(QLatin1String(markup)), markup);
        for (const char* kept : {"Installation Guide",
                                 "Run the installer and follow the steps on "
                                 "screen.",
                                 "Café au lait is optional.", "Key", "Meaning", "quit",
                                 "Quoted words stay.", "First step.", "Done item.", "make install"})
            QVERIFY2(text.contains(QString::fromUtf8(kept)), kept);
        // Every line break of the file is still there.
        QCOMPARE(text.count(QLatin1Char('\n')), kMarkdown.count('\n'));

        // Each word of the text maps to the same word at its byte range in the file.
        static const QRegularExpression word(QStringLiteral("\\w+"));
        QRegularExpressionMatchIterator it = word.globalMatch(text);
        std::vector<qsizetype> starts, ends;
        QStringList found;
        while (it.hasNext()) {
            const QRegularExpressionMatch match = it.next();
            starts.push_back(match.capturedStart());
            ends.push_back(match.capturedEnd());
            found << match.captured();
        }
        const std::vector<qint64> byteStarts = byteOffsets(*document, starts);
        const std::vector<qint64> byteEnds = byteOffsets(*document, ends);
        for (qsizetype i = 0; i < found.size(); ++i) {
            const QByteArray slice = kMarkdown.mid(
                byteStarts[std::size_t(i)], byteEnds[std::size_t(i)] - byteStarts[std::size_t(i)]);
            // A word before markup that was left out ("installer**") ends where the next kept
            // text begins: the range holds the word, then that markup.
            const QString sliced = QString::fromUtf8(slice);
            QVERIFY2(sliced.startsWith(found[i]), qPrintable(sliced));
        }
        // And back: the markup after a word maps to the word's end.
        QCOMPARE(textPositions(*document, byteStarts), starts);
        QCOMPARE(textPositions(*document, byteEnds), ends);

        // Sections from ATX and setext headings; the text before the first has none.
        auto sectionAt = [&](const char* words) {
            QString section;
            const qsizetype at = text.indexOf(QLatin1String(words));
            for (const DocumentPlace& place : document->places)
                if (place.start <= at)
                    section = place.section;
            return section;
        };
        QCOMPARE(sectionAt("Intro line"), QString());
        QCOMPARE(sectionAt("Run the"), QStringLiteral("Installation Guide"));
        QCOMPARE(sectionAt("Quoted"), QStringLiteral("Usage"));
    }

    void markdownPassagesKeepFileLinesAndRanges_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("codec");
        QTest::newRow("utf-8") << kMarkdown << QString();
        QByteArray latin1 = QString::fromUtf8(kMarkdown).toLatin1();
        QTest::newRow("latin-1") << latin1 << QStringLiteral("latin1");
        QByteArray utf16("\xFF\xFE");
        for (const QChar c : QString::fromUtf8(kMarkdown))
            utf16.append(char(c.unicode() & 0xff)).append(char(c.unicode() >> 8));
        QTest::newRow("utf-16le") << utf16 << QStringLiteral("utf16le");
    }

    void markdownPassagesKeepFileLinesAndRanges() {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, codec);
        const QString path = write(QStringLiteral("passages.md"), bytes);
        DocumentReader reader(withHelper());
        auto document = reader.read(path);
        QVERIFY(document.ok());
        auto tokenizer = WordPieceTokenizer::load(test::tinyModelPath());
        QVERIFY(tokenizer.ok());
        const std::vector<PassageSpan> spans = splitPassages(*document, *tokenizer, 128);
        QVERIFY(spans.size() >= 5);
        QStringDecoder::Encoding encoding =
            codec == QLatin1String("latin1")    ? QStringDecoder::Latin1
            : codec == QLatin1String("utf16le") ? QStringDecoder::Utf16LE
                                                : QStringDecoder::Utf8;
        for (const PassageSpan& span : spans) {
            // The file's bytes in the range hold the passage's words, in order, and start with
            // its first character; the line is the file's.
            QStringDecoder decode(encoding);
            const QString slice = decode(bytes.mid(span.byteStart, span.byteEnd - span.byteStart));
            QVERIFY2(slice.startsWith(span.text.left(1)), qPrintable(slice));
            const QStringList passageWords = wordsOf(span.text);
            const QStringList sliceWords = wordsOf(slice);
            qsizetype at = 0;
            for (const QString& w : passageWords) {
                at = sliceWords.indexOf(w, at);
                QVERIFY2(at >= 0, qPrintable(w + QStringLiteral(" in ") + slice));
                ++at;
            }
            QStringDecoder before(encoding);
            QCOMPARE(QString(before(bytes.left(span.byteStart))).count(QLatin1Char('\n')) + 1,
                     span.line);
        }
        const auto installer = std::find_if(spans.begin(), spans.end(), [](const PassageSpan& s) {
            return s.text.contains(QLatin1String("installer"));
        });
        QVERIFY(installer != spans.end());
        QCOMPARE(installer->section, QStringLiteral("Installation Guide"));
        QCOMPARE(installer->page, 0);
    }

    void pdfThroughTheHelper() {
        const QString path = pdf();
        DocumentReader reader(withHelper());
        auto document = reader.read(path);
        QVERIFY2(document.ok(), document.ok() ? "" : qPrintable(document.error().message));
        QCOMPARE(document->format, DocumentFormat::Pdf);
        QCOMPARE(document->encoding, TextEncoding::Utf8);
        const QByteArray bytes = test::readFile(path);
        QCOMPARE(document->byteSize, bytes.size());
        QCOMPARE(document->contentHash,
                 QCryptographicHash::hash(bytes, QCryptographicHash::Sha256));
        QVERIFY(document->text.contains(QLatin1String("The cat sleeps on the warm sofa.")));
        QCOMPARE(document->places.size(), std::size_t(2));
        QCOMPARE(document->places[1].page, 2);
        QVERIFY(document->text.mid(document->places[1].start).contains(QLatin1String("train")));
        QCOMPARE(reader.helperStarts(), 1);
        // One helper reads file after file.
        QVERIFY(reader.read(path).ok());
        QCOMPARE(reader.helperStarts(), 1);
        QVERIFY(reader.extractSeconds() > 0);
    }

    void eachFailureCostsOneFile_data() {
        QTest::addColumn<QByteArray>("trigger");
        QTest::addColumn<int>("timeoutMs");
        QTest::addColumn<QString>("problem");
        // Only the hang waits for the time limit; the others must end by themselves first,
        // however busy the machine.
        QTest::newRow("crash") << QByteArray("semsearch-test-crash") << test::kGenerousWaitMs
                               << QStringLiteral("the PDF reader crashed (signal 11)");
        QTest::newRow("hang") << QByteArray("semsearch-test-hang") << 2000
                              << QStringLiteral("the PDF reader took longer than 2 s");
        QTest::newRow("memory flood") << QByteArray("semsearch-test-flood") << test::kGenerousWaitMs
                                      << QString::fromUtf8(test::kFloodProblem);
    }

    void eachFailureCostsOneFile() {
        QFETCH(QByteArray, trigger);
        QFETCH(int, timeoutMs);
        QFETCH(QString, problem);
        const QString good = pdf();
        const QString bad = write(QStringLiteral("bad.pdf"), "%PDF-1.4\n" + trigger + "\n");
        DocumentReader reader(withHelper(timeoutMs, qint64(256) << 20));
        QVERIFY(reader.read(good).ok());
        auto failed = reader.read(bad);
        QVERIFY(!failed.ok());
        QCOMPARE(failed.error().code, ErrorCode::Unsupported);
        QCOMPARE(failed.error().message, bad + QStringLiteral(": ") + problem);
        // A fresh helper reads the next file.
        auto next = reader.read(good);
        QVERIFY2(next.ok(), next.ok() ? "" : qPrintable(next.error().message));
        QCOMPARE(reader.helperStarts(), 2);
    }

    void aMissingHelperSkipsTheFile() {
        ReadOptions options;
        options.extractor.helperPath = m_dir.filePath(QStringLiteral("no-such-helper"));
        DocumentReader reader(options);
        const QString path = pdf();
        auto failed = reader.read(path);
        QVERIFY(!failed.ok());
        QCOMPARE(failed.error().message,
                 path + QStringLiteral(": cannot start semsearch-extract (%1): not found or not "
                                       "executable")
                            .arg(options.extractor.helperPath));
        // Text is read all the same.
        QVERIFY(reader.read(write(QStringLiteral("plain.txt"), "hello")).ok());
    }

    void aReaderProblemIsTheReason() {
        DocumentReader reader(withHelper());
        const QString path = write(QStringLiteral("noise.docx"), QByteArray(500, 'z'));
        auto failed = reader.read(path);
        QVERIFY(!failed.ok());
        QCOMPARE(failed.error().message, path + QStringLiteral(": not a ZIP archive"));
        const QString empty = write(QStringLiteral("empty.epub"), QByteArray());
        QCOMPARE(reader.read(empty).error().message, empty + QStringLiteral(": empty file"));
        QCOMPARE(reader.helperStarts(), 1);
    }
};

QTEST_GUILESS_MAIN(TestDocumentReaderFormats)
#include "test_document_reader_formats.moc"
