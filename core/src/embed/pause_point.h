#pragma once

// Where a long embedding call may let a more urgent one use the same model in the middle of its
// work. The encoder calls embeddingPausePoint() before each layer; what it does there is up to
// whoever runs the call: SharedEmbedder's background work lets a waiting query embed (the query
// then waits for one encoder layer of a chunk, not for the whole chunk). With nothing installed
// on the calling thread it does nothing.
//
// The hook is per thread, so that a pause reaches the encoder without every Embedder in between
// passing it on. A hook may run another embedding call on the same model: the encoder keeps
// nothing of the paused call in its shared buffers across a pause point.

#include <functional>

namespace semsearch {

// Installs `pause` as the calling thread's pause point while it lives (the one before comes
// back afterwards). `pause` runs on the calling thread, inside the embedding call.
class ScopedPausePoint {
public:
    explicit ScopedPausePoint(std::function<void()> pause);
    ~ScopedPausePoint();
    ScopedPausePoint(const ScopedPausePoint&) = delete;
    ScopedPausePoint& operator=(const ScopedPausePoint&) = delete;

private:
    std::function<void()> m_previous;
};

// Runs the calling thread's pause point, if one is installed. While it runs, it is not
// installed, so an embedding call made from it runs through without pausing.
void embeddingPausePoint();

} // namespace semsearch
