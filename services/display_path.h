#pragma once

// How paths read in the window: the same rule in the result list and the preview.

#include <QString>

namespace semsearch::services {

// The last part of the path: "notes.md".
QString displayFileName(const QString& path);

// The path with native separators, the home folder as "~" ("~/docs/notes.md").
QString displayPath(const QString& path);

// The containing folder with native separators, the home folder as "~" ("~/docs", "~",
// "/srv/data"): shorter, and the same for every user. The path is not resolved on disk.
QString displayFolder(const QString& path);

} // namespace semsearch::services
