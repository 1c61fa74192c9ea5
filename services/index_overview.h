#pragma once

// What the window shows about an index besides search results: its model, its size, its
// sources with their counts, and the files it skipped. Read on the search thread (a read-only
// connection) and handed to the GUI thread by value. A shared index on PostgreSQL gives its
// sources with their machines and counts (skipped files are counted, not listed; no
// extensions: sharedIndexOverview).

#include "semsearch/store.h"

#include <QMetaType>
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace semsearch::services {

struct SourceStatus {
    SourceRecord source;
    QString machine;    // a shared index's: the machine that indexes the source; empty locally
    StoreCounts counts; // documents, passages and skipped files at or below the source
};

struct IndexOverview {
    bool exists = false; // false: nothing indexed in this folder yet
    QString problem;     // a one-line error when the index could not be read
    // The index could not be opened for reading because of its schema (Unsupported): the one
    // writer upgrades an older one (IndexingSession::upgrade) and refuses, saying why, a newer
    // one or a database that is no index. Readers never write, so they do not upgrade.
    bool needsUpgrade = false;
    std::optional<ModelIdentity> model;
    StoreCounts counts;
    std::vector<SourceStatus> sources;
    std::vector<SkippedRecord> skipped;
    // The file name extensions of the indexed documents (the text after the last '.', lower
    // case, no dot), sorted, each once: what a filter by type can offer.
    QStringList extensions;
};

} // namespace semsearch::services

Q_DECLARE_METATYPE(semsearch::services::IndexOverview)
