#pragma once

// "A folder and everything inside it" as SQL parameters, for the shared index's statements that
// select documents by path: "path = $n OR starts_with(path, $n+1)". No LIKE, so '%' and '_' in
// paths are plain characters, and "/a/bc" is never inside "/a/b".

#include "shared_index/pg_connection.h"

#include <QString>

#include <utility>

namespace semsearch {

inline QString withoutTrailingSlash(QString path) {
    while (path.endsWith(QLatin1Char('/')))
        path.chop(1);
    return path;
}

// The parameters ($n, $n+1): the folder itself and anything inside it. "/" selects every
// absolute path.
inline std::pair<PgParam, PgParam> folderParams(const QString& prefix) {
    const QString folder = withoutTrailingSlash(prefix);
    return {PgParam::text(folder), PgParam::text(folder + QLatin1Char('/'))};
}

} // namespace semsearch
