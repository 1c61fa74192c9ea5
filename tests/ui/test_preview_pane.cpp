// PreviewPane on temporary files written byte by byte (UTF-8 with multi-byte characters,
// UTF-16 with a byte-order mark and CRLF line ends, Latin-1). Passage byte ranges are found in
// the raw bytes here, independently of the code under test, and the highlighted ranges are
// compared with the passage texts written in the test.

#include "document_tools.h"
#include "generous_wait.h"
#include "model_folder_fixture.h"
#include "page_opener.h"
#include "preview/preview_pane.h"
#include "test_palettes.h"

#include <QFile>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QThreadPool>
#include <QToolButton>
#include <QtTest>

#include <cmath>

using namespace semsearch;
using namespace semsearch::test;
using semsearch::ui::PreviewPane;

namespace {

QByteArray utf16le(const QString& text) {
    QByteArray bytes("\xFF\xFE");
    for (QChar c : text) {
        bytes.append(char(c.unicode() & 0xFF));
        bytes.append(char(c.unicode() >> 8));
    }
    return bytes;
}

enum class Encoding { Utf8, Utf16LE, Latin1 };

QByteArray encode(const QString& text, Encoding encoding, bool withMark) {
    switch (encoding) {
    case Encoding::Utf8:
        return text.toUtf8();
    case Encoding::Utf16LE:
        return withMark ? utf16le(text) : utf16le(text).mid(2);
    case Encoding::Latin1:
        return text.toLatin1();
    }
    return {};
}

// The passage with its byte range found in the file's bytes.
PassageHit locate(const QByteArray& file, Encoding encoding, const QString& text, std::int64_t id,
                  float score) {
    const QByteArray needle = encode(text, encoding, false);
    PassageHit hit;
    hit.passageId = id;
    hit.score = score;
    hit.text = text;
    hit.byteStart = file.indexOf(needle);
    hit.byteEnd = hit.byteStart + needle.size();
    return hit;
}

// The selection's text with QTextDocument's block separators as "\n".
QString selectedText(const QTextCursor& cursor) {
    return cursor.selectedText().replace(QChar::ParagraphSeparator, QLatin1Char('\n'));
}

double luminance(const QColor& colour) {
    auto channel = [](double c) {
        return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF()) +
           0.0722 * channel(colour.blueF());
}

// WCAG contrast ratio, 1 .. 21.
double contrast(const QColor& a, const QColor& b) {
    const double la = luminance(a), lb = luminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

double distance(const QColor& a, const QColor& b) {
    return std::abs(a.redF() - b.redF()) + std::abs(a.greenF() - b.greenF()) +
           std::abs(a.blueF() - b.blueF());
}

} // namespace

Q_DECLARE_METATYPE(Encoding)

class TestPreviewPane : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;

    QString write(const QString& name, const QByteArray& bytes) {
        const QString path = m_dir.filePath(name);
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
            file.write(bytes) != bytes.size())
            return QString();
        return path;
    }

    static QPlainTextEdit* textOf(PreviewPane& pane) {
        return pane.findChild<QPlainTextEdit*>(QStringLiteral("previewText"));
    }
    static QString labelText(PreviewPane& pane, const char* name) {
        auto* label = pane.findChild<QLabel*>(QLatin1String(name));
        return label ? label->text() : QStringLiteral("<no label %1>").arg(QLatin1String(name));
    }

    // PreviewPane::showDocument, waiting for the document read in the background to be shown.
    static void showDocument(PreviewPane& pane, const QString& path,
                             const std::vector<PassageHit>& passages, std::int64_t focus = 0) {
        QSignalSpy shown(&pane, &PreviewPane::documentShown);
        pane.showDocument(path, passages, focus);
        QVERIFY(shown.wait(kGenerousWaitMs));
        QCOMPARE(shown.first().first().toString(), path);
    }

    // The pane shown and active, so that its shortcuts work.
    static void showActive(PreviewPane& pane) {
        pane.resize(420, 300);
        pane.show();
        pane.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&pane));
        textOf(pane)->setFocus();
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void highlightsCoverExactlyThePassages_data() {
        QTest::addColumn<Encoding>("encoding");
        QTest::addColumn<QString>("text");
        QTest::addColumn<QStringList>("passages"); // in document order
        QTest::addColumn<QList<float>>("scores");
        QTest::newRow("UTF-8, multi-byte")
            << Encoding::Utf8
            << QStringLiteral("Gr\u00FC\u00DFe aus K\u00F6ln! \U0001F600 Erste Zeile.\n"
                              "Zweite Zeile mit Umlauten: \u00E4\u00F6\u00FC.\n\n"
                              "Dritter Absatz \u2014 mit \u4E2D\u6587 und \U0001F431.\n")
            << QStringList{QStringLiteral("Erste Zeile."),
                           QStringLiteral("Zweite Zeile mit Umlauten: \u00E4\u00F6\u00FC."),
                           QStringLiteral("Dritter Absatz \u2014 mit \u4E2D\u6587 und "
                                          "\U0001F431.")}
            << QList<float>{0.5f, 0.7f, 0.9f};
        QTest::newRow("UTF-16 with mark, CRLF")
            << Encoding::Utf16LE
            << QStringLiteral("First line.\r\nSecond line with \u00FC and \U0001F600.\r\n"
                              "Third line\r\nruns on.\r\n")
            << QStringList{QStringLiteral("Second line with \u00FC and \U0001F600."),
                           QStringLiteral("Third line\r\nruns on.")}
            << QList<float>{0.9f, 0.4f};
        QTest::newRow("Latin-1")
            << Encoding::Latin1
            << QStringLiteral("Caf\u00E9 cr\u00E8me.\nNa\u00EFve fa\u00E7ade, d\u00E9j\u00E0 vu.\n")
            << QStringList{QStringLiteral("Na\u00EFve fa\u00E7ade, d\u00E9j\u00E0 vu.")}
            << QList<float>{0.6f};
    }
    void highlightsCoverExactlyThePassages() {
        QFETCH(Encoding, encoding);
        QFETCH(QString, text);
        QFETCH(QStringList, passages);
        QFETCH(QList<float>, scores);
        const QByteArray bytes = encode(text, encoding, true);
        const QString path = write(QStringLiteral("doc.txt"), bytes);
        std::vector<PassageHit> hits;
        for (qsizetype i = passages.size() - 1; i >= 0; --i) // not in document order
            hits.push_back(locate(bytes, encoding, passages[i], 100 + i, scores[i]));

        PreviewPane pane;
        showDocument(pane, path, hits);
        QCOMPARE(pane.path(), path);
        QPlainTextEdit* edit = textOf(pane);
        QString shownText = text;
        shownText.replace(QStringLiteral("\r\n"), QStringLiteral("\n"));
        QCOMPARE(edit->toPlainText(), shownText);

        const QList<QTextEdit::ExtraSelection> selections = edit->extraSelections();
        QCOMPARE(selections.size(), passages.size());
        for (qsizetype i = 0; i < passages.size(); ++i) {
            QString expected = passages[i];
            expected.replace(QStringLiteral("\r\n"), QStringLiteral("\n"));
            QCOMPARE(selectedText(selections[i].cursor), expected);
            QCOMPARE(selections[i].cursor.selectionStart(), shownText.indexOf(expected));
        }

        // The best passage is current: the cursor at its start, its number in the header.
        const qsizetype best = std::max_element(scores.begin(), scores.end()) - scores.begin();
        QCOMPARE(pane.currentMatch(), int(best));
        QCOMPARE(edit->textCursor().position(), selections[best].cursor.selectionStart());
        QCOMPARE(labelText(pane, "previewMatch"),
                 QStringLiteral("match %1 of %2").arg(best + 1).arg(passages.size()));
        QCOMPARE(labelText(pane, "previewFileName"), QStringLiteral("doc.txt"));
        QVERIFY(!pane.findChild<QLabel*>(QStringLiteral("previewNotice"))->isVisibleTo(&pane));
    }

    void strongerHighlightForBetterScores() {
        const QString text = QStringLiteral("Alpha one. Beta two. Gamma three.");
        const QByteArray bytes = text.toUtf8();
        const QString path = write(QStringLiteral("ranks.txt"), bytes);
        PreviewPane pane;
        pane.setPalette(lightPalette());
        showDocument(pane, path,
                     {locate(bytes, Encoding::Utf8, QStringLiteral("Beta two."), 1, 0.3f),
                      locate(bytes, Encoding::Utf8, QStringLiteral("Alpha one."), 2, 0.9f),
                      locate(bytes, Encoding::Utf8, QStringLiteral("Gamma three."), 3, 0.6f)});
        const auto selections = textOf(pane)->extraSelections();
        QCOMPARE(selections.size(), 3);
        const QColor base = Qt::white;
        auto strength = [&](int i) {
            return distance(selections[i].format.background().color(), base);
        };
        // Document order: Alpha (best), Beta (worst), Gamma (middle).
        QVERIFY(strength(0) > strength(2));
        QVERIFY(strength(2) > strength(1));
        QVERIFY(strength(1) > 0.1); // the worst is still visible
    }

    void highlightsReadInLightAndDarkPalettes_data() {
        QTest::addColumn<QPalette>("colours");
        QTest::newRow("light") << lightPalette();
        QTest::newRow("dark") << darkPalette();
    }
    void highlightsReadInLightAndDarkPalettes() {
        QFETCH(QPalette, colours);
        const QByteArray bytes = QByteArray("One. Two. Three.");
        const QString path = write(QStringLiteral("palette.txt"), bytes);
        PreviewPane pane;
        showDocument(pane, path,
                     {locate(bytes, Encoding::Utf8, QStringLiteral("One."), 1, 0.9f),
                      locate(bytes, Encoding::Utf8, QStringLiteral("Three."), 2, 0.1f)});
        // Set after showing: a palette change recolours what is shown.
        pane.setPalette(colours);
        const QColor text = colours.color(QPalette::Text);
        const QColor base = colours.color(QPalette::Base);
        const auto selections = textOf(pane)->extraSelections();
        QCOMPARE(selections.size(), 2);
        for (const auto& selection : selections) {
            const QColor background = selection.format.background().color();
            QVERIFY2(contrast(text, background) >= 4.5,
                     qPrintable(QStringLiteral("contrast %1 on %2")
                                    .arg(contrast(text, background))
                                    .arg(background.name())));
            QVERIFY(distance(background, base) > 0.1);
        }
    }

    void bestPassageNearTheEndIsScrolledIntoView() {
        QString text;
        for (int line = 1; line <= 400; ++line)
            text += QStringLiteral("Line %1 of filler text that says nothing.\n").arg(line);
        const QString needle = QStringLiteral("Line 390 of filler text that says nothing.");
        const QString early = QStringLiteral("Line 5 of filler text that says nothing.");
        const QByteArray bytes = text.toUtf8();
        const QString path = write(QStringLiteral("long.txt"), bytes);
        PreviewPane pane;
        showActive(pane);
        const std::vector<PassageHit> hits = {locate(bytes, Encoding::Utf8, needle, 1, 0.9f),
                                              locate(bytes, Encoding::Utf8, early, 2, 0.5f)};
        showDocument(pane, path, hits);
        QPlainTextEdit* edit = textOf(pane);
        auto visibleBlocks = [&] {
            const QRect area = edit->viewport()->rect();
            return qMakePair(edit->cursorForPosition(area.topLeft()).blockNumber(),
                             edit->cursorForPosition(area.bottomLeft()).blockNumber());
        };
        QCOMPARE(edit->textCursor().blockNumber(), 389);
        auto [first, last] = visibleBlocks();
        QVERIFY2(first <= 389 && 389 <= last,
                 qPrintable(QStringLiteral("%1..%2").arg(first).arg(last)));
        QVERIFY(first > 300);
        QCOMPARE(labelText(pane, "previewMatch"), QStringLiteral("match 2 of 2"));

        // A focus passage other than the best.
        showDocument(pane, path, hits, 2);
        std::tie(first, last) = visibleBlocks();
        QVERIFY2(first <= 4 && 4 <= last,
                 qPrintable(QStringLiteral("%1..%2").arg(first).arg(last)));
        QCOMPARE(labelText(pane, "previewMatch"), QStringLiteral("match 1 of 2"));
    }

    void nextAndPreviousCycleInDocumentOrder() {
        const QString text = QStringLiteral("First match here.\nFiller.\nSecond match here.\n"
                                            "Filler.\nThird match here.\n");
        const QByteArray bytes = text.toUtf8();
        const QString path = write(QStringLiteral("cycle.txt"), bytes);
        PreviewPane pane;
        showActive(pane);
        showDocument(pane, path,
                     {locate(bytes, Encoding::Utf8, QStringLiteral("Second match here."), 2, 0.9f),
                      locate(bytes, Encoding::Utf8, QStringLiteral("Third match here."), 3, 0.5f),
                      locate(bytes, Encoding::Utf8, QStringLiteral("First match here."), 1, 0.7f)});
        QPlainTextEdit* edit = textOf(pane);
        auto expectAt = [&](int match, const QString& passage) {
            QCOMPARE(pane.currentMatch(), match - 1);
            QCOMPARE(labelText(pane, "previewMatch"), QStringLiteral("match %1 of 3").arg(match));
            QCOMPARE(edit->textCursor().position(), text.indexOf(passage));
        };
        const QString first = QStringLiteral("First match here.");
        const QString second = QStringLiteral("Second match here.");
        const QString third = QStringLiteral("Third match here.");
        expectAt(2, second);
        QTest::keyClick(edit, Qt::Key_F3);
        expectAt(3, third);
        QTest::keyClick(edit, Qt::Key_F3); // wraps
        expectAt(1, first);
        QTest::keyClick(edit, Qt::Key_F3, Qt::ShiftModifier); // wraps back
        expectAt(3, third);
        QTest::keyClick(edit, Qt::Key_Down, Qt::ControlModifier);
        expectAt(1, first);
        QTest::keyClick(edit, Qt::Key_Up, Qt::ControlModifier);
        expectAt(3, third);
        QTest::keyClick(edit, Qt::Key_Up, Qt::ControlModifier);
        expectAt(2, second);

        auto* next = pane.findChild<QToolButton*>(QStringLiteral("nextMatch"));
        auto* previous = pane.findChild<QToolButton*>(QStringLiteral("previousMatch"));
        QVERIFY(next && previous);
        QTest::mouseClick(next, Qt::LeftButton);
        expectAt(3, third);
        QTest::mouseClick(previous, Qt::LeftButton);
        expectAt(2, second);
    }

    void buttonsAreNamedAndExplained() {
        PreviewPane pane;
        auto* next = pane.findChild<QToolButton*>(QStringLiteral("nextMatch"));
        auto* previous = pane.findChild<QToolButton*>(QStringLiteral("previousMatch"));
        QVERIFY(next && previous);
        QCOMPARE(next->accessibleName(), QStringLiteral("Next match"));
        QCOMPARE(previous->accessibleName(), QStringLiteral("Previous match"));
        QCOMPARE(next->toolTip(), QStringLiteral("Next match (F3)"));
        QCOMPARE(previous->toolTip(), QStringLiteral("Previous match (Shift+F3)"));
        QVERIFY(!next->isEnabled()); // nothing shown yet
        QVERIFY(!textOf(pane)->accessibleName().isEmpty());
    }

    void enterAndDoubleClickAskToOpen() {
        const QString path = write(QStringLiteral("open.txt"), "Some text to open.");
        PreviewPane pane;
        showActive(pane);
        QSignalSpy open(&pane, &PreviewPane::openRequested);
        QTest::keyClick(textOf(pane), Qt::Key_Return); // nothing shown: nothing to open
        QCOMPARE(open.size(), 0);
        showDocument(pane, path, {});
        QTest::keyClick(textOf(pane), Qt::Key_Return);
        QCOMPARE(open.size(), 1);
        QCOMPARE(open[0][0].toString(), path);
        QTest::mouseDClick(textOf(pane)->viewport(), Qt::LeftButton);
        QCOMPARE(open.size(), 2);
        QCOMPARE(open[1][0].toString(), path);
    }

    void vanishedFileShowsAMessage() {
        const QByteArray bytes = "Here today.";
        const QString path = write(QStringLiteral("notes.md"), bytes);
        PreviewPane pane;
        showDocument(pane, path,
                     {locate(bytes, Encoding::Utf8, QStringLiteral("Here today."), 1, 0.5f)});
        QCOMPARE(pane.matchCount(), 1);
        QVERIFY(QFile::remove(path));
        showDocument(pane, path,
                     {locate(bytes, Encoding::Utf8, QStringLiteral("Here today."), 1, 0.5f)});
        auto* notice = pane.findChild<QLabel*>(QStringLiteral("previewNotice"));
        QVERIFY(notice->isVisibleTo(&pane));
        QCOMPARE(notice->text(), QStringLiteral("notes.md can no longer be read: not found"));
        QCOMPARE(textOf(pane)->toPlainText(), QString());
        QVERIFY(!textOf(pane)->isVisibleTo(&pane)); // the message stands in for the text
        QCOMPARE(textOf(pane)->extraSelections().size(), 0);
        QCOMPARE(pane.matchCount(), 0);
        QCOMPARE(pane.path(), QString());
        QVERIFY(!pane.findChild<QToolButton*>(QStringLiteral("nextMatch"))->isEnabled());

        pane.clear();
        QVERIFY(!notice->isVisibleTo(&pane));
        QVERIFY(textOf(pane)->isVisibleTo(&pane));
    }

    void changedFileHighlightsWhatStillMatches() {
        const QByteArray before = "Kept sentence here. Dropped sentence here.";
        const QString path = write(QStringLiteral("changed.md"), before);
        const std::vector<PassageHit> hits = {
            locate(before, Encoding::Utf8, QStringLiteral("Dropped sentence here."), 1, 0.9f),
            locate(before, Encoding::Utf8, QStringLiteral("Kept sentence here."), 2, 0.5f)};
        // Rewritten since: a new first line moves everything, the second sentence is gone.
        const QString after = QStringLiteral("A new first line.\nKept sentence here. Replaced.");
        QVERIFY(!write(QStringLiteral("changed.md"), after.toUtf8()).isEmpty());

        PreviewPane pane;
        showDocument(pane, path, hits);
        auto* notice = pane.findChild<QLabel*>(QStringLiteral("previewNotice"));
        QVERIFY(notice->isVisibleTo(&pane));
        QCOMPARE(notice->text(),
                 QStringLiteral("changed.md changed since it was indexed; highlighting "
                                "only what still matches (1 of 2)."));
        QCOMPARE(textOf(pane)->toPlainText(), after);
        const auto selections = textOf(pane)->extraSelections();
        QCOMPARE(selections.size(), 1);
        QCOMPARE(selectedText(selections[0].cursor), QStringLiteral("Kept sentence here."));
        QCOMPARE(selections[0].cursor.selectionStart(), 18);
        QCOMPARE(labelText(pane, "previewMatch"), QStringLiteral("match 1 of 1"));

        // Nothing left that matches: the text is still shown, without highlights.
        showDocument(pane, path, {hits[0]});
        QCOMPARE(textOf(pane)->toPlainText(), after);
        QCOMPARE(textOf(pane)->extraSelections().size(), 0);
        QCOMPARE(pane.currentMatch(), -1);
        QCOMPARE(labelText(pane, "previewMatch"), QStringLiteral("no match shown"));
        QCOMPARE(notice->text(), QStringLiteral("changed.md changed since it was indexed; "
                                                "highlighting only what still matches (0 of 1)."));
    }

    void markdownShowsItsTextWithoutMarkup() {
        const QByteArray bytes = "# Garden\n\nTomatoes need **full** sun. Water them [daily]"
                                 "(https://example.com/water).\n";
        const QString path = write(QStringLiteral("garden.md"), bytes);
        // The byte range found in the file: from the passage's first word to the end of the
        // markup that closes it.
        PassageHit hit;
        hit.passageId = 1;
        hit.score = 0.5f;
        hit.text = QStringLiteral("Tomatoes need full sun. Water them daily.");
        hit.byteStart = bytes.indexOf("Tomatoes");
        hit.byteEnd = bytes.indexOf("/water).") + 8;
        hit.section = QStringLiteral("Garden");
        PreviewPane pane;
        showDocument(pane, path, {hit});
        QCOMPARE(textOf(pane)->toPlainText(),
                 QStringLiteral("Garden\n\nTomatoes need full sun. Water them daily.\n"));
        const auto selections = textOf(pane)->extraSelections();
        QCOMPARE(selections.size(), 1);
        QCOMPARE(selectedText(selections[0].cursor), hit.text);
        QCOMPARE(labelText(pane, "previewMatch"), QStringLiteral("match 1 of 1 \u00B7 Garden"));
    }

    void pdfShowsPagesAndTheMatchPage() {
        const test::ToolRun pdf = test::groffPdf(".PP\nThe cat sleeps on the warm sofa.\n.bp\n"
                                                 ".PP\nThe train to Oslo leaves at nine.\n");
        QVERIFY2(pdf.ok, qPrintable(pdf.problem));
        const QString path = write(QStringLiteral("travel.pdf"), pdf.out);
        ReadOptions options;
        options.extractor.helperPath = QStringLiteral(SEMSEARCH_EXTRACT);
        // The passages as the indexer makes them.
        DocumentReader reader(options);
        auto document = reader.read(path);
        QVERIFY(document.ok());
        auto tokenizer = WordPieceTokenizer::load(tinyModelPath());
        QVERIFY(tokenizer.ok());
        std::vector<PassageHit> hits;
        for (const PassageSpan& span : splitPassages(*document, *tokenizer, 128)) {
            if (!span.text.contains(QLatin1String("Oslo")) &&
                !span.text.contains(QLatin1String("sofa")))
                continue;
            PassageHit hit;
            hit.passageId = std::int64_t(hits.size() + 1);
            hit.score = span.text.contains(QLatin1String("Oslo")) ? 0.9f : 0.1f;
            hit.text = span.text;
            hit.byteStart = span.byteStart;
            hit.byteEnd = span.byteEnd;
            hit.page = span.page;
            hits.push_back(hit);
        }
        QCOMPARE(hits.size(), std::size_t(2));
        PreviewPane pane;
        pane.setReadOptions(options);
        showDocument(pane, path, hits);
        const QString shown = textOf(pane)->toPlainText();
        const qsizetype pageTwo = shown.indexOf(QStringLiteral("\u2014 page 2 \u2014"));
        QVERIFY2(shown.startsWith(QStringLiteral("\u2014 page 1 \u2014\n\n")), qPrintable(shown));
        QVERIFY(pageTwo > shown.indexOf(QLatin1String("sofa")));
        QVERIFY(pageTwo < shown.indexOf(QLatin1String("Oslo")));
        const auto selections = textOf(pane)->extraSelections();
        QCOMPARE(selections.size(), 2);
        QCOMPARE(selectedText(selections[1].cursor),
                 hits[0].text.contains(QLatin1String("Oslo")) ? hits[0].text : hits[1].text);
        QCOMPARE(labelText(pane, "previewMatch"), QStringLiteral("match 2 of 2 \u00B7 page 2"));
    }

    // A document that takes long to read (a helper that hangs until its time limit) leaves the
    // window free: the pane says it is reading it, and a document asked for later is shown in
    // its place, the slow answer discarded when it comes.
    void slowDocumentsAreReadInTheBackground() {
        qputenv("SEMSEARCH_EXTRACT_TEST_TRIGGERS", "1");
        const QString slow = write(QStringLiteral("slow.pdf"), "%PDF-1.4\nsemsearch-test-hang\n");
        const QString quick = write(QStringLiteral("quick.txt"), "Quick words.\n");
        ReadOptions options;
        options.extractor.helperPath = QStringLiteral(SEMSEARCH_EXTRACT);
        options.extractor.timeoutMs = 1000;
        PreviewPane pane;
        pane.setReadOptions(options);
        auto* notice = pane.findChild<QLabel*>(QStringLiteral("previewNotice"));
        QSignalSpy shown(&pane, &PreviewPane::documentShown);
        pane.showDocument(slow, {});
        QCOMPARE(shown.size(), 0);
        QTRY_COMPARE_WITH_TIMEOUT(notice->text(), QStringLiteral("Reading slow.pdf\u2026"),
                                  kGenerousWaitMs);
        QVERIFY(shown.wait(kGenerousWaitMs));
        QCOMPARE(notice->text(), QStringLiteral("slow.pdf can no longer be read: the PDF reader "
                                                "took longer than 1 s"));

        shown.clear();
        pane.showDocument(slow, {});
        pane.showDocument(quick, {});
        QVERIFY(shown.wait(kGenerousWaitMs));
        QCOMPARE(shown.first().first().toString(), quick);
        QCOMPARE(textOf(pane)->toPlainText(), QStringLiteral("Quick words.\n"));
        // Once the slow read has ended and its answer has been delivered, nothing changed.
        QVERIFY(QThreadPool::globalInstance()->waitForDone(kGenerousWaitMs));
        QTest::qWait(100);
        QCOMPARE(shown.size(), 1);
        QCOMPARE(pane.path(), quick);
        QCOMPARE(textOf(pane)->toPlainText(), QStringLiteral("Quick words.\n"));
        QVERIFY(notice->isHidden());
    }

    void viewersThatTakeAPage() {
        QCOMPARE(services::pageOpenCommand(QStringLiteral("org.gnome.Evince.desktop"),
                                           QStringLiteral("/d/a.pdf"), 12),
                 QStringList({QStringLiteral("evince"), QStringLiteral("--page-index=12"),
                              QStringLiteral("/d/a.pdf")}));
        QCOMPARE(services::pageOpenCommand(QStringLiteral("okularApplication_pdf.desktop"),
                                           QStringLiteral("/d/a.pdf"), 3),
                 QStringList({QStringLiteral("okular"), QStringLiteral("--page"),
                              QStringLiteral("3"), QStringLiteral("/d/a.pdf")}));
        QCOMPARE(services::pageOpenCommand(QStringLiteral("org.pwmt.zathura-pdf-poppler.desktop"),
                                           QStringLiteral("/d/a.pdf"), 2),
                 QStringList({QStringLiteral("zathura"), QStringLiteral("--page=2"),
                              QStringLiteral("/d/a.pdf")}));
        QVERIFY(services::pageOpenCommand(QStringLiteral("firefox.desktop"),
                                          QStringLiteral("/d/a.pdf"), 2)
                    .isEmpty());
    }
};

QTEST_MAIN(TestPreviewPane)
#include "test_preview_pane.moc"
