// printableText(): what a server or a file says, made inert before a terminal or a label shows
// it; escapedText(): a file name written out so that it is still recognisable. The expected outputs
// are written by hand from ECMA-48 (escape sequences) and Unicode's list of bidirectional
// formatting characters.

#include "semsearch/printable_text.h"

#include <QtTest>

using namespace semsearch;

namespace {

const QString kR = QString(QChar(QChar::ReplacementCharacter));

} // namespace

class TestPrintableText : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void inertText_data() {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("expected");
        QTest::newRow("plain") << QStringLiteral("Entry not found")
                               << QStringLiteral("Entry not found");
        QTest::newRow("other scripts and emoji")
            << QStringLiteral("café 東京 Привет \U0001F600 a\u0301")
            << QStringLiteral("café 東京 Привет \U0001F600 a\u0301");
        QTest::newRow("erase line") << QStringLiteral("\x1b[2Kdone\r") << kR + "done" + kR;
        QTest::newRow("colour with parameters")
            << QStringLiteral("\x1b[1;31mred\x1b[0m") << kR + "red" + kR;
        QTest::newRow("OSC 8 hyperlink, ST terminated")
            << QStringLiteral("\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\")
            << kR + "click" + kR;
        QTest::newRow("window title, BEL terminated") << QStringLiteral("a\x1b]0;owned\x07"
                                                                        "b")
                                                      << "a" + kR + "b";
        QTest::newRow("unterminated string hides nothing")
            << QStringLiteral("x\x1b]0;rest") << "x" + kR + "0;rest";
        QTest::newRow("two-character escape") << QStringLiteral("\x1b"
                                                                "cafter")
                                              << kR + "after";
        QTest::newRow("escape at the end") << QStringLiteral("end\x1b") << "end" + kR;
        QTest::newRow("C1 CSI") << QStringLiteral("\u009b2Jx") << kR + "x";
        QTest::newRow("C1 next line and DEL")
            << QStringLiteral("a\u0085b\u007fc") << "a" + kR + "b" + kR + "c";
        QTest::newRow("newline, tab, NUL")
            << QStringLiteral("a\nb\tc") + QChar(0) << "a" + kR + "b" + kR + "c" + kR;
        QTest::newRow("line and paragraph separators")
            << QStringLiteral("a\u2028b\u2029c") << "a" + kR + "b" + kR + "c";
        QTest::newRow("right-to-left override")
            << QStringLiteral("invoice\u202Efdp.exe") << "invoice" + kR + "fdp.exe";
        QTest::newRow("isolates and marks")
            << QStringLiteral("\u2066a\u2069\u200e\u200f\u061c") << kR + "a" + kR + kR + kR + kR;
        QTest::newRow("unpaired surrogates")
            << QString(QChar(0xd800)) + "x" + QChar(0xdc00) << kR + "x" + kR;
    }

    void inertText() {
        QFETCH(QString, input);
        QFETCH(QString, expected);
        QCOMPARE(printableText(input), expected);
    }

    void bytesThatAreNotUtf8() {
        QCOMPARE(printableText(QByteArrayView("ok\xff\xfe!")), "ok" + kR + kR + "!");
        QCOMPARE(printableText(QByteArrayView("\x1b[31mred")), kR + "red");
    }

    void escapedNames_data() {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("expected");
        QTest::newRow("plain name") << QStringLiteral("notes/café \U0001F600.md")
                                    << QStringLiteral("notes/café \U0001F600.md");
        QTest::newRow("newline, return, tab")
            << QStringLiteral("two\nlines\r\tx") << QStringLiteral("two\\nlines\\r\\tx");
        QTest::newRow("escape sequence")
            << QStringLiteral("a\x1b[31mb") << QStringLiteral("a\\x1B[31mb");
        QTest::newRow("NUL and DEL")
            << QString(QChar(0)) + QChar(0x7f) << QStringLiteral("\\x00\\x7F");
        QTest::newRow("C1 and separators")
            << QStringLiteral("\u0085\u2028") << QStringLiteral("\\u0085\\u2028");
        QTest::newRow("right-to-left override")
            << QStringLiteral("invoice\u202Efdp.exe") << QStringLiteral("invoice\\u202Efdp.exe");
        QTest::newRow("unpaired surrogate")
            << QString(QChar(0xd800)) + "x" << QStringLiteral("\\uD800x");
        QTest::newRow("backslash kept") << QStringLiteral("a\\b") << QStringLiteral("a\\b");
    }

    void escapedNames() {
        QFETCH(QString, input);
        QFETCH(QString, expected);
        QCOMPARE(escapedText(input), expected);
    }

    void cutToTheLimit() {
        QCOMPARE(printableText(QStringLiteral("abcdef"), 3), QStringLiteral("abc..."));
        QCOMPARE(printableText(QStringLiteral("abc"), 3), QStringLiteral("abc"));
        // A surrogate pair is one character; an escape sequence counts as its one U+FFFD.
        QCOMPARE(printableText(QStringLiteral("\U0001F600\x1b[2Kz"), 2),
                 QStringLiteral("\U0001F600") + kR + "...");
    }
};

QTEST_GUILESS_MAIN(TestPrintableText)
#include "test_printable_text.moc"
