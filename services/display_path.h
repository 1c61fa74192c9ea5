#pragma once

// How paths read in the window: the same rule in the result list and the preview.

#include <QString>

namespace semsearch::services {

// The last part of the path: "notes.md".
QString displayFileName(const QString& path);

// The path with native separators, the home folder as "~" ("~/docs/notes.md"). A shared
// index's location (postgresql://...) is shown as displayLocation() shows it: as typed, less
// any password.
QString displayPath(const QString& path);

// The containing folder with native separators, the home folder as "~" ("~/docs", "~",
// "/srv/data"): shorter, and the same for every user. The path is not resolved on disk.
QString displayFolder(const QString& path);

// The name first, then where it is: "notes — ~/docs" (for "~/docs/notes"). A list of several
// folders under one long parent stays legible where displayPath's beginnings would all read
// alike once cut. The root and the home folder read as displayPath.
QString displayNameFirst(const QString& path);

} // namespace semsearch::services
