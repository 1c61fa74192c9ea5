// openEmbedder: which precision an embedder runs in. A fast mode is used only on a CPU that has
// its instructions and for a model that passed the quality check (precision_check.h), checked
// here when no remembered result says so.

#include "embed/torch_bert_embedder.h"
#include "semsearch/precision_check.h"

#include <QElapsedTimer>

#include <algorithm>
#include <new>
#include <optional>

namespace semsearch {

namespace {

// The texts a check compares: the shipped set, then the caller's sample of an index.
QStringList checkTexts(const EmbedderOptions& options) {
    return calibrationTexts() + options.extraCheckTexts;
}

// How fast `embedder` embeds `texts`, in tokens per second, from one timed pass. The embedder
// must have embedded them once already: the first pass prepares oneDNN's kernels for each batch
// shape, which for a small model costs more than the arithmetic.
double tokensPerSecond(Embedder& embedder, const QStringList& texts, double* textsPerSecond) {
    std::size_t tokens = 0;
    for (const QString& text : texts)
        tokens += embedder.tokenizer().encode(text.trimmed(), embedder.maxSeqLength()).size();
    QElapsedTimer clock;
    clock.start();
    (void)embedder.embed(texts);
    const double seconds = std::max(1e-9, double(clock.nsecsElapsed()) / 1e9);
    if (textsPerSecond)
        *textsPerSecond = double(texts.size()) / seconds;
    return double(tokens) / seconds;
}

// The texts a check times a mode on: a spread of kSpeedTexts of `texts`, long and short alike,
// so that the figure reflects what the mode does with varied input. Two batches' worth: enough
// to compare the modes (they differ by tens of percent), short beside the check itself.
constexpr qsizetype kSpeedTexts = 64;

QStringList speedSample(const QStringList& texts) {
    if (texts.size() <= kSpeedTexts)
        return texts;
    QStringList sample;
    for (qsizetype i = 0; i < kSpeedTexts; ++i)
        sample << texts[i * texts.size() / kSpeedTexts];
    return sample;
}

// Runs the quality check for a fast mode in which `candidate` already embeds. The fp32 vectors
// are made once per open (`reference`), and only while no fast encoder is held, to bound the
// memory in use at one extra model.
class QualityCheck {
public:
    QualityCheck(const OpenedModel& opened, const EmbedderOptions& options)
        : m_opened(opened), m_texts(checkTexts(options)) {}

    Result<void> makeReference() {
        if (m_reference)
            return {};
        auto fp32 = makeTorchBertEmbedder(m_opened, Precision::Fp32);
        if (!fp32)
            return fp32.error();
        auto vectors = (*fp32)->embed(m_texts);
        if (!vectors)
            return vectors.error();
        m_reference = std::move(vectors).value();
        return {};
    }

    // Compares, then times the mode on a sample (warmed by one untimed pass).
    Result<PrecisionQuality> run(Embedder& candidate) {
        auto vectors = candidate.embed(m_texts);
        if (!vectors)
            return vectors.error();
        auto quality = compareWithReference(*m_reference, *vectors, candidate.precision());
        if (!quality)
            return quality;
        const QStringList sample = speedSample(m_texts);
        if (auto warm = candidate.embed(sample); !warm)
            return warm.error();
        quality->tokensPerSecond = tokensPerSecond(candidate, sample, nullptr);
        return quality;
    }

private:
    const OpenedModel& m_opened;
    QStringList m_texts;
    std::optional<EmbeddingMatrix> m_reference;
};

// A fast embedder with the quality check figures that admitted it.
class AdmittedEmbedder final : public Embedder {
public:
    AdmittedEmbedder(std::unique_ptr<Embedder> inner, PrecisionQuality quality)
        : m_inner(std::move(inner)), m_quality(quality) {}

    const ModelInfo& model() const override { return m_inner->model(); }
    const WordPieceTokenizer& tokenizer() const override { return m_inner->tokenizer(); }
    std::size_t maxSeqLength() const override { return m_inner->maxSeqLength(); }
    Precision precision() const override { return m_inner->precision(); }
    std::optional<PrecisionQuality> precisionQuality() const override { return m_quality; }
    Result<EmbeddingMatrix> embed(const QStringList& texts) override {
        return m_inner->embed(texts);
    }
    Result<EmbeddingMatrix> embedTokens(const std::vector<std::vector<TokenId>>& ids) override {
        return m_inner->embedTokens(ids);
    }

private:
    std::unique_ptr<Embedder> m_inner;
    PrecisionQuality m_quality;
};

Result<std::unique_ptr<Embedder>> admitted(Result<std::unique_ptr<Embedder>> embedder,
                                           const PrecisionQuality& quality) {
    if (!embedder)
        return embedder;
    return std::unique_ptr<Embedder>(new AdmittedEmbedder(std::move(embedder).value(), quality));
}

Error notAccurateEnough(const ModelInfo& model, const PrecisionQuality& q) {
    const QString needed = q.precision == Precision::Bf16
                               ? QStringLiteral("mean cosine >= %1").arg(kBf16MinMeanCosine)
                               : QStringLiteral("mean cosine >= %1 and overlap >= %2")
                                     .arg(kInt8MinMeanCosine)
                                     .arg(kInt8MinNeighbourOverlap);
    return makeError(ErrorCode::Unsupported,
                     QStringLiteral("%1 is not accurate enough with the model '%2' (%3, against "
                                    "fp32; it needs %4); use fp32 or auto")
                         .arg(precisionName(q.precision), model.name, q.figures(), needed));
}

// The check's result for `precision` (a fast mode) with this model on this CPU: remembered, or
// run now and remembered. When it runs now, the embedder it checked is handed to `checked` (if
// given), so that a caller that goes on to use it need not convert the weights again.
Result<PrecisionQuality> knownQuality(const OpenedModel& opened, Precision precision,
                                      const EmbedderOptions& options, QualityCheck& check,
                                      std::unique_ptr<Embedder>* checked) {
    const QString cpu = cpuDescription(probeCpuFeatures());
    const QString fingerprint = opened.model.weightsFingerprint;
    if (auto known = rememberedQuality(options.qualityCacheFolder, fingerprint, cpu, precision))
        return *known;
    if (auto reference = check.makeReference(); !reference)
        return reference.error();
    auto candidate = makeTorchBertEmbedder(opened, precision);
    if (!candidate)
        return candidate.error();
    auto quality = check.run(**candidate);
    if (!quality)
        return quality.error();
    // A cache that cannot be written costs a check at the next start, nothing more.
    (void)rememberQuality(options.qualityCacheFolder, fingerprint, cpu, *quality);
    if (checked)
        *checked = std::move(candidate).value();
    return quality;
}

// An embedder in `precision` (a fast mode) that has passed the check, or why not.
Result<std::unique_ptr<Embedder>> checkedEmbedder(const OpenedModel& opened, Precision precision,
                                                  const EmbedderOptions& options,
                                                  QualityCheck& check) {
    std::unique_ptr<Embedder> checked;
    auto quality = knownQuality(opened, precision, options, check, &checked);
    if (!quality)
        return quality.error();
    if (!quality->passed)
        return notAccurateEnough(opened.model, *quality);
    if (checked)
        return admitted(std::move(checked), *quality);
    return admitted(makeTorchBertEmbedder(opened, precision), *quality);
}

// The fast modes worth trying for auto, in the order that breaks ties of speed (and decides
// between modes whose speed is unknown): int8 first, as it has the faster matrix products.
std::vector<Precision> autoCandidates() {
    const CpuFeatures cpu = probeCpuFeatures();
    std::vector<Precision> modes;
    if (libTorchEncoderForced())
        return modes;
    if (cpu.runsInt8())
        modes.push_back(Precision::Int8);
    if (cpu.runsBf16())
        modes.push_back(Precision::Bf16);
    return modes;
}

// What auto runs: the fastest fast mode that passed its check, by the speed measured at the
// check; fp32 when none did. A mode that cannot run or be checked here is passed over. The
// checks' embedders are dropped as soon as measured, so that no two fast models are held at
// once; the one chosen is then made afresh.
Result<std::unique_ptr<Embedder>>
fastestPassing(const OpenedModel& opened, const EmbedderOptions& options, QualityCheck& check) {
    std::optional<PrecisionQuality> best;
    for (Precision precision : autoCandidates()) {
        auto quality = knownQuality(opened, precision, options, check, nullptr);
        if (quality && quality->passed &&
            (!best || quality->tokensPerSecond > best->tokensPerSecond))
            best = *quality;
    }
    if (best)
        if (auto embedder = admitted(makeTorchBertEmbedder(opened, best->precision), *best))
            return embedder;
    return makeTorchBertEmbedder(opened, Precision::Fp32);
}

Result<std::unique_ptr<Embedder>> openInPrecision(const QString& modelFolder,
                                                  const EmbedderOptions& options) {
    auto opened = openModelFolder(modelFolder, options);
    if (!opened)
        return opened.error();
    if (options.precision == Precision::Fp32)
        return makeTorchBertEmbedder(*opened, Precision::Fp32);
    QualityCheck check(*opened, options);
    if (options.precision != Precision::Auto) {
        if (auto runs = checkCpuRuns(options.precision, probeCpuFeatures()); !runs)
            return runs.error();
        return checkedEmbedder(*opened, options.precision, options, check);
    }
    return fastestPassing(*opened, options, check);
}

} // namespace

Result<std::unique_ptr<Embedder>> openEmbedder(const QString& modelFolder,
                                               const EmbedderOptions& options) {
    // The checks bound what a model's files can make us allocate, but a real model may still be
    // too large for this machine (or its memory limit): that is one line, not an abort.
    try {
        return openInPrecision(modelFolder, options);
    } catch (const std::bad_alloc&) {
        return makeError(ErrorCode::Io,
                         modelFolder + QStringLiteral(": not enough memory to load the model"));
    }
}

Result<std::vector<PrecisionCheck>> checkPrecisions(const QString& modelFolder,
                                                    const std::vector<Precision>& precisions,
                                                    const EmbedderOptions& options) {
    auto opened = openModelFolder(modelFolder, options);
    if (!opened)
        return opened.error();
    QualityCheck check(*opened, options);
    const QStringList texts = checkTexts(options);
    const QString cpu = cpuDescription(probeCpuFeatures());
    std::vector<PrecisionCheck> results;
    for (Precision precision : precisions) {
        PrecisionCheck result;
        result.precision = precision;
        if (auto runs = checkCpuRuns(precision, probeCpuFeatures()); !runs) {
            result.unavailable = runs.error().message;
            results.push_back(result);
            continue;
        }
        if (precision != Precision::Fp32)
            if (auto reference = check.makeReference(); !reference)
                return reference.error();
        auto embedder = makeTorchBertEmbedder(*opened, precision);
        if (!embedder) {
            result.unavailable = embedder.error().message;
            results.push_back(result);
            continue;
        }
        if (precision != Precision::Fp32) {
            auto quality = check.run(**embedder);
            if (!quality)
                return quality.error();
            result.quality = *quality;
        } else if (auto warm = (*embedder)->embed(texts); !warm) {
            return warm.error();
        }
        result.tokensPerSecond = tokensPerSecond(**embedder, texts, &result.textsPerSecond);
        if (result.quality) {
            // The full timing replaces the check's short one: auto goes by it from now on.
            result.quality->tokensPerSecond = result.tokensPerSecond;
            (void)rememberQuality(options.qualityCacheFolder, opened->model.weightsFingerprint, cpu,
                                  *result.quality);
        }
        results.push_back(result);
    }
    return results;
}

Result<std::vector<PrecisionQuality>> rememberedQualities(const QString& modelFolder,
                                                          const QString& cacheFolder) {
    auto model = readModelInfo(modelFolder);
    if (!model)
        return model.error();
    auto weights = WeightsFile::openInFolder(model->folder);
    if (!weights)
        return weights.error();
    const QString cpu = cpuDescription(probeCpuFeatures());
    std::vector<PrecisionQuality> known;
    for (Precision precision : {Precision::Int8, Precision::Bf16})
        if (auto q = rememberedQuality(cacheFolder, weights->fingerprint(), cpu, precision))
            known.push_back(*q);
    return known;
}

} // namespace semsearch
