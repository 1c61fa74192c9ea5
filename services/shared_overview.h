#pragma once

// The window's overview of a shared index on PostgreSQL (shared_index_location.h): what
// readSharedIndexOverview reads, in the form the window shows a local index's. Blocks for the
// round trips (up to the connect timeout): call it on the search thread.

#include "index_overview.h"

namespace semsearch::services {

// When it cannot be read (no such database, no index in it yet, the server cannot be reached),
// exists is false and problem is readSharedIndexOverview's one line, naming the location
// without its password, and needsUpgrade is set when that is its schema's version (Unsupported),
// for the window's writer to upgrade or refuse. Each source carries the
// machine that indexes it; skipped files are counted per source, not listed, and no extensions
// are known (the filter by type offers none).
IndexOverview sharedIndexOverview(const QString& location);

} // namespace semsearch::services
