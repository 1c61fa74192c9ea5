#pragma once

// Questions the walker asks about symbolic links that QFileInfo does not answer.

#include <QString>

namespace semsearch::detail {

// True when `path` cannot be resolved because its symbolic links go round in a circle (the
// system says ELOOP), e.g. a -> b and b -> a. QFileInfo only says such a path does not exist.
bool isSymbolicLinkLoop(const QString& path);

// True when every symbolic link met while resolving `path` (absolute) belongs to the user
// running this process or to root, the links of a folder's own tree and of the system; false
// when one belongs to someone else. Links are read step by step, as the system resolves them
// (at most 40); a path that does not resolve counts as trusted, the caller reports it anyway.
bool linksOwnedByUserOrRoot(const QString& path);

} // namespace semsearch::detail
