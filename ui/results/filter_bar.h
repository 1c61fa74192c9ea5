#pragma once

// The filters beside the search field: which folder, which file type, modified when.

#include "semsearch/searcher.h"

#include <QWidget>

class QComboBox;

namespace semsearch::ui {

class FilterBar : public QWidget {
    Q_OBJECT

public:
    explicit FilterBar(QWidget* parent = nullptr);

    // The folders offered: the index's sources. Keeps the current choice when it is still there.
    void setFolders(const QStringList& folders);
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
};

} // namespace semsearch::ui
