#pragma once

// How the embedder does its arithmetic, and what this CPU can do.
//
//   fp32  the reference: matches sentence-transformers within float rounding
//   bf16  matrix products in bfloat16 with fp32 accumulation (AVX512_BF16 or AMX); LayerNorm,
//         softmax, GELU, residual sums and pooling stay fp32
//   int8  dense layers in int8: weights quantized once at load (symmetric, per output
//         channel), activations per token row at run time (VNNI); attention, LayerNorm,
//         softmax, GELU, residual sums and pooling stay fp32
//   auto  the fastest of int8, bf16 that this CPU runs and that passed the quality check for
//         the model (see precision_check.h), else fp32
//
// A fast mode is never used blindly: before it embeds anything for a model it has to agree with
// fp32 on a calibration set (checkPrecision). The CPU probe can be narrowed from the
// environment, so that tests (and a user chasing a problem) can pretend to be an older CPU:
//
//   SEMSEARCH_CPU_FEATURES   comma-separated features the probe may report, of avx512_bf16,
//                            amx_bf16, avx512_vnni, avx_vnni, amx_int8; "none" for none.
//                            Features this CPU lacks are never reported. Unset: all it has.
//   SEMSEARCH_ENCODER        "libtorch" runs every layer through LibTorch instead of oneDNN
//                            (the path taken when oneDNN has no optimised kernel for this
//                            CPU), so that it can be tested anywhere; fp32 only.
//
// These two are the only environment variables the core reads: they describe the machine, not
// a user's choice, and every program (CLI, window, benchmarks) must see the same machine.

#include "semsearch/error.h"

#include <QString>

#include <optional>

namespace semsearch {

enum class Precision { Fp32, Bf16, Int8, Auto };

// "fp32", "bf16", "int8", "auto".
QString precisionName(Precision precision);
// The inverse of precisionName, ignoring case; std::nullopt for anything else.
std::optional<Precision> parsePrecision(const QString& text);

// What the matrix products of each mode need, as the CPU and the OS report it (through
// oneDNN's own detection, which also knows whether the OS lets a process use AMX).
struct CpuFeatures {
    bool avx512Bf16 = false;
    bool amxBf16 = false;
    bool avx512Vnni = false;
    bool avxVnni = false; // the AVX2-width VNNI of client CPUs
    bool amxInt8 = false;

    bool runsBf16() const { return avx512Bf16 || amxBf16; }
    bool runsInt8() const { return avx512Vnni || avxVnni || amxInt8; }
    // "avx512_bf16,avx512_vnni" (the names SEMSEARCH_CPU_FEATURES takes), or "none".
    QString names() const;
};

// This CPU's features, narrowed by SEMSEARCH_CPU_FEATURES. Probed once per process.
CpuFeatures probeCpuFeatures();

// Unsupported with one line when `features` cannot run `precision` ("bf16 needs AVX512_BF16 or
// AMX; this CPU has neither"); fp32 and auto always pass.
Result<void> checkCpuRuns(Precision precision, const CpuFeatures& features);

// The processor's model name and the features above, e.g. "AMD EPYC 9R14 (avx512_bf16,
// avx512_vnni)": what a quality check result is remembered for.
QString cpuDescription(const CpuFeatures& features);

// True when SEMSEARCH_ENCODER=libtorch asks for the LibTorch fallback encoder.
bool libTorchEncoderForced();

// The quality check's thresholds and figures (see precision_check.h for how they are measured).
inline constexpr double kBf16MinMeanCosine = 0.999;
inline constexpr double kInt8MinMeanCosine = 0.99;
inline constexpr double kInt8MinNeighbourOverlap = 0.85;
inline constexpr int kCheckNeighbours = 10;

struct PrecisionQuality {
    Precision precision = Precision::Bf16; // the fast mode compared with fp32
    int texts = 0;                         // texts compared
    double meanCosine = 0.0;
    double minCosine = 0.0;
    double neighbourOverlap = 0.0;
    // The mean cosine between the fp32 vectors of different texts: how alike the model makes
    // all texts. Near 1 (a model with random weights), the agreement above is easy and proves
    // little; a trained model spreads texts out.
    double spreadCosine = 0.0;
    bool passed = false; // meets the thresholds above for its precision
    // How fast the mode embedded on this machine when it was checked (a short timing of a few
    // check texts after the comparison; `model check` replaces it with its full timing); 0 when
    // not measured. `auto` runs the fastest mode that passed.
    double tokensPerSecond = 0.0;

    // "mean cosine 0.99953, min 0.99712, 10-nearest overlap 0.964 over 262 texts"
    QString figures() const;
};

} // namespace semsearch
