// The --precision option and the choice of precision for a command on an index (see
// cli_support.h).

#include "cli_support.h"

#include "semsearch/index_folder.h"
#include "semsearch/index_precision.h"
#include "semsearch/locations.h"

namespace semsearch::cli {

namespace {

// Passages of the index the quality check compares besides the shipped set: enough to cover the
// index's kinds of text, few enough that a first check stays within seconds.
constexpr int kCheckedPassages = 64;

QString precisionNames() {
    return QStringLiteral("fp32, bf16, int8 or auto");
}

} // namespace

QCommandLineOption precisionOption(const QString& defaultText) {
    return QCommandLineOption(
        QStringLiteral("precision"),
        QStringLiteral("Arithmetic: %1 (default: $SEMSEARCH_PRECISION, else %2).")
            .arg(precisionNames(), defaultText),
        QStringLiteral("MODE"));
}

Result<std::optional<Precision>> askedPrecision(const QCommandLineParser& parser) {
    const bool flag = parser.isSet(QStringLiteral("precision"));
    const QString text = flag ? parser.value(QStringLiteral("precision"))
                              : qEnvironmentVariable("SEMSEARCH_PRECISION");
    if (text.isEmpty())
        return std::optional<Precision>();
    if (auto precision = parsePrecision(text))
        return std::optional<Precision>(*precision);
    return makeError(
        ErrorCode::InvalidArgument,
        QStringLiteral("%1 takes %2, not '%3'")
            .arg(flag ? QStringLiteral("--precision") : QStringLiteral("SEMSEARCH_PRECISION"),
                 precisionNames(), text));
}

Result<std::unique_ptr<Embedder>> openModelFor(const QString& modelFolder, IndexFolder* index,
                                               std::optional<Precision> asked, ModelUse use,
                                               EmbedderOptions options) {
    options.qualityCacheFolder = defaultCacheFolder();
    std::optional<Precision> recorded;
    if (index) {
        auto sample = passageSample(index->store(), kCheckedPassages);
        auto precision = indexPrecision(index->store());
        if (!sample || !precision)
            return !sample ? sample.error() : precision.error();
        options.extraCheckTexts = *sample;
        recorded = *precision;
    }
    // The index's own precision, unless told otherwise: a query in the precision of the vectors
    // it is compared with, and new vectors like the old ones. A re-embed chooses afresh.
    const bool fromIndex =
        recorded && use != ModelUse::Reembed && (!asked || *asked == Precision::Auto);
    options.precision = fromIndex ? *recorded : asked.value_or(Precision::Auto);
    auto embedder = openEmbedder(modelFolder, options);
    if (embedder || !fromIndex || embedder.error().code != ErrorCode::Unsupported)
        return embedder;
    // This machine cannot make the index's vectors. A query in fp32 is the closest to any
    // precision's vectors; new vectors of another precision would mix two in one index.
    if (use == ModelUse::Search) {
        options.precision = Precision::Fp32;
        return openEmbedder(modelFolder, options);
    }
    return makeError(ErrorCode::Unsupported,
                     QStringLiteral("%1: this index holds %2 vectors, which cannot be made here "
                                    "(%3); re-embed it for this machine: 'semsearch-cli index "
                                    "--reembed'")
                         .arg(index->folder(), precisionName(*recorded), embedder.error().message));
}

} // namespace semsearch::cli
