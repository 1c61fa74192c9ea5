#pragma once

// The quality check that guards the fast precisions. Random test weights cannot prove that bf16
// or int8 keep a model's search quality; the user's real model can. So before a fast mode embeds
// anything with a model for the first time, a fixed calibration set (shipped with semsearch: a
// few hundred varied texts, prose, lists, code, numbers, other languages, very short and very
// long; plus, where an index exists, a sample of its own passages) is embedded in fp32 and in
// that mode, and compared:
//
//   mean and minimum cosine between the two vectors of each text
//   neighbour overlap: for each text, how many of its 10 nearest neighbours within the set
//                      (by cosine) are the same in both, over 10; the mean over all texts
//
// A mode passes with bf16 mean cosine >= 0.999, or int8 mean cosine >= 0.99 and neighbour
// overlap >= 0.85. The result is remembered per model (weights fingerprint), mode and CPU in a
// cache folder (the user's, ~/.cache/semsearch), so the check costs seconds once, not at every
// start; openEmbedder (embedder.h) runs it when needed.

#include "semsearch/embedder.h"
#include "semsearch/error.h"
#include "semsearch/precision.h"

#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace semsearch {

// The set shipped with semsearch, in a fixed order.
QStringList calibrationTexts();

// Compares `reference` (fp32) and `candidate` (the same texts in `precision`, row for row) and
// judges them against the thresholds. InvalidArgument when the shapes differ or there are fewer
// than kCheckNeighbours + 1 rows.
Result<PrecisionQuality> compareWithReference(const EmbeddingMatrix& reference,
                                              const EmbeddingMatrix& candidate,
                                              Precision precision);

// The results remembered in `cacheFolder` (file precision-checks.json) for the weights with
// `weightsFingerprint` on the CPU `cpu` (cpuDescription), per fast mode. A missing or unreadable
// file counts as empty: the check simply runs again.
std::optional<PrecisionQuality> rememberedQuality(const QString& cacheFolder,
                                                  const QString& weightsFingerprint,
                                                  const QString& cpu, Precision precision);
// Adds or replaces one result. The folder is created (0700) when missing; the file is replaced
// atomically. Errors: Io, naming the file.
Result<void> rememberQuality(const QString& cacheFolder, const QString& weightsFingerprint,
                             const QString& cpu, const PrecisionQuality& quality);

// What `model check` reports for one mode on this machine.
struct PrecisionCheck {
    Precision precision = Precision::Fp32;
    // Why this CPU (or build) cannot run the mode; empty when it ran.
    QString unavailable;
    std::optional<PrecisionQuality> quality; // none for fp32 or when unavailable
    double textsPerSecond = 0.0;             // embedding the check's texts, load excluded
    double tokensPerSecond = 0.0;
};

// Runs the check afresh for each of `precisions` (Fp32 is measured for speed only) on the model
// in `modelFolder`, with `options`' batch size and threads and its extra texts; remembers each
// result in `options.qualityCacheFolder` when that is set. Errors: those of openEmbedder.
Result<std::vector<PrecisionCheck>> checkPrecisions(const QString& modelFolder,
                                                    const std::vector<Precision>& precisions,
                                                    const EmbedderOptions& options);

// The remembered results for the model in `modelFolder` on this CPU, fast modes only, without
// running anything (reads the weights file's fingerprint only). For showing beside a choice.
Result<std::vector<PrecisionQuality>> rememberedQualities(const QString& modelFolder,
                                                          const QString& cacheFolder);

} // namespace semsearch
