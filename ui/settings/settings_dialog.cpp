#include "settings_dialog.h"

#include "dialogs/model_folder_refusal.h"

#include "semsearch/model.h"
#include "semsearch/model_download.h"
#include "semsearch/precision_check.h"
#include "semsearch/printable_text.h"
#include "semsearch/shared_index_location.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFontMetrics>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace semsearch::ui {

namespace {

// Object names are for tests and callers; accessible names for screen readers.
template <typename Widget>
Widget* named(Widget* widget, const char* objectName, const QString& accessibleName) {
    widget->setObjectName(QString::fromLatin1(objectName));
    widget->setAccessibleName(accessibleName);
    return widget;
}

QLabel* makeNote(QWidget* parent, const char* objectName, const QString& accessibleName) {
    auto* note = named(new QLabel(parent), objectName, accessibleName);
    // Notes show folder names and a model's own error messages: never rich text.
    note->setTextFormat(Qt::PlainText);
    note->setWordWrap(true);
    note->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return note;
}

QSpinBox* makeSpinBox(QWidget* parent, const char* objectName, int min, int max,
                      const QString& accessibleName) {
    auto* spin = named(new QSpinBox(parent), objectName, accessibleName);
    spin->setRange(min, max);
    return spin;
}

QLabel* buddyLabel(const QString& text, QWidget* buddy) {
    auto* label = new QLabel(text, buddy->parentWidget());
    label->setBuddy(buddy);
    return label;
}

// The folder line edit with its Browse button, and the notes below them.
QLayout* folderField(QLineEdit* field, QPushButton* browse, const QList<QLabel*>& notes) {
    auto* row = new QHBoxLayout;
    row->addWidget(field, 1);
    row->addWidget(browse);
    auto* column = new QVBoxLayout;
    column->addLayout(row);
    for (QLabel* note : notes)
        column->addWidget(note);
    return column;
}

// A folder field left blank means the default, as in loadSettings. A folder is kept as typed (a
// name may end in a space); a shared index's location without the spaces around it, which
// would only make it fail to connect.
QString folderOrDefault(const QString& text, const QString& fallback) {
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty())
        return fallback;
    return isSharedIndexLocation(trimmed) ? trimmed : text;
}

// A folder as the dialog shows it in a note, or a location without its password.
QString shownFolder(const QString& folder) {
    return isSharedIndexLocation(folder) ? displayLocation(folder)
                                         : QDir::toNativeSeparators(folder);
}

} // namespace

std::vector<Precision> precisionChoices() {
    return {Precision::Auto, Precision::Fp32, Precision::Bf16, Precision::Int8};
}

QString precisionChoiceText(Precision precision, const std::vector<PrecisionQuality>& remembered,
                            const CpuFeatures& cpu) {
    if (precision == Precision::Auto)
        return SettingsDialog::tr("Automatic: the index's, else the fastest that keeps quality");
    if (precision == Precision::Fp32)
        return SettingsDialog::tr("fp32: exact reference");
    const QString name = precisionName(precision);
    if (auto refusal = checkCpuRuns(precision, cpu); !refusal)
        return SettingsDialog::tr("%1: not on this computer (%2)")
            .arg(name, refusal.error().message);
    for (const PrecisionQuality& q : remembered)
        if (q.precision == precision)
            return (q.passed ? SettingsDialog::tr("%1: passed, %2")
                             : SettingsDialog::tr("%1: too inaccurate for this model, %2"))
                .arg(name, q.figures());
    return SettingsDialog::tr("%1: checked against fp32 when first used").arg(name);
}

SettingsDialog::SettingsDialog(const services::AppSettings& saved, QWidget* parent)
    : QDialog(parent) {
    setWindowTitle(tr("Settings"));
    buildWidgets();
    buildLayout();
    showSettings(saved);
}

void SettingsDialog::buildWidgets() {
    m_modelFolder = named(new QLineEdit(this), "modelFolder", tr("Model folder"));
    m_modelBrowse = named(new QPushButton(tr("Brow&se…"), this), "modelBrowse",
                          tr("Browse for the model folder"));
    m_modelStatus = makeNote(this, "modelStatus", tr("Model status"));
    m_modelOverride = makeNote(this, "modelOverride", tr("Model folder set for this session"));
    m_modelOverride->hide();
    m_precision = named(new QComboBox(this), "precision", tr("Precision"));
    m_precision->setToolTip(
        tr("How the model computes. bf16 and int8 are two to three times faster on processors "
           "that have the instructions; each is used only after it agreed with fp32 on a set "
           "of sample texts and your index's passages (mean cosine at least 0.999 for bf16, "
           "0.99 and 85% of the same nearest neighbours for int8). Changing the precision of "
           "an index that holds passages re-embeds it: semsearch-cli index --reembed."));
    for (std::size_t i = 0; i < precisionChoices().size(); ++i)
        m_precision->addItem(QString());

    m_indexFolder = named(new QLineEdit(this), "indexFolder", tr("Index folder or server"));
    m_indexFolder->setPlaceholderText(tr("A folder, or postgresql://host/database"));
    m_indexFolder->setToolTip(
        tr("A folder on this computer, or a team's shared index on a PostgreSQL server: "
           "postgresql://[user@]host[:port]/database. No password here: semsearch does not "
           "keep passwords; put it in ~/.pgpass or PGPASSWORD."));
    m_indexBrowse = named(new QPushButton(tr("Brows&e…"), this), "indexBrowse",
                          tr("Browse for the index folder"));
    m_indexProblem = makeNote(this, "indexProblem", tr("Index problem"));
    m_indexProblem->hide();
    m_indexOverride = makeNote(this, "indexOverride", tr("Index folder set for this session"));
    m_indexOverride->hide();

    m_batchSize = makeSpinBox(this, "batchSize", services::AppSettings::kMinBatchSize,
                              services::AppSettings::kMaxBatchSize, tr("Batch size"));
    m_batchSize->setToolTip(tr("Passages embedded together. Larger batches are a little "
                               "faster and take more memory."));
    m_threads = makeSpinBox(this, "threads", 0, services::AppSettings::kMaxThreads, tr("Threads"));
    m_threads->setSpecialValueText(tr("Automatic"));
    m_threads->setToolTip(tr("Processor threads used to embed. Automatic uses one per core."));
    m_searchResultLimit =
        makeSpinBox(this, "searchResultLimit", 1, services::AppSettings::kMaxSearchResultLimit,
                    tr("Documents shown per search"));

    m_excludePatterns = named(new QPlainTextEdit(this), "excludePatterns", tr("Excluded names"));
    m_excludePatterns->setToolTip(
        tr("One pattern per line, matched against the name of every file and folder, ignoring "
           "case: * matches any text, ? one character. A matching folder is skipped with "
           "everything in it. Hidden and version-control folders are always skipped."));
    m_excludePatterns->setTabChangesFocus(true); // Tab moves on; patterns hold no tabs
    m_excludePatterns->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_excludePatterns->setFixedHeight(m_excludePatterns->fontMetrics().lineSpacing() * 6 +
                                      2 * m_excludePatterns->frameWidth() + 8);

    m_maxFileSize = makeSpinBox(this, "maxFileSize", 0, services::AppSettings::kMaxFileMiB,
                                tr("Maximum file size"));
    m_maxFileSize->setSuffix(tr(" MiB"));
    m_maxFileSize->setSpecialValueText(tr("No limit"));
    m_maxFileSize->setToolTip(tr("Larger files are skipped and listed with the reason."));

    m_watchFolders =
        named(new QCheckBox(tr("&Watch indexed folders and re-index what changes"), this),
              "watchFolders", tr("Watch indexed folders"));

    // The model download honours both (model_download.h); a desktop user has no environment
    // variables to set.
    m_downloadMirror = named(new QLineEdit(this), "downloadMirror", tr("Download mirror"));
    m_downloadMirror->setPlaceholderText(QStringLiteral("https://huggingface.co"));
    m_downloadMirror->setToolTip(
        tr("The address of a mirror of the model hub to download models from, e.g. "
           "https://hf-mirror.example.org. Empty: the hub itself."));
    m_downloadProxy = named(new QLineEdit(this), "downloadProxy", tr("Download proxy"));
    m_downloadProxy->setPlaceholderText(tr("host:port"));
    m_downloadProxy->setToolTip(
        tr("An HTTP proxy for model downloads: host:port, or http://user:password@host:port. "
           "Empty: the proxy your system's environment sets, if any."));

    m_whenApplied = makeNote(this, "whenApplied", tr("When changes take effect"));
    m_whenApplied->setText(
        tr("The model and index folders are opened again as soon as you press OK. Batch size "
           "and threads apply from the next time the model is opened; excluded names and the "
           "size limit from the next indexing; watching and the number of documents shown at "
           "once."));

    m_buttons = new QDialogButtonBox(
        QDialogButtonBox::Ok | QDialogButtonBox::Cancel | QDialogButtonBox::RestoreDefaults, this);
    m_buttons->setObjectName(QStringLiteral("buttons"));

    connect(m_modelFolder, &QLineEdit::textChanged, this, &SettingsDialog::updateModelStatus);
    connect(m_modelBrowse, &QPushButton::clicked, this,
            [this] { browseForFolder(m_modelFolder, tr("Choose the Model Folder")); });
    connect(m_indexBrowse, &QPushButton::clicked, this,
            [this] { browseForFolder(m_indexFolder, tr("Choose the Index Folder")); });
    connect(m_indexFolder, &QLineEdit::textEdited, m_indexProblem, &QLabel::hide);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_buttons->button(QDialogButtonBox::RestoreDefaults), &QPushButton::clicked, this,
            [this] { showSettings(services::AppSettings{}); });
}

void SettingsDialog::buildLayout() {
    auto* model = new QGroupBox(tr("Model"), this);
    auto* modelForm = new QFormLayout(model);
    modelForm->addRow(buddyLabel(tr("&Model folder:"), m_modelFolder),
                      folderField(m_modelFolder, m_modelBrowse, {m_modelStatus, m_modelOverride}));
    modelForm->addRow(buddyLabel(tr("&Precision:"), m_precision), m_precision);
    modelForm->addRow(buddyLabel(tr("&Batch size:"), m_batchSize), m_batchSize);
    modelForm->addRow(buddyLabel(tr("&Threads:"), m_threads), m_threads);

    auto* index = new QGroupBox(tr("Index"), this);
    auto* indexForm = new QFormLayout(index);
    indexForm->addRow(buddyLabel(tr("&Index folder or server:"), m_indexFolder),
                      folderField(m_indexFolder, m_indexBrowse, {m_indexProblem, m_indexOverride}));
    indexForm->addRow(buddyLabel(tr("E&xcluded names:"), m_excludePatterns), m_excludePatterns);
    indexForm->addRow(buddyLabel(tr("Maximum file si&ze:"), m_maxFileSize), m_maxFileSize);
    indexForm->addRow(m_watchFolders);

    auto* search = new QGroupBox(tr("Search"), this);
    auto* searchForm = new QFormLayout(search);
    searchForm->addRow(buddyLabel(tr("&Documents shown:"), m_searchResultLimit),
                       m_searchResultLimit);

    auto* download = new QGroupBox(tr("Model Download"), this);
    auto* downloadForm = new QFormLayout(download);
    downloadForm->addRow(buddyLabel(tr("&Hub mirror:"), m_downloadMirror), m_downloadMirror);
    downloadForm->addRow(buddyLabel(tr("Prox&y:"), m_downloadProxy), m_downloadProxy);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(model);
    layout->addWidget(index);
    layout->addWidget(search);
    layout->addWidget(download);
    layout->addWidget(m_whenApplied);
    layout->addWidget(m_buttons);
    // Room for a folder path at a glance.
    setMinimumWidth(fontMetrics().averageCharWidth() * 80);

    // Top to bottom, as the fields read.
    const QList<QWidget*> order = {
        m_modelFolder,       m_modelBrowse,    m_precision,       m_batchSize,   m_threads,
        m_indexFolder,       m_indexBrowse,    m_excludePatterns, m_maxFileSize, m_watchFolders,
        m_searchResultLimit, m_downloadMirror, m_downloadProxy,   m_buttons};
    for (qsizetype i = 1; i < order.size(); ++i)
        setTabOrder(order[i - 1], order[i]);
}

void SettingsDialog::resizeEvent(QResizeEvent* event) {
    QDialog::resizeEvent(event);
    // Wrapped notes need more height at a smaller width, which a window's minimum size does
    // not account for (Qt also caps a window's first height at 2/3 of the screen): without
    // this the rows would be squeezed into each other.
    if (layout() && layout()->hasHeightForWidth())
        setMinimumHeight(layout()->totalHeightForWidth(width()));
}

void SettingsDialog::showSettings(const services::AppSettings& values) {
    m_savedModelFolder = values.modelFolder;
    m_savedIndexFolder = values.indexFolder;
    if (!m_overrides.modelOverridden())
        m_modelFolder->setText(values.modelFolder);
    if (!m_overrides.indexOverridden())
        m_indexFolder->setText(displayLocation(values.indexFolder));
    m_batchSize->setValue(values.batchSize);
    m_threads->setValue(values.threads);
    m_searchResultLimit->setValue(values.searchResultLimit);
    m_excludePatterns->setPlainText(values.excludePatterns.join(QLatin1Char('\n')));
    m_maxFileSize->setValue(values.maxFileMiB);
    m_watchFolders->setChecked(values.watchFolders);
    m_downloadMirror->setText(values.downloadMirror);
    m_downloadProxy->setText(values.downloadProxy);
    const auto choices = precisionChoices();
    m_precision->setCurrentIndex(
        int(std::find(choices.begin(), choices.end(), values.precision) - choices.begin()));
    setOverridden(m_overrides); // the notes name the saved folders
    updateModelStatus();
}

services::AppSettings SettingsDialog::settings() const {
    services::AppSettings values;
    values.modelFolder = m_overrides.modelOverridden()
                             ? m_savedModelFolder
                             : folderOrDefault(m_modelFolder->text(), defaultModelFolder());
    values.indexFolder = m_overrides.indexOverridden()
                             ? m_savedIndexFolder
                             : folderOrDefault(m_indexFolder->text(), defaultIndexFolder());
    values.batchSize = m_batchSize->value();
    values.threads = m_threads->value();
    values.searchResultLimit = m_searchResultLimit->value();
    values.excludePatterns =
        services::cleanPatterns(m_excludePatterns->toPlainText().split(QLatin1Char('\n')));
    values.maxFileMiB = m_maxFileSize->value();
    values.watchFolders = m_watchFolders->isChecked();
    values.precision = precisionChoices().at(std::size_t(std::max(0, m_precision->currentIndex())));
    values.downloadMirror = m_downloadMirror->text().trimmed();
    values.downloadProxy = m_downloadProxy->text().trimmed();
    return values;
}

void SettingsDialog::setOverridden(const services::SessionOverrides& overrides) {
    // A field released from an override shows the saved folder again.
    const bool modelReleased = m_overrides.modelOverridden() && !overrides.modelOverridden();
    const bool indexReleased = m_overrides.indexOverridden() && !overrides.indexOverridden();
    m_overrides = overrides;
    if (modelReleased)
        m_modelFolder->setText(m_savedModelFolder);
    if (indexReleased)
        m_indexFolder->setText(m_savedIndexFolder);
    showOverride(overrides.modelOverridden(), overrides.modelOrigin, overrides.modelFolder,
                 m_savedModelFolder, m_modelFolder, m_modelBrowse, m_modelOverride);
    showOverride(overrides.indexOverridden(), overrides.indexOrigin, overrides.indexFolder,
                 m_savedIndexFolder, m_indexFolder, m_indexBrowse, m_indexOverride);
}

void SettingsDialog::showOverride(bool overridden, const QString& origin,
                                  const QString& sessionFolder, const QString& savedFolder,
                                  QLineEdit* field, QPushButton* browse, QLabel* note) {
    field->setReadOnly(overridden);
    browse->setEnabled(!overridden);
    note->setVisible(overridden);
    if (!overridden) {
        note->clear();
        return;
    }
    // A location given with its password (for this session only) is shown without it.
    field->setText(displayLocation(sessionFolder));
    note->setText(tr("Set by %1 for this session. The saved folder, %2, applies when semsearch "
                     "starts without it.")
                      .arg(origin, shownFolder(savedFolder)));
}

void SettingsDialog::accept() {
    const QString folder = folderOrDefault(m_modelFolder->text(), defaultModelFolder());
    const bool changed = QDir::cleanPath(folder) != QDir::cleanPath(m_savedModelFolder);
    if (!m_overrides.modelOverridden() && changed &&
        QDir::cleanPath(folder) != QDir::cleanPath(defaultModelFolder())) {
        const Result<ModelInfo> info = readModelInfo(folder);
        if (!info.ok()) {
            refuseModelFolder(this, folder, info.error().message);
            m_modelFolder->setText(QDir::toNativeSeparators(m_savedModelFolder));
            m_modelFolder->setFocus(Qt::OtherFocusReason);
            return;
        }
    }
    if (!indexFieldAccepted() || !downloadFieldsAccepted())
        return;
    QDialog::accept();
}

bool SettingsDialog::indexFieldAccepted() {
    if (m_overrides.indexOverridden())
        return true;
    const QString index = m_indexFolder->text().trimmed();
    // displayLocation removes every password it finds: whatever it changes was one.
    if (!isSharedIndexLocation(index) || displayLocation(index) == index)
        return true;
    m_indexFolder->setText(displayLocation(index)); // off the screen, out of what is saved
    m_indexProblem->setText(tr("%1: semsearch does not keep passwords: put it in ~/.pgpass or "
                               "PGPASSWORD.")
                                .arg(displayLocation(index)));
    m_indexProblem->show();
    m_indexFolder->setFocus(Qt::OtherFocusReason);
    return false;
}

bool SettingsDialog::downloadFieldsAccepted() {
    auto refuse = [this](QLineEdit* field, const QString& text) {
        QMessageBox box(QMessageBox::Warning, tr("Settings"), text, QMessageBox::Ok, this);
        box.setTextFormat(Qt::PlainText);
        box.exec();
        field->setFocus(Qt::OtherFocusReason);
        field->selectAll();
        return false;
    };
    const QString mirror = m_downloadMirror->text().trimmed();
    const QUrl mirrorUrl(mirror, QUrl::StrictMode);
    if (!mirror.isEmpty() && (!mirrorUrl.isValid() || mirrorUrl.host().isEmpty() ||
                              (mirrorUrl.scheme() != QLatin1String("https") &&
                               mirrorUrl.scheme() != QLatin1String("http"))))
        return refuse(m_downloadMirror,
                      tr("The hub mirror \"%1\" is not a web address. Write it as "
                         "https://host or https://host:port, or leave it empty to use the hub.")
                          .arg(printableText(mirror)));
    const QString proxy = m_downloadProxy->text().trimmed();
    if (!proxy.isEmpty() && proxyAddress(proxy).isEmpty())
        return refuse(m_downloadProxy,
                      tr("The proxy \"%1\" is not an address. Write it as host:port, e.g. "
                         "proxy.example.org:3128, or leave it empty.")
                          .arg(printableText(proxy)));
    return true;
}

void SettingsDialog::browseForFolder(QLineEdit* field, const QString& title) {
    const QString start =
        isSharedIndexLocation(field->text().trimmed()) ? QDir::homePath() : field->text();
    const QString folder = QFileDialog::getExistingDirectory(this, title, start);
    if (!folder.isEmpty())
        field->setText(QDir::toNativeSeparators(folder));
}

void SettingsDialog::updateModelStatus() {
    // Only the small JSON files are read: fast enough to do on every keystroke.
    const QString folder = folderOrDefault(m_modelFolder->text(), defaultModelFolder());
    const Result<ModelInfo> info = readModelInfo(folder);
    updatePrecisionChoices(folder, info.ok());
    if (info.ok())
        m_modelStatus->setText(tr("%1: %2 dimensions, %3 pooling")
                                   .arg(printableText(info->name))
                                   .arg(info->dimension())
                                   .arg(poolingName(info->pooling)));
    else
        m_modelStatus->setText(printableText(info.error().message));
    m_modelFolder->setAccessibleDescription(m_modelStatus->text());
}

void SettingsDialog::updatePrecisionChoices(const QString& modelFolder, bool modelReadable) {
    // The remembered check results only: reading them costs the weights' fingerprint (a few
    // samples of the file), never a check.
    std::vector<PrecisionQuality> remembered;
    if (modelReadable)
        if (auto known = rememberedQualities(modelFolder, defaultCacheFolder()))
            remembered = *known;
    const CpuFeatures cpu = probeCpuFeatures();
    const auto choices = precisionChoices();
    for (std::size_t i = 0; i < choices.size(); ++i)
        m_precision->setItemText(int(i), precisionChoiceText(choices[i], remembered, cpu));
}

} // namespace semsearch::ui
