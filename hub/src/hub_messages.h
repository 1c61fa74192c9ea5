#pragma once

// The one-line messages a user sees when a download fails, from the raw facts of a failed
// fetch. Kept apart from the transfer code so that the wording is in one place.

#include "hub_file_fetch.h"

#include "semsearch/error.h"

#include <QString>

namespace semsearch {

struct DownloadContext {
    QString repository;
    QString revision;
    QString stagingFolder; // where files are written, for write errors
    bool haveToken = false;
};

// `file` is the path in the repository ("model.safetensors"). The message has been through
// printableText(); the server's own explanation in it is cut to 200 characters.
Error cancelledError(const DownloadContext& context);

Error describeFetchFailure(const FetchFailure& failure, const QString& file,
                           const DownloadContext& context);

} // namespace semsearch
