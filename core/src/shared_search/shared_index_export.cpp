// exportSharedIndex (shared_index_searcher.h): `export` of a shared index, straight from the
// server's snapshot; no vector cache is involved.

#include "semsearch/shared_index_searcher.h"

#include "shared_index/pg_connection.h"
#include "shared_index/pg_schema.h"
#include "shared_index/shared_index_reads.h"

namespace semsearch {

Result<void> exportSharedIndex(
    const QString& location,
    const std::function<bool(const DocumentRecord& document, const PassageRecord& passage,
                             const QString& machine, const float* vector, int dimension)>& visit) {
    auto connection = openCurrentSharedIndex(location);
    if (!connection)
        return connection.error();
    auto dimension = sharedDimension(*connection);
    if (!dimension)
        return dimension.error();
    auto exported =
        exportPassages(*connection, [&](const SharedPassage& passage, const float* vector) {
            return visit(passage.document, passage.passage, passage.machine, vector, *dimension);
        });
    if (!exported)
        return exported.error();
    return {};
}

} // namespace semsearch
