#include "search_history_popup.h"

#include <QAbstractItemView>
#include <QCompleter>
#include <QKeyEvent>
#include <QLineEdit>
#include <QSettings>
#include <QStringListModel>

namespace semsearch::ui {

SearchHistoryPopup::SearchHistoryPopup(QLineEdit* field) : QObject(field), m_field(field) {
    QSettings store;
    m_history.load(store);
    m_model = new QStringListModel(m_history.entries(), this);
    m_completer = new QCompleter(m_model, this);
    // The whole list, whatever the field holds: these are searches to go back to, not
    // completions of what is typed.
    m_completer->setCompletionMode(QCompleter::UnfilteredPopupCompletion);
    m_completer->setWidget(field);
    m_completer->popup()->setObjectName(QStringLiteral("searchHistory"));
    m_completer->popup()->setAccessibleName(tr("Recent searches"));
    connect(m_completer, qOverload<const QString&>(&QCompleter::activated), field,
            &QLineEdit::setText);
    field->installEventFilter(this);
}

void SearchHistoryPopup::record(const QString& query) {
    if (m_history.add(query))
        save();
}

void SearchHistoryPopup::clear() {
    m_history.clear();
    save();
}

void SearchHistoryPopup::save() {
    m_model->setStringList(m_history.entries());
    QSettings store;
    m_history.save(store);
}

void SearchHistoryPopup::show() {
    if (m_history.entries().isEmpty())
        return;
    m_completer->complete();
    m_completer->popup()->setCurrentIndex(m_completer->completionModel()->index(0, 0));
}

bool SearchHistoryPopup::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_field && event->type() == QEvent::KeyPress) {
        const auto* key = static_cast<QKeyEvent*>(event);
        const bool altDown = key->key() == Qt::Key_Down && key->modifiers() == Qt::AltModifier;
        if ((key->key() == Qt::Key_Up && key->modifiers() == Qt::NoModifier) || altDown) {
            show();
            return true;
        }
    }
    return QObject::eventFilter(watched, event);
}

} // namespace semsearch::ui
