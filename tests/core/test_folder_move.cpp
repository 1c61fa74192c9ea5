// moveFolderIntoPlace: a prepared folder takes the place of another in one step, and nothing
// is lost when it is refused.

#include "test_files.h"

#include "semsearch/folder_move.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

using namespace semsearch;
using namespace semsearch::test;

class TestFolderMove : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_base;

    QString path(const QString& name) const { return m_base + QLatin1Char('/') + name; }
    QStringList entries() const {
        return QDir(m_base).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot);
    }

private Q_SLOTS:
    void init() {
        QVERIFY(m_tmp.isValid());
        m_base = m_tmp.path() + QLatin1Char('/') + QTest::currentTestFunction();
        QVERIFY(writeFile(path(QStringLiteral(".new/inner/a.txt")), "new"));
    }

    void movesIntoAMissingTarget() {
        QVERIFY(moveFolderIntoPlace(path(QStringLiteral(".new")), path(QStringLiteral("model")),
                                    ExistingFolder::Refuse)
                    .ok());
        QCOMPARE(readFile(path(QStringLiteral("model/inner/a.txt"))), QByteArray("new"));
        QCOMPARE(entries(), QStringList{QStringLiteral("model")});
    }

    void refusesAnExistingFolderUnlessReplacing() {
        QVERIFY(writeFile(path(QStringLiteral("model/old.txt")), "old"));
        auto refused = moveFolderIntoPlace(path(QStringLiteral(".new")),
                                           path(QStringLiteral("model")), ExistingFolder::Refuse);
        QVERIFY(!refused.ok());
        QCOMPARE(int(refused.error().code), int(ErrorCode::InvalidArgument));
        QVERIFY(refused.error().message.contains(path(QStringLiteral("model"))));
        QCOMPARE(readFile(path(QStringLiteral("model/old.txt"))), QByteArray("old"));
        QCOMPARE(readFile(path(QStringLiteral(".new/inner/a.txt"))), QByteArray("new"));

        QVERIFY(moveFolderIntoPlace(path(QStringLiteral(".new")), path(QStringLiteral("model")),
                                    ExistingFolder::Replace)
                    .ok());
        QCOMPARE(readFile(path(QStringLiteral("model/inner/a.txt"))), QByteArray("new"));
        QVERIFY(!QFileInfo::exists(path(QStringLiteral("model/old.txt"))));
        // The old folder is gone, under whichever name it was set aside.
        QCOMPARE(entries(), QStringList{QStringLiteral("model")});
    }

    void exchangeLeavesTheOldFolderAtTheSource() {
        QVERIFY(writeFile(path(QStringLiteral("model/old.txt")), "old"));
        QVERIFY(moveFolderIntoPlace(path(QStringLiteral(".new")), path(QStringLiteral("model")),
                                    ExistingFolder::Exchange)
                    .ok());
        QCOMPARE(readFile(path(QStringLiteral("model/inner/a.txt"))), QByteArray("new"));
        QCOMPARE(readFile(path(QStringLiteral(".new/old.txt"))), QByteArray("old"));
        QCOMPARE(entries(), (QStringList{QStringLiteral(".new"), QStringLiteral("model")}));
    }

    void neverDeletesAFile() {
        QVERIFY(writeFile(path(QStringLiteral("model")), "a file"));
        auto refused = moveFolderIntoPlace(path(QStringLiteral(".new")),
                                           path(QStringLiteral("model")), ExistingFolder::Replace);
        QVERIFY(!refused.ok());
        QCOMPARE(int(refused.error().code), int(ErrorCode::InvalidArgument));
        QCOMPARE(readFile(path(QStringLiteral("model"))), QByteArray("a file"));
    }

    void aMissingSourceIsAnIoError() {
        auto failed = moveFolderIntoPlace(path(QStringLiteral("nothing")),
                                          path(QStringLiteral("model")), ExistingFolder::Refuse);
        QVERIFY(!failed.ok());
        QCOMPARE(int(failed.error().code), int(ErrorCode::Io));
        QVERIFY(failed.error().message.contains(path(QStringLiteral("nothing"))));
        QVERIFY(!QFileInfo::exists(path(QStringLiteral("model"))));
    }
};

QTEST_GUILESS_MAIN(TestFolderMove)
#include "test_folder_move.moc"
