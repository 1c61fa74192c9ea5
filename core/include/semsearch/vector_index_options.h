#pragma once

// How an index folder (index_folder.h) searches its vectors, and what it measured about it.
//
// Below approximateFrom passages the compact cache (faiss_compact_index.h) is scanned whole:
// every vector's 8-bit code is compared with the query and the best candidates are re-ranked
// with their full-precision vectors from the store (reranked_vector_index.h). From
// approximateFrom on, an inverted-list index (IVF) probes only the lists nearest the query.
// The recall guard then measures recall@10 against the exact scan (sampleQueries of the
// index's own passages as queries, each passage left out of its own results) whenever that
// index is built, or has grown or shrunk by more than regrowthFraction since the last
// measurement; below minimumRecall it probes more lists and re-ranks more candidates, and if
// that is not enough it falls back to the scan.

#include <QString>

#include <cstdint>
#include <optional>

namespace semsearch {

struct VectorIndexOptions {
    // Passages from which the approximate index is used. The range (100-200k) until
    // bench_search --vectors has measured the crossing on a quiet machine: a scan of 8-bit codes
    // grows linearly (the float32 scan of that size takes 11 ms per 100,000 on two cores), while
    // probing lists costs about the same at any size. Only the README's figures are measured.
    std::int64_t approximateFrom = 200000;
    double minimumRecall = 0.95;
    int sampleQueries = 200;
    double regrowthFraction = 0.2;
    // Candidates re-ranked exactly per query, before any retuning.
    int candidates = 200;

    // Test hooks, never set by the applications: lists probed before the first measurement
    // (0 = chosen from the list count), and a cap on the measured recall (1 = none), which
    // makes the guard retune and then fall back whatever the real recall is.
    int testFirstProbes = 0;
    double testRecallCap = 1.0;
};

// What the writer built and measured, recorded in the store beside the saved cache, so that
// `status` can say how the index is searched.
struct VectorIndexState {
    enum class Kind {
        Scan,  // every 8-bit code compared, the best re-ranked exactly
        Lists, // inverted lists (IVF): the nearest lists probed, the best re-ranked exactly
    };
    Kind kind = Kind::Scan;
    int lists = 0;  // Lists only
    int probes = 0; // Lists only: lists probed per query
    int candidates = 0;
    // recall@10 against the exact scan as last measured (Lists, or a scan the guard fell back
    // to); std::nullopt when not measured (a scan below the threshold needs no guard).
    std::optional<double> recallAt10;
    std::int64_t measuredAtPassages = 0; // the index's size at that measurement
    bool fellBack = false;               // the lists missed the minimum recall, so the scan is used

    // One line of "key=value" pairs, and back (std::nullopt for text this did not write).
    QString toText() const;
    static std::optional<VectorIndexState> fromText(const QString& text);
};

} // namespace semsearch
