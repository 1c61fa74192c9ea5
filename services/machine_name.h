#pragma once

// Which machine this is, in a shared index's words: writers record the machine that indexes
// each source, and a document indexed on another machine has its file on that machine's disk.

#include "semsearch/shared_index_location.h"

#include <QString>

namespace semsearch::services {

// $SEMSEARCH_MACHINE when set and not empty, else the host name, as semsearch-cli names the
// writer (shared_index_location.h).
using semsearch::thisMachineName;

// True when `machine` names a machine other than this one; false for an empty name (a local
// index's documents).
bool isAnotherMachine(const QString& machine);

} // namespace semsearch::services
