#pragma once

// One loaded model shared by two threads: the GUI searches while it indexes, and a second copy
// of bert-base would cost another 440 MB. Calls take turns on the model; a query (priority)
// goes ahead of background work, which is cut into chunks of about `chunkTokens` tokens, and
// within a chunk, a query waiting when the encoder reaches its next layer embeds there
// (embed/pause_point.h) before the chunk goes on: a query waits for one layer of one chunk,
// about a twelfth of it in bert-base. (Chunks of 32 texts took up to 2.9 s with long sentences;
// chunks of 384 tokens, without the pause, about 80 ms in int8: bench/bench_window.)
//
//   auto shared = std::make_shared<SharedEmbedder>(std::move(embedder));
//   auto forSearch = shared->client(SharedEmbedder::Priority::Query);
//   auto forIndexing = shared->client(SharedEmbedder::Priority::Background);
//
// Clients are Embedders and may be used from different threads at once; each client itself
// serves one thread at a time. Clients keep the SharedEmbedder alive.

#include "semsearch/embedder.h"

#include <condition_variable>
#include <memory>
#include <mutex>

namespace semsearch {

class SharedEmbedder : public std::enable_shared_from_this<SharedEmbedder> {
public:
    enum class Priority { Query, Background };

    explicit SharedEmbedder(std::unique_ptr<Embedder> model, int chunkTokens = 384);

    std::unique_ptr<Embedder> client(Priority priority);
    const Embedder& model() const { return *m_model; }

    // Runs `work` on the model when it is this priority's turn.
    template <typename Work> auto withModel(Priority priority, Work&& work) {
        Turn turn(*this, priority);
        return work(*m_model);
    }
    int chunkTokens() const { return m_chunkTokens; }
    // Queries waiting for their turn now (for tests and diagnostics).
    int queriesWaiting();

private:
    friend class SharedEmbedderClient;
    // Called by background work holding the turn: lets every query waiting now (and any that
    // comes before they are done) have the model, then takes the turn back.
    void letQueriesGo();

    class Turn {
    public:
        Turn(SharedEmbedder& owner, Priority priority);
        ~Turn();
        Turn(const Turn&) = delete;
        Turn& operator=(const Turn&) = delete;

    private:
        SharedEmbedder& m_owner;
    };

    std::unique_ptr<Embedder> m_model;
    const int m_chunkTokens;
    std::mutex m_mutex;
    std::condition_variable m_changed;
    bool m_busy = false;
    int m_queriesWaiting = 0;
};

} // namespace semsearch
