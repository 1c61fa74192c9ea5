#pragma once

// The desktop application's settings: what the user chose in the settings dialog, stored with
// QSettings, and how they turn into the core's option structs. The command line and the
// environment override the model and index folders for one session (applyOverrides), with the
// precedence semsearch-cli uses: flag, then environment variable, then the saved setting.

#include "semsearch/embedder.h"
#include "semsearch/indexer.h"
#include "semsearch/locations.h"

#include <QString>
#include <QStringList>

class QSettings;

namespace semsearch::services {

// Name patterns skipped while indexing unless the user says otherwise (see the .cpp for why
// these and no others).
QStringList defaultExcludePatterns();

// The patterns trimmed, without empty ones and repeats, in their order: what loadSettings and
// the settings dialog make of what the user wrote.
QStringList cleanPatterns(const QStringList& patterns);

// Every field has its default; AppSettings{} is what a fresh installation uses.
struct AppSettings {
    // The sentence-transformers model folder (see semsearch/model.h).
    QString modelFolder = defaultModelFolder();
    // The index folder (see semsearch/index_folder.h), or the location of a shared index on
    // PostgreSQL ("postgresql://[user@]host[:port]/dbname", shared_index_location.h), kept as
    // typed: a location is never taken for a path.
    QString indexFolder = defaultIndexFolder();
    // EmbedderOptions::batchSize: texts per forward pass, kMinBatchSize .. kMaxBatchSize.
    int batchSize = 32;
    // EmbedderOptions::threads: 0 = one per hardware thread, else 1 .. kMaxThreads.
    int threads = 0;
    // WalkOptions::excludePatterns: name globs skipped while indexing (and watching).
    QStringList excludePatterns = defaultExcludePatterns();
    // WalkOptions::maxFileBytes in MiB: larger files are skipped. 0 = no limit, else up to
    // kMaxFileMiB.
    int maxFileMiB = 20;
    // Watch the indexed folders and files and re-index what changes.
    bool watchFolders = true;
    // Documents shown per search, 1 .. kMaxSearchResultLimit.
    int searchResultLimit = 50;
    // EmbedderOptions::precision. Auto: the index's precision, else the fastest mode this CPU
    // runs that passed the quality check for the model (precision_check.h).
    Precision precision = Precision::Auto;
    // Where the model download goes (ModelDownloadOptions::endpoint): a mirror of the hub,
    // "https://host[:port]". Empty: $HF_ENDPOINT when set, else huggingface.co.
    QString downloadMirror;
    // ModelDownloadOptions::proxy: "host:port" or "http://[user:password@]host:port". Empty:
    // the proxy of the environment (http_proxy, https_proxy), if any.
    QString downloadProxy;

    bool operator==(const AppSettings& other) const;
    bool operator!=(const AppSettings& other) const { return !(*this == other); }

    // The accepted ranges; loadSettings and the settings dialog use the same.
    static constexpr int kMinBatchSize = 1;
    static constexpr int kMaxBatchSize = 1024;
    static constexpr int kMaxThreads = 256;
    static constexpr int kMaxFileMiB = 4096;
    static constexpr int kMaxSearchResultLimit = 1000;
};

// Reads the settings stored under the keys "model/folder", "index/folder", "embed/batchSize",
// "embed/threads", "embed/precision", "index/excludePatterns", "index/maxFileMiB", "index/watch",
// "search/limit", "download/mirror" and "download/proxy" (these two trimmed). A missing key, or a
// stored value that is not of the right kind or out of range (a hand-edited file, an older
// version), gives that field's default; the other fields are unaffected. A stored empty pattern
// list stays empty (the user removed every pattern).
AppSettings loadSettings(QSettings& settings);

// Writes every field under the keys above. A shared index's location is written without any
// password (displayLocation): semsearch stores none, libpq finds it (~/.pgpass, PGPASSWORD).
// The settings dialog refuses a location with a password before it gets here; this is the
// promise for every other caller. Does not sync(): QSettings does that on destruction and from
// the event loop.
void saveSettings(QSettings& settings, const AppSettings& values);

// Where the folders of this session come from. A folder is overridden when its flag is set or,
// failing that, its environment variable (SEMSEARCH_MODEL / SEMSEARCH_INDEX) is non-empty; the
// origin names which ("--model", "SEMSEARCH_MODEL", ...) and is empty otherwise. The index may
// be a shared index's location, kept as given (with its password, if one was given: it is used
// for this session's connections and never saved or shown).
struct SessionOverrides {
    QString modelFolder;
    QString modelOrigin;
    QString indexFolder;
    QString indexOrigin;

    bool modelOverridden() const { return !modelOrigin.isEmpty(); }
    bool indexOverridden() const { return !indexOrigin.isEmpty(); }
};
SessionOverrides sessionOverrides(const QString& indexFlag, const QString& modelFlag);

// `settings` with the overridden folders replaced: a non-empty flag wins, else a non-empty
// environment variable, else the saved setting stays; and the precision replaced by
// SEMSEARCH_PRECISION when that names one. The result is for this session only: save the
// settings the user edited, never this.
AppSettings applyOverrides(AppSettings settings, const QString& indexFlag,
                           const QString& modelFlag);

// The core's options from the settings. Fields the settings do not cover keep the core's
// defaults, but for the quality check's cache: the user's cache folder.
IndexOptions indexOptionsFrom(const AppSettings& settings);
EmbedderOptions embedderOptionsFrom(const AppSettings& settings);

} // namespace semsearch::services
