#pragma once

// A dialog that downloads a model from the Hugging Face hub: repository, revision and target
// folder (filled with the defaults given), a progress bar over all the bytes with the current
// file and the rate, Cancel, and one clear error line. Everything runs on the GUI thread's own
// event loop through ModelDownload: no worker thread, no nested event loop, nothing blocks.
//
// On success it emits modelDownloaded(folder) and closes with accept(). Cancel stops a running
// download and keeps the dialog open; closing the dialog (Close, Escape, the window's close
// button) cancels a running download as well. A cancelled or failed download leaves nothing at
// the target, and what was fetched stays staged, so that Download resumes it.

#include "app_settings.h"

#include "semsearch/model_download.h"

#include <QDialog>

#include <memory>

class QCheckBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;

namespace semsearch::ui {

// The options of a download the window starts: the hub environment first (HF_ENDPOINT,
// HF_TOKEN: applyHubEnvironment), then the settings' mirror and proxy where they are set, as
// the user chose those in the window.
ModelDownloadOptions downloadOptionsFrom(const services::AppSettings& settings);

class ModelDownloadDialog : public QDialog {
    Q_OBJECT

public:
    // `defaults` fills the fields; its endpoint, token, timeouts and proxy use are kept as they
    // are (the composition root applies HF_ENDPOINT and HF_TOKEN: see applyHubEnvironment).
    explicit ModelDownloadDialog(ModelDownloadOptions defaults = {}, QWidget* parent = nullptr);
    ~ModelDownloadDialog() override;

    bool isDownloading() const;

Q_SIGNALS:
    void modelDownloaded(const QString& folder);

public Q_SLOTS:
    // What the Download button does.
    void startDownload();
    // What the Cancel button does: stops the running download; the dialog stays open.
    void cancelDownload();
    // Closes the dialog, cancelling a running download.
    void reject() override;

public:
    // The message shown for a failed download: the download's own, or, when the server could
    // not be reached or the proxy refused, what a desktop user can check, then the original.
    static QString desktopAdvice(const Error& error);

private:
    void showProgress(const semsearch::ModelDownloadProgress& progress);
    void downloadFinished(const semsearch::ModelDownloadResult& result);
    void setEditable(bool editable);
    void showError(const QString& message);
    void chooseFolder();
    void updateDefaultFolder();

    ModelDownloadOptions m_defaults;
    std::unique_ptr<ModelDownload> m_download;
    QLineEdit* m_repository = nullptr;
    QLineEdit* m_revision = nullptr;
    QLineEdit* m_folder = nullptr;
    QPushButton* m_browse = nullptr;
    QCheckBox* m_replace = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_status = nullptr;
    QLabel* m_error = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
    QPushButton* m_start = nullptr;
    QPushButton* m_stop = nullptr;
};

} // namespace semsearch::ui
