#pragma once

// Where semsearch keeps its data by default, following the XDG base directories through
// QStandardPaths (on Linux: $XDG_DATA_HOME, else ~/.local/share). The GUI and the CLI use the
// same defaults so that both open the same index and model without being told.

#include <QString>

namespace semsearch {

// The model semsearch is built around, as named on the Hugging Face hub.
inline constexpr const char* kDefaultModelRepository =
    "sentence-transformers/bert-base-nli-max-tokens";

// <data>/semsearch/models: downloaded models, one folder each, named after the repository's
// last path component.
QString defaultModelsFolder();
// <data>/semsearch/models/bert-base-nli-max-tokens
QString defaultModelFolder();
// <data>/semsearch/index
QString defaultIndexFolder();
// <cache>/semsearch ($XDG_CACHE_HOME, else ~/.cache): what can be recomputed, such as the
// precision quality checks (precision_check.h).
QString defaultCacheFolder();

} // namespace semsearch
