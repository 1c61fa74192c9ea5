// A shared index's location: told apart from a folder, and shown without its password
// everywhere, including in the errors of a connection that failed.

#include "postgres_server.h"
#include "semsearch/shared_index_location.h"
#include "shared_index/pg_connection.h"

#include <QRegularExpression>
#include <QtTest>

using namespace semsearch;
using namespace semsearch::test;

class TestPgLocation : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void recognisesSharedIndexes_data() {
        QTest::addColumn<QString>("location");
        QTest::addColumn<bool>("shared");
        QTest::newRow("postgresql") << "postgresql://db.example/team" << true;
        QTest::newRow("postgres") << "postgres://ann@db.example:5433/team?sslmode=require" << true;
        QTest::newRow("only the prefix") << "postgresql://" << true;
        QTest::newRow("folder") << "/home/ann/.local/share/semsearch" << false;
        QTest::newRow("relative folder named like a scheme") << "postgresql:/team" << false;
        QTest::newRow("folder containing the prefix") << "/srv/postgresql://x" << false;
        // libpq compares the prefix case-sensitively; so do we, or we would accept what it
        // then refuses.
        QTest::newRow("upper case") << "PostgreSQL://db/team" << false;
        QTest::newRow("keyword form") << "host=db dbname=team" << false;
        QTest::newRow("empty") << "" << false;
    }

    void recognisesSharedIndexes() {
        QFETCH(QString, location);
        QFETCH(bool, shared);
        QCOMPARE(isSharedIndexLocation(location), shared);
    }

    void displayFormHasNoPassword_data() {
        QTest::addColumn<QString>("location");
        QTest::addColumn<QString>("shown");
        QTest::newRow("no password") << "postgresql://ann@db:5432/team"
                                     << "postgresql://ann@db:5432/team";
        QTest::newRow("no user") << "postgres://db/team"
                                 << "postgres://db/team";
        QTest::newRow("user and password") << "postgresql://ann:s3cret@db/team"
                                           << "postgresql://ann@db/team";
        QTest::newRow("empty password") << "postgresql://ann:@db/team"
                                        << "postgresql://ann@db/team";
        QTest::newRow("password with raw @ and /") << "postgresql://ann:p@ss/w@db:5432/team"
                                                   << "postgresql://ann@db:5432/team";
        QTest::newRow("password with raw ?") << "postgresql://ann:pa?ss@db/team?sslmode=require"
                                             << "postgresql://ann@db/team?sslmode=require";
        QTest::newRow("password with raw ? and @") << "postgresql://ann:p?a@ss@db/team"
                                                   << "postgresql://ann@db/team";
        QTest::newRow("@ in a parameter") << "postgresql://db/team?options=-c%20x@y"
                                          << "postgresql://db/team?options=-c%20x@y";
        QTest::newRow("password parameter")
            << "postgresql://ann@db/team?sslmode=require&password=s3cret&connect_timeout=5"
            << "postgresql://ann@db/team?sslmode=require&connect_timeout=5";
        QTest::newRow("only a password parameter") << "postgresql://db/team?password=s3cret"
                                                   << "postgresql://db/team";
        QTest::newRow("encoded parameter name") << "postgresql://db/team?pass%77ord=s3cret"
                                                << "postgresql://db/team";
        QTest::newRow("upper-case parameter name") << "postgresql://db/team?PASSWORD=s3cret"
                                                   << "postgresql://db/team";
        QTest::newRow("both") << "postgres://ann:one@[::1]:5432/team?password=two"
                              << "postgres://ann@[::1]:5432/team";
        QTest::newRow("several hosts") << "postgresql://ann:s3cret@a:5432,b:5433/team"
                                       << "postgresql://ann@a:5432,b:5433/team";
        QTest::newRow("a folder as is") << "/home/ann:s3cret@x/index"
                                        << "/home/ann:s3cret@x/index";
    }

    void displayFormHasNoPassword() {
        QFETCH(QString, location);
        QFETCH(QString, shown);
        QCOMPARE(displayLocation(location), shown);
    }

    // Every error of a failed connection names the location, and never with its password:
    // a refused port (Io), and a URI libpq cannot parse, whose error echoes the bad part.
    void connectionErrorsHaveNoPassword_data() {
        QTest::addColumn<QString>("location");
        QTest::addColumn<QStringList>("passwords");
        const int port = PostgresServer::freePort();
        QVERIFY(port > 0);
        QTest::newRow("refused")
            << QStringLiteral("postgresql://ann:Pw-in-user@127.0.0.1:%1/team?password=Pw-in-query")
                   .arg(port)
            << QStringList{"Pw-in-user", "Pw-in-query"};
        QTest::newRow("bad percent-encoding")
            << QStringLiteral("postgresql://ann:Pw%zz-bad@127.0.0.1:%1/team").arg(port)
            << QStringList{"Pw%zz-bad", "zz-bad"};
        QTest::newRow("raw ? in the password")
            << QStringLiteral("postgresql://ann:Pw?raw-q@127.0.0.1:%1/team").arg(port)
            << QStringList{"Pw?raw-q", "raw-q"};
        QTest::newRow("bad percent-encoding in a parameter")
            << QStringLiteral("postgresql://127.0.0.1:%1/team?password=Pw%zz-bad").arg(port)
            << QStringList{"Pw%zz-bad", "zz-bad"};
    }

    void connectionErrorsHaveNoPassword() {
        QFETCH(QString, location);
        QFETCH(QStringList, passwords);
        auto connection = PgConnection::open(location);
        QVERIFY(!connection);
        const QString message = connection.error().message;
        QVERIFY2(message.startsWith(displayLocation(location) + QStringLiteral(": ")),
                 qPrintable(message));
        QVERIFY2(!message.contains(QLatin1Char('\n')), qPrintable(message));
        for (const QString& password : passwords)
            QVERIFY2(!message.contains(password), qPrintable(message));
    }

    // One folder per shared index: readable, safe as a file name, the same with or without a
    // password, different for another user, port or database.
    void folderNames() {
        const QString name =
            sharedIndexFolderName(QStringLiteral("postgresql://ann@db.example.org/team"));
        QVERIFY2(QRegularExpression(QStringLiteral("^db\\.example\\.org-team-[0-9a-f]{12}$"))
                     .match(name)
                     .hasMatch(),
                 qPrintable(name));
        QCOMPARE(
            sharedIndexFolderName(QStringLiteral("postgresql://ann:secret@db.example.org/team")),
            name);
        QVERIFY(!name.contains(QLatin1String("secret")));
        const QStringList others = {QStringLiteral("postgresql://bob@db.example.org/team"),
                                    QStringLiteral("postgresql://ann@db.example.org:5433/team"),
                                    QStringLiteral("postgresql://ann@db.example.org/other")};
        for (const QString& other : others)
            QVERIFY2(sharedIndexFolderName(other) != name, qPrintable(other));
        const QString odd =
            sharedIndexFolderName(QStringLiteral("postgresql:///my db?host=/run/x"));
        QVERIFY2(QRegularExpression(QStringLiteral("^[A-Za-z0-9._-]+$")).match(odd).hasMatch(),
                 qPrintable(odd));
    }
};

QTEST_GUILESS_MAIN(TestPgLocation)
#include "test_pg_location.moc"
