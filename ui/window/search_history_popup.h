#pragma once

// Recent searches offered under the search field: Up (or Alt+Down) in the field opens the list,
// newest first; choosing one puts it in the field, which searches it. The list is kept in the
// settings (services::SearchHistory) and can be cleared.
//
// What counts as a search made is the window's call (record()): searching as you type would
// otherwise keep every prefix typed on the way.

#include "search_history.h"

#include <QObject>

class QCompleter;
class QLineEdit;
class QStringListModel;

namespace semsearch::ui {

class SearchHistoryPopup : public QObject {
    Q_OBJECT

public:
    // Works on `field` (which it watches for keys); reads the list from the settings.
    explicit SearchHistoryPopup(QLineEdit* field);

    // Keeps `query` as the newest search and saves the list.
    void record(const QString& query);
    // Forgets every search, in the settings too.
    void clear();
    QStringList entries() const { return m_history.entries(); }
    // Opens the list under the field (nothing happens while it is empty).
    void show();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void save();

    QLineEdit* m_field;
    services::SearchHistory m_history;
    QStringListModel* m_model;
    QCompleter* m_completer;
};

} // namespace semsearch::ui
