// Where quality check results are remembered: one small JSON file in the user's cache folder,
// an object keyed by what the result depends on.

#include "semsearch/precision_check.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

#include <algorithm>

namespace semsearch {

namespace {

const QString kFileName = QStringLiteral("precision-checks.json");
// Far larger than any real file (a few hundred bytes per model, mode and CPU): a file this big
// is not ours, and is not read.
constexpr qint64 kMaxFileBytes = 4 * 1024 * 1024;

// A result depends on the weights, the mode, the CPU and the code that computes both (a new
// semsearch may round differently), and on how the check itself measures (kCheckVersion).
constexpr int kCheckVersion = 2; // 2: with the speed of the mode

QString key(const QString& fingerprint, const QString& cpu, Precision precision) {
    return QStringLiteral("%1|%2|%3|%4|%5")
        .arg(kCheckVersion)
        .arg(QLatin1String(SEMSEARCH_VERSION), fingerprint, precisionName(precision), cpu);
}

QJsonObject readChecks(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly) || file.size() > kMaxFileBytes)
        return {};
    return QJsonDocument::fromJson(file.readAll()).object();
}

QJsonObject toJson(const PrecisionQuality& q) {
    return QJsonObject{{QStringLiteral("texts"), q.texts},
                       {QStringLiteral("mean_cosine"), q.meanCosine},
                       {QStringLiteral("min_cosine"), q.minCosine},
                       {QStringLiteral("neighbour_overlap"), q.neighbourOverlap},
                       {QStringLiteral("spread_cosine"), q.spreadCosine},
                       {QStringLiteral("passed"), q.passed},
                       {QStringLiteral("tokens_per_second"), q.tokensPerSecond}};
}

} // namespace

std::optional<PrecisionQuality> rememberedQuality(const QString& cacheFolder,
                                                  const QString& weightsFingerprint,
                                                  const QString& cpu, Precision precision) {
    if (cacheFolder.isEmpty() || weightsFingerprint.isEmpty())
        return std::nullopt;
    const QJsonValue entry = readChecks(cacheFolder + QLatin1Char('/') + kFileName)
                                 .value(key(weightsFingerprint, cpu, precision));
    if (!entry.isObject())
        return std::nullopt;
    const QJsonObject o = entry.toObject();
    PrecisionQuality q;
    q.precision = precision;
    q.texts = o.value(QStringLiteral("texts")).toInt();
    q.meanCosine = o.value(QStringLiteral("mean_cosine")).toDouble();
    q.minCosine = o.value(QStringLiteral("min_cosine")).toDouble();
    q.neighbourOverlap = o.value(QStringLiteral("neighbour_overlap")).toDouble();
    q.spreadCosine = o.value(QStringLiteral("spread_cosine")).toDouble();
    q.passed = o.value(QStringLiteral("passed")).toBool();
    q.tokensPerSecond = std::max(0.0, o.value(QStringLiteral("tokens_per_second")).toDouble());
    if (q.texts <= 0)
        return std::nullopt; // a damaged entry: check again
    return q;
}

Result<void> rememberQuality(const QString& cacheFolder, const QString& weightsFingerprint,
                             const QString& cpu, const PrecisionQuality& quality) {
    if (cacheFolder.isEmpty() || weightsFingerprint.isEmpty())
        return {};
    if (!QDir().mkpath(cacheFolder))
        return makeError(ErrorCode::Io,
                         cacheFolder + QStringLiteral(": cannot create the cache folder"));
    QFile::setPermissions(cacheFolder,
                          QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    const QString path = cacheFolder + QLatin1Char('/') + kFileName;
    QJsonObject checks = readChecks(path);
    checks.insert(key(weightsFingerprint, cpu, quality.precision), toJson(quality));
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(QJsonDocument(checks).toJson()) < 0 ||
        !file.commit())
        return makeError(ErrorCode::Io,
                         path + QStringLiteral(": cannot write: ") + file.errorString());
    return {};
}

} // namespace semsearch
