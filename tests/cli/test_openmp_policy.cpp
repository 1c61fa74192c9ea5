// The programs ask OpenMP to let idle threads sleep (core/src/embed/openmp_wait_policy.cpp), and
// a value the user set wins. Checked by what libgomp itself read: with OMP_DISPLAY_ENV=VERBOSE
// it prints its settings at start-up, before main(). (Its OMP_WAIT_POLICY line says 'PASSIVE'
// also when nothing was set; GOMP_SPINCOUNT tells the two apart: 0 only for a passive policy.)

#include <QProcess>
#include <QProcessEnvironment>
#include <QtTest>

namespace {

// libgomp's `setting` line (simplified) when semsearch-cli starts with OMP_WAIT_POLICY=`policy`
// (unset if empty).
QString settingSeenBy(const QString& setting, const QString& policy) {
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.remove(QStringLiteral("OMP_WAIT_POLICY"));
    if (!policy.isEmpty())
        environment.insert(QStringLiteral("OMP_WAIT_POLICY"), policy);
    environment.insert(QStringLiteral("OMP_DISPLAY_ENV"), QStringLiteral("VERBOSE"));
    QProcess cli;
    cli.setProcessEnvironment(environment);
    cli.start(QStringLiteral(SEMSEARCH_CLI), {QStringLiteral("--version")});
    if (!cli.waitForFinished(120000))
        return QStringLiteral("semsearch-cli did not finish");
    const QString output = QString::fromLocal8Bit(cli.readAllStandardError()) +
                           QString::fromLocal8Bit(cli.readAllStandardOutput());
    for (const QString& line : output.split(QLatin1Char('\n')))
        if (line.simplified().startsWith(setting + QStringLiteral(" =")))
            return line.simplified();
    return QStringLiteral("no %1 line in: ").arg(setting) + output;
}

} // namespace

class TestOpenMpPolicy : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void idleThreadsSleepByDefault() {
        QCOMPARE(settingSeenBy(QStringLiteral("GOMP_SPINCOUNT"), QString()),
                 QStringLiteral("GOMP_SPINCOUNT = '0'"));
    }

    void theUsersChoiceWins() {
        QCOMPARE(settingSeenBy(QStringLiteral("OMP_WAIT_POLICY"), QStringLiteral("ACTIVE")),
                 QStringLiteral("OMP_WAIT_POLICY = 'ACTIVE'"));
        QVERIFY(settingSeenBy(QStringLiteral("GOMP_SPINCOUNT"), QStringLiteral("ACTIVE")) !=
                QStringLiteral("GOMP_SPINCOUNT = '0'"));
    }
};

QTEST_GUILESS_MAIN(TestOpenMpPolicy)
#include "test_openmp_policy.moc"
