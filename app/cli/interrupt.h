#pragma once

// Ctrl-C for long commands: the first SIGINT (or SIGTERM) asks the work to stop after the
// current batch, keeping what is committed; a second one ends the process at once (which is
// still safe: every batch is one SQLite transaction).

#include "semsearch/progress.h"

namespace semsearch::cli {

// Routes SIGINT/SIGTERM to `control` until the returned guard is destroyed.
class InterruptGuard {
public:
    explicit InterruptGuard(WorkControl& control);
    ~InterruptGuard();
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;
    static bool interrupted();
};

} // namespace semsearch::cli
