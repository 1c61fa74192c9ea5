// The readers of semsearch-extract, called in this process: documents made at test time by
// pandoc, groff and Ghostscript from known text; PDF text checked against pdftotext (poppler's
// own command, the independent reference); hand-written HTML; damaged and hostile inputs.

#include "document_tools.h"
#include "extract/formats/readers.h"
#include "extract/formats/running_lines.h"
#include "test_files.h"
#include "torch_bin_writer.h"

#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace semsearch;
using namespace semsearch::extractor;

namespace {

const QByteArray kMarkdown = R"(# Installation

The cat sleeps on the warm sofa all afternoon. See [the manual](http://example.com/manual) for
**more** details.

## Usage

| Animal | Sound |
|--------|-------|
| dog    | bark  |

Quarterly revenue grew by four percent.[^1]

- The first item of the list.
- The second item of the list.

[^1]: A footnote about the revenue.
)";

// The sentences of kMarkdown as every reader must give them back, in this order.
const QStringList kSentences = {
    QStringLiteral("Installation"),
    QStringLiteral("The cat sleeps on the warm sofa all afternoon."),
    QStringLiteral("See the manual for more details."),
    QStringLiteral("Usage"),
    QStringLiteral("Quarterly revenue grew by four percent."),
    QStringLiteral("The first item of the list."),
    QStringLiteral("The second item of the list."),
};

const QByteArray kTwoPages = R"(.PP
The cat sleeps on the warm sofa all afternoon.
Quarterly revenue grew by four percent in the northern region.
.bp
.PP
The train to Oslo leaves at nine in the morning.
)";

QString words(const QString& text) {
    return text.simplified();
}

// The place in effect at text position `at`.
DocumentPlace placeAt(const ExtractReply& reply, qsizetype at) {
    DocumentPlace found;
    for (const DocumentPlace& place : reply.places)
        if (place.start <= at)
            found = place;
    return found;
}

ExtractLimits defaultLimits() {
    return ExtractLimits{};
}

// A ZIP of one deflated entry (qCompress's zlib stream without its header and checksum) that
// says it unpacks to `claimedSize`.
QByteArray deflatedZip(const std::string& name, const QByteArray& contents,
                       std::uint64_t claimedSize) {
    const QByteArray zlib = qCompress(contents, 9);
    const QByteArray raw = zlib.mid(4 + 2, zlib.size() - 4 - 2 - 4);
    test::ZipEntryBytes entry{name, raw, 8,
                              zipCrc32(reinterpret_cast<const unsigned char*>(contents.data()),
                                       std::size_t(contents.size())),
                              claimedSize};
    return test::writeZipEntries({entry});
}

} // namespace

class TestExtractorReaders : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    QByteArray made(const QString& format) {
        const QString path = m_dir.filePath(QStringLiteral("made.") + format);
        const test::ToolRun run = test::pandoc(kMarkdown, format, path);
        if (!run.ok)
            qWarning().noquote() << run.problem;
        return test::readFile(path);
    }

    QByteArray twoPagePdf() {
        const test::ToolRun run = test::groffPdf(kTwoPages);
        if (!run.ok)
            qWarning().noquote() << run.problem;
        return run.out;
    }

    QString pdftotext(const QByteArray& pdf, const QStringList& pages = {}) {
        const QString path = m_dir.filePath(QStringLiteral("reference.pdf"));
        test::writeFile(path, pdf);
        const test::ToolRun run = test::runTool(QStringLiteral("pdftotext"),
                                                QStringList(pages) << path << QStringLiteral("-"));
        if (!run.ok)
            qWarning().noquote() << run.problem;
        return QString::fromUtf8(run.out);
    }

private Q_SLOTS:
    void pandocFormatsGiveTheSentencesInOrder_data() {
        QTest::addColumn<QString>("format");
        for (const char* format : {"docx", "odt", "epub", "html"})
            QTest::newRow(format) << QString::fromLatin1(format);
    }

    void pandocFormatsGiveTheSentencesInOrder() {
        QFETCH(QString, format);
        const QByteArray bytes = made(format);
        QVERIFY(!bytes.isEmpty());
        ExtractRequest request;
        request.format = format == QLatin1String("docx")   ? DocumentFormat::Docx
                         : format == QLatin1String("odt")  ? DocumentFormat::Odt
                         : format == QLatin1String("epub") ? DocumentFormat::Epub
                                                           : DocumentFormat::Html;
        request.bytes = bytes;
        const ExtractReply reply = readDocument(request);
        QVERIFY2(reply.ok, qPrintable(reply.problem));
        const QString text = words(reply.text);
        qsizetype from = 0;
        for (const QString& sentence : kSentences) {
            const qsizetype at = text.indexOf(sentence, from);
            QVERIFY2(at >= 0, qPrintable(sentence + QStringLiteral(" not after ") +
                                         QString::number(from) + QStringLiteral(" in: ") + text));
            from = at + sentence.size();
        }
        // The table's words are there; the markup is not.
        for (const char* word : {"Animal", "Sound", "dog", "bark"})
            QVERIFY(text.contains(QLatin1String(word)));
        for (const char* markup : {"http", "example.com", "**", "|", "[^1]", "<", "{"})
            QVERIFY2(!reply.text.contains(QLatin1String(markup)), markup);
        // Sections by heading.
        const qsizetype revenue = reply.text.indexOf(QLatin1String("Quarterly revenue"));
        QCOMPARE(placeAt(reply, revenue).section, QStringLiteral("Usage"));
        QCOMPARE(placeAt(reply, reply.text.indexOf(QLatin1String("The cat"))).section,
                 QStringLiteral("Installation"));
        QCOMPARE(placeAt(reply, revenue).page, 0);
        // The footnote comes after the paragraph that refers to it, before the list.
        const qsizetype note = reply.text.indexOf(QLatin1String("A footnote about the revenue."));
        QVERIFY(note > revenue);
        if (format == QLatin1String("docx") || format == QLatin1String("odt"))
            QVERIFY(note < reply.text.indexOf(QLatin1String("The first item")));
    }

    void pdfTextMatchesPdftotext() {
        const QByteArray pdf = twoPagePdf();
        QVERIFY(pdf.startsWith("%PDF-"));
        const ExtractReply reply = readPdf(pdf, defaultLimits());
        QVERIFY2(reply.ok, qPrintable(reply.problem));
        // pdftotext keeps the number groff prints atop page 2 ("-2-"); semsearch leaves a
        // page's own number out (running_lines.h).
        QStringList reference = pdftotext(pdf).split(QLatin1Char('\n'));
        QCOMPARE(reference.removeIf(
                     [](const QString& line) { return line.trimmed() == QLatin1String("-2-"); }),
                 qsizetype(1));
        QCOMPARE(words(reply.text), words(reference.join(QLatin1Char('\n'))));
    }

    void pdfPlacesArePages() {
        const QByteArray pdf = twoPagePdf();
        const ExtractReply reply = readPdf(pdf, defaultLimits());
        QVERIFY(reply.ok);
        QVERIFY(pdftotext(pdf, {QStringLiteral("-f"), QStringLiteral("2"), QStringLiteral("-l"),
                                QStringLiteral("2")})
                    .contains(QLatin1String("Oslo")));
        QCOMPARE(placeAt(reply, reply.text.indexOf(QLatin1String("Oslo"))).page, 2);
        QCOMPARE(placeAt(reply, reply.text.indexOf(QLatin1String("sofa"))).page, 1);
        QCOMPARE(placeAt(reply, reply.text.indexOf(QLatin1String("northern"))).page, 1);
        // No paragraph runs over the page break, so no passage can.
        const qsizetype pageTwo = reply.places.back().start;
        QVERIFY(reply.text.mid(pageTwo - 2, 2) == QLatin1String("\n\n"));
    }

    void pdfWordsHyphenatedAtLineEndsAreJoined() {
        // A narrow measure makes groff hyphenate the long words at line ends; pdftotext -raw
        // (content order, no joining) shows the hyphens are in the PDF.
        const QByteArray troff = ".nr LL 1.5i\n.nr HY 1\n.PP\nCharacteristically, "
                                 "internationalization of incomprehensibilities overwhelmingly "
                                 "necessitates extraordinarily comprehensive documentation.\n";
        const test::ToolRun pdf = test::groffPdf(troff);
        QVERIFY2(pdf.ok, qPrintable(pdf.problem));
        const QString reference = pdftotext(pdf.out, {QStringLiteral("-raw")});
        QVERIFY2(reference.contains(QRegularExpression(QStringLiteral("[a-z]-\n[a-z]"))),
                 qPrintable(reference));
        const ExtractReply reply = readPdf(pdf.out, defaultLimits());
        QVERIFY(reply.ok);
        for (const char* word : {"Characteristically", "internationalization",
                                 "incomprehensibilities", "overwhelmingly", "necessitates",
                                 "extraordinarily", "comprehensive", "documentation"})
            QVERIFY2(words(reply.text).contains(QLatin1String(word)), qPrintable(reply.text));
    }

    // groff's ms macros print a header (here a title and the page number "-2-", "-3-" ...) at
    // the top of every page after the first and a footer at the bottom of each; pdftotext shows
    // them in the text. The reader leaves them out and keeps every sentence on its page.
    void pdfRunningHeadersAndFootersAreLeftOut() {
        const QStringList sentences = {
            QStringLiteral("The cat sleeps on the warm sofa all afternoon."),
            QStringLiteral("The train to Oslo leaves at nine in the morning."),
            QStringLiteral("Quarterly revenue grew by four percent."),
            QStringLiteral("Knead the dough for ten minutes."),
        };
        QByteArray troff = ".ds LH Annual Report 2026\n.ds CF Confidential\n";
        for (const QString& sentence : sentences)
            troff += (troff.endsWith("Confidential\n") ? "" : ".bp\n") + QByteArray(".PP\n") +
                     sentence.toUtf8() + '\n';
        const test::ToolRun pdf = test::groffPdf(troff);
        QVERIFY2(pdf.ok, qPrintable(pdf.problem));
        const QString reference = pdftotext(pdf.out);
        for (const char* furniture : {"Annual Report 2026", "Confidential", "-3-"})
            QVERIFY2(reference.contains(QLatin1String(furniture)), qPrintable(reference));

        const ExtractReply reply = readPdf(pdf.out, defaultLimits());
        QVERIFY2(reply.ok, qPrintable(reply.problem));
        for (const char* furniture : {"Annual", "Confidential", "-2-", "-3-", "-4-"})
            QVERIFY2(!reply.text.contains(QLatin1String(furniture)), qPrintable(reply.text));
        for (int i = 0; i < sentences.size(); ++i) {
            const qsizetype at = reply.text.indexOf(sentences[i]);
            QVERIFY2(at >= 0, qPrintable(reply.text));
            QCOMPARE(placeAt(reply, at).page, i + 1);
        }
    }

    // The rule itself, on page texts written here.
    void runningLinesNeedEnoughPagesAtTheirEdge() {
        // A header on 3 of 4 pages (not the first), page numbers in the footer: both go; the
        // same sentence inside each page and a heading on top of one page stay.
        // Body lines differ from page to page in words, not only in numbers.
        const QStringList names = {QString(), QStringLiteral("one"), QStringLiteral("two"),
                                   QStringLiteral("three"), QStringLiteral("four")};
        auto body = [&](int page) {
            QString text;
            for (const char* part : {"A", "B", "C", "middle", "D", "E", "F"})
                text += part == QLatin1String("middle")
                            ? QStringLiteral("Repeated in the middle.\n")
                            : QStringLiteral("Line %1 of page %2.\n")
                                  .arg(QLatin1String(part), names[page]);
            return text;
        };
        std::vector<QString> pages = {QStringLiteral("Introduction\n") + body(1) +
                                      QStringLiteral("\n1")};
        for (int page = 2; page <= 4; ++page)
            pages.push_back(QStringLiteral("My Book\n") + body(page) + QString::number(page));
        dropRunningLines(pages);
        QCOMPARE(pages[0], QStringLiteral("Introduction\n") + body(1).trimmed());
        for (int page = 2; page <= 4; ++page)
            QCOMPARE(pages[std::size_t(page - 1)], body(page).trimmed());

        // Two pages say too little for a repeated line, but a page's own number goes: at the
        // bottom or the top, set off by dashes, also where only one page has one. A number
        // that is not the page's, or a line with more than a number, stays.
        std::vector<QString> two = {QStringLiteral("My Book\nBody one.\n1"),
                                    QStringLiteral("My Book\nBody two.\n2")};
        dropRunningLines(two);
        QCOMPARE(two, (std::vector<QString>{QStringLiteral("My Book\nBody one."),
                                            QStringLiteral("My Book\nBody two.")}));
        std::vector<QString> numbered = {QStringLiteral("Body one.\n7"),
                                         QStringLiteral("-2-\nBody two.\nStep 2")};
        dropRunningLines(numbered);
        QCOMPARE(numbered, (std::vector<QString>{QStringLiteral("Body one.\n7"),
                                                 QStringLiteral("Body two.\nStep 2")}));

        // A line at the top of 2 of 6 pages is under half: it stays.
        std::vector<QString> six;
        for (int i = 0; i < 6; ++i)
            six.push_back((i < 2 ? QStringLiteral("Chapter One\n") : QString()) +
                          QStringLiteral("Sentence number %1 of the book.").arg(QChar('a' + i)));
        const std::vector<QString> sixBefore = six;
        dropRunningLines(six);
        QCOMPARE(six, sixBefore);
    }

    void pdfDamagedOrUnreadable_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("problem");
        const QByteArray pdf = twoPagePdf();
        QTest::newRow("truncated") << pdf.left(pdf.size() / 2) << QStringLiteral("damaged PDF");
        QByteArray noise(4000, Qt::Uninitialized);
        for (qsizetype i = 0; i < noise.size(); ++i)
            noise[i] = char((i * 7919 + 13) % 251);
        QTest::newRow("random bytes") << noise << QStringLiteral("not a PDF file");
        QTest::newRow("header only") << QByteArray("%PDF-1.4\n") << QStringLiteral("damaged PDF");
        const test::ToolRun image = test::groffPdf(".PP\n\\D'l 2i 0'\n");
        QTest::newRow("no text layer")
            << image.out << QStringLiteral("no text layer: scanned pages?");
    }

    void pdfDamagedOrUnreadable() {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, problem);
        const ExtractReply reply = readPdf(bytes, defaultLimits());
        QVERIFY(!reply.ok);
        QCOMPARE(reply.problem, problem);
    }

    void pdfWithAPassword() {
        const QString plain = m_dir.filePath(QStringLiteral("plain.pdf"));
        const QString locked = m_dir.filePath(QStringLiteral("locked.pdf"));
        QVERIFY(test::writeFile(plain, twoPagePdf()));
        const test::ToolRun gs = test::runTool(
            QStringLiteral("gs"),
            {QStringLiteral("-q"), QStringLiteral("-dNOPAUSE"), QStringLiteral("-dBATCH"),
             QStringLiteral("-sDEVICE=pdfwrite"), QStringLiteral("-sOwnerPassword=owner"),
             QStringLiteral("-sUserPassword=secret"), QStringLiteral("-sOutputFile=") + locked,
             plain});
        QVERIFY2(gs.ok, qPrintable(gs.problem));
        const ExtractReply reply = readPdf(test::readFile(locked), defaultLimits());
        QVERIFY(!reply.ok);
        QCOMPARE(reply.problem, QStringLiteral("password-protected PDF"));
    }

    void limitsSkipTheFile() {
        ExtractLimits onePage;
        onePage.maxPages = 1;
        QCOMPARE(readPdf(twoPagePdf(), onePage).problem, QStringLiteral("more than 1 pages (2)"));
        ExtractLimits littleText;
        littleText.maxTextBytes = 40;
        QCOMPARE(readPdf(twoPagePdf(), littleText).problem,
                 QStringLiteral("more than 40 bytes of text"));
        ExtractLimits fewEntries;
        fewEntries.maxEntries = 2;
        QVERIFY(readDocx(made(QStringLiteral("docx")), fewEntries)
                    .problem.startsWith(QLatin1String("more than 2 entries in the ZIP archive")));
    }

    void zipBombs_data() {
        QTest::addColumn<QByteArray>("bytes");
        const QByteArray zeros(8 * 1024 * 1024, '\0');
        QTest::newRow("says how large") << deflatedZip("word/document.xml", zeros, zeros.size());
        // Claims a small size and unpacks to more: the cap holds while inflating.
        QTest::newRow("lies about it") << deflatedZip("word/document.xml", zeros, 100);
    }

    void zipBombs() {
        QFETCH(QByteArray, bytes);
        ExtractLimits limits;
        limits.maxUnpackedBytes = 1024 * 1024;
        const ExtractReply reply = readDocx(bytes, limits);
        QVERIFY(!reply.ok);
        QCOMPARE(reply.problem, QStringLiteral("unpacks to more than 1 MiB (a ZIP bomb?)"));
    }

    void damagedContainers_data() {
        QTest::addColumn<QString>("format");
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("problemStart");
        for (const char* format : {"docx", "odt", "epub"}) {
            const QString name = QString::fromLatin1(format);
            QTest::addRow("%s random", format)
                << name << QByteArray(3000, 'x') << QStringLiteral("not a ZIP archive");
            const QByteArray whole = made(name);
            QTest::addRow("%s truncated", format)
                << name << whole.left(whole.size() - 200) << QStringLiteral("damaged ZIP archive");
        }
        QTest::newRow("zip without document.xml")
            << QStringLiteral("docx") << test::writeZip({{"a.txt", QByteArray("hello")}})
            << QStringLiteral("not a DOCX document");
    }

    void damagedContainers() {
        QFETCH(QString, format);
        QFETCH(QByteArray, bytes);
        QFETCH(QString, problemStart);
        ExtractRequest request;
        request.format = format == QLatin1String("docx")  ? DocumentFormat::Docx
                         : format == QLatin1String("odt") ? DocumentFormat::Odt
                                                          : DocumentFormat::Epub;
        request.bytes = bytes;
        const ExtractReply reply = readDocument(request);
        QVERIFY(!reply.ok);
        QVERIFY2(reply.problem.startsWith(problemStart), qPrintable(reply.problem));
    }

    void emptyFiles() {
        for (DocumentFormat format :
             {DocumentFormat::Pdf, DocumentFormat::Html, DocumentFormat::Docx, DocumentFormat::Odt,
              DocumentFormat::Epub}) {
            ExtractRequest request;
            request.format = format;
            QCOMPARE(readDocument(request).problem, QStringLiteral("empty file"));
        }
        QCOMPARE(readHtml("<html><body>  </body></html>", defaultLimits()).problem,
                 QStringLiteral("empty document"));
    }

    void htmlLeavesOutWhatIsNotText() {
        const QByteArray html = R"(<!DOCTYPE html>
<html><head><title>The  Title</title>
<style>body { color: red; }</style>
<script>var secret = "script text";</script></head>
<body>
<nav hidden>Hidden navigation</nav>
<h1>First &amp; Foremost</h1>
<p>Caf&eacute; prices rose by &lt;5%&gt;.<span style="display: none">invisible</span> Still
   here.</p>
<div aria-hidden="true">Also hidden</div>
<ul><li>One item</li><li>Another item</li></ul>
<pre>line one
  line two</pre>
<template><p>Template text</p></template>
<noscript>Enable scripts</noscript>
<p>Last<br>line</p>
</body></html>)";
        const ExtractReply reply = readHtml(html, defaultLimits());
        QVERIFY2(reply.ok, qPrintable(reply.problem));
        QCOMPARE(reply.text, QStringLiteral("The Title\n\nFirst & Foremost\n\nCafé prices rose by "
                                            "<5%>. Still here.\n\nOne item\n\nAnother item\n\n"
                                            "line one\n  line two\n\nLast\nline"));
        QCOMPARE(placeAt(reply, reply.text.indexOf(QStringLiteral("Café"))).section,
                 QStringLiteral("First & Foremost"));
        QCOMPARE(placeAt(reply, 0).section, QString());
    }

    void htmlCharsets_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("expected");
        QTest::newRow("undeclared windows-1252")
            << QByteArray("<html><body><p>caf\xE9 \x93quoted\x94 \x80 5</p></body></html>")
            << QStringLiteral("café “quoted” € 5");
        QTest::newRow("meta charset")
            << QByteArray("<html><head><meta charset=\"iso-8859-7\"></head><body><p>\xE1\xE2\xE3"
                          "</p></body></html>")
            << QStringLiteral("αβγ");
        QTest::newRow("http-equiv")
            << QByteArray("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; "
                          "charset=koi8-r\"></head><body><p>\xD0\xD2\xC9\xD7\xC5\xD4</p></body>"
                          "</html>")
            << QStringLiteral("привет");
        QString utf16 = QStringLiteral("<html><body><p>Grüße</p></body></html>");
        QByteArray le("\xFF\xFE");
        for (const QChar c : utf16)
            le.append(char(c.unicode() & 0xff)).append(char(c.unicode() >> 8));
        QTest::newRow("utf-16 with a mark") << le << QStringLiteral("Grüße");
        QTest::newRow("utf-8") << QByteArray("<p>Grüße</p>") << QStringLiteral("Grüße");
    }

    void htmlCharsets() {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, expected);
        const ExtractReply reply = readHtml(bytes, defaultLimits());
        QVERIFY2(reply.ok, qPrintable(reply.problem));
        QCOMPARE(reply.text, expected);
    }
};

QTEST_GUILESS_MAIN(TestExtractorReaders)
#include "test_extractor_readers.moc"
