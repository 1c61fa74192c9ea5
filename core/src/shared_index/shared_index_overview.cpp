#include "semsearch/shared_index_overview.h"

#include "shared_index/pg_connection.h"
#include "shared_index/pg_schema.h"
#include "shared_index/shared_index_reads.h"

namespace semsearch {

Result<SharedIndexOverview> readSharedIndexOverview(const QString& location) {
    auto connection = openCurrentSharedIndex(location);
    if (!connection)
        return connection.error();
    return sharedOverview(*connection);
}

} // namespace semsearch
