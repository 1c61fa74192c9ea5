#pragma once

// AppSettings that differ from the defaults in every field, for settings and dialog tests.

#include "app_settings.h"

namespace semsearch::test {

inline services::AppSettings customAppSettings() {
    services::AppSettings s;
    s.modelFolder = QStringLiteral("/models/Smith, John/mini"); // a comma, as INI lists use
    s.indexFolder = QStringLiteral("/data/index ");             // a trailing space
    s.batchSize = 8;
    s.threads = 3;
    s.excludePatterns = {QStringLiteral("*.log"), QStringLiteral("tmp")};
    s.maxFileMiB = 5;
    s.watchFolders = false;
    s.searchResultLimit = 120;
    s.precision = Precision::Bf16;
    s.downloadMirror = QStringLiteral("https://mirror.example:8443");
    s.downloadProxy = QStringLiteral("proxy.example:3128");
    return s;
}

} // namespace semsearch::test
