#include "interrupt.h"

#include <atomic>
#include <csignal>

namespace semsearch::cli {

namespace {

std::atomic<bool>* g_cancelFlag = nullptr;
std::atomic<bool> g_interrupted{false};

extern "C" void onInterrupt(int signal) {
    // Only async-signal-safe work here: an atomic store and re-arming the default action.
    g_interrupted.store(true);
    if (g_cancelFlag)
        g_cancelFlag->store(true);
    std::signal(signal, SIG_DFL);
}

} // namespace

InterruptGuard::InterruptGuard(WorkControl& control) {
    g_cancelFlag = control.signalCancelFlag();
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
}

InterruptGuard::~InterruptGuard() {
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    g_cancelFlag = nullptr;
}

bool InterruptGuard::interrupted() {
    return g_interrupted.load();
}

} // namespace semsearch::cli
