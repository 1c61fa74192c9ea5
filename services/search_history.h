#pragma once

// The searches someone made, newest first, kept in the settings so they are offered again
// after a restart (the window shows them under the search field on Up). A search that is made
// again moves to the front rather than appearing twice; blank ones are not kept; the oldest
// go once there are more than the limit.
//
// Settings key: "search/history", a list of strings, newest first.

#include <QStringList>

class QSettings;

namespace semsearch::services {

class SearchHistory {
public:
    static constexpr int kDefaultLimit = 50;

    explicit SearchHistory(int limit = kDefaultLimit);

    // Puts `query` (trimmed) in front; a blank query changes nothing. Returns true when the
    // list changed.
    bool add(const QString& query);
    void clear();
    const QStringList& entries() const { return m_entries; } // newest first

    // Reads the list from `store` (entries beyond the limit and blank ones are dropped);
    // save() writes it, an empty list removes the key.
    void load(const QSettings& store);
    void save(QSettings& store) const;

private:
    int m_limit;
    QStringList m_entries;
};

} // namespace semsearch::services
