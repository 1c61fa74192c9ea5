// The --precision option and the choice of precision for a command on an index (see
// cli_support.h).

#include "cli_support.h"

#include "semsearch/index_folder.h"
#include "semsearch/index_precision.h"
#include "semsearch/locations.h"
#include "semsearch/shared_index_overview.h"

namespace semsearch::cli {

namespace {

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
    options.precision = asked.value_or(Precision::Auto);
    const EmbedderUse purpose = use == ModelUse::Search  ? EmbedderUse::Search
                                : use == ModelUse::Index ? EmbedderUse::Index
                                                         : EmbedderUse::Reembed;
    return openEmbedderForIndex(modelFolder, index, purpose, options);
}

std::optional<Precision> sharedIndexPrecisionFor(const QString& location, ModelUse use) {
    auto overview = readSharedIndexOverview(location);
    if (!overview || !overview->precision)
        return std::nullopt;
    if (use == ModelUse::Search && !checkCpuRuns(*overview->precision, probeCpuFeatures()))
        return Precision::Fp32;
    return overview->precision;
}

} // namespace semsearch::cli
