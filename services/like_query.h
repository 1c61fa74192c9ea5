#pragma once

// "More like this" in the search field: dropping a file on the field, or "Find similar
// documents" on a result, puts "like:" and the file's absolute path in the field, so the user
// sees what the results answer and gets back to words by typing. A query of that form is a
// "more like this" search everywhere the window searches.

#include <QString>

#include <optional>

namespace semsearch::services {

// "like:/abs/path": the query that finds the documents like the file at `path`.
QString likeQuery(const QString& path);
// The file of a likeQuery() (an absolute path follows "like:"), std::nullopt for other text.
std::optional<QString> likedFile(const QString& query);

} // namespace semsearch::services
