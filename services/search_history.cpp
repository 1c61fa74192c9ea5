#include "search_history.h"

#include <QSettings>

#include <algorithm>

namespace semsearch::services {

namespace {

const QString kKey = QStringLiteral("search/history");

} // namespace

SearchHistory::SearchHistory(int limit) : m_limit(std::max(1, limit)) {}

bool SearchHistory::add(const QString& query) {
    const QString entry = query.trimmed();
    if (entry.isEmpty() || (!m_entries.isEmpty() && m_entries.first() == entry))
        return false;
    m_entries.removeAll(entry);
    m_entries.prepend(entry);
    while (m_entries.size() > m_limit)
        m_entries.removeLast();
    return true;
}

void SearchHistory::clear() {
    m_entries.clear();
}

void SearchHistory::load(const QSettings& store) {
    m_entries.clear();
    const QStringList saved = store.value(kKey).toStringList();
    // From the back, so that add() keeps the saved order and drops blanks and repeats.
    for (auto entry = saved.rbegin(); entry != saved.rend(); ++entry)
        add(*entry);
}

void SearchHistory::save(QSettings& store) const {
    if (m_entries.isEmpty())
        store.remove(kKey);
    else
        store.setValue(kKey, m_entries);
}

} // namespace semsearch::services
