#include "embed/pause_point.h"

#include <utility>

namespace semsearch {

namespace {

thread_local std::function<void()> currentPausePoint;

} // namespace

ScopedPausePoint::ScopedPausePoint(std::function<void()> pause)
    : m_previous(std::exchange(currentPausePoint, std::move(pause))) {}

ScopedPausePoint::~ScopedPausePoint() {
    currentPausePoint = std::move(m_previous);
}

void embeddingPausePoint() {
    if (!currentPausePoint)
        return;
    // Taken out while it runs: a call it makes on the same model must not pause into it again.
    std::function<void()> pause = std::exchange(currentPausePoint, nullptr);
    pause();
    currentPausePoint = std::move(pause);
}

} // namespace semsearch
