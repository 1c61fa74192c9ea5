#pragma once

// Progress reports and the pause/cancel control shared by long-running core work (indexing).
// Core work is synchronous: it runs on the caller's thread, reports progress through a callback
// once per batch, and checks a WorkControl between batches. Another thread (the GUI, a signal
// handler) may pause, resume or cancel through the same WorkControl at any time.

#include <QString>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>

namespace semsearch {

struct IndexProgress {
    enum class Stage {
        Scanning, // walking folders; totals are not known yet
        Indexing, // reading, cutting and embedding files
        Removing, // dropping documents whose files are gone
        Saving,   // writing the vector index file
        Done,
    };
    Stage stage = Stage::Scanning;
    std::int64_t filesDone = 0;
    std::int64_t filesTotal = 0;
    std::int64_t passagesDone = 0; // passages embedded or reused so far
    std::int64_t bytesDone = 0;
    std::int64_t bytesTotal = 0;
    QString currentFile;          // the last file of the batch just committed
    double passagesPerSecond = 0; // since the start of the run
    double secondsLeft = -1;      // estimate from the bytes still to read; -1 = unknown
};

// Called on the working thread; must be quick and must not call back into the worker.
using ProgressCallback = std::function<void(const IndexProgress&)>;

// Thread-safe pause / resume / cancel for one piece of work.
class WorkControl {
public:
    void cancel() {
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_cancelled = true;
        }
        m_changed.notify_all();
    }
    void pause() {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_paused = true;
    }
    void resume() {
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_paused = false;
        }
        m_changed.notify_all();
    }
    bool isCancelled() const { return m_cancelled.load(); }
    bool isPaused() const {
        std::lock_guard<std::mutex> lock(m_mutex);
        return m_paused;
    }
    // For the worker, between batches: blocks while paused; false once cancelled.
    bool checkpoint() {
        std::unique_lock<std::mutex> lock(m_mutex);
        m_changed.wait(lock, [this] { return !m_paused || m_cancelled.load(); });
        return !m_cancelled.load();
    }
    // For code that only polls (the folder walk).
    const std::atomic<bool>* cancelFlag() const { return &m_cancelled; }
    // For a signal handler, which may not lock a mutex: storing true cancels. It does not wake a
    // paused worker, so use it only where nothing pauses (the command line).
    std::atomic<bool>* signalCancelFlag() { return &m_cancelled; }

private:
    mutable std::mutex m_mutex;
    std::condition_variable m_changed;
    std::atomic<bool> m_cancelled{false};
    bool m_paused = false;
};

} // namespace semsearch
