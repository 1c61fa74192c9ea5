// readDocument and byteOffsets on files whose bytes are written out by hand: the expected text,
// encoding, hash (published SHA-256 test vectors) and byte offsets are known by construction,
// and byte ranges are checked by slicing the raw bytes and decoding them independently.

#include "unprivileged_user.h"

#include "semsearch/extract.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QStringDecoder>
#include <QTemporaryDir>
#include <QTest>

#include <numeric>

#include <sys/stat.h>

using namespace semsearch;
using namespace semsearch::test;

Q_DECLARE_METATYPE(semsearch::TextEncoding)

namespace {

// "a€😀中\r\nb é": one, three (two-byte UTF-16), four (surrogate pair), three, control and Latin
// characters; every UTF-8 length and a pair.
const QString kMixedText = QStringLiteral("a\u20AC\U0001F600\u4E2D\r\nb \u00E9");

QByteArray utf16Bytes(const QString& text, bool littleEndian) {
    QByteArray bytes = littleEndian ? QByteArray("\xFF\xFE") : QByteArray("\xFE\xFF");
    for (QChar c : text) {
        const char low = char(c.unicode() & 0xFF);
        const char high = char(c.unicode() >> 8);
        bytes.append(littleEndian ? low : high);
        bytes.append(littleEndian ? high : low);
    }
    return bytes;
}

// The reference decoding for the round trips: Qt's own converters, not the reader's code.
QString decodeIndependently(const QByteArray& bytes, TextEncoding encoding) {
    switch (encoding) {
    case TextEncoding::Utf8:
    case TextEncoding::Utf8WithBom:
        return QStringDecoder(QStringConverter::Utf8, QStringConverter::Flag::Stateless |
                                                          QStringConverter::Flag::ConvertInitialBom)
            .decode(bytes);
    case TextEncoding::Utf16LE:
        return QStringDecoder(QStringConverter::Utf16LE,
                              QStringConverter::Flag::Stateless |
                                  QStringConverter::Flag::ConvertInitialBom)
            .decode(bytes);
    case TextEncoding::Utf16BE:
        return QStringDecoder(QStringConverter::Utf16BE,
                              QStringConverter::Flag::Stateless |
                                  QStringConverter::Flag::ConvertInitialBom)
            .decode(bytes);
    case TextEncoding::Latin1:
        return QString::fromLatin1(bytes); // tests keep to 0x00-0x7F and 0xA0-0xFF
    }
    return {};
}

} // namespace

class TestDocumentReader : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    int m_counter = 0;

    // A new file holding exactly `bytes`.
    QString write(const QByteArray& bytes) {
        const QString path = m_dir.filePath(QStringLiteral("doc%1.txt").arg(++m_counter));
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size())
            return QString();
        return path;
    }

    DocumentText readOk(const QByteArray& bytes) {
        const QString path = write(bytes);
        auto document = readDocument(path);
        if (!document.ok()) {
            QTest::qFail(qPrintable(document.error().message), __FILE__, __LINE__);
            return {};
        }
        return *document;
    }

    void expectError(const QString& path, qint64 maxBytes, ErrorCode code, const QString& problem) {
        auto document = readDocument(path, maxBytes);
        QVERIFY2(!document.ok(), "expected an error");
        QCOMPARE(int(document.error().code), int(code));
        QCOMPARE(document.error().message, path + QStringLiteral(": ") + problem);
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void plainUtf8WithKnownHash() {
        const QString path = write("abc");
        auto document = readDocument(path);
        QVERIFY(document.ok());
        QCOMPARE(document->path, path);
        QCOMPARE(document->text, QStringLiteral("abc"));
        QCOMPARE(document->encoding, TextEncoding::Utf8);
        QCOMPARE(document->byteSize, qint64(3));
        // FIPS 180-2 test vector for "abc".
        QCOMPARE(document->contentHash.toHex(),
                 QByteArray("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    }

    void emptyFile() {
        const DocumentText document = readOk(QByteArray());
        QCOMPARE(document.text, QString());
        QCOMPARE(document.encoding, TextEncoding::Utf8);
        QCOMPARE(document.byteSize, qint64(0));
        QCOMPARE(document.contentHash.toHex(),
                 QByteArray("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        QCOMPARE(document.byteOffset(0), qint64(0));
    }

    void modificationTime() {
        const QString path = write("dated");
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadWrite));
        QVERIFY(file.setFileTime(QDateTime(QDate(2021, 3, 4), QTime(5, 6, 7, 890), Qt::UTC),
                                 QFileDevice::FileModificationTime));
        file.close();
        auto document = readDocument(path);
        QVERIFY(document.ok());
        QCOMPARE(document->modifiedMs, qint64(1614834367890)); // 2021-03-04T05:06:07.890Z
        // Setting the mtime set the status-change time to now: the one stat(2) reports.
        struct stat info;
        QCOMPARE(::stat(QFile::encodeName(path).constData(), &info), 0);
        QCOMPARE(document->changedMs,
                 qint64(info.st_ctim.tv_sec) * 1000 + info.st_ctim.tv_nsec / 1000000);
        QVERIFY(document->changedMs > document->modifiedMs);
    }

    void lineEndingsAreKept() {
        const DocumentText document = readOk("a\r\nb\rc\n\nd");
        QCOMPARE(document.text, QStringLiteral("a\r\nb\rc\n\nd"));
    }

    void utf8ByteOrderMarkIsRemovedAndCounted() {
        // EF BB BF, 'h', C3 A9 (é), ' ', E2 82 AC (€)
        const DocumentText document = readOk("\xEF\xBB\xBFh\xC3\xA9 \xE2\x82\xAC");
        QCOMPARE(document.text, QStringLiteral("h\u00E9 \u20AC"));
        QCOMPARE(document.encoding, TextEncoding::Utf8WithBom);
        const std::vector<qint64> expected = {3, 4, 6, 7, 10};
        QCOMPARE(byteOffsets(document, {0, 1, 2, 3, 4}), expected);
    }

    void secondByteOrderMarkIsText() {
        const DocumentText document = readOk("\xEF\xBB\xBF\xEF\xBB\xBFx");
        QCOMPARE(document.text, QStringLiteral("\uFEFFx"));
        QCOMPARE(document.encoding, TextEncoding::Utf8WithBom);
        QCOMPARE(document.byteOffset(1), qint64(6));
    }

    void utf16WithByteOrderMark_data() {
        QTest::addColumn<bool>("littleEndian");
        QTest::newRow("LE") << true;
        QTest::newRow("BE") << false;
    }
    void utf16WithByteOrderMark() {
        QFETCH(bool, littleEndian);
        // ASCII in UTF-16 is full of NUL bytes: it must not count as binary.
        const QString text = QStringLiteral("plain ascii, then ") + kMixedText;
        const QByteArray bytes = utf16Bytes(text, littleEndian);
        const DocumentText document = readOk(bytes);
        QCOMPARE(document.text, text);
        QCOMPARE(document.encoding, littleEndian ? TextEncoding::Utf16LE : TextEncoding::Utf16BE);
        QCOMPARE(document.byteSize, qint64(bytes.size()));
        QCOMPARE(document.byteOffset(0), qint64(2));
        QCOMPARE(document.byteOffset(5), qint64(12));
        QCOMPARE(document.byteOffset(text.size()), qint64(bytes.size()));
    }

    void utf16OddLastByteIsLeftOut() {
        const DocumentText document = readOk(QByteArray("\xFF\xFE"
                                                        "a\0b\0c",
                                                        7));
        QCOMPARE(document.text, QStringLiteral("ab"));
        QCOMPARE(document.byteSize, qint64(7));
        QCOMPARE(document.byteOffset(2), qint64(6));
    }

    void latin1Fallback() {
        // "Grüße, café" in ISO 8859-1: FC, DF and E9 are not valid UTF-8 here.
        const DocumentText document = readOk("Gr\xFC\xDF"
                                             "e, caf\xE9");
        QCOMPARE(document.text, QStringLiteral("Gr\u00FC\u00DFe, caf\u00E9"));
        QCOMPARE(document.encoding, TextEncoding::Latin1);
        QCOMPARE(document.byteOffset(4), qint64(4));
    }

    void windows1252Punctuation() {
        // 93/94 curly double quotes, 92 apostrophe, 96 en dash, 80 euro, 85 ellipsis; 81 is
        // undefined in Windows-1252 and keeps its Latin-1 value.
        const DocumentText document = readOk("\x93quoted\x94 don\x92t \x96 5\x80\x85\x81");
        QCOMPARE(document.text, QStringLiteral("\u201Cquoted\u201D don\u2019t \u2013 5\u20AC"
                                               "\u2026\u0081"));
        QCOMPARE(document.encoding, TextEncoding::Latin1);
    }

    void invalidUtf8FallsBackToLatin1_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::newRow("overlong slash") << QByteArray("a\xC0\xAF");
        QTest::newRow("encoded surrogate") << QByteArray("a\xED\xA0\x80");
        QTest::newRow("above U+10FFFF") << QByteArray("a\xF4\x90\x80\x80");
        QTest::newRow("lone continuation") << QByteArray("\xA9 2024");
        QTest::newRow("truncated at the end") << QByteArray("ab\xE2\x82");
        // More bytes that fit no UTF-8 sequence than valid multi-byte sequences (the mark is
        // one): Latin-1, mark and all.
        QTest::newRow("mark then invalid") << QByteArray("\xEF\xBB\xBF\xFF\xFE");
        QTest::newRow("one valid pair, two stray bytes") << QByteArray("caf\xE9 cr\xE8me \xC2\xAB");
    }
    void invalidUtf8FallsBackToLatin1() {
        QFETCH(QByteArray, bytes);
        const DocumentText document = readOk(bytes);
        QCOMPARE(document.encoding, TextEncoding::Latin1);
        QCOMPARE(document.text.size(), bytes.size()); // one character per byte, none lost
        for (qsizetype i = 0; i < bytes.size(); ++i) {
            const auto byte = static_cast<unsigned char>(bytes[i]);
            if (byte < 0x80 || byte >= 0xA0)
                QCOMPARE(document.text[i].unicode(), char16_t(byte));
        }
        QCOMPARE(document.byteOffset(document.text.size()), qint64(bytes.size()));
    }

    // A UTF-8 file with a stray byte reads as UTF-8 with one U+FFFD per bad byte, not as
    // Latin-1 mojibake ("CafÃ©"); the bad bytes are listed so that offsets stay exact.
    void mostlyUtf8KeepsUtf8WithReplacements() {
        // Caf C3A9 ' ' FF ' ' r C3A9 sum C3A9 ' ' EFBFBD(a real U+FFFD) ' ' 80
        const QByteArray bytes = "Caf\xC3\xA9 \xFF r\xC3\xA9sum\xC3\xA9 \xEF\xBF\xBD \x80";
        const DocumentText document = readOk(bytes);
        QCOMPARE(document.encoding, TextEncoding::Utf8);
        QCOMPARE(document.text, QStringLiteral("Caf\u00E9 \uFFFD r\u00E9sum\u00E9 \uFFFD \uFFFD"));
        QCOMPARE(document.invalidBytes, (std::vector<qsizetype>{5, 16}));
        // Text positions 0..17 and their byte offsets, counted by hand from the bytes above:
        // the stray bytes count 1, the real U+FFFD (position 14) 3.
        std::vector<qsizetype> positions(18);
        std::iota(positions.begin(), positions.end(), 0);
        const std::vector<qint64> offsets = {0,  1,  2,  3,  5,  6,  7,  8,  9,
                                             11, 12, 13, 14, 16, 17, 20, 21, 22};
        QCOMPARE(byteOffsets(document, positions), offsets);
        QCOMPARE(textPositions(document, offsets), positions);
        // Inside the real U+FFFD (bytes 17-19): its start.
        QCOMPARE(textPositions(document, {18, 19}), (std::vector<qsizetype>{14, 14}));
    }

    void mostlyUtf8WithAMarkAndATruncatedEnd() {
        // The mark counts as a valid sequence; a file cut inside "€" (E2 82 AC) leaves two
        // stray bytes after "é" and "ü".
        const DocumentText document = readOk("\xEF\xBB\xBF\xC3\xA9t\xC3\xBC \xE2\x82");
        QCOMPARE(document.encoding, TextEncoding::Utf8WithBom);
        QCOMPARE(document.text, QStringLiteral("\u00E9t\u00FC \uFFFD\uFFFD"));
        QCOMPARE(document.invalidBytes, (std::vector<qsizetype>{4, 5}));
        QCOMPARE(byteOffsets(document, {0, 4, 5, 6}), (std::vector<qint64>{3, 9, 10, 11}));
    }

    void nulByteMeansBinary() {
        const QString path = write(QByteArray("abc\0def", 7));
        expectError(path, 0, ErrorCode::Unsupported, QStringLiteral("binary file"));
    }

    void nulOnlyCountsInTheFirst8KiB() {
        QByteArray lastInWindow(8191, 'a');
        lastInWindow.append('\0');
        expectError(write(lastInWindow), 0, ErrorCode::Unsupported, QStringLiteral("binary file"));

        QByteArray pastWindow(8192, 'a');
        pastWindow.append('\0');
        pastWindow.append('b');
        const DocumentText document = readOk(pastWindow);
        QCOMPARE(document.text.size(), 8194);
        QCOMPARE(document.text[8192], QChar(0));
    }

    void utf32IsRefused() {
        const QString path = write(QByteArray("\xFF\xFE\0\0a\0\0\0", 8));
        expectError(path, 0, ErrorCode::Unsupported, QStringLiteral("UTF-32 text"));
    }

    void sizeLimit() {
        const QString eleven = write("0123456789A");
        expectError(eleven, 10, ErrorCode::Unsupported,
                    QStringLiteral("larger than 10 bytes (11 bytes)"));
        QVERIFY(readDocument(eleven, 11).ok());
        QVERIFY(readDocument(eleven, 0).ok()); // no limit

        const QString big = write(QByteArray());
        QFile file(big);
        QVERIFY(file.resize(32715572)); // 31.2 MiB, sparse
        expectError(big, 20 * 1024 * 1024, ErrorCode::Unsupported,
                    QStringLiteral("larger than 20 MiB (31.2 MiB)"));
    }

    void missingFile() {
        expectError(m_dir.filePath(QStringLiteral("absent.txt")), 0, ErrorCode::NotFound,
                    QStringLiteral("not found"));
    }

    void folderIsNotAFile() {
        QVERIFY(QDir(m_dir.path()).mkdir(QStringLiteral("folder")));
        expectError(m_dir.filePath(QStringLiteral("folder")), 0, ErrorCode::Unsupported,
                    QStringLiteral("not a regular file"));
    }

    // As a user: root would read the file whatever its permissions.
    void unreadableFile() {
        const QString path = write("secret");
        QVERIFY(QFile::setPermissions(path, QFileDevice::Permissions()));
        QVERIFY(giveToUnprivilegedUser(m_dir.path()));
        QVERIFY(runAsUnprivilegedUser([&] {
            auto document = readDocument(path);
            QVERIFY(!document.ok());
            QCOMPARE(int(document.error().code), int(ErrorCode::Io));
            QVERIFY2(document.error().message.startsWith(path + QStringLiteral(": cannot read: ")),
                     qPrintable(document.error().message));
            QVERIFY(!document.error().message.contains(QLatin1Char('\n')));
        }));
    }

    // Every range [i, j) between code points, sliced from the raw bytes by the offsets and
    // decoded independently, gives back text.mid(i, j - i).
    void byteRangesRoundTrip_data() {
        QTest::addColumn<TextEncoding>("encoding");
        QTest::addColumn<QString>("text");
        QTest::addColumn<QByteArray>("bytes");
        const QString latin = QStringLiteral("caf\u00E9\r\n\u00FCber \u00BD");
        QTest::newRow("UTF-8") << TextEncoding::Utf8 << kMixedText << kMixedText.toUtf8();
        QTest::newRow("UTF-8 BOM") << TextEncoding::Utf8WithBom << kMixedText
                                   << QByteArray("\xEF\xBB\xBF") + kMixedText.toUtf8();
        QTest::newRow("UTF-16LE") << TextEncoding::Utf16LE << kMixedText
                                  << utf16Bytes(kMixedText, true);
        QTest::newRow("UTF-16BE") << TextEncoding::Utf16BE << kMixedText
                                  << utf16Bytes(kMixedText, false);
        QTest::newRow("Latin-1") << TextEncoding::Latin1 << latin << latin.toLatin1();
        // Stray bytes (each alone, so Qt's decoder makes one U+FFFD of each too) beside a real
        // U+FFFD.
        QTest::newRow("UTF-8 with stray bytes")
            << TextEncoding::Utf8 << QStringLiteral("\u20AC\uFFFD\u00E9\uFFFD\r\n\uFFFD")
            << QByteArray("\xE2\x82\xAC\xFF\xC3\xA9\xEF\xBF\xBD\r\n\x80");
    }
    void byteRangesRoundTrip() {
        QFETCH(TextEncoding, encoding);
        QFETCH(QString, text);
        QFETCH(QByteArray, bytes);
        const DocumentText document = readOk(bytes);
        QCOMPARE(document.encoding, encoding);
        QCOMPARE(document.text, text);

        std::vector<qsizetype> positions;
        for (qsizetype i = 0; i <= text.size(); ++i) {
            if (i == text.size() || !text[i].isLowSurrogate())
                positions.push_back(i);
        }
        const std::vector<qint64> offsets = byteOffsets(document, positions);
        QCOMPARE(offsets.size(), positions.size());
        QCOMPARE(offsets.back(), qint64(bytes.size()));
        for (std::size_t a = 0; a < positions.size(); ++a) {
            for (std::size_t b = a; b < positions.size(); ++b) {
                const QByteArray slice = bytes.mid(offsets[a], offsets[b] - offsets[a]);
                QCOMPARE(decodeIndependently(slice, encoding),
                         text.mid(positions[a], positions[b] - positions[a]));
            }
        }
    }

    void byteOffsetsEdgeCases() {
        const DocumentText document = readOk("\xEF\xBB\xBFx\xF0\x9F\x98\x80y"); // x😀y
        QCOMPARE(document.text, QStringLiteral("x\U0001F600y"));
        // Between the halves of the pair: the start of the code point.
        QCOMPARE(document.byteOffset(2), qint64(4));
        QCOMPARE(document.byteOffset(3), qint64(8));
        // Clamped.
        QCOMPARE(document.byteOffset(-4), qint64(3));
        QCOMPARE(document.byteOffset(99), qint64(9));
        // Unsorted input is answered correctly.
        const std::vector<qint64> expected = {9, 3, 8, 4, 3};
        QCOMPARE(byteOffsets(document, {4, 0, 3, 1, 0}), expected);
    }

    // textPositions, the inverse mapping, with every expected position written out by hand.
    void textPositionsUtf8() {
        // EF BB BF | h | C3 A9 (é) | ' ' | E2 82 AC (€) | F0 9F 98 80 (😀, a surrogate pair) | y
        const DocumentText document = readOk("\xEF\xBB\xBFh\xC3\xA9 \xE2\x82\xAC\xF0\x9F\x98\x80y");
        QCOMPARE(document.text, QStringLiteral("h\u00E9 \u20AC\U0001F600y"));
        const std::vector<qint64> offsets = {0, 1,  2,  3,  4,  5,  6,  7, 8,
                                             9, 10, 11, 12, 13, 14, 15, 99};
        // Inside the mark -> 0; inside é, € or 😀 -> their start; 15 = end; past it -> end.
        const std::vector<qsizetype> expected = {0, 0, 0, 0, 1, 1, 2, 3, 3, 3, 4, 4, 4, 4, 6, 7, 7};
        QCOMPARE(textPositions(document, offsets), expected);
    }

    void textPositionsUtf16_data() {
        QTest::addColumn<bool>("littleEndian");
        QTest::newRow("LE") << true;
        QTest::newRow("BE") << false;
    }
    void textPositionsUtf16() {
        QFETCH(bool, littleEndian);
        // mark (2 bytes) | a (2) | 😀 (4: two code units) | b (2)
        const DocumentText document =
            readOk(utf16Bytes(QStringLiteral("a\U0001F600b"), littleEndian));
        QCOMPARE(document.text.size(), 4);
        const std::vector<qint64> offsets = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
        // 6 is between the halves of the pair: the pair's start, 1.
        const std::vector<qsizetype> expected = {0, 0, 0, 0, 1, 1, 1, 1, 3, 3, 4, 4};
        QCOMPARE(textPositions(document, offsets), expected);
    }

    void textPositionsLatin1() {
        const DocumentText document = readOk("caf\xE9!"); // café! in ISO 8859-1
        QCOMPARE(document.encoding, TextEncoding::Latin1);
        const std::vector<qsizetype> expected = {0, 3, 4, 5, 5};
        QCOMPARE(textPositions(document, {0, 3, 4, 5, 8}), expected);
    }

    void textPositionsUnsortedAndRoundTrip() {
        const DocumentText document = readOk(kMixedText.toUtf8()); // a€😀中\r\nb é
        // bytes: a 0, € 1-3, 😀 4-7, 中 8-10, \r 11, \n 12, b 13, space 14, é 15-16, end 17;
        // positions: a 0, € 1, 😀 2-3, 中 4, \r 5, \n 6, b 7, space 8, é 9, end 10.
        const std::vector<qsizetype> unsortedExpected = {9, 0, 5, 2, 1};
        QCOMPARE(textPositions(document, {15, 0, 11, 5, 3}), unsortedExpected);

        std::vector<qsizetype> positions;
        for (qsizetype i = 0; i <= document.text.size(); ++i) {
            if (i == document.text.size() || !document.text[i].isLowSurrogate())
                positions.push_back(i);
        }
        QCOMPARE(textPositions(document, byteOffsets(document, positions)), positions);
    }
};

QTEST_GUILESS_MAIN(TestDocumentReader)
#include "test_document_reader.moc"
