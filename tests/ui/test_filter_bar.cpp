// The filters beside the search field: the type filter offers only the types the index holds
// (an extension no named type covers on its own), each type filtering by all its extensions (the
// document formats semsearch reads included), keeps a choice that is still offered and
// falls back to all types otherwise; the choices are kept for the next start.

#include "results/filter_bar.h"

#include <QComboBox>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using semsearch::ui::FilterBar;

namespace {

QStringList offered(const QComboBox* box) {
    QStringList items;
    for (int i = 0; i < box->count(); ++i)
        items << box->itemText(i);
    return items;
}

} // namespace

class TestFilterBar : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // Issue 16, 11: the type filter offered types the index did not hold.
    void onlyTypesInTheIndexAreOffered() {
        FilterBar bar;
        bar.setExtensions({QStringLiteral("md"), QStringLiteral("pdf"), QStringLiteral("txt")});
        QCOMPARE(offered(bar.typeBox()),
                 QStringList({QStringLiteral("All types"), QStringLiteral("Markdown"),
                              QStringLiteral("Plain text"), QStringLiteral("PDF")}));
        bar.typeBox()->setCurrentIndex(1);
        QCOMPARE(bar.filter(0).extensions,
                 QStringList({QStringLiteral("md"), QStringLiteral("markdown")}));
    }

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
        bar.setExtensions({QStringLiteral("md"), QStringLiteral("xhtml"), QStringLiteral("pdf"),
                           QStringLiteral("docx"), QStringLiteral("odt"), QStringLiteral("epub")});
        const int index = bar.typeBox()->findText(type);
        QVERIFY2(index >= 0, qPrintable(type));
        bar.typeBox()->setCurrentIndex(index);
        QCOMPARE(bar.filter(0).extensions, extensions);
    }

    void aChoiceNoLongerOfferedFallsBackToAllTypes() {
        FilterBar bar;
        bar.setExtensions({QStringLiteral("md"), QStringLiteral("txt")});
        bar.typeBox()->setCurrentIndex(2); // plain text
        QSignalSpy changed(&bar, &FilterBar::changed);
        bar.setExtensions({QStringLiteral("txt"), QStringLiteral("py")});
        QCOMPARE(bar.typeBox()->currentText(), QStringLiteral("Plain text"));
        QCOMPARE(changed.count(), 0);
        bar.setExtensions({QStringLiteral("py")});
        QCOMPARE(bar.typeBox()->currentIndex(), 0);
        QCOMPARE(changed.count(), 1);
        QVERIFY(bar.filter(0).extensions.isEmpty());
    }

    // Issue 16, state kept: the folder and type come back once the index offers them again.
    void choicesAreKeptForTheNextStart() {
        QTemporaryDir tmp;
        QSettings store(tmp.filePath(QStringLiteral("s.conf")), QSettings::IniFormat);
        {
            FilterBar bar;
            bar.setFolders({QStringLiteral("/a"), QStringLiteral("/b")});
            bar.setExtensions({QStringLiteral("md"), QStringLiteral("txt")});
            bar.folderBox()->setCurrentIndex(2);
            bar.typeBox()->setCurrentIndex(2);
            bar.modifiedBox()->setCurrentIndex(2);
            bar.save(store);
        }
        FilterBar bar;
        bar.restore(store);
        QCOMPARE(bar.modifiedBox()->currentIndex(), 2);
        QSignalSpy changed(&bar, &FilterBar::changed);
        bar.setFolders({QStringLiteral("/a"), QStringLiteral("/b")});
        bar.setExtensions({QStringLiteral("md"), QStringLiteral("txt")});
        QCOMPARE(bar.filter(0).pathPrefix, QStringLiteral("/b"));
        QCOMPARE(bar.typeBox()->currentText(), QStringLiteral("Plain text"));
        QVERIFY(changed.count() >= 1); // the search runs again with them
    }
};

QTEST_MAIN(TestFilterBar)
#include "test_filter_bar.moc"
