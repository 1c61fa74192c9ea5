// The "run as an unprivileged user" test support: the permission tests that use it are only
// as good as its promise that the work meets file permissions as a user does, also under root.

#include "generous_wait.h"
#include "unprivileged_user.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

using namespace semsearch::test;

class TestUnprivilegedUser : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void workMeetsFilePermissions() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString secret = dir.filePath(QStringLiteral("secret.txt"));
        QFile file(secret);
        QVERIFY(file.open(QIODevice::WriteOnly) && file.write("secret") == 6);
        file.close();
        QVERIFY(QFile::setPermissions(secret, QFileDevice::Permissions()));
        QVERIFY(giveToUnprivilegedUser(dir.path()));
        QVERIFY(runAsUnprivilegedUser([&] {
            QVERIFY(::geteuid() != 0);
            QFile unreadable(secret);
            QVERIFY(!unreadable.open(QIODevice::ReadOnly));
            QCOMPARE(unreadable.error(), QFileDevice::OpenError);
            // The folder handed over is the user's to write in.
            QFile created(dir.filePath(QStringLiteral("created.txt")));
            QVERIFY(created.open(QIODevice::WriteOnly));
        }));
        QVERIFY(QFile::exists(dir.filePath(QStringLiteral("created.txt"))));
    }

    void programStartsAsTheUser() {
        QProcess id;
        startAsUnprivilegedUser(id);
        id.start(QStringLiteral("id"), {QStringLiteral("-u")});
        QVERIFY(id.waitForFinished(kGenerousWaitMs));
        QCOMPARE(id.exitCode(), 0);
        const uid_t expected = isRoot() ? kUnprivilegedUid : ::geteuid();
        QCOMPARE(id.readAllStandardOutput().trimmed(), QByteArray::number(expected));
    }
};

QTEST_GUILESS_MAIN(TestUnprivilegedUser)
#include "test_unprivileged_user.moc"
