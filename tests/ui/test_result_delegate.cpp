// ResultDelegate painted into images: sizes follow the font, the file name and the folder line
// show in the palette's colours (light and dark), the score bar's width follows the score, and
// high-DPI images scale it. Pixels are measured, not compared against a saved picture.

#include "results/result_delegate.h"
#include "results/result_list_model.h"
#include "test_palettes.h"

#include <QImage>
#include <QPainter>
#include <QtTest>

#include <cmath>

using namespace semsearch;
using namespace semsearch::test;
using semsearch::ui::ResultDelegate;
using semsearch::ui::ResultListModel;

namespace {

constexpr int kRowWidth = 640;

// `top` drawn with alpha over `bottom`, as the painter composes it.
QColor over(QColor top, QColor bottom) {
    const float a = top.alphaF();
    return QColor::fromRgbF(top.redF() * a + bottom.redF() * (1 - a),
                            top.greenF() * a + bottom.greenF() * (1 - a),
                            top.blueF() * a + bottom.blueF() * (1 - a));
}

int pixelsNear(const QImage& image, QRect area, QColor colour, int tolerance = 40) {
    area &= image.rect();
    int count = 0;
    for (int y = area.top(); y <= area.bottom(); ++y) {
        for (int x = area.left(); x <= area.right(); ++x) {
            const QColor pixel = image.pixelColor(x, y);
            if (std::abs(pixel.red() - colour.red()) <= tolerance &&
                std::abs(pixel.green() - colour.green()) <= tolerance &&
                std::abs(pixel.blue() - colour.blue()) <= tolerance)
                ++count;
        }
    }
    return count;
}

// The longest horizontal run of pixels exactly `colour` in any row: the bar's filled width.
int longestRun(const QImage& image, QColor colour) {
    int longest = 0;
    for (int y = 0; y < image.height(); ++y) {
        int run = 0;
        for (int x = 0; x < image.width(); ++x) {
            run = image.pixel(x, y) == colour.rgb() ? run + 1 : 0;
            longest = std::max(longest, run);
        }
    }
    return longest;
}

DocumentHit documentHit(float score) {
    DocumentHit hit;
    hit.documentId = 1;
    hit.path = QStringLiteral("/srv/docs/notes.md");
    hit.score = score;
    hit.modifiedMs = 1614834367890;
    PassageHit passage;
    passage.passageId = 7;
    passage.path = hit.path;
    passage.score = score;
    passage.line = 42;
    passage.text = QStringLiteral("The cat sleeps on the sofa most afternoons, and the dog lies "
                                  "by the door. Nobody in the house minds, least of all the "
                                  "sofa, which has seen worse. The end of this text is long "
                                  "enough to need more than two lines in a narrow row.");
    hit.passages = {passage};
    return hit;
}

QStyleOptionViewItem optionFor(const QPalette& palette, const QFont& font) {
    QStyleOptionViewItem option;
    option.palette = palette;
    option.font = font;
    option.fontMetrics = QFontMetrics(font);
    option.state = QStyle::State_Enabled | QStyle::State_Active;
    option.locale = QLocale(QLocale::English, QLocale::UnitedStates);
    return option;
}

QFont sizedFont(int pointSize) {
    QFont font(QStringLiteral("DejaVu Sans"));
    font.setPointSize(pointSize);
    return font;
}

struct Painted {
    QImage image;
    int height = 0; // logical
};

Painted paintRow(const QModelIndex& index, const QPalette& palette, const QFont& font,
                 QStyle::State extra = {}, qreal devicePixelRatio = 1) {
    ResultDelegate delegate;
    QStyleOptionViewItem option = optionFor(palette, font);
    option.state |= extra;
    option.rect = QRect(0, 0, kRowWidth, delegate.sizeHint(option, index).height());
    QImage image(option.rect.size() * devicePixelRatio, QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(devicePixelRatio);
    image.fill(palette.color(QPalette::Base));
    QPainter painter(&image);
    delegate.paint(&painter, option, index);
    painter.end();
    return {image, option.rect.height()};
}

} // namespace

class TestResultDelegate : public QObject {
    Q_OBJECT

    ResultListModel m_model;

    QModelIndex documentWithScore(float score) {
        m_model.setResults(QStringLiteral("cat"), {documentHit(score)});
        return m_model.index(0, 0);
    }

private Q_SLOTS:
    void sizeHintGrowsWithTheFont() {
        ResultDelegate delegate;
        const QModelIndex document = documentWithScore(0.5f);
        const QModelIndex passage = m_model.index(0, 0, document);
        const QSize small = delegate.sizeHint(optionFor(lightPalette(), sizedFont(10)), document);
        const QSize large = delegate.sizeHint(optionFor(lightPalette(), sizedFont(20)), document);
        QVERIFY2(large.height() > small.height() * 1.6,
                 qPrintable(QStringLiteral("%1 vs %2").arg(large.height()).arg(small.height())));
        // Four lines at least: name, folder and two of snippet.
        QVERIFY(small.height() >= 4 * QFontMetrics(sizedFont(10)).lineSpacing());

        const QSize smallPassage =
            delegate.sizeHint(optionFor(lightPalette(), sizedFont(10)), passage);
        const QSize largePassage =
            delegate.sizeHint(optionFor(lightPalette(), sizedFont(20)), passage);
        QVERIFY(largePassage.height() > smallPassage.height() * 1.6);
        QVERIFY(smallPassage.height() >= 2 * QFontMetrics(sizedFont(10)).lineSpacing());
        QVERIFY(smallPassage.height() < small.height());
    }

    // An identical copy's row: one line, in the placeholder colour, no bar.
    void copyRowIsOneSecondaryLine() {
        DocumentHit hit = documentHit(0.5f);
        hit.duplicates = {QStringLiteral("/srv/backup/notes.md")};
        m_model.setResults(QStringLiteral("cat"), {hit});
        const QModelIndex copy = m_model.index(1, 0, m_model.index(0, 0));
        const QPalette palette = lightPalette();
        const QFont font = sizedFont(12);
        const int line = QFontMetrics(font).lineSpacing();
        ResultDelegate delegate;
        const int height = delegate.sizeHint(optionFor(palette, font), copy).height();
        QVERIFY2(height >= line && height < 2 * line, qPrintable(QString::number(height)));

        const Painted painted = paintRow(copy, palette, font);
        const QColor placeholder =
            over(palette.color(QPalette::PlaceholderText), palette.color(QPalette::Base));
        QVERIFY(pixelsNear(painted.image, painted.image.rect(), placeholder, 25) >= 15);
        QCOMPARE(longestRun(painted.image, palette.color(QPalette::Highlight)), 0);
    }

    void documentRowInLightAndDarkPalettes_data() {
        QTest::addColumn<QPalette>("palette");
        QTest::newRow("light") << lightPalette();
        QTest::newRow("dark") << darkPalette();
    }
    void documentRowInLightAndDarkPalettes() {
        QFETCH(QPalette, palette);
        const QFont font = sizedFont(12);
        const int line = QFontMetrics(font).lineSpacing();
        const Painted painted = paintRow(documentWithScore(0.75f), palette, font);
        const QImage& image = painted.image;
        const QColor base = palette.color(QPalette::Base);

        // The file name: text-coloured pixels at the top left (in a dark palette: light ones).
        const QRect nameArea(0, 0, kRowWidth / 3, line + line / 2);
        QVERIFY2(pixelsNear(image, nameArea, palette.color(QPalette::Text)) >= 15,
                 "no file name drawn in the text colour");
        // The folder line below it, in the placeholder colour over the base.
        const QRect folderArea(0, line, kRowWidth / 2, line + line / 2);
        const QColor placeholder = over(palette.color(QPalette::PlaceholderText), base);
        QVERIFY2(pixelsNear(image, folderArea, placeholder, 25) >= 15,
                 "no folder drawn in the placeholder colour");
        // The snippet: text below the first two lines.
        const QRect snippetArea(0, 2 * line + line / 2, kRowWidth, 2 * line);
        QVERIFY(pixelsNear(image, snippetArea, palette.color(QPalette::Text)) >= 30);

        // The score bar: highlight-coloured pixels only in the top right.
        const QColor highlight = palette.color(QPalette::Highlight);
        QVERIFY(longestRun(image, highlight) > 0);
        QCOMPARE(pixelsNear(image, QRect(0, 0, kRowWidth * 3 / 4, painted.height), highlight, 0),
                 0);
        QCOMPARE(pixelsNear(image, QRect(0, 2 * line, kRowWidth, painted.height), highlight, 0), 0);
    }

    void selectedRowUsesHighlightedText() {
        const QPalette palette = lightPalette();
        const QFont font = sizedFont(12);
        const int line = QFontMetrics(font).lineSpacing();
        const Painted painted =
            paintRow(documentWithScore(0.75f), palette, font, QStyle::State_Selected);
        const QImage& image = painted.image;
        // The selection background fills most of the row...
        QVERIFY(pixelsNear(image, image.rect(), palette.color(QPalette::Highlight), 0) >
                image.width() * image.height() / 2);
        // ...and the name is in the highlighted-text colour, not the normal text colour.
        const QRect nameArea(0, 0, kRowWidth / 3, line + line / 2);
        QVERIFY(pixelsNear(image, nameArea, palette.color(QPalette::HighlightedText)) >= 15);
        QCOMPARE(pixelsNear(image, nameArea, palette.color(QPalette::Text)), 0);
    }

    void barWidthFollowsTheScore() {
        const QPalette palette = lightPalette();
        const QColor highlight = palette.color(QPalette::Highlight);
        const QFont font = sizedFont(12);
        auto barFor = [&](float score) {
            return longestRun(paintRow(documentWithScore(score), palette, font).image, highlight);
        };
        const int quarter = barFor(0.25f);
        const int threeQuarters = barFor(0.75f);
        const int full = barFor(1.0f);
        QVERIFY2(quarter > 0, "no bar for 0.25");
        QVERIFY2(
            std::abs(threeQuarters - 3 * quarter) <= 2,
            qPrintable(
                QStringLiteral("0.25 -> %1 px, 0.75 -> %2 px").arg(quarter).arg(threeQuarters)));
        QVERIFY(std::abs(4 * quarter - full) <= 2);
        QCOMPARE(barFor(1.7f), full); // clamped to 1
        QCOMPARE(barFor(-0.3f), 0);   // clamped to 0: nothing filled
        // The bar is sized by the font: a larger font, a longer bar.
        const int largeFull =
            longestRun(paintRow(documentWithScore(1.0f), palette, sizedFont(24)).image, highlight);
        QVERIFY(largeFull > full * 1.6);
    }

    void highDpiScalesTheBar() {
        const QPalette palette = lightPalette();
        const QColor highlight = palette.color(QPalette::Highlight);
        const QFont font = sizedFont(12);
        const int normal =
            longestRun(paintRow(documentWithScore(1.0f), palette, font).image, highlight);
        const int doubled =
            longestRun(paintRow(documentWithScore(1.0f), palette, font, {}, 2.0).image, highlight);
        QVERIFY2(std::abs(doubled - 2 * normal) <= 1,
                 qPrintable(QStringLiteral("%1 vs %2").arg(doubled).arg(normal)));
    }

    void emphasisIsDrawnBold() {
        const QPalette palette = lightPalette();
        const QFont font = sizedFont(12);
        const int line = QFontMetrics(font).lineSpacing();
        const QModelIndex document = documentWithScore(0.5f);
        const QRect snippetArea(0, 2 * line + line / 2, kRowWidth, 2 * line);
        const int plain = pixelsNear(paintRow(document, palette, font).image, snippetArea,
                                     palette.color(QPalette::Text));
        m_model.setEmphasis(7, {{0, 200}});
        const int bold = pixelsNear(paintRow(document, palette, font).image, snippetArea,
                                    palette.color(QPalette::Text));
        QVERIFY2(bold > plain * 1.15, qPrintable(QStringLiteral("%1 vs %2").arg(bold).arg(plain)));
    }

    void passageRowShowsLineAndText() {
        const QPalette palette = darkPalette();
        const QFont font = sizedFont(12);
        const QFontMetrics metrics(font);
        const QModelIndex passage = m_model.index(0, 0, documentWithScore(0.5f));
        const Painted painted = paintRow(passage, palette, font);
        const QColor placeholder =
            over(palette.color(QPalette::PlaceholderText), palette.color(QPalette::Base));
        const int lineWidth = metrics.horizontalAdvance(QStringLiteral("line 42"));
        QVERIFY(pixelsNear(painted.image, QRect(0, 0, lineWidth + metrics.height(), painted.height),
                           placeholder, 25) >= 15);
        const int textStart = metrics.horizontalAdvance(QStringLiteral("line 99999"));
        QVERIFY(pixelsNear(painted.image, QRect(textStart, 0, kRowWidth, painted.height),
                           palette.color(QPalette::Text)) >= 30);
        // No score bar on passage rows.
        QCOMPARE(longestRun(painted.image, palette.color(QPalette::Highlight)), 0);
    }

    void modifiedText_data() {
        QTest::addColumn<QLocale>("locale");
        QTest::addColumn<QDateTime>("modified");
        QTest::addColumn<QString>("expected");
        const QLocale german(QLocale::German, QLocale::Germany);
        const QLocale american(QLocale::English, QLocale::UnitedStates);
        QTest::newRow("today") << german << QDateTime(QDate(2024, 5, 10), QTime(14, 2), Qt::UTC)
                               << "today 14:02";
        QTest::newRow("yesterday just before midnight")
            << german << QDateTime(QDate(2024, 5, 9), QTime(23, 59), Qt::UTC) << "yesterday 23:59";
        QTest::newRow("older") << german << QDateTime(QDate(2024, 5, 8), QTime(9, 0), Qt::UTC)
                               << "08.05.24";
        QTest::newRow("older, US")
            << american << QDateTime(QDate(2024, 5, 8), QTime(9, 0), Qt::UTC) << "5/8/24";
        QTest::newRow("unknown") << german << QDateTime() << "";
        // Issue 16, 11: the C locale's short time has seconds ("today 16:53:07"); never shown.
        QTest::newRow("today, C locale")
            << QLocale::c() << QDateTime(QDate(2024, 5, 10), QTime(16, 53, 7), Qt::UTC)
            << "today 16:53";
        QTest::newRow("yesterday, US")
            << american << QDateTime(QDate(2024, 5, 9), QTime(16, 53, 7), Qt::UTC)
            << "yesterday 4:53 PM";
    }
    void modifiedText() {
        QFETCH(QLocale, locale);
        QFETCH(QDateTime, modified);
        QFETCH(QString, expected);
        const QDateTime now(QDate(2024, 5, 10), QTime(18, 0), Qt::UTC);
        QCOMPARE(ResultDelegate::modifiedText(modified, now, locale), expected);
    }
};

QTEST_MAIN(TestResultDelegate)
#include "test_result_delegate.moc"
