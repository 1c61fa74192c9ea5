// The recent searches: newest first, a repeat moves to the front, blanks are not kept, the
// oldest go beyond the limit, and the list survives a save and load through QSettings.

#include "search_history.h"

#include <QSettings>
#include <QTemporaryDir>
#include <QtTest>

using semsearch::services::SearchHistory;

class TestSearchHistory : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;

    QString settingsFile() const { return m_tmp.filePath(QStringLiteral("semsearch.conf")); }

private Q_SLOTS:
    void newestFirstAndRepeatsMoveToTheFront() {
        SearchHistory history;
        QVERIFY(history.add(QStringLiteral("cats")));
        QVERIFY(history.add(QStringLiteral("  tax return ")));
        QVERIFY(history.add(QStringLiteral("recipes")));
        QVERIFY(!history.add(QStringLiteral("recipes"))); // already in front
        QVERIFY(!history.add(QStringLiteral("   ")));
        QVERIFY(history.add(QStringLiteral("cats")));
        QCOMPARE(history.entries(), QStringList({QStringLiteral("cats"), QStringLiteral("recipes"),
                                                 QStringLiteral("tax return")}));
    }

    void theOldestGoBeyondTheLimit() {
        SearchHistory history(3);
        for (const char* query : {"a", "b", "c", "d"})
            history.add(QString::fromLatin1(query));
        QCOMPARE(history.entries(),
                 QStringList({QStringLiteral("d"), QStringLiteral("c"), QStringLiteral("b")}));
    }

    void keptInTheSettingsAndClearable() {
        QVERIFY(m_tmp.isValid());
        {
            SearchHistory history;
            history.add(QStringLiteral("first"));
            history.add(QStringLiteral("second"));
            QSettings store(settingsFile(), QSettings::IniFormat);
            history.save(store);
        }
        QSettings store(settingsFile(), QSettings::IniFormat);
        SearchHistory loaded(1);
        loaded.load(store);
        QCOMPARE(loaded.entries(), QStringList({QStringLiteral("second")}));
        SearchHistory all;
        all.load(store);
        QCOMPARE(all.entries(), QStringList({QStringLiteral("second"), QStringLiteral("first")}));
        all.clear();
        all.save(store);
        QVERIFY(!store.contains(QStringLiteral("search/history")));
        SearchHistory empty;
        empty.load(store);
        QVERIFY(empty.entries().isEmpty());
    }

    // A hand-edited settings file with blanks and repeats reads as a clean list.
    void blanksAndRepeatsInTheFileAreDropped() {
        QSettings store(settingsFile(), QSettings::IniFormat);
        store.setValue(QStringLiteral("search/history"),
                       QStringList({QStringLiteral("b"), QString(), QStringLiteral("a"),
                                    QStringLiteral("b")}));
        SearchHistory history;
        history.load(store);
        QCOMPARE(history.entries(), QStringList({QStringLiteral("b"), QStringLiteral("a")}));
    }
};

QTEST_GUILESS_MAIN(TestSearchHistory)
#include "test_search_history.moc"
