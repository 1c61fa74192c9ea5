#pragma once

// The filters beside the search field: which folder, which file type, modified when.

#include "semsearch/searcher.h"

#include <QWidget>

class QComboBox;
class QSettings;

namespace semsearch::ui {

class FilterBar : public QWidget {
    Q_OBJECT

public:
    explicit FilterBar(QWidget* parent = nullptr);

    // The folders offered: the index's sources. Keeps the current choice when it is still there.
    void setFolders(const QStringList& folders);
    // The types offered: only those with a document among `extensions` (IndexOverview's: lower
    // case, no dot); an extension no named type covers is offered on its own (".pdf"). Keeps
    // the current choice when it is still offered, else falls back to all types and says so
    // (changed()).
    void setExtensions(const QStringList& extensions);
    // The choices, kept in the settings (keys "filters/folder", "filters/type",
    // "filters/modified") for the next start. restore() takes them back; a folder or type
    // not offered yet is chosen once setFolders() or setExtensions() offers it.
    void save(QSettings& store) const;
    void restore(const QSettings& store);
    // The filter for a search made at `now` (ms since the epoch).
    SearchFilter filter(qint64 nowMs) const;

    QComboBox* folderBox() const { return m_folder; }
    QComboBox* typeBox() const { return m_type; }
    QComboBox* modifiedBox() const { return m_modified; }

Q_SIGNALS:
    void changed();

private:
    QComboBox* m_folder;
    QComboBox* m_type;
    QComboBox* m_modified;
    QString m_wantedFolder;   // restored, not offered yet
    QStringList m_wantedType; // restored, not offered yet
};

} // namespace semsearch::ui
