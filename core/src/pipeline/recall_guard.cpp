#include "pipeline/recall_guard.h"

#include "index/scan_support.h"
#include "index/vector_kernels.h"

#include <algorithm>
#include <random>

namespace semsearch {

namespace {

// Rows of stored vectors scored against all queries at a time: 12 MB at 768 values.
constexpr std::size_t kChunkRows = 4096;
// Beyond these a retune costs more per query than the scan it avoids.
constexpr int kMaxCandidates = 800;

// Keeps the k best of what it is offered (a heap whose top is the worst kept).
void offer(std::vector<ScoredId>& best, std::size_t k, const ScoredId& next) {
    if (best.size() < k) {
        best.push_back(next);
        std::push_heap(best.begin(), best.end(), betterScored);
    } else if (betterScored(next, best.front())) {
        std::pop_heap(best.begin(), best.end(), betterScored);
        best.back() = next;
        std::push_heap(best.begin(), best.end(), betterScored);
    }
}

} // namespace

Result<std::vector<std::vector<std::int64_t>>>
exactNeighbours(StoredVectors& store, int dimension, const std::vector<float>& queries,
                const std::vector<std::int64_t>& queryIds, int k) {
    const std::size_t d = std::size_t(dimension);
    const std::size_t nq = queryIds.size();
    std::vector<std::vector<ScoredId>> best(nq);
    std::vector<std::int64_t> chunkIds;
    std::vector<float> chunk;
    const DotFunction dot = dotKernel();
    const auto scoreChunk = [&] {
        // Queries split over threads: each keeps its own heap.
        scanInParallel(nq, chunkIds.size() * d, 0, [&](std::size_t begin, std::size_t end) {
            for (std::size_t q = begin; q < end; ++q)
                for (std::size_t row = 0; row < chunkIds.size(); ++row)
                    if (chunkIds[row] != queryIds[q])
                        offer(best[q], std::size_t(k),
                              {chunkIds[row], dot(queries.data() + q * d, &chunk[row * d], d)});
        });
        chunkIds.clear();
        chunk.clear();
    };
    auto visited = store.forEachVector([&](std::int64_t id, const float* vector) {
        chunkIds.push_back(id);
        chunk.resize(chunkIds.size() * d);
        normalise(vector, d, &chunk[(chunkIds.size() - 1) * d]);
        if (chunkIds.size() == kChunkRows)
            scoreChunk();
        return true;
    });
    if (!visited)
        return visited.error();
    scoreChunk();
    std::vector<std::vector<std::int64_t>> neighbours(nq);
    for (std::size_t q = 0; q < nq; ++q) {
        std::sort_heap(best[q].begin(), best[q].end(), betterScored);
        for (const ScoredId& hit : best[q])
            neighbours[q].push_back(hit.id);
    }
    return neighbours;
}

Result<RecallSample> RecallSample::draw(StoredVectors& store, int dimension, int queries) {
    auto all = store.passageIds();
    if (!all)
        return all.error();
    std::mt19937_64 random(20261206);
    std::shuffle(all->begin(), all->end(), random);
    all->resize(std::min(all->size(), std::size_t(std::max(0, queries))));
    std::sort(all->begin(), all->end());
    RecallSample sample;
    sample.m_dimension = dimension;
    sample.m_ids = std::move(*all);
    auto vectors = store.vectorsOf(sample.m_ids);
    if (!vectors)
        return vectors.error();
    sample.m_queries.resize(vectors->size());
    const std::size_t d = std::size_t(dimension);
    for (std::size_t q = 0; q < sample.m_ids.size(); ++q)
        normalise(vectors->data() + q * d, d, sample.m_queries.data() + q * d);
    auto truth = exactNeighbours(store, dimension, sample.m_queries, sample.m_ids, 10);
    if (!truth)
        return truth.error();
    sample.m_truth = std::move(*truth);
    return sample;
}

Result<double> RecallSample::measure(const VectorIndex& index) const {
    std::size_t wanted = 0;
    std::size_t found = 0;
    for (std::size_t q = 0; q < m_ids.size(); ++q) {
        // 11: the query's own passage is normally its first hit, and does not count.
        auto hits = index.search(m_queries.data() + q * std::size_t(m_dimension), 11);
        if (!hits)
            return hits.error();
        std::vector<std::int64_t> top;
        for (const ScoredId& hit : *hits)
            if (hit.id != m_ids[q] && top.size() < 10)
                top.push_back(hit.id);
        for (std::int64_t id : m_truth[q])
            found += std::count(top.begin(), top.end(), id) != 0 ? 1 : 0;
        wanted += m_truth[q].size();
    }
    return wanted == 0 ? 1.0 : double(found) / double(wanted);
}

Result<void> guardRecall(const RecallSample& sample, FaissCompactIndex& lists,
                         RerankedVectorIndex& reranked, const VectorIndexOptions& options,
                         VectorIndexState& state) {
    // Probing a quarter of the lists costs a quarter of a scan; a few lists may all be probed.
    const int maxProbes = lists.lists() <= 8 ? lists.lists() : lists.lists() / 4;
    state.fellBack = false;
    for (;;) {
        lists.setProbes(state.probes);
        reranked.setCandidatesPerQuery(state.candidates);
        auto recall = sample.measure(reranked);
        if (!recall)
            return recall.error();
        state.recallAt10 = std::min(*recall, options.testRecallCap);
        state.measuredAtPassages = lists.size();
        if (*state.recallAt10 >= options.minimumRecall)
            return {};
        if (state.probes >= maxProbes && state.candidates >= kMaxCandidates) {
            state.fellBack = true;
            return {};
        }
        state.probes = std::min(state.probes * 2, maxProbes);
        state.candidates = std::min(state.candidates * 2, kMaxCandidates);
    }
}

} // namespace semsearch
