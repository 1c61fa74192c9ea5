#pragma once

// The settings dialog: edits an AppSettings. It changes nothing by itself; the caller reads
// settings() after exec() returns Accepted, saves them and applies them (the window re-opens
// the model and the index at once when their folders changed).
//
// Widgets carry object names for tests and for the caller: "modelFolder", "modelBrowse",
// "modelStatus", "precision" (items in the order of precisionChoices()), "indexFolder",
// "indexBrowse", "batchSize", "threads", "searchResultLimit",
// "excludePatterns", "maxFileSize", "watchFolders", "downloadMirror", "downloadProxy",
// "buttons"; the notes "modelOverride", "indexOverride", "indexProblem" and "whenApplied".
//
// The index field takes a folder or a shared index's location (postgresql://..., see
// semsearch/shared_index_location.h), kept as typed and never made into a path. The dialog
// never shows a password: a saved or overriding location is shown without it.

#include "app_settings.h"

#include <QDialog>

#include <vector>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

namespace semsearch::ui {

// The precision choices of the dialog, in order: Auto, Fp32, Bf16, Int8.
std::vector<Precision> precisionChoices();

// One choice as the dialog shows it: the mode, then what the quality check found for the model
// on this CPU (`remembered`: its results for this model), or that the CPU cannot run it, or that
// it has not been checked yet.
QString precisionChoiceText(Precision precision, const std::vector<PrecisionQuality>& remembered,
                            const CpuFeatures& cpu);

class SettingsDialog : public QDialog {
    Q_OBJECT

public:
    // `saved`: the settings as stored, before this session's overrides.
    explicit SettingsDialog(const services::AppSettings& saved, QWidget* parent = nullptr);

    // The settings as the dialog holds them now, ready to save. A folder overridden for this
    // session (setOverridden) comes back as saved (or as the default after Restore Defaults):
    // saving never stores a session override.
    services::AppSettings settings() const;

    // Shows the folders set by a flag or an environment variable for this session: read-only,
    // with the folder in use and a note naming the flag or variable. Folders not overridden
    // stay editable.
    void setOverridden(const services::SessionOverrides& overrides);

protected:
    void resizeEvent(QResizeEvent* event) override;
    // Refuses a model folder that holds no readable model (other than the default folder, where
    // a download puts it): says what is missing, puts the saved folder back in the field and
    // stays open, so nothing unusable is saved. A download mirror or proxy that is no address
    // is refused the same way, naming the field. A shared index's location holding a password is
    // refused in the "indexProblem" note (semsearch keeps no passwords), shown without it.
    void accept() override;

private:
    void buildWidgets();
    void buildLayout();
    void showSettings(const services::AppSettings& values);
    void showOverride(bool overridden, const QString& origin, const QString& sessionFolder,
                      const QString& savedFolder, QLineEdit* field, QPushButton* browse,
                      QLabel* note);
    void browseForFolder(QLineEdit* field, const QString& title);
    void updateModelStatus();
    void updatePrecisionChoices(const QString& modelFolder, bool modelReadable);
    // False after saying why (and focusing the field) when the mirror or proxy is no address.
    bool downloadFieldsAccepted();
    // False after saying why when the index field is a location with a password.
    bool indexFieldAccepted();

    QLineEdit* m_modelFolder = nullptr;
    QPushButton* m_modelBrowse = nullptr;
    QLabel* m_modelStatus = nullptr;
    QLabel* m_modelOverride = nullptr;
    QComboBox* m_precision = nullptr;
    QLineEdit* m_indexFolder = nullptr;
    QPushButton* m_indexBrowse = nullptr;
    QLabel* m_indexOverride = nullptr;
    QLabel* m_indexProblem = nullptr;
    QSpinBox* m_batchSize = nullptr;
    QSpinBox* m_threads = nullptr;
    QSpinBox* m_searchResultLimit = nullptr;
    QPlainTextEdit* m_excludePatterns = nullptr;
    QSpinBox* m_maxFileSize = nullptr;
    QCheckBox* m_watchFolders = nullptr;
    QLineEdit* m_downloadMirror = nullptr;
    QLineEdit* m_downloadProxy = nullptr;
    QLabel* m_whenApplied = nullptr;
    QDialogButtonBox* m_buttons = nullptr;

    services::SessionOverrides m_overrides;
    // The saved folders, kept apart from the fields while an override shows another folder.
    QString m_savedModelFolder;
    QString m_savedIndexFolder;
};

} // namespace semsearch::ui
