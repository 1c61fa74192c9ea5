#pragma once

// Downloads a sentence-transformers model from the Hugging Face hub (or a mirror) into a model
// folder that openEmbedder() can open. Part of semsearch_hub, the only library that links
// Qt Network; the core does not.
//
// What is fetched, from {endpoint}/{repository}/resolve/{revision}/{file}:
//   modules.json first (required: it names the modules), then config.json and the pooling
//   module's config.json (required), sentence_bert_config.json,
//   config_sentence_transformers.json (optional), vocab.txt (required), tokenizer_config.json,
//   special_tokens_map.json (optional), an empty folder for a Normalize module, and finally the
//   weights: model.safetensors, or pytorch_model.bin where the repository has no safetensors.
//   Before the weights are fetched the small files are checked with readModelInfo(), so an
//   unsupported model is refused before hundreds of megabytes arrive.
//
// Safety:
//   - Everything is written into a staging folder beside the target,
//     "<parent>/.partial/<name>/", and the complete model is moved into place in one rename
//     (moveFolderIntoPlace). A failed or cancelled download never leaves files at the target.
//   - An existing folder at the target is refused (InvalidArgument) unless `replaceExisting`;
//     then it is replaced only once the new model is complete, in one atomic exchange.
//   - The weights resume: a rerun continues the staged part with an HTTP Range request; a
//     server that answers the whole file instead (200) restarts it. A dropped connection or a
//     stall is resumed automatically up to `retries` times in a row. The small files are
//     fetched whole every time. When the hub reports a new commit for the revision since the
//     staged part was fetched, the staging folder is emptied first, so files of two commits
//     never mix.
//   - Each file for which the hub states a SHA-256 (X-Linked-Etag, else ETag, when it is 64
//     hex digits: the hub does this for its large LFS files) is checked against it; a mismatch
//     deletes the staged file and fails (Corrupt).
//   - Redirects are followed (the hub sends large files to a CDN), but only to http and https
//     addresses and never from https down to http; the token goes only to the endpoint's own
//     scheme, host and port. Proxies come from the environment (http_proxy, https_proxy,
//     no_proxy: lower case, as Qt reads them) unless `useSystemProxy` is off or `proxy` names
//     one.
//   - The small files are refused as soon as they prove larger than modelFileByteLimit()
//     (model.h), whether or not the server announces their size; module folders named in
//     modules.json must stay inside the model (moduleFolderInModel).
//   - What the server says (error messages, file names, addresses) reaches the messages only
//     through printableText().
//   - One download per target at a time (a lock file in the staging area: Busy).
//
// Errors (the message is one line naming the repository, file or folder):
//   InvalidArgument  a malformed repository name or revision, endpoint or proxy, an existing
//                    target folder
//   NotFound         404: the repository, the revision or a required file does not exist
//   Unsupported      401/403 (a gated or private repository: the message says to set HF_TOKEN),
//                    or a model readModelInfo() refuses
//   Io               no network, host not found, connection refused or dropped (after the
//                    retries), a stalled transfer, an HTTP error, a refused redirect, a folder or
//                    file that cannot be written (disk full: the message names the folder), a
//                    staging folder that is a symbolic link or not the user's own
//   Corrupt          a checksum mismatch (names the file, the expected and the computed SHA-256),
//                    a small file over its limit, a module folder outside the model
//   Busy             another download into the same target is running
//   Cancelled        cancel() was called; what was fetched stays staged for the next run
//
// Threading: a ModelDownload lives in the thread that created it, which must run a Qt event
// loop; it never blocks and never spins a nested event loop, so a GUI can use it directly. All
// signals are emitted in that thread. cancel() may be called from any thread.

#include "semsearch/error.h"
#include "semsearch/locations.h"

#include <QMetaType>
#include <QObject>
#include <QString>
#include <QUrl>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>

namespace semsearch {

struct ModelDownloadOptions {
    // "owner/name" as on the hub (a bare "name" is accepted for the old top-level models).
    QString repository = QString::fromLatin1(kDefaultModelRepository);
    // A branch, tag or commit.
    QString revision = QStringLiteral("main");
    // Where the model ends up. Empty: defaultModelsFolder()/<the repository's name>.
    QString targetFolder;
    // The hub or a mirror; $HF_ENDPOINT in the composition roots (see applyHubEnvironment).
    QString endpoint = QStringLiteral("https://huggingface.co");
    // Sent as "Authorization: Bearer <token>" to the endpoint's host only; empty: none.
    QString token;
    bool replaceExisting = false;
    // A transfer that receives nothing for this long is given up (then retried, see below).
    int stallTimeoutMs = 30000;
    // Automatic resumes of one file after a dropped connection or a stall, in a row (a retry
    // that makes progress resets the count). 0: fail at once, a rerun resumes.
    int retries = 3;
    bool useSystemProxy = true;
    // An HTTP proxy for this download only: "host:port" or "http://[user:password@]host:port"
    // (a settings field). Non-empty, it replaces the environment's proxies whatever
    // useSystemProxy says; a value that is not such an address is refused (InvalidArgument).
    QString proxy;
};

// `text` as a proxy address (see ModelDownloadOptions::proxy): "http://host:port" with any
// user and password, the scheme added when missing. Empty when it is none (no host, no port,
// another scheme): for a settings dialog to refuse it before a download does.
QUrl proxyAddress(const QString& text);

// Sets `endpoint` from $HF_ENDPOINT and `token` from $HF_TOKEN when they are set and not
// empty; for composition roots (the core never reads the environment).
void applyHubEnvironment(ModelDownloadOptions& options);

// The folder a download with these options fills: targetFolder (made absolute), else
// defaultModelsFolder()/<the repository's name>; empty when the repository has no name part.
QString modelDownloadTarget(const ModelDownloadOptions& options);

// Deletes what a cancelled or failed download into `targetFolder` left staged. Busy while a
// download into it runs.
Result<void> discardPartialDownload(const QString& targetFolder);

struct ModelDownloadProgress {
    QString file;                     // being fetched, relative to the model folder
    int fileNumber = 0;               // 1-based
    int fileCount = 0;                // known once modules.json is read
    std::int64_t fileBytesDone = 0;   // including a part resumed from an earlier run
    std::int64_t fileBytesTotal = -1; // -1 until the server says
    // All files so far. The weights come last and are nearly all of it: once their size is
    // known (totalKnown), bytesTotal is the whole model's size; before, it only counts the
    // files seen so far, so a progress bar should wait for totalKnown.
    std::int64_t bytesDone = 0;
    std::int64_t bytesTotal = 0;
    bool totalKnown = false;
    double bytesPerSecond = 0; // received in this run, averaged since it started
    bool verifying = false;    // `file` has arrived and its SHA-256 is being checked
};

struct ModelDownloadResult {
    std::optional<Error> error;     // empty: success
    QString folder;                 // the model folder (on success)
    QString weightsFile;            // "model.safetensors" or "pytorch_model.bin"
    std::int64_t bytesReceived = 0; // over the network in this run (resumed parts not counted)
    bool ok() const { return !error.has_value(); }
};

class ModelDownload : public QObject {
    Q_OBJECT

public:
    explicit ModelDownload(ModelDownloadOptions options, QObject* parent = nullptr);
    // A download still running is stopped without a signal; its staged files stay.
    ~ModelDownload() override;

    const ModelDownloadOptions& options() const { return m_options; }
    QString targetFolder() const;
    bool isRunning() const { return m_running; }

    // Starts the download and returns at once. `finished` follows exactly once (also for an
    // error found before anything is fetched, in a later turn of the event loop). Calling
    // start() while running is ignored.
    void start();
    // Thread-safe. Stops the transfer soon; `finished` reports Cancelled.
    void cancel();

Q_SIGNALS:
    // At most every 100 ms per file, and once when each file completes.
    void progress(const semsearch::ModelDownloadProgress& progress);
    void finished(const semsearch::ModelDownloadResult& result);

private:
    class Run;
    void runFinished(const ModelDownloadResult& result);

    ModelDownloadOptions m_options;
    std::unique_ptr<Run> m_run;
    bool m_running = false;
    std::atomic<bool> m_cancelRequested{false};
};

} // namespace semsearch

Q_DECLARE_METATYPE(semsearch::ModelDownloadProgress)
Q_DECLARE_METATYPE(semsearch::ModelDownloadResult)
