// openEmbedder: which precision an embedder runs in. A fast mode is used only on a CPU that has
// its instructions and for a model that passed the quality check (precision_check.h), checked
// here when no remembered result says so.

#include "embed/torch_bert_embedder.h"
#include "semsearch/precision_check.h"

#include <QElapsedTimer>

#include <new>

namespace semsearch {

namespace {

// The texts a check compares: the shipped set, then the caller's sample of an index.
QStringList checkTexts(const EmbedderOptions& options) {
    return calibrationTexts() + options.extraCheckTexts;
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

    Result<PrecisionQuality> run(Embedder& candidate) {
        auto vectors = candidate.embed(m_texts);
        if (!vectors)
            return vectors.error();
        return compareWithReference(*m_reference, *vectors, candidate.precision());
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

// An embedder in `precision` (a fast mode) that has passed the check, or why not.
Result<std::unique_ptr<Embedder>> checkedEmbedder(const OpenedModel& opened, Precision precision,
                                                  const EmbedderOptions& options,
                                                  QualityCheck& check) {
    const QString cpu = cpuDescription(probeCpuFeatures());
    const QString fingerprint = opened.model.weightsFingerprint;
    if (auto known = rememberedQuality(options.qualityCacheFolder, fingerprint, cpu, precision)) {
        if (!known->passed)
            return notAccurateEnough(opened.model, *known);
        return admitted(makeTorchBertEmbedder(opened, precision), *known);
    }
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
    if (!quality->passed)
        return notAccurateEnough(opened.model, *quality);
    return admitted(std::move(candidate), *quality);
}

// The fast modes worth trying for auto, fastest first.
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
    for (Precision precision : autoCandidates())
        if (auto embedder = checkedEmbedder(*opened, precision, options, check))
            return embedder;
    return makeTorchBertEmbedder(*opened, Precision::Fp32);
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

namespace {

// Embeds the check's texts with `embedder` and measures the rate. The embedder must have
// embedded them once already: the first pass prepares oneDNN's kernels for each batch shape,
// which for a small model costs more than the arithmetic.
void measureSpeed(Embedder& embedder, const QStringList& texts, PrecisionCheck& out) {
    std::size_t tokens = 0;
    for (const QString& text : texts)
        tokens += embedder.tokenizer().encode(text.trimmed(), embedder.maxSeqLength()).size();
    QElapsedTimer clock;
    clock.start();
    (void)embedder.embed(texts);
    const double seconds = std::max(1e-9, double(clock.nsecsElapsed()) / 1e9);
    out.textsPerSecond = double(texts.size()) / seconds;
    out.tokensPerSecond = double(tokens) / seconds;
}

} // namespace

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
            (void)rememberQuality(options.qualityCacheFolder, opened->model.weightsFingerprint, cpu,
                                  *quality);
            result.quality = *quality;
        } else if (auto warm = (*embedder)->embed(texts); !warm) {
            return warm.error();
        }
        measureSpeed(**embedder, texts, result);
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
