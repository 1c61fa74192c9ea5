#include "app_settings.h"

#include "semsearch/shared_index_location.h"

#include <QSettings>
#include <QVariant>

namespace semsearch::services {

namespace {

const QString kModelFolderKey = QStringLiteral("model/folder");
const QString kIndexFolderKey = QStringLiteral("index/folder");
const QString kBatchSizeKey = QStringLiteral("embed/batchSize");
const QString kThreadsKey = QStringLiteral("embed/threads");
const QString kExcludePatternsKey = QStringLiteral("index/excludePatterns");
const QString kMaxFileMiBKey = QStringLiteral("index/maxFileMiB");
const QString kWatchKey = QStringLiteral("index/watch");
const QString kSearchLimitKey = QStringLiteral("search/limit");
const QString kPrecisionKey = QStringLiteral("embed/precision");
const QString kMirrorKey = QStringLiteral("download/mirror");
const QString kProxyKey = QStringLiteral("download/proxy");

// Stored text can be anything (INI files are edited by hand), so each reader accepts only what
// it understands and otherwise keeps the default.

QString readFolder(const QSettings& settings, const QString& key, const QString& fallback) {
    const QVariant value = settings.value(key);
    if (value.typeId() != QMetaType::QString)
        return fallback;
    // Kept as stored: a folder name may end in a space.
    const QString folder = value.toString();
    return folder.trimmed().isEmpty() ? fallback : folder;
}

int readInt(const QSettings& settings, const QString& key, int min, int max, int fallback) {
    bool ok = false;
    const int value = settings.value(key).toString().trimmed().toInt(&ok);
    return ok && value >= min && value <= max ? value : fallback;
}

bool readBool(const QSettings& settings, const QString& key, bool fallback) {
    const QVariant value = settings.value(key);
    if (value.typeId() == QMetaType::Bool)
        return value.toBool();
    // QVariant::toBool() calls every string but "", "0" and "false" true; "maybe" is not.
    const QString text = value.toString().trimmed().toLower();
    if (text == QLatin1String("true") || text == QLatin1String("1"))
        return true;
    if (text == QLatin1String("false") || text == QLatin1String("0"))
        return false;
    return fallback;
}

QStringList readPatterns(const QSettings& settings, const QString& key,
                         const QStringList& fallback) {
    if (!settings.contains(key))
        return fallback;
    const QVariant value = settings.value(key);
    // INI keeps one pattern as a plain string and several as a list. saveSettings writes no
    // patterns as an empty string; QSettings itself would write "@Invalid()", which reads back
    // as an invalid variant, so that means none too. Anything else (a number, a byte array) is
    // not a pattern list.
    if (!value.isValid())
        return {};
    if (value.typeId() == QMetaType::QStringList)
        return cleanPatterns(value.toStringList());
    if (value.typeId() == QMetaType::QString)
        return cleanPatterns({value.toString()});
    return fallback;
}

} // namespace

// Only names that are machine-made almost everywhere they occur, and hold nothing a person
// would search by meaning: installed dependencies (node_modules, site-packages), bytecode
// caches (__pycache__), minified code (one enormous line) and dependency lock files. Hidden
// folders (.cache, .venv, .git) are skipped by the walker already. Names people also give
// their own folders ("build", "target", "dist", "out") are left out on purpose: excluding
// them would hide documents without a word, while indexing a generated file only costs time.
QStringList defaultExcludePatterns() {
    return {QStringLiteral("node_modules"),  QStringLiteral("__pycache__"),
            QStringLiteral("site-packages"), QStringLiteral("*.min.js"),
            QStringLiteral("*.min.css"),     QStringLiteral("package-lock.json"),
            QStringLiteral("yarn.lock"),     QStringLiteral("Cargo.lock"),
            QStringLiteral("poetry.lock")};
}

QStringList cleanPatterns(const QStringList& patterns) {
    QStringList clean;
    for (const QString& pattern : patterns) {
        const QString trimmed = pattern.trimmed();
        if (!trimmed.isEmpty() && !clean.contains(trimmed))
            clean.append(trimmed);
    }
    return clean;
}

bool AppSettings::operator==(const AppSettings& other) const {
    return modelFolder == other.modelFolder && indexFolder == other.indexFolder &&
           batchSize == other.batchSize && threads == other.threads &&
           excludePatterns == other.excludePatterns && maxFileMiB == other.maxFileMiB &&
           watchFolders == other.watchFolders && searchResultLimit == other.searchResultLimit &&
           precision == other.precision && downloadMirror == other.downloadMirror &&
           downloadProxy == other.downloadProxy;
}

AppSettings loadSettings(QSettings& settings) {
    const AppSettings defaults;
    AppSettings values;
    values.modelFolder = readFolder(settings, kModelFolderKey, defaults.modelFolder);
    values.indexFolder = readFolder(settings, kIndexFolderKey, defaults.indexFolder);
    values.batchSize = readInt(settings, kBatchSizeKey, AppSettings::kMinBatchSize,
                               AppSettings::kMaxBatchSize, defaults.batchSize);
    values.threads = readInt(settings, kThreadsKey, 0, AppSettings::kMaxThreads, defaults.threads);
    values.excludePatterns = readPatterns(settings, kExcludePatternsKey, defaults.excludePatterns);
    values.maxFileMiB =
        readInt(settings, kMaxFileMiBKey, 0, AppSettings::kMaxFileMiB, defaults.maxFileMiB);
    values.watchFolders = readBool(settings, kWatchKey, defaults.watchFolders);
    values.searchResultLimit =
        readInt(settings, kSearchLimitKey, 1, AppSettings::kMaxSearchResultLimit,
                defaults.searchResultLimit);
    values.precision =
        parsePrecision(settings.value(kPrecisionKey).toString()).value_or(defaults.precision);
    values.downloadMirror = settings.value(kMirrorKey).toString().trimmed();
    values.downloadProxy = settings.value(kProxyKey).toString().trimmed();
    return values;
}

void saveSettings(QSettings& settings, const AppSettings& values) {
    settings.setValue(kModelFolderKey, values.modelFolder);
    settings.setValue(kIndexFolderKey, displayLocation(values.indexFolder));
    settings.setValue(kBatchSizeKey, values.batchSize);
    settings.setValue(kThreadsKey, values.threads);
    // An empty QStringList would be stored as "@Invalid()"; an empty string says it plainly.
    if (values.excludePatterns.isEmpty())
        settings.setValue(kExcludePatternsKey, QString());
    else
        settings.setValue(kExcludePatternsKey, values.excludePatterns);
    settings.setValue(kMaxFileMiBKey, values.maxFileMiB);
    settings.setValue(kWatchKey, values.watchFolders);
    settings.setValue(kSearchLimitKey, values.searchResultLimit);
    settings.setValue(kPrecisionKey, precisionName(values.precision));
    settings.setValue(kMirrorKey, values.downloadMirror.trimmed());
    settings.setValue(kProxyKey, values.downloadProxy.trimmed());
}

SessionOverrides sessionOverrides(const QString& indexFlag, const QString& modelFlag) {
    SessionOverrides overrides;
    auto decide = [](const QString& flag, const QString& flagName, const char* variable,
                     QString& folder, QString& origin) {
        if (!flag.isEmpty()) {
            folder = flag;
            origin = flagName;
            return;
        }
        const QString fromEnvironment = qEnvironmentVariable(variable);
        if (!fromEnvironment.isEmpty()) {
            folder = fromEnvironment;
            origin = QString::fromLatin1(variable);
        }
    };
    decide(modelFlag, QStringLiteral("--model"), "SEMSEARCH_MODEL", overrides.modelFolder,
           overrides.modelOrigin);
    decide(indexFlag, QStringLiteral("--index"), "SEMSEARCH_INDEX", overrides.indexFolder,
           overrides.indexOrigin);
    return overrides;
}

AppSettings applyOverrides(AppSettings settings, const QString& indexFlag,
                           const QString& modelFlag) {
    const SessionOverrides overrides = sessionOverrides(indexFlag, modelFlag);
    if (overrides.modelOverridden())
        settings.modelFolder = overrides.modelFolder;
    if (overrides.indexOverridden())
        settings.indexFolder = overrides.indexFolder;
    if (auto precision = parsePrecision(qEnvironmentVariable("SEMSEARCH_PRECISION")))
        settings.precision = *precision;
    return settings;
}

IndexOptions indexOptionsFrom(const AppSettings& settings) {
    IndexOptions options;
    options.walk.excludePatterns = settings.excludePatterns;
    options.walk.maxFileBytes = qint64(settings.maxFileMiB) * 1024 * 1024; // 0 = no limit
    return options;
}

EmbedderOptions embedderOptionsFrom(const AppSettings& settings) {
    EmbedderOptions options;
    options.batchSize = settings.batchSize;
    options.threads = settings.threads;
    options.precision = settings.precision;
    options.qualityCacheFolder = defaultCacheFolder();
    return options;
}

} // namespace semsearch::services
