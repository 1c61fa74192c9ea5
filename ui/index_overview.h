#pragma once

// What the window shows about an index besides search results: its model, its size, its
// sources with their counts, and the files it skipped. Read on the search thread (a read-only
// connection) and handed to the GUI thread by value.

#include "semsearch/store.h"

#include <QMetaType>
#include <QString>

#include <optional>
#include <vector>

namespace semsearch::ui {

struct SourceStatus {
    SourceRecord source;
    StoreCounts counts; // documents, passages and skipped files at or below the source
};

struct IndexOverview {
    bool exists = false; // false: nothing indexed in this folder yet
    QString problem;     // a one-line error when the index could not be read
    std::optional<ModelIdentity> model;
    StoreCounts counts;
    std::vector<SourceStatus> sources;
    std::vector<SkippedRecord> skipped;
};

} // namespace semsearch::ui

Q_DECLARE_METATYPE(semsearch::ui::IndexOverview)
