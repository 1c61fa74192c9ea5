// FilterBar: each file type offered filters by the extensions of that type, the document
// formats semsearch reads included.

#include "results/filter_bar.h"

#include <QComboBox>
#include <QtTest>

using semsearch::ui::FilterBar;

class TestFilterBar : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void typesFilterByTheirExtensions_data() {
        QTest::addColumn<QString>("type");
        QTest::addColumn<QStringList>("extensions");
        QTest::newRow("all") << QStringLiteral("All types") << QStringList();
        QTest::newRow("markdown") << QStringLiteral("Markdown")
                                  << QStringList{QStringLiteral("md"), QStringLiteral("markdown")};
        QTest::newRow("html") << QStringLiteral("HTML")
                              << QStringList{QStringLiteral("html"), QStringLiteral("htm"),
                                             QStringLiteral("xhtml")};
        QTest::newRow("pdf") << QStringLiteral("PDF") << QStringList{QStringLiteral("pdf")};
        QTest::newRow("docx") << QStringLiteral("Word (DOCX)")
                              << QStringList{QStringLiteral("docx")};
        QTest::newRow("odt") << QStringLiteral("OpenDocument text (ODT)")
                             << QStringList{QStringLiteral("odt")};
        QTest::newRow("epub") << QStringLiteral("EPUB") << QStringList{QStringLiteral("epub")};
    }

    void typesFilterByTheirExtensions() {
        QFETCH(QString, type);
        QFETCH(QStringList, extensions);
        FilterBar bar;
        const int index = bar.typeBox()->findText(type);
        QVERIFY2(index >= 0, qPrintable(type));
        bar.typeBox()->setCurrentIndex(index);
        QCOMPARE(bar.filter(0).extensions, extensions);
    }
};

QTEST_MAIN(TestFilterBar)
#include "test_filter_bar.moc"
