#include "shared_overview.h"

#include "semsearch/shared_index_overview.h"

namespace semsearch::services {

IndexOverview sharedIndexOverview(const QString& location) {
    IndexOverview overview;
    auto read = readSharedIndexOverview(location);
    if (!read) {
        // Said even for NotFound: it covers a database name typed wrong as well as one that no
        // machine has written to yet, and the message tells which.
        overview.problem = read.error().message;
        // An older schema (or a newer one): the window's writer upgrades it or says why not
        // (IndexingSession::upgrade), as for a local index.
        overview.needsUpgrade = read.error().code == ErrorCode::Unsupported;
        return overview;
    }
    overview.exists = true;
    overview.model = read->model;
    overview.counts = read->totals;
    for (const SharedSourceOverview& source : read->sources)
        overview.sources.push_back({source.source, source.machine, source.counts});
    return overview;
}

} // namespace semsearch::services
