#include "semsearch/model_download.h"

#include "download_staging.h"
#include "file_sha256.h"
#include "hub_file_fetch.h"
#include "hub_messages.h"

#include "semsearch/locations.h"
#include "semsearch/model.h"
#include "semsearch/printable_text.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkProxyFactory>
#include <QRegularExpression>

#include <deque>

namespace semsearch {

namespace {

const QString kModules = QStringLiteral("modules.json");
const QString kSafetensors = QStringLiteral("model.safetensors");
const QString kPytorchBin = QStringLiteral("pytorch_model.bin");
const QString kPartSuffix = QStringLiteral(".part");
constexpr int kProgressIntervalMs = 100;

struct RepoFile {
    QString path; // in the repository and in the model folder
    bool required = false;
    bool weights = false;
};

// Proxies from the environment for this download's requests only; Qt's global setting stays
// as the application left it.
class EnvironmentProxyFactory : public QNetworkProxyFactory {
public:
    QList<QNetworkProxy> queryProxy(const QNetworkProxyQuery& query) override {
        return systemProxyForQuery(query);
    }
};

// The proxy the options name; Qt's default (none of its own) when they name none.
QNetworkProxy namedProxy(const QString& text) {
    const QUrl address = proxyAddress(text);
    return QNetworkProxy(QNetworkProxy::HttpProxy, address.host(), quint16(address.port()),
                         address.userName(), address.password());
}

Result<void> checkOptions(const ModelDownloadOptions& options) {
    // Hub names: letters, digits, '-', '_', '.'; "owner/name" or a bare legacy "name".
    static const QRegularExpression repository(
        QStringLiteral(R"(^[A-Za-z0-9][A-Za-z0-9._-]{0,95}(/[A-Za-z0-9][A-Za-z0-9._-]{0,95})?$)"));
    if (!repository.match(options.repository).hasMatch() ||
        options.repository.contains(QStringLiteral("..")))
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("'%1' is not a hub repository name (expected "
                                        "owner/name, e.g. %2)")
                             .arg(options.repository, QLatin1String(kDefaultModelRepository)));
    static const QRegularExpression revision(QStringLiteral(R"(^[^\s\x00-\x1f]{1,200}$)"));
    if (!revision.match(options.revision).hasMatch() ||
        options.revision.contains(QStringLiteral("..")))
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("'%1' is not a revision (a branch, tag or commit)")
                             .arg(options.revision));
    const QUrl endpoint(options.endpoint);
    if (!endpoint.isValid() || endpoint.host().isEmpty() ||
        (endpoint.scheme() != QLatin1String("https") && endpoint.scheme() != QLatin1String("http")))
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("the hub endpoint '%1' is not an http(s) address (check "
                                        "HF_ENDPOINT)")
                             .arg(options.endpoint));
    if (!options.proxy.trimmed().isEmpty() && proxyAddress(options.proxy).isEmpty())
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("the proxy '%1' is not an address of the form "
                                        "host:port or http://host:port")
                             .arg(printableText(options.proxy)));
    return {};
}

} // namespace

void applyHubEnvironment(ModelDownloadOptions& options) {
    const QString endpoint = qEnvironmentVariable("HF_ENDPOINT").trimmed();
    if (!endpoint.isEmpty())
        options.endpoint = endpoint;
    const QString token = qEnvironmentVariable("HF_TOKEN").trimmed();
    if (!token.isEmpty())
        options.token = token;
}

QUrl proxyAddress(const QString& text) {
    QString written = text.trimmed();
    if (written.isEmpty())
        return QUrl();
    if (!written.contains(QStringLiteral("://")))
        written.prepend(QStringLiteral("http://"));
    const QUrl address(written, QUrl::StrictMode);
    if (!address.isValid() || address.scheme() != QLatin1String("http") ||
        address.host().isEmpty() || address.port() <= 0 ||
        (!address.path().isEmpty() && address.path() != QLatin1String("/")) || address.hasQuery() ||
        address.hasFragment())
        return QUrl();
    return address;
}

QString modelDownloadTarget(const ModelDownloadOptions& options) {
    if (!options.targetFolder.isEmpty())
        return QDir::cleanPath(QFileInfo(options.targetFolder).absoluteFilePath());
    const QString name = options.repository.section(QLatin1Char('/'), -1);
    if (name.isEmpty() || name.startsWith(QLatin1Char('.')))
        return QString(); // not a repository name; start() says so
    return defaultModelsFolder() + QLatin1Char('/') + name;
}

Result<void> discardPartialDownload(const QString& targetFolder) {
    return DownloadStaging::discard(targetFolder);
}

// One run of a download, from start() to `finished`. Not a Q_OBJECT: it only serves as the
// context of its connections, so that they die with it.
class ModelDownload::Run : public QObject {
public:
    Run(ModelDownload& owner, const ModelDownloadOptions& options)
        : m_owner(owner), m_options(options), m_target(modelDownloadTarget(options)) {
        if (!options.proxy.trimmed().isEmpty())
            m_network.setProxy(namedProxy(options.proxy)); // refused in start() when malformed
        else if (options.useSystemProxy)
            m_network.setProxyFactory(new EnvironmentProxyFactory);
        else
            m_network.setProxy(QNetworkProxy::NoProxy);
    }

    void start();
    void cancel();

private:
    void fetchNext();
    void onFileProgress(std::int64_t done, std::int64_t total);
    void onFetched(const FetchResult& result);
    bool handleMissing(const FetchFailure& failure);
    void verify(const FetchResult& result);
    void keep(std::int64_t size);
    Result<void> queueModelFiles();
    Result<void> checkModel() const;
    void complete();
    void emitProgress(bool force);
    void fail(Error error);
    void report(ModelDownloadResult result);
    QUrl urlOf(const QString& file) const;
    QString partPath(const QString& file) const { return m_staging->filePath(file) + kPartSuffix; }

    ModelDownload& m_owner;
    ModelDownloadOptions m_options;
    QString m_target;
    DownloadContext m_context;
    std::unique_ptr<DownloadStaging> m_staging;
    QNetworkAccessManager m_network; // before the fetch, which must go first
    HubFileFetch* m_fetch = nullptr; // a child; deleted later once finished
    std::deque<RepoFile> m_queue;
    RepoFile m_current;
    bool m_weightsQueued = false;
    bool m_cancelled = false;
    bool m_reported = false;
    QString m_weightsFile;
    ModelDownloadProgress m_progress;
    std::int64_t m_bytesKept = 0;     // sizes of the files completed
    std::int64_t m_bytesReceived = 0; // over the network, completed fetches
    QElapsedTimer m_clock;
    QElapsedTimer m_sinceProgress;
};

void ModelDownload::Run::start() {
    m_clock.start();
    if (auto checked = checkOptions(m_options); !checked) {
        fail(checked.error());
        return;
    }
    const QFileInfo target(m_target);
    if (target.exists() && !target.isDir()) {
        fail(makeError(ErrorCode::InvalidArgument,
                       m_target + QStringLiteral(": exists and is not a folder")));
        return;
    }
    if (target.isDir() && !m_options.replaceExisting &&
        !QDir(m_target)
             .entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot)
             .isEmpty()) {
        fail(makeError(ErrorCode::InvalidArgument,
                       m_target + QStringLiteral(": a model folder is already there; choose "
                                                 "another folder or replace it")));
        return;
    }
    auto staging = DownloadStaging::open(m_target, m_options.repository, m_options.revision);
    if (!staging) {
        fail(staging.error());
        return;
    }
    m_staging = std::move(staging).value();
    m_context = DownloadContext{m_options.repository, m_options.revision, m_staging->folder(),
                                !m_options.token.isEmpty()};
    m_queue.push_back({kModules, true, false});
    m_progress.fileCount = 1;
    fetchNext();
}

QUrl ModelDownload::Run::urlOf(const QString& file) const {
    QString endpoint = m_options.endpoint;
    while (endpoint.endsWith(QLatin1Char('/')))
        endpoint.chop(1);
    QStringList segments;
    for (const QString& segment : file.split(QLatin1Char('/')))
        segments << QString::fromLatin1(QUrl::toPercentEncoding(segment));
    // The revision is one path segment, so a branch like "refs/pr/1" is encoded whole.
    return QUrl(endpoint + QLatin1Char('/') + m_options.repository + QStringLiteral("/resolve/") +
                QString::fromLatin1(QUrl::toPercentEncoding(m_options.revision)) +
                QLatin1Char('/') + segments.join(QLatin1Char('/')));
}

void ModelDownload::Run::fetchNext() {
    if (m_cancelled) {
        fail(cancelledError(m_context));
        return;
    }
    if (m_queue.empty()) {
        if (m_weightsQueued) {
            complete();
            return;
        }
        // The small files are in: refuse an unusable model before the weights come.
        if (auto checked = checkModel(); !checked) {
            fail(checked.error());
            return;
        }
        m_queue.push_back({kSafetensors, true, true});
        m_weightsQueued = true;
    }
    m_current = m_queue.front();
    m_queue.pop_front();
    ++m_progress.fileNumber;

    const QString part = partPath(m_current.path);
    const QString final = m_staging->filePath(m_current.path);
    const QString relativePart = m_current.path + kPartSuffix;
    if (auto made = m_staging->makeFolders(QFileInfo(m_current.path).path()); !made) {
        fail(made.error());
        return;
    }
    if (m_current.weights) {
        // Weights complete from an earlier run that failed later: resume them (the server
        // then says there is nothing left, and the checksum is checked again).
        if (QFileInfo::exists(final) && !QFileInfo::exists(part))
            (void)m_staging->renameFile(m_current.path, relativePart);
    } else {
        (void)m_staging->removeFile(relativePart);
    }

    FetchRequest request;
    request.url = urlOf(m_current.path);
    request.destination = part;
    request.resume = m_current.weights;
    request.token = m_options.token.toUtf8();
    request.stallTimeoutMs = m_options.stallTimeoutMs;
    // A small file is refused as soon as it proves larger than a model's can be, whether or
    // not the server says its size first.
    request.maxBytes = m_current.weights ? -1 : modelFileByteLimit(m_current.path);
    request.retries = m_options.retries;
    m_fetch = new HubFileFetch(m_network, request, this);
    connect(m_fetch, &HubFileFetch::progress, this, &Run::onFileProgress);
    connect(m_fetch, &HubFileFetch::finished, this, &Run::onFetched);
    m_progress.file = m_current.path;
    m_progress.fileBytesDone = 0;
    m_progress.fileBytesTotal = -1;
    m_progress.verifying = false;
    emitProgress(true);
    m_fetch->start();
}

void ModelDownload::Run::onFileProgress(std::int64_t done, std::int64_t total) {
    m_progress.fileBytesDone = done;
    m_progress.fileBytesTotal = total;
    emitProgress(false);
}

void ModelDownload::Run::emitProgress(bool force) {
    if (!force && m_sinceProgress.isValid() && m_sinceProgress.elapsed() < kProgressIntervalMs)
        return;
    m_sinceProgress.start();
    const std::int64_t fileDone = m_progress.fileBytesDone;
    const std::int64_t fileTotal = std::max(m_progress.fileBytesTotal, fileDone);
    m_progress.bytesDone = m_bytesKept + fileDone;
    m_progress.bytesTotal = m_bytesKept + fileTotal;
    m_progress.totalKnown = m_weightsQueued && m_queue.empty() &&
                            (m_progress.fileBytesTotal >= 0 || !m_weightsFile.isEmpty());
    const double seconds = std::max(1e-3, m_clock.elapsed() / 1000.0);
    const std::int64_t received = m_bytesReceived + (m_fetch ? m_fetch->bytesReceived() : 0);
    m_progress.bytesPerSecond = double(received) / seconds;
    Q_EMIT m_owner.progress(m_progress);
}

bool ModelDownload::Run::handleMissing(const FetchFailure& failure) {
    // A 404 for a file, not for the whole repository or revision.
    if (failure.kind != FetchFailure::Kind::Http || failure.httpStatus != 404 ||
        failure.hubErrorCode == "RepositoryNotFound" || failure.hubErrorCode == "RevisionNotFound")
        return false;
    if (m_current.path == kSafetensors) {
        (void)m_staging->removeFile(kSafetensors + kPartSuffix);
        m_queue.push_front({kPytorchBin, true, true});
        return true;
    }
    if (m_current.path == kPytorchBin) {
        fail(makeError(
            ErrorCode::NotFound,
            QStringLiteral("%1 (revision %2): has neither %3 nor %4; semsearch needs "
                           "the weights in one of them")
                .arg(m_options.repository, m_options.revision, kSafetensors, kPytorchBin)));
        return true;
    }
    if (m_current.required)
        return false;
    (void)m_staging->removeFile(m_current.path + kPartSuffix);
    return true;
}

void ModelDownload::Run::onFetched(const FetchResult& result) {
    m_fetch->deleteLater();
    m_fetch = nullptr;
    m_bytesReceived += result.bytesReceived;
    if (result.failure) {
        if (m_cancelled || result.failure->kind == FetchFailure::Kind::Cancelled) {
            fail(cancelledError(m_context));
            return;
        }
        if (handleMissing(*result.failure)) {
            if (!m_reported)
                fetchNext();
            return;
        }
        fail(describeFetchFailure(*result.failure, m_current.path, m_context));
        return;
    }
    if (m_current.path == kModules) {
        // Files of an older commit of the revision must not be resumed into this one.
        if (auto recorded = m_staging->setCommit(result.commit, kModules + kPartSuffix);
            !recorded) {
            fail(recorded.error());
            return;
        }
    }
    if (result.sha256.isEmpty()) {
        keep(result.size);
        return;
    }
    verify(result);
}

void ModelDownload::Run::verify(const FetchResult& result) {
    m_progress.verifying = true;
    emitProgress(true);
    const QString part = partPath(m_current.path);
    auto* watcher = new QFutureWatcher<QByteArray>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, result, part] {
        const QByteArray got = watcher->result();
        watcher->deleteLater();
        if (m_reported)
            return;
        if (m_cancelled) {
            fail(cancelledError(m_context));
            return;
        }
        if (QString::fromLatin1(got) != result.sha256) {
            // Resuming a damaged part would only repeat the mismatch.
            (void)m_staging->removeFile(m_current.path + kPartSuffix);
            fail(makeError(
                ErrorCode::Corrupt,
                got.isEmpty() ? part + QStringLiteral(": cannot read it back to check it")
                              : QStringLiteral("%1: checksum mismatch (expected SHA-256 %2, "
                                               "got %3); the damaged download was deleted, "
                                               "run again to fetch it anew")
                                    .arg(m_current.path, result.sha256, QString::fromLatin1(got))));
            return;
        }
        m_progress.verifying = false;
        keep(result.size);
    });
    watcher->setFuture(sha256OfFile(part));
}

void ModelDownload::Run::keep(std::int64_t size) {
    // One rename replaces an older copy of the file.
    if (auto renamed = m_staging->renameFile(m_current.path + kPartSuffix, m_current.path);
        !renamed) {
        fail(renamed.error());
        return;
    }
    m_bytesKept += size;
    m_progress.fileBytesDone = 0;
    m_progress.fileBytesTotal = 0;
    if (m_current.weights)
        m_weightsFile = m_current.path;
    emitProgress(true);
    if (m_current.path == kModules) {
        if (auto queued = queueModelFiles(); !queued) {
            fail(queued.error());
            return;
        }
    }
    fetchNext();
}

// Reads the staged modules.json and queues the files of the modules it names.
Result<void> ModelDownload::Run::queueModelFiles() {
    QFile file(m_staging->filePath(kModules));
    const QJsonDocument doc =
        QJsonDocument::fromJson(file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray());
    if (!doc.isArray())
        return makeError(ErrorCode::Corrupt,
                         QStringLiteral("%1: %2 is not a JSON list of sentence-transformers "
                                        "modules")
                             .arg(m_options.repository, kModules));
    QString transformer;
    QStringList poolingFiles;
    for (const QJsonValue& value : doc.array()) {
        const QJsonObject module = value.toObject();
        const QString type =
            module.value(QStringLiteral("type")).toString().section(QLatin1Char('.'), -1);
        const QString named = module.value(QStringLiteral("path")).toString();
        const std::optional<QString> folder = moduleFolderInModel(named);
        if (!folder)
            return makeError(ErrorCode::Corrupt,
                             QStringLiteral("%1: %2 names a module outside the model: '%3'")
                                 .arg(m_options.repository, kModules, printableText(named, 200)));
        const QString& path = *folder;
        const QString prefix = path.isEmpty() ? QString() : path + QLatin1Char('/');
        if (type == QLatin1String("Transformer"))
            transformer = prefix;
        else if (type == QLatin1String("Pooling"))
            poolingFiles << prefix + QStringLiteral("config.json");
        else if (type == QLatin1String("Normalize"))
            (void)m_staging->makeFolders(path); // a module without files
        // Other modules are refused by readModelInfo before the weights are fetched.
    }
    // The Transformer module's files sit in its folder (the model's root for every hub model
    // semsearch reads); the model's own metadata sits at the root.
    const std::pair<QString, bool> transformerFiles[] = {
        {QStringLiteral("config.json"), true},
        {QStringLiteral("sentence_bert_config.json"), false},
        {QStringLiteral("vocab.txt"), true},
        {QStringLiteral("tokenizer_config.json"), false},
        {QStringLiteral("special_tokens_map.json"), false},
    };
    for (const auto& [name, required] : transformerFiles)
        m_queue.push_back({transformer + name, required, false});
    m_queue.push_back({QStringLiteral("config_sentence_transformers.json"), false, false});
    for (const QString& pooling : poolingFiles)
        m_queue.push_back({pooling, true, false});
    m_progress.fileCount = m_progress.fileNumber + int(m_queue.size()) + 1; // + the weights
    return {};
}

Result<void> ModelDownload::Run::checkModel() const {
    auto info = readModelInfo(m_staging->folder());
    if (!info)
        return makeError(info.error().code, QStringLiteral("%1 cannot be used: %2")
                                                .arg(m_options.repository, info.error().message));
    return {};
}

void ModelDownload::Run::complete() {
    if (auto checked = checkModel(); !checked) {
        fail(checked.error());
        return;
    }
    if (auto moved = m_staging->moveInto(m_target, m_options.replaceExisting); !moved) {
        fail(moved.error());
        return;
    }
    m_staging.reset(); // the lock, and .partial if it is empty now
    ModelDownloadResult result;
    result.folder = m_target;
    result.weightsFile = m_weightsFile;
    result.bytesReceived = m_bytesReceived;
    report(std::move(result));
}

void ModelDownload::Run::cancel() {
    if (m_cancelled || m_reported)
        return;
    m_cancelled = true;
    if (m_fetch)
        m_fetch->cancel(); // reports through onFetched
    else
        fail(cancelledError(m_context));
}

void ModelDownload::Run::fail(Error error) {
    // Only weights are worth resuming; a run that got no further leaves nothing behind.
    if (m_staging) {
        bool worthKeeping = false;
        for (const QString& weights : {kSafetensors, kPytorchBin})
            worthKeeping = worthKeeping || QFileInfo(partPath(weights)).size() > 0 ||
                           QFileInfo::exists(m_staging->filePath(weights));
        if (!worthKeeping)
            m_staging->removeFiles();
    }
    ModelDownloadResult result;
    result.error = std::move(error);
    result.bytesReceived = m_bytesReceived;
    report(std::move(result));
}

void ModelDownload::Run::report(ModelDownloadResult result) {
    if (m_reported)
        return;
    m_reported = true;
    // Queued: the owner deletes this run when it reports, which must not happen under its feet.
    QMetaObject::invokeMethod(
        &m_owner, [owner = &m_owner, result] { owner->runFinished(result); }, Qt::QueuedConnection);
}

ModelDownload::ModelDownload(ModelDownloadOptions options, QObject* parent)
    : QObject(parent), m_options(std::move(options)) {
    qRegisterMetaType<semsearch::ModelDownloadProgress>();
    qRegisterMetaType<semsearch::ModelDownloadResult>();
}

ModelDownload::~ModelDownload() = default;

QString ModelDownload::targetFolder() const {
    return modelDownloadTarget(m_options);
}

void ModelDownload::start() {
    if (m_running)
        return;
    m_running = true;
    m_cancelRequested = false;
    m_run = std::make_unique<Run>(*this, m_options);
    m_run->start();
}

void ModelDownload::cancel() {
    m_cancelRequested = true;
    QMetaObject::invokeMethod(
        this,
        [this] {
            if (m_run && m_cancelRequested)
                m_run->cancel();
        },
        Qt::QueuedConnection);
}

void ModelDownload::runFinished(const ModelDownloadResult& result) {
    m_run.reset();
    m_running = false;
    Q_EMIT finished(result);
}

} // namespace semsearch
