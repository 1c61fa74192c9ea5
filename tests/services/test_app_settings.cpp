// AppSettings against QSettings in a fresh INI file per test: defaults, a round trip, values that
// are not what they should be, the command-line and environment overrides, and the core
// options built from the settings. Expected values are written out here, not taken from the
// code under test.

#include "app_settings.h"
#include "custom_app_settings.h"

#include "semsearch/locations.h"

#include <QFile>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace semsearch;
using semsearch::services::AppSettings;
using semsearch::test::customAppSettings;

class TestAppSettings : public QObject {
    Q_OBJECT

    std::unique_ptr<QTemporaryDir> m_dir;
    QString iniPath() const { return m_dir->filePath(QStringLiteral("semsearch.ini")); }

    void writeIni(const QByteArray& text) {
        QFile file(iniPath());
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        QCOMPARE(file.write(text), text.size());
    }

private Q_SLOTS:
    void init() {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        qunsetenv("SEMSEARCH_MODEL");
        qunsetenv("SEMSEARCH_INDEX");
    }
    void cleanup() {
        qunsetenv("SEMSEARCH_MODEL");
        qunsetenv("SEMSEARCH_INDEX");
    }

    void defaultsAreTheDocumentedOnes() {
        const AppSettings s;
        QCOMPARE(s.modelFolder, defaultModelFolder());
        QCOMPARE(s.indexFolder, defaultIndexFolder());
        QCOMPARE(s.batchSize, 32);
        QCOMPARE(s.threads, 0);
        QVERIFY(s.excludePatterns.contains(QStringLiteral("node_modules")));
        QVERIFY(s.excludePatterns.contains(QStringLiteral("*.min.js")));
        QVERIFY(!s.excludePatterns.contains(QStringLiteral("build")));
        QCOMPARE(s.maxFileMiB, 20);
        QVERIFY(s.watchFolders);
        QCOMPARE(s.searchResultLimit, 50);
        QCOMPARE(s.precision, Precision::Auto);
        QVERIFY(s.downloadMirror.isEmpty());
        QVERIFY(s.downloadProxy.isEmpty());
    }

    void emptyFileGivesDefaults() {
        QSettings settings(iniPath(), QSettings::IniFormat);
        QVERIFY(services::loadSettings(settings) == AppSettings{});
    }

    void roundTripThroughTheFile() {
        const AppSettings saved = customAppSettings();
        {
            QSettings settings(iniPath(), QSettings::IniFormat);
            services::saveSettings(settings, saved);
        } // written to disk here
        QSettings settings(iniPath(), QSettings::IniFormat);
        QCOMPARE(settings.value(QStringLiteral("embed/batchSize")).toInt(), 8);
        QCOMPARE(settings.value(QStringLiteral("search/limit")).toInt(), 120);
        QCOMPARE(settings.value(QStringLiteral("embed/precision")).toString(),
                 QStringLiteral("bf16"));
        QCOMPARE(settings.value(QStringLiteral("download/proxy")).toString(),
                 QStringLiteral("proxy.example:3128"));
        const AppSettings loaded = services::loadSettings(settings);
        QCOMPARE(loaded.modelFolder, saved.modelFolder);
        QCOMPARE(loaded.indexFolder, saved.indexFolder);
        QCOMPARE(loaded.excludePatterns, saved.excludePatterns);
        QVERIFY(loaded == saved);
    }

    void keysAreTheDocumentedOnes() {
        writeIni("[model]\nfolder=/m\n[index]\nfolder=/i\nexcludePatterns=a, b\nmaxFileMiB=0\n"
                 "watch=false\n[embed]\nbatchSize=16\nthreads=2\nprecision=INT8\n[search]\n"
                 "limit=7\n[download]\nmirror= https://m.example \nproxy=p.example:8080\n");
        QSettings settings(iniPath(), QSettings::IniFormat);
        const AppSettings s = services::loadSettings(settings);
        QCOMPARE(s.modelFolder, QStringLiteral("/m"));
        QCOMPARE(s.indexFolder, QStringLiteral("/i"));
        QCOMPARE(s.excludePatterns, QStringList({"a", "b"}));
        QCOMPARE(s.maxFileMiB, 0); // no limit is a valid choice
        QCOMPARE(s.watchFolders, false);
        QCOMPARE(s.batchSize, 16);
        QCOMPARE(s.threads, 2);
        QCOMPARE(s.searchResultLimit, 7);
        QCOMPARE(s.precision, Precision::Int8);
        QCOMPARE(s.downloadMirror, QStringLiteral("https://m.example"));
        QCOMPARE(s.downloadProxy, QStringLiteral("p.example:8080"));
    }

    void onePatternAndNoPatternRoundTrip() {
        for (const QStringList& patterns : {QStringList{QStringLiteral("*.log")}, QStringList{}}) {
            AppSettings saved;
            saved.excludePatterns = patterns;
            {
                QSettings settings(iniPath(), QSettings::IniFormat);
                services::saveSettings(settings, saved);
            }
            QSettings settings(iniPath(), QSettings::IniFormat);
            QCOMPARE(services::loadSettings(settings).excludePatterns, patterns);
        }
    }

    // As another process reads them (in one process QSettings answers from its cache).
    void noPatternsWrittenByHandOrByQSettingsMeanNone() {
        for (const QByteArray& stored : {QByteArray(""), QByteArray("@Invalid()")}) {
            writeIni("[index]\nexcludePatterns=" + stored + "\n");
            QSettings settings(iniPath(), QSettings::IniFormat);
            QCOMPARE(services::loadSettings(settings).excludePatterns, QStringList());
            m_dir = std::make_unique<QTemporaryDir>(); // a new file name: no cache
        }
    }

    void savedEmptyPatternListIsPlainlyEmptyInTheFile() {
        AppSettings saved;
        saved.excludePatterns.clear();
        {
            QSettings settings(iniPath(), QSettings::IniFormat);
            services::saveSettings(settings, saved);
        }
        QFile file(iniPath());
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(file.readAll().contains("excludePatterns=\n"));
    }

    void invalidValuesFallBackToDefaultsFieldByField() {
        // Every field broken in its own way, except the search limit, which must survive.
        writeIni("[model]\nfolder=\"  \"\n[index]\nfolder=a, b\nmaxFileMiB=-3\nwatch=maybe\n"
                 "excludePatterns=@ByteArray(xyz)\n"
                 "[embed]\nbatchSize=abc\nthreads=100000\nprecision=fp16\n[search]\nlimit=9\n");
        QSettings settings(iniPath(), QSettings::IniFormat);
        const AppSettings s = services::loadSettings(settings);
        const AppSettings defaults;
        QCOMPARE(s.modelFolder, defaults.modelFolder);
        QCOMPARE(s.indexFolder, defaults.indexFolder);
        QCOMPARE(s.maxFileMiB, defaults.maxFileMiB);
        QCOMPARE(s.watchFolders, defaults.watchFolders);
        QCOMPARE(s.excludePatterns, defaults.excludePatterns);
        QCOMPARE(s.batchSize, defaults.batchSize);
        QCOMPARE(s.threads, defaults.threads);
        QCOMPARE(s.precision, defaults.precision);
        QCOMPARE(s.searchResultLimit, 9);
    }

    void outOfRangeNumbersFallBack() {
        writeIni("[embed]\nbatchSize=0\nthreads=-1\n[index]\nmaxFileMiB=5000\n"
                 "[search]\nlimit=0\n");
        QSettings settings(iniPath(), QSettings::IniFormat);
        QVERIFY(services::loadSettings(settings) == AppSettings{});
    }

    void patternsAreTrimmedAndEmptyOnesDropped() {
        writeIni("[index]\nexcludePatterns=\" *.log \", , tmp, tmp\n");
        QSettings settings(iniPath(), QSettings::IniFormat);
        QCOMPARE(services::loadSettings(settings).excludePatterns, QStringList({"*.log", "tmp"}));
    }

    void overridesFollowTheCliPrecedence() {
        const AppSettings saved = customAppSettings();

        // Nothing set: the saved folders stay.
        QVERIFY(services::applyOverrides(saved, QString(), QString()) == saved);

        // The environment wins over the saved settings.
        qputenv("SEMSEARCH_MODEL", "/env/model");
        qputenv("SEMSEARCH_INDEX", "/env/index");
        AppSettings s = services::applyOverrides(saved, QString(), QString());
        QCOMPARE(s.modelFolder, QStringLiteral("/env/model"));
        QCOMPARE(s.indexFolder, QStringLiteral("/env/index"));
        QCOMPARE(s.batchSize, saved.batchSize); // nothing else changes

        // A flag wins over the environment, each folder on its own.
        s = services::applyOverrides(saved, QStringLiteral("/flag/index"), QString());
        QCOMPARE(s.indexFolder, QStringLiteral("/flag/index"));
        QCOMPARE(s.modelFolder, QStringLiteral("/env/model"));
        s = services::applyOverrides(saved, QString(), QStringLiteral("/flag/model"));
        QCOMPARE(s.modelFolder, QStringLiteral("/flag/model"));
        QCOMPARE(s.indexFolder, QStringLiteral("/env/index"));

        // An empty variable counts as unset.
        qputenv("SEMSEARCH_MODEL", "");
        qunsetenv("SEMSEARCH_INDEX");
        s = services::applyOverrides(saved, QString(), QString());
        QCOMPARE(s.modelFolder, saved.modelFolder);
        QCOMPARE(s.indexFolder, saved.indexFolder);
    }

    void overridesNameTheirOrigin() {
        qputenv("SEMSEARCH_INDEX", "/env/index");
        services::SessionOverrides o =
            services::sessionOverrides(QString(), QStringLiteral("/flag/model"));
        QCOMPARE(o.modelOrigin, QStringLiteral("--model"));
        QCOMPARE(o.modelFolder, QStringLiteral("/flag/model"));
        QCOMPARE(o.indexOrigin, QStringLiteral("SEMSEARCH_INDEX"));
        QCOMPARE(o.indexFolder, QStringLiteral("/env/index"));
        QVERIFY(o.modelOverridden() && o.indexOverridden());

        qunsetenv("SEMSEARCH_INDEX");
        o = services::sessionOverrides(QStringLiteral("/flag/index"), QString());
        QCOMPARE(o.indexOrigin, QStringLiteral("--index"));
        QVERIFY(!o.modelOverridden());
        QVERIFY(o.modelFolder.isEmpty());
    }

    // Issue 19: a shared index's location is kept as typed (never made into a path), and no
    // password reaches the file, whichever way it was written into the location.
    void aSharedIndexLocationRoundTripsWithoutItsPassword() {
        const QString plain =
            QStringLiteral("postgresql://ann@db.example.org:5433/team?sslmode=require");
        AppSettings saved = customAppSettings();
        saved.indexFolder = plain;
        {
            QSettings settings(iniPath(), QSettings::IniFormat);
            services::saveSettings(settings, saved);
        }
        {
            QSettings settings(iniPath(), QSettings::IniFormat);
            QCOMPARE(settings.value(QStringLiteral("index/folder")).toString(), plain);
            QVERIFY(services::loadSettings(settings) == saved);
        }
        const QStringList withPasswords = {
            QStringLiteral("postgresql://ann:s3cret-pw@db.example.org:5433/team?sslmode=require"),
            QStringLiteral(
                "postgresql://ann@db.example.org:5433/team?password=s3cret-pw&sslmode=require")};
        for (const QString& location : withPasswords) {
            saved.indexFolder = location;
            {
                QSettings settings(iniPath(), QSettings::IniFormat);
                services::saveSettings(settings, saved);
            }
            QFile file(iniPath());
            QVERIFY(file.open(QIODevice::ReadOnly));
            const QByteArray written = file.readAll();
            QVERIFY2(!written.contains("s3cret"), written.constData());
            QVERIFY2(written.contains("db.example.org"), written.constData());
            QSettings settings(iniPath(), QSettings::IniFormat);
            QCOMPARE(services::loadSettings(settings).indexFolder, plain);
        }
    }

    // --index and SEMSEARCH_INDEX give a location for the session as given, password and all
    // (libpq uses it; it is never saved).
    void overridesTakeALocationAsGiven() {
        const QString location = QStringLiteral("postgresql://ann:pw@127.0.0.1:5999/team");
        qputenv("SEMSEARCH_INDEX", location.toUtf8());
        QCOMPARE(services::applyOverrides(customAppSettings(), {}, {}).indexFolder, location);
        const QString flag = QStringLiteral("postgres://localhost/other");
        QCOMPARE(services::applyOverrides(customAppSettings(), flag, {}).indexFolder, flag);
        QCOMPARE(services::sessionOverrides(flag, {}).indexOrigin, QStringLiteral("--index"));
    }

    void coreOptionsFromSettings() {
        const AppSettings s = customAppSettings();
        const IndexOptions index = services::indexOptionsFrom(s);
        QCOMPARE(index.walk.maxFileBytes, qint64(5) * 1024 * 1024);
        QCOMPARE(index.walk.excludePatterns, s.excludePatterns);
        QCOMPARE(index.walk.includeHidden, false);
        QCOMPARE(index.filesPerBatch, IndexOptions{}.filesPerBatch);

        AppSettings unlimited;
        unlimited.maxFileMiB = 0;
        QCOMPARE(services::indexOptionsFrom(unlimited).walk.maxFileBytes, qint64(0));

        const EmbedderOptions embed = services::embedderOptionsFrom(s);
        QCOMPARE(embed.batchSize, 8);
        QCOMPARE(embed.threads, 3);
        QCOMPARE(embed.maxSeqLength, 0);
        QCOMPARE(embed.precision, Precision::Bf16);
        QCOMPARE(embed.qualityCacheFolder, defaultCacheFolder());
    }

    // SEMSEARCH_PRECISION overrides the saved choice for the session, as for the CLI.
    void precisionFromTheEnvironment() {
        const AppSettings saved = customAppSettings();
        QCOMPARE(services::applyOverrides(saved, {}, {}).precision, Precision::Bf16);
        qputenv("SEMSEARCH_PRECISION", "int8");
        QCOMPARE(services::applyOverrides(saved, {}, {}).precision, Precision::Int8);
        qputenv("SEMSEARCH_PRECISION", "nonsense");
        QCOMPARE(services::applyOverrides(saved, {}, {}).precision, Precision::Bf16);
        qunsetenv("SEMSEARCH_PRECISION");
    }
};

QTEST_GUILESS_MAIN(TestAppSettings)
#include "test_app_settings.moc"
