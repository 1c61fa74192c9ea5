#include "model_download_dialog.h"

#include "semsearch/printable_text.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

namespace semsearch::ui {

ModelDownloadOptions downloadOptionsFrom(const services::AppSettings& settings) {
    ModelDownloadOptions options;
    applyHubEnvironment(options);
    if (!settings.downloadMirror.trimmed().isEmpty())
        options.endpoint = settings.downloadMirror.trimmed();
    options.proxy = settings.downloadProxy.trimmed();
    return options;
}

namespace {

constexpr int kProgressSteps = 1000;

QString megabytes(std::int64_t bytes) {
    return QString::number(double(bytes) / 1e6, 'f', 1);
}

} // namespace

ModelDownloadDialog::ModelDownloadDialog(ModelDownloadOptions defaults, QWidget* parent)
    : QDialog(parent), m_defaults(std::move(defaults)) {
    setWindowTitle(tr("Download a model"));
    auto* layout = new QVBoxLayout(this);
    auto* intro = new QLabel(
        tr("semsearch needs a sentence-transformers model with a BERT encoder. It is fetched "
           "from the Hugging Face hub (%1) and checked before it is used.")
            .arg(m_defaults.endpoint),
        this);
    intro->setTextFormat(Qt::PlainText);
    intro->setWordWrap(true);
    layout->addWidget(intro);

    auto* form = new QFormLayout;
    m_repository = new QLineEdit(m_defaults.repository, this);
    m_repository->setObjectName(QStringLiteral("repository"));
    m_repository->setAccessibleName(tr("Repository"));
    form->addRow(tr("&Repository:"), m_repository);
    m_revision = new QLineEdit(m_defaults.revision, this);
    m_revision->setObjectName(QStringLiteral("revision"));
    m_revision->setAccessibleName(tr("Revision"));
    m_revision->setToolTip(tr("A branch, tag or commit of the repository."));
    form->addRow(tr("Re&vision:"), m_revision);
    auto* folderLabel = new QLabel(tr("&Model folder:"), this);
    auto* folderRow = new QHBoxLayout;
    m_folder = new QLineEdit(m_defaults.targetFolder, this);
    m_folder->setObjectName(QStringLiteral("folder"));
    m_folder->setAccessibleName(tr("Model folder"));
    m_browse = new QPushButton(tr("&Browse…"), this);
    m_browse->setObjectName(QStringLiteral("browse"));
    folderRow->addWidget(m_folder, 1);
    folderRow->addWidget(m_browse);
    folderLabel->setBuddy(m_folder);
    form->addRow(folderLabel, folderRow);
    m_replace = new QCheckBox(tr("Replace a model already in that folder"), this);
    m_replace->setObjectName(QStringLiteral("replace"));
    m_replace->setChecked(m_defaults.replaceExisting);
    form->addRow(QString(), m_replace);
    layout->addLayout(form);

    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("progress"));
    m_progress->setRange(0, kProgressSteps);
    m_progress->setValue(0);
    m_progress->setAccessibleName(tr("Download progress"));
    layout->addWidget(m_progress);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("status"));
    // What these labels show comes partly from the server (file names, error messages): never
    // rich text.
    m_status->setTextFormat(Qt::PlainText);
    m_status->setWordWrap(true);
    layout->addWidget(m_status);
    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("error"));
    m_error->setTextFormat(Qt::PlainText);
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // Marked by a bold face rather than a colour of its own: a fixed red can vanish on a
    // dark palette; the palette has no colour for errors.
    QFont errorFont = m_error->font();
    errorFont.setBold(true);
    m_error->setFont(errorFont);
    m_error->hide();
    layout->addWidget(m_error);

    m_buttons = new QDialogButtonBox(this);
    m_start = m_buttons->addButton(tr("&Download"), QDialogButtonBox::ActionRole);
    m_start->setObjectName(QStringLiteral("download"));
    m_start->setDefault(true);
    m_stop = m_buttons->addButton(tr("&Cancel download"), QDialogButtonBox::ActionRole);
    m_stop->setObjectName(QStringLiteral("cancel"));
    m_stop->setEnabled(false);
    QPushButton* close = m_buttons->addButton(QDialogButtonBox::Close);
    close->setObjectName(QStringLiteral("close"));
    layout->addWidget(m_buttons);

    connect(m_start, &QPushButton::clicked, this, &ModelDownloadDialog::startDownload);
    connect(m_stop, &QPushButton::clicked, this, &ModelDownloadDialog::cancelDownload);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &ModelDownloadDialog::reject);
    connect(m_browse, &QPushButton::clicked, this, &ModelDownloadDialog::chooseFolder);
    connect(m_repository, &QLineEdit::textChanged, this, &ModelDownloadDialog::updateDefaultFolder);
    updateDefaultFolder();
    resize(560, sizeHint().height());
}

ModelDownloadDialog::~ModelDownloadDialog() = default;

bool ModelDownloadDialog::isDownloading() const {
    return m_download && m_download->isRunning();
}

void ModelDownloadDialog::updateDefaultFolder() {
    // An empty folder field means the standard place for this repository.
    ModelDownloadOptions options = m_defaults;
    options.repository = m_repository->text().trimmed();
    options.targetFolder.clear();
    m_folder->setPlaceholderText(modelDownloadTarget(options));
}

void ModelDownloadDialog::chooseFolder() {
    // Asynchronous (open(), not exec()): no nested event loop.
    const QString current =
        m_folder->text().isEmpty() ? m_folder->placeholderText() : m_folder->text();
    auto* chooser =
        new QFileDialog(this, tr("Where to put the model"), QFileInfo(current).absolutePath());
    chooser->setFileMode(QFileDialog::Directory);
    chooser->setOption(QFileDialog::ShowDirsOnly);
    chooser->setAttribute(Qt::WA_DeleteOnClose);
    connect(chooser, &QFileDialog::fileSelected, this, [this](const QString& parent) {
        // The model gets a folder of its own inside the one chosen.
        const QString name = m_repository->text().trimmed().section(QLatin1Char('/'), -1);
        m_folder->setText(QDir(parent).filePath(name));
    });
    chooser->open();
}

void ModelDownloadDialog::setEditable(bool editable) {
    for (QWidget* widget : std::initializer_list<QWidget*>{m_repository, m_revision, m_folder,
                                                           m_browse, m_replace, m_start})
        widget->setEnabled(editable);
    m_stop->setEnabled(!editable);
}

void ModelDownloadDialog::showError(const QString& message) {
    m_error->setText(printableText(message));
    m_error->setVisible(!message.isEmpty());
}

void ModelDownloadDialog::startDownload() {
    if (isDownloading())
        return;
    ModelDownloadOptions options = m_defaults;
    options.repository = m_repository->text().trimmed();
    options.revision = m_revision->text().trimmed();
    options.targetFolder = m_folder->text().trimmed();
    options.replaceExisting = m_replace->isChecked();
    if (options.repository.isEmpty() || options.revision.isEmpty()) {
        showError(tr("Enter a repository (owner/name) and a revision."));
        return;
    }
    showError(QString());
    m_progress->setRange(0, 0); // busy until the size is known, not "0%"
    m_status->setText(tr("Connecting…"));
    setEditable(false);
    m_download = std::make_unique<ModelDownload>(options);
    connect(m_download.get(), &ModelDownload::progress, this, &ModelDownloadDialog::showProgress);
    connect(m_download.get(), &ModelDownload::finished, this,
            &ModelDownloadDialog::downloadFinished);
    m_download->start();
}

void ModelDownloadDialog::cancelDownload() {
    if (!isDownloading())
        return;
    m_status->setText(tr("Cancelling…"));
    m_stop->setEnabled(false);
    m_download->cancel();
}

void ModelDownloadDialog::reject() {
    if (isDownloading())
        m_download->cancel();
    QDialog::reject();
}

void ModelDownloadDialog::showProgress(const ModelDownloadProgress& p) {
    // Until the weights' size is known the total is not either: a busy bar, not a false 100%.
    if (!p.totalKnown) {
        m_progress->setRange(0, 0);
    } else {
        m_progress->setRange(0, kProgressSteps);
        m_progress->setValue(p.bytesTotal > 0 ? int(p.bytesDone * kProgressSteps / p.bytesTotal)
                                              : 0);
    }
    const QString file = printableText(p.file, 80);
    if (p.verifying) {
        m_status->setText(
            tr("Checking %1 (file %2 of %3)…").arg(file).arg(p.fileNumber).arg(p.fileCount));
        return;
    }
    QString line = tr("%1 (file %2 of %3): %4 of %5 MB")
                       .arg(file)
                       .arg(p.fileNumber)
                       .arg(p.fileCount)
                       .arg(megabytes(p.fileBytesDone),
                            p.fileBytesTotal >= 0 ? megabytes(p.fileBytesTotal) : tr("?"));
    if (p.bytesPerSecond > 0)
        line += tr(", %1 MB/s").arg(megabytes(std::int64_t(p.bytesPerSecond)));
    m_status->setText(line);
}

void ModelDownloadDialog::downloadFinished(const ModelDownloadResult& result) {
    setEditable(true);
    m_progress->setRange(0, kProgressSteps);
    if (result.ok()) {
        m_progress->setValue(kProgressSteps);
        m_status->setText(tr("The model is in %1.").arg(QDir::toNativeSeparators(result.folder)));
        Q_EMIT modelDownloaded(result.folder);
        accept();
        return;
    }
    if (result.error->code == ErrorCode::Cancelled) {
        m_status->setText(tr("Cancelled. What was downloaded is kept: Download continues from "
                             "there."));
        return;
    }
    m_status->clear();
    m_progress->setValue(0);
    showError(desktopAdvice(*result.error));
}

QString ModelDownloadDialog::desktopAdvice(const Error& error) {
    // The download's messages speak to a terminal user (HF_ENDPOINT, http_proxy). Where the
    // hub could not be reached at all, a desktop user gets what they can act on, and the
    // technical line after it.
    const QString& message = error.message;
    const bool unreachable = message.startsWith(QStringLiteral("cannot reach ")) ||
                             message.startsWith(QStringLiteral("cannot connect to "));
    if (message.startsWith(QStringLiteral("cannot use the proxy ")))
        return tr("The proxy server this computer is set to use did not let the download "
                  "through. Check the proxy in your system's network settings. (%1)")
            .arg(message);
    if (!unreachable)
        return message;
    return tr("semsearch cannot reach the model's server. Check that this computer is online; "
              "if your network needs a proxy, set it in your system's network settings. You "
              "can also copy a model folder from another computer and choose it in "
              "Settings. (%1)")
        .arg(message);
}

} // namespace semsearch::ui
