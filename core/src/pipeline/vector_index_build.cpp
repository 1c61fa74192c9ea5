#include "pipeline/vector_index_build.h"

#include "pipeline/recall_guard.h"

#include "index/scan_support.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <unordered_set>

namespace semsearch {

namespace {

// k-means wants about 40 sample vectors per list (FAISS warns below 39); a scan's quantizer
// ranges settle with a few thousand.
constexpr std::int64_t kSamplePerList = 40;
constexpr std::int64_t kScanSample = 20000;
constexpr std::size_t kAddChunk = 4096;

// About sqrt(n) lists: ~1,000 vectors each at a million, so probing 16 scans 1.6 % of them.
int listCountFor(std::int64_t passages) {
    return int(std::clamp<double>(std::sqrt(double(passages)), 16, 4096));
}

int firstProbesFor(int lists, const VectorIndexOptions& options) {
    if (options.testFirstProbes > 0)
        return options.testFirstProbes;
    return std::clamp(lists / 64, 8, 64);
}

// The vectors of up to `count` passages chosen at random, as training sample.
Result<std::vector<float>> sampleVectors(StoredVectors& store, std::int64_t count,
                                         std::int64_t* rows) {
    auto ids = store.passageIds();
    if (!ids)
        return ids.error();
    std::mt19937_64 random(1206);
    std::shuffle(ids->begin(), ids->end(), random);
    ids->resize(std::size_t(std::min<std::int64_t>(count, std::int64_t(ids->size()))));
    std::sort(ids->begin(), ids->end());
    *rows = std::int64_t(ids->size());
    return store.vectorsOf(*ids);
}

Result<void> addEveryVector(StoredVectors& store, int dimension, FaissCompactIndex& index) {
    std::vector<std::int64_t> ids;
    std::vector<float> rows;
    Result<void> added;
    const auto flush = [&] {
        if (!ids.empty() && added.ok())
            added = index.add(ids, rows.data());
        ids.clear();
        rows.clear();
    };
    auto visited = store.forEachVector([&](std::int64_t id, const float* vector) {
        ids.push_back(id);
        rows.insert(rows.end(), vector, vector + dimension);
        if (ids.size() == kAddChunk)
            flush();
        return added.ok();
    });
    flush();
    if (!visited)
        return visited.error();
    return added;
}

Result<CompactVectors> buildScan(StoredVectors& store, int dimension, CompactVectors built) {
    std::int64_t rows = 0;
    auto sample = sampleVectors(store, kScanSample, &rows);
    if (!sample)
        return sample.error();
    auto index = FaissCompactIndex::createScan(dimension, sample->data(), rows);
    if (!index)
        return index.error();
    if (auto added = addEveryVector(store, dimension, **index); !added)
        return added.error();
    built.index = std::move(*index);
    built.state.kind = VectorIndexState::Kind::Scan;
    built.state.lists = 0;
    built.state.probes = 0;
    return Result<CompactVectors>(std::move(built));
}

} // namespace

bool needsRebuild(const VectorIndexState& state, std::int64_t passages,
                  const VectorIndexOptions& options) {
    if (state.kind == VectorIndexState::Kind::Lists)
        return passages < options.approximateFrom / 2; // hysteresis: no flapping at the edge
    return passages >= options.approximateFrom && !state.fellBack;
}

bool needsMeasuring(const VectorIndexState& state, std::int64_t passages,
                    const VectorIndexOptions& options) {
    if (state.kind == VectorIndexState::Kind::Scan && !state.fellBack)
        return false;
    const double measured = double(std::max<std::int64_t>(1, state.measuredAtPassages));
    return std::abs(double(passages) - measured) > options.regrowthFraction * measured;
}

Result<CompactVectors> buildCompactVectors(StoredVectors& store, int dimension,
                                           const VectorIndexOptions& options, bool guard,
                                           const RerankedVectorIndex::FullVectors& fullVectors,
                                           const std::optional<VectorIndexState>& previous) {
    auto passages = store.count();
    if (!passages)
        return passages.error();
    CompactVectors built;
    built.state.candidates = options.candidates;
    if (*passages < options.approximateFrom)
        return buildScan(store, dimension, std::move(built));

    // A tiny index (tests' thresholds) gets a few lists of at least 8 vectors each.
    const int lists = int(
        std::min<std::int64_t>(listCountFor(*passages), std::max<std::int64_t>(1, *passages / 8)));
    std::int64_t rows = 0;
    auto sample = sampleVectors(store, kSamplePerList * lists, &rows);
    if (!sample)
        return sample.error();
    auto index = FaissCompactIndex::createLists(dimension, lists, firstProbesFor(lists, options),
                                                sample->data(), rows);
    if (!index)
        return index.error();
    sample->clear();
    sample->shrink_to_fit();
    if (auto added = addEveryVector(store, dimension, **index); !added)
        return added.error();
    built.state.kind = VectorIndexState::Kind::Lists;
    built.state.lists = lists;
    built.state.probes = (*index)->probes();
    if (!guard) {
        if (previous && previous->kind == VectorIndexState::Kind::Lists) {
            built.state = *previous;
            (*index)->setProbes(previous->probes);
        }
        built.index = std::move(*index);
        return Result<CompactVectors>(std::move(built));
    }
    auto recallSample = RecallSample::draw(store, dimension, options.sampleQueries);
    if (!recallSample)
        return recallSample.error();
    RerankedVectorIndex reranked(**index, fullVectors, options.candidates);
    if (auto guarded = guardRecall(*recallSample, **index, reranked, options, built.state);
        !guarded)
        return guarded.error();
    if (!built.state.fellBack) {
        built.index = std::move(*index);
        return Result<CompactVectors>(std::move(built));
    }
    index->reset(); // the scan takes its place: never both in memory
    return buildScan(store, dimension, std::move(built));
}

Result<std::vector<ScoredId>> scanStoreExactly(StoredVectors& store, int dimension,
                                               const float* query, int k,
                                               const std::vector<std::int64_t>* allowed) {
    const std::unordered_set<std::int64_t> wanted =
        allowed ? std::unordered_set<std::int64_t>(allowed->begin(), allowed->end())
                : std::unordered_set<std::int64_t>();
    std::vector<ScoredId> scored;
    auto visited = store.forEachVector([&](std::int64_t id, const float* vector) {
        if (!allowed || wanted.count(id) != 0)
            scored.push_back({id, float(exactCosine(query, vector, std::size_t(dimension)))});
        return true;
    });
    if (!visited)
        return visited.error();
    return bestScored(scored.size(), std::size_t(std::max(0, k)),
                      [&](std::size_t i) { return scored[i]; });
}

} // namespace semsearch
