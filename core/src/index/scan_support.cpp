#include "index/scan_support.h"

#include "index/vector_kernels.h"

#include <algorithm>
#include <thread>

namespace semsearch {

namespace {

// A search thread must have this many values to scan (8 MB, ~0.7 ms) to be worth starting one
// (~30 us); smaller scans run on the calling thread alone.
constexpr std::size_t kMinValuesPerThread = std::size_t(1) << 21;

} // namespace

Result<void> checkSearchArguments(const float* query, int k, int dimension) {
    auto invalid = [](const QString& problem) {
        return makeError(ErrorCode::InvalidArgument, QStringLiteral("vector index: ") + problem);
    };
    if (!query)
        return invalid(QStringLiteral("no query"));
    if (k < 0)
        return invalid(QStringLiteral("k = %1 is negative").arg(k));
    if (!allFinite(query, std::size_t(dimension)))
        return invalid(QStringLiteral("the query holds NaN or infinity"));
    return {};
}

void scanInParallel(std::size_t count, std::size_t valuesPerRow, int threads,
                    const std::function<void(std::size_t begin, std::size_t end)>& scan) {
    const std::size_t wanted = threads > 0
                                   ? std::size_t(threads)
                                   : std::max<std::size_t>(1, std::thread::hardware_concurrency());
    const std::size_t useful = count * valuesPerRow / kMinValuesPerThread;
    const std::size_t used = std::max<std::size_t>(1, std::min(wanted, useful));
    const auto rangeStart = [&](std::size_t t) {
        return count * t / used;
    };
    std::vector<std::thread> workers;
    for (std::size_t t = 1; t < used; ++t) {
        try {
            workers.emplace_back([&, t] { scan(rangeStart(t), rangeStart(t + 1)); });
        } catch (...) {
            // No thread to be had: do that share here rather than fail the search (and never
            // let an exception pass the joinable threads already started).
            scan(rangeStart(t), rangeStart(t + 1));
        }
    }
    scan(0, rangeStart(1));
    for (std::thread& worker : workers)
        worker.join();
}

std::vector<ScoredId> bestScored(std::size_t count, std::size_t k,
                                 const std::function<ScoredId(std::size_t)>& candidate) {
    // The k best in a heap whose top is the worst kept; most rows fail the first comparison.
    const std::size_t keep = std::min(k, count);
    std::vector<ScoredId> best;
    best.reserve(keep);
    if (keep == 0)
        return best;
    for (std::size_t i = 0; i < count; ++i) {
        const ScoredId next = candidate(i);
        if (best.size() < keep) {
            best.push_back(next);
            std::push_heap(best.begin(), best.end(), betterScored);
        } else if (betterScored(next, best.front())) {
            std::pop_heap(best.begin(), best.end(), betterScored);
            best.back() = next;
            std::push_heap(best.begin(), best.end(), betterScored);
        }
    }
    std::sort_heap(best.begin(), best.end(), betterScored);
    return best;
}

} // namespace semsearch
