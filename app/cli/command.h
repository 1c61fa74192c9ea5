#pragma once

// The shape every semsearch-cli command shares: it gets its arguments (after the command name)
// and returns the process exit status. Exit status contract: 0 success, 1 failure (one line on
// stderr naming what went wrong), 2 bad usage.

#include <QStringList>

namespace semsearch::cli {

enum ExitCode : int { kExitOk = 0, kExitFailure = 1, kExitUsage = 2 };

struct Command {
    const char* name;
    const char* summary;
    int (*run)(const QStringList& arguments);
};

int runEmbed(const QStringList& arguments);
int runTokenize(const QStringList& arguments);
int runIndex(const QStringList& arguments);
int runSearch(const QStringList& arguments);
int runStatus(const QStringList& arguments);
int runRemove(const QStringList& arguments);
int runVerify(const QStringList& arguments);
int runExport(const QStringList& arguments);
int runModel(const QStringList& arguments); // download, list, info, check
int runModelList(const QStringList& arguments);
int runModelInfo(const QStringList& arguments);
int runModelCheck(const QStringList& arguments);

} // namespace semsearch::cli
